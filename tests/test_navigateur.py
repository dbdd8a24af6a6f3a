"""The bilan opened in a real headless Chromium with the network cut: it must render fully."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from test_rapports import rapports_produits  # noqa: F401  (shared session fixture)

CHROMIUM = os.environ.get("CIA_CHROMIUM", "/usr/bin/chromium")
ARTEFACTS = Path(__file__).parent / "artefacts"
ARGUMENTS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run"]


def _navigateur_disponible() -> None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    message = f"Chromium introuvable ({CHROMIUM}) : test de rendu non exécuté (installez-le avec « make navigateur »)."
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.mark.lent
@pytest.mark.navigateur
def test_bilan_rendu_hors_ligne(rapports_produits):  # noqa: F811
    _navigateur_disponible()
    from playwright.sync_api import sync_playwright

    page_html = rapports_produits["sortie"] / "bilan-2025" / "bilan_annuel.html"
    erreurs, bloquees = [], []
    with sync_playwright() as p:
        navigateur = p.chromium.launch(executable_path=CHROMIUM, args=ARGUMENTS)
        try:
            page = navigateur.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: erreurs.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: erreurs.append(str(e)))

            def router(route):
                url = route.request.url
                if url.startswith(("file:", "data:", "about:", "blob:")):
                    route.continue_()
                else:
                    bloquees.append(url)
                    route.abort()

            page.context.route("**/*", router)
            page.goto(page_html.as_uri(), wait_until="load")
            page.wait_for_timeout(500)
            assert "DONNÉES FICTIVES" in page.locator(".cia-fictif").first.inner_text()
            images = page.locator("img")
            assert images.count() >= 4
            for i in range(images.count()):
                img = images.nth(i)
                img.scroll_into_view_if_needed()
                assert img.is_visible()
                assert img.evaluate("e => e.complete && e.naturalWidth > 0")
            try:
                import cia_lib.cartes  # noqa: F401
                avec_carte = True
            except ImportError:
                avec_carte = False
            if avec_carte:
                cadre = page.frame_locator("iframe").first
                carte = cadre.locator(".leaflet-container").first
                carte.wait_for(state="visible", timeout=10_000)
                assert cadre.locator("path.leaflet-interactive").count() >= 1
            ARTEFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTEFACTS / "bilan_annuel.png"), full_page=True)
        finally:
            navigateur.close()
    assert erreurs == [], erreurs
    # only map tiles may have been requested (and they are blocked here)
    assert [u for u in bloquees if "{" not in u and "tile" not in u] == [], bloquees
