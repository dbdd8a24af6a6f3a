"""The code and the notebooks pass the project's lint rules (ruff, configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

from cia_lib.territoire import chemins


def test_ruff_sans_remarque():
    resultat = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--output-format", "concise", "cia_lib", "tests", "benchmarks",
         "notebooks"],
        cwd=chemins.RACINE, capture_output=True, text=True,
    )
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
