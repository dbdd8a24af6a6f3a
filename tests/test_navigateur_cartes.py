"""The maps in a real headless Chromium, network blocked: drawn, no console error, tooltips right.

1. A page written by :func:`cia_lib.restitution.cartes.html_autonome` (fictional territory with a QPV).
2. notebooks/cartes.ipynb executed by papermill (kernel « cia-atelier ») on the sample data,
   exported to HTML by the report runner's exporter (code hidden, no CDN script): the maps are
   ``<iframe srcdoc>`` pages that must work offline.

Screenshots go to tests/artefacts/ (ignored by git).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from outils_navigateur import ARTEFACTS, PageHorsLigne

from cia_lib.restitution import cartes
from cia_lib.territoire import chemins, geographie

pytestmark = pytest.mark.navigateur

NBSP = "\u00a0"


def survoler(cadre, lat: float, lon: float, decalage_y: int = 18) -> str:
    """Move the mouse over (lat, lon) of the Leaflet map in ``cadre``; return the tooltip text."""
    nom = cadre.evaluate("() => Object.keys(window).find(k => k.startsWith('map_') && window[k] && window[k].latLngToContainerPoint)")
    point = cadre.evaluate(f"() => {{ const p = window['{nom}'].latLngToContainerPoint([{lat}, {lon}]);"
                           " return {x: p.x, y: p.y}; }")
    conteneur = cadre.locator(".leaflet-container")
    infobulle = cadre.locator(".leaflet-tooltip")
    conteneur.hover(position={"x": 2, "y": 2})  # leave any polygon: its tooltip closes
    infobulle.first.wait_for(state="detached", timeout=5000)
    conteneur.hover(position={"x": point["x"], "y": point["y"] + decalage_y})
    infobulle.first.wait_for(state="visible", timeout=5000)
    return infobulle.first.inner_text()


# --- 1. html_autonome page -------------------------------------------------------------

def test_page_autonome_hors_ligne(navigateur, territoire_test, tmp_path):
    communes = geographie.simplifier(geographie.charger_communes(territoire_test))
    qpv = geographie.charger_qpv(territoire_test)
    du, au = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-06-30")
    base = dict(niveau="commune", ecart=None, du=du, au=au)
    tableau = pd.DataFrame([
        dict(indicateur="q1_hors_qpv", cle="99001", libelle="Ville-Centre", numerateur=10, denominateur=40,
             taux=0.25, ic_bas=0.142, ic_haut=0.400, cible=0.25, statut="atteint", **base),
        dict(indicateur="q1_hors_qpv", cle="99002", libelle="Bourg-sur-Rivière", numerateur=3, denominateur=12,
             taux=0.25, ic_bas=0.089, ic_haut=0.532, cible=0.25, statut="atteint", **base),
        dict(indicateur="q1_hors_qpv", cle="99003", libelle="Hameau-les-Bois", numerateur=1, denominateur=4,
             taux=0.25, ic_bas=0.046, ic_haut=0.699, cible=0.25, statut="effectif insuffisant", **base),
        dict(indicateur="hors_q1_en_qpv", cle="99001", libelle="Ville-Centre", numerateur=7, denominateur=12,
             taux=7 / 12, ic_bas=0.320, ic_haut=0.807, cible=0.5, statut="atteint", **base),
    ])
    carte = cartes.carte_communes(communes, tableau, "q1_hors_qpv", territoire_test, qpv=qpv)
    chemin = tmp_path / "carte.html"
    chemin.write_text(cartes.html_autonome(carte), encoding="utf-8")

    p = PageHorsLigne(navigateur)
    page = p.ouvrir(chemin)
    page.locator(".leaflet-container").wait_for(state="visible")
    assert page.locator("path.cia-commune").count() == 3
    # Hatching of the small commune is the SVG pattern, drawn inside the page.
    assert page.locator("path.cia-commune-99003").get_attribute("fill") == "url(#cia-motif-effectif_insuffisant)"

    centre = geographie.points_etiquettes(communes.set_index("code")).loc["99002"]
    texte = survoler(page.main_frame, centre.y, centre.x)
    assert "Bourg-sur-Rivière (99002)" in texte and "Baux signés hors QPV : 12" in texte
    assert f"Part : 25,0{NBSP}%" in texte and "autour de la cible" in texte

    point_qpv = qpv.geometry.iloc[0].centroid
    texte_qpv = survoler(page.main_frame, point_qpv.y, point_qpv.x, decalage_y=-12)
    assert "QPV QN99901X" in texte_qpv and "Les Tours Imaginaires (fictif)" in texte_qpv
    assert f"Part : 58,3{NBSP}%" in texte_qpv
    assert "Aucun fichier de contours des QPV" not in page.content()

    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "carte_autonome.png"))
    assert p.erreurs == []
    assert p.requetes_reseau == []  # tiles are off by default: nothing asked from the network
    page.close()


# --- 2. the maps notebook --------------------------------------------------------------

@pytest.fixture(scope="module")
def page_notebook(exemple_traite, tmp_path_factory):
    import nbformat
    import papermill as pm

    from cia_lib.restitution.rapports.export import exporter_html

    dossier = tmp_path_factory.mktemp("cartes_notebook")
    execute = dossier / "cartes.ipynb"
    pm.execute_notebook(
        str(chemins.NOTEBOOKS / "cartes.ipynb"), str(execute),
        parameters={"donnees": str(exemple_traite), "territoire": str(chemins.TERRITOIRE_DEFAUT),
                    "annee": 2025, "trimestre": 4, "mode": "analyste"},
        kernel_name=chemins.NOM_NOYAU, progress_bar=False, cwd=str(chemins.NOTEBOOKS),
    )
    corps = exporter_html(nbformat.read(execute, as_version=4), "Cartes")
    ARTEFACTS.mkdir(exist_ok=True)
    chemin = ARTEFACTS / "cartes.html"
    chemin.write_text(corps, encoding="utf-8")
    return chemin


@pytest.mark.lent
def test_html_du_notebook_sans_ressource_distante(page_notebook):
    import html

    page = page_notebook.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", page)
    assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", page)
    cadres = [html.unescape(c) for c in re.findall(r'<iframe[^>]*?srcdoc="([^"]*)"', page)]
    assert len(cadres) >= 3
    for cadre in cadres:
        urls = set(re.findall(r"https?://[^\s\"'<>)\\]+", cadre))
        assert urls <= {"https://tile.openstreetmap.org/{z}/{x}/{y}.png", "http://www.w3.org/2000/svg",
                        "https://leafletjs.com"}, urls
        assert "Leaflet 1.9.4" in cadre


@pytest.mark.lent
def test_notebook_cartes_dans_le_navigateur(navigateur, page_notebook, donnees_exemple, territoire):
    from cia_lib.calculs.indicateurs import tableau_indicateurs
    from cia_lib.calculs.periodes import periode_cumul

    periode = periode_cumul(2025, 4)
    tableau = tableau_indicateurs(donnees_exemple, territoire, periode.du, periode.au)
    attendu = tableau[(tableau["indicateur"] == "q1_hors_qpv") & (tableau["niveau"] == "commune")
                      & (tableau["cle"] == "95313")].iloc[0]

    p = PageHorsLigne(navigateur)
    page = p.ouvrir(page_notebook)
    cadres = page.locator("iframe")
    cadres.first.wait_for()
    assert cadres.count() >= 3
    cadre_q1 = page.frame_locator("iframe").first
    cadre_q1.locator(".leaflet-container").wait_for(state="visible")
    assert cadre_q1.locator("path.cia-commune").count() == 9
    cadres.first.scroll_into_view_if_needed()

    frame = next(f for f in page.frames if f != page.main_frame and f.locator("path.cia-commune-95313").count())
    communes = geographie.charger_communes(territoire).set_index("code")
    point = geographie.points_etiquettes(communes).loc["95313"]
    texte = survoler(frame, point.y, point.x)
    assert "L'Isle-Adam (95313)" in texte
    assert f"Baux signés hors QPV : {int(attendu['denominateur'])}" in texte
    assert f"dont ménages du 1er quartile ou relogés (ANRU/ORCOD) : {int(attendu['numerateur'])}" in texte
    assert f"Part : {cartes.format_pourcentage(attendu['taux'])}" in texte
    assert "Cible : 25,0" in texte
    assert cartes.NOTE_SANS_QPV in frame.locator(".cia-legende").inner_text()

    page.screenshot(path=str(ARTEFACTS / "cartes_notebook.png"), full_page=False)
    assert p.erreurs == []
    assert p.requetes_reseau == []
    page.close()
