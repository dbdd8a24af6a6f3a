"""Year-to-date progress, projection of what is still needed, quarterly series.

Reuses the hand-built fixture of test_indicateurs (leases 1-9 in 2024, lease 12 on 2025-01-01).
2024 is a leap year: 366 days; Q1 ends after 91 days, Q2 after 182, Q3 after 274.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cia_lib.calculs.indicateurs import progression_annuelle, serie_trimestrielle
from cia_lib.erreurs import ErreurParametre
from tests.test_indicateurs import attribution, cas, donnees_de  # noqa: F401 (fixture)


def _par_trimestre(p, indicateur):
    return p[p["indicateur"] == indicateur].set_index("trimestre")


def test_progression_q1_hors_qpv(cas, territoire_test):  # noqa: F811
    p = progression_annuelle(cas, territoire_test, 2024, 4)
    q1 = _par_trimestre(p, "q1_hors_qpv")
    # Hors QPV : T1 baux 1 (Q1), 2 ; T2 + 3 (relogé), 4 ; T3 + 5 (Q1), 6 ; T4 rien hors QPV.
    assert q1["numerateur"].tolist() == [1, 2, 3, 3]
    assert q1["denominateur"].tolist() == [2, 4, 6, 6]
    assert q1["taux"].tolist() == pytest.approx([0.5, 0.5, 0.5, 0.5])
    # T1 : N = 2 × 366 / 91 = 8,04 ; ceil(0,25 × 8,04) = 3 ; 3 − 1 = 2.
    assert q1.loc[1, "baux_projetes"] == pytest.approx(8.0, abs=0.05)
    assert q1["supplementaires_necessaires"].tolist() == [2, 1, 0, 0]
    assert (q1["cible"] == 0.25).all()
    assert q1["au"].tolist() == [pd.Timestamp(d) for d in ("2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31")]
    assert (q1["du"] == pd.Timestamp("2024-01-01")).all()
    # At T4 the projection is the actual volume.
    assert q1.loc[4, "baux_projetes"] == 6


def test_progression_prioritaires(cas, territoire_test):  # noqa: F811
    pr = _par_trimestre(progression_annuelle(cas, territoire_test, 2024, 4), "prioritaires")
    assert pr["numerateur"].tolist() == [2, 2, 2, 3]
    assert pr["denominateur"].tolist() == [2, 4, 6, 9]
    # T3 : N = 6 × 366 / 274 = 8,01 -> ceil(2,004) = 3 -> 1 ; T4 : ceil(0,25 × 9) = 3 -> 0.
    assert pr["supplementaires_necessaires"].tolist() == [1, 1, 1, 0]


def test_progression_jusqu_au_trimestre_demande(cas, territoire_test):  # noqa: F811
    p = progression_annuelle(cas, territoire_test, 2024, 2)
    assert list(p["indicateur"]) == ["q1_hors_qpv"] * 2 + ["prioritaires"] * 2
    assert list(p["trimestre"]) == [1, 2, 1, 2]
    with pytest.raises(ErreurParametre):
        progression_annuelle(cas, territoire_test, 2024, 5)


def test_progression_annee_sans_bail(territoire_test):
    p = progression_annuelle(donnees_de([]), territoire_test, 2024, 4)
    assert (p["denominateur"] == 0).all() and p["taux"].isna().all()
    assert (p["supplementaires_necessaires"] == 0).all() and (p["statut"] == "sans objet").all()


def test_besoin_avec_volume_important(territoire_test):
    # 40 baux hors QPV au 1er semestre 2025 (181 jours), 6 en Q1 : N = 40 × 365 / 181 = 80,66 ;
    # ceil(0,25 × 80,66) = 21 -> 15 de plus.
    a = [attribution(i, date_bail="2025-05-01", ressources_mensuelles=500.0 if i < 6 else 2000.0) for i in range(40)]
    q1 = _par_trimestre(progression_annuelle(donnees_de(a), territoire_test, 2025, 2), "q1_hors_qpv")
    assert q1.loc[2, "baux_projetes"] == pytest.approx(80.7, abs=0.05)
    assert q1.loc[2, "supplementaires_necessaires"] == 15
    assert q1.loc[2, "statut"] == "non atteint"


def test_serie_trimestrielle(cas, territoire_test):  # noqa: F811
    s = serie_trimestrielle(cas, territoire_test, "q1_hors_qpv", 2024, dt.date(2025, 3, 31))
    assert list(zip(s["annee"], s["trimestre"])) == [(2024, 1), (2024, 2), (2024, 3), (2024, 4), (2025, 1)]
    assert s["numerateur"].tolist() == [1, 1, 1, 0, 1]
    assert s["denominateur"].tolist() == [2, 2, 2, 0, 1]
    assert pd.isna(s["taux"].iloc[3])
    # Cumulative within the year, reset in 2025 (bail 12 : Q1 au seuil 2025).
    assert s["numerateur_cumul"].tolist() == [1, 2, 3, 3, 1]
    assert s["taux_cumul_annuel"].tolist() == pytest.approx([0.5, 0.5, 0.5, 0.5, 1.0])
    assert (s["cible"] == 0.25).all()


def test_serie_trimestre_partiel_et_erreurs(cas, territoire_test):  # noqa: F811
    s = serie_trimestrielle(cas, territoire_test, "prioritaires", 2024, dt.date(2024, 5, 15))
    assert list(s["trimestre"]) == [1, 2]
    assert s["au"].iloc[-1] == pd.Timestamp("2024-05-15")
    assert s["denominateur"].tolist() == [2, 2]  # baux 3 (01/04) et 4 (15/05)
    assert pd.isna(serie_trimestrielle(cas, territoire_test, "dalo", 2024, dt.date(2024, 12, 31))["cible"]).all()
    with pytest.raises(ErreurParametre, match="indicateur inconnu"):
        serie_trimestrielle(cas, territoire_test, "pression", 2024, dt.date(2024, 12, 31))
    with pytest.raises(ErreurParametre):
        serie_trimestrielle(cas, territoire_test, "q1_hors_qpv", 2025, dt.date(2024, 12, 31))
