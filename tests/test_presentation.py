"""French formats, tables, banner, charts, and the runner's pure helpers (no kernel here)."""

from __future__ import annotations

import datetime as dt

import matplotlib.figure
import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from cia_lib.erreurs import ErreurParametre
from cia_lib.restitution.graphiques import graphique_serie, graphique_taux_cible
from cia_lib.restitution.presentation import (
    MIME_TABLEAU,
    figure_png,
    format_entier,
    format_intervalle,
    format_taux,
    html_bandeau,
    serie_annuelle,
    tableau_html,
    tableau_section_v,
)
from cia_lib.restitution.rapports import est_url_tuile, nom_dossier, ressources_externes
from cia_lib.restitution.rapports.excel import ecrire_classeur, nom_feuille, tableaux_publies
from cia_lib.restitution.rapports.index import html_index
from cia_lib.restitution.rapports.parametres import (
    convertir_valeur,
    lire_parametres_texte,
    valider_parametres,
)
from cia_lib.restitution.rapports.registre import RAPPORTS, lire_nom_dossier

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(("x", "attendu"), [(0.25, "25,0 %"), (0.0, "0,0 %"), (1, "100,0 %"), (0.12345, "12,3 %"),
                                            (None, "–"), (float("nan"), "–"), (pd.NA, "–"), ("s", "s")])
def test_format_taux(x, attendu):
    assert format_taux(x).replace(NBSP, " ") == attendu


def test_format_taux_espace_insecable():
    assert format_taux(0.25) == f"25,0{NBSP}%"


@pytest.mark.parametrize(("n", "attendu"), [(1234, "1 234"), (0, "0"), (999, "999"), (1234567, "1 234 567"),
                                            (7.0, "7"), (None, "–"), ("s", "s")])
def test_format_entier(n, attendu):
    assert format_entier(n).replace(NNBSP, " ") == attendu


def test_format_intervalle():
    assert format_intervalle(0.1, 0.305).replace(NBSP, " ") == "[10,0 % ; 30,5 %]"
    assert format_intervalle("s", 0.3) == "s"


def test_bandeau_donnees_fictives_et_mode():
    texte = html_bandeau("CC Test", "année 2025", "diffusion", True, 5)
    assert "DONNÉES FICTIVES" in texte and "année 2025" in texte and "de 1 à 5" in texte
    assert "DONNÉES FICTIVES" not in html_bandeau("CC Test", "année 2025", "analyste", False)


def test_tableau_html_sans_index_formats_francais_et_publication():
    df = pd.DataFrame({"libelle": ["A", "Total"], "numerateur": [1234, 5], "taux": [0.25, "s"]})
    t = tableau_html(df, titre="Essai", nom_feuille="Feuille", ligne_total="Total")
    soup = BeautifulSoup(t._repr_html_(), "html.parser")
    cellules = [[td.get_text() for td in tr.find_all("td")] for tr in soup.select("tbody tr")]
    assert cellules == [["A", f"1{NNBSP}234", f"25,0{NBSP}%"], ["Total", "5", "s"]]
    # no index column; codes of columns shown by their French label (config/libelles.yaml)
    assert [th.get_text() for th in soup.select("thead th")] == ["Périmètre", "Effectif", "Part"]
    assert soup.select_one("tr.total") is not None
    bundle = t._repr_mimebundle_()
    assert bundle[MIME_TABLEAU] == {"nom": "Feuille", "colonnes": ["Périmètre", "Effectif", "Part"],
                                    "lignes": [["A", 1234, 0.25], ["Total", 5, "s"]],
                                    "formats": ["texte", "entier", "taux"], "lignes_ratio": [],
                                    "code": "Feuille", "codes_colonnes": ["libelle", "numerateur", "taux"]}
    assert MIME_TABLEAU not in tableau_html(df)._repr_mimebundle_()


def test_tableau_html_echappe_le_html():
    soup = BeautifulSoup(tableau_html(pd.DataFrame({"x": ["<script>"]}))._repr_html_(), "html.parser")
    assert soup.find("script") is None


def _tidy():
    return pd.DataFrame({
        "indicateur": ["q1_hors_qpv"] * 3 + ["prioritaires"] * 3,
        "niveau": ["epci", "bailleur", "bailleur", "epci", "bailleur", "bailleur"],
        "cle": ["999999999", "Habitat Imaginaire", "Foyer Fictif"] * 2,
        "libelle": ["CAVI", "Habitat Imaginaire", "Foyer Fictif"] * 2,
        "numerateur": [10, 8, "s", 12, 9, "s"],
        "denominateur": [40, 30, 10, 44, 32, 12],
        "taux": [0.25, 8 / 30, "s", 12 / 44, 9 / 32, "s"],
        "cible": [0.25] * 6,
    })


def test_tableau_section_v(territoire_test):
    v = tableau_section_v(_tidy(), territoire_test)
    assert v["Périmètre"].tolist()[:3] == ["Total CAVI", "Bailleur : Habitat Imaginaire", "Bailleur : Foyer Fictif"]
    assert v.loc[0, "Baux signés"] == 44 and v.loc[0, "Ménages Q1 hors QPV"] == 10
    assert v.loc[2, "Part Q1 hors QPV"] == "s"
    etat = v[v["Périmètre"] == "Réservataire : État"].iloc[0]
    assert etat["Part Q1 hors QPV"] is None  # no Q1 objective per réservataire


def test_graphiques_renvoient_des_figures_deterministes():
    fig = graphique_taux_cible(_tidy(), "q1_hors_qpv", "bailleur", 0.25, "Essai")
    assert isinstance(fig, matplotlib.figure.Figure)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Habitat Imaginaire", "Foyer Fictif"]
    assert any(abs(line.get_xdata()[0] - 0.25) < 1e-9 for line in fig.axes[0].get_lines())  # target line
    png1 = figure_png(fig)
    png2 = figure_png(graphique_taux_cible(_tidy(), "q1_hors_qpv", "bailleur", 0.25, "Essai"))
    assert png1 == png2 and b"Software" not in png1
    serie = pd.DataFrame({"annee": [2025, 2025], "trimestre": [1, 2], "taux": [0.2, "s"], "denominateur": [30, 3]})
    fig2 = graphique_serie(serie, 0.25, "Série")
    assert [t.get_text() for t in fig2.axes[0].get_xticklabels()] == ["2025-T1", "2025-T2"]


def test_serie_annuelle_prend_le_cumul_du_dernier_trimestre():
    serie = pd.DataFrame({"indicateur": "q1", "annee": [2024, 2024, 2025], "trimestre": [3, 4, 1],
                          "numerateur_cumul": [5, 9, 2], "denominateur_cumul": [20, 40, 8],
                          "taux_cumul_annuel": [0.25, 0.225, 0.25], "cible": 0.25})
    a = serie_annuelle(serie)
    assert a["periode"].tolist() == ["2024", "2025"] and a["numerateur"].tolist() == [9, 2]


# --- runner helpers -----------------------------------------------------------------------


def test_ressources_externes():
    page = ('<html><head><script src="https://cdn.example/require.js"></script>'
            '<link rel="stylesheet" href="//cdn.example/a.css"><style>@import url("https://f.example/x.css");</style>'
            '</head><body><a href="https://www.legifrance.gouv.fr">lien</a><img src="data:image/png;base64,AA">'
            '<iframe srcdoc="&lt;script src=&quot;https://unpkg.com/leaflet.js&quot;&gt;&lt;/script&gt;"></iframe>'
            '<script>L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png")</script></body></html>')
    urls = ressources_externes(page)
    assert urls == ["https://cdn.example/require.js", "//cdn.example/a.css", "https://f.example/x.css",
                    "https://unpkg.com/leaflet.js", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"]
    assert [u for u in urls if not est_url_tuile(u)] == urls[:4]


def test_ressources_externes_data_html_base64_de_folium():
    import base64
    interne = base64.b64encode(b'<script src="https://cdn.jsdelivr.net/npm/leaflet.js"></script>').decode()
    assert ressources_externes(f'<iframe data-html="{interne}"></iframe>') == ["https://cdn.jsdelivr.net/npm/leaflet.js"]


def test_registre_et_dossiers():
    assert RAPPORTS["trimestriel"].notebooks == ("suivi_trimestriel",)
    assert RAPPORTS["bilan"].notebooks[0] == "bilan_annuel" and RAPPORTS["bilan"].mode_defaut == "diffusion"
    assert nom_dossier("trimestriel", 2025, 3) == "2025-T3" and nom_dossier("bilan", 2025) == "bilan-2025"
    assert lire_nom_dossier("2025-T3") == ("trimestriel", 2025, 3) and lire_nom_dossier("echec") is None
    with pytest.raises(ErreurParametre):
        nom_dossier("trimestriel", 2025, 5)


DECLARES = {"donnees": str, "territoire": str, "annee": int, "trimestre": int, "mode": str, "commune": str}


def test_valider_parametres_types_et_noms():
    assert valider_parametres({"annee": 2025, "commune": "01004"}, DECLARES) == {"annee": 2025, "commune": "01004"}
    for mauvais, motif in [({"inconnu": 1}, "paramètre inconnu"), ({"annee": "2025"}, "entier attendu"),
                           ({"annee": True}, "entier attendu"), ({"commune": 1004}, "texte attendu"),
                           ({"trimestre": 5}, "1, 2, 3 ou 4"), ({"mode": "public"}, "analyste"),
                           ({"annee": 1850}, "hors de")]:
        with pytest.raises(ErreurParametre, match=motif) as err:
            valider_parametres(mauvais, DECLARES)
        assert err.value.code_sortie == 2


def test_parametres_texte_les_codes_insee_restent_des_textes():
    assert lire_parametres_texte(["commune=01004", "annee=2025"], DECLARES) == {"commune": "01004", "annee": 2025}
    with pytest.raises(ErreurParametre, match="n'est pas un entier"):
        convertir_valeur("annee", "deux mille", int)
    with pytest.raises(ErreurParametre, match="nom=valeur"):
        lire_parametres_texte(["annee"], DECLARES)


def test_nom_feuille_excel():
    pris: set[str] = set()
    assert nom_feuille("Q1 / commune: [x]", pris) == "Q1 - commune- -x-"
    assert nom_feuille("q1 / commune: [x]", pris) == "q1 - commune- -x- (2)"
    assert len(nom_feuille("x" * 40, pris)) == 31


def test_classeur_excel(tmp_path):
    from openpyxl import load_workbook
    nb = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {
        MIME_TABLEAU: {"nom": "Essai", "colonnes": ["libelle", "numerateur", "taux"], "lignes": [["A", 3, 0.25], ["B", "s", "s"]]},
        "text/html": "<table></table>"}}]}]}
    nb = nbformat.from_dict(nb)
    tableaux = tableaux_publies(nb)
    ecrire_classeur(tableaux, tmp_path / "t.xlsx", "Titre", dt.datetime(2025, 12, 31))
    feuille = load_workbook(tmp_path / "t.xlsx")["Essai"]
    assert [[c.value for c in r] for r in feuille.iter_rows()] == [["libelle", "numerateur", "taux"], ["A", 3, 0.25],
                                                                  ["B", "s", "s"]]
    assert feuille["C2"].number_format == "0.0%" and feuille["B2"].number_format == "#,##0"
    assert feuille.freeze_panes == "A2"
    # same tables, later: same bytes (zip entries dated with the period, not the clock)
    import time

    time.sleep(2.1)  # zip timestamps have a 2-second resolution
    ecrire_classeur(tableaux, tmp_path / "t2.xlsx", "Titre", dt.datetime(2025, 12, 31))
    assert (tmp_path / "t.xlsx").read_bytes() == (tmp_path / "t2.xlsx").read_bytes()


def test_index_francais_autonome():
    page = html_index([{"dossier": "bilan-2025", "rapport": "bilan", "annee": 2025, "trimestre": 4,
                        "pages": ["bilan_annuel.html"], "excel": True, "mode": "diffusion", "fictives": True}])
    assert 'lang="fr"' in page and "Bilan annuel 2025" in page and "DONNÉES FICTIVES" in page
    assert 'href="bilan-2025/bilan_annuel.html"' in page and 'href="bilan-2025/tableaux.xlsx"' in page
    assert ressources_externes(page) == []


def test_export_html_sans_code_sans_cdn_en_francais():
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from cia_lib.restitution.rapports import exporter_html

    nb = new_notebook(cells=[
        new_markdown_cell("## Titre de section"),
        new_code_cell("secret_du_code = 42\nsecret_du_code", outputs=[
            new_output("execute_result", data={"text/plain": "42"}, execution_count=1),
            new_output("stream", name="stderr", text="FutureWarning: bruit"),
        ], execution_count=1),
    ])
    page = exporter_html(nb, "Essai")
    assert '<html lang="fr">' in page and "<title>Essai</title>" in page
    assert "secret_du_code" not in page and "FutureWarning" not in page and "Titre de section" in page
    assert ressources_externes(page) == []
    assert "require.js" not in page and "mathjax" not in page.lower().replace("mathjax_", "")


def _couleurs_barres(fig):
    return [matplotlib.colors.to_hex(p.get_facecolor()) for p in fig.axes[0].patches]


def test_couleur_des_barres_selon_cible_et_effectif():
    from cia_lib.restitution.graphiques import COULEUR_BARRE, COULEUR_INSUFFISANT, COULEUR_SOUS_CIBLE

    tidy = pd.DataFrame({
        "indicateur": ["prioritaires"] * 3, "niveau": ["reservataire"] * 3,
        "libelle": ["État", "Action Logement", "Petite commune"],
        "numerateur": [40, 20, 1], "denominateur": [50, 60, 2], "taux": [0.8, 20 / 60, 0.5],
        "cible": [1.0, 0.25, 0.25], "statut": ["non atteint", "atteint", "effectif insuffisant"],
    })
    fig = graphique_taux_cible(tidy, "prioritaires", "reservataire", None, "Contingents")
    # État 80 % under its own 100 % target: red; Action Logement 33 % over 25 %: blue;
    # 1 lease out of 2: grey, too few to judge even though 50 % > 25 %
    assert _couleurs_barres(fig) == [COULEUR_SOUS_CIBLE, COULEUR_BARRE, COULEUR_INSUFFISANT]
    assert "effectif insuffisant pour conclure" in fig.axes[0].get_legend_handles_labels()[1]
