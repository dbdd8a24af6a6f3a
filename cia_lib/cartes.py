"""Maps of the attribution indicators by commune (and QPV), interactive and printable.

Two renderings share one classification (:func:`classer_communes`) and one palette
(:data:`CLASSES`), so a commune has the same colour on screen and on paper:

* :func:`carte_communes` / :func:`carte_residences` build a :class:`folium.Map` that works
  **offline**: Leaflet 1.9.4 is inlined from the PyPI package ``django-js-lib-leaflet``,
  folium's CDN links (Leaflet, jQuery, Bootstrap, Font Awesome) are dropped, the legend is
  plain HTML/CSS. The only ``http(s)`` addresses left in the page are the optional
  OpenStreetMap tile template (off by default) and Leaflet's own credit link.
  :func:`html_autonome` returns the page; in Jupyter the map renders as an
  ``<iframe srcdoc>`` of that same page.
* :func:`carte_statique` draws the same map with geopandas + matplotlib (PNG/SVG for print).

Inputs are the tidy indicator table of :mod:`cia_lib.indicateurs` (columns ``indicateur,
niveau, cle, libelle, numerateur, denominateur, taux, ic_bas, ic_haut, cible, ecart, statut,
du, au``), where in diffusion mode numbers may be masked by the string ``"s"``; the commune
and QPV geometries of :mod:`cia_lib.geographie`; optionally the residences table (with a
``signalee`` flag and a ``score`` when the fragility score has been computed).
"""

from __future__ import annotations

import base64
import functools
import html
import importlib.resources
import json
import math
import re
import textwrap
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element, Figure, MacroElement
from folium.template import Template
from folium.utilities import JsCode
from matplotlib import patheffects
from matplotlib.figure import Figure as FigureMpl
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from . import geographie, presentation
from .config import Territoire

# ---------------------------------------------------------------------------------------
# Palette and classes (one place for both renderings)
# ---------------------------------------------------------------------------------------


def _nombre_fr(x: float, decimales: int = 0) -> str:
    """French number: thin no-break space between thousands, decimal comma."""
    return f"{x:,.{decimales}f}".replace(",", "\u202f").replace(".", ",")


@dataclass(frozen=True)
class Classe:
    """One map class: French label, fill colour, hatch (matplotlib code) and map mark."""

    code: str
    libelle: str
    couleur: str
    hachure: str = ""
    marque: str = ""


CLASSES_CIBLE = (
    Classe("en_dessous", "en dessous de la cible", "#d7191c"),
    Classe("autour", "autour de la cible (cible dans l'intervalle de confiance)", "#fee090"),
    Classe("au_dessus", "au-dessus de la cible", "#4575b4"),
)
"""Classes of an indicator with a target, compared with the 95 % Wilson interval."""

BORNES_PRESSION = (4, 8, 12, 20)
"""Class limits of the pressure (active demands per signed lease): sequential classes."""

COULEURS_PRESSION = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")


def _classes_pression(bornes=BORNES_PRESSION) -> tuple[Classe, ...]:
    bornes = tuple(bornes)
    if len(bornes) + 1 > len(COULEURS_PRESSION):
        raise ValueError(f"au plus {len(COULEURS_PRESSION) - 1} bornes de pression")
    couleurs = COULEURS_PRESSION[len(COULEURS_PRESSION) - len(bornes) - 1:]
    libelles = [f"moins de {_nombre_fr(bornes[0])}"]
    libelles += [f"de {_nombre_fr(a)} à moins de {_nombre_fr(b)}" for a, b in zip(bornes, bornes[1:])]
    libelles += [f"{_nombre_fr(bornes[-1])} ou plus"]
    return tuple(Classe(f"pression_{i + 1}", lib, coul) for i, (lib, coul) in enumerate(zip(libelles, couleurs)))


CLASSES_SPECIALES = (
    Classe("effectif_insuffisant", "effectif insuffisant (taux non interprétable)", "#bdbdbd", "///",
           "effectif insuffisant"),
    Classe("secret", "secret statistique (effectif masqué)", "#d9d9d9", "...", "secret statistique"),
    Classe("sans_objet", "sans objet (aucun bail sur la période)", "#ffffff", "", "aucun bail"),
)
"""Classes without a rate to read: always drawn with a mark (hatching and a label)."""

CLASSES = {c.code: c for c in (*CLASSES_CIBLE, *_classes_pression(), *CLASSES_SPECIALES)}
"""Every class by code (default pressure limits)."""

COULEUR_QPV = "#7b3294"
COULEUR_EPCI = "#252525"
COULEUR_CONTOUR_COMMUNE = "#636363"
COULEURS_RESIDENCE = {True: "#c51b7d", False: "#4d4d4d", None: "#969696"}
LIBELLES_RESIDENCE = {True: "résidence signalée (fragilité)", False: "résidence non signalée",
                      None: "fragilité non évaluée"}

TUILES_OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
ATTRIBUTION_OSM = "&copy; les contributeurs d'OpenStreetMap (ODbL)"
SOURCE_CONTOURS = "Contours des communes : IGN – ADMIN EXPRESS COG 2018 (Licence Ouverte Etalab)"
SOURCE_QPV = "Contours des QPV : ANCT"

NOTE_SANS_QPV = "Aucun fichier de contours des QPV n'est configuré : les QPV ne sont pas représentés."
NOTE_AUCUN_QPV = "Aucun QPV dans les communes du territoire (fichier des QPV consulté)."


@dataclass(frozen=True)
class Indicateur:
    """French wording of an indicator on the maps."""

    titre: str
    denominateur: str
    numerateur: str
    taux: str
    part: bool = True  # True: a share (shown in %); False: a ratio


INDICATEURS = {
    "q1_hors_qpv": Indicateur(
        "Part des baux signés hors QPV attribués à des ménages du 1er quartile",
        "Baux signés hors QPV", "dont ménages du 1er quartile ou relogés (ANRU/ORCOD)", "Part"),
    "hors_q1_en_qpv": Indicateur(
        "Part des baux signés en QPV attribués à des ménages au-dessus du 1er quartile",
        "Baux signés en QPV", "dont ménages au-dessus du 1er quartile", "Part"),
    "prioritaires": Indicateur(
        "Part des baux signés attribués à des ménages prioritaires (DALO ou labellisés)",
        "Baux signés", "dont ménages prioritaires", "Part"),
    "pression": Indicateur(
        "Pression de la demande : demandes actives par bail signé",
        "Baux signés", "Demandes actives", "Pression", part=False),
}


def _indicateur(code: str) -> Indicateur:
    return INDICATEURS.get(code, Indicateur(code, "Dénominateur", "Numérateur", "Taux"))


# ---------------------------------------------------------------------------------------
# French number formatting and masked values
# ---------------------------------------------------------------------------------------

SECRET = "secret statistique"


def _est_masque(valeur) -> bool:
    """True for a value masked by the diffusion rules (string ``"s"``)."""
    return isinstance(valeur, str) and valeur.strip().lower() in {"s", "secret", "secret statistique"}


def _nombre(valeur) -> float | None:
    """Float value of a cell, None when empty or masked."""
    if valeur is None or _est_masque(valeur):
        return None
    try:
        x = float(valeur)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def format_entier(valeur) -> str:
    """French integer (``1 234``); ``secret statistique`` when masked; ``–`` when empty.

    Examples
    --------
    >>> format_entier(40)
    '40'
    >>> format_entier("s")
    'secret statistique'
    """
    if _est_masque(valeur):
        return SECRET
    return presentation.format_entier(_nombre(valeur))


def format_pourcentage(valeur, decimales: int = 1) -> str:
    """French percentage of a share in [0, 1]: ``0.25`` → ``25,0 %`` (non-breaking space).

    Examples
    --------
    >>> format_pourcentage(0.25).replace("\\u00a0", " ")
    '25,0 %'
    >>> format_pourcentage("s")
    'secret statistique'
    """
    if _est_masque(valeur):
        return SECRET
    return presentation.format_taux(_nombre(valeur), decimales)


def format_decimal(valeur, decimales: int = 1) -> str:
    """French decimal number: ``6.8`` → ``6,8``.

    Examples
    --------
    >>> format_decimal(14.44)
    '14,4'
    """
    if _est_masque(valeur):
        return SECRET
    return presentation.format_nombre(_nombre(valeur), decimales)


def _format_taux(valeur, part: bool) -> str:
    return format_pourcentage(valeur) if part else format_decimal(valeur)


def _format_date(valeur) -> str | None:
    if valeur is None or _est_masque(valeur):
        return None
    try:
        if pd.isna(valeur):
            return None
        return pd.Timestamp(valeur).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------------------


def _lignes_communes(tableau: pd.DataFrame, indicateur: str) -> pd.DataFrame:
    lignes = tableau[tableau["indicateur"].astype("string") == indicateur]
    if "niveau" in lignes.columns:
        lignes = lignes[lignes["niveau"].astype("string") == "commune"]
    return lignes


def _avec_cible(lignes: pd.DataFrame, indicateur: str) -> bool:
    if indicateur == "pression" or "cible" not in lignes.columns:
        return False
    return any(_nombre(v) is not None for v in lignes["cible"])


def _classe_ligne(ligne: dict, avec_cible: bool, classes_seq: tuple[Classe, ...], bornes,
                  effectif_minimum: int | None) -> str:
    statut = ligne.get("statut")
    statut = str(statut).strip().lower() if statut is not None and not pd.isna(statut) else ""
    denominateur = _nombre(ligne.get("denominateur"))
    if statut == "sans objet" or denominateur == 0:
        return "sans_objet"
    if statut == "effectif insuffisant":
        return "effectif_insuffisant"
    if (effectif_minimum is not None and denominateur is not None and not statut
            and denominateur < effectif_minimum):
        return "effectif_insuffisant"
    taux = _nombre(ligne.get("taux"))
    if taux is None:
        masque = any(_est_masque(ligne.get(c)) for c in ("taux", "numerateur", "denominateur"))
        return "secret" if masque else "sans_objet"
    if not avec_cible:
        rang = int(np.searchsorted(np.asarray(bornes, dtype=float), taux, side="right"))
        return classes_seq[rang].code
    cible = _nombre(ligne.get("cible"))
    if cible is None:
        return "sans_objet"
    bas, haut = _nombre(ligne.get("ic_bas")), _nombre(ligne.get("ic_haut"))
    if bas is None or haut is None:  # no interval (masked): compare the rate itself
        bas = haut = taux
    if cible < bas:
        return "au_dessus"
    if cible > haut:
        return "en_dessous"
    return "autour"


def classes_indicateur(indicateur: str, avec_cible: bool = True, bornes=BORNES_PRESSION) -> tuple[Classe, ...]:
    """Ordered classes of the legend of ``indicateur`` (main classes, then special ones).

    Parameters
    ----------
    indicateur : str
        Indicator code (``pression`` has sequential classes, the others target classes).
    avec_cible : bool, default True
        False forces sequential classes (an indicator without a target).
    bornes : sequence of float
        Limits of the sequential classes.

    Returns
    -------
    tuple of Classe
    """
    principales = CLASSES_CIBLE if (avec_cible and indicateur != "pression") else _classes_pression(bornes)
    return (*principales, *CLASSES_SPECIALES)


def classer_communes(tableau_indicateurs: pd.DataFrame, indicateur: str, *, bornes_pression=BORNES_PRESSION,
                     effectif_minimum: int | None = None) -> pd.DataFrame:
    """Class of each commune for one indicator, with its colour and French label.

    Target indicators (``q1_hors_qpv``, ``hors_q1_en_qpv``, ``prioritaires``…): the target
    is compared with the 95 % Wilson interval ``[ic_bas, ic_haut]``: inside it (bounds
    included) = ``autour`` (around the target), target below the interval = ``au_dessus``,
    above = ``en_dessous``. ``pression`` (no target): sequential classes cut at
    ``bornes_pression``. Whatever the indicator: ``statut`` « sans objet » or no lease =
    ``sans_objet``; « effectif insuffisant » = ``effectif_insuffisant``; a rate masked by
    the diffusion rules (``"s"``) = ``secret``.

    Parameters
    ----------
    tableau_indicateurs : pandas.DataFrame
        Tidy table of :func:`cia_lib.indicateurs.tableau_indicateurs`; only rows of
        ``indicateur`` at ``niveau == "commune"`` are used (``cle`` = INSEE code).
        Numbers may be masked strings ``"s"``.
    indicateur : str
    bornes_pression : sequence of float, keyword-only
    effectif_minimum : int, optional, keyword-only
        Used only for rows without ``statut``: fewer leases than this = insufficient.

    Returns
    -------
    pandas.DataFrame
        One row per commune: ``cle`` (str), ``libelle``, ``classe``, ``libelle_classe``,
        ``couleur`` (hex), ``hachure`` (matplotlib hatch, ``""`` for none), ``marque``
        (short French mark for special classes), ``ordre`` (legend order), and the
        source columns ``numerateur, denominateur, taux, ic_bas, ic_haut, cible, statut,
        du, au`` as given (masked values kept).

    Examples
    --------
    >>> t = pd.DataFrame({"indicateur": ["q1_hors_qpv"], "niveau": ["commune"], "cle": ["99001"],
    ...                   "libelle": ["Ville-Centre"], "numerateur": [10], "denominateur": [40],
    ...                   "taux": [0.25], "ic_bas": [0.14], "ic_haut": [0.40], "cible": [0.25],
    ...                   "statut": ["atteint"]})
    >>> classer_communes(t, "q1_hors_qpv")[["cle", "classe", "couleur"]].to_dict("records")
    [{'cle': '99001', 'classe': 'autour', 'couleur': '#fee090'}]
    """
    lignes = _lignes_communes(tableau_indicateurs, indicateur)
    avec_cible = _avec_cible(lignes, indicateur)
    classes_seq = _classes_pression(bornes_pression)
    legende = {c.code: (i, c) for i, c in enumerate(classes_indicateur(indicateur, avec_cible, bornes_pression))}
    sources = ["numerateur", "denominateur", "taux", "ic_bas", "ic_haut", "cible", "statut", "du", "au"]
    sortie = []
    for ligne in lignes.to_dict("records"):
        code = _classe_ligne(ligne, avec_cible, classes_seq, bornes_pression, effectif_minimum)
        ordre, classe = legende[code]
        sortie.append({
            "cle": str(ligne["cle"]),
            "libelle": ligne.get("libelle"),
            "classe": code,
            "libelle_classe": classe.libelle,
            "couleur": classe.couleur,
            "hachure": classe.hachure,
            "marque": classe.marque,
            "ordre": ordre,
            **{c: ligne.get(c) for c in sources},
        })
    colonnes = ["cle", "libelle", "classe", "libelle_classe", "couleur", "hachure", "marque", "ordre", *sources]
    resultat = pd.DataFrame(sortie, columns=colonnes)
    resultat["cle"] = resultat["cle"].astype("string")
    return resultat


def indicateur_disponible(tableau_indicateurs: pd.DataFrame, indicateur: str) -> bool:
    """True when the table has rows of ``indicateur`` at the commune level (it can be mapped).

    Examples
    --------
    >>> indicateur_disponible(pd.DataFrame({"indicateur": ["pression"], "niveau": ["epci"], "cle": ["x"]}),
    ...                       "pression")
    False
    """
    return not _lignes_communes(tableau_indicateurs, indicateur).empty


def resume_classes(tableau_indicateurs: pd.DataFrame, indicateur: str) -> str:
    """One French sentence counting the communes of each class (for the text under a map).

    Examples
    --------
    >>> t = pd.DataFrame({"indicateur": ["q1_hors_qpv"] * 2, "niveau": ["commune"] * 2,
    ...                   "cle": ["1", "2"], "numerateur": [10, 1], "denominateur": [40, 3],
    ...                   "taux": [0.25, 0.33], "ic_bas": [0.14, 0.06], "ic_haut": [0.40, 0.79],
    ...                   "cible": [0.25, 0.25], "statut": ["atteint", "effectif insuffisant"]})
    >>> resume_classes(t, "q1_hors_qpv")
    'Sur 2 communes : 1 autour de la cible, 1 avec un effectif insuffisant.'
    """
    classes = classer_communes(tableau_indicateurs, indicateur)
    if classes.empty:
        return "Cet indicateur n'est pas calculé par commune."
    formules = {
        "en_dessous": "en dessous de la cible", "autour": "autour de la cible", "au_dessus": "au-dessus de la cible",
        "effectif_insuffisant": "avec un effectif insuffisant", "secret": "sous secret statistique",
        "sans_objet": "sans bail sur la période",
    }
    comptes = classes.sort_values("ordre").groupby(["ordre", "classe", "libelle_classe"], sort=True).size()
    morceaux = []
    for (_, code, libelle), n in comptes.items():
        texte = formules.get(code, f"avec une pression {libelle}")
        morceaux.append(f"{n} {texte}")
    return f"Sur {len(classes)} communes : {', '.join(morceaux)}."


def _classes_par_commune(communes: gpd.GeoDataFrame, tableau: pd.DataFrame, indicateur: str,
                         territoire: Territoire) -> gpd.GeoDataFrame:
    """Communes (geometry) joined with their class; a commune absent from the table = no lease."""
    classes = classer_communes(tableau, indicateur, effectif_minimum=territoire.effectif_minimum)
    jointes = communes.merge(classes.drop(columns=["libelle"]), left_on="code", right_on="cle", how="left")
    sans = jointes["classe"].isna()
    so = CLASSES["sans_objet"]
    jointes.loc[sans, ["classe", "libelle_classe", "couleur", "hachure", "marque"]] = [
        so.code, so.libelle, so.couleur, so.hachure, so.marque]
    jointes["ordre"] = jointes["ordre"].fillna(99)
    jointes["cle"] = jointes["code"]
    return jointes


# ---------------------------------------------------------------------------------------
# Tooltip / popup texts
# ---------------------------------------------------------------------------------------


def _periode(tableau: pd.DataFrame) -> str | None:
    if tableau is None or not {"du", "au"} <= set(tableau.columns) or tableau.empty:
        return None
    du = next((d for d in map(_format_date, tableau["du"]) if d), None)
    au = next((d for d in map(_format_date, tableau["au"]) if d), None)
    return f"du {du} au {au}" if du and au else None


def texte_commune(ligne: dict, indicateur: str, periode: bool = False) -> str:
    """HTML text of a commune's tooltip: name, counts, rate, interval, target, class.

    Parameters
    ----------
    ligne : dict
        A row of :func:`classer_communes` joined with the commune (``code``, ``nom``).
    indicateur : str
    periode : bool, default False
        Add the period (popups).

    Returns
    -------
    str
        HTML (names escaped); figures in French format, masked ones as « secret statistique ».
    """
    ind = _indicateur(indicateur)
    e = html.escape
    lignes = [f"<b>{e(str(ligne['nom']))}</b> ({e(str(ligne['code']))})"]
    if ind.part:
        lignes.append(f"{e(ind.denominateur)} : {format_entier(ligne.get('denominateur'))}")
        lignes.append(f"{e(ind.numerateur)} : {format_entier(ligne.get('numerateur'))}")
    else:
        lignes.append(f"{e(ind.numerateur)} : {format_entier(ligne.get('numerateur'))}")
        lignes.append(f"{e(ind.denominateur)} : {format_entier(ligne.get('denominateur'))}")
    if ligne["classe"] != "sans_objet":
        taux = f"{ind.taux} : {_format_taux(ligne.get('taux'), ind.part)}"
        if not ind.part and _nombre(ligne.get("taux")) is not None:
            taux += " demandes par bail"
        bas, haut = ligne.get("ic_bas"), ligne.get("ic_haut")
        if ind.part and _nombre(bas) is not None and _nombre(haut) is not None:
            taux += f" (IC à 95 % : {format_pourcentage(bas)} à {format_pourcentage(haut)})"
        lignes.append(e(taux).replace("&#x27;", "'"))
    cible = _nombre(ligne.get("cible"))
    if cible is not None and ind.part:
        lignes.append(f"Cible : {format_pourcentage(cible)}")
    lignes.append(f"<i>{e(str(ligne['libelle_classe']))}</i>")
    if periode:
        du, au = _format_date(ligne.get("du")), _format_date(ligne.get("au"))
        if du and au:
            lignes.append(f"Période : du {du} au {au}")
    return "<br>".join(lignes)


def _texte_qpv(qpv: dict, communes_noms: dict, tableau: pd.DataFrame | None) -> str:
    """HTML tooltip of a QPV: code, name, commune and the in-QPV indicator when known."""
    e = html.escape
    lignes = [f"<b>QPV {e(str(qpv['code_qp']))}</b>", e(str(qpv["lib_qp"])),
              f"Commune : {e(communes_noms.get(str(qpv['insee_com']), str(qpv['insee_com'])))}"]
    ind = INDICATEURS["hors_q1_en_qpv"]
    ligne, portee = None, ""
    if tableau is not None and not tableau.empty:
        t = tableau[tableau["indicateur"].astype("string") == "hors_q1_en_qpv"]
        niveau = t["niveau"].astype("string") if "niveau" in t.columns else pd.Series("", index=t.index)
        cle = t["cle"].astype("string")
        du_qpv = t[(niveau == "qpv") & (cle == str(qpv["code_qp"]))]
        de_commune = t[(niveau == "commune") & (cle == str(qpv["insee_com"]))]
        if not du_qpv.empty:
            ligne = du_qpv.iloc[0].to_dict()
        elif not de_commune.empty:
            ligne, portee = de_commune.iloc[0].to_dict(), " (tous les QPV de la commune)"
    if ligne is None or _nombre(ligne.get("denominateur")) == 0:
        lignes.append("Aucun bail signé en QPV sur la période")
        return "<br>".join(lignes)
    lignes.append(f"{ind.denominateur}{portee} : {format_entier(ligne.get('denominateur'))}")
    lignes.append(f"{ind.numerateur} : {format_entier(ligne.get('numerateur'))}")
    lignes.append(f"Part : {format_pourcentage(ligne.get('taux'))}")
    if _nombre(ligne.get("cible")) is not None:
        classe = classer_communes(pd.DataFrame([{**ligne, "niveau": "commune", "indicateur": "hors_q1_en_qpv"}]),
                                  "hors_q1_en_qpv")
        lignes.append(f"Cible : {format_pourcentage(ligne.get('cible'))} — "
                      f"<i>{e(classe['libelle_classe'].iloc[0])}</i>")
    return "<br>".join(lignes)


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


# ---------------------------------------------------------------------------------------
# Offline folium map
# ---------------------------------------------------------------------------------------


@functools.cache
def ressources_leaflet() -> tuple[str, str]:
    """Leaflet 1.9.4 JavaScript and CSS (images inlined as data URIs), from django-js-lib-leaflet.

    Returns
    -------
    tuple of str
        ``(javascript, css)``.
    """
    base = importlib.resources.files("js_lib_leaflet") / "static" / "js_lib_leaflet"
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js).replace("</script", "<\\/script")
    css = (base / "leaflet.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)  # comments only hold links to browser bugs

    def en_ligne(m: re.Match) -> str:
        donnees = (base / m.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(donnees).decode()})"

    css = re.sub(r"url\((images/[^)]+\.png)\)", en_ligne, css)
    return js, css


CSS_CARTE = """
.leaflet-container { background: #ffffff; font-family: "DejaVu Sans", Arial, sans-serif; }
.cia-legende { background: rgba(255,255,255,0.94); padding: 8px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); font-size: 12px; line-height: 1.35; max-width: 310px; }
.cia-legende h4 { margin: 0 0 4px 0; font-size: 13px; }
.cia-legende .cia-ligne { display: flex; align-items: center; margin: 2px 0; }
.cia-legende .cia-case { width: 16px; height: 12px; border: 1px solid #636363; margin-right: 6px; flex: none; }
.cia-legende .cia-rond { border-radius: 50%; border: 1px solid #ffffff; margin-right: 6px; flex: none; }
.cia-legende .cia-trait { width: 16px; height: 0; margin-right: 6px; flex: none; }
.cia-legende .cia-note { margin-top: 5px; font-style: italic; color: #444; }
.cia-legende .cia-source { margin-top: 5px; color: #555; font-size: 10.5px; }
.cia-etiquette { font-size: 11px; font-weight: bold; color: #222; text-align: center; white-space: nowrap;
  pointer-events: none; text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 3px #fff; }
.cia-etiquette .cia-marque { font-weight: normal; font-style: italic; font-size: 10px; }
.cia-infobulle table { border-collapse: collapse; } .cia-infobulle td { padding: 0; }
"""


def _motif(classe: Classe) -> str:
    """SVG pattern (hatching) of a special class, referenced as ``url(#cia-motif-<code>)``."""
    fond = f'<rect width="8" height="8" fill="{classe.couleur}"/>'
    if classe.hachure == "///":
        trait = '<line x1="0" y1="0" x2="0" y2="8" stroke="#636363" stroke-width="2"/>'
        return (f'<pattern id="cia-motif-{classe.code}" patternUnits="userSpaceOnUse" width="8" height="8" '
                f'patternTransform="rotate(45)">{fond}{trait}</pattern>')
    if classe.hachure == "...":
        point = '<circle cx="4" cy="4" r="1.3" fill="#636363"/>'
        return (f'<pattern id="cia-motif-{classe.code}" patternUnits="userSpaceOnUse" width="8" height="8">'
                f"{fond}{point}</pattern>")
    return ""


def _remplissage(classe: Classe) -> str:
    """Leaflet fill of a class: plain colour, or the SVG hatching pattern."""
    return f"url(#cia-motif-{classe.code})" if classe.hachure else classe.couleur


def _case_css(classe: Classe) -> str:
    """CSS background of a legend swatch (hatching drawn with gradients)."""
    if classe.hachure == "///":
        return (f"background: repeating-linear-gradient(45deg, #636363 0 1.5px, {classe.couleur} 1.5px 5px);")
    if classe.hachure == "...":
        return (f"background: radial-gradient(circle, #636363 1px, transparent 1.3px) 0 0/5px 5px, {classe.couleur};")
    return f"background: {classe.couleur};"


class _Script(MacroElement):
    """Raw JavaScript added to the map script (after the map is created)."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str):
        super().__init__()
        self._name = "ScriptCIA"
        self.code = code


class CarteHorsLigne(folium.Map):
    """A :class:`folium.Map` whose page loads nothing from the network.

    Leaflet's JavaScript and CSS are written inside the page; folium's CDN entries are
    removed. In Jupyter the map is an ``<iframe srcdoc>`` of :func:`html_autonome`.
    """

    default_js: list = []
    default_css: list = []
    hauteur_iframe = "600px"

    def render(self, **kwargs):
        _inliner(self.get_root())
        super().render(**kwargs)

    def _repr_html_(self, **kwargs) -> str:
        page = html.escape(html_autonome(self))
        titre = html.escape(getattr(self, "titre_cia", "Carte"))
        return (f'<iframe srcdoc="{page}" title="{titre}" style="width:100%;height:{self.hauteur_iframe};'
                'border:1px solid #ddd;" allowfullscreen></iframe>')


def _inliner(figure: Figure) -> None:
    js, css = ressources_leaflet()
    figure.header.add_child(Element(f"<style>{css}</style>"), name="leaflet_css_en_ligne")
    figure.header.add_child(Element(f"<style>{CSS_CARTE}</style>"), name="cia_css")
    figure.header.add_child(Element(f"<script>{js}</script>"), name="leaflet_js_en_ligne")
    motifs = "".join(_motif(c) for c in CLASSES_SPECIALES)
    figure.html.add_child(
        Element(f'<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>{motifs}</defs></svg>'),
        name="cia_motifs")


_LIEN_DISTANT = re.compile(
    r"""<script[^>]*\ssrc=["']?(?:https?:)?//[^>]*>\s*</script>|<link[^>]*\shref=["']?(?:https?:)?//[^>]*>""",
    re.IGNORECASE)


def html_autonome(carte: folium.Map) -> str:
    """Full HTML page of a map that works offline (Leaflet inlined, no CDN).

    Parameters
    ----------
    carte : folium.Map
        Preferably built by this module (:class:`CarteHorsLigne`); for any other folium
        map, Leaflet is inlined and remote ``<script src>`` / ``<link href>`` are removed
        (plugins needing them will then not work).

    Returns
    -------
    str
        The page; its only ``http(s)`` addresses are tile templates and credit links.
    """
    racine = carte.get_root()
    if not isinstance(racine, Figure):
        racine = Figure()
        racine.add_child(carte)
    if not isinstance(carte, CarteHorsLigne):
        carte.default_js, carte.default_css = [], []
        _inliner(racine)
    page = racine.render()
    return ids_deterministes(_LIEN_DISTANT.sub("", page))


_ID_ELEMENT = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])")


def ids_deterministes(page: str) -> str:
    """Replace folium's random element ids (``map_<32 hex>``) by ids numbered in order of
    first appearance, so that the same map always gives the same page (reproducible reports).

    Examples
    --------
    >>> ids_deterministes("map_" + "ab" * 16 + " geo_json_" + "cd" * 16 + " map_" + "ab" * 16)
    'map_00000000000000000000000000000001 geo_json_00000000000000000000000000000002 map_00000000000000000000000000000001'
    """
    numeros: dict[str, str] = {}

    def remplacer(m: re.Match) -> str:
        return numeros.setdefault(m.group(0), f"{len(numeros) + 1:032x}")

    return _ID_ELEMENT.sub(remplacer, page)


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


def _js_texte(texte: str) -> str:
    """JavaScript string literal, readable (UTF-8) and safe inside ``<script>``."""
    return json.dumps(texte, ensure_ascii=False).replace("</", "<\\/")


def _ajouter_legende(carte, contenu: str) -> None:
    nom = carte.get_name()
    _Script(
        "(function(){var l = L.control({position: 'bottomright'});"
        "l.onAdd = function(){var d = L.DomUtil.create('div', 'cia-legende');"
        f"d.innerHTML = {_js_texte(contenu)};"
        "L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d); return d;};"
        f"l.addTo({nom});}})();"
    ).add_to(carte)


def _classes_legende(jointes: gpd.GeoDataFrame, indicateur: str, avec_cible: bool) -> list[Classe]:
    presentes = set(jointes["classe"])
    classes = classes_indicateur(indicateur, avec_cible)
    return [c for c in classes if c not in CLASSES_SPECIALES or c.code in presentes]


def carte_communes(communes: gpd.GeoDataFrame, tableau_indicateurs: pd.DataFrame, indicateur: str,
                   territoire: Territoire, qpv: gpd.GeoDataFrame | None = None,
                   residences: pd.DataFrame | None = None, titre: str | None = None, *,
                   fond_de_carte: bool = False, donnees_fictives: bool = False) -> CarteHorsLigne:
    """Interactive choropleth of one indicator by commune (offline folium map).

    Parameters
    ----------
    communes : geopandas.GeoDataFrame
        From :func:`cia_lib.geographie.charger_communes` (simplified or not).
    tableau_indicateurs : pandas.DataFrame
        Tidy indicator table (rows ``niveau == "commune"`` of ``indicateur`` are mapped;
        ``hors_q1_en_qpv`` rows feed the QPV tooltips).
    indicateur : str
        ``q1_hors_qpv``, ``prioritaires``, ``hors_q1_en_qpv`` (target classes) or
        ``pression`` (sequential classes).
    territoire : Territoire
    qpv : geopandas.GeoDataFrame, optional
        From :func:`cia_lib.geographie.charger_qpv`; None = no QPV file (said on the map).
    residences : pandas.DataFrame, optional
        Residences to draw as points (``latitude``, ``longitude``, ``nb_logements``…).
    titre : str, optional
        Default: the French title of the indicator.
    fond_de_carte : bool, keyword-only, default False
        Show the OpenStreetMap tiles on opening (needs the network; off = readable offline).
    donnees_fictives : bool, keyword-only, default False
        Say on the legend that the data are fictitious.

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
    folium.LayerControl(collapsed=False, position="topright").add_to(carte)
    _ajouter_legende(carte, _legende_html(
        titre, _periode(_lignes_communes(tableau_indicateurs, indicateur)), _classes_legende(jointes, indicateur, avec_cible),
        qpv is not None and not qpv.empty, residences, notes, donnees_fictives))
    return carte


def carte_commentee(communes: gpd.GeoDataFrame, tableau_indicateurs: pd.DataFrame, indicateur: str,
                    territoire: Territoire, phrase: str, qpv: gpd.GeoDataFrame | None = None,
                    donnees_fictives: bool = False) -> tuple[str, folium.Map | None]:
    """A map section of a report: its French commentary and the map (None when not computable).

    Parameters
    ----------
    phrase : str
        What the map shows (one French sentence); the class counts are appended to it, or
        the reason why the indicator cannot be mapped.
    Other parameters
        As :func:`carte_communes`.

    Returns
    -------
    tuple of (str, folium.Map or None)
    """
    if not indicateur_disponible(tableau_indicateurs, indicateur):
        return f"*{phrase} Cet indicateur n'est pas calculé par commune pour cette période.*", None
    carte = carte_communes(communes, tableau_indicateurs, indicateur, territoire, qpv=qpv,
                           donnees_fictives=donnees_fictives)
    return f"{phrase} {resume_classes(tableau_indicateurs, indicateur)}", carte


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
    folium.LayerControl(collapsed=False, position="topright").add_to(carte)
    _ajouter_legende(carte, _legende_html(titre, None, [], qpv is not None and not qpv.empty, residences, notes,
                                          donnees_fictives))
    return carte


# ---------------------------------------------------------------------------------------
# Static (print) map
# ---------------------------------------------------------------------------------------


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
