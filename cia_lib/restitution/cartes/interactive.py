"""Interactive folium maps: choropleth of an indicator by commune, and map of the residences.

Layers of communes, EPCI outline, QPV and residences, commune names and an HTML/CSS
legend, on an offline :class:`~cia_lib.restitution.cartes.hors_ligne.CarteHorsLigne`.
The only ``http(s)`` addresses left in the page are the optional OpenStreetMap tile
template (off by default) and Leaflet's own credit link.
"""

from __future__ import annotations

import html
import json

import folium
import geopandas as gpd
import pandas as pd
from folium.utilities import JsCode

from cia_lib.territoire import geographie
from cia_lib.territoire.config import Territoire

from ..presentation import figure_png
from .classement import _avec_cible, _classes_legende, _classes_par_commune, _lignes_communes
from .hors_ligne import CarteHorsLigne, _case_css, _js_texte, _remplissage, _Script
from .residences import _preparer_residences, _rayon_residence
from .statique import carte_statique
from .styles import (
    ATTRIBUTION_OSM,
    COULEUR_CONTOUR_COMMUNE,
    COULEUR_EPCI,
    COULEUR_QPV,
    COULEURS_RESIDENCE,
    LIBELLES_RESIDENCE,
    NOTE_AUCUN_QPV,
    NOTE_SANS_QPV,
    SOURCE_CONTOURS,
    SOURCE_QPV,
    TUILES_OSM,
    Classe,
    _indicateur,
)
from .textes import _periode, _texte_qpv, texte_commune


def _nouvelle_carte(communes: gpd.GeoDataFrame, titre: str, fond_de_carte: bool) -> CarteHorsLigne:
    ouest, sud, est, nord = communes.total_bounds
    carte = CarteHorsLigne(location=[(sud + nord) / 2, (ouest + est) / 2], tiles=None, zoom_start=12,
                           control_scale=False, prefer_canvas=False)
    carte.titre_cia = titre
    folium.TileLayer(TUILES_OSM, attr=ATTRIBUTION_OSM, name="Fond de carte OpenStreetMap (en ligne)",
                     overlay=True, control=True, show=fond_de_carte, max_zoom=19).add_to(carte)
    carte.fit_bounds([[sud, ouest], [nord, est]], padding=(10, 10))
    nom = carte.get_name()
    # Metric scale only (French readers), and the boundary sources in the credits.
    _Script(f"L.control.scale({{metric: true, imperial: false, position: 'bottomleft'}}).addTo({nom});"
            f"{nom}.attributionControl.setPrefix({json.dumps('Leaflet')});"
            f"{nom}.attributionControl.addAttribution({_js_texte(html.escape(SOURCE_CONTOURS))});").add_to(carte)
    return carte


def _couche_communes(carte, jointes: gpd.GeoDataFrame, indicateur: str, nom_couche: str):
    colonnes = ["code", "nom", "classe", "couleur", "remplissage", "infobulle", "fenetre", "geometry"]
    donnees = jointes.assign(
        remplissage=[_remplissage(Classe(c, "", coul, h))
                     for c, coul, h in zip(jointes["classe"], jointes["couleur"], jointes["hachure"])],
        infobulle=[texte_commune(c, indicateur) for c in jointes.to_dict("records")],
        fenetre=[texte_commune(c, indicateur, periode=True) for c in jointes.to_dict("records")],
    )[colonnes]
    donnees["code"] = donnees["code"].astype(str)
    donnees["nom"] = donnees["nom"].astype(str)
    couche = folium.GeoJson(
        json.loads(donnees.to_json()),
        name=nom_couche,
        style_function=lambda f: {
            "fillColor": f["properties"]["remplissage"], "fillOpacity": 0.85 if f["properties"]["classe"] != "sans_objet" else 1,
            "color": COULEUR_CONTOUR_COMMUNE, "weight": 1.2,
            "dashArray": "4 3" if f["properties"]["classe"] in ("sans_objet", "effectif_insuffisant", "secret") else None,
        },
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["infobulle"], labels=False, sticky=True, class_name="cia-infobulle"),
        popup=folium.GeoJsonPopup(fields=["fenetre"], labels=False, class_name="cia-infobulle"),
        on_each_feature=JsCode(
            "function(feature, layer) { layer.options.className = 'cia-commune cia-commune-' + feature.properties.code; }"),
    )
    couche.add_to(carte)
    return couche


def _etiquettes(carte, jointes: gpd.GeoDataFrame) -> None:
    groupe = folium.FeatureGroup(name="Noms des communes", control=True)
    points = geographie.points_etiquettes(jointes)
    for ligne, point in zip(jointes.to_dict("records"), points):
        marque = ligne.get("marque") or ""
        texte = html.escape(str(ligne["nom"]))
        if marque:
            texte += f'<br><span class="cia-marque">⚠ {html.escape(marque)}</span>'
        folium.Marker(
            [point.y, point.x], interactive=False, keyboard=False,
            icon=folium.DivIcon(html=f'<div class="cia-etiquette">{texte}</div>', icon_size=(150, 30),
                                icon_anchor=(75, 8), class_name="cia-etiquette-icone"),
        ).add_to(groupe)
    groupe.add_to(carte)


def _contour_epci(carte, communes: gpd.GeoDataFrame, territoire: Territoire) -> None:
    contour = geographie.contour_epci(communes)
    folium.GeoJson(
        json.loads(contour[["geometry"]].to_json()), name=f"Contour de l'EPCI ({territoire.nom_court})",
        style_function=lambda f: {"fill": False, "color": COULEUR_EPCI, "weight": 3}, interactive=False,
    ).add_to(carte)


def _couche_qpv(carte, qpv, communes, tableau) -> str | None:
    """Draw QPV outlines; return the French note to show when there is none."""
    if qpv is None:
        return NOTE_SANS_QPV
    if qpv.empty:
        return NOTE_AUCUN_QPV
    noms = dict(zip(communes["code"].astype(str), communes["nom"].astype(str)))
    donnees = qpv.assign(infobulle=[_texte_qpv(q, noms, tableau) for q in qpv.to_dict("records")])
    donnees = donnees[["code_qp", "lib_qp", "insee_com", "infobulle", "geometry"]].astype(
        {"code_qp": str, "lib_qp": str, "insee_com": str})
    folium.GeoJson(
        json.loads(donnees.to_json()), name="Quartiers prioritaires (QPV)",
        style_function=lambda f: {"color": COULEUR_QPV, "weight": 2.5, "dashArray": "6 3",
                                  "fillColor": COULEUR_QPV, "fillOpacity": 0.12},
        highlight_function=lambda f: {"weight": 4},
        tooltip=folium.GeoJsonTooltip(fields=["infobulle"], labels=False, sticky=True, class_name="cia-infobulle"),
        popup=folium.GeoJsonPopup(fields=["infobulle"], labels=False, class_name="cia-infobulle"),
        on_each_feature=JsCode(
            "function(feature, layer) { layer.options.className = 'cia-qpv cia-qpv-' + feature.properties.code_qp; }"),
    ).add_to(carte)
    groupe = folium.FeatureGroup(name="Codes des QPV", control=False)
    for ligne, point in zip(donnees.to_dict("records"), geographie.points_etiquettes(qpv)):
        folium.Marker([point.y, point.x], interactive=False, keyboard=False, icon=folium.DivIcon(
            html=f'<div class="cia-etiquette" style="color:{COULEUR_QPV}">{html.escape(ligne["code_qp"])}</div>',
            icon_size=(90, 14), icon_anchor=(45, -6), class_name="cia-etiquette-icone")).add_to(groupe)
    groupe.add_to(carte)
    return None


def _couche_residences(carte, residences: pd.DataFrame | None, communes) -> str | None:
    if residences is None:
        return None
    r, sans_coord = _preparer_residences(residences, communes)
    groupe = folium.FeatureGroup(name="Résidences sociales", control=True)
    for ligne in r.sort_values("nb_logements", ascending=False).to_dict("records"):
        folium.CircleMarker(
            [ligne["latitude"], ligne["longitude"]], radius=_rayon_residence(ligne.get("nb_logements")),
            color="#ffffff", weight=1, fill=True, fill_color=COULEURS_RESIDENCE[ligne["_signalee"]], fill_opacity=0.9,
            tooltip=folium.Tooltip(ligne["_texte"], sticky=True), class_name="cia-residence",
        ).add_to(groupe)
    groupe.add_to(carte)
    if sans_coord:
        return f"{sans_coord} résidence(s) sans coordonnées ne sont pas placées sur la carte."
    return None


def _legende_html(titre: str, periode: str | None, classes: list[Classe], avec_qpv: bool,
                  residences: pd.DataFrame | None, notes: list[str], donnees_fictives: bool) -> str:
    def e(texte: str) -> str:
        return html.escape(texte, quote=False)

    parts = [f"<h4>{e(titre)}</h4>"]
    if periode:
        parts.append(f"<div>Baux signés {e(periode)}</div>")
    if donnees_fictives:
        parts.append('<div style="color:#b2182b;font-weight:bold">Données fictives (exemple)</div>')
    for c in classes:
        parts.append(f'<div class="cia-ligne"><span class="cia-case" style="{_case_css(c)}"></span>{e(c.libelle)}</div>')
    parts.append(f'<div class="cia-ligne"><span class="cia-trait" style="border-top:3px solid {COULEUR_EPCI}"></span>'
                 "limite de l'EPCI</div>")
    if avec_qpv:
        parts.append(f'<div class="cia-ligne"><span class="cia-trait" style="border-top:3px dashed {COULEUR_QPV}">'
                     "</span>quartier prioritaire (QPV)</div>")
    if residences is not None:
        drapeaux = [True, False] if "signalee" in residences.columns else [None]
        for d in drapeaux:
            parts.append(f'<div class="cia-ligne"><span class="cia-rond" style="width:11px;height:11px;'
                         f'background:{COULEURS_RESIDENCE[d]}"></span>{e(LIBELLES_RESIDENCE[d])}</div>')
        parts.append("<div>Taille des ronds : nombre de logements</div>")
    for note in notes:
        parts.append(f'<div class="cia-note">{e(note)}</div>')
    sources = [SOURCE_CONTOURS] + ([SOURCE_QPV] if avec_qpv else [])
    parts.append(f'<div class="cia-source">{e(" ; ".join(sources))}.</div>')
    return "".join(parts)


LARGEUR_ETROITE = 600
"""Below this width (px, a phone), the layer control is folded and the legend opens on demand."""


def _controle_couches(carte) -> None:
    """Layer control, unfolded on a wide screen, folded (an icon to touch) on a narrow one."""
    controle = folium.LayerControl(collapsed=False, position="topright")
    controle.add_to(carte)
    nom = controle.get_name()
    _Script(
        f"if (window.innerWidth < {LARGEUR_ETROITE}) {{ {nom}.remove(); {nom}.options.collapsed = true;"
        f" {nom}.addTo({carte.get_name()}); }}"
    ).add_to(carte)


def _ajouter_legende(carte, contenu: str) -> None:
    """Legend at the bottom right; on a narrow screen a « Légende » button shows or hides it."""
    nom = carte.get_name()
    bouton = ('<button type="button" class="cia-bouton-legende" aria-expanded="false">Légende</button>'
              '<div class="cia-contenu-legende">')
    _Script(
        "(function(){var l = L.control({position: 'bottomright'});"
        "l.onAdd = function(){var d = L.DomUtil.create('div', 'cia-legende');"
        f"d.innerHTML = {_js_texte(bouton)} + {_js_texte(contenu)} + '</div>';"
        "var b = d.querySelector('.cia-bouton-legende');"
        "b.addEventListener('click', function(){var o = d.classList.toggle('ouverte');"
        " b.setAttribute('aria-expanded', o ? 'true' : 'false'); b.textContent = o ? 'Masquer la légende' : 'Légende';});"
        "L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d); return d;};"
        f"l.addTo({nom});}})();"
    ).add_to(carte)


def carte_communes(communes: gpd.GeoDataFrame, tableau_indicateurs: pd.DataFrame, indicateur: str,
                   territoire: Territoire, qpv: gpd.GeoDataFrame | None = None,
                   residences: pd.DataFrame | None = None, titre: str | None = None, *,
                   fond_de_carte: bool = False, donnees_fictives: bool = False,
                   imprimable: bool = True) -> CarteHorsLigne:
    """Interactive choropleth of one indicator by commune (offline folium map).

    Parameters
    ----------
    communes : geopandas.GeoDataFrame
        From :func:`cia_lib.territoire.geographie.charger_communes` (simplified or not).
    tableau_indicateurs : pandas.DataFrame
        Tidy indicator table (rows ``niveau == "commune"`` of ``indicateur`` are mapped;
        ``hors_q1_en_qpv`` rows feed the QPV tooltips).
    indicateur : str
        ``q1_hors_qpv``, ``prioritaires``, ``hors_q1_en_qpv`` (target classes) or
        ``pression`` (sequential classes).
    territoire : Territoire
    qpv : geopandas.GeoDataFrame, optional
        From :func:`cia_lib.territoire.geographie.charger_qpv`; None = no QPV file (said on the map).
    residences : pandas.DataFrame, optional
        Residences to draw as points (``latitude``, ``longitude``, ``nb_logements``…).
    titre : str, optional
        Default: the French title of the indicator.
    fond_de_carte : bool, keyword-only, default False
        Show the OpenStreetMap tiles on opening (needs the network; off = readable offline).
    donnees_fictives : bool, keyword-only, default False
        Say on the legend that the data are fictitious.
    imprimable : bool, keyword-only, default True
        Attach the static map of :func:`~cia_lib.restitution.cartes.statique.carte_statique`
        (same classes and colours), printed in place of the interactive one.

    Returns
    -------
    CarteHorsLigne
        A :class:`folium.Map`; :func:`html_autonome` gives its offline page.
    """
    titre = titre or _indicateur(indicateur).titre
    jointes = _classes_par_commune(communes, tableau_indicateurs, indicateur, territoire)
    avec_cible = _avec_cible(_lignes_communes(tableau_indicateurs, indicateur), indicateur)
    carte = _nouvelle_carte(communes, titre, fond_de_carte)
    _couche_communes(carte, jointes, indicateur, f"Communes : {_indicateur(indicateur).taux.lower()}")
    _contour_epci(carte, communes, territoire)
    notes = []
    note_qpv = _couche_qpv(carte, qpv, communes, tableau_indicateurs)
    if note_qpv:
        notes.append(note_qpv)
    note_res = _couche_residences(carte, residences, communes)
    if note_res:
        notes.append(note_res)
    _etiquettes(carte, jointes)
    _controle_couches(carte)
    _ajouter_legende(carte, _legende_html(
        titre, _periode(_lignes_communes(tableau_indicateurs, indicateur)), _classes_legende(jointes, indicateur, avec_cible),
        qpv is not None and not qpv.empty, residences, notes, donnees_fictives))
    if imprimable:
        carte.png_impression = figure_png(carte_statique(communes, tableau_indicateurs, indicateur, territoire, qpv=qpv,
                                                         residences=residences, titre=titre,
                                                         donnees_fictives=donnees_fictives), dpi=110)
    return carte


def carte_residences(communes: gpd.GeoDataFrame, residences: pd.DataFrame, territoire: Territoire,
                     qpv: gpd.GeoDataFrame | None = None, titre: str | None = None, *,
                     fond_de_carte: bool = False, donnees_fictives: bool = False) -> CarteHorsLigne:
    """Interactive map of the social-housing residences (offline folium map).

    Points sized by number of dwellings (area proportional), coloured by the fragility
    flag ``signalee`` when the column is present; tooltip with name, bailleur, commune,
    dwellings (and score). Communes are drawn plain (white), with names and the EPCI outline.

    Parameters
    ----------
    communes : geopandas.GeoDataFrame
    residences : pandas.DataFrame
        ``id_residence, nom_residence, bailleur, code_commune, nb_logements, latitude,
        longitude`` (+ optional ``signalee``, ``score``). Rows without coordinates are
        counted in a note.
    territoire : Territoire
    qpv : geopandas.GeoDataFrame, optional
    titre : str, optional
    fond_de_carte, donnees_fictives : bool, keyword-only

    Returns
    -------
    CarteHorsLigne
    """
    titre = titre or "Résidences sociales du territoire"
    carte = _nouvelle_carte(communes, titre, fond_de_carte)
    jointes = communes.assign(classe="sans_objet", marque="")
    folium.GeoJson(
        json.loads(communes.assign(code=communes["code"].astype(str), nom=communes["nom"].astype(str)).to_json()),
        name="Communes",
        style_function=lambda f: {"fillColor": "#f7f7f7", "fillOpacity": 1, "color": COULEUR_CONTOUR_COMMUNE,
                                  "weight": 1.2},
        tooltip=folium.GeoJsonTooltip(fields=["nom"], labels=False),
    ).add_to(carte)
    _contour_epci(carte, communes, territoire)
    notes = [n for n in (_couche_qpv(carte, qpv, communes, None),) if n]
    note_res = _couche_residences(carte, residences, communes)
    if note_res:
        notes.append(note_res)
    _etiquettes(carte, jointes)
    _controle_couches(carte)
    _ajouter_legende(carte, _legende_html(titre, None, [], qpv is not None and not qpv.empty, residences, notes,
                                          donnees_fictives))
    return carte
