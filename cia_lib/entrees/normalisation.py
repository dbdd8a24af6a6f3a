"""Folding of headers and cell values, and recognition of personal-data headers.

Headers and values of the source files are compared folded (lower case, no accents,
punctuation ignored): :func:`normaliser_colonne` for headers and categories,
:func:`normaliser_valeur` for the values of a mapping; :func:`est_colonne_personnelle`
uses the folded header to spot columns that must never be read.
"""

from __future__ import annotations

import re
import unicodedata

from . import schema


def normaliser_colonne(nom) -> str:
    """Fold a column header: lower case, no accents, words joined by ``_``.

    Examples
    --------
    >>> normaliser_colonne("Numéro unique")
    'numero_unique'
    >>> normaliser_colonne("  Date de signature du bail ")
    'date_de_signature_du_bail'
    >>> normaliser_colonne("nb_moins_14")
    'nb_moins_14'
    """
    texte = unicodedata.normalize("NFKD", str(nom)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", texte).strip("_")



def normaliser_valeur(valeur) -> str:
    """Fold a cell value for value mappings: trimmed, lower case, no accents.

    Examples
    --------
    >>> normaliser_valeur(" Préfecture ")
    'prefecture'
    """
    texte = unicodedata.normalize("NFKD", str(valeur)).encode("ascii", "ignore").decode()
    return " ".join(texte.lower().split())


_MOTS_VIDES = {"de", "du", "des", "d", "la", "le", "les", "l", "en", "a", "au"}
_DEBUTS_PERSONNELS = {"nom", "prenom", "prenoms", "adresse", "telephone", "tel", "portable", "email", "e",
                      "courriel", "mail", "nir"}


def est_colonne_personnelle(nom) -> bool:
    """True for a header holding personal data (names, addresses, birth date, phone, e-mail, NIR…).

    Compares the folded header, without French small words, to
    :data:`cia_lib.entrees.schema.COLONNES_PERSONNELLES`; any header starting with one of their
    words (``nom_du_demandeur``, ``telephone_portable``…) or mentioning a birth counts too.
    Canonical columns (such as ``nom_residence``) are checked before this.

    Examples
    --------
    >>> [est_colonne_personnelle(n) for n in ["Date de naissance", "Nom du demandeur", "E-mail", "Nombre de personnes"]]
    [True, True, True, False]
    """
    mots = [m for m in normaliser_colonne(nom).split("_") if m and m not in _MOTS_VIDES]
    if not mots:
        return False
    personnelles = {"_".join(m for m in normaliser_colonne(c).split("_") if m not in _MOTS_VIDES)
                    for c in schema.COLONNES_PERSONNELLES}
    return ("_".join(mots) in personnelles or mots[0] in _DEBUTS_PERSONNELS
            or any(m in ("naissance", "nir", "courriel", "email", "mail", "telephone") for m in mots))
