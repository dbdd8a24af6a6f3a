"""Geometry of the territory: communes, QPV, simplification, EPCI outline."""

from __future__ import annotations

import dataclasses
import json

import pytest
import shapely

from cia_lib.erreurs import ErreurConfiguration, ErreurFichier
from cia_lib.territoire import geographie

# --- charger_communes ------------------------------------------------------------------

def test_communes_ccvo3f_codes_texte_crs_et_noms_officiels(territoire):
    communes = geographie.charger_communes(territoire)
    assert list(communes.columns) == ["code", "nom", "geometry"]
    assert communes.crs.to_epsg() == 4326
    assert list(communes["code"]) == sorted(territoire.communes)
    assert all(isinstance(c, str) and len(c) == 5 for c in communes["code"])
    noms = dict(zip(communes["code"], communes["nom"]))
    # The file spells 95313 "Isle-Adam": the official name comes from the configuration.
    assert noms["95313"] == "L'Isle-Adam"
    assert noms == territoire.communes
    assert communes.is_valid.all()


def test_communes_test_filtre_le_territoire_et_garde_les_noms_de_la_config(territoire_test):
    communes = geographie.charger_communes(territoire_test)
    assert list(communes["code"]) == ["99001", "99002", "99003"]  # 99004 is outside the EPCI
    assert list(communes["nom"]) == ["Ville-Centre", "Bourg-sur-Rivière", "Hameau-les-Bois"]


def test_fichier_de_communes_absent(territoire_test, tmp_path):
    t = dataclasses.replace(territoire_test, contours_communes=tmp_path / "absent.geojson")
    with pytest.raises(ErreurFichier, match="absent.geojson : fichier de contours des communes introuvable"):
        geographie.charger_communes(t)


def test_aucun_fichier_de_communes_configure(territoire_test):
    t = dataclasses.replace(territoire_test, contours_communes=None)
    with pytest.raises(ErreurConfiguration, match="contours_communes"):
        geographie.charger_communes(t)


def test_commune_configuree_sans_contour(territoire_test):
    t = dataclasses.replace(territoire_test, communes={**territoire_test.communes, "99005": "Commune-Fantôme"})
    with pytest.raises(ErreurFichier, match="99005 Commune-Fantôme"):
        geographie.charger_communes(t)


def test_fichier_de_communes_sans_colonne_code(territoire_test, tmp_path):
    source = json.loads(territoire_test.contours_communes.read_text(encoding="utf-8"))
    for f in source["features"]:
        f["properties"] = {"insee": f["properties"]["code"]}
    chemin = tmp_path / "sans_code.geojson"
    chemin.write_text(json.dumps(source), encoding="utf-8")
    t = dataclasses.replace(territoire_test, contours_communes=chemin)
    with pytest.raises(ErreurFichier, match="colonne « code »"):
        geographie.charger_communes(t)


def test_fichier_de_communes_illisible(territoire_test, tmp_path):
    chemin = tmp_path / "casse.geojson"
    chemin.write_text("{ pas du json", encoding="utf-8")
    t = dataclasses.replace(territoire_test, contours_communes=chemin)
    with pytest.raises(ErreurFichier, match="illisible"):
        geographie.charger_communes(t)


# --- charger_qpv -----------------------------------------------------------------------

def test_qpv_du_territoire_seulement(territoire_test):
    qpv = geographie.charger_qpv(territoire_test)
    assert list(qpv.columns) == ["code_qp", "lib_qp", "insee_com", "geometry"]
    assert qpv.crs.to_epsg() == 4326
    assert qpv[["code_qp", "lib_qp", "insee_com"]].values.tolist() == [
        ["QN99901X", "Les Tours Imaginaires (fictif)", "99001"]]  # QN99904Z is in 99004, outside
    ville_centre = geographie.charger_communes(territoire_test).set_index("code").geometry["99001"]
    assert ville_centre.contains(qpv.geometry.iloc[0])


def test_pas_de_fichier_qpv(territoire):
    assert territoire.contours_qpv is None
    assert geographie.charger_qpv(territoire) is None


def test_fichier_qpv_sans_colonnes_anct(territoire_test):
    t = dataclasses.replace(territoire_test, contours_qpv=territoire_test.contours_communes)
    with pytest.raises(ErreurFichier, match="code_qp, lib_qp, insee_com"):
        geographie.charger_qpv(t)


def test_qpv_sur_plusieurs_communes():
    assert geographie._codes_insee("99001, 99002") == {"99001", "99002"}
    assert geographie._codes_insee(None) == set()
    assert geographie._codes_insee("1004") == {"01004"}


# --- simplifier, contour ---------------------------------------------------------------

def test_simplifier_garde_crs_et_frontieres_communes(territoire):
    communes = geographie.charger_communes(territoire)
    simple = geographie.simplifier(communes, tolerance_m=150)
    assert simple.crs == communes.crs
    assert list(simple["code"]) == list(communes["code"])
    sommets = lambda g: sum(len(p.exterior.coords) for p in g.geometry)  # noqa: E731
    assert sommets(simple) < sommets(communes)
    # Shared borders stay shared: still a valid coverage (no gap, no overlap).
    assert shapely.coverage_is_valid(simple.to_crs(2154).geometry.values)
    aires = geographie.superficie_km2(communes)
    assert (abs(geographie.superficie_km2(simple) - aires) / aires).max() < 0.05


def test_simplifier_tolerance_nulle_ne_change_rien(territoire_test):
    communes = geographie.charger_communes(territoire_test)
    assert geographie.simplifier(communes, 0).geom_equals(communes).all()


def test_contour_epci_union_des_communes(territoire):
    communes = geographie.charger_communes(territoire)
    contour = geographie.contour_epci(communes)
    assert len(contour) == 1 and contour.crs == communes.crs
    assert contour.geometry.iloc[0].geom_type == "Polygon"
    assert list(contour.geometry.iloc[0].interiors) == []
    assert geographie.superficie_km2(contour).iloc[0] == pytest.approx(geographie.superficie_km2(communes).sum(),
                                                                        rel=1e-6)


def test_superficie_en_lambert93(territoire_test):
    communes = geographie.charger_communes(territoire_test)
    aires = geographie.superficie_km2(communes)
    # 99001: about 0.04° × 0.04° at 49° N ≈ 2.93 km × 4.45 km ≈ 14.5 km².
    assert aires.iloc[0] == pytest.approx(14.5, abs=0.3)
