"""Sensitive residences: fragility score, flagged list evolution, placement check, first peopling.

Every expectation below is computed by hand from the small fixtures (see the comments).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import textwrap

import pandas as pd
import pytest

from cia_lib.calculs.residences import (
    A_CONFIRMER,
    ENSEMBLE,
    ENTREE,
    MAINTENUE,
    SORTIE,
    annee_ops_disponible,
    charger_parametres_fragilite,
    controle_placement,
    evolution_liste,
    moyennes_territoire,
    placement_par_residence,
    premier_peuplement,
    scores_fragilite,
    synthese_liste,
    tableau_placement,
)
from cia_lib.entrees.donnees import Donnees, tables_vides, typer_table
from cia_lib.erreurs import ErreurConfiguration, ErreurParametre, ErreurSeuilManquant
from cia_lib.restitution.residences import masquer_liste_diffusion, masquer_premier_peuplement
from cia_lib.territoire import chemins

# --------------------------------------------------------------------------- fixtures

PARAMETRES_TEST = textwrap.dedent("""\
    seuil_indicateur: 1.5
    seuil_score: 3
    taille_minimum: 20
    tranches_age: [30, 50, 65]
    indicateurs:
      ress_inf_20:
        libelle: "ménages sous 20 % des plafonds"
        numerateur: nb_menages_ress_inf_20
        denominateur: nb_menages
        poids: 2
      monoparentales:
        libelle: "familles monoparentales"
        numerateur: nb_familles_monoparentales
        poids: 1
      sans_emploi:
        libelle: "adultes sans emploi"
        numerateur: nb_adultes_sans_emploi
        denominateur: nb_adultes
        poids: 1
      nombreuses:
        libelle: "familles nombreuses"
        numerateur: nb_familles_nombreuses
        poids: 1
""")


@pytest.fixture
def parametres(tmp_path):
    chemin = tmp_path / "parametres.yaml"
    chemin.write_text(PARAMETRES_TEST, encoding="utf-8")
    return charger_parametres_fragilite(chemin)


def residences_test() -> pd.DataFrame:
    return typer_table("residences", pd.DataFrame({
        "id_residence": ["R1", "R2", "R3", "R4", "R5", "N1", "N2"],
        "nom_residence": ["Les Tilleuls", "Le Parc", "La Gare", "Le Moulin", "Les Prés", "Le Clos neuf",
                          "Les Vignes"],
        "bailleur": ["Habitat Imaginaire", "Habitat Imaginaire", "Foyer Fictif", "Foyer Fictif", "Foyer Fictif",
                     "Habitat Imaginaire", "Foyer Fictif"],
        "code_commune": ["99001", "99001", "99002", "99003", "99002", "99001", "99003"],
        "nb_logements": [110, 210, 45, 12, 30, 20, 15],
        "annee_mise_en_service": [1975, 1982, 1990, 2001, 2010, 2024, 2023],
    }))


def ops_test() -> pd.DataFrame:
    """OPS 2024. Pooled averages (R1..R4, 350 households, 525 adults):

    * under 20 %: (40+10+12+8)/350 = 0.20; monoparentales: (20+36+12+2)/350 = 0.20;
    * sans emploi: (60+30+9+6)/525 = 0.20;
    * nombreuses: unknown for R2, so (15+1+0)/(100+40+10) = 16/150 (R2 is *not* counted as 0).
    """
    return typer_table("ops", pd.DataFrame({
        "annee_ops": [2024] * 4,
        "id_residence": ["R1", "R2", "R3", "R4"],
        "nb_menages": [100, 200, 40, 10],
        "nb_menages_ress_inf_20": [40, 10, 12, 8],
        "nb_menages_ress_inf_40": [50, 40, 20, 9],
        "nb_menages_ress_inf_60": [70, 90, 30, 10],
        "nb_familles_monoparentales": [20, 36, 12, 2],
        "nb_familles_nombreuses": [15, None, 1, 0],
        "nb_adultes": [150, 300, 60, 15],
        "nb_adultes_sans_emploi": [60, 30, 9, 6],
    }))


def scores_test(parametres) -> pd.DataFrame:
    return scores_fragilite(ops_test(), residences_test(), parametres, 2024).set_index("id_residence")


# --------------------------------------------------------------------------- parameters


def test_parametres_par_defaut_documentes():
    p = charger_parametres_fragilite()
    assert p.source == chemins.CONFIG / "residences_sensibles.yaml"
    assert (p.seuil_indicateur, p.seuil_score, p.taille_minimum) == (1.5, 3.0, 20)
    codes = {i.code: i for i in p.indicateurs}
    assert set(codes) == {"ress_inf_20", "ress_inf_40", "ress_inf_60", "monoparentales", "nombreuses",
                          "sans_emploi", "apl", "titulaires_65_plus", "emmenages_recents"}
    assert codes["sans_emploi"].denominateur == "nb_adultes"
    assert codes["ress_inf_20"].poids == 2
    assert p.seuil_de(codes["ress_inf_60"]) == 1.3
    assert p.seuil_de(codes["monoparentales"]) == 1.5


def test_parametres_colonne_inconnue(tmp_path):
    chemin = tmp_path / "p.yaml"
    chemin.write_text(PARAMETRES_TEST.replace("nb_adultes_sans_emploi", "nb_chomeurs"), encoding="utf-8")
    with pytest.raises(ErreurConfiguration, match="nb_chomeurs.*n'est pas une colonne de la table OPS"):
        charger_parametres_fragilite(chemin)


def test_parametres_rubrique_manquante(tmp_path):
    chemin = tmp_path / "p.yaml"
    chemin.write_text(PARAMETRES_TEST.replace("seuil_score: 3\n", ""), encoding="utf-8")
    with pytest.raises(ErreurConfiguration, match="« seuil_score » est obligatoire"):
        charger_parametres_fragilite(chemin)


def test_parametres_fichier_absent(tmp_path):
    with pytest.raises(ErreurConfiguration, match="introuvable"):
        charger_parametres_fragilite(tmp_path / "absent.yaml")


# --------------------------------------------------------------------------- OPS years


def test_annee_ops_disponible():
    ops = pd.DataFrame({"annee_ops": pd.array([2022, 2024, 2024], dtype="Int64")})
    assert annee_ops_disponible(ops, 2024) == 2024
    assert annee_ops_disponible(ops, 2025) == 2024
    assert annee_ops_disponible(ops, 2023) == 2022
    with pytest.raises(ErreurParametre, match=r"aucune enquête OPS en 2021 ou avant ; années disponibles : 2022, 2024"):
        annee_ops_disponible(ops, 2021)
    with pytest.raises(ErreurParametre, match=r"pour l'année 2023 ; années disponibles : 2022, 2024\."):
        annee_ops_disponible(ops, 2023, exacte=True)


def test_scores_annee_absente(parametres):
    with pytest.raises(ErreurParametre, match="aucune enquête OPS pour l'année 2022 ; années disponibles : 2024"):
        scores_fragilite(ops_test(), residences_test(), parametres, 2022)


# --------------------------------------------------------------------------- score and flags


def test_moyennes_sur_effectifs_cumules(parametres):
    m = moyennes_territoire(ops_test(), parametres, 2024).set_index("indicateur")
    assert m.loc["ress_inf_20", "moyenne"] == pytest.approx(0.20)
    assert m.loc["monoparentales", "moyenne"] == pytest.approx(0.20)
    assert m.loc["sans_emploi", "moyenne"] == pytest.approx(0.20)
    assert (m.loc["sans_emploi", "numerateur"], m.loc["sans_emploi", "denominateur"]) == (105, 525)
    # R2's missing count is skipped, not counted as 0 (which would give 16/350).
    assert m.loc["nombreuses", "moyenne"] == pytest.approx(16 / 150)
    assert m.loc["nombreuses", "nb_residences"] == 3


def test_ratios_et_score(parametres):
    s = scores_test(parametres)
    # R1: 40 % under 20 % (ratio 2) -> 2 points; 40 % of adults without work (ratio 2) -> 1 point.
    assert s.loc["R1", "ratio_ress_inf_20"] == pytest.approx(2.0)
    assert s.loc["R1", "ratio_sans_emploi"] == pytest.approx(2.0)
    assert s.loc["R1", "ratio_monoparentales"] == pytest.approx(1.0)
    # nombreuses: 0.15 / (16/150) = 1.40625 < 1.5 -> does not push.
    assert s.loc["R1", "ratio_nombreuses"] == pytest.approx(1.40625)
    assert s.loc["R1", "score"] == 3
    # R2: nothing pushes.
    assert s.loc["R2", "score"] == 0
    assert s.loc["R2", "ratio_ress_inf_20"] == pytest.approx(0.25)


def test_residence_exactement_au_seuil(parametres):
    """R3: 12/40 = 30 % vs 20 % -> ratio exactly 1.5 (0.3/0.2 = 1.4999999999999998 in floating point)
    for two indicators -> score exactly 3 = seuil_score: flagged."""
    s = scores_test(parametres)
    assert s.loc["R3", "ratio_ress_inf_20"] == 1.5
    assert s.loc["R3", "ratio_monoparentales"] == 1.5
    assert s.loc["R3", "score"] == 3
    assert bool(s.loc["R3", "signalee"]) is True
    assert s.loc["R3", "statut"] == "signalée"


def test_juste_sous_le_seuil(parametres):
    # A threshold a hair above the ratio: monoparentales no longer pushes, R3 falls to 2 < 3.
    indicateurs = tuple(
        dataclasses.replace(i, seuil=1.500001) if i.code == "monoparentales" else i for i in parametres.indicateurs
    )
    p = dataclasses.replace(parametres, indicateurs=indicateurs)
    s = scores_fragilite(ops_test(), residences_test(), p, 2024).set_index("id_residence")
    assert s.loc["R3", "score"] == 2
    assert bool(s.loc["R3", "signalee"]) is False
    assert s.loc["R3", "statut"] == "non signalée"
    # and a score threshold just above 3 clears R1 and R3
    p = dataclasses.replace(parametres, seuil_score=3.5)
    s = scores_fragilite(ops_test(), residences_test(), p, 2024)
    assert not s["signalee"].any()


def test_signalements_et_motifs(parametres):
    s = scores_test(parametres)
    assert sorted(s.index[s["signalee"]]) == ["R1", "R3"]
    assert s.loc["R1", "motifs"] == (
        "ménages sous 20 % des plafonds : 40 % (moyenne 20 %, ratio 2) ; "
        "adultes sans emploi : 40 % (moyenne 20 %, ratio 2)"
    )
    assert s.loc["R3", "motifs"] == (
        "ménages sous 20 % des plafonds : 30 % (moyenne 20 %, ratio 1,5) ; "
        "familles monoparentales : 30 % (moyenne 20 %, ratio 1,5)"
    )
    assert s.loc["R2", "motifs"] == ""
    for colonne in ("id_residence", "nom_residence", "bailleur", "code_commune", "nb_logements", "nb_menages",
                    "score", "signalee", "incertaine", "motifs"):
        assert colonne in s.reset_index().columns


def test_indicateur_manquant_ignore(parametres):
    s = scores_test(parametres)
    assert pd.isna(s.loc["R2", "part_nombreuses"]) and pd.isna(s.loc["R2", "ratio_nombreuses"])
    assert s.loc["R2", "indicateurs_absents"] == "familles nombreuses"
    assert s.loc["R1", "indicateurs_absents"] == ""


def test_petite_residence_incertaine(parametres):
    """R4: 10 households < 20. 80 % under 20 % (ratio 4) and 40 % without work (ratio 2) give a
    score of 3, but the flag is withheld: incertaine, never silently flagged nor cleared."""
    s = scores_test(parametres)
    assert s.loc["R4", "score"] == 3
    assert bool(s.loc["R4", "signalee"]) is False
    assert bool(s.loc["R4", "incertaine"]) is True
    assert s.loc["R4", "statut"] == "incertaine"
    assert s.loc["R4", "raison_incertitude"] == (
        "effectif trop faible : 10 ménages enquêtés (minimum 20) : signalement ni posé ni levé ; "
        "score indicatif 3 (seuil 3)"
    )


def test_residence_absente_de_l_ops(parametres):
    s = scores_test(parametres)
    assert pd.isna(s.loc["R5", "nb_menages"]) and pd.isna(s.loc["R5", "score"])
    assert bool(s.loc["R5", "incertaine"]) is True and bool(s.loc["R5", "signalee"]) is False
    assert s.loc["R5", "raison_incertitude"] == "absente de l'enquête OPS 2024 : signalement ni posé ni levé"
    assert s.loc["N1", "raison_incertitude"].startswith("absente de l'enquête OPS 2024")  # let in 2024
    residences = residences_test()
    residences.loc[residences["id_residence"] == "N1", "annee_mise_en_service"] = 2025
    s2 = scores_fragilite(ops_test(), residences, parametres, 2024).set_index("id_residence")
    assert s2.loc["N1", "raison_incertitude"] == (
        "mise en service en 2025, après l'enquête OPS 2024 : signalement ni posé ni levé"
    )
    assert set(s.index) == {"R1", "R2", "R3", "R4", "R5", "N1", "N2"}
    assert not s["incertaine"].loc[["R1", "R2", "R3"]].any()


def test_masquage_liste_diffusion(parametres):
    s = scores_fragilite(ops_test(), residences_test(), parametres, 2024)
    petite = s["id_residence"] == "R4"
    s.loc[petite, "nb_menages"] = 4
    m = masquer_liste_diffusion(s, 5).set_index("id_residence")
    assert m.loc["R4", "nb_menages"] == "s" and m.loc["R4", "part_ress_inf_20"] == "s"
    assert m.loc["R4", "raison_incertitude"] == "s"
    assert m.loc["R1", "nb_menages"] == 100 and m.loc["R1", "motifs"].startswith("ménages sous 20 %")


# --------------------------------------------------------------------------- list evolution


def _scores_min(annee, lignes):
    """Minimal score tables: (id, bailleur, commune, signalee, incertaine)."""
    return pd.DataFrame([
        {"annee_ops": annee, "id_residence": i, "nom_residence": f"Résidence {i}", "bailleur": b,
         "code_commune": c, "score": 3.0 if sig else 1.0, "signalee": sig, "incertaine": inc,
         "motifs": "m" if sig else "", "raison_incertitude": "petite" if inc else ""}
        for i, b, c, sig, inc in lignes
    ])


@pytest.fixture
def evolution():
    avant = _scores_min(2022, [
        ("A", "X", "99001", True, False), ("B", "X", "99001", True, False), ("C", "Y", "99002", True, False),
        ("D", "Y", "99002", False, False), ("E", "X", "99003", True, False), ("F", "Y", "99003", False, False),
    ])
    apres = _scores_min(2024, [
        ("A", "X", "99001", True, False),   # maintenue
        ("B", "X", "99001", False, False),  # sortie
        ("C", "Y", "99002", False, True),   # incertaine after: à confirmer
        ("D", "Y", "99002", True, False),   # entrée
        ("F", "Y", "99003", False, False),  # never flagged: not listed
    ])                                       # E absent after: à confirmer
    return evolution_liste(avant, apres)


def test_evolution_liste(evolution):
    statuts = dict(zip(evolution["id_residence"], evolution["statut"], strict=True))
    assert statuts == {"A": MAINTENUE, "B": SORTIE, "C": A_CONFIRMER, "D": ENTREE, "E": A_CONFIRMER}
    assert evolution["id_residence"].tolist() == ["D", "B", "A", "C", "E"]  # entrée, sortie, maintenue, à confirmer
    assert (evolution["annee_avant"] == 2022).all() and (evolution["annee_apres"] == 2024).all()
    c = evolution.set_index("id_residence").loc["C"]
    assert c["raison_incertitude"] == "petite"
    assert c["bailleur"] == "Y"
    assert evolution.set_index("id_residence").loc["E", "bailleur"] == "X"  # identity kept from the earlier year


def test_synthese_par_bailleur(evolution):
    t = synthese_liste(evolution, "bailleur").set_index("bailleur")
    assert t.loc["X"].tolist() == [3, 0, 1, 1, 1, 1]
    assert t.loc["Y"].tolist() == [1, 1, 0, 0, 1, 1]
    assert t.loc[ENSEMBLE].tolist() == [4, 1, 1, 1, 2, 2]
    assert list(t.columns) == ["signalees_avant", "entrees", "sorties", "maintenues", "a_confirmer",
                               "signalees_apres"]


def test_synthese_par_commune(evolution, territoire_test):
    t = synthese_liste(evolution, "commune", territoire_test.communes).set_index("code_commune")
    assert t.loc["99001", "nom_commune"] == "Ville-Centre"
    assert t.loc[ENSEMBLE, "nom_commune"] == ENSEMBLE
    assert t.loc["99001", ["signalees_avant", "sorties", "maintenues", "signalees_apres"]].tolist() == [2, 1, 1, 1]
    assert t.loc["99002", ["entrees", "a_confirmer"]].tolist() == [1, 1]
    with pytest.raises(ErreurParametre, match="niveau de synthèse inconnu"):
        synthese_liste(evolution, "region")


# --------------------------------------------------------------------------- placement check


def attributions_test() -> pd.DataFrame:
    """Thresholds of the test territory: Q1 2024 = 10 000 €/UC/year."""
    lignes = [
        # id, date_bail, bailleur, residence, nb_pers, moins_14, ressources, dalo, l441, mutation, age, compo
        ("a1", "2024-02-10", "Habitat Imaginaire", "R1", 1, 0, 500, True, False, False, 25, "personne_seule"),
        ("a2", "2024-03-01", "Habitat Imaginaire", "R1", 1, 0, 1000, False, False, False, 40, "personne_seule"),
        ("a3", "2024-04-01", "Habitat Imaginaire", "R2", 1, 0, None, False, True, True, 70, "personne_seule"),
        ("a4", "2024-05-01", "Foyer Fictif", "R4", 2, 1, 700, False, False, False, 33, "famille_monoparentale"),
        ("a5", "2024-06-01", "Foyer Fictif", None, 1, 0, 900, False, False, False, 50, "personne_seule"),
        ("a6", "2024-01-01", "Foyer Fictif", "R3", 1, 0, 800, False, False, False, 45, "personne_seule"),
        ("a7", "2023-12-31", "Foyer Fictif", "R3", 1, 0, 100, True, False, False, 45, "personne_seule"),
        ("a8", "2025-01-01", "Foyer Fictif", "R3", 1, 0, 100, True, False, False, 45, "personne_seule"),
        ("a9", None, "Foyer Fictif", "R3", 1, 0, 100, True, False, False, 45, "personne_seule"),
        ("a10", "2024-12-31", "Foyer Fictif", "R3", 1, 0, 2000, False, True, False, 45, "personne_seule"),
        # first peopling of N1 (mis en service 2024)
        ("n1", "2024-09-01", "Habitat Imaginaire", "N1", 3, 2, 500, False, True, False, 28,
         "famille_monoparentale"),
        ("n2", "2024-09-02", "Habitat Imaginaire", "N1", 4, 2, 4000, False, False, True, 41, "couple_avec_enfants"),
        ("n3", "2024-09-03", "Habitat Imaginaire", "N1", 2, 0, None, False, False, False, None, None),
        ("n4", "2024-10-01", "Foyer Fictif", "N2", 1, 0, 5000, False, False, False, 66, "personne_seule"),
    ]
    colonnes = ["id_attribution", "date_bail", "bailleur", "id_residence", "nb_personnes", "nb_moins_14",
                "ressources_mensuelles", "dalo", "prioritaire_l441", "mutation", "age_titulaire", "composition"]
    df = pd.DataFrame(lignes, columns=colonnes)
    df["id_demandeur"] = "h" + df["id_attribution"]
    df["date_decision"] = "2023-12-01"
    df["reservataire"] = "bailleur"
    df["code_commune"] = "99001"
    return typer_table("attributions", df)


def test_controle_placement(parametres, territoire_test):
    """Leases 2024 (a7, a8 out of period, a9 without lease). a1 Q1+DALO and a2 in R1 (flagged);
    a3 resources unknown + priority in R2; a4 Q1 (700×12/1.3 = 6 461) in R4 (incertaine);
    a5 no residence; a6 Q1 (9 600) and a10 priority in R3 (flagged, bounds of the period);
    n1 Q1 (6 000/2.1) priority, n2, n3 (unknown) in N1, n4 in N2: both absent from OPS, incertaine."""
    scores = scores_fragilite(ops_test(), residences_test(), parametres, 2024)
    c = controle_placement(attributions_test(), scores, territoire_test, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    c = c.set_index(["bailleur", "situation"])
    hi_sig = c.loc[("Habitat Imaginaire", "résidence signalée")]
    assert (hi_sig["nb_baux"], hi_sig["nb_q1"], hi_sig["nb_prioritaires"], hi_sig["nb_dalo"]) == (2, 1, 1, 1)
    assert hi_sig["part_q1"] == pytest.approx(0.5)
    hi_autre = c.loc[("Habitat Imaginaire", "autre résidence")]
    assert (hi_autre["nb_baux"], hi_autre["nb_q1"], hi_autre["nb_ressources_inconnues"],
            hi_autre["nb_prioritaires"]) == (1, 0, 1, 1)
    hi_inc = c.loc[("Habitat Imaginaire", "résidence incertaine")]
    assert (hi_inc["nb_baux"], hi_inc["nb_q1"], hi_inc["nb_prioritaires"]) == (3, 1, 1)
    ff_sig = c.loc[("Foyer Fictif", "résidence signalée")]
    assert (ff_sig["nb_baux"], ff_sig["nb_q1"], ff_sig["nb_prioritaires"]) == (2, 1, 1)
    assert c.loc[("Foyer Fictif", "résidence incertaine"), "nb_baux"] == 2  # a4 (R4) and n4 (N2)
    assert c.loc[("Foyer Fictif", "résidence non renseignée"), "nb_baux"] == 1
    tot = c.loc[ENSEMBLE]
    assert tot["nb_baux"].tolist() == [4, 5, 1, 1]
    assert tot["nb_q1"].tolist() == [2, 2, 0, 0]
    assert tot["nb_prioritaires"].tolist() == [2, 1, 1, 0]
    # Share of the territory's Q1 leases that went to flagged residences: 2 of 4.
    assert tot.loc["résidence signalée", "part_des_q1"] == pytest.approx(0.5)
    assert tot.loc["résidence signalée", "part_des_prioritaires"] == pytest.approx(0.5)
    assert pd.isna(tot.loc["résidence non renseignée", "part_des_q1"]) is False
    assert tot.loc["résidence non renseignée", "part_q1"] == 0


def test_controle_placement_hors_seuil(parametres, territoire_test):
    scores = scores_fragilite(ops_test(), residences_test(), parametres, 2024)
    with pytest.raises(ErreurSeuilManquant):
        controle_placement(attributions_test(), scores, territoire_test, "2023-01-01", "2024-12-31")
    with pytest.raises(ErreurParametre, match="période vide"):
        controle_placement(attributions_test(), scores, territoire_test, "2024-12-31", "2024-01-01")


def test_tableau_placement_et_residences(parametres, territoire_test):
    scores = scores_fragilite(ops_test(), residences_test(), parametres, 2024)
    c = controle_placement(attributions_test(), scores, territoire_test, "2024-01-01", "2024-12-31")
    t = tableau_placement(c, "nb_q1")
    assert t.index.tolist() == ["Foyer Fictif", "Habitat Imaginaire", ENSEMBLE]
    assert t.loc[ENSEMBLE].tolist() == [2, 2, 0, 0, 4]
    assert t.loc["Foyer Fictif", "Total"] == 2
    r = placement_par_residence(attributions_test(), scores, territoire_test, "2024-01-01", "2024-12-31")
    assert r["id_residence"].tolist() == ["R1", "R3"]
    assert r[["nb_baux", "nb_q1", "nb_prioritaires"]].values.tolist() == [[2, 1, 1], [2, 1, 1]]


# --------------------------------------------------------------------------- first peopling


def test_premier_peuplement(territoire_test, parametres):
    vides = tables_vides()
    donnees = Donnees(attributions=attributions_test(), demandes=vides["demandes"],
                      residences=residences_test(), ops=ops_test())
    p = premier_peuplement(donnees, territoire_test, "2024-01-01", "2024-12-31", parametres)
    assert p["perimetre"].unique().tolist() == [
        "Le Clos neuf", "Ensemble des nouveaux programmes", "Territoire (tous les baux de la période)"
    ]  # N2 (2023) is not a new programme of 2024
    n1 = p[p["perimetre"] == "Le Clos neuf"].set_index(["indicateur", "modalite"])
    assert (n1["total"] == 3).all() and (n1["nb_logements"] == 20).all()
    assert n1.loc[("1er quartile", "sous le seuil du 1er quartile"), "effectif"] == 1  # 6000/2.1 < 10000
    assert n1.loc[("1er quartile", "au-dessus du seuil"), "effectif"] == 1             # 48000/2.2
    assert n1.loc[("1er quartile", "ressources inconnues"), "effectif"] == 1
    assert n1.loc[("1er quartile", "sous le seuil du 1er quartile"), "part"] == pytest.approx(1 / 3)
    assert n1.loc[("ménages prioritaires", "prioritaires (DALO ou labellisés)"), "effectif"] == 1
    assert n1.loc[("mutations", "déjà locataires du parc social"), "effectif"] == 1
    assert n1.loc[("composition familiale", "famille monoparentale"), "effectif"] == 1
    assert n1.loc[("composition familiale", "non renseignée"), "effectif"] == 1
    assert n1.loc[("âge du titulaire", "moins de 30 ans"), "effectif"] == 1
    assert n1.loc[("âge du titulaire", "30 à 49 ans"), "effectif"] == 1
    assert n1.loc[("âge du titulaire", "âge non renseigné"), "effectif"] == 1
    # modalities add up to the total, for each indicator
    assert (n1.groupby(level="indicateur")["effectif"].sum() == 3).all()
    terr = p[p["perimetre"].str.startswith("Territoire")].set_index(["indicateur", "modalite"])
    # 2024 leases: a1..a6, a10, n1..n4 = 11; Q1: a1, a4, a6, n1 = 4
    assert (terr["total"] == 11).all()
    assert terr.loc[("1er quartile", "sous le seuil du 1er quartile"), "effectif"] == 4
    assert terr.loc[("âge du titulaire", "65 ans ou plus"), "effectif"] == 2  # a3 (70), n4 (66)
    assert terr.loc[("âge du titulaire", "50 à 64 ans"), "effectif"] == 1     # a5 (50)


def test_premier_peuplement_aucun_programme(territoire_test, parametres):
    vides = tables_vides()
    donnees = Donnees(attributions=attributions_test(), demandes=vides["demandes"],
                      residences=residences_test(), ops=ops_test())
    p = premier_peuplement(donnees, territoire_test, "2025-01-01", "2025-12-31", parametres)
    assert p.empty and "part" in p.columns


def test_premier_peuplement_masque_en_diffusion(territoire_test, parametres):
    vides = tables_vides()
    donnees = Donnees(attributions=attributions_test(), demandes=vides["demandes"],
                      residences=residences_test(), ops=ops_test())
    p = premier_peuplement(donnees, territoire_test, "2024-01-01", "2024-12-31", parametres)
    m = masquer_premier_peuplement(p, territoire_test.seuil_secret)
    n1 = m[m["perimetre"] == "Le Clos neuf"]
    assert (n1["total"] == "s").all()   # 3 leases: the whole residence profile is secret
    assert (n1["effectif"] == "s").all() and (n1["part"] == "s").all()
    assert list(m.columns) == list(p.columns)


# --------------------------------------------------------------------------- sample data


def _exiger_exemple(request):
    return request.getfixturevalue("donnees_exemple")


def test_exemple_residences_signalees_2024(request):
    donnees = _exiger_exemple(request)
    from cia_lib.exemples import echantillon as exemple

    p = charger_parametres_fragilite()
    s = scores_fragilite(donnees.ops, donnees.residences, p, 2024)
    assert set(s.loc[s["signalee"], "id_residence"]) == set(exemple.RESIDENCES_FRAGILES_EXEMPLE)
    assert (s.loc[s["signalee"], "motifs"] != "").all()


def test_exemple_evolution_2022_2024(request):
    donnees = _exiger_exemple(request)
    from cia_lib.exemples import echantillon as exemple

    p = charger_parametres_fragilite()
    avant = scores_fragilite(donnees.ops, donnees.residences, p, 2022)
    apres = scores_fragilite(donnees.ops, donnees.residences, p, 2024)
    assert set(avant.loc[avant["signalee"], "id_residence"]) == set(exemple.RESIDENCES_FRAGILES_2022)
    e = evolution_liste(avant, apres).set_index("id_residence")
    fragiles_2024, fragiles_2022 = set(exemple.RESIDENCES_FRAGILES_EXEMPLE), set(exemple.RESIDENCES_FRAGILES_2022)
    assert set(e.index[e["statut"] == ENTREE]) == fragiles_2024 - fragiles_2022
    assert set(e.index[e["statut"] == MAINTENUE]) == fragiles_2024 & fragiles_2022
    assert set(e.index[e["statut"].isin([SORTIE, A_CONFIRMER])]) == fragiles_2022 - fragiles_2024


# --------------------------------------------------------------------------- notebook


@pytest.mark.lent
@pytest.mark.parametrize("mode", ["analyste", "diffusion"])
def test_notebook_residences_sensibles(request, tmp_path, mode):
    """The notebook runs on the sample data through papermill with the project's kernel; the tables
    it publishes hold the expected residences, and in diffusion no residence-level count 1..seuil."""
    _exiger_exemple(request)
    import papermill

    from cia_lib.exemples import echantillon as exemple
    from cia_lib.restitution.presentation import MIME_TABLEAU, json_tableau
    from cia_lib.territoire.config import charger_territoire

    sortie = tmp_path / "residences_sensibles.ipynb"
    papermill.execute_notebook(
        str(chemins.NOTEBOOKS / "residences_sensibles.ipynb"), str(sortie),
        parameters={"donnees": str(request.getfixturevalue("exemple_traite")),
                    "territoire": str(chemins.TERRITOIRE_DEFAUT), "annee": 2025, "trimestre": 4, "mode": mode},
        kernel_name=chemins.NOM_NOYAU, cwd=str(tmp_path), progress_bar=False,
    )
    import nbformat

    nb = nbformat.read(sortie, as_version=4)
    tableaux = {}
    for cellule in nb.cells:
        for o in cellule.get("outputs", []):
            assert o.get("output_type") != "error"
            if MIME_TABLEAU in o.get("data", {}):
                t = json_tableau(o["data"][MIME_TABLEAU])  # by code (sheet names and headers are French)
                tableaux[t["code"]] = pd.DataFrame(t["lignes"], columns=t["codes_colonnes"])
                # analyst mode: every sheet is stamped « usage interne » (none in diffusion)
                assert (t.get("mention") == "Usage interne — ne pas diffuser") is (mode == "analyste"), t["nom"]
    assert {"residences_signalees", "evolution_liste", "premier_peuplement", "placement_residences"} <= set(tableaux)
    noms = dict(zip(request.getfixturevalue("donnees_exemple").residences["id_residence"],
                    request.getfixturevalue("donnees_exemple").residences["nom_residence"], strict=True))
    signalees = tableaux["residences_signalees"]
    assert set(signalees.loc[signalees["statut"] == "signalée", "nom_residence"]) == {
        noms[i] for i in exemple.RESIDENCES_FRAGILES_EXEMPLE
    }
    if mode == "diffusion":
        seuil = charger_territoire(chemins.TERRITOIRE_DEFAUT).seuil_secret
        par_residence = tableaux["placement_residences"]
        for c in ("nb_baux", "nb_q1", "nb_prioritaires", "nb_dalo"):
            valeurs = [v for v in par_residence[c] if not isinstance(v, str)]
            assert not any(1 <= v <= seuil for v in valeurs), c
        profil = tableaux["premier_peuplement"]
        for c in [c for c in profil.columns if c.endswith("effectif")]:
            assert not any(1 <= v <= seuil for v in profil[c] if v is not None and not isinstance(v, str)), c
        placement = tableaux["controle_placement"]
        for c in ("nb_baux", "nb_q1", "nb_prioritaires", "nb_dalo", "nb_ressources_inconnues"):
            assert not any(1 <= v <= seuil for v in placement[c] if v is not None and not isinstance(v, str)), c
        assert (placement["nb_q1"] == "s").any()
    assert "controle_placement" in tableaux  # the same table in both modes (masked by the layer in diffusion)
