"""Writing result tables for the command line: CSV for French spreadsheets, JSON, Excel.

One writer for every command (``cia indicateurs``, ``cia residences``…), so that a table
written by one reads the same as a table written by another.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cia_lib.entrees.tableur import textes_surs
from cia_lib.erreurs import ErreurFichier, ErreurParametre, message_systeme
from cia_lib.restitution.classeur import contenu_classeur, remplir_feuille
from cia_lib.restitution.libelles import libelle_feuille
from cia_lib.restitution.presentation import valeurs_publiables

FORMATS = (".csv", ".json", ".xlsx")


def verifier_format(sortie: Path, formats: tuple[str, ...] = FORMATS) -> str:
    """Return the lower-case extension of ``sortie`` if it is one of ``formats``.

    Raises
    ------
    ErreurParametre
        Unsupported extension (French message listing the accepted ones).

    Examples
    --------
    >>> verifier_format(Path("sortie/Indicateurs.XLSX"))
    '.xlsx'
    """
    suffixe = Path(sortie).suffix.lower()
    if suffixe not in formats:
        attendues = ", ".join(formats[:-1]) + f" ou {formats[-1]}" if len(formats) > 1 else formats[0]
        raise ErreurParametre(
            f"format de sortie non pris en charge : « {Path(sortie).name} » (extension {attendues} attendue)."
        )
    return suffixe


def valeurs_simples(table: pd.DataFrame) -> pd.DataFrame:
    """Plain Python values (None for missing, dates as ``AAAA-MM-JJ``, booleans ``true``/``false``
    kept as booleans) so that every writer handles pandas' missing values the same way."""
    sortie = table.copy()
    for col in sortie.columns:
        if pd.api.types.is_datetime64_any_dtype(sortie[col]):
            sortie[col] = sortie[col].dt.strftime("%Y-%m-%d")
        sortie[col] = sortie[col].astype(object).where(sortie[col].notna(), None)
    return sortie


def _pour_csv(table: pd.DataFrame) -> pd.DataFrame:
    sortie = table.copy()
    for col in sortie.columns:
        if str(sortie[col].dtype) in ("boolean", "bool"):
            sortie[col] = sortie[col].map({True: "true", False: "false"}).astype("string")
    return sortie


def ecrire_classeur_table(table: pd.DataFrame, sortie: Path, feuille: str, lisible: bool = True) -> None:
    """Write ``table`` as a one-sheet workbook formatted by
    :func:`cia_lib.restitution.classeur.remplir_feuille`.

    With ``lisible``, the sheet name, headers and codes are the French labels of
    ``config/libelles.yaml``; without, the column names are kept (formats still applied).
    """
    from openpyxl import Workbook

    classeur = Workbook()
    page = classeur.active
    page.title = (libelle_feuille(feuille) if lisible else feuille)[:31]
    contenu = contenu_classeur(table)
    if not lisible:
        contenu = {**contenu, **valeurs_publiables(table)}
    remplir_feuille(page, contenu)
    classeur.save(sortie)


def ecrire_tableau(table: pd.DataFrame, sortie: Path, feuille: str, formats: tuple[str, ...] = FORMATS,
                   lisible: bool = True) -> None:
    """Write ``table`` to ``sortie`` according to its extension.

    - ``.csv``: ``;`` separator, decimal comma, UTF-8 with BOM (opens directly in a French
      spreadsheet), dates ``AAAA-MM-JJ``, booleans ``true``/``false``;
    - ``.json``: list of records, UTF-8, ``null`` for missing;
    - ``.xlsx``: one sheet named ``feuille``, numbers with French formats, frozen header,
      column widths; with ``lisible`` (default) the sheet name, headers and codes in French.

    Raises
    ------
    ErreurParametre
        Extension not in ``formats``.
    ErreurFichier
        The file cannot be written.
    """
    sortie = Path(sortie)
    suffixe = verifier_format(sortie, formats)
    try:
        sortie.parent.mkdir(parents=True, exist_ok=True)
        if suffixe == ".csv":
            textes_surs(_pour_csv(table)).to_csv(sortie, sep=";", decimal=",", index=False, encoding="utf-8-sig",
                                                 date_format="%Y-%m-%d")
        elif suffixe == ".json":
            valeurs_simples(table).to_json(sortie, orient="records", force_ascii=False, indent=1)
        else:
            ecrire_classeur_table(valeurs_simples(table), sortie, feuille, lisible)
    except OSError as exc:
        raise ErreurFichier(sortie, f"écriture impossible ({message_systeme(exc)}).") from None
