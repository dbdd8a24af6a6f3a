"""One table of French labels (config/libelles.yaml) for HTML tables, charts and workbooks."""

from __future__ import annotations

import base64
from xml.etree import ElementTree

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from cia_lib.calculs.indicateurs import LIBELLES_INDICATEURS, NIVEAUX
from cia_lib.restitution.libelles import libelle_feuille, libelle_indicateur, libelle_niveau, table_libelles
from cia_lib.restitution.presentation import MIME_TABLEAU, image, repliable, tableau_html, vue_epci

NBSP, NNBSP = "\u00a0", "\u202f"


def _cellules(tableau):
    soup = BeautifulSoup(tableau._repr_html_(), "html.parser")
    return ([th.get_text() for th in soup.select("thead th")],
            [[td.get_text() for td in tr.find_all("td")] for tr in soup.select("tbody tr")])


def test_chaque_indicateur_et_niveau_a_un_libelle():
    table = table_libelles()
    assert set(LIBELLES_INDICATEURS) <= set(table["indicateurs"])
    assert set(NIVEAUX) <= set(table["niveaux"])
    for code in LIBELLES_INDICATEURS:
        assert "_" not in libelle_indicateur(code)


def test_codes_traduits_pression_en_ratio_baux_entiers():
    annexe = pd.DataFrame({
        "indicateur": ["q1_hors_qpv", "pression", "prioritaires_hors_dalo"],
        "niveau": ["epci", "commune", "reservataire"],
        "numerateur": [53, 1726, 12], "denominateur": [259, 259, 40],
        "taux": [53 / 259, 1726 / 259, 0.3], "cible": [0.25, None, None],
    })
    entetes, lignes = _cellules(tableau_html(annexe))
    assert entetes == ["Indicateur", "Niveau", "Effectif", "Total", "Part", "Cible"]
    assert lignes[0][:2] == ["1er quartile hors QPV", "Ensemble de l'EPCI"]
    assert lignes[0][4] == f"20,5{NBSP}%"
    # 1 726 demands for 259 leases: 6,7 demands per lease, not 666,4 %
    assert lignes[1][:2] == ["Pression (demandes par bail)", "Commune"] and lignes[1][4] == "6,7"
    assert lignes[2][:2] == ["Prioritaires hors DALO", "Réservataire"]
    progression = pd.DataFrame({"indicateur": ["q1_hors_qpv"], "baux_projetes": [214.9],
                                "supplementaires_necessaires": [3.0]})
    entetes, lignes = _cellules(tableau_html(progression))
    assert entetes == ["Indicateur", "Baux projetés sur l'année", "Baux supplémentaires nécessaires"]
    assert lignes == [["1er quartile hors QPV", "215", "3"]]


def test_publication_pour_le_classeur_garde_les_nombres():
    t = tableau_html(pd.DataFrame({"indicateur": ["pression"], "taux": [6.66]}), nom_feuille="placement_nb_q1")
    contenu = t._repr_mimebundle_()[MIME_TABLEAU]
    assert contenu["nom"] == "Placement - baux Q1" == libelle_feuille("placement_nb_q1")
    assert contenu["colonnes"] == ["Indicateur", "Part"]
    assert contenu["lignes"] == [["Pression (demandes par bail)", 6.66]]
    assert contenu["formats"] == ["texte", "taux"] and contenu["lignes_ratio"] == [0]
    assert contenu["code"] == "placement_nb_q1" and contenu["codes_colonnes"] == ["indicateur", "taux"]


def test_vue_epci_valeurs_numeriques_et_ratio():
    tableau = pd.DataFrame({"indicateur": ["prioritaires", "pression"], "niveau": ["epci", "epci"],
                            "numerateur": [98, 1726], "denominateur": [259, 259], "taux": [98 / 259, 1726 / 259],
                            "cible": [0.25, None]})
    vue = vue_epci(tableau, ["prioritaires", "pression"])
    assert vue["Valeur"].tolist() == [98 / 259, 1726 / 259]
    _, lignes = _cellules(tableau_html(vue))
    assert lignes[0] == ["Ménages prioritaires", "98", "259", f"37,8{NBSP}%", f"25,0{NBSP}%"]
    assert lignes[1] == ["Pression (demandes par bail)", f"1{NNBSP}726", "259", "6,7", "–"]


def test_tableau_large_defile_avec_indice():
    soup = BeautifulSoup(tableau_html(pd.DataFrame({"a": [1]}), titre="T")._repr_html_(), "html.parser")
    assert soup.select_one("div.cia-defilement > table.cia-tableau") is not None
    assert "glisser" in soup.select_one("p.cia-indice-defilement").get_text()


def test_annexe_repliee_mais_entiere_dans_le_classeur():
    t = tableau_html(pd.DataFrame({"indicateur": ["dalo"], "taux": [0.1]}), nom_feuille="Indicateurs")
    plie = repliable(t, "Afficher l'annexe")
    soup = BeautifulSoup(plie._repr_html_(), "html.parser")
    assert soup.select_one("details.cia-annexe > summary").get_text() == "Afficher l'annexe"
    assert "classeur Excel" in soup.select_one("p.cia-impression-seule").get_text()
    assert plie._repr_mimebundle_()[MIME_TABLEAU] == t._repr_mimebundle_()[MIME_TABLEAU]


def test_graphique_avec_version_telephone():
    fig, ax = plt.subplots(figsize=(7.5, 3), layout="constrained")
    ax.barh([0, 1], [0.2, 0.4])
    ax.set_title("Essai", loc="left")
    sortie = image(fig)._repr_mimebundle_()
    soup = BeautifulSoup(sortie["text/html"], "html.parser")
    source, img = soup.select_one("picture source"), soup.select_one("picture img")
    assert source["media"] == "(max-width: 600px)" and img["alt"] == "Essai"

    def dessin(uri):
        assert uri.startswith("data:image/svg+xml;base64,")
        return ElementTree.fromstring(base64.b64decode(uri.split(",", 1)[1]))

    def largeur_points(svg):
        return float(svg.get("width").removesuffix("pt"))

    page, telephone = dessin(img["src"]), dessin(source["srcset"])
    # 7.5 in (540 pt) for the page, 4.2 in (302.4 pt) for the phone: its text is relatively larger
    assert largeur_points(page) == pytest.approx(7.5 * 72) and largeur_points(telephone) == pytest.approx(4.2 * 72)
    # texts stay texts (searchable, sharp in print), in fonts never wider than the measured one
    textes = [t for t in telephone.iter("{http://www.w3.org/2000/svg}text")]
    assert "Essai" in [t.text for t in textes]
    assert all("'DejaVu Sans'" in t.get("style") and "Verdana" not in t.get("style") for t in textes)
    assert ElementTree.fromstring(sortie["image/svg+xml"]).get("width") == page.get("width")  # the notebook's
    assert "Date" not in sortie["image/svg+xml"] and "Matplotlib" not in sortie["image/svg+xml"]


def test_libelle_niveau_inconnu_rendu_tel_quel():
    assert libelle_niveau("qpv") == "qpv"
