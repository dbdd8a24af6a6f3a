"""The conda environment (environment.yml) and pyproject.toml declare the same dependencies."""

from __future__ import annotations

import re
import tomllib

import yaml

from cia_lib.territoire import chemins


def _normaliser(spec: str) -> tuple[str, str]:
    nom, _, borne = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(([<>=!~].*)?)$", spec).group(1, 2, 2)
    return nom.lower().replace("_", "-"), borne.replace(" ", "")


def _dependances_pyproject() -> dict[str, str]:
    projet = tomllib.loads((chemins.RACINE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(projet["dependencies"]) + [d for ds in projet["optional-dependencies"].values() for d in ds]
    return dict(_normaliser(s) for s in specs)


def _dependances_conda() -> dict[str, str]:
    env = yaml.safe_load((chemins.RACINE / "environment.yml").read_text(encoding="utf-8"))
    specs = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            specs += [d for d in dep.get("pip", []) if not d.startswith("-")]
        elif not dep.startswith(("python", "pip")) or dep.startswith("python-"):
            specs.append(dep)
    return dict(_normaliser(s) for s in specs)


def test_memes_dependances_et_memes_bornes():
    assert _dependances_conda() == _dependances_pyproject()


def test_toutes_les_dependances_ont_une_borne_basse():
    for nom, borne in _dependances_pyproject().items():
        assert borne.startswith(">="), f"{nom} sans borne basse"
