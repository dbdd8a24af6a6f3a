"""Regression tests of issue 13: messy and hostile inputs never lose, corrupt or hide a row.

Each test builds the input that showed a defect (from the canonical rows of
``tests/test_import.py`` or the demo sample) and checks the import reads it correctly,
rejects the row with a French reason, or refuses the file with a French message.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cia_lib.entrees.conversion import convention_decimale, convertir_dates, convertir_nombres_motifs
from cia_lib.entrees.donnees import charger_donnees
from cia_lib.entrees.importation import importer
from cia_lib.entrees.lecture import _lire_csv_ligne_a_ligne, detecter_encodage, lire_csv
from cia_lib.erreurs import ErreurFichier
from tests.test_import import CLE, ecrire_dossier, rejets, tables_canoniques, texte_csv

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
