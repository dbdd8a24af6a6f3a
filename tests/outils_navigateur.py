"""Shared plumbing of the browser tests: the Debian Chromium, driven by playwright, network cut."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cia_lib.restitution.rapports.pdf import ARGUMENTS_CHROMIUM as ARGUMENTS
from cia_lib.restitution.rapports.pdf import chemin_chromium

__all__ = ["ARGUMENTS", "ARTEFACTS", "PageHorsLigne", "chemin_chromium", "exiger_chromium"]

ARTEFACTS = Path(__file__).parent / "artefacts"
"""Screenshots of the browser tests (ignored by git)."""


def exiger_chromium() -> str:
    """Return the Chromium binary, or skip with a visible reason — but fail under CI (``CI=true``)."""
    chemin = chemin_chromium()
    if chemin is None:
        message = "Chromium introuvable : tests de rendu dans le navigateur non exécutés (installez-le avec « make navigateur »)."
        if os.environ.get("CI") == "true":
            pytest.fail(message + " En intégration continue, le navigateur est obligatoire.")
        pytest.skip(message)
    return chemin


class PageHorsLigne:
    """A page with the network blocked, recording console errors and attempted requests."""

    def __init__(self, navigateur, largeur: int = 1280, hauteur: int = 900):
        self.page = navigateur.new_page(viewport={"width": largeur, "height": hauteur})
        self.erreurs: list[str] = []
        self.requetes_reseau: list[str] = []
        self.page.on("console", lambda m: self.erreurs.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.erreurs.append(str(e)))
        self.page.route("**/*", self._router)

    def _router(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:", "about:", "blob:")):
            route.continue_()
        else:
            self.requetes_reseau.append(url)
            route.abort()

    def ouvrir(self, chemin: Path):
        self.page.goto(Path(chemin).resolve().as_uri(), wait_until="load")
        return self.page

    def capture(self, nom: str, pleine_page: bool = False) -> Path:
        ARTEFACTS.mkdir(exist_ok=True)
        chemin = ARTEFACTS / nom
        self.page.screenshot(path=str(chemin), full_page=pleine_page)
        return chemin
