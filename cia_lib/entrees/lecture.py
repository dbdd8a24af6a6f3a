"""Reading one raw source file as text, whatever its format (CSV, XLSX or Parquet).

:func:`lire_fichier` picks the reader from the file extension. This module is also the
entry point of the reading stage: it re-exports the names of the modules that do the work:

- :mod:`cia_lib.entrees.decouverte`: finding a table's source files;
- :mod:`cia_lib.entrees.lecture_csv`, :mod:`cia_lib.entrees.lecture_xlsx`,
  :mod:`cia_lib.entrees.lecture_parquet`: reading each format;
- :mod:`cia_lib.entrees.fichier_brut`: the raw text table they return;
- :mod:`cia_lib.entrees.correspondance`: the column/value mapping;
- :mod:`cia_lib.entrees.normalisation`: folding headers and values.

Every cell is read as **text** (never guessed as a number, so INSEE codes keep their
leading zeros); typing happens later in :mod:`cia_lib.entrees.validation`.
"""

from __future__ import annotations

from pathlib import Path

from cia_lib.erreurs import ErreurFichier, message_systeme

from .correspondance import CorrespondanceTable, TableSource, appliquer_correspondance, charger_correspondance
from .decouverte import EXTENSIONS, fichiers_ignores, trouver_fichiers
from .fichier_brut import COLONNE_LIGNE, FichierBrut
from .lecture_csv import _lire_csv_ligne_a_ligne, _lire_csv_rapide, detecter_encodage, detecter_separateur, lire_csv
from .lecture_parquet import en_texte, lire_parquet, texte_arrow
from .lecture_xlsx import lire_xlsx
from .normalisation import est_colonne_personnelle, normaliser_colonne, normaliser_valeur

__all__ = [
    "COLONNE_LIGNE",
    "EXTENSIONS",
    "CorrespondanceTable",
    "FichierBrut",
    "TableSource",
    "_lire_csv_ligne_a_ligne",
    "_lire_csv_rapide",
    "appliquer_correspondance",
    "charger_correspondance",
    "detecter_encodage",
    "detecter_separateur",
    "en_texte",
    "est_colonne_personnelle",
    "fichiers_ignores",
    "lire_csv",
    "lire_fichier",
    "lire_parquet",
    "lire_xlsx",
    "normaliser_colonne",
    "normaliser_valeur",
    "texte_arrow",
    "trouver_fichiers",
]

def lire_fichier(fichier: Path, nom: str | None = None, feuille: str | None = None,
                 typee: bool = False) -> FichierBrut:
    """Read a CSV, XLSX or Parquet source file as text (see :func:`lire_csv`,
    :func:`lire_xlsx`, :func:`lire_parquet`; ``typee`` is passed to :func:`lire_parquet`).

    Raises
    ------
    ErreurFichier
        Also when the file cannot be read at all (rights, disk error), in French.
    """
    try:
        if fichier.suffix.lower() == ".parquet":
            return lire_parquet(fichier, nom, typee=typee)
        if fichier.suffix.lower() == ".xlsx":
            return lire_xlsx(fichier, nom, feuille)
        return lire_csv(fichier, nom)
    except OSError as exc:
        raise ErreurFichier(nom or fichier.name, f"fichier illisible ({message_systeme(exc)}).") from None
