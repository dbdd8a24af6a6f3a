"""``cia indicateurs``: each output format read back with its real reader; French errors, exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cia_lib.cli import main
from tests.test_indicateurs import cas  # noqa: F401 (fixture)

TERRITOIRE_TEST = str(Path(__file__).parent / "fixtures" / "territoire_test.yaml")


@pytest.fixture()
def dossier(tmp_path, cas):  # noqa: F811
    """The hand-built fixture written as processed Parquet tables."""
    d = tmp_path / "traite"
    d.mkdir()
    for nom in ("attributions", "demandes", "residences", "ops"):
        getattr(cas, nom).to_parquet(d / f"{nom}.parquet", index=False)
    return d


def lancer(dossier, sortie, *options):
    return main(["indicateurs", "--donnees", str(dossier), "--sortie", str(sortie),
                 "--territoire", TERRITOIRE_TEST, *options])


def _q1_epci(table: pd.DataFrame) -> pd.Series:
    sel = table[(table["indicateur"] == "q1_hors_qpv") & (table["niveau"] == "epci")]
    assert len(sel) == 1
    return sel.iloc[0]


def test_csv(dossier, tmp_path, capsys):
    sortie = tmp_path / "ind.csv"
    assert lancer(dossier, sortie, "--du", "2024-01-01", "--au", "2024-12-31") == 0
    assert "lignes écrites" in capsys.readouterr().out
    assert sortie.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for French Excel
    t = pd.read_csv(sortie, sep=";", decimal=",", encoding="utf-8-sig", dtype={"cle": str})
    r = _q1_epci(t)
    assert (r["numerateur"], r["denominateur"], r["taux"], r["cible"]) == (3, 6, 0.5, 0.25)
    assert r["statut"] == "effectif insuffisant" and r["inconnus"] == 1
    assert (r["du"], r["au"]) == ("2024-01-01", "2024-12-31")
    assert "99003" in set(t.loc[t["niveau"] == "commune", "cle"])


def test_json(dossier, tmp_path):
    sortie = tmp_path / "ind.json"
    assert lancer(dossier, sortie, "--du", "2024-01-01", "--au", "2024-12-31") == 0
    enregistrements = json.loads(sortie.read_text(encoding="utf-8"))
    r = next(e for e in enregistrements if e["indicateur"] == "q1_hors_qpv" and e["niveau"] == "epci")
    assert r["numerateur"] == 3 and r["taux"] == 0.5 and r["du"] == "2024-01-01"
    vide = next(e for e in enregistrements if e["indicateur"] == "q1_hors_qpv" and e["cle"] == "99003")
    assert vide["taux"] is None and vide["statut"] == "sans objet"
    assert "Bourg-sur-Rivière" in sortie.read_text(encoding="utf-8")  # UTF-8, not \u escapes
    t = pd.read_json(sortie, orient="records", dtype={"cle": str})
    assert len(t) == len(enregistrements)


def test_xlsx_raccourci_annee_trimestre(dossier, tmp_path):
    sortie = tmp_path / "sous" / "ind.xlsx"
    assert lancer(dossier, sortie, "--annee", "2024", "--trimestre", "2") == 0
    t = pd.read_excel(sortie, sheet_name="Indicateurs", dtype={"Code": str}, engine="openpyxl")
    # French headers and labels (config/libelles.yaml): back to the codes to compare
    t = t.rename(columns={"Indicateur": "indicateur", "Niveau": "niveau", "Code": "cle", "Effectif": "numerateur",
                          "Total": "denominateur", "Du": "du", "Au": "au"})
    assert "1er quartile hors QPV" in set(t["indicateur"]) and "Ensemble de l'EPCI" in set(t["niveau"])
    t = t.replace({"1er quartile hors QPV": "q1_hors_qpv", "Ensemble de l'EPCI": "epci"})
    r = _q1_epci(t)
    # Cumul au 30/06/2024 : baux 1 à 4 hors QPV, dont 1 (Q1) et 3 (relogé).
    assert (r["numerateur"], r["denominateur"]) == (2, 4)
    assert (r["du"], r["au"]) == ("2024-01-01", "2024-06-30")


def test_annee_seule_annee_entiere(dossier, tmp_path):
    sortie = tmp_path / "ind.csv"
    assert lancer(dossier, sortie, "--annee", "2024") == 0
    t = pd.read_csv(sortie, sep=";", decimal=",", encoding="utf-8-sig", dtype={"cle": str})
    assert set(t["au"]) == {"2024-12-31"} and _q1_epci(t)["denominateur"] == 6


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--du", "2024-12-31", "--au", "2024-01-01"], "période vide"),
        (["--du", "2024-13-01", "--au", "2024-12-31"], "date invalide pour --du"),
        (["--du", "2024-01-01"], "période manquante"),
        ([], "période manquante"),
        (["--trimestre", "2"], "--trimestre s'utilise avec --annee"),
        (["--annee", "2024", "--du", "2024-01-01"], "incompatibles"),
        (["--annee", "2024", "--trimestre", "5"], "trimestre invalide"),
        (["--annee", "2023"], "Aucun seuil du 1er quartile connu pour l'année 2023"),
    ],
)
def test_erreurs_francaises(dossier, tmp_path, capsys, options, message):
    assert lancer(dossier, tmp_path / "ind.csv", *options) == 2
    erreur = capsys.readouterr().err
    assert message in erreur and erreur.startswith("Erreur")
    assert "Traceback" not in erreur
    assert not (tmp_path / "ind.csv").exists()


def test_extension_inconnue(dossier, tmp_path, capsys):
    assert lancer(dossier, tmp_path / "ind.txt", "--annee", "2024") == 2
    assert "format de sortie non pris en charge" in capsys.readouterr().err


def test_dossier_sans_donnees(tmp_path, capsys):
    assert lancer(tmp_path / "absent", tmp_path / "ind.csv", "--annee", "2024") == 2
    assert "lancez d'abord « cia importer »" in capsys.readouterr().err


def test_processus_reel(dossier, tmp_path):
    sortie = tmp_path / "ind.json"
    resultat = subprocess.run(
        [sys.executable, "-c", "from cia_lib.cli import main; main()", "indicateurs", "--donnees", str(dossier),
         "--sortie", str(sortie), "--territoire", TERRITOIRE_TEST, "--du", "2024-02-30", "--au", "2024-12-31"],
        capture_output=True, text=True, timeout=120,
    )
    assert resultat.returncode == 2
    assert "date invalide pour --du : « 2024-02-30 »" in resultat.stderr
    assert "Traceback" not in resultat.stderr
