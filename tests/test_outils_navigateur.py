"""Without a browser, the rendering tests skip with a reason — except under CI, where they fail."""

from __future__ import annotations

import outils_navigateur
import pytest


def test_sans_navigateur_hors_ci_le_test_est_ignore(monkeypatch):
    monkeypatch.setattr(outils_navigateur, "chemin_chromium", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Chromium introuvable"):
        outils_navigateur.exiger_chromium()


def test_sans_navigateur_en_ci_le_test_echoue(monkeypatch):
    monkeypatch.setattr(outils_navigateur, "chemin_chromium", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="obligatoire"):
        outils_navigateur.exiger_chromium()


def test_variable_cia_chromium_prioritaire(monkeypatch, tmp_path):
    binaire = tmp_path / "chromium-perso"
    binaire.write_text("")
    monkeypatch.setenv("CIA_CHROMIUM", str(binaire))
    assert outils_navigateur.chemin_chromium() == str(binaire)
