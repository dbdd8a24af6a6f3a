"""Notebooks are committed clean: no outputs, the project kernel, the standard parameters."""

from __future__ import annotations

import ast

import nbformat
import pytest

from cia_lib.territoire import chemins

NOTEBOOKS = sorted(chemins.NOTEBOOKS.glob("*.ipynb"))
PARAMETRES_STANDARD = {"donnees", "territoire", "annee", "trimestre", "mode"}


def test_les_quatre_notebooks_existent():
    assert {p.stem for p in NOTEBOOKS} >= {"suivi_trimestriel", "bilan_annuel", "cartes", "residences_sensibles"}


@pytest.mark.parametrize("chemin", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_propre(chemin):
    nb = nbformat.read(chemin, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == chemins.NOM_NOYAU
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "sorties à retirer avant commit"
    parametres = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(parametres) == 1
    noms = {t.id for n in ast.walk(ast.parse(parametres[0].source)) if isinstance(n, ast.Assign) for t in n.targets}
    assert noms == PARAMETRES_STANDARD
    # thin notebooks: no function or class defined in them (logic lives in cia_lib)
    for cellule in code:
        arbre = ast.parse(cellule.source)
        assert not any(isinstance(n, (ast.FunctionDef, ast.ClassDef)) for n in ast.walk(arbre)), cellule.source[:80]
