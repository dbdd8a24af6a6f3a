"""Reports of a multi-EPCI territory: one report per EPCI, the comparison, the index.

Fast tests check the pieces (per-EPCI territory files, plans, index, ranking); the slow one
runs ``cia rapport bilan`` on the national synthetic sample restricted to two EPCIs of the
Val-d'Oise and compares one EPCI's figures with a single-EPCI run of the same raw data.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup

from cia_lib.calculs.indicateurs.multi import classement_objectif, comparaison_epci
from cia_lib.cli import main
from cia_lib.erreurs import ErreurParametre
from cia_lib.restitution.confidentialite import MASQUE
from cia_lib.restitution.rapports import planifier_multi, planifier_territoire
from cia_lib.restitution.rapports.index import html_index, lister_rapports
from cia_lib.territoire import chemins
from cia_lib.territoire.config import charger_territoire
from cia_lib.territoire.multi_epci import (
    charger_territoires,
    ecrire_territoire_epci,
    est_multi_epci,
    territoire_ensemble,
)

FICHIER_95 = chemins.CONFIG / "exemple_departement_95.yaml"
CCVO3F, HAUT_VAL_D_OISE = "249500455", "249500489"


def fichier_deux_epci(dossier: Path) -> Path:
    """The Val-d'Oise example restricted to two EPCIs (``epcis: [...]``)."""
    brut = yaml.safe_load(FICHIER_95.read_text(encoding="utf-8"))
    brut.pop("departement")
    brut["epcis"] = [CCVO3F, HAUT_VAL_D_OISE]
    for cle in ("seuils_quartiles", "communes_france"):
        brut[cle] = str(chemins.resoudre(brut[cle]))
    chemin = dossier / "deux_epci.yaml"
    chemin.write_text(yaml.safe_dump(brut, allow_unicode=True), encoding="utf-8")
    return chemin


# --------------------------------------------------------------------------- fast tests


def test_territoire_epci_ecrit_puis_relu(tmp_path):
    territoires = charger_territoires(FICHIER_95)
    assert est_multi_epci(FICHIER_95) and not est_multi_epci(chemins.CONFIG / "territoire.yaml")
    for t in territoires:
        relu = charger_territoire(ecrire_territoire_epci(t, tmp_path / t.siren / "territoire.yaml"))
        assert dataclasses.replace(relu, source=t.source) == t
        assert relu.bailleurs_libres and relu.contours_communes is None
    # a single-EPCI file with aliases and contours survives the round trip too
    seul = charger_territoire(chemins.CONFIG / "territoire.yaml")
    relu = charger_territoire(ecrire_territoire_epci(seul, tmp_path / "seul.yaml"))
    assert dataclasses.replace(relu, source=seul.source) == seul


def _traite_deux_epci(dossier: Path, territoires) -> Path:
    """One lease (15/03/2024), one demand of the 31/12/2024 snapshot (data until then) and one
    OPS residence (2024) in a commune of each EPCI: planning checks the period against the data
    and which pages each EPCI can have."""
    from cia_lib.entrees.donnees import tables_vides, typer_table

    dossier.mkdir()
    communes = [sorted(t.communes)[0] for t in territoires]
    n = len(communes)
    tables = tables_vides()
    tables["attributions"] = typer_table("attributions", pd.DataFrame({
        "id_attribution": [f"A{i}" for i in range(n)], "date_decision": pd.to_datetime(["2024-03-01"] * n),
        "date_bail": pd.to_datetime(["2024-03-15"] * n), "code_commune": communes, "nb_personnes": [1] * n}))
    tables["demandes"] = typer_table("demandes", pd.DataFrame({
        "date_extraction": pd.to_datetime(["2024-12-31"] * n), "numero_unique": [f"D{i}" for i in range(n)],
        "code_commune_souhaitee": communes, "nb_personnes": [1] * n}))
    tables["residences"] = typer_table("residences", pd.DataFrame({
        "id_residence": [f"R{i}" for i in range(n)], "code_commune": communes}))
    tables["ops"] = typer_table("ops", pd.DataFrame({"annee_ops": [2024] * n, "id_residence": [f"R{i}" for i in range(n)]}))
    for nom, table in tables.items():
        table.to_parquet(dossier / f"{nom}.parquet")
    return dossier


def test_planifier_multi(tmp_path):
    multi = fichier_deux_epci(tmp_path)
    exemple_traite = _traite_deux_epci(tmp_path / "traite", charger_territoires(multi))
    sortie = tmp_path / "rapports"
    plans = planifier_multi("bilan", 2024, None, None, exemple_traite, multi, sortie=sortie)
    assert [p.prefixe for p in plans] == [CCVO3F, HAUT_VAL_D_OISE, "comparaison-epci"]
    assert all(p.periode == "bilan-2024" for p in plans)
    for plan in plans[:2]:
        fichier = Path(plan.parametres["territoire"])
        assert fichier == (sortie / plan.prefixe / "territoire.yaml").resolve() and fichier.exists()
        assert charger_territoire(fichier).siren == plan.prefixe == plan.epci["siren"]
        # no contours in the Val-d'Oise example: the maps notebook is skipped, the others kept
        assert [n.stem for n in plan.notebooks] == ["bilan_annuel", "flux", "residences_sensibles", "fiches_communes",
                                                   "fiches_bailleurs"]
        assert plan.parametres["mode"] == "diffusion"
    comparaison = plans[-1]
    assert [n.stem for n in comparaison.notebooks] == ["comparaison_epci"]
    assert comparaison.parametres["territoire"] == str(multi.resolve())
    assert "2 EPCI" in comparaison.titre
    # a single-EPCI file keeps the former plan (no sub-folder)
    (seul,) = planifier_territoire("trimestriel", 2024, 3, None, exemple_traite, chemins.CONFIG / "territoire.yaml")
    assert seul.prefixe == "" and seul.epci is None
    with pytest.raises(ErreurParametre, match="mode"):
        planifier_multi("bilan", 2024, None, "public", exemple_traite, multi, sortie=sortie)


def _rapport(dossier: Path, manifeste: dict, pages=("bilan_annuel",)):
    dossier.mkdir(parents=True)
    for p in pages:
        (dossier / f"{p}.html").write_text("<html></html>", encoding="utf-8")
    (dossier / "manifeste.json").write_text(json.dumps(manifeste), encoding="utf-8")


def test_index_liste_chaque_epci_et_la_comparaison(tmp_path):
    base = {"parametres": {"mode": "diffusion"}, "donnees_fictives": True}
    _rapport(tmp_path / "bilan-2023", base)
    _rapport(tmp_path / CCVO3F / "bilan-2024", {**base, "epci": {"siren": CCVO3F, "nom": "CC Vallée de l'Oise"}})
    _rapport(tmp_path / CCVO3F / "2024-T3", {**base, "epci": {"siren": CCVO3F, "nom": "CC Vallée de l'Oise"}},
             pages=("suivi_trimestriel",))
    _rapport(tmp_path / HAUT_VAL_D_OISE / "bilan-2024", {**base, "epci": {"siren": HAUT_VAL_D_OISE, "nom": "CC Haut"}})
    _rapport(tmp_path / "comparaison-epci" / "bilan-2024", base, pages=("comparaison_epci",))
    (tmp_path / CCVO3F / "territoire.yaml").write_text("epci: {}\n", encoding="utf-8")
    (tmp_path / "pas-un-rapport").mkdir()
    rapports = lister_rapports(tmp_path)
    assert [r["dossier"] for r in rapports] == [
        "comparaison-epci/bilan-2024", "bilan-2023", f"{HAUT_VAL_D_OISE}/bilan-2024",
        f"{CCVO3F}/bilan-2024", f"{CCVO3F}/2024-T3",
    ]
    page = BeautifulSoup(html_index(rapports), "html.parser")
    liens = [a["href"] for a in page.find_all("a")]
    assert "comparaison-epci/bilan-2024/comparaison_epci.html" in liens
    assert f"{CCVO3F}/bilan-2024/bilan_annuel.html" in liens and f"{CCVO3F}/2024-T3/suivi_trimestriel.html" in liens
    assert f"{HAUT_VAL_D_OISE}/bilan-2024/bilan_annuel.html" in liens and "bilan-2023/bilan_annuel.html" in liens
    titres = [h.get_text(" ", strip=True) for h in page.find_all("h2")]
    assert titres == ["Comparaison des EPCI", f"CC Haut (SIREN {HAUT_VAL_D_OISE})",
                      f"CC Vallée de l'Oise (SIREN {CCVO3F})", "Autres rapports"]
    # single-EPCI folders only: the page keeps its former layout (one table, no section)
    seul = BeautifulSoup(html_index(lister_rapports(tmp_path / CCVO3F)), "html.parser")
    assert not seul.find_all("h2") and len(seul.find_all("table")) == 1


def test_classement_avec_taux_masque():
    tableau = pd.DataFrame({
        "siren_epci": ["1", "2", "3"] * 3,
        "indicateur": ["prioritaires"] * 3 + ["q1_hors_qpv"] * 3 + ["hors_q1_en_qpv"] * 3,
        "niveau": "epci", "libelle": ["Un", "Deux", "Trois"] * 3,
        "numerateur": [10, MASQUE, 30, 5, 9, 7, 1, 1, 1], "denominateur": [40, 50, 60, 20, 30, 20, 2, 2, 2],
        "taux": [0.25, MASQUE, 0.5, 0.25, 0.30, 0.35, 0.5, 0.5, 0.5], "cible": 0.25, "statut": "atteint",
    })
    comparaison = comparaison_epci(tableau)
    prio = classement_objectif(comparaison, "prioritaires")
    assert prio["siren_epci"].tolist() == ["3", "1", "2"]
    assert prio["rang"].tolist()[:2] == [1, 2] and pd.isna(prio["rang"].iloc[2])
    assert prio["taux"].iloc[2] == MASQUE
    assert classement_objectif(comparaison, "q1_hors_qpv")["rang"].tolist() == [1, 2, 3]
    assert classement_objectif(comparaison, "hors_q1_en_qpv")["rang"].tolist() == [1, 1, 1]  # ties share rank 1
    with pytest.raises(ErreurParametre, match="objectif inconnu"):
        classement_objectif(comparaison, "dalo")


# --------------------------------------------------------------------------- slow: a real run


def _feuille(chemin: Path, nom: str) -> list[tuple]:
    classeur = openpyxl.load_workbook(chemin, read_only=True)
    return [tuple(lg) for lg in classeur[nom].iter_rows(values_only=True)]


@pytest.mark.lent
def test_bilan_multi_epci_egal_aux_bilans_par_epci(tmp_path):
    from cia_lib.entrees.importation import importer
    from cia_lib.exemples.national import generer_exemple_national

    multi = fichier_deux_epci(tmp_path)
    brut, traite = tmp_path / "brut", tmp_path / "traite"
    generer_exemple_national(brut, echelle=1.0, departement="95", progression=False)  # département size
    territoires = charger_territoires(multi)
    importer(brut, traite, territoire_ensemble(territoires), cle=b"cle-de-test", progression=False,
             seuil_rejets=1.0)  # the whole department's extract for two EPCIs: the others' rows rejected
    # bilan_annuel (+ the comparison) only: the other bilan notebooks are optional
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for nom in ("bilan_annuel", "comparaison_epci"):
        shutil.copy(chemins.NOTEBOOKS / f"{nom}.ipynb", notebooks)

    sortie = tmp_path / "rapports"
    code = main(["rapport", "bilan", "--annee", "2024", "--donnees", str(traite), "--territoire", str(multi),
                 "--sortie", str(sortie), "--notebooks", str(notebooks), "--sans-barre"])
    assert code == 0
    for siren in (CCVO3F, HAUT_VAL_D_OISE):
        assert (sortie / siren / "bilan-2024" / "bilan_annuel.html").exists()
        assert json.loads((sortie / siren / "bilan-2024" / "manifeste.json").read_text())["epci"]["siren"] == siren
    page = sortie / "comparaison-epci" / "bilan-2024" / "comparaison_epci.html"
    texte = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").get_text(" ", strip=True)
    assert "Comparaison des EPCI" in texte and "CC du Haut Val d'Oise" in texte and "classement des EPCI" in texte
    comparaison = _feuille(sortie / "comparaison-epci" / "bilan-2024" / "tableaux.xlsx", "Comparaison des EPCI")
    assert len(comparaison) == 3  # header + 2 EPCIs
    index = BeautifulSoup((sortie / "index.html").read_text(encoding="utf-8"), "html.parser")
    liens = {a["href"] for a in index.find_all("a")}
    assert {f"{CCVO3F}/bilan-2024/bilan_annuel.html", f"{HAUT_VAL_D_OISE}/bilan-2024/bilan_annuel.html",
            "comparaison-epci/bilan-2024/comparaison_epci.html"} <= liens

    # The same raw data imported and reported for the CCVO3F alone give the same figures.
    seul_yaml = sortie / CCVO3F / "territoire.yaml"
    seul_traite, seul_sortie = tmp_path / "seul_traite", tmp_path / "seul_rapports"
    # the department's extract for one EPCI: the other EPCIs' rows are rejected on purpose (above 1 %)
    importer(brut, seul_traite, charger_territoire(seul_yaml), cle=b"cle-de-test", progression=False,
             seuil_rejets=1.0)
    code = main(["rapport", "bilan", "--annee", "2024", "--donnees", str(seul_traite), "--territoire",
                 str(seul_yaml), "--sortie", str(seul_sortie), "--notebooks", str(notebooks), "--sans-barre"])
    assert code == 0
    assert (seul_sortie / "bilan-2024" / "bilan_annuel.html").exists()  # single-EPCI path unchanged
    for feuille in ("Indicateurs", "Section V", "Prioritaires par contingent"):
        multi_lignes = _feuille(sortie / CCVO3F / "bilan-2024" / "tableaux.xlsx", feuille)
        seul_lignes = _feuille(seul_sortie / "bilan-2024" / "tableaux.xlsx", feuille)
        assert len(multi_lignes) > 5 and multi_lignes == seul_lignes, feuille
