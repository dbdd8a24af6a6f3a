"""Maps: classes, colours, tooltips, marks, QPV, residences, offline HTML, static figure."""

from __future__ import annotations

import io
import re

import folium
import matplotlib.colors as mcolors
import pandas as pd
import pytest

from cia_lib.restitution import cartes
from cia_lib.restitution.cartes import classer_communes
from cia_lib.territoire import geographie

NBSP = "\u00a0"
DU, AU = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-06-30")


def ligne(indicateur, cle, num, den, taux, bas, haut, cible, statut, niveau="commune", libelle=None):
    return dict(indicateur=indicateur, niveau=niveau, cle=cle, libelle=libelle or cle, numerateur=num,
                denominateur=den, taux=taux, ic_bas=bas, ic_haut=haut, cible=cible,
                ecart=taux - cible if isinstance(taux, float) and cible is not None else None,
                statut=statut, du=DU, au=AU)


@pytest.fixture
def tableau_test():
    """Hand-made indicator table of the fictional territory (H3's tidy shape)."""
    return pd.DataFrame([
        ligne("q1_hors_qpv", "999999999", 14, 56, 0.25, 0.155, 0.376, 0.25, "atteint", niveau="epci"),
        ligne("q1_hors_qpv", "99001", 10, 40, 0.25, 0.142, 0.400, 0.25, "atteint"),
        ligne("q1_hors_qpv", "99002", 3, 12, 0.25, 0.089, 0.532, 0.25, "atteint"),
        ligne("q1_hors_qpv", "99003", 1, 4, 0.25, 0.046, 0.699, 0.25, "effectif insuffisant"),
        ligne("hors_q1_en_qpv", "99001", 7, 12, 7 / 12, 0.320, 0.807, 0.50, "atteint"),
        ligne("hors_q1_en_qpv", "99002", 0, 0, None, None, None, 0.50, "sans objet"),
        ligne("hors_q1_en_qpv", "99003", 0, 0, None, None, None, 0.50, "sans objet"),
        ligne("prioritaires", "99001", 30, 52, 30 / 52, 0.44, 0.70, 0.25, "atteint"),
        ligne("prioritaires", "99002", 0, 12, 0.0, 0.0, 0.243, 0.25, "non atteint"),
        ligne("prioritaires", "99003", 0, 0, None, None, None, 0.25, "sans objet"),
        ligne("pression", "99001", 300, 40, 7.5, None, None, None, "information"),
        ligne("pression", "99002", 48, 12, 4.0, None, None, None, "information"),
        ligne("pression", "99003", 20, 0, None, None, None, None, "sans objet"),
    ])


@pytest.fixture
def communes_test(territoire_test):
    return geographie.simplifier(geographie.charger_communes(territoire_test))


@pytest.fixture
def qpv_test(territoire_test):
    return geographie.charger_qpv(territoire_test)


@pytest.fixture
def residences_test():
    return pd.DataFrame({
        "id_residence": ["R1", "R2", "R3"],
        "nom_residence": ["Les Tilleuls (fictive)", "Le Moulin (fictive)", "Sans Position (fictive)"],
        "bailleur": ["Habitat Imaginaire", "Foyer Fictif", "Foyer Fictif"],
        "code_commune": ["99001", "99002", "99003"],
        "nb_logements": [120, 15, 30],
        "latitude": [49.0, 49.005, None],
        "longitude": [2.20, 2.24, None],
        "signalee": [True, False, False],
        "score": [3.2, 0.5, 1.0],
    })


def couche(carte, debut):
    """The folium GeoJson layer whose name starts with ``debut``."""
    for enfant in carte._children.values():
        if isinstance(enfant, folium.GeoJson) and enfant.layer_name.startswith(debut):
            return enfant
    raise AssertionError(f"aucune couche « {debut} »")


def proprietes(carte, debut, cle="code"):
    return {f["properties"][cle]: f["properties"] for f in couche(carte, debut).data["features"]}


def etiquettes(carte):
    textes = []
    for enfant in carte._children.values():
        if isinstance(enfant, folium.FeatureGroup):
            for m in enfant._children.values():
                if isinstance(m, folium.Marker):
                    textes.append(m.icon.options["html"])
    return textes


# --- classes ---------------------------------------------------------------------------

def classe_de(**kw):
    base = dict(indicateur="q1_hors_qpv", cle="1", num=10, den=40, taux=0.25, bas=0.2, haut=0.3, cible=0.25,
                statut="atteint")
    base.update(kw)
    t = pd.DataFrame([ligne(base["indicateur"], base["cle"], base["num"], base["den"], base["taux"], base["bas"],
                            base["haut"], base["cible"], base["statut"])])
    return classer_communes(t, base["indicateur"]).iloc[0]


def test_classe_cible_dans_l_intervalle_bornes_comprises():
    assert classe_de(bas=0.25, haut=0.40).classe == "autour"        # target exactly at the lower bound
    assert classe_de(bas=0.10, haut=0.25).classe == "autour"        # exactly at the upper bound
    assert classe_de(bas=0.2500001, haut=0.40).classe == "au_dessus"
    assert classe_de(bas=0.10, haut=0.2499999, statut="non atteint").classe == "en_dessous"


def test_classes_speciales():
    assert classe_de(den=4, statut="effectif insuffisant").classe == "effectif_insuffisant"
    assert classe_de(num=0, den=0, taux=None, bas=None, haut=None, statut="sans objet").classe == "sans_objet"
    masque = classe_de(num="s", taux="s", bas="s", haut="s", statut="s")
    assert masque.classe == "secret" and masque.libelle_classe.startswith("secret statistique")


def test_couleurs_et_libelles_des_classes(tableau_test):
    classes = classer_communes(tableau_test, "q1_hors_qpv").set_index("cle")
    assert list(classes.index) == ["99001", "99002", "99003"]  # EPCI row not mapped
    assert classes.loc["99001", "classe"] == "autour"
    assert classes.loc["99001", "couleur"] == cartes.CLASSES["autour"].couleur == "#fee090"
    assert classes.loc["99003", ["classe", "couleur", "hachure", "marque"]].tolist() == [
        "effectif_insuffisant", "#bdbdbd", "///", "effectif insuffisant"]
    prio = classer_communes(tableau_test, "prioritaires").set_index("cle")
    assert prio["classe"].tolist() == ["au_dessus", "en_dessous", "sans_objet"]
    assert prio["couleur"].tolist() == ["#4575b4", "#d7191c", "#ffffff"]


def test_classes_de_pression_sequentielles(tableau_test):
    classes = classer_communes(tableau_test, "pression").set_index("cle")
    # 7.5 -> [4, 8); 4.0 exactly on a limit -> [4, 8) too; no lease -> sans objet.
    assert classes["classe"].tolist() == ["pression_2", "pression_2", "sans_objet"]
    assert classes.loc["99001", "libelle_classe"] == "de 4 à moins de 8"
    assert classer_communes(tableau_test.assign(taux=tableau_test["taux"].where(
        tableau_test["cle"] != "99001", 3.99)), "pression").iloc[0]["classe"] == "pression_1"
    libelles = [c.libelle for c in cartes.classes_indicateur("pression")][:5]
    assert libelles == ["moins de 4", "de 4 à moins de 8", "de 8 à moins de 12", "de 12 à moins de 20", "20 ou plus"]


def test_resume_classes(tableau_test):
    assert cartes.resume_classes(tableau_test, "q1_hors_qpv") == (
        "Sur 3 communes : 2 autour de la cible, 1 avec un effectif insuffisant.")
    assert not cartes.indicateur_disponible(tableau_test, "dalo")


def test_formats_francais():
    assert cartes.format_pourcentage(0.25) == f"25,0{NBSP}%"
    assert cartes.format_pourcentage(7 / 12) == f"58,3{NBSP}%"
    assert cartes.format_entier(1234) == "1\u202f234"
    assert cartes.format_decimal(7.5) == "7,5"
    assert cartes.format_entier("s") == "secret statistique"


# --- interactive map -------------------------------------------------------------------

def test_infobulle_d_une_commune_avec_ses_chiffres(communes_test, tableau_test, territoire_test, qpv_test):
    carte = cartes.carte_communes(communes_test, tableau_test, "q1_hors_qpv", territoire_test, qpv=qpv_test)
    p = proprietes(carte, "Communes")
    bourg = p["99002"]["infobulle"]
    assert "<b>Bourg-sur-Rivière</b> (99002)" in bourg
    assert "Baux signés hors QPV : 12" in bourg
    assert "dont ménages du 1er quartile ou relogés (ANRU/ORCOD) : 3" in bourg
    assert f"Part : 25,0{NBSP}% (IC à 95 % : 8,9{NBSP}% à 53,2{NBSP}%)" in bourg
    assert f"Cible : 25,0{NBSP}%" in bourg
    assert "autour de la cible" in bourg
    assert "Période : du 01/01/2025 au 30/06/2025" in p["99002"]["fenetre"]
    assert p["99002"]["couleur"] == "#fee090" and p["99002"]["remplissage"] == "#fee090"


def test_marque_des_petits_effectifs(communes_test, tableau_test, territoire_test):
    carte = cartes.carte_communes(communes_test, tableau_test, "q1_hors_qpv", territoire_test)
    hameau = proprietes(carte, "Communes")["99003"]
    assert hameau["classe"] == "effectif_insuffisant"
    assert hameau["remplissage"] == "url(#cia-motif-effectif_insuffisant)"  # hatched
    assert any("Hameau-les-Bois" in e and "effectif insuffisant" in e for e in etiquettes(carte))
    page = cartes.html_autonome(carte)
    assert 'id="cia-motif-effectif_insuffisant"' in page
    assert "effectif insuffisant (taux non interprétable)" in page  # legend


def test_sans_fichier_qpv_la_carte_le_dit(territoire, tableau_test):
    communes = geographie.simplifier(geographie.charger_communes(territoire))
    t = tableau_test.replace({"cle": {"99001": "95313", "99002": "95394", "99003": "95480"}})
    carte = cartes.carte_communes(communes, t, "q1_hors_qpv", territoire, qpv=geographie.charger_qpv(territoire))
    page = cartes.html_autonome(carte)
    assert cartes.NOTE_SANS_QPV in page
    assert "Quartiers prioritaires (QPV)" not in page
    p = proprietes(carte, "Communes")
    assert len(p) == 9
    assert p["95313"]["nom"] == "L'Isle-Adam" and p["95313"]["classe"] == "autour"
    assert p["95061"]["classe"] == "sans_objet"  # absent from the table: no lease
    assert "aucun bail" in p["95061"]["infobulle"]


def test_contour_qpv_avec_code_nom_et_indicateur(communes_test, tableau_test, territoire_test, qpv_test):
    carte = cartes.carte_communes(communes_test, tableau_test, "q1_hors_qpv", territoire_test, qpv=qpv_test)
    qpv = proprietes(carte, "Quartiers prioritaires", cle="code_qp")
    assert list(qpv) == ["QN99901X"]
    texte = qpv["QN99901X"]["infobulle"]
    assert "<b>QPV QN99901X</b>" in texte and "Les Tours Imaginaires (fictif)" in texte
    assert "Commune : Ville-Centre" in texte
    assert "Baux signés en QPV (tous les QPV de la commune) : 12" in texte
    assert "dont ménages au-dessus du 1er quartile : 7" in texte
    assert f"Part : 58,3{NBSP}%" in texte and "autour de la cible" in texte
    page = cartes.html_autonome(carte)
    assert cartes.NOTE_SANS_QPV not in page and "quartier prioritaire (QPV)" in page
    assert any("QN99901X" in e for e in etiquettes(carte))


def test_qpv_avec_ligne_de_niveau_qpv(communes_test, tableau_test, territoire_test, qpv_test):
    t = pd.concat([tableau_test, pd.DataFrame([ligne("hors_q1_en_qpv", "QN99901X", 5, 10, 0.5, 0.237, 0.763, 0.5,
                                                     "atteint", niveau="qpv")])], ignore_index=True)
    carte = cartes.carte_communes(communes_test, t, "prioritaires", territoire_test, qpv=qpv_test)
    texte = proprietes(carte, "Quartiers prioritaires", cle="code_qp")["QN99901X"]["infobulle"]
    assert "Baux signés en QPV : 10" in texte and f"Part : 50,0{NBSP}%" in texte


def test_carte_de_pression(communes_test, tableau_test, territoire_test):
    carte = cartes.carte_communes(communes_test, tableau_test, "pression", territoire_test)
    p = proprietes(carte, "Communes")
    assert "Demandes actives : 300" in p["99001"]["infobulle"]
    assert "Pression : 7,5 demandes par bail" in p["99001"]["infobulle"]
    assert "Cible" not in p["99001"]["infobulle"]
    assert p["99001"]["couleur"] == cartes.CLASSES["pression_2"].couleur
    assert "de 4 à moins de 8" in cartes.html_autonome(carte)


def test_tableau_masque_en_diffusion(communes_test, tableau_test, territoire_test):
    masque = tableau_test.astype(object)
    masque.loc[masque["cle"] == "99002", ["numerateur", "taux", "ic_bas", "ic_haut", "ecart", "statut"]] = "s"
    carte = cartes.carte_communes(communes_test, masque, "q1_hors_qpv", territoire_test)
    bourg = proprietes(carte, "Communes")["99002"]
    assert bourg["classe"] == "secret"
    assert "dont ménages du 1er quartile ou relogés (ANRU/ORCOD) : secret statistique" in bourg["infobulle"]
    assert "Part : secret statistique" in bourg["infobulle"]
    assert "Baux signés hors QPV : 12" in bourg["infobulle"]
    fig = cartes.carte_statique(communes_test, masque, "q1_hors_qpv", territoire_test)
    assert "communes-secret" in {c.get_gid() for c in fig.axes[0].collections}


def test_residences_points_taille_couleur_infobulle(communes_test, residences_test, territoire_test):
    carte = cartes.carte_residences(communes_test, residences_test, territoire_test)
    points = [m for g in carte._children.values() if isinstance(g, folium.FeatureGroup)
              for m in g._children.values() if isinstance(m, folium.CircleMarker)]
    assert len(points) == 2  # R3 has no position
    grand, petit = points  # drawn biggest first
    assert grand.options["radius"] > petit.options["radius"]
    assert grand.options["fillColor"] == cartes.COULEURS_RESIDENCE[True]
    assert petit.options["fillColor"] == cartes.COULEURS_RESIDENCE[False]
    texte = next(e for e in grand._children.values() if isinstance(e, folium.Tooltip)).text
    assert "Les Tilleuls (fictive)" in texte and "Bailleur : Habitat Imaginaire" in texte
    assert "Commune : Ville-Centre" in texte and "Logements : 120" in texte and "score 3,2" in texte
    page = cartes.html_autonome(carte)
    assert "1 résidence(s) sans coordonnées" in page and "résidence signalée (fragilité)" in page


def test_residences_sans_drapeau(communes_test, residences_test, territoire_test):
    carte = cartes.carte_residences(communes_test, residences_test.drop(columns=["signalee", "score"]), territoire_test)
    page = cartes.html_autonome(carte)
    assert "fragilité non évaluée" in page and "résidence signalée" not in page


# --- offline HTML ----------------------------------------------------------------------

URLS_ADMISES = (
    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",  # tile template (layer off by default)
    "http://www.w3.org/2000/svg",                     # SVG namespace, never fetched
    "https://leafletjs.com",                          # Leaflet's licence header and credit link
)


def verifier_hors_ligne(page: str) -> None:
    assert "Leaflet 1.9.4" in page and "L.map(" in page
    assert not re.search(r"<script[^>]+src=", page), "script externe"
    assert not re.search(r"<link[^>]+href=", page), "feuille de style externe"
    assert not re.search(r"url\((?!data:|#)", page.split("<script>")[0]), "ressource CSS externe"
    urls = set(re.findall(r"https?://[^\s\"'<>)\\]+", page))
    assert urls <= set(URLS_ADMISES), urls - set(URLS_ADMISES)
    for cdn in ("cdn.jsdelivr", "cdnjs", "jquery", "bootstrap", "fontawesome"):
        assert cdn not in page


def test_html_autonome_sans_cdn(communes_test, tableau_test, territoire_test, qpv_test, residences_test):
    carte = cartes.carte_communes(communes_test, tableau_test, "q1_hors_qpv", territoire_test, qpv=qpv_test,
                                  residences=residences_test)
    verifier_hors_ligne(cartes.html_autonome(carte))


def test_affichage_jupyter_en_iframe_autonome(communes_test, tableau_test, territoire_test):
    import html

    carte = cartes.carte_communes(communes_test, tableau_test, "pression", territoire_test)
    sortie = carte._repr_html_()
    assert sortie.startswith('<div class="cia-carte"><iframe class="cia-ecran-seul" srcdoc=')
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', sortie).group(1))
    verifier_hors_ligne(page)
    # printed in place of the interactive map: the static map, same classes (a PNG)
    imprimee = re.search(r'<img class="cia-impression-seule cia-carte-imprimee"[^>]*src="data:image/png;base64,', sortie)
    assert imprimee is not None
    assert carte.png_impression.startswith(b"\x89PNG")


def test_carte_sans_version_imprimable_le_dit(communes_test, tableau_test, territoire_test):
    carte = cartes.carte_communes(communes_test, tableau_test, "pression", territoire_test, imprimable=False)
    sortie = carte._repr_html_()
    assert "<img" not in sortie
    assert 'class="cia-impression-seule">' in sortie and "non imprimée" in sortie


def test_controles_replies_sur_telephone(communes_test, tableau_test, territoire_test):
    page = cartes.html_autonome(cartes.carte_communes(communes_test, tableau_test, "q1_hors_qpv", territoire_test,
                                                      imprimable=False))
    assert "window.innerWidth < 600" in page and ".options.collapsed = true" in page
    assert "cia-bouton-legende" in page and "@media (max-width: 600px)" in page


def test_html_autonome_d_une_carte_folium_ordinaire():
    carte = folium.Map(location=[49, 2.2], zoom_start=10, tiles=None)
    verifier_hors_ligne(cartes.html_autonome(carte))


def test_fond_de_carte_desactive_par_defaut(communes_test, tableau_test, territoire_test):
    carte = cartes.carte_communes(communes_test, tableau_test, "q1_hors_qpv", territoire_test)
    tuiles = [e for e in carte._children.values() if isinstance(e, folium.TileLayer)]
    assert len(tuiles) == 1 and tuiles[0].show is False and tuiles[0].overlay is True
    assert any(isinstance(e, folium.LayerControl) for e in carte._children.values())


# --- static map ------------------------------------------------------------------------

def hexa(rgba) -> str:
    return mcolors.to_hex(rgba)


@pytest.mark.parametrize("indicateur", ["q1_hors_qpv", "prioritaires", "pression"])
def test_statique_memes_couleurs_que_l_interactive(communes_test, tableau_test, territoire_test, qpv_test,
                                                   indicateur):
    interactive = proprietes(cartes.carte_communes(communes_test, tableau_test, indicateur, territoire_test,
                                                   qpv=qpv_test), "Communes")
    fig = cartes.carte_statique(communes_test, tableau_test, indicateur, territoire_test, qpv=qpv_test)
    collections = {c.get_gid(): c for c in fig.axes[0].collections if (c.get_gid() or "").startswith("communes-")}
    par_classe: dict[str, set] = {}
    for p in interactive.values():
        par_classe.setdefault(p["classe"], set()).add(p["couleur"])
    assert set(collections) == {f"communes-{c}" for c in par_classe}
    for classe, couleurs in par_classe.items():
        c = collections[f"communes-{classe}"]
        assert {hexa(f) for f in c.get_facecolor()} == couleurs
        assert len(c.get_paths()) == sum(p["classe"] == classe for p in interactive.values())
        assert (c.get_hatch() or "") == cartes.CLASSES[classe].hachure


def test_statique_legende_etiquettes_echelle_mention(communes_test, tableau_test, territoire_test, qpv_test,
                                                     residences_test):
    fig = cartes.carte_statique(communes_test, tableau_test, "q1_hors_qpv", territoire_test, qpv=qpv_test,
                                residences=residences_test, donnees_fictives=True)
    textes = [t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text"))]
    assert "Données fictives" in textes
    assert any(t.startswith("Hameau-les-Bois\n⚠ effectif insuffisant") for t in textes)
    assert "QN99901X" in textes and "0" in textes and "1 km" in textes  # scale bar
    legende = [t.get_text().replace("\n", " ") for t in fig.legends[0].get_texts()]
    assert "autour de la cible (cible dans l'intervalle de confiance)" in legende
    assert "quartier prioritaire (QPV)" in legende and "résidence signalée (fragilité)" in legende
    for fmt in ("png", "svg"):
        tampon = io.BytesIO()
        fig.savefig(tampon, format=fmt)
        assert tampon.tell() > 1000


def test_statique_sans_qpv_et_sans_mention(territoire, tableau_test):
    communes = geographie.charger_communes(territoire)
    fig = cartes.carte_statique(communes, tableau_test, "q1_hors_qpv", territoire)
    textes = " ".join(t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text")))
    assert "Données fictives" not in textes
    assert cartes.NOTE_SANS_QPV in textes and "L'Isle-Adam" in textes


# --- with the real indicator table -------------------------------------------------------

def test_avec_le_tableau_des_indicateurs(territoire_test, communes_test, qpv_test):
    from cia_lib.calculs.indicateurs import tableau_indicateurs
    from cia_lib.entrees.donnees import Donnees, tables_vides, typer_table

    n = 12
    attributions = pd.DataFrame({
        "id_attribution": [f"A{i}" for i in range(n)], "id_demandeur": [f"D{i}" for i in range(n)],
        "date_decision": ["2025-02-01"] * n, "date_bail": ["2025-03-01"] * n,
        "bailleur": ["Habitat Imaginaire"] * n, "reservataire": ["bailleur"] * n,
        "code_commune": ["99002"] * n, "code_qpv": [None] * n,
        # 3 households far under the threshold (Q1), 9 far above.
        "ressources_mensuelles": [300.0] * 3 + [5000.0] * 9, "nb_personnes": [1] * n,
        "dalo": [False] * n, "prioritaire_l441": [False] * n, "mutation": [False] * n,
    })
    vides = tables_vides()
    donnees = Donnees(attributions=typer_table("attributions", attributions), demandes=vides["demandes"],
                      residences=vides["residences"], ops=vides["ops"])
    tableau = tableau_indicateurs(donnees, territoire_test, pd.Timestamp("2025-01-01").date(),
                                  pd.Timestamp("2025-12-31").date())
    carte = cartes.carte_communes(communes_test, tableau, "q1_hors_qpv", territoire_test, qpv=qpv_test)
    bourg = proprietes(carte, "Communes")["99002"]
    assert "Baux signés hors QPV : 12" in bourg["infobulle"]
    assert f"Part : 25,0{NBSP}%" in bourg["infobulle"] and bourg["classe"] == "autour"
    assert proprietes(carte, "Communes")["99001"]["classe"] == "sans_objet"


def test_meme_carte_meme_page(territoire_test, communes_test, tableau_test, qpv_test):
    """folium draws random element ids; the page must not change from one run to the next."""
    pages = [
        cartes.html_autonome(cartes.carte_communes(communes_test, tableau_test, "q1_hors_qpv", territoire_test,
                                                   qpv=qpv_test))
        for _ in range(2)
    ]
    assert pages[0] == pages[1]
    assert re.search(r"map_0{31}1", pages[0])


def test_carte_commentee(territoire_test, communes_test, tableau_test):
    texte, carte = cartes.carte_commentee(communes_test, tableau_test, "q1_hors_qpv", territoire_test, "Part Q1.")
    assert isinstance(carte, folium.Map)
    assert texte.startswith("Part Q1. ") and texte != "Part Q1. "
    texte, carte = cartes.carte_commentee(communes_test, tableau_test, "indicateur_absent", territoire_test, "Rien.")
    assert carte is None
    assert "n'est pas calculé par commune" in texte
