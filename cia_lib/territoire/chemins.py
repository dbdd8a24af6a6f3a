"""Project paths, resolved once from the package location (no path strings elsewhere)."""

from __future__ import annotations

import os
from pathlib import Path

RACINE = Path(__file__).resolve().parents[2]
CONFIG = RACINE / "config"
DONNEES = RACINE / "data"
BRUTES = DONNEES / "raw"
EXEMPLE = BRUTES / "exemple"
TRAITEES = DONNEES / "processed"
REFERENCE = DONNEES / "reference"
NOTEBOOKS = RACINE / "notebooks"
RAPPORTS = RACINE / "reports"
TERRITOIRE_DEFAUT = CONFIG / "territoire.yaml"
NOM_NOYAU = "cia-atelier"
"""Name of the Jupyter kernel registered by ``make installer`` for the project's venv."""


def chemin_territoire(chemin: str | os.PathLike | None = None) -> Path:
    """Return the territory file to use.

    Parameters
    ----------
    chemin : path-like, optional
        Explicit file. When absent, ``$CIA_TERRITOIRE`` then ``config/territoire.yaml``.

    Returns
    -------
    pathlib.Path
    """
    if chemin:
        return Path(chemin)
    env = os.environ.get("CIA_TERRITOIRE")
    return Path(env) if env else TERRITOIRE_DEFAUT


def resoudre(chemin: str | os.PathLike, base: Path = RACINE) -> Path:
    """Resolve a path from configuration: absolute as is, relative from ``base``."""
    p = Path(chemin)
    return p if p.is_absolute() else (base / p)
