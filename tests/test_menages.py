"""Household arithmetic: UC, resources per UC, Q1 against the threshold of the lease year.

CCVO3F thresholds (config): 11 615 € (2024), 12 000 € (2025) per UC per year; Q2 2024 = 17 040,
Q3 2024 = 22 632.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cia_lib.calculs.menages import (
    enrichir_menages,
    est_prioritaire,
    est_sous_seuil,
    position_quartile,
    ressources_annuelles_par_uc,
    seuils_par_annee,
    unites_consommation,
)
from cia_lib.entrees.donnees import typer_table
from cia_lib.erreurs import ErreurSeuilManquant
from cia_lib.territoire.config import EchelleUC


def attributions(*lignes: dict) -> pd.DataFrame:
    base = dict(
        id_attribution="a", numero_unique="n", date_decision="2024-01-05", date_bail="2024-06-01",
        bailleur="Seqens", reservataire="bailleur", code_commune="95313", nb_personnes=2, nb_moins_14=0,
        dalo=False, prioritaire_l441=False, mutation=False,
    )
    return typer_table("attributions", pd.DataFrame([{**base, "id_attribution": f"a{i}", **lg} for i, lg in enumerate(lignes)]))


# ----------------------------------------------------------------------------- UC


def test_unites_consommation_echelle_par_defaut():
    uc = unites_consommation(pd.Series([1, 2, 3, 4, 3]), pd.Series([0, 0, 0, 2, 1]), EchelleUC())
    # 1 ; 1 + 0,5 ; 1 + 0,5 + 0,5 ; 1 + 0,5 + 2 × 0,3 ; 1 + 0,5 + 0,3
    assert uc.round(6).tolist() == [1.0, 1.5, 2.0, 2.1, 1.8]


def test_enfant_qui_atteint_14_ans_compte_0_5():
    # Couple + un enfant : 13 ans (compté parmi les moins de 14 ans) puis 14 ans (ne l'est plus).
    uc = unites_consommation(pd.Series([3, 3]), pd.Series([1, 0]), EchelleUC())
    assert uc.round(6).tolist() == [1.8, 2.0]


def test_moins_de_14_manquant_vaut_zero_et_incoherent_borne():
    uc = unites_consommation(pd.Series([2, 2, None], dtype="Int64"), pd.Series([None, 5, 0], dtype="Int64"), EchelleUC())
    # 2 personnes dont « 5 enfants » : le titulaire reste un adulte -> 1 enfant au plus.
    assert uc.tolist()[:2] == [1.5, 1.3]
    assert pd.isna(uc.iloc[2])


def test_echelle_configurable():
    uc = unites_consommation(pd.Series([3]), pd.Series([1]), EchelleUC(1.0, 0.7, 0.5))
    assert uc.round(6).tolist() == [2.2]


# ----------------------------------------------------------------------------- threshold


def test_ressources_exactement_au_seuil_pas_q1_un_centime_dessous_q1(territoire):
    # Deux adultes (1,5 UC) : 1 451,875 €/mois × 12 ÷ 1,5 = 11 615 € = seuil 2024.
    t = enrichir_menages(attributions(
        {"ressources_mensuelles": 1451.875},
        {"ressources_mensuelles": 1451.865},  # 11 614,92 €/UC
    ), territoire, "date_bail")
    assert t["ressources_uc"].tolist() == [11615.0, 11614.92]
    assert t["q1"].tolist() == [False, True]
    assert t["quartile"].tolist() == ["Q2", "Q1"]


def test_seuil_exact_sans_bruit_flottant(territoire):
    # 2 adultes + 2 enfants = 2,1 UC ; 2 032,625 €/mois = exactement 11 615 €/UC.
    t = enrichir_menages(attributions({"ressources_mensuelles": 2032.625, "nb_personnes": 4, "nb_moins_14": 2}),
                         territoire, "date_bail")
    assert t["ressources_uc"].iloc[0] == 11615.0
    assert not t["q1"].iloc[0]


def test_enfant_de_14_ans_fait_passer_sous_le_seuil(territoire):
    # 1 742,25 €/mois : 11 615 €/UC à 1,8 UC (enfant de 13 ans) -> pas Q1 ;
    # 10 453,50 €/UC à 2,0 UC (enfant de 14 ans) -> Q1.
    t = enrichir_menages(attributions(
        {"ressources_mensuelles": 1742.25, "nb_personnes": 3, "nb_moins_14": 1},
        {"ressources_mensuelles": 1742.25, "nb_personnes": 3, "nb_moins_14": 0},
    ), territoire, "date_bail")
    assert t["uc"].round(6).tolist() == [1.8, 2.0]
    assert t["q1"].tolist() == [False, True]


def test_seuil_de_l_annee_du_bail(territoire):
    # 1 475 €/mois pour 1,5 UC = 11 800 €/UC : au-dessus de 11 615 (2024), sous 12 000 (2025).
    t = enrichir_menages(attributions(
        {"ressources_mensuelles": 1475.0, "date_bail": "2024-12-31"},
        {"ressources_mensuelles": 1475.0, "date_bail": "2025-01-01"},
    ), territoire, "date_bail")
    assert t["seuil_q1"].tolist() == [11615.0, 12000.0]
    assert t["q1"].tolist() == [False, True]


def test_ressources_inconnues_jamais_q1(territoire):
    t = enrichir_menages(attributions({"ressources_mensuelles": None}, {"ressources_mensuelles": 0.0}),
                         territoire, "date_bail")
    assert pd.isna(t["q1"].iloc[0]) and t["quartile"].iloc[0] == "inconnu"
    assert bool(t["q1"].iloc[1]) is True  # zero resources are known, and below the threshold


def test_annee_sans_seuil_erreur_explicite(territoire):
    with pytest.raises(ErreurSeuilManquant, match="2023"):
        enrichir_menages(attributions({"ressources_mensuelles": 900.0, "date_bail": "2023-12-31"}),
                         territoire, "date_bail")
    with pytest.raises(ErreurSeuilManquant):
        territoire.seuil_q1(2031)
    with pytest.raises(ErreurSeuilManquant):
        seuils_par_annee(pd.Series([2024, 2030]), territoire)


def test_sans_date_pas_de_seuil_ni_q1(territoire):
    t = enrichir_menages(attributions({"ressources_mensuelles": 500.0, "date_bail": None}), territoire, "date_bail")
    assert pd.isna(t["seuil_q1"].iloc[0]) and pd.isna(t["q1"].iloc[0])


def test_quartiles_bornes_strictes():
    r = pd.Series([9999.99, 10000.0, 14999.0, 15000.0, 20000.0, None])
    q = position_quartile(r, pd.Series([10000.0] * 6), pd.Series([15000.0] * 6), pd.Series([20000.0] * 6))
    assert q.tolist() == ["Q1", "Q2", "Q2", "Q3", "Q4", "inconnu"]


def test_quartile_seuil_q3_manquant_garde_q2():
    r = pd.Series([5000.0, 12000.0, 30000.0])
    q = position_quartile(r, pd.Series([10000.0] * 3), pd.Series([15000.0] * 3), pd.Series([None] * 3, dtype="Float64"))
    assert q.tolist() == ["Q1", "Q2", "inconnu"]


def test_est_sous_seuil_et_arrondi():
    assert est_sous_seuil(pd.Series([11614.99, 11615.0]), pd.Series([11615.0, 11615.0])).tolist() == [True, False]
    assert ressources_annuelles_par_uc(pd.Series([1000.0]), pd.Series([1.5])).tolist() == [8000.0]


# ----------------------------------------------------------------------------- priority


def test_prioritaire_dalo_ou_labellise(territoire):
    t = enrichir_menages(attributions(
        {"dalo": True, "prioritaire_l441": False},
        {"dalo": False, "prioritaire_l441": True},
        {"dalo": True, "prioritaire_l441": True},
        {"dalo": False, "prioritaire_l441": False},
    ), territoire, "date_bail")
    assert t["prioritaire"].tolist() == [True, True, True, False]
    manquants = est_prioritaire(pd.Series([None, True], dtype="boolean"), pd.Series([None, None], dtype="boolean"))
    assert manquants.tolist() == [False, True]
