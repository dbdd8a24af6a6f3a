"""The bilan opened in a real headless Chromium with the network cut: it must render fully."""

from __future__ import annotations

import pytest
from outils_navigateur import PageHorsLigne


@pytest.mark.lent
@pytest.mark.navigateur
def test_bilan_rendu_hors_ligne(rapports_produits, navigateur):
    page_html = rapports_produits["sortie"] / "bilan-2025" / "bilan_annuel.html"
    p = PageHorsLigne(navigateur, largeur=1200)
    page = p.ouvrir(page_html)
    page.wait_for_timeout(500)
    assert "DONNÉES FICTIVES" in page.locator(".cia-fictif").first.inner_text()
    images = page.locator("img:not(.cia-impression-seule)")  # print-only images (static maps) are hidden on screen
    assert images.count() >= 4
    for i in range(images.count()):
        img = images.nth(i)
        img.scroll_into_view_if_needed()
        assert img.is_visible()
        assert img.evaluate("e => e.complete && e.naturalWidth > 0")
    cadre = page.frame_locator("iframe").first
    carte = cadre.locator(".leaflet-container").first
    carte.wait_for(state="visible", timeout=10_000)
    assert cadre.locator("path.leaflet-interactive").count() >= 1
    p.capture("bilan_annuel.png", pleine_page=True)
    page.close()
    assert p.erreurs == [], p.erreurs
    # only map tiles may have been requested (and they are blocked here)
    assert [u for u in p.requetes_reseau if "{" not in u and "tile" not in u] == [], p.requetes_reseau
