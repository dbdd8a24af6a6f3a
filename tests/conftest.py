"""Shared fixtures: the real CCVO3F territory, the fictional test territory, sample data."""

from __future__ import annotations

from pathlib import Path

import pytest

from cia_lib.territoire import chemins
from cia_lib.territoire.config import charger_territoire

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def territoire():
    """CCVO3F, from config/territoire.yaml."""
    return charger_territoire(chemins.TERRITOIRE_DEFAUT)


@pytest.fixture(scope="session")
def territoire_test():
    """Fictional 3-commune EPCI with a QPV (tests/fixtures/territoire_test.yaml)."""
    return charger_territoire(FIXTURES / "territoire_test.yaml")


@pytest.fixture(scope="session")
def cle_test() -> bytes:
    """Pseudonymisation key used by tests (never the real one)."""
    return b"cle-de-test-non-secrete"


@pytest.fixture(scope="session")
def exemple_brut(tmp_path_factory, territoire):
    """Synthetic CCVO3F raw files (generated once per test session)."""
    from cia_lib.exemples.echantillon import generer_exemple

    dossier = tmp_path_factory.mktemp("exemple_brut")
    generer_exemple(dossier, territoire, graine=2024)
    return dossier


@pytest.fixture(scope="session")
def exemple_traite(tmp_path_factory, exemple_brut, territoire, cle_test):
    """The synthetic sample imported into processed tables (once per session)."""
    from cia_lib.entrees.importation import importer

    dossier = tmp_path_factory.mktemp("exemple_traite")
    importer(exemple_brut, dossier, territoire, cle=cle_test)
    return dossier


@pytest.fixture(scope="session")
def donnees_exemple(exemple_traite):
    """Processed sample tables loaded as a :class:`cia_lib.entrees.donnees.Donnees`."""
    from cia_lib.entrees.donnees import charger_donnees

    return charger_donnees(exemple_traite)


@pytest.fixture(scope="session")
def navigateur():
    """A headless Chromium (Debian package) driven by playwright; skipped without it, except under CI."""
    from outils_navigateur import ARGUMENTS, exiger_chromium

    chemin = exiger_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chemin, args=ARGUMENTS)
        yield instance
        instance.close()


ANNEE, TRIMESTRE = 2025, 3
"""Period of the shared report run (:func:`rapports_produits`)."""


@pytest.fixture(scope="session")
def rapports_produits(tmp_path_factory, exemple_traite):
    """Quarterly 2025-T3 and bilan 2025 produced in one run, in their default mode (diffusion).

    Defined here (not imported into test modules, which would build it once per module) so that
    the whole session shares one run.
    """
    import time

    from cia_lib.restitution.rapports import planifier, produire_rapports

    sortie = tmp_path_factory.mktemp("rapports")
    plans = [planifier("trimestriel", ANNEE, TRIMESTRE, None, exemple_traite),
             planifier("bilan", ANNEE, 4, None, exemple_traite)]
    debut = time.perf_counter()
    resultats = produire_rapports(plans, sortie, barre=False)
    return {"sortie": sortie, "resultats": resultats, "donnees": exemple_traite,
            "duree": time.perf_counter() - debut}
