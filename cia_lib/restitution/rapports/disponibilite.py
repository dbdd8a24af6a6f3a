"""What a territory's data allow before any notebook runs: « non disponible » instead of a crash.

In a multi-EPCI run (and for a single EPCI too) an EPCI may have no lease in the period, or no
OPS survey. Its report is then not a crash nor an all-zero page:

- no lease signed in the period: every page of the report is a short page « aucun bail sur
  la période » (with the banner: territory, period, coverage);
- no OPS survey up to the year: the page « Résidences sensibles » is a short page saying the
  survey is missing; the other pages are built normally.

:func:`pages_non_disponibles` decides, :func:`html_page_non_disponible` writes such a page.
"""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd

from cia_lib.calculs.indicateurs.multi import restreindre
from cia_lib.calculs.periodes import fin_trimestre
from cia_lib.entrees.donnees import charger_donnees

NOTEBOOKS_OPS = ("residences_sensibles",)
"""Notebooks that need an OPS survey of the year or before."""

COLONNES_DISPONIBILITE = {
    "attributions": ["date_bail", "code_commune"],
    "demandes": ["date_extraction", "code_commune_souhaitee"],
    "residences": ["id_residence", "code_commune"],
    "ops": ["id_residence", "annee_ops"],
}
"""Columns read to decide (enough for :func:`cia_lib.calculs.indicateurs.multi.restreindre`)."""


def charger_pour_disponibilite(donnees):
    """The processed tables, only the columns :func:`pages_non_disponibles` needs."""
    return charger_donnees(donnees, colonnes=COLONNES_DISPONIBILITE)


def pages_non_disponibles(tables, territoire, annee: int, trimestre: int, notebooks: list[str],
                          restreindre_au_territoire: bool = False) -> dict[str, str]:
    """Notebooks of a report that cannot be built for ``territoire``, with the French reason.

    Parameters
    ----------
    tables : cia_lib.entrees.donnees.Donnees
        From :func:`charger_pour_disponibilite` (whole import).
    territoire : cia_lib.territoire.config.Territoire
    annee, trimestre : int
        The report covers 1 January of ``annee`` to the end of ``trimestre``.
    notebooks : list of str
        Notebook names of the report.
    restreindre_au_territoire : bool
        Keep only the territory's communes first (an EPCI of a multi-EPCI import).

    Returns
    -------
    dict
        ``{notebook: raison}``; every notebook when no lease was signed in the period.
    """
    if restreindre_au_territoire:
        tables = restreindre(tables, territoire)
    du, au = dt.date(int(annee), 1, 1), fin_trimestre(int(annee), int(trimestre))
    baux = pd.to_datetime(tables.attributions["date_bail"])
    n_baux = int(baux.between(pd.Timestamp(du), pd.Timestamp(au)).sum())
    if n_baux == 0:
        raison = (f"aucun bail signé sur la période (du {du:%d/%m/%Y} au {au:%d/%m/%Y}) pour "
                  f"{territoire.nom} : aucun indicateur ne peut être calculé.")
        return {nom: raison for nom in notebooks}
    sortie = {}
    annees_ops = sorted({int(a) for a in tables.ops["annee_ops"].dropna() if int(a) <= int(annee)})
    for nom in notebooks:
        if nom in NOTEBOOKS_OPS and not annees_ops:
            sortie[nom] = (f"aucune enquête OPS en {annee} ou avant pour les résidences de {territoire.nom} : "
                           "la fragilité des résidences ne peut pas être calculée.")
    return sortie


def html_page_non_disponible(titre: str, bandeau: str, section: str, raison: str) -> str:
    """A short self-contained French page standing for a report page that cannot be built.

    Examples
    --------
    >>> page = html_page_non_disponible("Bilan", "<div>CCVO3F</div>", "Résidences sensibles", "pas d'OPS")
    >>> "Non disponible" in page and "pas d&#x27;OPS" in page
    True
    """
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(titre)}</title>
</head>
<body style="font-family:sans-serif;margin:2em auto;max-width:60em;color:#1b1b1b">
{bandeau}
<h1 style="color:#1f3b73">{html.escape(section)}</h1>
<p class="cia-non-disponible" style="font-size:1.1em"><strong>Non disponible</strong> : {html.escape(raison)}</p>
</body>
</html>
"""
