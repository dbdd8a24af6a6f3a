"""Parallel report runs (``--parallele N``): same bytes as a sequential run, same failure rules.

The byte comparison reuses the sequential session run of tests/test_rapports.py (fixture
``rapports_produits``: quarterly 2025-T3 and bilan 2025) and builds the same plans with two
workers; the failure cases run tiny notebooks (a kernel start each).
"""

from __future__ import annotations

import io
import os

import nbformat
import pytest
from conftest import ANNEE, TRIMESTRE

from cia_lib.cli import main
from cia_lib.erreurs import ErreurParametre
from cia_lib.restitution.rapports import ErreurProductionPartielle, planifier, produire_rapports
from cia_lib.restitution.rapports.parallele import coeurs_utilisables, nombre_de_processus, verifier_parallele
from tests.test_rapports import NOTEBOOK_CASSE

FICHIERS_COMPARES = ("*.html", "*.xlsx", "*.json")


def _octets(dossier):
    return {p.relative_to(dossier): p.read_bytes()
            for motif in FICHIERS_COMPARES for p in dossier.rglob(motif)}


@pytest.mark.lent
def test_parallele_octet_pour_octet_comme_sequentiel(rapports_produits, tmp_path):
    plans = [planifier("trimestriel", ANNEE, TRIMESTRE, None, rapports_produits["donnees"]),
             planifier("bilan", ANNEE, 4, None, rapports_produits["donnees"])]
    resultats = produire_rapports(plans, tmp_path, barre=False, parallele=2)
    sequentiel, parallele = _octets(rapports_produits["sortie"]), _octets(tmp_path)
    # 2 reports: 1 + 6 pages (bilan, flux, cartes, résidences, two fiche pages), 1 workbook, 2 manifests, the index
    assert len(sequentiel) == 11
    assert sorted(parallele) == sorted(sequentiel)
    differents = [str(nom) for nom in sequentiel if parallele[nom] != sequentiel[nom]]
    assert differents == []
    assert [len(r.pages) for r in resultats] == [1, 6]
    assert not list(tmp_path.rglob(".construction-*"))


NOTEBOOK_SIMPLE = {
    **NOTEBOOK_CASSE,
    "cells": NOTEBOOK_CASSE["cells"][:2] + [
        {"cell_type": "code", "id": "resultat", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "print(annee * 10 + trimestre)"},
    ],
}


@pytest.fixture
def notebooks_simples(tmp_path):
    """A quarterly notebook that works and a bilan whose first page fails (its second works)."""
    dossier = tmp_path / "notebooks"
    dossier.mkdir()
    nbformat.write(nbformat.from_dict(NOTEBOOK_SIMPLE), dossier / "suivi_trimestriel.ipynb")
    nbformat.write(nbformat.from_dict(NOTEBOOK_CASSE), dossier / "bilan_annuel.ipynb")
    nbformat.write(nbformat.from_dict(NOTEBOOK_SIMPLE), dossier / "cartes.ipynb")
    return dossier


@pytest.mark.lent
def test_parallele_echec_garde_le_rapport_precedent(notebooks_simples, tmp_path, exemple_traite):
    sortie = tmp_path / "reports"
    precedent = sortie / f"bilan-{ANNEE}"
    precedent.mkdir(parents=True)
    (precedent / "bilan_annuel.html").write_text("bon bilan", encoding="utf-8")
    plans = [planifier("trimestriel", ANNEE, 1, None, exemple_traite, dossier_notebooks=notebooks_simples),
             planifier("bilan", ANNEE, 4, None, exemple_traite, dossier_notebooks=notebooks_simples),
             planifier("trimestriel", ANNEE, 2, None, exemple_traite, dossier_notebooks=notebooks_simples)]
    with pytest.raises(ErreurProductionPartielle) as erreur:
        produire_rapports(plans, sortie, notebooks_simples, barre=False, parallele=2)
    message = str(erreur.value)
    assert "bilan_annuel.ipynb" in message and "cellule n° 3" in message and "ZeroDivisionError" in message
    # one failure never stops the others: the reports before and after are published, the
    # failed one keeps its previous version, nothing half-built is left
    assert [r.dossier.name for r in erreur.value.resultats] == [f"{ANNEE}-T1", f"{ANNEE}-T2"]
    assert "20251" in (sortie / f"{ANNEE}-T1" / "suivi_trimestriel.html").read_text(encoding="utf-8")
    assert "20252" in (sortie / f"{ANNEE}-T2" / "suivi_trimestriel.html").read_text(encoding="utf-8")
    assert (precedent / "bilan_annuel.html").read_text(encoding="utf-8") == "bon bilan"
    garde = sortie / "echec" / f"bilan-{ANNEE}" / "bilan_annuel.ipynb"
    assert garde.exists() and "ZeroDivisionError" in garde.read_text(encoding="utf-8")
    assert not list(sortie.rglob(".construction-*"))
    assert (sortie / "index.html").exists()


@pytest.mark.lent
def test_parallele_barre_compte_chaque_notebook(notebooks_simples, tmp_path, exemple_traite, monkeypatch):
    from tqdm import tqdm

    from cia_lib.restitution.rapports import production

    barres = []

    def espionner(total, actif):
        barre = tqdm(total=total, file=io.StringIO())
        barres.append(barre)
        return barre

    monkeypatch.setattr(production, "_barre", espionner)
    plans = [planifier("trimestriel", ANNEE, t, None, exemple_traite, dossier_notebooks=notebooks_simples)
             for t in (1, 2, 3)]
    resultats = produire_rapports(plans, tmp_path, notebooks_simples, barre=False, parallele=2)
    assert [r.dossier.name for r in resultats] == [f"{ANNEE}-T1", f"{ANNEE}-T2", f"{ANNEE}-T3"]
    for t, r in zip((1, 2, 3), resultats):
        assert f"{ANNEE * 10 + t}" in r.pages[0].read_text(encoding="utf-8")
    assert len(barres) == 1 and barres[0].total == 3 and barres[0].n == 3


def test_nombre_de_processus_borne_par_les_notebooks():
    assert nombre_de_processus(2, 1) == 1  # one notebook: run in this process, no pool
    assert nombre_de_processus(4, 3) == 3
    assert nombre_de_processus(2, 17) == 2
    assert nombre_de_processus(1, 17) == 1
    assert nombre_de_processus(3, 0) == 1


def test_coeurs_utilisables():
    assert coeurs_utilisables() == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("valeur", [0, -1, True, 1.5, "2", None])
def test_parallele_invalide_refuse(valeur):
    with pytest.raises(ErreurParametre, match="parallèle invalide"):
        verifier_parallele(valeur)


@pytest.mark.parametrize("valeur", ["0", "-3"])
def test_cli_parallele_invalide_message_francais_code_2(valeur, exemple_traite, tmp_path, capsys):
    code = main(["rapport", "trimestriel", "--annee", "2025", "--trimestre", "3", "--donnees", str(exemple_traite),
                 "--sortie", str(tmp_path), "--sans-barre", "--parallele", valeur])
    err = capsys.readouterr().err
    assert code == 2
    assert "parallèle invalide" in err and "Traceback" not in err
    assert not (tmp_path / "2025-T3").exists()


def test_cli_parallele_non_entier_message_francais(exemple_traite, tmp_path, capsys):
    code = main(["rapport", "bilan", "--annee", "2025", "--donnees", str(exemple_traite),
                 "--sortie", str(tmp_path), "--parallele", "deux"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--parallele" in err and "Traceback" not in err
