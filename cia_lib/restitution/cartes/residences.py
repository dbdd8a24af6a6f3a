"""Residences as map points: coordinates, fragility flag, point size and tooltip text.

Shared by the interactive maps and the printed map.
"""

from __future__ import annotations

import html
import math

import geopandas as gpd
import numpy as np
import pandas as pd

from .formats import _est_masque, _nombre, format_decimal, format_entier
from .styles import LIBELLES_RESIDENCE


def _signalee(valeur) -> bool | None:
    if valeur is None or _est_masque(valeur):
        return None
    try:
        if pd.isna(valeur):
            return None
    except (TypeError, ValueError):
        pass
    return bool(valeur)


def _rayon_residence(nb_logements) -> float:
    """Radius in pixels of a residence point: area proportional to its dwellings."""
    n = _nombre(nb_logements) or 0
    return float(np.clip(1.6 * math.sqrt(n), 4, 22))


def _preparer_residences(residences: pd.DataFrame, communes: gpd.GeoDataFrame) -> tuple[pd.DataFrame, int]:
    """Residences with coordinates, their flag and tooltip; and how many lack coordinates."""
    r = residences.copy()
    lat = pd.to_numeric(r.get("latitude"), errors="coerce")
    lon = pd.to_numeric(r.get("longitude"), errors="coerce")
    ok = lat.notna() & lon.notna()
    r = r[ok].assign(latitude=lat[ok].astype(float), longitude=lon[ok].astype(float))
    noms = dict(zip(communes["code"].astype(str), communes["nom"].astype(str)))
    e = html.escape
    drapeaux, textes = [], []
    for ligne in r.to_dict("records"):
        drapeau = _signalee(ligne.get("signalee")) if "signalee" in r.columns else None
        code = str(ligne.get("code_commune"))
        t = [f"<b>{e(str(ligne.get('nom_residence', ligne.get('id_residence', ''))))}</b>",
             f"Bailleur : {e(str(ligne.get('bailleur', '–')))}",
             f"Commune : {e(noms.get(code, code))}",
             f"Logements : {format_entier(ligne.get('nb_logements'))}"]
        if "signalee" in r.columns:
            texte = LIBELLES_RESIDENCE[drapeau].capitalize()
            if "score" in r.columns and _nombre(ligne.get("score")) is not None:
                texte += f" (score {format_decimal(ligne.get('score'))})"
            t.append(texte)
        drapeaux.append(drapeau)
        textes.append("<br>".join(t))
    r["_signalee"] = drapeaux
    r["_texte"] = textes
    return r, int((~ok).sum())
