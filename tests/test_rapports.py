"""The report runner on the sample data: one shared session run, then checks on what it wrote.

Kernel start costs ~1 s per notebook: the reports are produced once per session
(session fixture ``rapports_produits`` in tests/conftest.py, shared by every module that reads them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import ANNEE, TRIMESTRE

from cia_lib.cli import main
from cia_lib.entrees import schema
from cia_lib.restitution.confidentialite import MASQUE
from cia_lib.restitution.rapports import (
    BUDGET_HTML_OCTETS,
    planifier,
    produire_rapports,
    ressources_non_autorisees,
)
from cia_lib.territoire.config import charger_territoire


def _pages(rapports):
    return [p for r in rapports["resultats"] for p in r.pages]


def _valeurs_sensibles(exemple_brut, exemple_traite) -> set[str]:
    ids = set()
    for table in ("attributions", "demandes"):
        ids |= set(pd.read_parquet(exemple_traite / f"{table}.parquet", columns=["id_demandeur"])["id_demandeur"]
                   .dropna().astype(str))
    for chemin in Path(exemple_brut).rglob("*.csv"):
        entete = chemin.read_text(encoding="utf-8-sig", errors="replace").splitlines()[0]
        sep = ";" if entete.count(";") > entete.count(",") else ","
        if "numero_unique" in entete.split(sep):
            brut = pd.read_csv(chemin, sep=sep, dtype=str, encoding_errors="replace")
            ids |= set(brut["numero_unique"].dropna().astype(str))
    return {i for i in ids if len(i) >= 6}


@pytest.mark.lent
def test_pages_produites_sans_code_ni_donnee_personnelle(rapports_produits, exemple_brut, exemple_traite):
    pages = _pages(rapports_produits)
    noms = {p.name for p in pages}
    assert {"suivi_trimestriel.html", "bilan_annuel.html"} <= noms
    sensibles = _valeurs_sensibles(exemple_brut, exemple_traite)
    assert sensibles, "le jeu d'exemple devrait contenir des identifiants"
    personnelles = set(schema.COLONNES_PERSONNELLES) | {"numero_unique", "id_demandeur"}
    for page in pages:
        texte = page.read_text(encoding="utf-8")
        soup = BeautifulSoup(texte, "html.parser")
        assert soup.select(".jp-CodeCell .jp-Cell-inputWrapper, .jp-InputPrompt:not(:empty)") == [], page
        assert "ouvrir_contexte(" not in texte and "Traceback" not in texte, page
        assert not soup.find_all(string=re.compile(r"^\s*In\s*\[\d*\]")), page
        fuites = [s for s in sensibles if s in texte]
        assert fuites == [], f"{page.name} : identifiants de demandeurs présents ({fuites[:3]})"
        entetes = {th.get_text(strip=True).lower() for th in soup.find_all("th")}
        assert not entetes & personnelles, page
        assert "id_demandeur" not in texte and "numero_unique" not in texte
        assert ressources_non_autorisees(texte) == [], page
        assert page.stat().st_size < BUDGET_HTML_OCTETS, page
        assert "DONNÉES FICTIVES" in texte[: texte.index("</table>") if "</table>" in texte else None]


@pytest.mark.lent
def test_fichiers_du_rapport_et_manifeste(rapports_produits, exemple_traite):
    sortie = rapports_produits["sortie"]
    trimestre = sortie / f"{ANNEE}-T{TRIMESTRE}"
    bilan = sortie / f"bilan-{ANNEE}"
    assert (trimestre / "suivi_trimestriel.ipynb").exists() and (bilan / "bilan_annuel.ipynb").exists()
    assert (bilan / "tableaux.xlsx").exists() and not (trimestre / "tableaux.xlsx").exists()
    assert not list(sortie.glob(".construction-*"))
    manifeste = json.loads((bilan / "manifeste.json").read_text(encoding="utf-8"))
    assert manifeste["donnees_fictives"] is True and "DONNÉES FICTIVES" in manifeste["avertissement"]
    assert manifeste["parametres"] == {"donnees": str(Path(exemple_traite).resolve()),
                                       "territoire": manifeste["parametres"]["territoire"],
                                       "annee": ANNEE, "trimestre": 4, "mode": "diffusion"}
    attendu = hashlib.sha256((exemple_traite / "attributions.parquet").read_bytes()).hexdigest()
    assert manifeste["entrees"]["attributions.parquet"]["sha256"] == attendu
    assert manifeste["entrees"]["attributions.parquet"]["lignes"] == len(
        pd.read_parquet(exemple_traite / "attributions.parquet"))
    assert manifeste["versions"]["pandas"] == pd.__version__
    assert re.fullmatch(r"[0-9a-f]{40}|inconnu", manifeste["commit"])
    index = (sortie / "index.html").read_text(encoding="utf-8")
    assert f'href="bilan-{ANNEE}/bilan_annuel.html"' in index
    assert f'href="{ANNEE}-T{TRIMESTRE}/suivi_trimestriel.html"' in index
    # notebooks in git carry no outputs and the project kernel
    for nom in ("suivi_trimestriel", "bilan_annuel"):
        source = nbformat.read(Path(__file__).parent.parent / "notebooks" / f"{nom}.ipynb", as_version=4)
        assert source.metadata.kernelspec.name == "cia-atelier"
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in source.cells if c.cell_type == "code")
        assert "parameters" in source.cells[1].metadata.get("tags", [])


@pytest.mark.lent
def test_excel_egal_a_la_table_des_indicateurs(rapports_produits, exemple_traite):
    from openpyxl import load_workbook

    from cia_lib.restitution.contexte import ouvrir_contexte
    from cia_lib.restitution.publication import publication_bilan

    # the workbook holds the indicator table as the publication layer publishes it for the bilan
    attendu = publication_bilan(ouvrir_contexte(exemple_traite, None, ANNEE, 4, "diffusion")).indicateurs()
    classeur = load_workbook(rapports_produits["sortie"] / f"bilan-{ANNEE}" / "tableaux.xlsx", read_only=True)
    assert "Section V" in classeur.sheetnames
    lignes = list(classeur["Indicateurs"].iter_rows(values_only=True))
    entete, lignes = list(lignes[0]), lignes[1:]
    assert len(lignes) == len(attendu)
    feuille = pd.DataFrame(lignes, columns=entete)
    for col, entete_fr in (("numerateur", "Effectif"), ("denominateur", "Total")):
        assert feuille[entete_fr].tolist() == [v if v == MASQUE else int(v) for v in attendu[col]]
    for obtenu, voulu in zip(feuille["Part"], attendu["taux"], strict=True):
        if isinstance(voulu, str) or pd.isna(voulu):
            assert obtenu == voulu or obtenu is None
        else:
            assert obtenu == pytest.approx(float(voulu))
    assert (feuille["Effectif"] == MASQUE).any(), "l'exemple devrait comporter des petits effectifs masqués"


def _entier(texte: str) -> int | None:
    brut = texte.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").strip()
    return int(brut) if re.fullmatch(r"\d+", brut) else None


@pytest.mark.lent
def test_diffusion_aucun_petit_effectif_visible(rapports_produits):
    seuil = charger_territoire().seuil_secret
    masques = 0
    # every page of both reports (diffusion by default): bilan, maps, sensitive residences, quarterly
    for page in [p for r in rapports_produits["resultats"] for p in r.pages]:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        # counts of residences (buildings) are not under statistical secrecy; everything else is
        cellules = [td for td in soup.find_all("td") if td.find_parent("table", attrs={"data-unite": "residences"}) is None]
        for td in cellules:
            texte = td.get_text(strip=True)
            masques += texte == MASQUE
            n = _entier(texte)
            assert n is None or not 1 <= n <= seuil, f"{page.name} : effectif {n} visible ({td.parent.get_text(' | ', strip=True)})"
    assert masques > 0


@pytest.mark.lent
def test_trimestriel_deterministe(rapports_produits, tmp_path):
    plan = planifier("trimestriel", ANNEE, TRIMESTRE, None, rapports_produits["donnees"])
    second = produire_rapports([plan], tmp_path, barre=False)[0]
    premier = rapports_produits["sortie"] / f"{ANNEE}-T{TRIMESTRE}" / "suivi_trimestriel.html"
    assert second.pages[0].read_bytes() == premier.read_bytes()


NOTEBOOK_CASSE = {
    "cells": [
        {"cell_type": "code", "id": "parametres", "metadata": {"tags": ["parameters"]}, "execution_count": None, "outputs": [],
         "source": 'donnees = ""\nterritoire = ""\nannee = 2025\ntrimestre = 3\nmode = "analyste"'},
        {"cell_type": "code", "id": "preparation", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "x = 1"},
        {"cell_type": "code", "id": "cassee", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "resultat = 1 / 0  # cellule cassée\nprint(resultat)"},
    ],
    "metadata": {"kernelspec": {"name": "cia-atelier", "display_name": "Python (atelier CIA)", "language": "python"}},
    "nbformat": 4, "nbformat_minor": 5,
}


@pytest.mark.lent
def test_notebook_en_echec_garde_le_rapport_precedent(tmp_path, exemple_traite, capsys):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nbformat.write(nbformat.from_dict(NOTEBOOK_CASSE), notebooks / "suivi_trimestriel.ipynb")
    sortie = tmp_path / "reports"
    precedent = sortie / f"{ANNEE}-T{TRIMESTRE}"
    precedent.mkdir(parents=True)
    (precedent / "suivi_trimestriel.html").write_text("bon rapport", encoding="utf-8")
    code = main(["rapport", "trimestriel", "--annee", str(ANNEE), "--trimestre", str(TRIMESTRE),
                 "--donnees", str(exemple_traite), "--sortie", str(sortie), "--notebooks", str(notebooks),
                 "--sans-barre"])
    err = capsys.readouterr().err
    assert code != 0
    ligne = [lg for lg in err.splitlines() if "Erreur :" in lg]
    assert len(ligne) == 1
    assert "suivi_trimestriel.ipynb" in ligne[0] and "cellule n° 3" in ligne[0] and "resultat = 1 / 0" in ligne[0]
    assert "ZeroDivisionError" in ligne[0]
    assert (precedent / "suivi_trimestriel.html").read_text(encoding="utf-8") == "bon rapport"
    garde = sortie / "echec" / f"{ANNEE}-T{TRIMESTRE}" / "suivi_trimestriel.ipynb"
    assert garde.exists() and "ZeroDivisionError" in garde.read_text(encoding="utf-8")
    assert not list(sortie.glob(".construction-*"))


def test_deuxieme_execution_refusee_par_le_verrou(tmp_path, exemple_traite, capsys):
    sortie = tmp_path / "reports"
    sortie.mkdir()
    tenir = textwrap.dedent(f"""
        import sys, time
        from cia_lib.restitution.rapports import verrouiller
        with verrouiller({str(sortie)!r}):
            print("pris", flush=True)
            time.sleep(30)
    """)
    processus = subprocess.Popen([sys.executable, "-c", tenir], stdout=subprocess.PIPE, text=True)
    try:
        assert processus.stdout.readline().strip() == "pris"
        code = main(["rapport", "trimestriel", "--annee", "2025", "--trimestre", "3", "--donnees", str(exemple_traite),
                     "--sortie", str(sortie), "--sans-barre"])
        err = capsys.readouterr().err
        assert code == 3
        assert "déjà en cours" in err and ".verrou" in err
    finally:
        processus.kill()
        processus.wait()


@pytest.mark.parametrize(("options", "motif"), [
    (["--trimestre", "5"], "trimestre invalide"),
    (["--trimestre", "3", "--mode", "public"], "mode de lecture inconnu"),
    (["--trimestre", "3", "-p", "inconnu=1"], "paramètre inconnu"),
    (["--trimestre", "3", "-p", "annee=deux"], "n'est pas un entier"),
])
def test_parametres_invalides_message_francais_code_2(options, motif, exemple_traite, tmp_path, capsys):
    code = main(["rapport", "trimestriel", "--annee", "2025", *options, "--donnees", str(exemple_traite),
                 "--sortie", str(tmp_path), "--sans-barre"])
    err = capsys.readouterr().err
    assert code == 2
    assert motif in err
    assert "Traceback" not in err


def test_donnees_absentes_message_francais(tmp_path, capsys):
    code = main(["rapport", "bilan", "--annee", "2025", "--donnees", str(tmp_path / "rien"), "--sortie",
                 str(tmp_path / "r")])
    assert code == 2
    assert "cia importer" in capsys.readouterr().err


def test_periodes_disponibles_baux_et_trimestres_clos(tmp_path):
    from cia_lib.entrees.donnees import typer_table
    from cia_lib.restitution.rapports import periodes_disponibles

    attributions = typer_table("attributions", pd.DataFrame({
        "id_attribution": ["a", "b", "c", "d"],
        "date_decision": ["2023-12-15", "2024-03-01", "2025-06-30", "2026-10-02"],
        "date_bail": ["2024-01-10", None, "2025-07-01", "2026-10-20"],
        "nb_personnes": [1, 2, 3, 1],
    }))
    attributions.to_parquet(tmp_path / "attributions.parquet")
    trimestres, annees = periodes_disponibles(tmp_path, dt.date(2026, 11, 29))
    # a decision without lease (2024-03) or in 2023 does not make a report; 2026-T4 is not closed
    assert trimestres == [(2024, 1), (2025, 3)]
    assert annees == [2024, 2025]


@pytest.mark.lent
def test_page_flux_du_bilan(rapports_produits):
    """The flux page is part of the bilan (diffusion): masked counts, the five breakdowns, its sheets."""
    page = rapports_produits["sortie"] / f"bilan-{ANNEE}" / "flux.html"
    assert page in _pages(rapports_produits)
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    titres = [c.get_text(strip=True) for c in soup.find_all("caption")]
    assert f"Gestion en flux {ANNEE} — synthèse par réservataire" in titres
    assert f"Gestion en flux {ANNEE} — bilan par bailleur" in titres
    assert sum(t.startswith(f"Baux dans le flux {ANNEE} par ") for t in titres) == 5
    cellules = [td.get_text(strip=True) for td in soup.find_all("td")]
    assert MASQUE in cellules and "Bailleur(s) sans convention de flux" in soup.get_text()
    feuilles = openpyxl_feuilles(rapports_produits["sortie"] / f"bilan-{ANNEE}" / "tableaux.xlsx")
    assert {"Flux - synthèse EPCI", "Flux - bailleurs et contingents", "Flux - par typologie"} <= feuilles


def openpyxl_feuilles(chemin) -> set[str]:
    import openpyxl

    return set(openpyxl.load_workbook(chemin, read_only=True).sheetnames)
