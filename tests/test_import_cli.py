"""``cia importer`` through the real command line: summary, and one French line + exit code 2
(no traceback) for every file-level problem."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from test_import import CANONIQUE, ecrire_csv, ecrire_dossier, tables_canoniques

from cia_lib.cli import main
from cia_lib.entrees.pseudonymisation import VARIABLE_CLE
from cia_lib.territoire import chemins

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
    tables["attributions"][1][0][2] = "02/01/2026"
    tables["attributions"][1][0][3] = "02/01/2026"  # 2026: no threshold in seuils_test.csv
    ecrire_dossier(source, {"attributions": tables["attributions"]})
    return "attributions.csv : aucun seuil du 1er quartile pour l'année 2026"


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
    assert cia.exists(), "script .venv/bin/cia absent : lancer « make installer »"
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


# --------------------------------------------------------------------------- multi-EPCI territory


def territoire_multi(dossier: Path, epcis: list[str]) -> Path:
    """A multi-EPCI territory file: the test EPCI A (communes 99001, 99002) and a neighbour B
    (99003), with the settings of the test territory and thresholds for 2024 and 2025."""
    import yaml

    dossier.mkdir(parents=True, exist_ok=True)
    (dossier / "communes.csv").write_text(
        "code_commune,nom_commune,siren_epci\n99001,Ville-Centre,999999999\n99002,Bourg-sur-Rivière,999999999\n"
        "99003,Hameau-les-Bois,999999998\n", encoding="utf-8")
    lignes = ["annee,siren_epci,nom_epci,departement,q1_annuel_uc,q2_annuel_uc,q3_annuel_uc"]
    for annee in (2024, 2025):
        lignes += [f"{annee},999999999,CA du Val Imaginaire (fictive),99,10000,15000,20000",
                   f"{annee},999999998,CC Voisine (fictive),99,12000,16000,21000"]
    (dossier / "seuils.csv").write_text("\n".join(lignes) + "\n", encoding="utf-8")
    brut = yaml.safe_load(TERRITOIRE_TEST.read_text(encoding="utf-8"))
    for cle in ("epci", "communes", "contours_communes", "contours_qpv"):
        brut.pop(cle)
    brut.update(epcis=epcis, seuils_quartiles=str(dossier / "seuils.csv"),
                communes_france=str(dossier / "communes.csv"))
    chemin = dossier / "territoires.yaml"
    chemin.write_text(yaml.safe_dump(brut, allow_unicode=True), encoding="utf-8")
    return chemin


def test_import_territoire_multi_epci(tmp_path, capsys):
    """--territoire with several EPCIs imports against the union of their communes."""
    source = ecrire_dossier(tmp_path / "src")
    deux = territoire_multi(tmp_path / "deux", ["999999999", "999999998"])
    code = main(["importer", "--source", str(source), "--destination", str(tmp_path / "out2"),
                 "--territoire", str(deux)])
    sortie = capsys.readouterr()
    assert code == 0, sortie.err
    rapport = json.loads((tmp_path / "out2" / "rapport_import.json").read_text(encoding="utf-8"))
    assert rapport["territoire"]["nom"] == "Ensemble de 2 EPCI"
    assert rapport["fichiers"]["attributions"]["conserves"] == 3  # 99001, 99002 (A) and 99003 (B)
    assert rapport["fichiers"]["demandes"]["rejetes"] == 0

    # Only A listed: its communes only, the lease and the demand in 99003 (B) are rejected.
    seul = territoire_multi(tmp_path / "seul", ["999999999"])
    code = main(["importer", "--source", str(source), "--destination", str(tmp_path / "out1"),
                 "--territoire", str(seul)])
    assert code == 0, capsys.readouterr().err
    rapport = json.loads((tmp_path / "out1" / "rapport_import.json").read_text(encoding="utf-8"))
    assert rapport["territoire"]["siren"] == "999999999"
    assert rapport["fichiers"]["attributions"]["rejetes"] == 1
    assert rapport["fichiers"]["demandes"]["rejetes"] == 1
    rejets = (tmp_path / "out1" / "rejets.csv").read_text(encoding="utf-8-sig")
    assert "attributions.csv;4;code_commune;99003;commune hors territoire" in rejets
