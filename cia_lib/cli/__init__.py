"""Command-line interface ``cia``: a thin French shell over the library.

User errors (:class:`cia_lib.erreurs.ErreurCIA`) print one French line on stderr and exit
with their code (2 for file and parameter problems); usage errors are translated too.
Never a traceback for a foreseeable problem.
"""

from __future__ import annotations

import importlib
import sys

import click

from ..erreurs import ErreurCIA
from .app import app

# Command modules: each registers its command(s) on ``app`` when imported.
MODULES_COMMANDES: tuple[str, ...] = (
)


def _charger_commandes() -> None:
    for nom in MODULES_COMMANDES:
        importlib.import_module(nom)


def _message_usage(exc: click.UsageError) -> str:
    """French wording of Click's usage errors."""
    if isinstance(exc, click.MissingParameter):
        noms = "/".join(exc.param.opts) if exc.param is not None else "?"
        return f"paramètre obligatoire manquant : {noms}"
    if isinstance(exc, click.NoSuchOption):
        return f"option inconnue : {exc.option_name}"
    if isinstance(exc, click.BadParameter):
        noms = "/".join(exc.param.opts) if exc.param is not None else "?"
        return f"valeur invalide pour {noms} : {exc.message}"
    if "No such command" in exc.message:
        return f"commande inconnue ({exc.message.split(' ', 3)[-1]})"
    return exc.message


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``cia``; returns (and exits with) the process exit code."""
    _charger_commandes()
    try:
        retour = app(args=argv, standalone_mode=False, prog_name="cia")
    except ErreurCIA as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        code = exc.code_sortie
    except click.UsageError as exc:
        print(f"Erreur d'utilisation : {_message_usage(exc)}", file=sys.stderr)
        print("Aide : cia --aide, ou cia COMMANDE --aide", file=sys.stderr)
        code = 2
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.Abort:
        print("Interrompu.", file=sys.stderr)
        code = 130
    else:
        code = retour if isinstance(retour, int) else 0
    if argv is None:
        sys.exit(code)
    return code
