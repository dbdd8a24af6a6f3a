"""Periods a report may be built for: calendar, data coverage, empty periods (issue 17).

Fast tests on small processed folders written here (dates computed by hand), plus the
coverage written by a real import of the synthetic sample.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from cia_lib.cli import main
from cia_lib.entrees.couverture import couverture_tables, lire_couverture
from cia_lib.entrees.donnees import tables_vides, typer_table
from cia_lib.erreurs import ErreurParametre
from cia_lib.restitution.rapports.periode_rapport import (
    resoudre_periode_demandee,
    verifier_periode_rapport,
)

AUJOURD_HUI = dt.date(2026, 12, 1)


def ecrire_donnees(dossier, baux: list[str], instantanes: list[str], avec_couverture: bool = True):
    """A processed folder: one lease per date of ``baux`` (decision 10 days before), one demand
    per snapshot date; the coverage recorded as the import does (or not, for an old import)."""
    dossier.mkdir(parents=True, exist_ok=True)
    vides = tables_vides()
    attributions = typer_table("attributions", pd.DataFrame({
        "id_attribution": [f"A{i}" for i in range(len(baux))],
        "date_decision": [pd.Timestamp(b) - pd.Timedelta(days=10) for b in baux],
        "date_bail": pd.to_datetime(baux),
        "nb_personnes": [1] * len(baux),
    })) if baux else vides["attributions"]
    demandes = typer_table("demandes", pd.DataFrame({
        "date_extraction": pd.to_datetime(instantanes), "numero_unique": [f"D{i}" for i in range(len(instantanes))],
        "nb_personnes": [1] * len(instantanes),
    })) if instantanes else vides["demandes"]
    tables = {"attributions": attributions, "demandes": demandes,
              "residences": vides["residences"], "ops": vides["ops"]}
    for nom, table in tables.items():
        table.to_parquet(dossier / f"{nom}.parquet")
    rapport = {"donnees_fictives": True}
    if avec_couverture:
        rapport["couverture"] = couverture_tables(tables)
    (dossier / "rapport_import.json").write_text(json.dumps(rapport), encoding="utf-8")
    return dossier


@pytest.fixture()
def jusqu_au_30_09_2026(tmp_path):
    """Leases up to 29/09/2026 and demand snapshots up to 30/09/2026: data until 30/09/2026."""
    return ecrire_donnees(tmp_path / "traite", ["2025-02-03", "2026-01-15", "2026-09-29"],
                          ["2025-12-31", "2026-06-30", "2026-09-30"])


def test_couverture_recorded_and_fallback_equal(tmp_path, jusqu_au_30_09_2026):
    c = lire_couverture(jusqu_au_30_09_2026)
    assert c["jusqu_au"] == "2026-09-30"
    assert c["attributions"]["dernier_bail"] == "2026-09-29"
    assert c["attributions"]["derniere_decision"] == "2026-09-19"
    assert c["demandes"]["instantanes"] == ["2025-12-31", "2026-06-30", "2026-09-30"]
    ancien = ecrire_donnees(tmp_path / "ancien", ["2025-02-03", "2026-01-15", "2026-09-29"],
                            ["2025-12-31", "2026-06-30", "2026-09-30"], avec_couverture=False)
    calcule = lire_couverture(ancien)
    assert {k: calcule[k] for k in ("jusqu_au", "attributions", "demandes")} == \
        {k: c[k] for k in ("jusqu_au", "attributions", "demandes")}


def test_periode_close_et_couverte_acceptee(jusqu_au_30_09_2026):
    # T3 2026 ends on 30/09, exactly the end of the data: accepted (boundary).
    assert verifier_periode_rapport(2026, 3, jusqu_au_30_09_2026, AUJOURD_HUI)["jusqu_au"] == "2026-09-30"
    assert verifier_periode_rapport(2025, 4, jusqu_au_30_09_2026, AUJOURD_HUI)


@pytest.mark.parametrize("aujourd_hui, refuse", [
    (dt.date(2026, 9, 30), True),    # last day of the quarter: not ended yet
    (dt.date(2026, 10, 1), False),   # the day after: ended
])
def test_periode_terminee_le_lendemain(jusqu_au_30_09_2026, aujourd_hui, refuse):
    if refuse:
        with pytest.raises(ErreurParametre, match="n'est pas terminée .*30/09/2026.*--provisoire"):
            verifier_periode_rapport(2026, 3, jusqu_au_30_09_2026, aujourd_hui)
    else:
        verifier_periode_rapport(2026, 3, jusqu_au_30_09_2026, aujourd_hui)


def test_periode_en_cours_refusee_sauf_provisoire(jusqu_au_30_09_2026):
    with pytest.raises(ErreurParametre, match="n'est pas terminée"):
        verifier_periode_rapport(2026, 4, jusqu_au_30_09_2026, AUJOURD_HUI)
    # --provisoire: accepted although the data stop on 30/09 (the pages will say so)
    assert verifier_periode_rapport(2026, 4, jusqu_au_30_09_2026, AUJOURD_HUI, provisoire=True)
    with pytest.raises(ErreurParametre, match="--provisoire ne s'applique qu'à une période en cours"):
        verifier_periode_rapport(2025, 4, jusqu_au_30_09_2026, AUJOURD_HUI, provisoire=True)


def test_periode_future_refusee_meme_provisoire(jusqu_au_30_09_2026):
    for provisoire in (False, True):
        with pytest.raises(ErreurParametre, match="n'a pas commencé"):
            verifier_periode_rapport(2027, 1, jusqu_au_30_09_2026, AUJOURD_HUI, provisoire=provisoire)


def test_periode_au_dela_des_donnees_refusee_avec_la_couverture(tmp_path):
    oubli = ecrire_donnees(tmp_path / "oubli", ["2026-01-15", "2026-06-12"], ["2026-03-31", "2026-06-30"])
    with pytest.raises(ErreurParametre) as erreur:
        verifier_periode_rapport(2026, 3, oubli, AUJOURD_HUI)
    message = str(erreur.value)
    assert "au-delà des données" in message and "données jusqu'au 30/06/2026" in message
    assert "dernier bail : 12/06/2026" in message and "cia importer" in message


def test_periode_vide_refusee(jusqu_au_30_09_2026):
    with pytest.raises(ErreurParametre, match="est vide : aucun bail signé et aucune demande"):
        verifier_periode_rapport(2023, 2, jusqu_au_30_09_2026, AUJOURD_HUI)


def test_demandes_sans_bail_ne_rendent_pas_la_periode_vide(tmp_path):
    seules = ecrire_donnees(tmp_path / "d", ["2026-08-01"], ["2025-03-31", "2026-09-30"])
    verifier_periode_rapport(2025, 1, seules, AUJOURD_HUI)  # one demand snapshot, no lease: not empty


def test_annee_sans_trimestre_ambigue():
    assert resoudre_periode_demandee(None, None, AUJOURD_HUI) == (2026, 3)
    assert resoudre_periode_demandee(None, None, dt.date(2027, 1, 1)) == (2026, 4)
    with pytest.raises(ErreurParametre, match="--annee sans --trimestre est ambigu"):
        resoudre_periode_demandee(2025, None, AUJOURD_HUI)
    with pytest.raises(ErreurParametre, match="--trimestre sans --annee est ambigu"):
        resoudre_periode_demandee(None, 2, AUJOURD_HUI)


@pytest.mark.parametrize("options, motif", [
    (["trimestriel", "--annee", "2025"], "--annee sans --trimestre est ambigu"),
    (["trimestriel", "--annee", "2027", "--trimestre", "1"], "n'a pas commencé"),
    (["trimestriel", "--annee", "2023", "--trimestre", "2"], "est vide"),
    (["bilan", "--annee", "2099"], "n'a pas commencé"),
])
def test_cli_refuse_code_2_et_rien_dans_l_index(options, motif, jusqu_au_30_09_2026, tmp_path, capsys):
    sortie = tmp_path / "reports"
    code = main(["rapport", *options, "--donnees", str(jusqu_au_30_09_2026), "--sortie", str(sortie), "--sans-barre"])
    err = capsys.readouterr().err
    assert code == 2
    assert motif in err and "Traceback" not in err
    # refused before anything is built: no report folder, no index entry
    assert not (sortie / "index.html").exists() and not list(sortie.glob("*-T*")) and not list(sortie.glob("bilan-*"))


def test_import_ecrit_la_couverture(exemple_traite):
    rapport = json.loads((exemple_traite / "rapport_import.json").read_text(encoding="utf-8"))
    couverture = rapport["couverture"]
    # the synthetic sample ends on 30/09/2026 with quarterly demand snapshots
    assert couverture["jusqu_au"] == "2026-09-30"
    assert couverture["demandes"]["dernier_instantane"] == "2026-09-30"
    assert couverture["attributions"]["dernier_bail"] <= "2026-09-30"
    extraits = couverture["par_extrait"]["attributions"]
    assert extraits and max(e["dernier_bail"] for e in extraits.values()) == couverture["attributions"]["dernier_bail"]
