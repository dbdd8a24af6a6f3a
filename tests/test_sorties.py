"""The shared table writer of the command line (CSV for French spreadsheets, JSON, Excel)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cia_lib.erreurs import ErreurParametre
from cia_lib.restitution.sorties import ecrire_tableau


@pytest.fixture()
def table():
    return pd.DataFrame({
        "cle": pd.array(["95313", "01004"], dtype="string"),
        "taux": pd.array([0.25, None], dtype="Float64"),
        "signalee": pd.array([True, None], dtype="boolean"),
        "au": pd.to_datetime(["2024-12-31", "2025-03-31"]),
    })


def test_csv_pour_tableur_francais(tmp_path, table):
    ecrire_tableau(table, tmp_path / "t.csv", feuille="x")
    octets = (tmp_path / "t.csv").read_bytes()
    assert octets.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    lignes = octets.decode("utf-8-sig").splitlines()
    assert lignes == ["cle;taux;signalee;au", "95313;0,25;true;2024-12-31", "01004;;;2025-03-31"]


def test_json_avec_null(tmp_path, table):
    ecrire_tableau(table, tmp_path / "t.json", feuille="x")
    relu = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert relu[1] == {"cle": "01004", "taux": None, "signalee": None, "au": "2025-03-31"}


def test_excel_une_feuille_codes_en_texte(tmp_path, table):
    ecrire_tableau(table, tmp_path / "t.xlsx", feuille="indicateurs")
    relu = pd.read_excel(tmp_path / "t.xlsx", sheet_name="Indicateurs", dtype={"Code": str})
    assert relu["Code"].tolist() == ["95313", "01004"]
    assert relu["Part"].iloc[0] == 0.25 and pd.isna(relu["Part"].iloc[1])


def test_excel_pour_excel_francais(tmp_path):
    """openpyxl read-back: numbers stored as numbers with formats, French headers and labels,
    frozen header, widths; the pressure (a ratio) is not a percentage."""
    from openpyxl import load_workbook

    table = pd.DataFrame({
        "indicateur": ["q1_hors_qpv", "pression"], "niveau": ["epci", "commune"],
        "numerateur": pd.array([45, 1332], dtype="Int64"), "denominateur": pd.array([192, 200], dtype="Int64"),
        "taux": [45 / 192, 6.66], "cible": [0.25, None],
    })
    ecrire_tableau(table, tmp_path / "t.xlsx", feuille="indicateurs")
    feuille = load_workbook(tmp_path / "t.xlsx")["Indicateurs"]
    assert [c.value for c in feuille[1]] == ["Indicateur", "Niveau", "Effectif", "Total", "Part", "Cible"]
    assert [c.value for c in feuille[2]][:2] == ["1er quartile hors QPV", "Ensemble de l'EPCI"]
    assert feuille["B3"].value == "Commune"
    assert feuille["C3"].value == 1332 and feuille["C3"].number_format == "#,##0"
    assert feuille["E2"].value == pytest.approx(0.234375) and feuille["E2"].number_format == "0.0%"
    assert feuille["E3"].value == pytest.approx(6.66) and feuille["E3"].number_format == "#,##0.0"  # ratio
    assert feuille["F2"].number_format == "0.0%" and feuille["F3"].value is None
    assert feuille.freeze_panes == "A2"
    assert feuille.column_dimensions["A"].width == len("Pression (demandes par bail)") + 2  # longest cell
    assert feuille["A1"].font.bold


def test_excel_noms_de_colonnes_gardes(tmp_path, table):
    ecrire_tableau(table, tmp_path / "t.xlsx", feuille="residences", lisible=False)
    relu = pd.read_excel(tmp_path / "t.xlsx", sheet_name="residences", dtype={"cle": str})
    assert relu.columns.tolist() == ["cle", "taux", "signalee", "au"]


def test_extension_refusee(tmp_path, table):
    with pytest.raises(ErreurParametre, match=r"« t\.ods ».*\.csv ou \.xlsx"):
        ecrire_tableau(table, tmp_path / "t.ods", feuille="x", formats=(".csv", ".xlsx"))
