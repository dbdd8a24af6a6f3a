"""Synthetic inputs of the flux bilan: flux conventions, financing and internal mutations.

Drawn **after** every other draw of :func:`cia_lib.exemples.echantillon.tables._generer_tables`,
so that the four original tables stay identical for a given seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cia_lib.territoire.config import Territoire

from .parametres import ParametresExemple


def _conventions(residences: pd.DataFrame, territoire: Territoire, p: ParametresExemple) -> pd.DataFrame:
    """One convention per bailleur holding residences × contingent of the territory × year of the window.

    The last ``p.bailleurs_sans_convention`` of those bailleurs (territory order) get none.
    """
    presents = [b for b in territoire.bailleurs if b in set(residences["bailleur"])]
    signataires = presents[: max(0, len(presents) - p.bailleurs_sans_convention)]
    parts = [(r, s) for r, s in p.parts_conventions if r in territoire.reservataires]
    lignes = [(b, r, annee, s) for annee in range(p.debut.year, p.fin.year + 1) for b in signataires for r, s in parts]
    return pd.DataFrame(lignes, columns=["bailleur", "reservataire", "annee", "part_flux"])


def _financements(rng, residences: pd.DataFrame, p: ParametresExemple) -> pd.Series:
    """Financing of each residence (by ``id_residence``)."""
    codes = np.array([c for c, _ in p.financements], dtype=object)
    poids = np.array([w for _, w in p.financements])
    tirage = rng.choice(codes, size=len(residences), p=poids / poids.sum())
    return pd.Series(tirage, index=residences["id_residence"].to_numpy())


def completer_flux(rng, attributions: pd.DataFrame, residences: pd.DataFrame, territoire: Territoire,
                   p: ParametresExemple) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Attributions with ``financement`` and ``mutation_interne``, and the flux conventions.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The attributions (new columns added) and the conventions table.
    """
    financement = _financements(rng, residences, p)
    interne = rng.random(len(attributions)) < p.part_mutation_interne
    attributions = attributions.assign(
        financement=attributions["id_residence"].map(financement).to_numpy(),
        mutation_interne=attributions["mutation"].to_numpy(dtype=bool) & interne,
    )
    return attributions, _conventions(residences, territoire, p)
