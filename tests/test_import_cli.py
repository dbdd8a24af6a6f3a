"""``cia importer`` through the real command line: summary, and one French line + exit code 2
(no traceback) for every file-level problem."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cia_lib import chemins
from cia_lib.cli import main
from cia_lib.pseudonymisation import VARIABLE_CLE
from test_import import CANONIQUE, ecrire_csv, ecrire_dossier, tables_canoniques

TERRITOIRE_TEST = Path(__file__).parent / "fixtures" / "territoire_test.yaml"


@pytest.fixture(autouse=True)
def cle_par_environnement(monkeypatch):
    """Never create the project's real key file from the tests."""
    monkeypatch.setenv(VARIABLE_CLE, "cle-de-test-cli")


def lancer(capsys, source, destination, *options):
    code = main(["importer", "--source", str(source), "--destination", str(destination),
                 "--territoire", str(TERRITOIRE_TEST), *options])
    sortie = capsys.readouterr()
    return code, sortie.out, sortie.err


def test_import_reussi_resume_francais(tmp_path, capsys):
    code, out, err = lancer(capsys, ecrire_dossier(tmp_path / "src"), tmp_path / "out")
    assert code == 0, err
    assert f"Import de {tmp_path / 'src'} terminé." in out
    assert "attributions        3 lue(s),       3 conservée(s),      0 rejetée(s)" in out
    assert "Tables écrites dans" in out and "rejets.csv" in out
    rapport = json.loads((tmp_path / "out" / "rapport_import.json").read_text(encoding="utf-8"))
    assert rapport["fichiers"]["ops"]["conserves"] == 2


def test_import_avec_correspondance(tmp_path, capsys):
    source = ecrire_dossier(tmp_path / "src", sauf=("attributions", "demandes"))
    fixtures = Path(__file__).parent / "fixtures" / "import"
    for nom in ("export_attributions.csv", "export_demandes.csv"):
        (source / nom).write_bytes((fixtures / nom).read_bytes())
    code, out, err = lancer(capsys, source, tmp_path / "out", "--correspondance",
                            str(chemins.CONFIG / "correspondance_exemple.yaml"))
    assert code == 0, err
    assert "attributions        3 lue(s),       3 conservée(s)" in out


def _sans_ops(source: Path) -> str:
    (source / "ops.csv").unlink()
    return "ops.csv : fichier introuvable pour la table « ops »"


def _utf16(source: Path) -> str:
    texte = (source / "residences.csv").read_text(encoding="utf-8")
    (source / "residences.csv").write_bytes(texte.encode("utf-16"))
    return "residences.csv : encodage illisible"


def _colonnes_manquantes(source: Path) -> str:
    entetes, lignes = CANONIQUE["attributions"]
    garder = [i for i, c in enumerate(entetes) if c not in ("date_decision", "dalo")]
    ecrire_csv(source / "attributions.csv", [entetes[i] for i in garder], [[ligne[i] for i in garder] for ligne in lignes])
    return "attributions.csv : colonnes obligatoires manquantes"


def _vide(source: Path) -> str:
    (source / "demandes.csv").write_bytes(b"")
    return "demandes.csv : fichier vide"


def _entete_seul(source: Path) -> str:
    (source / "ops.csv").write_text(";".join(CANONIQUE["ops"][0]) + "\n", encoding="utf-8")
    return "ops.csv : fichier vide : aucune ligne de données"


def _annee_sans_seuil(source: Path) -> str:
    tables = tables_canoniques()
    tables["attributions"][1][0][3] = "02/01/2030"
    ecrire_dossier(source, {"attributions": tables["attributions"]})
    return "attributions.csv : aucun seuil du 1er quartile pour l'année 2030"


def _xlsx_illisible(source: Path) -> str:
    (source / "residences.csv").unlink()
    (source / "residences.xlsx").write_bytes(b"ceci n'est pas un classeur")
    return "residences.xlsx : classeur Excel illisible"


CAS = {
    "fichier manquant": (_sans_ops, []),
    "encodage illisible": (_utf16, []),
    "colonnes obligatoires manquantes": (_colonnes_manquantes, ["date_decision", "dalo"]),
    "fichier vide": (_vide, []),
    "en-tête sans données": (_entete_seul, []),
    "bail signé sans seuil": (_annee_sans_seuil, ["date_bail"]),
    "classeur illisible": (_xlsx_illisible, []),
}


@pytest.mark.parametrize("cas", list(CAS))
def test_erreurs_de_fichier_code_2_une_ligne(tmp_path, capsys, cas):
    preparer, colonnes = CAS[cas]
    source = ecrire_dossier(tmp_path / "src")
    attendu = preparer(source)
    code, out, err = lancer(capsys, source, tmp_path / "out")
    assert code == 2
    lignes = err.strip().splitlines()
    assert len(lignes) == 1, err
    assert lignes[0].startswith(f"Erreur : {source}/"), err
    assert attendu in lignes[0]
    if colonnes:
        assert lignes[0].endswith(f"(colonnes : {', '.join(colonnes)})")
    assert "Traceback" not in err + out
    assert not (tmp_path / "out").exists()  # nothing written


def test_dossier_source_introuvable(tmp_path, capsys):
    code, _, err = lancer(capsys, tmp_path / "absent", tmp_path / "out")
    assert code == 2
    assert err.strip() == f"Erreur : {tmp_path / 'absent'} : dossier source introuvable"


def test_correspondance_invalide(tmp_path, capsys):
    correspondance = tmp_path / "corresp.yaml"
    correspondance.write_text("attributions:\n  colonnes:\n    Numéro: numero_inconnu\n", encoding="utf-8")
    code, _, err = lancer(capsys, ecrire_dossier(tmp_path / "src"), tmp_path / "out",
                          "--correspondance", str(correspondance))
    assert code == 2
    assert "colonne inconnue « numero_inconnu »" in err and str(correspondance) in err


def test_feuille_introuvable(tmp_path, capsys):
    import openpyxl

    source = ecrire_dossier(tmp_path / "src", sauf=("residences",))
    classeur = openpyxl.Workbook()
    classeur.active.title = "Feuil1"
    for ligne in [CANONIQUE["residences"][0], *CANONIQUE["residences"][1]]:
        classeur.active.append(ligne)
    classeur.save(source / "residences.xlsx")
    correspondance = tmp_path / "c.yaml"
    correspondance.write_text("residences:\n  feuille: Parc\n", encoding="utf-8")
    code, _, err = lancer(capsys, source, tmp_path / "out", "--correspondance", str(correspondance))
    assert code == 2
    assert "residences.xlsx : feuille « Parc » introuvable (feuilles : Feuil1)" in err


def test_processus_reel_sans_trace(tmp_path):
    """The installed ``cia`` script: exit code 2, one French line, no traceback."""
    cia = chemins.RACINE / ".venv" / "bin" / "cia"
    if not cia.exists():
        pytest.skip("script .venv/bin/cia absent (lancer « make installer »)")
    source = ecrire_dossier(tmp_path / "src")
    _colonnes_manquantes(source)
    environnement = {"PATH": "/usr/bin:/bin", VARIABLE_CLE: "cle-de-test-cli", "HOME": str(tmp_path)}
    resultat = subprocess.run(
        [str(cia), "importer", "--source", str(source), "--destination", str(tmp_path / "out"),
         "--territoire", str(TERRITOIRE_TEST)],
        capture_output=True, text=True, cwd=tmp_path, env=environnement,
    )
    assert resultat.returncode == 2
    assert "Traceback" not in resultat.stderr
    assert resultat.stderr.strip() == (
        f"Erreur : {source}/attributions.csv : colonnes obligatoires manquantes ; ajoutez-les ou déclarez "
        "leur correspondance dans un fichier --correspondance (colonnes : date_decision, dalo)"
    )
