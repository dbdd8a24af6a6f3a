"""Wilson interval (known values) and the status rules of a rate."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cia_lib.calculs.statistiques import intervalle_wilson, statut_taux


@pytest.mark.parametrize(
    ("k", "n", "bas", "haut"),
    [
        (0, 10, 0.0, 0.2775),      # z = 1.95996 : haut = z² / (n + z²) = 3.8415 / 13.8415
        (5, 10, 0.2366, 0.7634),
        (10, 10, 0.7225, 1.0),
        (15, 100, 0.0931, 0.2328),
        (1, 4, 0.0456, 0.6994),
    ],
)
def test_wilson_valeurs_connues(k, n, bas, haut):
    b, h = intervalle_wilson(k, n)
    assert round(b, 4) == bas and round(h, 4) == haut


def test_wilson_vectorise_et_denominateur_nul():
    b, h = intervalle_wilson(np.array([0, 5, 0]), np.array([10, 10, 0]))
    assert np.round(b[:2], 4).tolist() == [0.0, 0.2366]
    assert np.round(h[:2], 4).tolist() == [0.2775, 0.7634]
    assert math.isnan(b[2]) and math.isnan(h[2])
    b, h = intervalle_wilson(pd.Series([3], dtype="Int64"), pd.Series([4], dtype="Int64"))
    assert b[0] < 0.75 < h[0]
    assert all(math.isnan(x) for x in intervalle_wilson(0, 0))


def test_wilson_niveau_de_confiance():
    b95, h95 = intervalle_wilson(5, 10)
    b99, h99 = intervalle_wilson(5, 10, confiance=0.99)
    assert b99 < b95 and h99 > h95


@pytest.mark.parametrize(
    ("num", "den", "cible", "attendu"),
    [
        (0, 0, 0.25, "sans objet"),
        (2, 9, 0.25, "effectif insuffisant"),
        (9, 9, 0.25, "effectif insuffisant"),
        (3, 12, 0.25, "atteint"),            # exactement la cible
        (2, 12, 0.25, "non atteint"),
        (10, 10, 1.0, "atteint"),            # contingent État à 100 %
        (9, 10, 1.0, "non atteint"),
        (4, 10, None, "information"),        # pas de cible (ex. État fonctionnaires)
        (1, 10, 0.1, "atteint"),             # 1/10 = 0,1 malgré l'arithmétique flottante
    ],
)
def test_statut(num, den, cible, attendu):
    taux = num / den if den else None
    assert statut_taux(num, den, taux, cible, 10) == attendu


def test_statut_vectorise():
    s = statut_taux(pd.Series([0, 3, 2, 4]), pd.Series([0, 12, 12, 12]), pd.Series([None, 0.25, 2 / 12, 4 / 12]),
                    pd.Series([0.25, 0.25, 0.25, None]), 10)
    assert s.tolist() == ["sans objet", "atteint", "non atteint", "information"]
