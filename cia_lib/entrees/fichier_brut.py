"""The raw text table read from one source file, and the header and row checks every reader shares.

Every cell is read as **text** (never guessed as a number, so INSEE codes keep their
leading zeros). Each row keeps the line number it had in its source file (header = line 1;
for a spreadsheet, the sheet's row number) in :data:`COLONNE_LIGNE`, so that rejections can
point the user at the right line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cia_lib.erreurs import ErreurFichier

from .normalisation import normaliser_colonne

COLONNE_LIGNE = "__ligne__"
"""Name of the column holding each row's line number in its source file."""


@dataclass
class FichierBrut:
    """A source file read as text.

    Attributes
    ----------
    chemin : pathlib.Path
    nom : str
        Name shown to the user (path relative to the source folder).
    entetes : list of str
        Headers as written in the file.
    lignes : pandas.DataFrame
        One string column per header (folded name) plus ``__ligne__``.
    lignes_mal_formees : list of (int, int)
        (line, number of fields) of rows with more fields than the header.
    """

    chemin: Path
    nom: str
    entetes: list[str]
    lignes: pd.DataFrame
    lignes_mal_formees: list[tuple[int, int]] = field(default_factory=list)



def _verifier_entetes(nom: str, entetes: list) -> tuple[list[str], list[str]]:
    """Headers as written (trailing empty ones dropped) and folded; checks empty and duplicate ones."""
    entetes = ["" if e is None else str(e).strip() for e in entetes]
    while entetes and entetes[-1] == "":
        entetes.pop()
    if not entetes:
        raise ErreurFichier(nom, "fichier vide : aucune ligne d'en-tête.")
    return entetes, _plier_entetes(nom, entetes)



def _plier_entetes(nom: str, entetes: list[str]) -> list[str]:
    """Folded header names; a French error for an empty or a duplicated header."""
    plies = [normaliser_colonne(e) for e in entetes]
    vides = [str(i + 1) for i, p in enumerate(plies) if not p]
    if vides:
        raise ErreurFichier(nom, f"en-tête vide en position {', '.join(vides)}.")
    doublons = sorted({p for p in plies if plies.count(p) > 1})
    if doublons:
        raise ErreurFichier(nom, "colonnes en double dans l'en-tête", doublons)
    return plies



def _trier_enregistrements(enregistrements, n: int, champs_max: int | None = None
                           ) -> tuple[list[list[str]], list[int], list[tuple[int, int]]]:
    """Rows of ``n`` stripped cells, their line numbers, and the malformed rows (line, fields).

    Blank rows are skipped; a row with more fields than the header is malformed when one of
    the extra fields is not blank (otherwise the extra fields are dropped), or, when
    ``champs_max`` is given, when it has more than ``champs_max`` fields at all (a
    ``,``-separated file: an unquoted decimal comma ``49,5`` shifts the row by one field,
    possibly into an empty last one); a shorter row is padded with empty cells.
    """
    valeurs, numeros, mal_formees = [], [], []
    for numero, champs in enregistrements:
        champs = ["" if c is None else c for c in champs]
        if all(str(c).strip() == "" for c in champs):
            continue  # blank line
        if (len(champs) > n and any(str(c).strip() for c in champs[n:])) or (
                champs_max is not None and len(champs) > champs_max):
            mal_formees.append((numero, len(champs)))
            continue
        champs = (list(champs) + [""] * n)[:n]
        valeurs.append([str(c).strip() for c in champs])
        numeros.append(numero)
    return valeurs, numeros, mal_formees



def _tableau(fichier: Path, nom: str, entetes: list, enregistrements: list[tuple[int, list]],
             strict: bool = False) -> FichierBrut:
    """The raw table of checked headers and rows (``strict``: no row may have more fields than the
    header line, see :func:`_trier_enregistrements`)."""
    champs_max = len(entetes) if strict else None
    entetes, plies = _verifier_entetes(nom, entetes)
    valeurs, numeros, mal_formees = _trier_enregistrements(enregistrements, len(entetes), champs_max)
    if not valeurs and not mal_formees:
        raise ErreurFichier(nom, "fichier vide : aucune ligne de données sous l'en-tête.")
    lignes = pd.DataFrame(valeurs, columns=plies, dtype="string") if valeurs else pd.DataFrame(
        {p: pd.Series(dtype="string") for p in plies}
    )
    lignes[COLONNE_LIGNE] = pd.array(numeros, dtype="Int64")
    return FichierBrut(fichier, nom, entetes, lignes, mal_formees)
