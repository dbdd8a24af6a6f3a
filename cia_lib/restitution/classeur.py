"""Sheets fit for French Excel: numbers stored as numbers with formats, frozen header, widths.

One writer for the report workbook (:mod:`cia_lib.restitution.rapports.excel`) and for the
tables of the command line (:mod:`cia_lib.restitution.sorties`). Excel shows the formats
below with the reader's separators (``36,1 %``, ``1 234``, ``6,7`` in a French Excel).
"""

from __future__ import annotations

import pandas as pd

from cia_lib.entrees.tableur import proteger_feuille

from .libelles import libelle_colonne, lignes_ratio, traduire_codes
from .presentation import (
    FORMAT_ENTIER,
    FORMAT_NOMBRE,
    FORMAT_TAUX,
    est_colonne_taux,
    format_colonne,
    valeurs_publiables,
)

FORMATS_EXCEL = {FORMAT_TAUX: "0.0%", FORMAT_ENTIER: "#,##0", FORMAT_NOMBRE: "#,##0.0"}
"""Excel number format of each display format (text cells keep the General format)."""

COULEUR_ENTETE = "1F3B73"
LARGEUR_MIN, LARGEUR_MAX = 8, 60


def contenu_classeur(table: pd.DataFrame) -> dict:
    """A table as a sheet's content: French headers and labels, values as numbers, formats.

    Parameters
    ----------
    table : pandas.DataFrame
        Table with code columns (``indicateur``, ``niveau``, ``numerateur``…).

    Returns
    -------
    dict
        ``{"colonnes", "lignes", "formats", "lignes_ratio"}`` as published by
        :class:`cia_lib.restitution.presentation.Tableau`.

    Examples
    --------
    >>> c = contenu_classeur(pd.DataFrame({"indicateur": ["pression"], "taux": [6.66]}))
    >>> c["colonnes"], c["lignes"], c["formats"], c["lignes_ratio"]
    (['Indicateur', 'Part'], [['Pression (demandes par bail)', 6.66]], ['texte', 'taux'], [0])
    """
    taux = {c for c in table.columns if est_colonne_taux(c)}
    formats = [format_colonne(table[c], c, taux, set()) for c in table.columns]
    lisible = traduire_codes(table).rename(columns={c: libelle_colonne(c) for c in table.columns})
    return {**valeurs_publiables(lisible), "formats": formats, "lignes_ratio": lignes_ratio(table)}


def _formats_deduits(colonnes: list[str], lignes: list[list]) -> list[str]:
    """Formats of a payload published without them: shares by column name, else by values."""
    taux = {c for c in colonnes if est_colonne_taux(c)}
    return [format_colonne(pd.Series([lg[j] for lg in lignes], dtype=object), c, taux, set())
            for j, c in enumerate(colonnes)]


def _largeur(entete: str, valeurs: list) -> int:
    textes = [str(entete)] + [f"{v:,.1f}" if isinstance(v, float) else str(v) for v in valeurs if v is not None]
    return min(LARGEUR_MAX, max(LARGEUR_MIN, max(len(t) for t in textes) + 2))


def remplir_feuille(feuille, contenu: dict) -> None:
    """Write ``contenu`` (see :func:`contenu_classeur`) into an openpyxl sheet.

    Header row bold on dark blue and frozen, a width per column, numbers kept as numbers
    with the Excel format of their column (shares in per cent with one decimal, counts
    whole, ratios with one decimal); masked cells (« s ») stay text.
    """
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    colonnes = contenu["colonnes"]
    lignes = contenu["lignes"]
    formats = contenu.get("formats") or _formats_deduits(colonnes, lignes)
    ratios = set(contenu.get("lignes_ratio") or ())
    feuille.append(colonnes)
    for cellule in feuille[1]:
        cellule.font = Font(bold=True, color="FFFFFF")
        cellule.fill = PatternFill("solid", fgColor=COULEUR_ENTETE)
        cellule.alignment = Alignment(wrap_text=True, vertical="top")
    for i, ligne in enumerate(lignes):
        feuille.append(ligne)
        for j, fmt in enumerate(formats, start=1):
            cellule = feuille.cell(row=i + 2, column=j)
            if not isinstance(cellule.value, int | float) or isinstance(cellule.value, bool):
                continue
            if fmt == FORMAT_TAUX and i in ratios:
                cellule.number_format = FORMATS_EXCEL[FORMAT_NOMBRE]
            elif fmt in FORMATS_EXCEL:
                cellule.number_format = FORMATS_EXCEL[fmt]
    for j, nom in enumerate(colonnes, start=1):
        feuille.column_dimensions[get_column_letter(j)].width = _largeur(nom, [lg[j - 1] for lg in lignes])
    feuille.freeze_panes = "A2"
    proteger_feuille(feuille)  # formula-like text (a hostile bailleur name…) stays text
