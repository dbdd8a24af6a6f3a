"""HTML export of executed notebooks: code hidden, self-contained, deterministic.

The page must open with no network: images are embedded by Jupyter (PNG in ``data:`` URIs),
the export template loads no script from a CDN (require.js, MathJax and mermaid are removed)
and :func:`ressources_externes` lists whatever would still be fetched from the internet
(maps excepted: their tile servers are the only network resources allowed).
"""

from __future__ import annotations

import base64
import binascii
import copy
import html
import re
from html.parser import HTMLParser

CSS_LECTURE = """
/* Téléphone et écran étroit */
.jp-Notebook img, .jp-OutputArea-output img { max-width: 100%; height: auto; }
.cia-defilement { overflow-x: auto; max-width: 100%; -webkit-overflow-scrolling: touch;
  background: linear-gradient(to right, #fff 30%, rgba(255,255,255,0)),
              linear-gradient(to left, #fff 30%, rgba(255,255,255,0)) 100% 0,
              radial-gradient(farthest-side at 0 50%, rgba(0,0,0,.28), rgba(0,0,0,0)),
              radial-gradient(farthest-side at 100% 50%, rgba(0,0,0,.28), rgba(0,0,0,0)) 100% 0;
  background-repeat: no-repeat; background-size: 40px 100%, 40px 100%, 14px 100%, 14px 100%;
  background-attachment: local, local, scroll, scroll; }
.cia-indice-defilement { display: none; font-size: 0.85em; color: #1f3b73; margin: -8px 0 10px 0; }
.cia-defilement.cia-deborde + .cia-indice-defilement { display: block; }
.cia-impression-seule { display: none; }
.cia-cote-a-cote { display: flex; flex-wrap: wrap; gap: 0 24px; align-items: flex-start; }
@media (max-width: 600px) {
  body { font-size: 15px; }
  .jp-Cell { padding: 2px 4px; }
  .jp-RenderedHTMLCommon h1 { font-size: 1.5em; }
  .jp-RenderedHTMLCommon h2 { font-size: 1.25em; }
  table.cia-tableau { font-size: 0.85em; }
}
/* Impression (et PDF) */
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { background: #fff; }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; break-inside: avoid; }
  .jp-MarkdownCell:has(h1, h2, h3, h4) { break-after: avoid; page-break-after: avoid; }
  /* JupyterLab keeps each output whole (avoid-page): a long table would leave a blank page */
  .jp-OutputArea-child { break-inside: auto !important; }
  /* the annex is not printed: its heading neither (the note saying where it is stays) */
  .jp-MarkdownCell:has(+ .jp-Cell details.cia-annexe) { display: none !important; }
  tr, img, .cia-bandeau, .cia-carte, p { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  iframe, .cia-ecran-seul, details.cia-annexe, .cia-indice-defilement { display: none !important; }
  .cia-impression-seule { display: block !important; }
  img.cia-carte-imprimee { max-width: 100%; max-height: 230mm; margin: 0 auto; }
  .cia-defilement { overflow: visible; background: none; }
  table.cia-tableau { font-size: 8.5pt; }
  .cia-fiche { break-before: page; page-break-before: always; }
  .cia-fiche h2 { margin-top: 0; }
  .cia-fiche h3 { margin: 8px 0 2px 0; font-size: 11pt; }
  .cia-fiche p, .cia-fiche table.cia-tableau { margin-top: 2px; margin-bottom: 4px; }
  .cia-fiche .cia-cote-a-cote { flex-wrap: nowrap; }
  .cia-fiche .cia-cote-a-cote > div { min-width: 0; }
  .cia-fiche p.cia-note { font-size: 7.5pt; }
  a { color: inherit; text-decoration: none; }
}
"""
"""Reading styles added to every report page: phone width (images fit, wide tables scroll
with a visible cue) and print (headings kept with their content, rows and images never
split, interactive maps replaced by their static version, annex left to the workbook)."""

JS_LECTURE = """
(function(){function marquer(){document.querySelectorAll('.cia-defilement').forEach(function(d){
  d.classList.toggle('cia-deborde', d.scrollWidth > d.clientWidth + 1);});}
window.addEventListener('load', marquer); window.addEventListener('resize', marquer);})();
"""
"""Marks the tables wider than the page, so that their « faites-le glisser » cue shows."""

GABARIT = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block extra_css -%}<style>""" + CSS_LECTURE + """</style>{%- endblock extra_css -%}
{%- block footer_js -%}<script>""" + JS_LECTURE + """</script>{%- endblock footer_js -%}
"""
"""Export template: JupyterLab's, without any CDN script (nor widget loader), with the
reading styles."""

NOM_GABARIT = "cia_rapport.html.j2"

_exportateur = None


def exportateur():
    """The (cached) nbconvert HTML exporter: no input, no prompts, no CDN, French page."""
    global _exportateur
    if _exportateur is None:
        from jinja2 import DictLoader
        from nbconvert import HTMLExporter

        _exportateur = HTMLExporter(
            template_name="lab",
            template_file=NOM_GABARIT,
            extra_loaders=[DictLoader({NOM_GABARIT: GABARIT})],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            exclude_anchor_links=True,
            mathjax_url="",
            require_js_url="",
            mermaid_js_url="",
            embed_images=True,
            language_code="fr",
        )
    return _exportateur


def preparer_pour_diffusion(nb):
    """Copy of an executed notebook without what a reader must not see.

    Removes stderr streams (warnings), code cells without outputs and papermill's
    parameter cells' sources. Pure: ``nb`` is not modified.
    """
    nb = copy.deepcopy(nb)
    for cellule in nb.cells:
        if cellule.get("cell_type") != "code":
            continue
        cellule["outputs"] = [
            sortie for sortie in cellule.get("outputs", [])
            if not (sortie.get("output_type") == "stream" and sortie.get("name") == "stderr")
        ]
        cellule["source"] = ""
        cellule["metadata"] = {k: v for k, v in cellule.get("metadata", {}).items() if k == "tags"}
    nb.cells = [c for c in nb.cells if c.get("cell_type") != "code" or c.get("outputs")]
    return nb


def exporter_html(nb, titre: str) -> str:
    """HTML page of an executed notebook.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        Executed notebook.
    titre : str
        Page title (French).

    Returns
    -------
    str
        Complete HTML document (``lang="fr"``), with no code and no CDN script.
    """
    nb = preparer_pour_diffusion(nb)
    nb.metadata["title"] = titre
    corps, _ = exportateur().from_notebook_node(
        nb, resources={"metadata": {"name": titre}}
    )
    return corps


# --- external resources ----------------------------------------------------------------

_URL = r"(?:https?:)?//[^\s\"'<>)]+"
_MOTIF_CSS = re.compile(r"@import\s+(?:url\()?\s*[\"']?(" + _URL + ")|url\\(\\s*[\"']?(" + _URL + ")", re.I)
_MOTIF_JS = re.compile(
    r"(?:import\s*\(|importScripts\s*\(|\.src\s*=|tileLayer\s*\(|fetch\s*\()\s*[\"'`](" + _URL + ")", re.I
)
_BALISES_LIENS_NAVIGATION = {"a", "area"}


def _externe(url: str) -> bool:
    url = url.strip().lower()
    return url.startswith(("http://", "https://", "//"))


class _Collecteur(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._pile: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._pile.append(tag)
        for nom, valeur in attrs:
            if valeur is None:
                continue
            if nom in ("src", "data-src", "poster", "background") and _externe(valeur):
                self.urls.append(valeur.strip())
            elif nom == "href" and tag not in _BALISES_LIENS_NAVIGATION and _externe(valeur):
                self.urls.append(valeur.strip())
            elif nom == "srcset":
                self.urls.extend(p.split()[0] for p in valeur.split(",") if p.strip() and _externe(p.split()[0]))
            elif nom == "srcdoc":
                self.urls.extend(ressources_externes(valeur))
            elif nom == "data-html":
                self.urls.extend(ressources_externes(_decoder_base64(valeur)))
            elif nom == "style":
                self.urls.extend(_urls_css(valeur))

    def handle_endtag(self, tag):
        if self._pile and self._pile[-1] == tag:
            self._pile.pop()

    def handle_data(self, data):
        balise = self._pile[-1] if self._pile else ""
        if balise == "style":
            self.urls.extend(_urls_css(data))
        elif balise == "script":
            self.urls.extend(m.group(1) for m in _MOTIF_JS.finditer(data))
            # pages written by a script (document.write) are scanned too
            if "<" in data and ("src=" in data or "href=" in data):
                for m in re.finditer(r"<(?:script|link|img|iframe)\b[^>]*>", data, re.I):
                    self.urls.extend(ressources_externes(m.group(0).replace('\\"', '"')))


def _urls_css(texte: str) -> list[str]:
    return [a or b for a, b in _MOTIF_CSS.findall(texte)]


def _decoder_base64(valeur: str) -> str:
    try:
        return base64.b64decode(valeur).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return ""


def ressources_externes(html_texte: str) -> list[str]:
    """Every network URL a page would fetch (src, href of link/script, CSS @import/url(), loaders).

    Pages nested in ``<iframe srcdoc>`` or folium's ``data-html`` (base64) are scanned too.
    Navigation links (``<a href>``) are not resources and are not listed; ``data:`` URIs
    are embedded, not fetched.

    Parameters
    ----------
    html_texte : str

    Returns
    -------
    list of str
        URLs in order of appearance, without duplicates.

    Examples
    --------
    >>> ressources_externes('<script src="https://cdn.x/require.js"></script><img src="data:image/png;base64,AA">')
    ['https://cdn.x/require.js']
    >>> ressources_externes('<a href="https://www.legifrance.gouv.fr">CCH</a>')
    []
    """
    collecteur = _Collecteur()
    collecteur.feed(html_texte)
    collecteur.close()
    vus: dict[str, None] = {}
    for url in collecteur.urls:
        vus.setdefault(html.unescape(url), None)
    return list(vus)


_MOTIF_TUILE = re.compile(r"\{[sxyz]\}|/tiles?/|tile\.|tiles\.|basemaps\.cartocdn\.com|server\.arcgisonline\.com", re.I)


def est_url_tuile(url: str) -> bool:
    """True for a map tile-server URL (the only network resource a report may use).

    Examples
    --------
    >>> est_url_tuile("https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    True
    >>> est_url_tuile("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")
    False
    """
    return bool(_MOTIF_TUILE.search(url))


def ressources_non_autorisees(html_texte: str) -> list[str]:
    """External resources other than map tiles (should always be empty)."""
    return [u for u in ressources_externes(html_texte) if not est_url_tuile(u)]
