"""Reports that never look right when they are wrong (issue 17), with real notebook runs:
failure isolation, provisional reports, the département run, the documented cron line."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from cia_lib.calculs.periodes import dernier_trimestre_clos, fin_trimestre
from cia_lib.cli import main
from cia_lib.restitution.rapports import (
    ErreurProductionPartielle,
    planifier,
    produire_rapports,
    produire_rapports_territoire,
)
from cia_lib.territoire import chemins

PARAMETRES = 'donnees = ""\nterritoire = ""\nannee = 2025\ntrimestre = 3\nmode = "analyste"'


def _notebook(dossier: Path, source: str) -> Path:
    dossier.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(PARAMETRES, metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": chemins.NOM_NOYAU, "display_name": "Python (atelier CIA)",
                                 "language": "python"}
    chemin = dossier / "suivi_trimestriel.ipynb"
    nbformat.write(nb, chemin)
    return chemin


def _texte(page: Path) -> str:
    return BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").get_text(" ", strip=True)


@pytest.mark.lent
def test_un_echec_n_arrete_pas_les_autres(tmp_path, exemple_traite):
    aujourd_hui = dt.date(2026, 12, 1)
    bons, casses = tmp_path / "bons", tmp_path / "casses"
    _notebook(bons, "print('suivi construit')")
    _notebook(casses, "resultat = 1 / 0")
    plans = [planifier("trimestriel", 2025, 1, None, exemple_traite, None, casses, aujourd_hui=aujourd_hui),
             planifier("trimestriel", 2025, 2, None, exemple_traite, None, bons, aujourd_hui=aujourd_hui)]
    sortie = tmp_path / "reports"
    with pytest.raises(ErreurProductionPartielle) as erreur:
        produire_rapports(plans, sortie, bons, barre=False)
    partiel = erreur.value
    assert partiel.code_sortie == 4 and len(partiel.resultats) == 1 and len(partiel.echecs) == 1
    message = str(partiel)
    assert message.startswith("production incomplète : 1 rapport(s) construit(s), 1 en échec :")
    assert "2025-T1 : échec du notebook « suivi_trimestriel.ipynb »" in message and "ZeroDivisionError" in message
    assert (sortie / "2025-T2" / "suivi_trimestriel.html").exists()   # built after the failure
    assert not (sortie / "2025-T1").exists()
    echec = json.loads((sortie / "echec" / "2025-T1" / "echec.json").read_text(encoding="utf-8"))
    assert "ZeroDivisionError" in echec["raison"]
    index = _texte(sortie / "index.html")
    assert "Suivi 2025, 1er trimestre NON PRODUIT" in index and "Suivi 2025, 2e trimestre" in index
    # the next good run of 2025-T1 removes the failure mark
    produire_rapports([planifier("trimestriel", 2025, 1, None, exemple_traite, None, bons,
                                 aujourd_hui=aujourd_hui)], sortie, bons, barre=False)
    assert not (sortie / "echec" / "2025-T1").exists() and "NON PRODUIT" not in _texte(sortie / "index.html")


@pytest.mark.lent
def test_rapport_provisoire_le_dit_sur_chaque_page(tmp_path, exemple_traite):
    sortie = tmp_path / "reports"
    # 1 December 2026: the 4th quarter is running; the sample stops on 30/09/2026
    (resultat,) = produire_rapports_territoire("trimestriel", 2026, 4, None, exemple_traite, None, sortie,
                                               barre=False, provisoire=True, aujourd_hui=dt.date(2026, 12, 1))
    page = resultat.pages[0]
    soupe = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    assert "CCVO3F (provisoire) — Suivi trimestriel" in soupe.title.get_text()
    texte = soupe.get_text(" ", strip=True)
    assert "RAPPORT PROVISOIRE — la période n'est pas terminée ; données jusqu'au 30/09/2026" in texte
    assert "Données jusqu'au 30/09/2026" in texte  # the banner's coverage line
    assert texte.index("RAPPORT PROVISOIRE") < texte.index("Données jusqu'au")  # first thing on the page
    # the funnel reconciles, in one sentence
    assert re.search(r"Les [\d  ]+ baux signés dans la période = [\d  ]+ baux faisant suite à une décision "
                     r"de la période \+ [\d  ]+ baux faisant suite à une décision antérieure", texte)
    manifeste = json.loads(resultat.manifeste.read_text(encoding="utf-8"))
    assert manifeste["provisoire"] is True and manifeste["couverture"]["jusqu_au"] == "2026-09-30"
    assert "provisoire" in _texte(sortie / "index.html")


# --------------------------------------------------------------------------- the département run

SANS_OPS, SANS_DONNEES = "249500455", "249500489"


@pytest.fixture(scope="session")
def departement_incomplet(tmp_path_factory):
    """The Val-d'Oise sample imported, then one EPCI's OPS survey and another EPCI's leases and
    demands removed (an EPCI without survey, an EPCI without data)."""
    from cia_lib.entrees.importation import importer
    from cia_lib.exemples.national import generer_exemple_national
    from cia_lib.territoire.multi_epci import charger_territoires, territoire_ensemble

    racine = tmp_path_factory.mktemp("departement")
    multi = chemins.CONFIG / "exemple_departement_95.yaml"
    generer_exemple_national(racine / "brut", echelle=1.0, departement="95", progression=False)
    territoires = {t.siren: t for t in charger_territoires(multi)}
    traite = racine / "traite"
    importer(racine / "brut", traite, territoire_ensemble(list(territoires.values())), cle=b"cle-de-test",
             progression=False)
    attributions, demandes = (pd.read_parquet(traite / f"{t}.parquet") for t in ("attributions", "demandes"))
    residences, ops = (pd.read_parquet(traite / f"{t}.parquet") for t in ("residences", "ops"))
    sans_ops = residences.loc[residences["code_commune"].isin(list(territoires[SANS_OPS].communes)), "id_residence"]
    vide = list(territoires[SANS_DONNEES].communes)
    ops[~ops["id_residence"].isin(sans_ops)].to_parquet(traite / "ops.parquet", index=False)
    attributions[~attributions["code_commune"].isin(vide)].to_parquet(traite / "attributions.parquet", index=False)
    demandes[~demandes["code_commune_souhaitee"].isin(vide)].to_parquet(traite / "demandes.parquet", index=False)
    return {"multi": multi, "traite": traite, "territoires": territoires}


@pytest.mark.lent
def test_departement_un_epci_sans_ops_un_sans_donnees(tmp_path, departement_incomplet, capsys):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for nom in ("bilan_annuel", "residences_sensibles", "comparaison_epci"):
        shutil.copy(chemins.NOTEBOOKS / f"{nom}.ipynb", notebooks)
    sortie = tmp_path / "reports"
    code = main(["rapport", "bilan", "--annee", "2024", "--donnees", str(departement_incomplet["traite"]),
                 "--territoire", str(departement_incomplet["multi"]), "--sortie", str(sortie),
                 "--notebooks", str(notebooks), "--sans-barre"])
    sortie_texte = capsys.readouterr()
    assert code == 0, sortie_texte.err
    for siren in departement_incomplet["territoires"]:
        assert (sortie / siren / "bilan-2024" / "bilan_annuel.html").exists(), siren
    sans_ops = _texte(sortie / SANS_OPS / "bilan-2024" / "residences_sensibles.html")
    assert "Non disponible : aucune enquête OPS en 2024 ou avant" in sans_ops and "Données jusqu'au 31/12/2024" in sans_ops
    assert "Non disponible" not in _texte(sortie / SANS_OPS / "bilan-2024" / "bilan_annuel.html")
    vide = _texte(sortie / SANS_DONNEES / "bilan-2024" / "bilan_annuel.html")
    assert "Non disponible : aucun bail signé sur la période (du 01/01/2024 au 31/12/2024)" in vide
    manifeste = json.loads((sortie / SANS_DONNEES / "bilan-2024" / "manifeste.json").read_text(encoding="utf-8"))
    assert set(manifeste["non_disponibles"]) == {"bilan_annuel", "residences_sensibles"}
    assert (sortie / "comparaison-epci" / "bilan-2024" / "comparaison_epci.html").exists()
    index = BeautifulSoup((sortie / "index.html").read_text(encoding="utf-8"), "html.parser")
    liens = {a["href"] for a in index.find_all("a")}
    assert {f"{s}/bilan-2024/bilan_annuel.html" for s in departement_incomplet["territoires"]} <= liens
    assert "Traceback" not in sortie_texte.err and "NaN" not in sortie_texte.err


# --------------------------------------------------------------------------- the documented cron line


def _ligne_cron() -> str:
    texte = (chemins.RACINE / "docs" / "planification.md").read_text(encoding="utf-8")
    bloc = re.search(r"```cron\n(.*?)```", texte, re.S).group(1)
    (ligne,) = [lg for lg in bloc.splitlines() if lg.strip() and not lg.startswith("#")]
    return ligne.split(None, 5)[5]  # the command, after the five time fields


def _projet(racine: Path, traite: Path) -> Path:
    """A project folder as installed on a server: its own copy of the code, notebooks, config
    and processed data, and a ``.venv/bin/cia`` running this environment's Python on it."""
    projet = racine / "atelier-cia"
    for nom in ("cia_lib", "notebooks", "config"):
        shutil.copytree(chemins.RACINE / nom, projet / nom, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(chemins.RACINE / "data" / "reference", projet / "data" / "reference")
    shutil.copytree(traite, projet / "data" / "processed")
    (projet / "reports").mkdir()
    import sys

    cia = projet / ".venv" / "bin" / "cia"
    cia.parent.mkdir(parents=True)
    cia.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(projet)!r})\n"
                   "from cia_lib.cli import main\nmain()\n", encoding="utf-8")
    cia.chmod(0o755)
    return projet


def _cron(projet: Path, ailleurs: Path) -> subprocess.CompletedProcess:
    commande = _ligne_cron().replace("/srv/atelier-cia", str(projet))
    return subprocess.run(["env", "-i", "/bin/sh", "-c", commande], cwd=ailleurs, capture_output=True,
                          text=True, timeout=900)


@pytest.mark.lent
def test_ligne_cron_documentee_env_vide(tmp_path, exemple_traite):
    ailleurs = tmp_path / "ailleurs"
    ailleurs.mkdir()
    annee, trimestre = dernier_trimestre_clos(dt.date.today())
    fin = fin_trimestre(annee, trimestre)
    couverture = json.loads((exemple_traite / "rapport_import.json").read_text(encoding="utf-8"))["couverture"]

    # Forgotten import: the data stop one quarter before the period the cron line asks for.
    oubli = tmp_path / "oubli"
    shutil.copytree(exemple_traite, oubli)
    limite = pd.Timestamp(fin) - pd.offsets.QuarterEnd(1)
    for table, colonne in (("attributions", "date_bail"), ("demandes", "date_extraction")):
        df = pd.read_parquet(oubli / f"{table}.parquet")
        garde = df[colonne].isna() | (df[colonne] <= limite)
        if table == "attributions":
            garde &= df["date_decision"].isna() | (df["date_decision"] <= limite)
        df[garde].to_parquet(oubli / f"{table}.parquet", index=False)
    rapport = json.loads((oubli / "rapport_import.json").read_text(encoding="utf-8"))
    rapport.pop("couverture")  # recomputed from the tables
    (oubli / "rapport_import.json").write_text(json.dumps(rapport), encoding="utf-8")
    projet = _projet(tmp_path / "oubli-srv", oubli)
    resultat = _cron(projet, ailleurs)
    journal = (projet / "reports" / "cron.log").read_text(encoding="utf-8")
    assert resultat.returncode == 2, journal
    assert re.match(r"^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] Erreur : la période .* va au-delà des données : "
                    rf"données jusqu'au {limite:%d/%m/%Y}", journal), journal
    assert "Traceback" not in journal
    assert not (projet / "reports" / f"{annee}-T{trimestre}").exists()

    # Good import: the report of the last closed quarter is built (when the sample covers it).
    if fin > dt.date.fromisoformat(couverture["jusqu_au"]):
        pytest.skip(f"l'échantillon s'arrête le {couverture['jusqu_au']}, avant la fin du {trimestre}e trimestre "
                    f"{annee} : le cas « bon import » n'a plus de sens avec ces données")
    projet = _projet(tmp_path / "bon-srv", exemple_traite)
    resultat = _cron(projet, ailleurs)
    journal = (projet / "reports" / "cron.log").read_text(encoding="utf-8")
    assert resultat.returncode == 0, journal
    page = projet / "reports" / f"{annee}-T{trimestre}" / "suivi_trimestriel.html"
    assert page.exists()
    assert re.match(rf"^\[\d{{4}}-\d{{2}}-\d{{2}} \d{{2}}:\d{{2}}:\d{{2}}\] Rapport écrit : {re.escape(str(page))}$",
                    journal.splitlines()[0]), journal
    assert f"Données jusqu'au {dt.date.fromisoformat(couverture['jusqu_au']):%d/%m/%Y}" in _texte(page)
    assert "Erreur" not in journal
