"""Static (print) map of an indicator by commune, drawn with geopandas + matplotlib (PNG/SVG)."""

from __future__ import annotations

import textwrap

import geopandas as gpd
import pandas as pd
from matplotlib import patheffects
from matplotlib.figure import Figure as FigureMpl
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from cia_lib.territoire import geographie
from cia_lib.territoire.config import Territoire

from .classement import _avec_cible, _classes_legende, _classes_par_commune, _lignes_communes
from .formats import _nombre_fr
from .residences import _preparer_residences, _rayon_residence
from .styles import (
    COULEUR_CONTOUR_COMMUNE,
    COULEUR_EPCI,
    COULEUR_QPV,
    COULEURS_RESIDENCE,
    LIBELLES_RESIDENCE,
    NOTE_AUCUN_QPV,
    NOTE_SANS_QPV,
    SOURCE_CONTOURS,
    SOURCE_QPV,
    Classe,
    _indicateur,
)
from .textes import _periode


def _longueur_echelle(largeur_m: float) -> float:
    """A round scale-bar length (m) close to a fifth of the map width."""
    cible = largeur_m / 5
    for km in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100):
        if km * 1000 >= cible * 0.7:
            return km * 1000
    return 100_000


def _barre_echelle(ax, limites) -> None:
    x0, y0, x1, y1 = limites
    longueur = _longueur_echelle(x1 - x0)
    x, y = x0 + (x1 - x0) * 0.03, y0 + (y1 - y0) * 0.04
    h = (y1 - y0) * 0.008
    ax.fill([x, x + longueur / 2, x + longueur / 2, x], [y, y, y + h, y + h], color="#252525", lw=0, zorder=6, gid="echelle")
    ax.fill([x + longueur / 2, x + longueur, x + longueur, x + longueur / 2], [y, y, y + h, y + h],
            facecolor="#ffffff", edgecolor="#252525", lw=0.8, zorder=6)
    km = longueur / 1000
    texte = f"{_nombre_fr(km, 0 if km >= 1 else 1)} km"
    ax.text(x, y + 2.2 * h, "0", fontsize=7, ha="center", va="bottom", zorder=6)
    ax.text(x + longueur, y + 2.2 * h, texte, fontsize=7, ha="center", va="bottom", zorder=6)


def carte_statique(communes: gpd.GeoDataFrame, tableau_indicateurs: pd.DataFrame, indicateur: str,
                   territoire: Territoire, qpv: gpd.GeoDataFrame | None = None,
                   residences: pd.DataFrame | None = None, titre: str | None = None,
                   donnees_fictives: bool = False, *, taille=(9.0, 6.5)) -> FigureMpl:
    """Printable choropleth (geopandas + matplotlib), same classes and colours as on screen.

    Drawn in Lambert-93 (EPSG:2154) so the scale bar is exact. Special classes are
    hatched and labelled under the commune name.

    Parameters
    ----------
    communes, tableau_indicateurs, indicateur, territoire, qpv, residences, titre
        As for :func:`carte_communes`.
    donnees_fictives : bool, default False
        Print « Données fictives » on the figure.
    taille : tuple of float, keyword-only
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot (no double display in notebooks); ``fig.savefig`` to PNG/SVG.
        Each class is one collection whose ``gid`` is ``communes-<classe>``.
    """
    titre = titre or _indicateur(indicateur).titre
    jointes = _classes_par_commune(communes, tableau_indicateurs, indicateur, territoire).to_crs(geographie.CRS_METRIQUE)
    avec_cible = _avec_cible(_lignes_communes(tableau_indicateurs, indicateur), indicateur)
    fig = FigureMpl(figsize=taille, dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_aspect("equal")
    for code, groupe in jointes.groupby("classe", sort=False):
        classe = Classe(code, code, groupe["couleur"].iloc[0], groupe["hachure"].iloc[0])
        groupe.plot(ax=ax, color=classe.couleur, hatch=classe.hachure or None, edgecolor=COULEUR_CONTOUR_COMMUNE,
                    linewidth=0.7)
        ax.collections[-1].set_gid(f"communes-{code}")
    gpd.GeoSeries(geographie.contour_epci(jointes).geometry).boundary.plot(ax=ax, color=COULEUR_EPCI, linewidth=1.8)
    avec_qpv = qpv is not None and not qpv.empty
    notes = []
    if qpv is None:
        notes.append(NOTE_SANS_QPV)
    elif qpv.empty:
        notes.append(NOTE_AUCUN_QPV)
    else:
        q = qpv.to_crs(geographie.CRS_METRIQUE)
        q.plot(ax=ax, facecolor=COULEUR_QPV, alpha=0.15, edgecolor="none")
        q.boundary.plot(ax=ax, color=COULEUR_QPV, linewidth=1.4, linestyle="--", gid="qpv")
        for ligne, point in zip(q.to_dict("records"), geographie.points_etiquettes(q)):
            ax.annotate(ligne["code_qp"], (point.x, point.y), fontsize=7, color=COULEUR_QPV, ha="center",
                        va="top", xytext=(0, -6), textcoords="offset points", zorder=7,
                        path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")])
    poignees = [Patch(facecolor=c.couleur, hatch=c.hachure or None, edgecolor=COULEUR_CONTOUR_COMMUNE, label=c.libelle)
                for c in _classes_legende(jointes, indicateur, avec_cible)]
    poignees.append(Line2D([], [], color=COULEUR_EPCI, linewidth=1.8, label="limite de l'EPCI"))
    if avec_qpv:
        poignees.append(Line2D([], [], color=COULEUR_QPV, linewidth=1.4, linestyle="--", label="quartier prioritaire (QPV)"))
    if residences is not None:
        r, sans_coord = _preparer_residences(residences, communes)
        if not r.empty:
            points = gpd.GeoSeries(gpd.points_from_xy(r["longitude"], r["latitude"]), crs=geographie.CRS_WEB)
            points = points.to_crs(geographie.CRS_METRIQUE)
            tailles = [(_rayon_residence(n) * 0.75) ** 2 for n in r["nb_logements"]]
            ax.scatter(points.x, points.y, s=tailles, c=[COULEURS_RESIDENCE[d] for d in r["_signalee"]],
                       edgecolors="white", linewidths=0.6, zorder=5, gid="residences")
        drapeaux = [True, False] if "signalee" in residences.columns else [None]
        poignees += [Line2D([], [], marker="o", linestyle="", markerfacecolor=COULEURS_RESIDENCE[d],
                            markeredgecolor="white", markersize=7, label=LIBELLES_RESIDENCE[d]) for d in drapeaux]
        if sans_coord:
            notes.append(f"{sans_coord} résidence(s) sans coordonnées ne sont pas placées sur la carte.")
    for ligne, point in zip(jointes.to_dict("records"), geographie.points_etiquettes(jointes)):
        texte = str(ligne["nom"]) + (f"\n⚠ {ligne['marque']}" if ligne.get("marque") else "")
        ax.annotate(texte, (point.x, point.y), fontsize=7.5, ha="center", va="center", zorder=8,
                    fontweight="bold", path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")])
    limites = jointes.total_bounds
    marge = (limites[2] - limites[0]) * 0.04
    ax.set_xlim(limites[0] - marge, limites[2] + marge)
    ax.set_ylim(limites[1] - marge * 2.5, limites[3] + marge)
    _barre_echelle(ax, (limites[0] - marge, limites[1] - marge * 2.5, limites[2] + marge, limites[3] + marge))
    periode = _periode(_lignes_communes(tableau_indicateurs, indicateur))
    ax.set_title(titre + (f"\nBaux signés {periode}" if periode else ""), fontsize=11, loc="left")
    for p in poignees:
        p.set_label(textwrap.fill(p.get_label(), 34))
    fig.legend(handles=poignees, loc="outside right upper", fontsize=8, frameon=False,
               title=_indicateur(indicateur).taux, title_fontsize=9, alignment="left")
    pied = notes + [SOURCE_CONTOURS + (" ; " + SOURCE_QPV if avec_qpv else "") + "."]
    fig.text(0.01, 0.005, "\n".join(pied), fontsize=7, color="#444444", ha="left", va="bottom")
    if donnees_fictives:
        fig.text(0.99, 0.005, "Données fictives", fontsize=10, color="#b2182b", fontweight="bold",
                 ha="right", va="bottom", gid="donnees-fictives")
    return fig
