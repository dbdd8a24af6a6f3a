"""The stage layering of cia_lib (docs/architecture.md) is a contract checked by import-linter."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from cia_lib.territoire import chemins

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(racine: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), str(racine / "pyproject.toml"), "--no-cache"],
        cwd=racine, capture_output=True, text=True, env={"PYTHONPATH": str(racine), "PATH": "/usr/bin:/bin"},
    )


def test_contrat_des_etages_respecte():
    resultat = _lint_imports(chemins.RACINE)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "2 kept, 0 broken" in resultat.stdout


def _lint_copie_avec(tmp_path: Path, module: str, ligne: str) -> subprocess.CompletedProcess:
    """Run the contracts on a copy of cia_lib where ``module`` gets one extra import line."""
    racine = tmp_path / "copie"
    shutil.copytree(chemins.RACINE / "cia_lib", racine / "cia_lib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(chemins.RACINE / "pyproject.toml", racine / "pyproject.toml")
    fichier = racine / module
    fichier.write_text(fichier.read_text(encoding="utf-8") + f"\n{ligne}  # noqa\n", encoding="utf-8")
    return _lint_imports(racine)


def test_un_etage_bas_qui_importe_un_etage_haut_casse_le_contrat(tmp_path):
    resultat = _lint_copie_avec(tmp_path, "cia_lib/calculs/menages.py", "from cia_lib.restitution import confidentialite")
    assert resultat.returncode != 0
    assert "cia_lib.calculs.menages -> cia_lib.restitution.confidentialite" in resultat.stdout


def test_un_cycle_casse_le_contrat(tmp_path):
    # indicateurs/_communs imports menages; menages importing indicateurs closes a circle.
    resultat = _lint_copie_avec(tmp_path, "cia_lib/calculs/menages.py", "from cia_lib.calculs import indicateurs")
    assert resultat.returncode != 0
    assert "No cycles are allowed" in resultat.stdout
