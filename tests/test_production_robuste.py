"""Clean runs (issue 17): stale folders, permissions, failures recorded in the index, log
lines, version, French ordinals, « non disponible » pages, département sample size."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
from importlib.metadata import version

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from cia_lib.cli import main
from cia_lib.cli.journal import horodater
from cia_lib.entrees.donnees import Donnees, tables_vides, typer_table
from cia_lib.restitution.rapports import produire_rapports
from cia_lib.restitution.rapports.disponibilite import html_page_non_disponible, pages_non_disponibles
from cia_lib.restitution.rapports.index import html_index, lister_rapports, rafraichir_index
from cia_lib.restitution.rapports.nettoyage import dossiers_temporaires


def test_dossiers_de_construction_orphelins_retires(tmp_path):
    sortie = tmp_path / "reports"
    garder = [sortie / "2025-T3", sortie / "249500455" / "bilan-2024", sortie / "echec" / "2025-T2"]
    orphelins = [sortie / ".construction-2025-T4-abcd1234", sortie / ".ancien-2025-T3-0f0f0f0f",
                 sortie / "249500455" / ".construction-bilan-2024-x1", sortie / "comparaison-epci" / ".ancien-y"]
    for d in garder + orphelins:
        d.mkdir(parents=True)
        (d / "page.html").write_text("x", encoding="utf-8")
    assert dossiers_temporaires(sortie) == sorted(orphelins)
    produire_rapports([], sortie, barre=False)  # the next run, whatever it builds, starts by cleaning
    assert not any(d.exists() for d in orphelins)
    assert all((d / "page.html").exists() for d in garder)


def test_index_lisible_comme_les_autres_fichiers(tmp_path):
    ancien = os.umask(0o022)
    try:
        chemin = rafraichir_index(tmp_path / "reports")
        (tmp_path / "reports" / "autre.html").write_text("x", encoding="utf-8")
    finally:
        os.umask(ancien)
    assert stat.S_IMODE(chemin.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "reports" / "autre.html").stat().st_mode) == 0o644


def test_index_marque_les_rapports_en_echec(tmp_path):
    sortie = tmp_path / "reports"
    echec = sortie / "249500489" / "echec" / "bilan-2024"
    echec.mkdir(parents=True)
    (echec / "echec.json").write_text(json.dumps({
        "rapport": "bilan", "periode": "bilan-2024", "raison": "échec du notebook « bilan_annuel.ipynb »",
        "epci": {"siren": "249500489", "nom": "CC du Haut Val d'Oise"}}), encoding="utf-8")
    rapports = lister_rapports(sortie)
    assert len(rapports) == 1 and rapports[0]["echec"].startswith("échec du notebook")
    assert rapports[0]["epci"]["nom"] == "CC du Haut Val d'Oise" and rapports[0]["pages"] == []
    texte = BeautifulSoup(html_index(rapports), "html.parser").get_text(" ", strip=True)
    assert "Bilan annuel 2024 NON PRODUIT (échec de la dernière production : échec du notebook" in texte


def test_journal_horodate():
    assert horodater("a\nb", dt.datetime(2026, 1, 15, 6, 30, 2)) == "[2026-01-15 06:30:02] a\n[2026-01-15 06:30:02] b"


def test_erreur_de_rapport_horodatee(tmp_path, capsys):
    code = main(["rapport", "bilan", "--annee", "2025", "--donnees", str(tmp_path / "rien"),
                 "--sortie", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2
    assert re.match(r"^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] Erreur : ", err)


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"cia (atelier CIA) {version('cia-lib')}"


def test_titres_1er_trimestre(exemple_traite):
    from cia_lib.restitution.rapports import planifier

    plan = planifier("trimestriel", 2025, 1, donnees=exemple_traite, aujourd_hui=dt.date(2026, 12, 1))
    assert "2025, 1er trimestre" in plan.titre and "1e " not in plan.titre
    assert "2025, 2e trimestre" in planifier("trimestriel", 2025, 2, donnees=exemple_traite,
                                             aujourd_hui=dt.date(2026, 12, 1)).titre
    assert not plan.non_disponibles  # the sample has leases in the period


def _tables(baux: list[str], annees_ops: list[int]) -> Donnees:
    vides = tables_vides()
    attributions = typer_table("attributions", pd.DataFrame({
        "id_attribution": [f"A{i}" for i in range(len(baux))], "date_bail": pd.to_datetime(baux),
        "code_commune": ["95001"] * len(baux), "nb_personnes": [1] * len(baux)})) if baux else vides["attributions"]
    ops = typer_table("ops", pd.DataFrame({"annee_ops": annees_ops, "id_residence": ["R1"] * len(annees_ops)})) \
        if annees_ops else vides["ops"]
    return Donnees(attributions=attributions, demandes=vides["demandes"], residences=vides["residences"], ops=ops)


def test_pages_non_disponibles(territoire):
    notebooks = ["bilan_annuel", "cartes", "residences_sensibles"]
    # a lease on 31/12/2024 (last day) and an OPS survey of 2024: everything can be built
    assert pages_non_disponibles(_tables(["2024-12-31"], [2024]), territoire, 2024, 4, notebooks) == {}
    # OPS only after the year: the residences page alone is « non disponible »
    seule = pages_non_disponibles(_tables(["2024-06-01"], [2025]), territoire, 2024, 4, notebooks)
    assert list(seule) == ["residences_sensibles"] and "aucune enquête OPS en 2024 ou avant" in seule["residences_sensibles"]
    # no lease in the period (one on 01/01/2025, the day after): every page is a short one
    vide = pages_non_disponibles(_tables(["2025-01-01"], [2024]), territoire, 2024, 4, notebooks)
    assert list(vide) == notebooks
    assert all(r.startswith("aucun bail signé sur la période (du 01/01/2024 au 31/12/2024)") for r in vide.values())
    page = html_page_non_disponible("Bilan", "<div>bandeau</div>", "Bilan annuel", vide["bilan_annuel"])
    assert "Non disponible" in BeautifulSoup(page, "html.parser").get_text() and "<div>bandeau</div>" in page


def test_echantillon_departemental_a_sa_taille():
    from cia_lib.exemples.national import BAUX_PAR_AN, DEMANDES_ACTIVES, part_nationale, tables_exemple_national

    assert part_nationale([100.0], [100.0, 300.0], 1.0) == pytest.approx(0.25)
    assert part_nationale([2.0], [2.0, 2.0], 2.0) == pytest.approx(0.5)
    tables = tables_exemple_national(1.0, graine=3, departement="95", progression=False)
    baux = tables["attributions"]["date_bail"].null_count
    decisions = tables["attributions"].num_rows
    n_baux = decisions - baux
    # the Val-d'Oise EPCIs hold about 1 % of the national volume, not all of it
    assert 0.002 * BAUX_PAR_AN < n_baux < 0.05 * BAUX_PAR_AN
    assert 0.002 * DEMANDES_ACTIVES < tables["demandes"].num_rows < 0.05 * DEMANDES_ACTIVES
