"""The ``cia`` command line: French help, French usage errors, exit codes, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cia_lib.cli import main
from cia_lib.cli.app import app
from cia_lib.cli.francais import message_usage, traduire_aide
from cia_lib.erreurs import ErreurFichier


def test_aide_en_francais(capsys):
    assert main(["--aide"]) == 0
    sortie = capsys.readouterr().out
    assert "Utilisation : cia" in sortie
    assert "Affiche cette aide et quitte." in sortie
    assert "Show this message" not in sortie and "Usage:" not in sortie


def test_une_commande_n_importe_que_son_module():
    """``cia rapport …`` does not pay the imports of the other commands; the general help lists them all."""
    code = ("import sys\n"
            "from cia_lib.cli import COMMANDES, main\n"
            "main(['rapport', 'trimestriel', '--aide'])\n"
            "print(sorted(n for n, m in COMMANDES.items() if m in sys.modules))\n")
    sortie = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert sortie.strip().splitlines()[-1] == "['rapport']"
    aide = subprocess.run([sys.executable, "-c", "from cia_lib.cli import main; main(['--aide'])"],
                          capture_output=True, text=True).stdout
    from cia_lib.cli import COMMANDES

    assert all(f" {commande} " in aide for commande in COMMANDES), aide


def test_commande_inconnue(capsys):
    assert main(["inexistante"]) == 2
    erreur = capsys.readouterr().err
    assert "commande inconnue : inexistante" in erreur


def test_option_inconnue(capsys):
    assert main(["rapport", "--nope"]) == 2
    assert "option inconnue : --nope" in capsys.readouterr().err


@app.command("_test_erreur_fichier", hidden=True)
def _commande_qui_echoue() -> None:
    raise ErreurFichier("data/raw/x/attributions.csv", "fichier vide.", ["id_attribution"])


def test_erreur_utilisateur_une_ligne_francaise_code_2(capsys):
    assert main(["_test_erreur_fichier"]) == 2
    erreur = capsys.readouterr().err
    assert erreur.strip() == (
        "Erreur : data/raw/x/attributions.csv : fichier vide. (colonnes : id_attribution)"
    )


def test_processus_reel_sans_trace(tmp_path):
    resultat = subprocess.run(
        [sys.executable, "-c", "from cia_lib.cli import main; main()", "rapport", "--nope"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert resultat.returncode == 2
    assert "Traceback" not in resultat.stderr
    assert "option inconnue" in resultat.stderr


@pytest.mark.parametrize(
    "anglais, francais",
    [("Usage: cia", "Utilisation : cia"), ("[required]", "[obligatoire]"), ("Commands:", "Commandes :")],
)
def test_traduire_aide(anglais, francais):
    assert traduire_aide(anglais) == francais


def test_message_usage_generique():
    class Autre(Exception):
        message = "quelque chose"

    assert message_usage(Autre()) == "quelque chose"


def test_types_des_valeurs_traduits_et_alignes():
    aide = "  --annee <int>                Année.\n  --donnees <path>             Dossier.\n"
    assert traduire_aide(aide) == "  --annee <entier>             Année.\n  --donnees <chemin>           Dossier.\n"


def test_aide_de_chaque_commande_en_francais(capsys):
    for commande in (["importer"], ["exemple"], ["indicateurs"], ["residences"], ["rapport", "bilan"],
                     ["rapport", "trimestriel"]):
        assert main([*commande, "--aide"]) == 0, commande
        sortie = capsys.readouterr().out
        assert "Utilisation : cia" in sortie and "Show this message" not in sortie
        assert "<path>" not in sortie and "<int>" not in sortie, commande


def test_pdf_cible_absente_message_francais(tmp_path, capsys):
    assert main(["pdf", str(tmp_path / "absent")]) == 2
    erreur = capsys.readouterr().err
    assert "ni une page HTML ni un dossier de rapport" in erreur and "Traceback" not in erreur
    (tmp_path / "vide").mkdir()
    assert main(["pdf", str(tmp_path / "vide")]) == 2
    assert "aucune page HTML de rapport" in capsys.readouterr().err


def test_pdf_sans_chromium_dit_quoi_installer(tmp_path, capsys, monkeypatch):
    from cia_lib.restitution.rapports import pdf

    page = tmp_path / "bilan_annuel.html"
    page.write_text("<html lang='fr'><body>Bilan</body></html>", encoding="utf-8")
    monkeypatch.setattr(pdf, "chemin_chromium", lambda: None)
    assert main(["pdf", str(page)]) == 1
    assert "make navigateur" in capsys.readouterr().err


def test_pdf_aide_en_francais(capsys):
    assert main(["pdf", "--aide"]) == 0
    assert "Imprime en PDF" in capsys.readouterr().out
