"""PDF of the report pages, printed by a headless Chromium (the print stylesheet applies).

Chromium is the Debian package (``make navigateur``), driven by playwright (installed by
``make installer``); no browser is downloaded and the network is cut while printing: a
page prints as it reads offline, static maps in place of the interactive ones.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from cia_lib.erreurs import ErreurCIA, ErreurFichier

ARGUMENTS_CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"]

class ErreurImpression(ErreurCIA):
    """The PDF cannot be printed (Chromium or playwright missing). Exit code 1."""

    code_sortie = 1


PIED_DE_PAGE = ('<div style="font-size:8px;width:100%;text-align:center;color:#555;font-family:sans-serif">'
                '<span class="title"></span> — page <span class="pageNumber"></span> sur '
                '<span class="totalPages"></span></div>')
"""Footer of every printed page (French): title and « page n sur N »."""


def chemin_chromium() -> str | None:
    """The Chromium binary: ``$CIA_CHROMIUM``, else Debian's ``/usr/bin/chromium``, else on the PATH."""
    for candidat in (os.environ.get("CIA_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                     shutil.which("chromium-browser")):
        if candidat and Path(candidat).exists():
            return candidat
    return None


def _exiger_outils() -> str:
    chemin = chemin_chromium()
    if chemin is None:
        raise ErreurImpression("impression PDF impossible : Chromium est introuvable. Installez-le avec "
                              "« make navigateur » (paquet Debian « chromium ») ou indiquez son chemin dans "
                              "la variable CIA_CHROMIUM.")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise ErreurImpression("impression PDF impossible : le module Python « playwright » manque. Lancez "
                              "« make installer » (il installe les outils de développement, dont playwright).") from None
    return chemin


def pages_a_imprimer(cible: Path) -> list[Path]:
    """The HTML pages of a report folder (or the page itself), in name order.

    Raises
    ------
    ErreurFichier
        Nothing to print at ``cible``.
    """
    cible = Path(cible)
    if cible.is_file() and cible.suffix.lower() == ".html":
        return [cible]
    if cible.is_dir():
        pages = sorted(p for p in cible.glob("*.html") if p.name != "index.html")
        if pages:
            return pages
        raise ErreurFichier(cible, "aucune page HTML de rapport dans ce dossier.")
    raise ErreurFichier(cible, "ni une page HTML ni un dossier de rapport.")


def imprimer_pdf(pages: list[Path], dossier_sortie: Path | None = None, navigateur=None) -> list[Path]:
    """Print each HTML page to a PDF (A4, print stylesheet, footer with page numbers).

    Parameters
    ----------
    pages : list of pathlib.Path
        HTML pages (see :func:`pages_a_imprimer`).
    dossier_sortie : pathlib.Path, optional
        Where to write the PDFs (default: beside each page, same name, ``.pdf``).
    navigateur : playwright Browser, optional
        An already launched Chromium (tests); by default one is launched and closed.

    Returns
    -------
    list of pathlib.Path
        The PDFs written.

    Raises
    ------
    ErreurImpression
        Chromium or playwright missing (French message saying how to install them).
    """
    if navigateur is not None:
        return [_imprimer(navigateur, page_html, dossier_sortie) for page_html in pages]
    chromium = _exiger_outils()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        lance = p.chromium.launch(executable_path=chromium, args=ARGUMENTS_CHROMIUM)
        try:
            return [_imprimer(lance, page_html, dossier_sortie) for page_html in pages]
        finally:
            lance.close()


def _imprimer(navigateur, page_html: Path, dossier_sortie: Path | None) -> Path:
    sortie = Path(dossier_sortie or page_html.parent) / f"{page_html.stem}.pdf"
    sortie.parent.mkdir(parents=True, exist_ok=True)
    onglet = navigateur.new_page(viewport={"width": 1200, "height": 900})
    try:
        onglet.route("**/*", lambda route: route.continue_()
                     if route.request.url.startswith(("file:", "data:", "about:", "blob:")) else route.abort())
        onglet.goto(Path(page_html).resolve().as_uri(), wait_until="load")
        onglet.pdf(path=str(sortie), format="A4", print_background=True, prefer_css_page_size=True,
                   display_header_footer=True, header_template="<div></div>", footer_template=PIED_DE_PAGE,
                   margin={"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"})
    finally:
        onglet.close()
    return sortie
