"""``cia residences``: CSV and Excel output read back, French errors with exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_residences import PARAMETRES_TEST, ops_test, residences_test

from cia_lib.cli import main
from cia_lib.entrees.donnees import tables_vides, typer_table

TERRITOIRE_TEST = str(Path(__file__).parent / "fixtures" / "territoire_test.yaml")


@pytest.fixture
def dossier(tmp_path):
    """Processed tables: the residences and OPS fixtures of test_residences, plus an OPS 2022."""
    d = tmp_path / "traitees"
    d.mkdir()
    tables = tables_vides()
    tables["residences"] = residences_test()
    ops_2022 = ops_test().assign(annee_ops=2022)
    tables["ops"] = typer_table("ops", pd.concat([ops_2022, ops_test()], ignore_index=True))
    for nom, table in tables.items():
        table.to_parquet(d / f"{nom}.parquet", index=False)
    return d


@pytest.fixture
def parametres(tmp_path):
    chemin = tmp_path / "parametres.yaml"
    chemin.write_text(PARAMETRES_TEST, encoding="utf-8")
    return chemin


def _args(dossier, sortie, parametres, annee="2024"):
    return ["residences", "--donnees", str(dossier), "--annee-ops", annee, "--sortie", str(sortie),
            "--territoire", TERRITOIRE_TEST, "--parametres", str(parametres)]


COLONNES_MINIMALES = ["id_residence", "nom_residence", "bailleur", "code_commune", "nb_menages", "score",
                      "signalee", "incertaine", "motifs"]


def test_sortie_csv(dossier, parametres, tmp_path, capsys):
    sortie = tmp_path / "sorties" / "residences.csv"
    assert main(_args(dossier, sortie, parametres)) == 0
    assert "OPS 2024 : 7 résidences évaluées, 2 signalées, 4 incertaines" in capsys.readouterr().out
    assert sortie.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: opens right in Excel
    t = pd.read_csv(sortie, sep=";", decimal=",", encoding="utf-8-sig",
                    dtype={"code_commune": str, "signalee": str, "incertaine": str})
    assert set(COLONNES_MINIMALES) <= set(t.columns)
    t = t.set_index("id_residence")
    assert t.loc["R1", "signalee"] == "true" and t.loc["R2", "signalee"] == "false"
    assert t.loc["R4", "incertaine"] == "true" and t.loc["R4", "signalee"] == "false"
    assert t.loc["R3", "score"] == 3 and t.loc["R3", "signalee"] == "true"
    assert t.loc["R3", "code_commune"] == "99002" and t.loc["R3", "nom_commune"] == "Bourg-sur-Rivière"
    assert float(t.loc["R3", "ratio_ress_inf_20"]) == 1.5
    assert t.loc["R1", "motifs"].startswith("ménages sous 20 % des plafonds : 40 % (moyenne 20 %")


def test_sortie_xlsx(dossier, parametres, tmp_path):
    sortie = tmp_path / "residences.xlsx"
    assert main(_args(dossier, sortie, parametres)) == 0
    t = pd.read_excel(sortie, sheet_name="residences", dtype={"code_commune": str}).set_index("id_residence")
    assert set(COLONNES_MINIMALES) <= set(t.reset_index().columns)
    assert t["signalee"].astype(bool).to_dict() == {
        "R1": True, "R2": False, "R3": True, "R4": False, "R5": False, "N1": False, "N2": False
    }
    assert t.loc["R4", "raison_incertitude"].startswith("effectif trop faible : 10 ménages")
    assert t.loc["R1", "nb_menages"] == 100 and t.loc["R1", "code_commune"] == "99001"


def test_annee_ops_absente(dossier, parametres, tmp_path, capsys):
    sortie = tmp_path / "r.csv"
    assert main(_args(dossier, sortie, parametres, annee="2023")) == 2
    erreur = capsys.readouterr().err.strip()
    assert erreur == "Erreur : aucune enquête OPS pour l'année 2023 ; années disponibles : 2022, 2024."
    assert not sortie.exists()


def test_format_inconnu(dossier, parametres, tmp_path, capsys):
    assert main(_args(dossier, tmp_path / "r.txt", parametres)) == 2
    assert "format de sortie non pris en charge : « r.txt »" in capsys.readouterr().err


def test_dossier_absent(parametres, tmp_path, capsys):
    assert main(_args(tmp_path / "absent", tmp_path / "r.csv", parametres)) == 2
    assert "lancez d'abord « cia importer »" in capsys.readouterr().err


def test_processus_reel_sans_trace(dossier, parametres, tmp_path):
    resultat = subprocess.run(
        [sys.executable, "-c", "from cia_lib.cli import main; main()",
         *_args(dossier, tmp_path / "r.csv", parametres, annee="2020")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert resultat.returncode == 2
    assert "Traceback" not in resultat.stderr
    assert "années disponibles : 2022, 2024" in resultat.stderr
