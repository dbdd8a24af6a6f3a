"""Geometry of the territory: commune boundaries, QPV outlines, EPCI outline.

The only module of the library that reads geometry files. Everything it returns is in
EPSG:4326 (WGS84, what web maps expect) with commune codes as 5-character strings;
lengths, areas and simplification tolerances are computed in EPSG:2154 (Lambert-93, metres).

Sources (see ``docs/cartes.md``): commune boundaries IGN ADMIN EXPRESS COG 2018 via
gregoiredavid/france-geojson (Licence Ouverte Etalab); QPV: ANCT (``code_qp``, ``lib_qp``,
``insee_com``).
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from cia_lib.erreurs import ErreurConfiguration, ErreurFichier

from .config import Territoire

CRS_WEB = "EPSG:4326"
"""Geographic CRS of everything this module returns (GeoJSON / Leaflet)."""
CRS_METRIQUE = "EPSG:2154"
"""Lambert-93: metric CRS for areas, distances, simplification and printed scale bars."""

COLONNES_QPV = ("code_qp", "lib_qp", "insee_com")
"""Properties of an ANCT QPV GeoJSON that the workbench needs."""


def _lire(chemin: Path, quoi: str) -> gpd.GeoDataFrame:
    """Read a geometry file, turning any reader failure into a French ErreurFichier."""
    if not chemin.exists():
        raise ErreurFichier(chemin, f"fichier de {quoi} introuvable.")
    try:
        gdf = gpd.read_file(chemin)
    except Exception as exc:  # pyogrio raises several types; the user needs one message
        raise ErreurFichier(chemin, f"fichier de {quoi} illisible ({exc}).") from None
    if gdf.crs is None:
        # GeoJSON (RFC 7946) is WGS84 by definition.
        gdf = gdf.set_crs(CRS_WEB)
    return gdf.to_crs(CRS_WEB)


def charger_communes(territoire: Territoire) -> gpd.GeoDataFrame:
    """Read the boundaries of the territory's communes.

    Parameters
    ----------
    territoire : Territoire
        Its ``contours_communes`` file has one feature per commune with properties ``code``
        (INSEE) and ``nom``; extra communes in the file are ignored.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``code`` (str, 5 characters), ``nom`` (the territory's official name from
        the configuration, not the file's spelling) and ``geometry``; EPSG:4326; one row per
        configured commune, sorted by code.

    Raises
    ------
    ErreurConfiguration
        When no boundaries file is configured.
    ErreurFichier
        When the file is missing, unreadable, lacks a ``code`` column, or a configured
        commune has no geometry.
    """
    chemin = territoire.contours_communes
    if chemin is None:
        raise ErreurConfiguration(
            f"{territoire.source} : aucun fichier de contours des communes (« contours_communes »)."
        )
    gdf = _lire(Path(chemin), "contours des communes")
    if "code" not in gdf.columns:
        raise ErreurFichier(
            chemin, "colonne « code » (code INSEE de la commune) absente", colonnes=[str(c) for c in gdf.columns]
        )
    gdf = gdf.assign(code=gdf["code"].astype("string").str.strip().str.zfill(5))
    gdf = gdf[gdf["code"].isin(list(territoire.communes)) & gdf.geometry.notna() & ~gdf.geometry.is_empty]
    manquantes = sorted(set(territoire.communes) - set(gdf["code"]))
    if manquantes:
        noms = ", ".join(f"{c} {territoire.communes[c]}" for c in manquantes)
        raise ErreurFichier(chemin, f"aucun contour pour la ou les communes du territoire : {noms}.")
    gdf = gdf.dissolve(by="code", as_index=False)  # several features for one commune -> one
    gdf["code"] = gdf["code"].astype("string")
    gdf["nom"] = gdf["code"].map(territoire.communes).astype("string")
    return gdf[["code", "nom", "geometry"]].sort_values("code").reset_index(drop=True)


def _codes_insee(valeur) -> set[str]:
    """INSEE codes listed in an ANCT ``insee_com`` cell (one code, or several separated)."""
    if valeur is None or (not isinstance(valeur, (list, tuple)) and pd.isna(valeur)):
        return set()
    if isinstance(valeur, (list, tuple)):
        return {str(v).strip().zfill(5) for v in valeur}
    return {c.zfill(5) for c in re.split(r"[\s,;/|]+", str(valeur)) if c}


def charger_qpv(territoire: Territoire) -> gpd.GeoDataFrame | None:
    """Read the QPV outlines of the territory, when a QPV file is configured.

    Parameters
    ----------
    territoire : Territoire
        ``contours_qpv``: ANCT GeoJSON with properties ``code_qp``, ``lib_qp``,
        ``insee_com`` (e.g. the national ``QP2024_France_Hexagonale_Outre_Mer_WGS84``).

    Returns
    -------
    geopandas.GeoDataFrame or None
        None when no QPV file is configured. Otherwise columns ``code_qp``, ``lib_qp``,
        ``insee_com`` (the first territory commune the QPV lies in) and ``geometry``,
        EPSG:4326, only QPVs of the territory's communes (possibly no row).

    Raises
    ------
    ErreurFichier
        When the configured file is missing, unreadable or lacks an ANCT column.
    """
    chemin = territoire.contours_qpv
    if chemin is None:
        return None
    gdf = _lire(Path(chemin), "contours des QPV")
    manquantes = [c for c in COLONNES_QPV if c not in gdf.columns]
    if manquantes:
        raise ErreurFichier(
            chemin, "colonnes attendues du format ANCT absentes (code_qp, lib_qp, insee_com)", colonnes=manquantes
        )
    communes = set(territoire.communes)
    codes = gdf["insee_com"].map(lambda v: sorted(_codes_insee(v) & communes))
    gdf = gdf[codes.map(bool)].copy()
    gdf["insee_com"] = codes[codes.map(bool)].map(lambda c: c[0]).astype("string")
    gdf["code_qp"] = gdf["code_qp"].astype("string")
    gdf["lib_qp"] = gdf["lib_qp"].astype("string")
    return gdf[["code_qp", "lib_qp", "insee_com", "geometry"]].sort_values("code_qp").reset_index(drop=True)


def simplifier(gdf: gpd.GeoDataFrame, tolerance_m: float = 20) -> gpd.GeoDataFrame:
    """Simplify polygons for the web while keeping shared borders shared.

    When the polygons form a valid coverage (adjacent communes whose shared edges match),
    coverage simplification keeps them adjacent (no gap, no overlap); otherwise each
    geometry is simplified on its own with topology preserved (no self-intersection).
    The work is done in Lambert-93 so ``tolerance_m`` is in metres.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Any CRS (declared).
    tolerance_m : float, default 20
        Tolerance in metres; 0 returns a copy.

    Returns
    -------
    geopandas.GeoDataFrame
        Same rows and columns, same CRS as ``gdf``.
    """
    if gdf.crs is None:
        raise ErreurConfiguration("simplifier : système de coordonnées non déclaré.")
    if tolerance_m <= 0 or gdf.empty:
        return gdf.copy()
    metrique = gdf.to_crs(CRS_METRIQUE)
    polygones = metrique.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    if polygones and bool(shapely.coverage_is_valid(metrique.geometry.values)):
        geometrie = metrique.geometry.simplify_coverage(tolerance_m)
    else:
        geometrie = metrique.geometry.simplify(tolerance_m, preserve_topology=True)
    return metrique.set_geometry(geometrie).to_crs(gdf.crs)


def contour_epci(communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Outline of the EPCI: the union (dissolve) of its communes.

    Parameters
    ----------
    communes : geopandas.GeoDataFrame
        As returned by :func:`charger_communes`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row, column ``nb_communes`` and ``geometry``, in the CRS of ``communes``.
        When the communes do not form a clean coverage, slivers narrower than a metre
        between them are closed.
    """
    metrique = communes.to_crs(CRS_METRIQUE)
    if bool(shapely.coverage_is_valid(metrique.geometry.values)):
        union = shapely.coverage_union_all(metrique.geometry.values)
    else:
        union = metrique.geometry.buffer(0.5, join_style="mitre").union_all().buffer(-0.5, join_style="mitre")
    sortie = gpd.GeoDataFrame({"nb_communes": [len(communes)]}, geometry=[union], crs=CRS_METRIQUE)
    return sortie.to_crs(communes.crs)


def points_etiquettes(gdf: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """A point inside each polygon (for labels), in the CRS of ``gdf``.

    Computed in Lambert-93 with ``representative_point`` (always inside, unlike a centroid).
    """
    return gdf.to_crs(CRS_METRIQUE).representative_point().to_crs(gdf.crs)


def superficie_km2(gdf: gpd.GeoDataFrame) -> pd.Series:
    """Area of each geometry in km², computed in Lambert-93."""
    return gdf.to_crs(CRS_METRIQUE).area / 1e6
