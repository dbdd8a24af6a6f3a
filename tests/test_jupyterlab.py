"""The exploration notebook in a real JupyterLab: open it, run it, change a selection, see the output change."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest
from outils_navigateur import ARTEFACTS

from cia_lib.territoire import chemins


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def jupyterlab(tmp_path_factory, exemple_traite):
    """A JupyterLab on a free localhost port, with a token, serving a copy of the exploration
    notebook whose parameters point to the sample data."""
    dossier = tmp_path_factory.mktemp("lab")
    nb = nbformat.read(chemins.NOTEBOOKS / "exploration.ipynb", as_version=4)
    parametres = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    parametres.source = (f"donnees = {str(exemple_traite)!r}\nterritoire = {str(chemins.TERRITOIRE_DEFAUT)!r}\n"
                         "annee = 2025\ntrimestre = 4\nmode = \"analyste\"")
    nbformat.write(nb, dossier / "exploration.ipynb")
    port, jeton = _port_libre(), secrets.token_hex(16)
    journal = open(dossier / "jupyterlab.log", "w")  # noqa: SIM115 (closed at teardown)
    processus = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={jeton}", f"--ServerApp.root_dir={dossier}", "--allow-root",
         "--ServerApp.open_browser=False", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
         "jupyterlab.NeverCheckForUpdate"],
        stdout=journal, stderr=subprocess.STDOUT, env={**os.environ, "JUPYTER_PLATFORM_DIRS": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={jeton}", timeout=2) as r:
                    json.load(r)
                break
            except OSError:
                if processus.poll() is not None:
                    pytest.fail("JupyterLab s'est arrêté : " + (dossier / "jupyterlab.log").read_text()[-2000:])
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab n'a pas démarré en 60 s.")
        yield {"url": url, "jeton": jeton, "dossier": dossier}
    finally:
        processus.terminate()
        try:
            processus.wait(timeout=15)
        except subprocess.TimeoutExpired:
            processus.kill()
        journal.close()


@pytest.mark.lent
@pytest.mark.navigateur
def test_exploration_dans_jupyterlab(jupyterlab, navigateur):
    page = navigateur.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{jupyterlab['url']}/lab/tree/exploration.ipynb?token={jupyterlab['jeton']}")
    page.locator(".jp-Notebook").wait_for(timeout=60_000)
    choix_noyau = page.locator(".jp-Dialog button.jp-mod-accept")
    try:  # JupyterLab may ask to confirm the notebook's kernel (« Python (atelier CIA) »)
        choix_noyau.wait_for(timeout=20_000)
        choix_noyau.click()
    except Exception:  # noqa: BLE001 — no dialog: the kernel started by itself
        pass
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator("li[data-command='runmenu:run-all']").click()
    communes = page.locator(".widget-select-multiple select").first
    try:
        communes.wait_for(timeout=120_000)
    except Exception:
        ARTEFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTEFACTS / "exploration_jupyterlab_echec.png"), full_page=True)
        raise
    tableau = page.locator(".jp-OutputArea-output .widget-output table.cia-tableau").first
    tableau.wait_for(timeout=60_000)
    avant = tableau.inner_text()
    lignes_avant = page.locator(".widget-output table.cia-tableau").first.locator("tbody tr").count()
    assert lignes_avant >= 9  # every commune of the CCVO3F
    communes.select_option(index=2)  # one commune: the table is recomputed in place
    page.wait_for_function(
        "avant => { const t = document.querySelector('.widget-output table.cia-tableau');"
        " return t && t.innerText !== avant; }", arg=avant, timeout=60_000)
    apres = page.locator(".widget-output table.cia-tableau").first
    assert "communes : " in apres.locator("caption").inner_text()
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "exploration_jupyterlab.png"))
    page.close()
