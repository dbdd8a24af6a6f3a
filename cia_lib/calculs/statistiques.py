"""Small statistics for rates: Wilson confidence interval and the status of a rate.

Pure and vectorised: the functions accept scalars or array-likes (NumPy arrays, pandas
Series) and never raise on a zero denominator (the result is then missing).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

STATUT_ATTEINT = "atteint"
STATUT_NON_ATTEINT = "non atteint"
STATUT_INSUFFISANT = "effectif insuffisant"
STATUT_SANS_OBJET = "sans objet"
STATUT_INFORMATION = "information"
STATUTS = (STATUT_ATTEINT, STATUT_NON_ATTEINT, STATUT_INSUFFISANT, STATUT_SANS_OBJET, STATUT_INFORMATION)

# Tolerance when comparing a rate with its target (1/4 must reach 0.25 whatever the rounding).
_TOLERANCE = 1e-9


def intervalle_wilson(k, n, confiance: float = 0.95):
    """Wilson score interval of a proportion k / n.

    Parameters
    ----------
    k, n : int or array-like of int
        Numerator (successes) and denominator (trials), 0 <= k <= n.
    confiance : float, default 0.95
        Confidence level.

    Returns
    -------
    (bas, haut) : tuple of float, or of numpy.ndarray when the inputs are arrays
        Bounds in [0, 1]; NaN where ``n`` is 0 or missing.

    Examples
    --------
    >>> [round(x, 4) for x in intervalle_wilson(0, 10)]
    [0.0, 0.2775]
    >>> [round(x, 4) for x in intervalle_wilson(5, 10)]
    [0.2366, 0.7634]
    """
    scalaire = np.ndim(k) == 0 and np.ndim(n) == 0
    k_ = pd.to_numeric(pd.Series(np.atleast_1d(k)), errors="coerce").astype("float64").to_numpy()
    n_ = pd.to_numeric(pd.Series(np.atleast_1d(n)), errors="coerce").astype("float64").to_numpy()
    z = NormalDist().inv_cdf(1 - (1 - confiance) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_ = np.where(n_ > 0, n_, np.nan)
        p = k_ / n_
        centre = (p + z * z / (2 * n_)) / (1 + z * z / n_)
        demi = z / (1 + z * z / n_) * np.sqrt(p * (1 - p) / n_ + z * z / (4 * n_ * n_))
        bas = np.clip(centre - demi, 0.0, 1.0)
        haut = np.clip(centre + demi, 0.0, 1.0)
    # Exact bounds at the edges (avoid 1e-17 noise).
    bas = np.where(k_ == 0, 0.0, bas)
    haut = np.where(k_ == n_, 1.0, haut)
    bas = np.where(np.isnan(n_), np.nan, bas)
    haut = np.where(np.isnan(n_), np.nan, haut)
    if scalaire:
        return float(bas[0]), float(haut[0])
    return bas, haut


def statut_taux(numerateur, denominateur, taux, cible, effectif_minimum: int):
    """Status of a rate against its target.

    Rules, in order: denominator 0 (or missing) -> ``"sans objet"``; denominator below
    ``effectif_minimum`` -> ``"effectif insuffisant"``; no target -> ``"information"``;
    rate >= target -> ``"atteint"``; otherwise ``"non atteint"``.
    The comparison uses ``numerateur >= cible × denominateur`` (with a 1e-9 tolerance) so that
    1 lease out of 4 reaches a 25 % target exactly.

    Parameters
    ----------
    numerateur, denominateur : int or array-like
    taux : float or array-like
        numerateur / denominateur (used when the counts are missing).
    cible : float, None or array-like
        Target share in [0, 1]; None/NaN = no target.
    effectif_minimum : int
        Smallest denominator for which a rate is judged (``Territoire.effectif_minimum``).

    Returns
    -------
    str, or pandas.Series of str when the inputs are arrays

    Examples
    --------
    >>> statut_taux(0, 0, None, 0.25, 10)
    'sans objet'
    >>> statut_taux(2, 8, 0.25, 0.25, 10)
    'effectif insuffisant'
    >>> statut_taux(3, 12, 0.25, 0.25, 10), statut_taux(2, 12, 2 / 12, 0.25, 10)
    ('atteint', 'non atteint')
    >>> statut_taux(5, 12, 5 / 12, None, 10)
    'information'
    """
    scalaire = all(np.ndim(x) == 0 for x in (numerateur, denominateur, taux, cible))

    def flottants(x):
        serie = pd.Series(np.atleast_1d(np.asarray(x, dtype=object)))
        return pd.to_numeric(serie, errors="coerce").astype("float64").to_numpy()

    longueur = max(len(np.atleast_1d(np.asarray(x, dtype=object))) for x in (numerateur, denominateur, taux, cible))
    num, den, tx, cib = (np.broadcast_to(flottants(x), (longueur,)) for x in (numerateur, denominateur, taux, cible))
    num = np.where(np.isnan(num), tx * den, num)
    with np.errstate(invalid="ignore"):
        atteint = num >= cib * den - _TOLERANCE
    statut = np.select(
        [~(den > 0), den < effectif_minimum, np.isnan(cib), atteint],
        [STATUT_SANS_OBJET, STATUT_INSUFFISANT, STATUT_INFORMATION, STATUT_ATTEINT],
        default=STATUT_NON_ATTEINT,
    )
    if scalaire:
        return str(statut[0])
    return pd.Series(statut, dtype="string")


__all__ = ["intervalle_wilson", "statut_taux", "STATUTS", "STATUT_ATTEINT", "STATUT_NON_ATTEINT",
           "STATUT_INSUFFISANT", "STATUT_SANS_OBJET", "STATUT_INFORMATION"]
