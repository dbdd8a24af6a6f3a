"""The import end to end (cia_lib.entrees.importation.importer) on small hand-written files.

Every input is written by the test itself (CSV in several encodings and separators, XLSX
through openpyxl) into ``tmp_path``, from the canonical rows below, for the fictional test
territory (communes 99001-99003, bailleurs « Habitat Imaginaire » (alias HI) and
« Foyer Fictif » (alias FF), thresholds 2024 and 2025).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import stat
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cia_lib.entrees import schema
from cia_lib.entrees.donnees import charger_donnees
from cia_lib.entrees.importation import importer
from cia_lib.entrees.pseudonymisation import VARIABLE_CLE, charger_cle, obtenir_cle, pseudonymiser
from cia_lib.erreurs import ErreurFichier
from cia_lib.territoire import chemins

CLE = b"cle-de-test-non-secrete"
FIXTURES_IMPORT = Path(__file__).parent / "fixtures" / "import"

CANONIQUE = {
    "attributions": (
        ["id_attribution", "numero_unique", "date_decision", "date_bail", "bailleur", "reservataire",
         "code_commune", "code_qpv", "id_residence", "typologie", "ressources_mensuelles", "nb_personnes",
         "nb_moins_14", "dalo", "prioritaire_l441", "mutation", "relogement_renouvellement", "date_depot",
         "age_titulaire", "composition"],
        [
            ["A1", "0990124000001", "15/01/2025", "01/02/2025", "HI", "etat", "99001", "QN99001A", "R1", "T2",
             "1200,50", "2", "1", "oui", "non", "non", "non", "01/05/2023", "35", "famille_monoparentale"],
            ["A2", "0990124000002", "20/01/2025", "", "Foyer Fictif", "action_logement", "99002", "", "R2", "T3",
             "", "3", "0", "non", "oui", "non", "", "", "", ""],
            ["A3", "0990124000003", "03/03/2024", "10/04/2024", "Habitat Imaginaire", "collectivite", "99003", "",
             "R1", "T5+", "2500", "4", "2", "non", "non", "oui", "", "", "42", "couple_avec_enfants"],
        ],
    ),
    "demandes": (
        ["date_extraction", "numero_unique", "date_depot", "code_commune_souhaitee", "typologie_souhaitee",
         "ressources_mensuelles", "nb_personnes", "nb_moins_14", "mutation", "dalo", "prioritaire_l441",
         "age_titulaire", "composition"],
        [
            ["31/03/2025", "0990124000001", "01/05/2023", "99001", "T2", "1200", "2", "1", "non", "oui", "non",
             "35", "famille_monoparentale"],
            ["31/03/2025", "0990124000009", "02/02/2024", "99003", "T1", "800,25", "1", "0", "oui", "non", "non",
             "60", "personne_seule"],
        ],
    ),
    "residences": (
        ["id_residence", "nom_residence", "bailleur", "code_commune", "code_qpv", "nb_logements",
         "annee_mise_en_service", "latitude", "longitude"],
        [
            ["R1", "Les Érables", "HI", "99001", "QN99001A", "40", "1975", "48,9", "2,3"],
            ["R2", "Le Parc", "FF", "99002", "", "20", "", "", ""],
        ],
    ),
    "ops": (
        ["annee_ops", "id_residence", "nb_menages", "nb_menages_ress_inf_20", "nb_menages_ress_inf_40",
         "nb_menages_ress_inf_60", "nb_familles_monoparentales", "nb_familles_nombreuses",
         "nb_titulaires_65_plus", "nb_menages_apl", "nb_adultes", "nb_adultes_sans_emploi",
         "nb_emmenages_recents"],
        [
            ["2024", "R1", "30", "5", "10", "20", "3", "2", "4", "12", "45", "10", "3"],
            ["2024", "R2", "10", "1", "2", "4", "1", "", "", "", "", "", ""],
        ],
    ),
}
NUMEROS = ["0990124000001", "0990124000002", "0990124000003", "0990124000009"]


def tables_canoniques() -> dict:
    """A deep copy of the canonical rows (tests modify their copy)."""
    return copy.deepcopy(CANONIQUE)


def texte_csv(entetes, lignes, sep=";") -> str:
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=sep, lineterminator="\r\n")
    ecrivain.writerow(entetes)
    ecrivain.writerows(lignes)
    return tampon.getvalue()


def ecrire_csv(chemin: Path, entetes, lignes, sep=";", encodage="utf-8") -> Path:
    chemin.parent.mkdir(parents=True, exist_ok=True)
    chemin.write_bytes(texte_csv(entetes, lignes, sep).encode(encodage))
    return chemin


def ecrire_dossier(dossier: Path, tables: dict | None = None, sep=";", encodage="utf-8", sauf=()) -> Path:
    """Write the four canonical CSV files (or ``tables``) into ``dossier``."""
    tables = tables or CANONIQUE
    for table, (entetes, lignes) in tables.items():
        if table not in sauf:
            ecrire_csv(dossier / f"{table}.csv", entetes, lignes, sep, encodage)
    return dossier


def lire_sorties(dossier: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(dossier.iterdir()) if p.is_file()}


def rejets(dossier: Path) -> pd.DataFrame:
    return pd.read_csv(dossier / "rejets.csv", sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)


@pytest.fixture
def importer_test(tmp_path, territoire_test):
    """Run the import of a source folder into a fresh destination; return (report, destination)."""
    compteur = {"n": 0}

    def lancer(source, correspondance=None, cle=CLE):
        compteur["n"] += 1
        destination = tmp_path / f"sortie{compteur['n']}"
        rapport = importer(source, destination, territoire_test, correspondance, cle=cle)
        return rapport, destination

    return lancer


@pytest.fixture(scope="module")
def reference(tmp_path_factory, territoire_test):
    """Tables imported from the canonical files (``;``, UTF-8, decimal comma, JJ/MM/AAAA)."""
    dossier = tmp_path_factory.mktemp("reference")
    importer(ecrire_dossier(dossier / "src"), dossier / "out", territoire_test, cle=CLE)
    return charger_donnees(dossier / "out")


def assert_memes_tables(destination: Path, reference) -> None:
    obtenu = charger_donnees(destination)
    for table in schema.NOMS_TABLES:
        pd.testing.assert_frame_equal(getattr(obtenu, table), getattr(reference, table), check_exact=True)


# --------------------------------------------------------------------------- the canonical import


def test_import_canonique(tmp_path, importer_test):
    rapport, destination = importer_test(ecrire_dossier(tmp_path / "src"))
    assert sorted(p.name for p in destination.iterdir() if not p.name.startswith(".")) == [
        "attributions.parquet", "demandes.parquet", "ops.parquet", "rapport_import.json", "rapport_import.md",
        "rejets.csv", "residences.parquet"]
    for table in schema.NOMS_TABLES:
        brut = pd.read_parquet(destination / f"{table}.parquet")
        assert list(brut.columns) == schema.colonnes_traitees(table)
        assert {c: str(t) for c, t in brut.dtypes.items()} == {
            c: str(pd.Series(dtype=t).dtype) for c, t in schema.dtypes_traites(table).items()}
    d = charger_donnees(destination)
    a = d.attributions.set_index("id_attribution")
    assert a.loc["A1", "ressources_mensuelles"] == 1200.5
    assert a.loc["A1", "date_bail"] == pd.Timestamp("2025-02-01")
    assert pd.isna(a.loc["A2", "date_bail"]) and pd.isna(a.loc["A2", "ressources_mensuelles"])
    assert a["bailleur"].tolist() == ["Habitat Imaginaire", "Foyer Fictif", "Habitat Imaginaire"]  # canonical
    assert a["code_commune"].tolist() == ["99001", "99002", "99003"]
    assert a.loc["A2", "relogement_renouvellement"] == False  # noqa: E712 (contract default)
    assert a.loc["A1", "dalo"] == True and a.loc["A2", "prioritaire_l441"] == True  # noqa: E712
    assert d.residences.set_index("id_residence").loc["R1", "nom_residence"] == "Les Érables"
    assert d.ops["nb_menages"].tolist() == [30, 10]
    assert rejets(destination).empty and list(rejets(destination).columns) == [
        "fichier", "ligne", "colonne", "valeur", "motif"]
    assert rapport == json.loads((destination / "rapport_import.json").read_text(encoding="utf-8"))
    assert rapport["donnees_fictives"] is False
    for table, n in {"attributions": 3, "demandes": 2, "residences": 2, "ops": 2}.items():
        info = rapport["fichiers"][table]
        assert (info["lus"], info["conserves"], info["rejetes"], info["sources"]) == (n, n, 0, [f"{table}.csv"])
    assert "attributions : 1 ligne(s) sans ressources renseignées" in " ".join(rapport["avertissements"])
    md = (destination / "rapport_import.md").read_text(encoding="utf-8")
    assert md.startswith("# Rapport d'import") and "| attributions | attributions.csv | 3 | 3 | 0 |" in md


def test_donnees_fictives_et_territoire_en_chemin(tmp_path):
    source = ecrire_dossier(tmp_path / "src")
    (source / "DONNEES_FICTIVES.txt").write_text("fictif", encoding="utf-8")
    rapport = importer(source, tmp_path / "out", Path(__file__).parent / "fixtures" / "territoire_test.yaml", cle=CLE)
    assert rapport["donnees_fictives"] is True
    assert "Données fictives" in (tmp_path / "out" / "rapport_import.md").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- accepted formats


@pytest.mark.parametrize("sep, encodage", [
    (",", "utf-8"), (";", "utf-8-sig"), (",", "utf-8-sig"), (";", "cp1252"), (";", "latin-1"),
])
def test_separateurs_et_encodages(tmp_path, importer_test, reference, sep, encodage):
    rapport, destination = importer_test(ecrire_dossier(tmp_path / "src", sep=sep, encodage=encodage))
    assert all(info["rejetes"] == 0 for info in rapport["fichiers"].values())
    assert_memes_tables(destination, reference)


def _transformer(tables: dict, fonction) -> dict:
    """Apply ``fonction(colonne, valeur)`` to every cell."""
    for table, (entetes, lignes) in tables.items():
        for ligne in lignes:
            for i, valeur in enumerate(ligne):
                ligne[i] = fonction(table, entetes[i], valeur)
    return tables


def _type_colonne(table, colonne):
    return next(c.type for c in schema.colonnes(table) if c.nom == colonne)


def test_point_decimal_et_dates_iso(tmp_path, importer_test, reference):
    def iso(table, colonne, valeur):
        if valeur and _type_colonne(table, colonne) == "date":
            j, m, a = valeur.split("/")
            return f"{a}-{m}-{j}"
        if valeur and _type_colonne(table, colonne) == "nombre":
            return valeur.replace(",", ".")
        return valeur

    tables = _transformer(tables_canoniques(), iso)
    assert tables["attributions"][1][0][3] == "2025-02-01" and tables["residences"][1][0][7] == "48.9"
    _, destination = importer_test(ecrire_dossier(tmp_path / "src", tables, sep=","))
    assert_memes_tables(destination, reference)


@pytest.mark.parametrize("vrai, faux", [("OUI", "Non"), ("o", "n"), ("1", "0"), ("vrai", "faux"), ("TRUE", "false")])
def test_variantes_booleennes(tmp_path, importer_test, reference, vrai, faux):
    def booleens(table, colonne, valeur):
        if _type_colonne(table, colonne) == "booleen" and valeur:
            return vrai if valeur == "oui" else faux
        return valeur

    _, destination = importer_test(ecrire_dossier(tmp_path / "src", _transformer(tables_canoniques(), booleens)))
    assert_memes_tables(destination, reference)


def test_booleens_x_et_vide(tmp_path, importer_test, reference):
    def coches(table, colonne, valeur):
        if _type_colonne(table, colonne) == "booleen" and colonne != "relogement_renouvellement":
            return "x" if valeur == "oui" else ""
        return valeur

    rapport, destination = importer_test(ecrire_dossier(tmp_path / "src", _transformer(tables_canoniques(), coches)))
    assert_memes_tables(destination, reference)
    assert "attributions : colonne dalo lue avec la convention « x / vide » (case vide = non)." in rapport["avertissements"]


def _ecrire_xlsx(chemin: Path, entetes, lignes, feuille="Feuil1", avant=None, typer=False):
    classeur = openpyxl.Workbook()
    classeur.remove(classeur.active)
    if avant:
        classeur.create_sheet(avant).append(["Notice : voir l'onglet suivant"])
    onglet = classeur.create_sheet(feuille)
    onglet.append(entetes)
    for ligne in lignes:
        if typer:  # real spreadsheet cells: numbers, dates; INSEE codes stay text
            ligne = [_cellule(entetes[i], v) for i, v in enumerate(ligne)]
        onglet.append(ligne)
    classeur.save(chemin)


def _cellule(colonne, valeur):
    if not valeur:
        return None
    if colonne.startswith("date_"):
        j, m, a = valeur.split("/")
        return dt.datetime(int(a), int(m), int(j))
    if colonne in ("ressources_mensuelles", "latitude", "longitude"):
        return float(valeur.replace(",", "."))
    if colonne.startswith("nb_") or colonne in ("age_titulaire", "annee_ops", "annee_mise_en_service"):
        return int(valeur)
    return valeur


@pytest.mark.parametrize("typer", [False, True])
def test_xlsx_premiere_feuille(tmp_path, importer_test, reference, typer):
    source = tmp_path / "src"
    ecrire_dossier(source, sauf=("attributions", "residences"))
    for table in ("attributions", "residences"):
        _ecrire_xlsx(source / f"{table}.xlsx", *CANONIQUE[table], typer=typer)
    rapport, destination = importer_test(source)
    assert rapport["fichiers"]["attributions"]["sources"] == ["attributions.xlsx"]
    assert_memes_tables(destination, reference)


def test_xlsx_feuille_nommee_par_la_correspondance(tmp_path, importer_test, reference):
    source = tmp_path / "src"
    ecrire_dossier(source, sauf=("attributions",))
    _ecrire_xlsx(source / "attributions.xlsx", *CANONIQUE["attributions"], feuille="Attributions", avant="Lisez-moi")
    _, destination = importer_test(source, correspondance={"attributions": {"feuille": "Attributions"}})
    assert_memes_tables(destination, reference)


def test_colonnes_inconnues_et_personnelles(tmp_path, importer_test, reference):
    tables = tables_canoniques()
    entetes, lignes = tables["attributions"]
    tables["attributions"] = (entetes + ["Nom", "Prénom", "Téléphone", "Couleur"],
                              [ligne + ["Dupont", "Jean", "0601020304", "bleu"] for ligne in lignes])
    rapport, destination = importer_test(ecrire_dossier(tmp_path / "src", tables))
    assert_memes_tables(destination, reference)
    info = rapport["fichiers"]["attributions"]
    assert info["colonnes_ignorees"] == ["Couleur"]
    assert info["colonnes_personnelles_supprimees"] == ["Nom", "Prénom", "Téléphone"]
    assert rapport["avertissements"].count("attributions : colonnes inconnues ignorées : Couleur.") == 1
    for contenu in lire_sorties(destination).values():
        assert b"Dupont" not in contenu and b"0601020304" not in contenu


def test_colonnes_facultatives_absentes(tmp_path, importer_test):
    tables = tables_canoniques()
    entetes, lignes = tables["demandes"]
    garder = [i for i, c in enumerate(entetes) if next(x for x in schema.colonnes("demandes") if x.nom == c).requise]
    tables["demandes"] = ([entetes[i] for i in garder], [[ligne[i] for i in garder] for ligne in lignes])
    rapport, destination = importer_test(ecrire_dossier(tmp_path / "src", tables))
    d = charger_donnees(destination).demandes
    assert d["nb_moins_14"].tolist() == [0, 0] and d["dalo"].tolist() == [False, False]  # contract defaults
    assert d["ressources_mensuelles"].isna().all()
    assert any(a.startswith("demandes : colonnes facultatives absentes") and "typologie_souhaitee" in a
               for a in rapport["avertissements"])


# --------------------------------------------------------------------------- mapping of a real extract


def test_correspondance_extrait_sne(tmp_path, importer_test, reference):
    """An infocentre-style extract (French headers, Oui/N, other labels) through config/correspondance_exemple.yaml."""
    source = tmp_path / "src"
    ecrire_dossier(source, sauf=("attributions", "demandes"))
    for nom in ("export_attributions.csv", "export_demandes.csv"):
        (source / nom).write_bytes((FIXTURES_IMPORT / nom).read_bytes())
    rapport, destination = importer_test(source, correspondance=chemins.CONFIG / "correspondance_exemple.yaml")
    assert rapport["fichiers"]["attributions"]["sources"] == ["export_attributions.csv"]
    assert rapport["fichiers"]["attributions"]["colonnes_personnelles_supprimees"] == ["Prénom du demandeur"]
    assert_memes_tables(destination, reference)


# --------------------------------------------------------------------------- row rejections

CAS_REJETS = [
    # table, row, column, raw value, expected reason (start)
    ("attributions", 0, "date_decision", "32/01/2025", "date illisible : format JJ/MM/AAAA ou AAAA-MM-JJ attendu"),
    ("attributions", 0, "date_bail", "2025/02/01", "date illisible"),
    ("attributions", 0, "ressources_mensuelles", "douze cents", "nombre illisible"),
    ("attributions", 0, "nb_personnes", "2,5", "nombre entier attendu"),
    ("attributions", 0, "dalo", "peut-être", "booléen illisible"),
    ("attributions", 0, "id_attribution", "", "valeur obligatoire manquante"),
    ("attributions", 0, "date_decision", "", "valeur obligatoire manquante"),
    ("attributions", 0, "mutation", "", "valeur obligatoire manquante"),
    ("attributions", 0, "reservataire", "mairie", "valeur non autorisée (valeurs possibles : etat,"),
    ("attributions", 0, "typologie", "T9", "valeur non autorisée (valeurs possibles : T1, T2, T3, T4, T5+)"),
    ("attributions", 0, "composition", "tribu", "valeur non autorisée"),
    ("attributions", 0, "code_commune", "95313", "commune hors territoire"),
    ("attributions", 0, "code_commune", "9901", "code INSEE invalide : 5 caractères attendus"),
    ("attributions", 0, "bailleur", "Bailleur Inconnu", "bailleur inconnu du territoire"),
    ("attributions", 0, "nb_personnes", "0", "le ménage doit compter au moins 1 personne"),
    ("attributions", 0, "nb_moins_14", "2", "nb_moins_14 (2) doit être inférieur à nb_personnes (2)"),
    ("attributions", 0, "age_titulaire", "-3", "valeur négative"),
    ("demandes", 1, "date_extraction", "hier", "date illisible"),
    ("demandes", 1, "code_commune_souhaitee", "75056", "commune hors territoire"),
    ("demandes", 1, "nb_personnes", "", "valeur obligatoire manquante"),
    ("demandes", 1, "typologie_souhaitee", "studio", "valeur non autorisée"),
    ("residences", 1, "bailleur", "Autre Bailleur", "bailleur inconnu du territoire"),
    ("residences", 1, "code_commune", "99999", "commune hors territoire"),
    ("residences", 1, "nb_logements", "", "valeur obligatoire manquante"),
    ("residences", 1, "latitude", "123,4", "latitude hors des bornes WGS84"),
    ("ops", 0, "nb_menages_ress_inf_60", "31", "nb_menages_ress_inf_60 (31) dépasse nb_menages (30)"),
    ("ops", 0, "nb_familles_monoparentales", "-1", "valeur négative"),
    ("ops", 0, "nb_menages_ress_inf_20", "11", "nb_menages_ress_inf_20 (11) dépasse nb_menages_ress_inf_40 (10)"),
    ("ops", 0, "nb_menages_ress_inf_40", "21", "nb_menages_ress_inf_40 (21) dépasse nb_menages_ress_inf_60 (20)"),
    ("ops", 0, "nb_adultes_sans_emploi", "46", "nb_adultes_sans_emploi (46) dépasse nb_adultes (45)"),
]


@pytest.mark.parametrize("table, rang, colonne, valeur, motif", CAS_REJETS,
                         ids=[f"{c[0]}-{c[2]}-{c[4][:20]}" for c in CAS_REJETS])
def test_motifs_de_rejet(tmp_path, importer_test, table, rang, colonne, valeur, motif):
    tables = tables_canoniques()
    entetes, lignes = tables[table]
    lignes[rang][entetes.index(colonne)] = valeur
    rapport, destination = importer_test(ecrire_dossier(tmp_path / "src", tables))
    r = rejets(destination)
    assert len(r) == 1, r.to_string()
    ligne = r.iloc[0]
    assert (ligne["fichier"], ligne["ligne"], ligne["colonne"]) == (f"{table}.csv", str(rang + 2), colonne)
    assert ligne["valeur"] == ("(masquée)" if colonne == "numero_unique" else valeur)
    assert ligne["motif"].startswith(motif), ligne["motif"]
    info = rapport["fichiers"][table]
    n = len(lignes)
    assert (info["lus"], info["conserves"], info["rejetes"]) == (n, n - 1, 1)
    assert info["lus"] == info["conserves"] + info["rejetes"]
    assert len(pd.read_parquet(destination / f"{table}.parquet")) == n - 1
    assert f"{table} : 1 ligne(s) rejetée(s) sur {n} (détail dans rejets.csv)." in rapport["avertissements"]


def test_plusieurs_problemes_sur_une_ligne_une_seule_ligne_rejetee(tmp_path, importer_test):
    tables = tables_canoniques()
    entetes, lignes = tables["attributions"]
    for colonne, valeur in (("date_decision", "bientôt"), ("code_commune", "95313"), ("dalo", "?")):
        lignes[2][entetes.index(colonne)] = valeur
    rapport, destination = importer_test(ecrire_dossier(tmp_path / "src", tables))
    r = rejets(destination)
    assert r["ligne"].tolist() == ["4", "4", "4"]
    assert sorted(r["colonne"]) == ["code_commune", "dalo", "date_decision"]
    assert (rapport["fichiers"]["attributions"]["conserves"], rapport["fichiers"]["attributions"]["rejetes"]) == (2, 1)


def test_ligne_mal_formee(tmp_path, importer_test):
    source = ecrire_dossier(tmp_path / "src")
    with open(source / "residences.csv", "ab") as f:
        f.write(b"R3;Trop;HI;99001;;5;;;;en trop\r\n")
    rapport, destination = importer_test(source)
    r = rejets(destination)
    assert r.iloc[0]["ligne"] == "4" and r.iloc[0]["motif"].startswith("ligne mal formée")
    assert (rapport["fichiers"]["residences"]["lus"], rapport["fichiers"]["residences"]["rejetes"]) == (3, 1)


def test_identifiant_en_double_dans_un_extrait(tmp_path, importer_test):
    tables = tables_canoniques()
    entetes, lignes = tables["attributions"]
    lignes.append(list(lignes[0]))
    lignes[-1][entetes.index("numero_unique")] = "0990124000005"
    rapport, destination = importer_test(ecrire_dossier(tmp_path / "src", tables))
    r = rejets(destination)
    assert r[["ligne", "colonne", "valeur"]].values.tolist() == [["2", "id_attribution", "A1"],
                                                                 ["5", "id_attribution", "A1"]]
    assert (r["motif"] == "identifiant id_attribution en double dans le même extrait (lignes 2, 5)").all()
    info = rapport["fichiers"]["attributions"]
    assert (info["lus"], info["conserves"], info["rejetes"]) == (4, 2, 2)
    assert charger_donnees(destination).attributions["id_attribution"].tolist() == ["A2", "A3"]


@pytest.mark.parametrize("table, colonne, motif", [
    ("residences", "id_residence", "identifiant id_residence en double dans le même extrait (lignes 2, 4)"),
    ("ops", "id_residence", "résidence en double pour la même année OPS dans cet extrait (lignes 2, 4)"),
])
def test_doublons_residences_et_ops(tmp_path, importer_test, table, colonne, motif):
    tables = tables_canoniques()
    tables[table][1].append(list(tables[table][1][0]))
    rapport, destination = importer_test(ecrire_dossier(tmp_path / "src", tables))
    r = rejets(destination)
    assert r[["fichier", "ligne", "colonne", "valeur"]].values.tolist() == [
        [f"{table}.csv", "2", colonne, "R1"], [f"{table}.csv", "4", colonne, "R1"]]
    assert (r["motif"] == motif).all()
    assert (rapport["fichiers"][table]["conserves"], rapport["fichiers"][table]["rejetes"]) == (1, 2)


def test_residence_inconnue_avertissement(tmp_path, importer_test):
    tables = tables_canoniques()
    tables["attributions"][1][1][tables["attributions"][0].index("id_residence")] = "R404"
    rapport, _ = importer_test(ecrire_dossier(tmp_path / "src", tables))
    assert ("attributions : 1 ligne(s) renvoient à une résidence absente du fichier residences."
            in rapport["avertissements"])
    assert rapport["fichiers"]["attributions"]["rejetes"] == 0


def test_demande_en_double_numero_masque(tmp_path, importer_test):
    tables = tables_canoniques()
    tables["demandes"][1].append(list(tables["demandes"][1][0]))
    rapport, destination = importer_test(ecrire_dossier(tmp_path / "src", tables))
    r = rejets(destination)
    assert r["colonne"].tolist() == ["numero_unique", "numero_unique"]
    assert r["valeur"].tolist() == ["(masquée)", "(masquée)"]
    assert r["motif"].str.startswith("même demande en double pour la même date d'extraction").all()
    assert rapport["fichiers"]["demandes"]["rejetes"] == 2


def test_ressources_manquantes_conservees(tmp_path, importer_test):
    tables = tables_canoniques()
    for ligne in tables["attributions"][1]:
        ligne[tables["attributions"][0].index("ressources_mensuelles")] = ""
    rapport, destination = importer_test(ecrire_dossier(tmp_path / "src", tables))
    assert rapport["fichiers"]["attributions"]["conserves"] == 3
    assert rapport["fichiers"]["attributions"]["ressources_manquantes"] == 3
    assert ("attributions : 3 ligne(s) sans ressources renseignées (conservées ; comptées à part, "
            "jamais comme 1er quartile).") in rapport["avertissements"]


# --------------------------------------------------------------------------- several extracts


def test_plusieurs_extraits_le_plus_recent_gagne(tmp_path, importer_test):
    source = ecrire_dossier(tmp_path / "src", sauf=("attributions",))
    entetes, lignes = tables_canoniques()["attributions"]
    ecrire_csv(source / "attributions_2025T1.csv", entetes, lignes[:2])
    t2 = [list(lignes[1]), list(lignes[2])]
    t2[0][entetes.index("date_bail")] = "15/04/2025"  # A2 now has its lease
    ecrire_csv(source / "attributions_2025T2.csv", entetes, t2)
    rapport, destination = importer_test(source)
    info = rapport["fichiers"]["attributions"]
    assert info["sources"] == ["attributions_2025T1.csv", "attributions_2025T2.csv"]
    assert (info["lus"], info["conserves"], info["rejetes"], info["mis_a_jour"], info["lignes_table"]) == (4, 4, 0, 1, 3)
    assert [d["lus"] for d in info["detail_sources"]] == [2, 2]
    a = charger_donnees(destination).attributions.set_index("id_attribution")
    assert a.loc["A2", "date_bail"] == pd.Timestamp("2025-04-15")
    assert ("attributions : 1 attributions mise(s) à jour par un extrait plus récent "
            "(1 ligne(s) d'extraits antérieurs remplacée(s)).") in rapport["avertissements"]


def test_un_sous_dossier_par_extrait(tmp_path, importer_test):
    source = ecrire_dossier(tmp_path / "src", sauf=("attributions", "demandes"))
    entetes, lignes = tables_canoniques()["attributions"]
    plus_recent = [list(lignes[0])]
    plus_recent[0][entetes.index("ressources_mensuelles")] = "1300"
    ecrire_csv(source / "2025T2" / "attributions.csv", entetes, plus_recent)
    ecrire_csv(source / "2025T1" / "attributions.csv", entetes, lignes, sep=",", encodage="cp1252")
    d_entetes, d_lignes = tables_canoniques()["demandes"]
    ecrire_csv(source / "2025T1" / "demandes.csv", d_entetes, d_lignes)
    suivant = [list(d_lignes[0])]
    suivant[0][0] = "30/06/2025"
    ecrire_csv(source / "2025T2" / "demandes.csv", d_entetes, suivant)
    rapport, destination = importer_test(source)
    assert rapport["fichiers"]["attributions"]["sources"] == ["2025T1/attributions.csv", "2025T2/attributions.csv"]
    d = charger_donnees(destination)
    assert d.attributions.set_index("id_attribution").loc["A1", "ressources_mensuelles"] == 1300
    # demand snapshots accumulate by extraction date
    assert d.demandes["date_extraction"].dt.strftime("%Y-%m-%d").tolist() == ["2025-03-31", "2025-03-31", "2025-06-30"]
    assert rapport["fichiers"]["demandes"]["mis_a_jour"] == 0


# --------------------------------------------------------------------------- pseudonymisation


def test_pseudonymisation_aucun_numero_brut_et_lien_entre_tables(tmp_path, importer_test):
    tables = tables_canoniques()
    tables["demandes"][1][1][tables["demandes"][0].index("code_commune_souhaitee")] = "75056"  # a rejected row
    rapport, destination = importer_test(ecrire_dossier(tmp_path / "src", tables))
    assert rapport["fichiers"]["demandes"]["rejetes"] == 1
    for nom, contenu in lire_sorties(destination).items():
        for numero in NUMEROS:
            assert numero.encode() not in contenu, (nom, numero)
            assert numero[1:].encode() not in contenu, (nom, numero)  # not even without the leading zero
    d = charger_donnees(destination)
    attendu = hmac.new(CLE, b"0990124000001", hashlib.sha256).hexdigest()
    assert d.attributions.set_index("id_attribution").loc["A1", "id_demandeur"] == attendu
    assert d.demandes["id_demandeur"].tolist() == [attendu]  # same hash across tables
    assert d.attributions["id_demandeur"].str.fullmatch("[0-9a-f]{64}").all()


def test_autre_cle_autres_pseudonymes(tmp_path, importer_test):
    source = ecrire_dossier(tmp_path / "src")
    rapport1, sortie1 = importer_test(source)
    rapport2, sortie2 = importer_test(source, cle=b"une-autre-cle")
    a1, a2 = charger_donnees(sortie1).attributions, charger_donnees(sortie2).attributions
    assert not set(a1["id_demandeur"]) & set(a2["id_demandeur"])
    assert rapport1["pseudonymisation"]["empreinte_cle"] != rapport2["pseudonymisation"]["empreinte_cle"]


def test_pseudonymiser():
    valeurs = pd.Series(["0990124000001", " 0990124000001 ", None, "abc"], index=[5, 6, 7, 8])
    p = pseudonymiser(valeurs, CLE)
    assert list(p.index) == [5, 6, 7, 8] and str(p.dtype) == "string"
    assert p[5] == p[6] == hmac.new(CLE, b"0990124000001", hashlib.sha256).hexdigest()
    assert pd.isna(p[7]) and p[8] == hmac.new(CLE, b"ABC", hashlib.sha256).hexdigest()


# Fixed digests (computed once with hmac.new): the pseudonyms of an import must never change
# for the same key, whatever the implementation (each distinct number hashed once).
HMAC_0990124000001 = "e938b7858cafe63aae845faed65e317678d0cc9edde5f59b70e642276fb129b8"
HMAC_095012400012345A = "6cc30b135cacd5085e2659ab5e96c4a0d9d5fe20c5ec34c2c3322e34f5ba2856"


@pytest.mark.parametrize("dtype", ["string", "str", object])
def test_pseudonymiser_valeurs_repetees_empreintes_fixes(dtype):
    """Repeated numbers (one demand in every snapshot), blanks and case: the same fixed digests."""
    valeurs = pd.Series(["0990124000001", "095012400012345a", None, " 0990124000001", "0990124000001",
                         "0950124 00012345A", "\t095012400012345A\x1c", "0990124000001"] * 300, dtype=dtype)
    p = pseudonymiser(valeurs, CLE)
    assert str(p.dtype) == "string" and list(p.index) == list(valeurs.index)
    attendu = [HMAC_0990124000001, HMAC_095012400012345A, None, HMAC_0990124000001, HMAC_0990124000001,
               HMAC_095012400012345A, HMAC_095012400012345A, HMAC_0990124000001] * 300
    assert [None if pd.isna(v) else v for v in p] == attendu


@pytest.mark.parametrize("cle", [b"k", b"k" * 64, b"k" * 65, b"cle-de-test-non-secrete" * 5])
def test_pseudonymiser_egal_a_hmac(cle):
    """Keys shorter than, equal to and longer than a SHA-256 block; non-ASCII numbers too
    (Python's upper case: ß -> SS, é -> É; non-breaking space removed)."""
    from cia_lib.entrees.pseudonymisation import hacheur_hmac, normaliser_numero

    valeurs = ["0990124000001", "é1", "straße 2", "a\u00a0b", "", " ", "A1"]
    p = pseudonymiser(pd.Series(valeurs * 2, dtype="string"), cle)
    for v, obtenu in zip(valeurs * 2, p):
        assert obtenu == hmac.new(cle, normaliser_numero(v).encode("utf-8"), hashlib.sha256).hexdigest()
    assert normaliser_numero("straße 2") == "STRASSE2"
    assert hacheur_hmac(cle)(b"X1") == hmac.new(cle, b"X1", hashlib.sha256).hexdigest()


def test_cle_par_variable_d_environnement(monkeypatch, tmp_path):
    monkeypatch.setenv(VARIABLE_CLE, "secret-env")
    assert charger_cle(tmp_path / "ignore.cle") == b"secret-env"
    assert not (tmp_path / "ignore.cle").exists()


def test_cle_creee_au_premier_usage(monkeypatch, tmp_path, territoire_test):
    monkeypatch.delenv(VARIABLE_CLE, raising=False)
    fichier = tmp_path / "cles" / "cle_pseudonymisation.cle"
    cle = obtenir_cle(fichier)
    assert cle.creee and fichier.exists() and len(cle.valeur) == 64
    assert stat.S_IMODE(os.stat(fichier).st_mode) == 0o600
    assert charger_cle(fichier) == cle.valeur and not obtenir_cle(fichier).creee
    # through the import: the report says a new key was created, then reuses it
    fichier2 = tmp_path / "cle2.cle"
    source = ecrire_dossier(tmp_path / "src")
    rapport = importer(source, tmp_path / "o1", territoire_test, fichier_cle=fichier2)
    assert rapport["pseudonymisation"]["nouvelle_cle"] is True
    assert any(a.startswith("Nouvelle clé de pseudonymisation créée") for a in rapport["avertissements"])
    rapport2 = importer(source, tmp_path / "o2", territoire_test, fichier_cle=fichier2)
    assert rapport2["pseudonymisation"]["nouvelle_cle"] is False
    assert (tmp_path / "o1" / "attributions.parquet").read_bytes() == (tmp_path / "o2" / "attributions.parquet").read_bytes()


def test_cle_par_defaut_hors_git():
    from cia_lib.entrees.pseudonymisation import FICHIER_CLE_DEFAUT

    assert FICHIER_CLE_DEFAUT == chemins.DONNEES / "cle_pseudonymisation.cle"
    assert "*.cle" in (chemins.RACINE / ".gitignore").read_text(encoding="utf-8").splitlines()


# --------------------------------------------------------------------------- determinism, thresholds


def test_reimport_octet_pour_octet(tmp_path, importer_test):
    tables = tables_canoniques()
    tables["ops"][1][0][3] = "99"  # one rejection, so rejets.csv is not empty
    source = ecrire_dossier(tmp_path / "src", tables)
    ecrire_csv(source / "attributions_2025T2.csv", *tables_canoniques()["attributions"])
    _, sortie1 = importer_test(source)
    _, sortie2 = importer_test(source)
    premier = lire_sorties(sortie1)
    assert premier == lire_sorties(sortie2)
    for contenu in premier.values():
        assert str(tmp_path).encode() not in contenu  # no absolute path in any output


def test_reimport_meme_destination(tmp_path, territoire_test):
    source = ecrire_dossier(tmp_path / "src")
    importer(source, tmp_path / "out", territoire_test, cle=CLE)
    premier = lire_sorties(tmp_path / "out")
    importer(source, tmp_path / "out", territoire_test, cle=CLE)
    assert lire_sorties(tmp_path / "out") == premier


def test_bail_signe_annee_sans_seuil(tmp_path, territoire_test):
    tables = tables_canoniques()
    tables["attributions"][1][2][2] = "15/12/2022"  # the decision comes before the lease
    tables["attributions"][1][2][3] = "05/01/2023"  # 2023: no threshold in seuils_test.csv
    with pytest.raises(ErreurFichier) as err:
        importer(ecrire_dossier(tmp_path / "src", tables), tmp_path / "out", territoire_test, cle=CLE)
    message = str(err.value)
    assert "attributions.csv" in message and "2023" in message and "ligne 4" in message
    assert message.endswith("(colonnes : date_bail)")
    assert not (tmp_path / "out").exists()  # nothing written


def test_instantane_de_demandes_sans_seuil_avertissement(tmp_path, importer_test):
    tables = tables_canoniques()
    tables["demandes"][1][1][0] = "31/12/2023"
    tables["demandes"][1][1][2] = "02/02/2023"  # filed before the snapshot
    rapport, _ = importer_test(ecrire_dossier(tmp_path / "src", tables))
    assert rapport["fichiers"]["demandes"]["conserves"] == 2
    assert any(a.startswith("demandes : aucun seuil du 1er quartile pour l'année d'extraction 2023")
               for a in rapport["avertissements"])


# --------------------------------------------------------------------------- generated sample


@pytest.mark.lent
def test_exemple_genere_de_bout_en_bout(request):
    dossier = request.getfixturevalue("exemple_traite")
    rapport = json.loads((dossier / "rapport_import.json").read_text(encoding="utf-8"))
    assert rapport["donnees_fictives"] is True
    for table, info in rapport["fichiers"].items():
        assert info["lus"] == info["conserves"] + info["rejetes"]
        assert info["conserves"] > 0, table


# --------------------------------------------------------------------------- fast helpers = pandas


def _table_melangee(n=3000):
    """Dates with NaT, integers with NA, 64-character pseudonyms sharing long prefixes (ties on
    the first 16 bytes), identifiers of one byte length with accents, texts of mixed lengths."""
    import numpy as np

    rng = np.random.default_rng(7)
    return pd.DataFrame({
        "date": pd.Series(pd.to_datetime(rng.integers(0, 3, n), unit="D")).astype("datetime64[ns]")
        .mask(rng.random(n) < 0.1),
        "annee": pd.Series(rng.integers(2023, 2026, n), dtype="Int64").mask(rng.random(n) < 0.1),
        "pseudo": pd.Series([f"{x:064x}" for x in rng.integers(0, 40, n)], dtype="string"),
        "ident": pd.Series(rng.choice(["é1", "e10", "Z99", "a00"], n), dtype="string"),
        "libre": pd.Series(rng.choice(["a", "ab", "B", "é", ""], n), dtype="string").mask(rng.random(n) < 0.1),
        "rang": range(n),
    })


@pytest.mark.parametrize("colonnes", [["date", "pseudo"], ["annee", "ident"], ["pseudo"], ["ident"], ["libre"],
                                      ["date", "annee"], ["annee", "libre"]])
def test_trier_stable_comme_sort_values(colonnes):
    from cia_lib.entrees.importation import trier_stable

    donnees = _table_melangee()
    attendu = donnees.sort_values(colonnes, kind="mergesort").reset_index(drop=True)
    pd.testing.assert_frame_equal(trier_stable(donnees, colonnes), attendu)


@pytest.mark.parametrize("colonnes", [["date", "pseudo"], ["annee", "libre"], ["libre"]])
@pytest.mark.parametrize("garder", ["first", "last", False])
def test_doublons_comme_duplicated(colonnes, garder):
    from cia_lib.entrees.validation import doublons

    donnees = _table_melangee()
    assert doublons(donnees, colonnes, keep=garder).tolist() == donnees.duplicated(colonnes, keep=garder).tolist()


# --------------------------------------------------------------------------- typed Parquet sources


def _sources_typees():
    """Dirty sources with typed Parquet columns (dates, numbers, booleans), as pyarrow tables."""
    import pyarrow as pa

    j = dt.date
    attributions = pa.table({
        "id_attribution": ["A1", "A2", "A3", "A4", "A5", "A6"],
        "numero_unique": ["N1", "N2", "N3", "N4", "N5", "N6"],
        # 1500: out of the typed range, the whole column goes through text (unreadable date)
        "date_decision": pa.array([j(2025, 1, 15), j(2025, 1, 20), j(1500, 1, 1), None, j(2025, 2, 1),
                                   j(2025, 2, 2)]),
        "date_bail": pa.array([j(2025, 2, 1), None, j(2025, 3, 1), j(2025, 3, 2), j(2025, 3, 3), None]),
        "bailleur": ["HI", "Foyer Fictif", "HI", "Inconnu", "HI", "FF"],
        "reservataire": ["etat", "action_logement", "etat", "etat", "martien", "etat"],
        "code_commune": pa.array([99001, 99002, 99003, 99001, 99004, 99001], pa.int64()),  # text path
        "typologie": ["T2", "T3", "T1", "T2", "T2", "T4"],
        # NaN and 1e-7 are unreadable as text ("nan", "1e-7"): the column goes through text
        "ressources_mensuelles": pa.array([1200.5, float("nan"), 900.0, 1e-7, None, 1500.0]),
        "nb_personnes": pa.array([2.0, 2.5, 3.0, 1.0, 2.0, 0.0]),  # float for an integer column
        "nb_moins_14": pa.array([1, 0, 9, 0, 2, 0], pa.int64()),
        "dalo": pa.array([True, None, False, False, True, False]),
        "prioritaire_l441": pa.array([False, False, True, False, False, False]),
        "mutation": pa.array([False, True, False, None, False, False]),
        "age_titulaire": pa.array([35, -4, None, 50, 40, 30], pa.int64()),
    })
    demandes = pa.table({
        "date_extraction": pa.array([j(2025, 3, 31)] * 5 + [None, j(2025, 3, 31)]),
        "numero_unique": ["N1", "N7", "N8", "N7", "N9", "N10", "N11"],
        "date_depot": pa.array([j(2024, 1, 1), None, j(2023, 5, 2), j(2024, 1, 1), j(2024, 2, 2), None, j(2022, 6, 1)]),
        "code_commune_souhaitee": ["99001", "99002", "99003", "99001", "99001", "99002", "99003"],
        "typologie_souhaitee": ["T2", "T3", "T1", "T2", "T2", "T2", "T5+"],
        "ressources_mensuelles": pa.array([1200.25, None, -5.0, 800.0, 1e5, 10.0, 0.5]),
        "nb_personnes": pa.array([2, 1, 3, 2, 0, 1, 4], pa.int64()),
        "nb_moins_14": pa.array([1, 0, 3, 0, 0, 0, 2], pa.int64()),
        "mutation": pa.array([False, True, None, False, False, True, True]),
        "dalo": pa.array([True, False, False, None, False, False, True]),
        "prioritaire_l441": pa.array([False, False, True, False, None, False, False], pa.bool_()),
        "age_titulaire": pa.array([35, 60, None, 41, 22, 30, 45], pa.int32()),
    })
    residences = pa.table({
        "id_residence": ["R1", "R2", "R3"],
        "nom_residence": ["Les Érables", "Le Parc", "Le Pré"],
        "bailleur": ["HI", "FF", "HI"],
        "code_commune": ["99001", "99002", "99003"],
        "nb_logements": pa.array([40, 20, -1], pa.int64()),
        "annee_mise_en_service": pa.array([1975, None, 2001], pa.int64()),
        "latitude": pa.array([48.9, None, 95.0]),
        "longitude": pa.array([2.3, None, 2.0]),
    })
    ops = pa.table({
        "annee_ops": pa.array([2024, 2024, 2024], pa.int64()),
        "id_residence": ["R1", "R2", "R1"],
        "nb_menages": pa.array([30, 10, 5], pa.int64()),
        "nb_menages_ress_inf_20": pa.array([5, 11, 1], pa.int64()),
        "nb_menages_ress_inf_40": pa.array([10, 2, 2], pa.int64()),
        "nb_menages_ress_inf_60": pa.array([20, 4, 3], pa.int64()),
        "nb_familles_monoparentales": pa.array([3, 1, None], pa.int64()),
        "nb_adultes": pa.array([45, None, 4], pa.float64()),
        "nb_adultes_sans_emploi": pa.array([10, None, 6], pa.int16()),
    })
    return {"attributions": attributions, "demandes": demandes, "residences": residences, "ops": ops}


def test_parquet_type_memes_rejets_et_tables_que_le_csv(tmp_path, territoire_test):
    """Typed Parquet columns are read directly, with the same result as their text in a CSV."""
    import pyarrow.parquet as pq

    from cia_lib.entrees.lecture import texte_arrow

    correspondance = {"attributions": {"valeurs": {"nb_moins_14": {"9": "0"}}}}  # a mapping on a typed column
    sources = {"parquet": tmp_path / "parquet", "csv": tmp_path / "csv"}
    for dossier in sources.values():
        dossier.mkdir()
    for table, donnees in _sources_typees().items():
        pq.write_table(donnees, sources["parquet"] / f"{table}.parquet")
        textes = {nom: texte_arrow(donnees[nom]).to_pylist() for nom in donnees.column_names}
        pd.DataFrame(textes).to_csv(sources["csv"] / f"{table}.csv", sep=";", index=False)
    rapports, rejets, tables = {}, {}, {}
    for fmt, dossier in sources.items():
        rapports[fmt] = importer(dossier, tmp_path / f"out_{fmt}", territoire_test, correspondance, cle=CLE)
        rejets[fmt] = pd.read_csv(tmp_path / f"out_{fmt}" / "rejets.csv", sep=";", encoding="utf-8-sig", dtype=str,
                                  keep_default_na=False)
        tables[fmt] = charger_donnees(tmp_path / f"out_{fmt}")
    for table in schema.NOMS_TABLES:
        pd.testing.assert_frame_equal(getattr(tables["csv"], table), getattr(tables["parquet"], table))
        for cle in ("lus", "conserves", "rejetes"):
            assert rapports["csv"]["fichiers"][table][cle] == rapports["parquet"]["fichiers"][table][cle]
    # Same rejections; a Parquet file has no header line, so its rows are numbered from 1.
    def moins_un(m):
        return "(lignes " + ", ".join(str(int(x) - 1) for x in m.group(1).split(", ")) + ")"

    attendus = rejets["csv"].assign(
        fichier=rejets["csv"]["fichier"].str.replace(".csv", ".parquet"),
        ligne=(rejets["csv"]["ligne"].astype(int) - 1).astype(str),
        motif=rejets["csv"]["motif"].str.replace(r"\(lignes ([0-9, ]+)\)", moins_un, regex=True))
    pd.testing.assert_frame_equal(rejets["parquet"], attendus)

    # Hand-checked reasons, typed path and text fallback alike.
    motifs = set(zip(rejets["parquet"]["fichier"], rejets["parquet"]["ligne"], rejets["parquet"]["colonne"],
                     rejets["parquet"]["valeur"], rejets["parquet"]["motif"]))
    date_illisible = "date illisible : format JJ/MM/AAAA ou AAAA-MM-JJ attendu"
    for attendu in [
        ("attributions.parquet", "2", "nb_personnes", "2.5", "nombre entier attendu"),
        ("attributions.parquet", "2", "ressources_mensuelles", "nan", "nombre illisible"),
        ("attributions.parquet", "2", "age_titulaire", "-4", "valeur négative"),
        ("attributions.parquet", "3", "date_decision", "1500-01-01", date_illisible),
        ("attributions.parquet", "4", "ressources_mensuelles", "1e-7", "nombre illisible"),
        ("attributions.parquet", "4", "date_decision", "", "valeur obligatoire manquante"),
        ("attributions.parquet", "6", "nb_personnes", "0", "le ménage doit compter au moins 1 personne"),
        ("demandes.parquet", "3", "ressources_mensuelles", "-5", "valeur négative"),
        ("demandes.parquet", "3", "nb_moins_14", "3", "nb_moins_14 (3) doit être inférieur à nb_personnes (3)"),
        ("demandes.parquet", "6", "date_extraction", "", "valeur obligatoire manquante"),
        ("residences.parquet", "3", "nb_logements", "-1", "valeur négative"),
        ("residences.parquet", "3", "latitude", "95", "latitude hors des bornes WGS84"),
        ("ops.parquet", "2", "nb_menages_ress_inf_20", "11", "nb_menages_ress_inf_20 (11) dépasse nb_menages (10)"),
        ("ops.parquet", "3", "nb_familles_monoparentales", "", "valeur obligatoire manquante"),
        ("ops.parquet", "3", "nb_adultes_sans_emploi", "6", "nb_adultes_sans_emploi (6) dépasse nb_adultes (4)"),
    ]:
        assert attendu in motifs, attendu
    doublons = rejets["parquet"][rejets["parquet"]["motif"].str.startswith("même demande en double")]
    assert doublons["ligne"].tolist() == ["2", "4"] and set(doublons["valeur"]) == {"(masquée)"}
    # A (typed path) keeps its values; nb_moins_14 = 9 mapped to 0 through its text.
    a = tables["parquet"].attributions.set_index("id_attribution")
    assert a.loc["A1", "ressources_mensuelles"] == 1200.5 and a.loc["A1", "nb_personnes"] == 2
    assert a.loc["A1", "date_bail"] == pd.Timestamp("2025-02-01") and bool(a.loc["A1", "dalo"])
    d = tables["parquet"].demandes
    assert sorted(d["ressources_mensuelles"].dropna().tolist()) == [0.5, 1200.25]
    for fmt in sources:  # no raw demand number anywhere in the outputs
        for fichier in (tmp_path / f"out_{fmt}").rglob("*"):
            if not fichier.is_file():
                continue
            contenu = fichier.read_bytes()
            assert not any(f"N{i}".encode() + b"\n" in contenu or f";N{i};".encode() in contenu
                           for i in range(1, 12)), fichier


def test_lexsort_comme_numpy():
    import numpy as np

    from cia_lib.entrees.importation import _lexsort

    rng = np.random.default_rng(0)
    for _ in range(300):
        n, m = int(rng.integers(0, 50)), int(rng.integers(1, 4))
        cles = [rng.integers(0, int(rng.integers(1, 5)), n).astype(rng.choice([np.int64, np.uint64, bool]))
                for _ in range(m)]
        attendu = np.lexsort(cles[::-1]) if n else np.arange(0)
        ordre, egal = _lexsort(cles)
        assert ordre.tolist() == attendu.tolist()
        if n > 1:
            pareils = np.all([k[attendu][1:] == k[attendu][:-1] for k in cles], axis=0)
            assert (egal is None and not pareils.any()) or egal.tolist() == pareils.tolist()


def test_tri_stable_textes_a_prefixe_commun():
    """Fixed-length identifiers tied on their first 16 bytes are still fully ordered (stable)."""
    import numpy as np

    from cia_lib.entrees.importation import trier_stable

    rng = np.random.default_rng(1)
    for taille in (8, 12, 20):
        textes = ["P" * 6 + "".join(rng.choice(list("ba"), 3)) for _ in range(60)]
        df = pd.DataFrame({
            "d": pd.Series(pd.to_datetime(rng.choice(["2024-01-01", "2023-05-02", None], 60)), dtype="datetime64[ns]"),
            "t": pd.Series(textes, dtype="string").str.pad(taille, fillchar="c"),
            "x": range(60),
        })
        attendu = df.sort_values(["d", "t"], kind="mergesort").reset_index(drop=True)
        pd.testing.assert_frame_equal(trier_stable(df, ["d", "t"]), attendu)


def test_hmac_lot_comme_hmac_meme_en_parallele():
    from cia_lib.entrees.pseudonymisation import _LOT_PARALLELE, hmac_lot

    messages = [f"09901240{i:07d}".encode() for i in range(_LOT_PARALLELE + 7)]  # split when several cores
    attendu = b"".join(hmac.new(CLE, m, hashlib.sha256).digest() for m in messages)
    assert hmac_lot(messages, CLE) == attendu
    assert hmac_lot(messages[:3], CLE) == attendu[:96]
    assert hmac_lot([], CLE) == b""
