"""Indicators on small hand-built fixtures (fictional territory with a QPV), and on the sample.

Test territory (tests/fixtures/territoire_test.yaml): communes 99001 Ville-Centre,
99002 Bourg-sur-Rivière, 99003 Hameau-les-Bois; bailleurs Habitat Imaginaire (alias HI) and
Foyer Fictif (alias FF); Q1 threshold 10 000 € (2024), 10 500 € (2025); Q2 15 000, Q3 20 000;
targets 25 % Q1 outside QPV, 50 % above Q1 in QPV, 25 % priority, État 100 %;
effectif_minimum 10; délai anormalement long 36 months.

The fixture ``cas`` (1-person households unless stated; Q1 = monthly resources × 12 < 10 000):

== ======== ======= ====== ============ ==================== ====================== =====
#  date_bail commune QPV    bailleur     réservataire         ménage                 flags
== ======== ======= ====== ============ ==================== ====================== =====
1  02-01    99001   non    HI           etat                 500 €  -> Q1           DALO, T2
2  03-31    99001   non    HI           etat                 2 pers. 1 250 € = seuil labellisé
3  04-01    99001   non    HI           collectivite         2 000 €, relogé ANRU   -> Q1
4  05-15    99002   non    FF           collectivite         ressources inconnues
5  07-01    99002   non    FF           action_logement      500 € -> Q1            mutation
6  09-30    99001   non    FF (alias)   bailleur             850 € (10 200 €/UC)
7  10-01    99001   QPV    HI           etat                 2 000 €                DALO
8  12-31    99001   QPV    HI           bailleur             500 € -> Q1
9  11-15    99001   QPV    HI           bailleur             ressources inconnues   mutation
== ======== ======= ====== ============ ==================== ====================== =====

plus, outside 2024: a lease on 2023-12-31 (no 2023 threshold: must not be needed), a decision
of 2024-11-01 without lease, a lease on 2025-01-01 at 850 € (Q1 against the 2025 threshold).
Demands: snapshot 2024-12-31 (4 demands) is the one used for 2024; 2024-06-30 and 2025-03-31
are ignored.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from cia_lib.calculs.indicateurs import (
    COLONNES_TABLEAU,
    LIBELLES_INDICATEURS,
    baux_signes,
    delais_attente,
    demandes_actives,
    entonnoir_attributions,
    profils_menages,
    qualite_donnees,
    resume_delais,
    tableau_indicateurs,
)
from cia_lib.entrees.donnees import Donnees, tables_vides, typer_table
from cia_lib.erreurs import ErreurParametre, ErreurSeuilManquant

DU, AU = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
QPV = "QN99901X"
SIREN = "999999999"


def attribution(i, **kw) -> dict:
    base = dict(
        id_attribution=f"A{i}", numero_unique=f"N{i}", date_decision="2024-01-05", date_bail=None,
        bailleur="HI", reservataire="etat", code_commune="99001", code_qpv=None, id_residence="R1",
        typologie="T3", ressources_mensuelles=2000.0, nb_personnes=1, nb_moins_14=0, dalo=False,
        prioritaire_l441=False, mutation=False, relogement_renouvellement=False, date_depot="2022-06-01",
        age_titulaire=40, composition="personne_seule",
    )
    base.update(kw)
    return base


def demande(i, date_extraction, **kw) -> dict:
    base = dict(
        date_extraction=date_extraction, numero_unique=f"D{i}", date_depot="2023-01-01",
        code_commune_souhaitee="99001", typologie_souhaitee="T3", ressources_mensuelles=700.0,
        nb_personnes=1, nb_moins_14=0, mutation=False, dalo=False, prioritaire_l441=False,
        age_titulaire=30, composition="personne_seule",
    )
    base.update(kw)
    return base


def donnees_de(attributions: list[dict], demandes: list[dict] | None = None, rapport=None) -> Donnees:
    vides = tables_vides()
    dem = typer_table("demandes", pd.DataFrame(demandes)) if demandes else vides["demandes"]
    return Donnees(
        attributions=typer_table("attributions", pd.DataFrame(attributions)) if attributions else vides["attributions"],
        demandes=dem, residences=vides["residences"], ops=vides["ops"], rapport_import=rapport or {},
    )


@pytest.fixture()
def cas() -> Donnees:
    a = [
        attribution(1, date_bail="2024-02-01", ressources_mensuelles=500.0, dalo=True, typologie="T2"),
        attribution(2, date_bail="2024-03-31", nb_personnes=2, ressources_mensuelles=1250.0, prioritaire_l441=True),
        attribution(3, date_bail="2024-04-01", reservataire="collectivite", relogement_renouvellement=True),
        attribution(4, date_bail="2024-05-15", code_commune="99002", bailleur="Foyer Fictif",
                    reservataire="collectivite", ressources_mensuelles=None),
        attribution(5, date_bail="2024-07-01", code_commune="99002", bailleur="Foyer Fictif",
                    reservataire="action_logement", ressources_mensuelles=500.0, mutation=True),
        attribution(6, date_bail="2024-09-30", bailleur="FF", reservataire="bailleur", ressources_mensuelles=850.0),
        attribution(7, date_bail="2024-10-01", code_qpv=QPV, dalo=True),
        attribution(8, date_bail="2024-12-31", code_qpv=QPV, reservataire="bailleur", ressources_mensuelles=500.0),
        attribution(9, date_bail="2024-11-15", code_qpv=QPV, reservataire="bailleur", ressources_mensuelles=None,
                    mutation=True),
        attribution(10, date_decision="2023-11-01", date_bail="2023-12-31"),
        attribution(11, date_decision="2024-11-01", date_bail=None),
        attribution(12, date_decision="2024-12-15", date_bail="2025-01-01", ressources_mensuelles=850.0),
    ]
    d = [
        demande(1, "2024-12-31", mutation=True, typologie_souhaitee="T2", date_depot="2021-12-31"),  # 36 mois
        demande(2, "2024-12-31", date_depot="2022-01-01"),                                            # 35 mois
        demande(3, "2024-12-31", code_commune_souhaitee="99002", mutation=True, typologie_souhaitee="T2",
                date_depot="2024-01-01"),
        demande(4, "2024-12-31", code_commune_souhaitee="99002", date_depot="2023-06-15"),
        *[demande(10 + i, "2024-06-30") for i in range(2)],
        *[demande(20 + i, "2025-03-31") for i in range(5)],
    ]
    return donnees_de(a, d)


def ligne(tab, indicateur, niveau, cle) -> dict:
    sel = tab[(tab["indicateur"] == indicateur) & (tab["niveau"] == niveau) & (tab["cle"] == cle)]
    assert len(sel) == 1, (indicateur, niveau, cle)
    return sel.iloc[0].to_dict()


def verifier(r, num, den, taux=None, statut=None, inconnus=None):
    assert (r["numerateur"], r["denominateur"]) == (num, den)
    if taux is None:
        assert pd.isna(r["taux"])
    else:
        assert r["taux"] == pytest.approx(taux)
    if statut is not None:
        assert r["statut"] == statut
    if inconnus is not None:
        assert r["inconnus"] == inconnus


@pytest.fixture()
def tab(cas, territoire_test):
    return tableau_indicateurs(cas, territoire_test, DU, AU)


# ----------------------------------------------------------------------------- leases


def test_baux_signes_bornes_incluses(cas):
    b = baux_signes(cas.attributions, DU, AU)
    assert sorted(b["id_attribution"]) == [f"A{i}" for i in range(1, 10)]
    assert list(baux_signes(cas.attributions, dt.date(2024, 12, 31), dt.date(2025, 1, 1))["id_attribution"]) == ["A8", "A12"]


def test_colonnes_et_ordre(tab):
    assert list(tab.columns) == list(COLONNES_TABLEAU)
    assert list(dict.fromkeys(tab["indicateur"])) == list(LIBELLES_INDICATEURS)
    assert not tab.duplicated(["indicateur", "niveau", "cle"]).any()
    assert (tab["du"] == pd.Timestamp(DU)).all() and (tab["au"] == pd.Timestamp(AU)).all()


def test_deterministe(cas, territoire_test, tab):
    pd.testing.assert_frame_equal(tab, tableau_indicateurs(cas, territoire_test, DU, AU))


def test_selection_de_blocs_memes_lignes(cas, territoire_test, tab):
    """Asking for some (indicateur, niveau) blocks gives exactly those rows of the whole table."""
    for selection in ([("prioritaires", "reservataire")], [("pression", "commune"), ("q1_hors_qpv", "epci")],
                      [("mutations_internes", "bailleur"), ("demandes_delai_anormal", "epci")]):
        partie = tableau_indicateurs(cas, territoire_test, DU, AU, selection=selection)
        garde = [(i, n) in set(selection) for i, n in zip(tab["indicateur"], tab["niveau"], strict=True)]
        attendu = tab[garde].reset_index(drop=True)
        assert len(attendu) > 0
        pd.testing.assert_frame_equal(partie, attendu)


# ----------------------------------------------------------------------------- Q1 outside QPV


def test_q1_hors_qpv_epci(tab, territoire_test):
    # Dénominateur : baux 1 à 6 (hors QPV). Numérateur : 1 (Q1), 3 (relogé ANRU), 5 (Q1).
    # Le 2 (exactement au seuil) et le 6 (10 200 €/UC) ne sont pas Q1 ; le 4 (inconnu) non plus.
    r = ligne(tab, "q1_hors_qpv", "epci", SIREN)
    verifier(r, 3, 6, 0.5, "effectif insuffisant", inconnus=1)
    assert r["cible"] == territoire_test.objectifs["q1_hors_qpv"] == 0.25
    assert r["ecart"] == pytest.approx(0.25)
    assert r["ic_bas"] == pytest.approx(0.1876, abs=1e-4) and r["ic_haut"] == pytest.approx(0.8124, abs=1e-4)
    assert r["libelle"] == "CA du Val Imaginaire (fictive)"


def test_q1_hors_qpv_par_commune_et_bailleur(tab):
    verifier(ligne(tab, "q1_hors_qpv", "commune", "99001"), 2, 4, 0.5, inconnus=0)
    verifier(ligne(tab, "q1_hors_qpv", "commune", "99002"), 1, 2, 0.5, inconnus=1)
    # Commune sans bail : une ligne « sans objet ».
    r = ligne(tab, "q1_hors_qpv", "commune", "99003")
    verifier(r, 0, 0, None, "sans objet", inconnus=0)
    assert r["libelle"] == "Hameau-les-Bois" and pd.isna(r["ic_bas"]) and pd.isna(r["ecart"])
    verifier(ligne(tab, "q1_hors_qpv", "bailleur", "Habitat Imaginaire"), 2, 3, 2 / 3)
    # « FF » est un alias de Foyer Fictif : les baux 4, 5, 6 y sont regroupés.
    verifier(ligne(tab, "q1_hors_qpv", "bailleur", "Foyer Fictif"), 1, 3, 1 / 3, inconnus=1)
    assert set(tab.loc[tab["niveau"] == "bailleur", "cle"]) == {"Habitat Imaginaire", "Foyer Fictif"}


def test_relogement_compte_comme_q1_et_seuil_exact_non(territoire_test):
    a = [attribution(1, date_bail="2024-03-01", relogement_renouvellement=True, ressources_mensuelles=None),
         attribution(2, date_bail="2024-03-01", nb_personnes=2, ressources_mensuelles=1250.0)]
    r = ligne(tableau_indicateurs(donnees_de(a), territoire_test, DU, AU), "q1_hors_qpv", "epci", SIREN)
    # Relogé avec ressources inconnues : au numérateur, et pas compté parmi les inconnus.
    verifier(r, 1, 2, 0.5, inconnus=0)


# ----------------------------------------------------------------------------- above Q1 in QPV


def test_hors_q1_en_qpv(tab):
    # Baux 7 (2 000 € : au-dessus), 8 (Q1), 9 (inconnu : au dénominateur, jamais au numérateur).
    verifier(ligne(tab, "hors_q1_en_qpv", "epci", SIREN), 1, 3, 1 / 3, "effectif insuffisant", inconnus=1)
    verifier(ligne(tab, "hors_q1_en_qpv", "commune", "99001"), 1, 3, 1 / 3)
    verifier(ligne(tab, "hors_q1_en_qpv", "commune", "99002"), 0, 0, None, "sans objet")
    assert ligne(tab, "hors_q1_en_qpv", "epci", SIREN)["cible"] == 0.5


def test_sans_qpv_sans_objet(territoire):
    a = [attribution(i, date_bail="2024-05-01", bailleur="Seqens", code_commune="95313") for i in range(3)]
    tab = tableau_indicateurs(donnees_de(a), territoire, DU, AU)
    qpv = tab[tab["indicateur"] == "hors_q1_en_qpv"]
    assert (qpv["statut"] == "sans objet").all() and qpv["taux"].isna().all()
    # Chaque commune de la CCVO3F a sa ligne.
    assert set(qpv.loc[qpv["niveau"] == "commune", "cle"]) == set(territoire.communes)


# ----------------------------------------------------------------------------- priority


def test_prioritaires_par_reservataire(tab, territoire_test):
    verifier(ligne(tab, "prioritaires", "epci", SIREN), 3, 9, 1 / 3)
    r = ligne(tab, "prioritaires", "reservataire", "etat")
    verifier(r, 3, 3, 1.0, "effectif insuffisant")  # 1 (DALO), 2 (labellisé), 7 (DALO)
    assert r["cible"] == 1.0 and r["libelle"] == "État"
    verifier(ligne(tab, "prioritaires", "reservataire", "collectivite"), 0, 2, 0.0)
    verifier(ligne(tab, "prioritaires", "reservataire", "bailleur"), 0, 3, 0.0)
    # Every configured réservataire appears; no target -> NA target, status "sans objet"/"information".
    res = tab[(tab["indicateur"] == "prioritaires") & (tab["niveau"] == "reservataire")]
    assert list(res["cle"]) == list(territoire_test.reservataires)
    r = ligne(tab, "prioritaires", "reservataire", "etat_fonctionnaires")
    assert pd.isna(r["cible"]) and r["statut"] == "sans objet"
    verifier(ligne(tab, "prioritaires", "bailleur", "Habitat Imaginaire"), 3, 6, 0.5)


def test_dalo_et_prioritaires_hors_dalo(tab):
    verifier(ligne(tab, "dalo", "epci", SIREN), 2, 9, 2 / 9)
    verifier(ligne(tab, "prioritaires_hors_dalo", "epci", SIREN), 1, 9, 1 / 9)
    verifier(ligne(tab, "dalo", "reservataire", "etat"), 2, 3, 2 / 3)
    assert pd.isna(ligne(tab, "dalo", "epci", SIREN)["cible"])


def test_contingent_etat_a_100_pour_cent(territoire_test):
    a = [attribution(i, date_bail="2024-06-01", dalo=(i % 2 == 0), prioritaire_l441=(i % 2 == 1)) for i in range(10)]
    tab = tableau_indicateurs(donnees_de(a), territoire_test, DU, AU)
    verifier(ligne(tab, "prioritaires", "reservataire", "etat"), 10, 10, 1.0, "atteint")
    a[0]["dalo"] = False
    tab = tableau_indicateurs(donnees_de(a), territoire_test, DU, AU)
    r = ligne(tab, "prioritaires", "reservataire", "etat")
    verifier(r, 9, 10, 0.9, "non atteint")
    assert r["ecart"] == pytest.approx(-0.1)


# ----------------------------------------------------------------------------- mutations and pressure


def test_mutations(tab):
    verifier(ligne(tab, "mutations_part_attributions", "epci", SIREN), 2, 9, 2 / 9)
    verifier(ligne(tab, "mutations_part_demandes", "epci", SIREN), 2, 4, 0.5)  # instantané du 31/12/2024
    verifier(ligne(tab, "mutations_part_demandes", "commune", "99002"), 1, 2, 0.5)
    verifier(ligne(tab, "mutations_part_demandes", "commune", "99003"), 0, 0, None, "sans objet")
    r = ligne(tab, "mutations_internes", "bailleur", "Habitat Imaginaire")
    assert (r["numerateur"], r["denominateur"], r["statut"], r["nature"]) == (1, 6, "information", "effectif")
    assert ligne(tab, "mutations_internes", "bailleur", "Foyer Fictif")["numerateur"] == 1


def test_pression(tab):
    r = ligne(tab, "pression", "epci", SIREN)
    verifier(r, 4, 9, 4 / 9, "information")
    assert pd.isna(r["ic_bas"]) and pd.isna(r["cible"]) and r["nature"] == "ratio"
    verifier(ligne(tab, "pression", "commune", "99001"), 2, 7, 2 / 7)
    verifier(ligne(tab, "pression", "commune", "99002"), 2, 2, 1.0)
    verifier(ligne(tab, "pression", "commune", "99003"), 0, 0, None, "sans objet")
    verifier(ligne(tab, "pression", "typologie", "T2"), 2, 1, 2.0)
    verifier(ligne(tab, "pression", "typologie", "T3"), 2, 8, 0.25)
    verifier(ligne(tab, "pression", "typologie", "T5+"), 0, 0, None, "sans objet")
    verifier(ligne(tab, "pression_mutations", "epci", SIREN), 2, 2, 1.0)


def test_instantane_le_plus_recent_avant_la_fin(cas):
    assert len(demandes_actives(cas.demandes, AU)) == 4
    assert len(demandes_actives(cas.demandes, dt.date(2024, 12, 30))) == 2
    assert demandes_actives(cas.demandes, dt.date(2024, 1, 1)).empty


def test_demandes_delai_anormal(tab):
    # 36 mois révolus au 31/12/2024 pour un dépôt du 31/12/2021 ; 35 pour le 01/01/2022.
    verifier(ligne(tab, "demandes_delai_anormal", "epci", SIREN), 1, 4, 0.25)
    verifier(ligne(tab, "demandes_delai_anormal", "commune", "99001"), 1, 2, 0.5)


# ----------------------------------------------------------------------------- periods, errors


def test_periode_vide(cas, territoire_test):
    jour = dt.date(2024, 8, 15)
    tab = tableau_indicateurs(cas, territoire_test, jour, jour)
    baux = tab[tab["indicateur"].isin(["q1_hors_qpv", "hors_q1_en_qpv", "prioritaires", "dalo"])]
    assert (baux["denominateur"] == 0).all() and (baux["statut"] == "sans objet").all()
    assert baux["taux"].isna().all() and baux["ic_bas"].isna().all()
    verifier(ligne(tab, "pression", "epci", SIREN), 2, 0, None, "sans objet")  # instantané du 30/06


def test_donnees_vides(territoire_test):
    tab = tableau_indicateurs(donnees_de([]), territoire_test, DU, AU)
    assert (tab["statut"] == "sans objet").all()


def test_bail_31_12_et_01_01_seuil_de_l_annee(cas, territoire_test):
    # Bail 12 : 850 €/mois = 10 200 €/UC, signé le 01/01/2025 : Q1 au seuil 2025 (10 500).
    tab = tableau_indicateurs(cas, territoire_test, dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    verifier(ligne(tab, "q1_hors_qpv", "epci", SIREN), 1, 1, 1.0)
    # Même ménage, bail 6 signé en 2024 : pas Q1 (seuil 10 000).
    tab = tableau_indicateurs(cas, territoire_test, dt.date(2024, 9, 30), dt.date(2024, 9, 30))
    verifier(ligne(tab, "q1_hors_qpv", "epci", SIREN), 0, 1, 0.0)


def test_annee_sans_seuil(cas, territoire_test):
    with pytest.raises(ErreurSeuilManquant, match="2023"):
        tableau_indicateurs(cas, territoire_test, dt.date(2023, 12, 1), DU)


def test_periode_inversee(cas, territoire_test):
    with pytest.raises(ErreurParametre, match="période vide"):
        tableau_indicateurs(cas, territoire_test, AU, DU)


def test_bailleur_hors_configuration_apparait(territoire_test):
    a = [attribution(1, date_bail="2024-05-01", bailleur="Bailleur Inconnu SA")]
    tab = tableau_indicateurs(donnees_de(a), territoire_test, DU, AU)
    cles = list(tab.loc[(tab["indicateur"] == "q1_hors_qpv") & (tab["niveau"] == "bailleur"), "cle"])
    assert cles == ["Habitat Imaginaire", "Foyer Fictif", "Bailleur Inconnu SA"]


# ----------------------------------------------------------------------------- waiting time


def test_delais_attente(territoire_test):
    a = [
        attribution(1, date_bail="2024-06-01", date_depot="2024-01-15"),   # 4 mois
        attribution(2, date_bail="2024-06-01", date_depot="2023-06-01"),   # 12 mois pile -> 1 à 2 ans
        attribution(3, date_bail="2024-06-01", date_depot="2023-06-02"),   # 11 mois révolus
        attribution(4, date_bail="2024-06-01", date_depot="2021-06-01"),   # 36 mois -> 3 à 5 ans
        attribution(5, date_bail="2024-06-01", date_depot="2019-06-01"),   # 60 mois -> 5 ans et plus
        attribution(6, date_bail="2024-06-01", date_depot=None),
        attribution(7, date_bail="2024-06-01", date_depot="2024-07-01"),   # incohérent -> inconnu
    ]
    d = delais_attente(donnees_de(a), territoire_test, DU, AU)
    assert list(d["tranche"]) == ["moins d'1 an", "1 à 2 ans", "2 à 3 ans", "3 à 5 ans", "5 ans et plus", "inconnu"]
    assert d["effectif"].tolist() == [2, 1, 0, 1, 1, 2]
    assert d["part"].iloc[:5].tolist() == pytest.approx([0.4, 0.2, 0.0, 0.2, 0.2])
    assert pd.isna(d["part"].iloc[5])


def test_resume_delais(cas, territoire_test):
    a = [attribution(i, date_bail="2024-06-01", date_depot=dep)
         for i, dep in enumerate(["2024-06-01", "2023-06-01", "2022-06-01", "2021-06-01"])]
    donnees = donnees_de(a, [demande(1, "2024-12-31", date_depot="2021-12-31"), demande(2, "2024-12-31")])
    r = resume_delais(donnees, territoire_test, DU, AU)
    # Attentes en jours : 0, 366, 731, 1096 -> médiane 548,5 j = 18,02 mois (÷ 30,4375).
    assert r["mediane_mois"] == pytest.approx(548.5 / 30.4375, abs=0.01)
    assert r["q1_mois"] == pytest.approx(274.5 / 30.4375, abs=0.01)
    assert r["effectif"] == 4 and r["inconnus"] == 0
    assert (r["demandes_actives"], r["demandes_delai_anormal"], r["part_delai_anormal"]) == (2, 1, 0.5)
    assert r["date_instantane"] == pd.Timestamp("2024-12-31")
    vide = resume_delais(donnees_de([]), territoire_test, DU, AU)
    assert vide["mediane_mois"] is None and vide["part_delai_anormal"] is None


# ----------------------------------------------------------------------------- profiles, funnel, quality


def test_profils_menages(cas, territoire_test):
    p = profils_menages(cas, territoire_test, DU, AU)
    assert list(p.columns) == ["dimension", "libelle_dimension", "modalite", "attributaires", "part_attributaires",
                               "demandeurs", "part_demandeurs"]
    q = p[p["dimension"] == "quartile"].set_index("modalite")
    # Baux : Q1 = 1, 5, 8 ; inconnus = 4, 9 ; 2 (= seuil) et 6 en Q2 ; 3 et 7 (24 000 €) en Q4.
    assert q["attributaires"].to_dict() == {"Q1": 3, "Q2": 2, "Q3": 0, "Q4": 2, "inconnu": 2}
    assert q.loc["Q1", "part_attributaires"] == pytest.approx(3 / 9)
    # Demandes (700 €/mois = 8 400 €/UC, seuil 2024 de l'instantané) : toutes Q1.
    assert q["demandeurs"].to_dict() == {"Q1": 4, "Q2": 0, "Q3": 0, "Q4": 0, "inconnu": 0}
    for dim, groupe in p.groupby("dimension"):
        assert groupe["attributaires"].sum() == 9 and groupe["demandeurs"].sum() == 4, dim
    prio = p[p["dimension"] == "priorite"].set_index("modalite")["attributaires"].to_dict()
    assert prio == {"DALO": 2, "Prioritaire hors DALO": 1, "Non prioritaire": 6}
    age = p[p["dimension"] == "age"].set_index("modalite")
    assert age.loc["35 à 44 ans", "attributaires"] == 9 and age.loc["25 à 34 ans", "demandeurs"] == 4


def test_entonnoir_decision_sans_bail(cas):
    e = entonnoir_attributions(cas, DU, AU).set_index("code")["effectif"].to_dict()
    # Décisions 2024 : 1-9, 11, 12 ; bail en 2024 : 1-9 ; bail en 2025 : 12 ; sans bail : 11.
    # Baux 2024 : 1-9 (le 10 est un bail de 2023) ; aucun après une décision antérieure.
    assert e == {"decisions": 11, "decisions_bail_periode": 9, "decisions_bail_apres": 1, "decisions_sans_bail": 1,
                 "baux_decisions_anterieures": 0, "baux_sans_decision": 0, "baux_signes": 9}


def test_entonnoir_se_reconcilie_avec_decisions_anterieures():
    from cia_lib.calculs.indicateurs.suivi import IDENTITES_ENTONNOIR
    from cia_lib.restitution.presentation import phrase_entonnoir

    donnees = donnees_de([
        attribution(1, date_decision="2024-01-05", date_bail="2024-02-01"),
        attribution(2, date_decision="2023-12-20", date_bail="2024-01-15"),   # décision antérieure
        attribution(3, date_decision="2023-12-31", date_bail="2024-01-01"),   # bornes : veille / premier jour
        attribution(4, date_decision="2024-12-31", date_bail="2025-01-02"),   # bail après la période
        attribution(5, date_decision="2024-06-01", date_bail=None),
        attribution(6, date_decision="2023-06-01", date_bail="2023-12-31"),   # hors période
    ])
    tableau = entonnoir_attributions(donnees, DU, AU)
    e = tableau.set_index("code")["effectif"].to_dict()
    assert e == {"decisions": 3, "decisions_bail_periode": 1, "decisions_bail_apres": 1, "decisions_sans_bail": 1,
                 "baux_decisions_anterieures": 2, "baux_sans_decision": 0, "baux_signes": 3}
    for total, *parts in IDENTITES_ENTONNOIR:
        assert e[total] == sum(e[p] for p in parts)
    phrase = phrase_entonnoir(tableau)
    assert phrase.startswith("Les 3 baux signés dans la période = 1 baux faisant suite à une décision de la "
                             "période + 2 baux faisant suite à une décision antérieure.")
    assert "Les 3 décisions de la période = 1 suivies d'un bail dans la période + 1 suivies d'un bail après" in phrase


def test_entonnoir_masque_dans_chaque_somme():
    from cia_lib.restitution.confidentialite import masquer_entonnoir
    from cia_lib.restitution.presentation import phrase_entonnoir

    tableau = pd.DataFrame({"code": ["decisions", "decisions_bail_periode", "decisions_bail_apres",
                                     "decisions_sans_bail", "baux_decisions_anterieures", "baux_sans_decision",
                                     "baux_signes"],
                            "effectif": [40, 36, 4, 0, 20, 0, 56]})
    masque = masquer_entonnoir(tableau, 5).set_index("code")["effectif"].to_dict()
    # 4 masqué (primaire) ; seul dans la somme des décisions : 36 (plus petite case non nulle) l'est aussi,
    # puis 36 seul dans la somme des baux : 20 l'est à son tour.
    assert masque == {"decisions": 40, "decisions_bail_periode": "s", "decisions_bail_apres": "s",
                      "decisions_sans_bail": 0, "baux_decisions_anterieures": "s", "baux_sans_decision": 0,
                      "baux_signes": 56}
    assert "secret statistique" in phrase_entonnoir(masquer_entonnoir(tableau, 5))


def test_qualite_donnees(cas):
    cas.rapport_import = {"fichiers": {"attributions": {"lus": 14, "rejetes": 2}, "demandes": {"lus": 3, "rejetes": 0}}}
    q = qualite_donnees(cas, DU, AU).set_index("controle")["effectif"].to_dict()
    assert q["baux_periode"] == 9
    assert q["baux_sans_ressources"] == 2
    assert q["decisions_sans_bail"] == 1
    assert q["attributions_sans_date_bail"] == 1
    assert q["rejets_import_attributions"] == 2 and q["rejets_import_demandes"] == 0
    rejets = pd.DataFrame({"fichier": ["attributions.csv"] * 3, "ligne": [4, 7, 8], "colonne": "x",
                           "valeur": "", "motif": ["commune hors territoire",
                                                   "identifiant en double (lignes 7, 8)",
                                                   "identifiant en double (lignes 7, 8)"]})
    q = qualite_donnees(cas, DU, AU, rejets=rejets)
    libelles = dict(zip(q["libelle"], q["effectif"]))
    assert libelles["Lignes rejetées à l'import (attributions.csv) : identifiant en double"] == 2
    assert libelles["Lignes rejetées à l'import (attributions.csv) : commune hors territoire"] == 1


# ----------------------------------------------------------------------------- sample data


def test_exemple_proche_du_diagnostic_2022(donnees_exemple, territoire):
    """2024 on the synthetic sample vs the CIA's 2022 diagnostic: Q1 15 %, mutations 37 % of
    demands and 22 % of leases, pressure 6.8."""
    tab = tableau_indicateurs(donnees_exemple, territoire, DU, AU)
    epci = tab[tab["niveau"] == "epci"].set_index("indicateur")
    assert 0.12 <= epci.loc["q1_hors_qpv", "taux"] <= 0.23
    assert 0.30 <= epci.loc["mutations_part_demandes", "taux"] <= 0.44
    assert 0.16 <= epci.loc["mutations_part_attributions", "taux"] <= 0.28
    assert 5.0 <= epci.loc["pression", "taux"] <= 9.0
    assert epci.loc["hors_q1_en_qpv", "statut"] == "sans objet"  # aucun QPV sur la CCVO3F
    assert epci.loc["pression_mutations", "taux"] > epci.loc["pression", "taux"]
    assert not math.isnan(epci.loc["prioritaires", "taux"])
    communes = tab[(tab["indicateur"] == "q1_hors_qpv") & (tab["niveau"] == "commune")]
    assert list(communes["cle"]) == list(territoire.communes)


def test_prioritaires_par_commune(tab):
    # 99001: leases 1, 2, 3, 6, 7, 8, 9 -> priority 1 (DALO), 2 (labelled), 7 (DALO); 99002: 4, 5 -> none
    verifier(ligne(tab, "prioritaires", "commune", "99001"), 3, 7, 3 / 7, "effectif insuffisant")
    verifier(ligne(tab, "prioritaires", "commune", "99002"), 0, 2, 0.0, "effectif insuffisant")
    verifier(ligne(tab, "prioritaires", "commune", "99003"), 0, 0, None, "sans objet")
    verifier(ligne(tab, "dalo", "commune", "99001"), 2, 7, 2 / 7)
