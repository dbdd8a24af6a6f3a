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
    relu = pd.read_excel(tmp_path / "t.xlsx", sheet_name="indicateurs", dtype={"cle": str})
    assert relu["cle"].tolist() == ["95313", "01004"]
    assert relu["taux"].iloc[0] == 0.25 and pd.isna(relu["taux"].iloc[1])


def test_extension_refusee(tmp_path, table):
    with pytest.raises(ErreurParametre, match=r"« t\.ods ».*\.csv ou \.xlsx"):
        ecrire_tableau(table, tmp_path / "t.ods", feuille="x", formats=(".csv", ".xlsx"))
