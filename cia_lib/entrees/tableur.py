"""Safe text for spreadsheets: a cell that starts like a formula is written as text.

Spreadsheet software runs a cell starting with ``=``, ``+``, ``-`` or ``@`` (and some read a
leading tab or carriage return the same way) as a formula: a bailleur named
``=HYPERLINK("http://…";"Cliquez ici")`` would become a live link in a workbook or a CSV
opened in Excel. Every CSV and workbook the project writes goes through these helpers:

- CSV: :func:`textes_surs` prefixes such text cells with an apostrophe (OWASP's advice: the
  spreadsheet then shows the text, apostrophe included; numbers are never touched);
- workbooks (openpyxl): :func:`proteger_feuille` stores such cells as plain strings with the
  "quote prefix" style, so that they are shown as typed and never evaluated.

This module sits in the input stage because the import writes ``rejets.csv`` (raw values
of the source files); the output stage uses it too.
"""

from __future__ import annotations

import re

import pandas as pd

DEBUTS_FORMULE = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula."""


_NOMBRE = re.compile(r"[+-][0-9 .,\u00a0\u202f]*[0-9][0-9 .,\u00a0\u202f]*%?")
"""A signed number written as text (``-4``, ``+1,5 %``): shown as a number, never run."""


def est_formule(valeur) -> bool:
    """True for a text that a spreadsheet would read as a formula.

    A signed number (``-4``, ``+1,5``) is not one: it is shown as a number, never run.

    Examples
    --------
    >>> [est_formule(v) for v in ["=1+1", "+33 1 ", "-x", "@SUM(A1)", "\\tx", "Les Érables", "-4", "-1+1", None]]
    [True, False, True, True, True, False, False, True, False]
    """
    if not isinstance(valeur, str) or not valeur.startswith(DEBUTS_FORMULE):
        return False
    return not (valeur[0] in "+-" and _NOMBRE.fullmatch(valeur.strip()))


def texte_sur(valeur):
    """``valeur`` safe for a CSV cell: an apostrophe before a formula-like text, else unchanged.

    Examples
    --------
    >>> texte_sur('=HYPERLINK("http://x";"Cliquez ici")'), texte_sur("Les Érables"), texte_sur(-2.5)
    ('\\'=HYPERLINK("http://x";"Cliquez ici")', 'Les Érables', -2.5)
    """
    return "'" + valeur if est_formule(valeur) else valeur


def textes_surs(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells are safe for a CSV (see :func:`texte_sur`).

    Only text columns (``object`` or ``string``) change; numbers, dates and booleans are kept.
    """
    sortie = table.copy()
    for colonne in sortie.columns:
        serie = sortie[colonne]
        if pd.api.types.is_object_dtype(serie) or pd.api.types.is_string_dtype(serie):
            sortie[colonne] = serie.map(texte_sur, na_action="ignore").astype(serie.dtype)
    return sortie


def proteger_feuille(feuille) -> None:
    """Store every formula-like text cell of an openpyxl worksheet as plain text (in place).

    openpyxl turns a string starting with ``=`` into a formula; such cells (and those starting
    with ``+``, ``-``, ``@``, tab or CR) are set back to strings with the quote-prefix style.
    """
    for ligne in feuille.iter_rows():
        for cellule in ligne:
            if est_formule(cellule.value):
                cellule.data_type = "s"
                cellule.quotePrefix = True
