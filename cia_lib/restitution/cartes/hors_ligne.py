"""Offline folium pages: Leaflet inlined, no CDN, SVG hatchings, deterministic element ids.

Leaflet 1.9.4 is inlined from the PyPI package ``django-js-lib-leaflet``; folium's CDN
links (Leaflet, jQuery, Bootstrap, Font Awesome) are dropped. :func:`html_autonome`
returns the page of a map; in Jupyter a :class:`CarteHorsLigne` renders as an
``<iframe srcdoc>`` of that same page.
"""

from __future__ import annotations

import base64
import functools
import html
import importlib.resources
import json
import re

import folium
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from .styles import CLASSES_SPECIALES, Classe


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
.cia-bouton-legende { display: none; }
@media (max-width: 600px) {
  .cia-legende { max-width: 72vw; max-height: 55vh; overflow-y: auto; font-size: 11px; padding: 6px 8px; }
  .cia-bouton-legende { display: block; margin: 0 0 0 auto; padding: 5px 10px; font: bold 12px sans-serif;
    color: #1f3b73; background: #fff; border: 1px solid #1f3b73; border-radius: 4px; cursor: pointer; }
  .cia-legende.ouverte .cia-bouton-legende { margin-bottom: 4px; }
  .cia-legende:not(.ouverte) { padding: 0; background: transparent; box-shadow: none; }
  .cia-legende:not(.ouverte) .cia-contenu-legende { display: none; }
  .cia-etiquette { font-size: 9px; }
  .leaflet-control-attribution { font-size: 9px; line-height: 1.2; max-width: 60vw; }
}
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
    png_impression: bytes | None = None
    """Printed in place of the interactive map (the iframe is not printed): a static PNG
    of the same map, or, without one, a sentence saying the map is on the HTML page."""

    def render(self, **kwargs):
        _inliner(self.get_root())
        super().render(**kwargs)

    def _repr_html_(self, **kwargs) -> str:
        page = html.escape(html_autonome(self))
        titre = html.escape(getattr(self, "titre_cia", "Carte"))
        if self.png_impression:
            imprimee = (f'<img class="cia-impression-seule cia-carte-imprimee" alt="{titre} (version imprimable)" '
                        f'src="data:image/png;base64,{base64.b64encode(self.png_impression).decode("ascii")}">')
        else:
            imprimee = (f'<p class="cia-impression-seule">{titre} : carte interactive, consultable dans la page '
                        "HTML du rapport (non imprimée).</p>")
        return (f'<div class="cia-carte"><iframe class="cia-ecran-seul" srcdoc="{page}" title="{titre}" '
                f'style="width:100%;height:{self.hauteur_iframe};border:1px solid #ddd;" allowfullscreen></iframe>'
                f"{imprimee}</div>")


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


def _js_texte(texte: str) -> str:
    """JavaScript string literal, readable (UTF-8) and safe inside ``<script>``."""
    return json.dumps(texte, ensure_ascii=False).replace("</", "<\\/")
