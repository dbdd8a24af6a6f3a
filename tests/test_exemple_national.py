"""National synthetic data (cia_lib.exemples.national), its CLI, and Parquet sources."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cia_lib.cli import main
from cia_lib.entrees import schema
from cia_lib.entrees.donnees import charger_donnees
from cia_lib.entrees.importation import importer
from cia_lib.entrees.lecture import lire_fichier
from cia_lib.erreurs import ErreurFichier, ErreurParametre
from cia_lib.exemples.echantillon import FICHIER_AVERTISSEMENT
from cia_lib.exemples.national import BAUX_PAR_AN, DEMANDES_ACTIVES, tables_exemple_national
from cia_lib.territoire import chemins
from cia_lib.territoire.multi_epci import charger_territoires, lire_tableau_seuils, territoire_ensemble


@pytest.fixture(scope="module")
def millieme():
    return tables_exemple_national(0.001, graine=7, progression=False)


def test_taille_et_colonnes(millieme):
    att, dem = millieme["attributions"], millieme["demandes"]
    for nom, table in millieme.items():
        assert table.column_names == [c.nom for c in schema.colonnes(nom)]  # raw contract columns
    baux = att.filter(pa.compute.is_valid(att["date_bail"]))
    assert baux.num_rows == round(BAUX_PAR_AN * 0.001)
    assert dem.num_rows == round(DEMANDES_ACTIVES * 0.001)
    assert set(dem["date_extraction"].to_pylist()) == {dt.date(2024, 12, 31)}
    assert {d.year for d in baux["date_bail"].to_pylist()} == {2024}
    # Every lease in a residence of its own commune.
    res = millieme["residences"].to_pandas().set_index("id_residence")
    a = att.to_pandas()
    assert (res.loc[a["id_residence"], "code_commune"].to_numpy() == a["code_commune"].to_numpy()).all()
    assert a["code_commune"].str.len().eq(5).all()


def test_epci_couverts_et_part_q1():
    tables = tables_exemple_national(0.01, graine=1, progression=False)
    a = tables["attributions"].to_pandas()
    ts = charger_territoires(chemins.CONFIG / "exemple_departement_95.yaml")
    communes = pd.read_csv(chemins.REFERENCE / "communes_france.csv", dtype="string")
    siren = a["code_commune"].map(communes.set_index("code_commune")["siren_epci"])
    seuils = lire_tableau_seuils(chemins.REFERENCE / "seuils_quartiles_epci_2024_2026.csv")
    soumis = set(seuils["siren_epci"])
    assert set(siren) <= soumis and siren.nunique() > 350  # (nearly) every EPCI bound by the law
    assert set(ts[0].communes) & set(a["code_commune"])
    # Resources drawn around each EPCI's own threshold: about a quarter in Q1.
    q1 = seuils[seuils["annee"] == 2024].set_index("siren_epci")["q1_annuel_uc"]
    uc = 1 + 0.5 * (a["nb_personnes"] - 1 - a["nb_moins_14"]) + 0.3 * a["nb_moins_14"]
    part = (a["ressources_mensuelles"] * 12 / uc < siren.map(q1).astype(float)).mean()
    assert 0.18 < part < 0.40


def test_reproductible(millieme):
    autre = tables_exemple_national(0.001, graine=7, progression=False)
    assert all(autre[n].equals(millieme[n]) for n in millieme)
    different = tables_exemple_national(0.001, graine=8, progression=False)
    assert not different["demandes"].equals(millieme["demandes"])
    with pytest.raises(ErreurParametre, match="échelle invalide"):
        tables_exemple_national(0, progression=False)


def test_csv_et_parquet_donnent_les_memes_tables(tmp_path):
    ts = charger_territoires(chemins.CONFIG / "exemple_departement_95.yaml")
    union = territoire_ensemble(ts)
    traites = {}
    for fmt in ("csv", "parquet"):
        brut = tmp_path / f"brut_{fmt}"
        assert main(["exemple-national", "--destination", str(brut), "--format", fmt, "--echelle", "0.5",
                     "--departement", "95"]) == 0  # half the département's share of the national volume
        assert (brut / f"demandes.{fmt}").exists() and (brut / FICHIER_AVERTISSEMENT).exists()
        importer(brut, tmp_path / f"traite_{fmt}", union, cle=b"cle", progression=False)
        traites[fmt] = charger_donnees(tmp_path / f"traite_{fmt}")
    assert traites["parquet"].rapport_import["donnees_fictives"]
    for nom in schema.NOMS_TABLES:
        pd.testing.assert_frame_equal(getattr(traites["csv"], nom), getattr(traites["parquet"], nom))
    assert len(traites["parquet"].attributions) > 100


def test_n_ecrase_pas_de_vraies_donnees(tmp_path, capsys):
    (tmp_path / "attributions.csv").write_text("vraies données", encoding="utf-8")
    code = main(["exemple-national", "--destination", str(tmp_path), "--echelle", "0.001"])
    assert code == 2
    assert "n'écrasent jamais de vrais extraits" in capsys.readouterr().err
    code = main(["exemple-national", "--destination", str(tmp_path / "x"), "--format", "xlsx", "--echelle", "0.001"])
    assert code == 2


def test_lecture_parquet_comme_du_texte(tmp_path):
    chemin = tmp_path / "attributions.parquet"
    pq.write_table(pa.table({
        "Date_Bail": pa.array([dt.date(2024, 3, 1), None]),
        "horodatage": pa.array([dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 2)]),
        "ressources": pa.array([1500.0, 1234.5]),
        "code_commune": pa.array(["01004", " 95313 "]),
        "dalo": pa.array([True, None]),
        "nb": pa.array([3, None], pa.int64()),
    }), chemin)
    brut = lire_fichier(chemin)
    lignes = brut.lignes
    assert brut.entetes[0] == "Date_Bail" and "date_bail" in lignes.columns
    assert lignes["date_bail"].tolist() == ["2024-03-01", ""]
    assert lignes["horodatage"].tolist() == ["2024-03-01", "2024-03-02"]
    assert lignes["ressources"].tolist() == ["1500", "1234.5"]
    assert lignes["code_commune"].tolist() == ["01004", "95313"]  # text, zeros kept, trimmed
    assert lignes["dalo"].tolist() == ["true", ""]
    assert lignes["nb"].tolist() == ["3", ""]
    assert lignes["__ligne__"].tolist() == [1, 2]
    assert str(lignes["dalo"].dtype) == "string"
    abime = tmp_path / "demandes.parquet"
    abime.write_bytes(b"pas du parquet")
    with pytest.raises(ErreurFichier, match="Parquet illisible"):
        lire_fichier(abime)
    np.testing.assert_equal(len(lignes), 2)
