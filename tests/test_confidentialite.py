"""Masking of small counts (diffusion mode): primary, secondary, derived rates."""

from __future__ import annotations

import pandas as pd
import pytest

from cia_lib.restitution.confidentialite import (
    MASQUE,
    est_secret,
    masquer_effectifs,
    masquer_repartition,
    masquer_si_diffusion,
    masquer_tableau_indicateurs,
)


@pytest.mark.parametrize(("valeur", "attendu"), [(0, False), (1, True), (5, True), (6, False), (None, False),
                                                 (float("nan"), False), (pd.NA, False), ("s", False)])
def test_est_secret_bornes(valeur, attendu):
    assert est_secret(valeur, 5) is attendu


def test_masquer_effectifs_primaire_bornes_incluses():
    t = pd.DataFrame({"a": [0, 1, 5, 6]})
    assert masquer_effectifs(t, ["a"], 5)["a"].tolist() == [0, MASQUE, MASQUE, 6]


def test_masquer_effectifs_secondaire_sur_la_ligne_avec_total():
    # 3 masked alone in its row: total 13 - 10 would reveal it -> the next smallest (10) is masked
    t = pd.DataFrame({"a": [3, 8], "b": [10, 9], "c": [0, 20], "total": [13, 37]})
    m = masquer_effectifs(t, ["a", "b", "c"], 5, colonne_total="total")
    assert m.loc[0].tolist() == [MASQUE, MASQUE, 0, 13]
    assert m.loc[1].tolist() == [8, 9, 20, 37]


def test_masquer_effectifs_deux_cases_deja_masquees_pas_de_secondaire():
    t = pd.DataFrame({"a": [3], "b": [2], "c": [30], "total": [35]})
    m = masquer_effectifs(t, ["a", "b", "c"], 5, colonne_total="total")
    assert m.loc[0].tolist() == [MASQUE, MASQUE, 30, 35]


def test_masquer_effectifs_ligne_total_colonnes():
    t = pd.DataFrame({"n": [4, 7, 12, 23]}, index=["A", "B", "C", "Total"])
    m = masquer_effectifs(t, ["n"], 5, ligne_total="Total")
    assert m["n"].tolist() == [MASQUE, MASQUE, 12, 23]


def test_masquer_effectifs_sans_total_pas_de_secondaire():
    t = pd.DataFrame({"a": [3], "b": [10]})
    assert masquer_effectifs(t, ["a", "b"], 5).loc[0].tolist() == [MASQUE, 10]


def _tidy(num, den, niveau="commune", cles=None):
    cles = cles or [chr(65 + i) for i in range(len(num))]
    return pd.DataFrame({
        "indicateur": "q1_hors_qpv", "niveau": niveau, "cle": cles, "numerateur": num, "denominateur": den,
        "taux": [n / d if d else None for n, d in zip(num, den)], "ic_bas": 0.1, "ic_haut": 0.5,
        "ecart": 0.0, "statut": "atteint",
    })


def test_indicateurs_denominateur_secret_masque_tout():
    m = masquer_tableau_indicateurs(_tidy([2, 10, 12], [4, 40, 50]), 5)
    assert m.loc[0, ["numerateur", "denominateur", "taux", "ic_bas", "ic_haut", "ecart", "statut"]].tolist() == [MASQUE] * 7


def test_indicateurs_secondaire_sur_les_denominateurs_et_numerateurs():
    # A: den 4 (secret) -> secondary on the smallest other den: B (20) ; numerators: A masked
    # (by its den), B masked with its den, so C stays.
    m = masquer_tableau_indicateurs(_tidy([2, 10, 12], [4, 20, 50]), 5)
    assert m["denominateur"].tolist() == [MASQUE, MASQUE, 50]
    assert m["numerateur"].tolist() == [MASQUE, MASQUE, 12]
    assert m["taux"].tolist()[2] == pytest.approx(12 / 50)


def test_indicateurs_complement_secret():
    # 18 of 20: the 2 households not counted would be revealed -> numerator and rate masked
    m = masquer_tableau_indicateurs(_tidy([18, 10, 0], [20, 40, 30]), 5)
    assert m.loc[0, "numerateur"] == MASQUE and m.loc[0, "taux"] == MASQUE
    assert m.loc[0, "denominateur"] == 20
    # secondary: B (10) is the smallest non-zero other numerator
    assert m.loc[1, "numerateur"] == MASQUE
    assert m.loc[2, "numerateur"] == 0


def test_indicateurs_total_epci_pas_dans_le_groupe():
    t = pd.concat([_tidy([40], [200], niveau="epci", cles=["249500455"]), _tidy([3, 20, 17], [30, 80, 90])],
                  ignore_index=True)
    m = masquer_tableau_indicateurs(t, 5)
    assert m.loc[0, "numerateur"] == 40  # EPCI total shown
    assert m["numerateur"].tolist()[1:] == [MASQUE, 17, MASQUE] or m["numerateur"].tolist()[1:] == [MASQUE, 20, MASQUE]
    assert (m["numerateur"] == MASQUE).sum() == 2  # never exactly one masked key


def test_indicateurs_ratio_sans_complement():
    t = _tidy([100, 80], [98, 60]).assign(indicateur="pression", nature="ratio")
    m = masquer_tableau_indicateurs(t, 5)
    assert m["numerateur"].tolist() == [100, 80]


def test_indicateurs_inconnus_masques():
    t = _tidy([10, 12, 14], [30, 40, 50]).assign(inconnus=[2, 0, 9])
    m = masquer_tableau_indicateurs(t, 5)
    assert m["inconnus"].tolist() == [MASQUE, 0, MASQUE]


def test_indicateurs_ne_modifie_pas_l_entree():
    t = _tidy([2, 10, 12], [4, 20, 50])
    avant = t.copy()
    masquer_tableau_indicateurs(t, 5)
    pd.testing.assert_frame_equal(t, avant)


def test_repartition_par_groupe():
    t = pd.DataFrame({"dimension": ["a", "a", "a", "b", "b"], "n": [2, 10, 30, 20, 25], "part": [.05, .24, .71, .44, .56]})
    m = masquer_repartition(t, {"n": ["part"]}, 5, groupe="dimension")
    assert m["n"].tolist() == [MASQUE, MASQUE, 30, 20, 25]
    assert m["part"].tolist()[:2] == [MASQUE, MASQUE]


def test_masquer_si_diffusion_analyste_inchange():
    t = _tidy([2, 10, 12], [4, 20, 50])
    assert masquer_si_diffusion(t, False, 5) is t
    assert (masquer_si_diffusion(t, True, 5)["numerateur"] == MASQUE).any()


def test_seuil_vient_du_territoire(territoire_test):
    t = _tidy([6, 10, 12], [40, 20, 50])
    assert (masquer_tableau_indicateurs(t, territoire_test.seuil_secret)["numerateur"] == MASQUE).sum() == 0
    assert (masquer_tableau_indicateurs(t, 6)["numerateur"] == MASQUE).sum() == 2
