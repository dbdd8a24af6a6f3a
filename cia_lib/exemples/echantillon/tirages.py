"""Low-level drawing helpers shared by the generators: exact quotas, integer splits, log-normal draws, days.

Nothing here knows about households, residences or leases; every function takes the
generator's ``numpy.random.Generator`` explicitly so the draw order stays that of the caller.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

_JOUR = np.timedelta64(1, "D")
_AN = 365.25


def _jours(d: date) -> np.datetime64:
    return np.datetime64(d, "D")


def _fins_trimestre(debut: date, fin: date) -> list[np.datetime64]:
    """Quarter ends from the first one after ``debut`` up to ``fin`` (inclusive)."""
    dates = pd.date_range(pd.Timestamp(debut), pd.Timestamp(fin), freq="QE")
    return [np.datetime64(d.date(), "D") for d in dates]


def _lognormale(rng: np.random.Generator, mediane: float, sigma: float, n: int) -> np.ndarray:
    return mediane * np.exp(sigma * rng.standard_normal(n))


def _quota(rng: np.random.Generator, n: int, part: float) -> np.ndarray:
    """Boolean array with exactly round(part × n) True values, shuffled."""
    vrais = int(round(part * n))
    sortie = np.zeros(n, dtype=bool)
    sortie[:vrais] = True
    rng.shuffle(sortie)
    return sortie


def _quota_categories(rng: np.random.Generator, n: int, modalites: list[str], parts: np.ndarray) -> np.ndarray:
    """Categorical array with counts as close as possible to ``parts × n`` (largest remainder)."""
    parts = parts / parts.sum()
    brut = parts * n
    effectifs = np.floor(brut).astype(int)
    reste = n - effectifs.sum()
    effectifs[np.argsort(-(brut - effectifs), kind="stable")[:reste]] += 1
    sortie = np.repeat(np.array(modalites, dtype=object), effectifs)
    rng.shuffle(sortie)
    return sortie


def _moyenne_lognormale(mediane: float, sigma: float) -> float:
    return mediane * math.exp(sigma**2 / 2)


def _repartir(total: int, poids: np.ndarray, minimum: int = 1) -> np.ndarray:
    """Integer split of ``total`` by weights (largest remainder), each at least ``minimum``."""
    brut = poids / poids.sum() * (total - minimum * len(poids))
    effectifs = np.floor(brut).astype(int)
    reste = total - minimum * len(poids) - effectifs.sum()
    effectifs[np.argsort(-(brut - effectifs), kind="stable")[:reste]] += 1
    return effectifs + minimum
