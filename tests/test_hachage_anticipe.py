"""Pseudonyms hashed ahead by a child process during the import (``Pseudonymiseur``) and
tables written in the background (``_EcrituresEnFond``): same results as without them, and
nothing lost or half-written when something fails."""

from __future__ import annotations

import hashlib
import hmac
import os
import time

import pandas as pd
import pytest

from cia_lib.entrees import pseudonymisation
from cia_lib.entrees.donnees import typer_table
from cia_lib.entrees.importation import _EcrituresEnFond, importer
from cia_lib.entrees.pseudonymisation import Pseudonymiseur, normaliser_numero, pseudonymiser
from cia_lib.entrees.publication import Publication
from tests.test_import import CLE, ecrire_csv, ecrire_dossier, lire_sorties, tables_canoniques

pytestmark = pytest.mark.skipif((os.cpu_count() or 1) < 2 or not pseudonymisation._fork_possible(),
                                reason="hachage anticipé : il faut fork et deux cœurs")

# Two source files: repeats (a demand in two snapshots), blanks, case, non-ASCII, missing values.
SOURCE_A = pd.Series(["0990124000001", " 0990124000001", "a 1", None, "straße 2", "A1", "X9"], dtype="string")
SOURCE_B = pd.Series(["A1", "0990124000002", "é1", "0990124000001", None], dtype="string")


def hmac_attendu(numero):
    return None if numero is None else hmac.new(CLE, normaliser_numero(numero).encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def petit_seuil(monkeypatch):
    """Prepare (fork a child) from the first row, and count the children started."""
    monkeypatch.setattr(pseudonymisation, "_LOT_PARALLELE", 1)
    demarres = []
    vrai = pseudonymisation._demarrer_enfant

    def compter(cible, *arguments):
        processus = vrai(cible, *arguments)
        demarres.append(processus)
        return processus

    monkeypatch.setattr(pseudonymisation, "_demarrer_enfant", compter)
    return demarres


def _pseudonymes_lignes_choisies(p: Pseudonymiseur) -> tuple[pd.Series, list]:
    """Rows taken from both prepared files (out of order, some twice) and from a file never prepared."""
    choix = [("a.csv", 4), ("b.csv", 2), ("a.csv", 0), ("a.csv", 1), ("c.csv", 0), ("b.csv", 3),
             ("a.csv", 2), ("b.csv", 0), ("a.csv", 5), ("c.csv", 1), ("a.csv", 0), ("b.csv", 4)]
    sources = {"a.csv": SOURCE_A, "b.csv": SOURCE_B, "c.csv": pd.Series(["Z 7", "x9"], dtype="string")}
    valeurs = pd.Series([sources[s][r] for s, r in choix], dtype="string", index=range(100, 100 + len(choix)))
    resultat = p.pseudonymiser(valeurs, sources=pd.Series([s for s, _ in choix], index=valeurs.index),
                               rangs=pd.Series([r for _, r in choix], index=valeurs.index))
    return resultat, [None if pd.isna(v) else v for v in valeurs]


def test_preparer_puis_pseudonymiser_egal_hmac(petit_seuil):
    p = Pseudonymiseur(CLE)
    p.preparer("a.csv", SOURCE_A)
    p.preparer("b.csv", SOURCE_B)
    assert len(petit_seuil) == 2 and all(e is not None for e in petit_seuil)  # two children really ran
    obtenu, numeros = _pseudonymes_lignes_choisies(p)
    assert list(obtenu.index) == list(range(100, 112)) and str(obtenu.dtype) == "string"
    assert [None if pd.isna(v) else v for v in obtenu] == [hmac_attendu(n) for n in numeros]
    # the same as without any preparation
    sans = pseudonymiser(pd.Series(numeros, dtype="string", index=obtenu.index), CLE)
    pd.testing.assert_series_equal(obtenu, sans)
    assert all(not e.is_alive() and e.exitcode == 0 for e in petit_seuil)


def _enfant_en_erreur(zone, cle, messages):
    raise RuntimeError("panne simulée de l'enfant")


def _enfant_bloque(zone, cle, messages):
    time.sleep(60)


@pytest.mark.parametrize("panne", [_enfant_en_erreur, _enfant_bloque])
def test_enfant_en_panne_le_parent_fait_le_travail(petit_seuil, monkeypatch, panne):
    monkeypatch.setattr(pseudonymisation, "_hmac_lignes_enfant", panne)
    monkeypatch.setattr(pseudonymisation, "_delai", lambda n: 0.5)  # a blocked child is killed after 0.5 s
    p = Pseudonymiseur(CLE)
    p.preparer("a.csv", SOURCE_A)
    p.preparer("b.csv", SOURCE_B)
    debut = time.perf_counter()
    obtenu, numeros = _pseudonymes_lignes_choisies(p)
    assert time.perf_counter() - debut < 30  # the blocked child was not waited for
    assert [None if pd.isna(v) else v for v in obtenu] == [hmac_attendu(n) for n in numeros]
    preparations = petit_seuil[:2]  # (the later children hash the rows of c.csv, never prepared)
    assert all(not e.is_alive() and e.exitcode != 0 for e in preparations)


def _source_melangee(dossier):
    """Two extracts of attributions (the second replaces one) and demands with a rejected row
    in the middle: the prepared rows must still be matched to the right kept rows."""
    source = ecrire_dossier(dossier, sauf=("attributions", "demandes"))
    tables = tables_canoniques()
    entetes, lignes = tables["attributions"]
    ecrire_csv(source / "attributions_2025T1.csv", entetes, lignes)
    remplace = [list(lignes[1])]
    remplace[0][entetes.index("numero_unique")] = "0990124 009999"
    ecrire_csv(source / "attributions_2025T2.csv", entetes, remplace)
    d_entetes, d_lignes = tables["demandes"]
    d_lignes = [list(r) for r in d_lignes]
    d_lignes[0][d_entetes.index("code_commune_souhaitee")] = "75056"  # rejected: outside the territory
    ecrire_csv(source / "demandes.csv", d_entetes, d_lignes)
    return source


def test_import_identique_avec_et_sans_hachage_anticipe(tmp_path, territoire_test, monkeypatch):
    source = _source_melangee(tmp_path / "src")
    importer(source, tmp_path / "sans", territoire_test, cle=CLE)  # small files: hashed in the import process
    demarres = []
    vrai = pseudonymisation._demarrer_enfant
    monkeypatch.setattr(pseudonymisation, "_LOT_PARALLELE", 1)
    monkeypatch.setattr(pseudonymisation, "_demarrer_enfant",
                        lambda cible, *a: demarres.append(cible) or vrai(cible, *a))
    rapport = importer(source, tmp_path / "avec", territoire_test, cle=CLE)
    assert len(demarres) == 3  # two extracts of attributions, one of demands: hashed ahead
    assert rapport["fichiers"]["demandes"]["rejetes"] == 1 and rapport["fichiers"]["attributions"]["mis_a_jour"] == 1
    assert lire_sorties(tmp_path / "avec") == lire_sorties(tmp_path / "sans")


def _petite_table():
    return typer_table("residences", pd.DataFrame({"id_residence": ["R1"], "nom_residence": ["Les Tilleuls"],
                                                   "code_commune": ["99001"], "bailleur": ["Bailleur Test"],
                                                   "nb_logements": [10]}))


def test_ecritures_en_fond_rien_d_ecrit_en_cas_d_echec(tmp_path):
    destination = tmp_path / "sortie"
    with pytest.raises(RuntimeError), Publication(destination) as publication, \
            _EcrituresEnFond(publication.dossier) as ecritures:
        ecritures.ecrire("residences", _petite_table())
        raise RuntimeError("échec après le début des écritures")
    assert not destination.exists()  # created for the new version, removed with it


def test_ecritures_en_fond_anciennes_tables_intactes_en_cas_d_echec(tmp_path, territoire_test):
    source = ecrire_dossier(tmp_path / "src")
    importer(source, tmp_path / "out", territoire_test, cle=CLE)
    avant = lire_sorties(tmp_path / "out")
    with pytest.raises(OSError), Publication(tmp_path / "out") as publication, \
            _EcrituresEnFond(publication.dossier) as ecritures:
        (publication.dossier / "ops.parquet").mkdir()  # the background write of ops will fail
        ecritures.ecrire("residences", _petite_table())
        ecritures.ecrire("ops", _petite_table())
        ecritures.attendre()
        publication.publier()
    assert lire_sorties(tmp_path / "out") == avant  # old tables untouched, no unfinished version left
    assert len(list((tmp_path / "out" / ".versions").iterdir())) == 1


def test_ecritures_en_fond_publiees(tmp_path):
    with Publication(tmp_path / "sortie") as publication, _EcrituresEnFond(publication.dossier) as ecritures:
        ecritures.ecrire("residences", _petite_table())
        ecritures.attendre()
        publication.publier()
    assert [p.name for p in (tmp_path / "sortie").iterdir() if not p.name.startswith(".")] == ["residences.parquet"]
    lu = pd.read_parquet(tmp_path / "sortie" / "residences.parquet")
    assert lu["nom_residence"].tolist() == ["Les Tilleuls"]
