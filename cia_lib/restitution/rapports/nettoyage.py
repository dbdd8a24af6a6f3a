"""Leftovers of dead runs: construction folders that a killed run never renamed nor removed.

A report is built in ``.construction-<période>-XXXX/`` beside its final place and an old
report is moved to ``.ancien-<période>-XXXX/`` for the instant of the swap
(:mod:`cia_lib.restitution.rapports.production`). A run killed in between leaves them
behind. The next run removes them while it holds the lock (``reports/.verrou``): no other
run can be building at that moment, so every such folder is a dead one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .registre import DOSSIER_COMPARAISON, est_dossier_epci

PREFIXES_TEMPORAIRES = (".construction-", ".ancien-")


def dossiers_temporaires(dossier_rapports: Path) -> list[Path]:
    """Construction and swap folders under ``dossier_rapports`` and its per-EPCI and
    comparison sub-folders (one level, where runs build), sorted."""
    racine = Path(dossier_rapports)
    if not racine.is_dir():
        return []
    lieux = [racine] + [d for d in racine.iterdir()
                        if d.is_dir() and (est_dossier_epci(d.name) or d.name == DOSSIER_COMPARAISON)]
    return sorted(
        d for lieu in lieux for d in lieu.iterdir()
        if d.is_dir() and d.name.startswith(PREFIXES_TEMPORAIRES)
    )


def nettoyer_dossiers_temporaires(dossier_rapports: Path) -> list[Path]:
    """Remove the folders of :func:`dossiers_temporaires`; call it only under the lock.

    Returns
    -------
    list of Path
        The folders removed.
    """
    retires = dossiers_temporaires(dossier_rapports)
    for dossier in retires:
        shutil.rmtree(dossier, ignore_errors=True)
    return retires
