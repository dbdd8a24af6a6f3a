"""Command-line interface ``cia``: a thin French shell over the library.

User errors (:class:`cia_lib.erreurs.ErreurCIA`) print one French line on stderr and exit
with their code (2 for file and parameter problems); usage errors are reworded in French
too. Never a traceback for a foreseeable problem.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import sys

import typer

from cia_lib.erreurs import ErreurCIA

from .app import app
from .francais import message_usage, traduire_aide
from .journal import est_horodatee, horodater

# Command → module registering it on ``app`` when imported (the order is that of the help).
COMMANDES: dict[str, str] = {
    "residences": "cia_lib.cli.commande_residences",
    "exemple": "cia_lib.cli.commande_exemple",
    "exemple-national": "cia_lib.cli.commande_exemple_national",
    "importer": "cia_lib.cli.commande_importer",
    "indicateurs": "cia_lib.cli.commande_indicateurs",
    "flux": "cia_lib.cli.commande_flux",
    "rapport": "cia_lib.cli.commande_rapport",
    "pdf": "cia_lib.cli.commande_pdf",
}
MODULES_COMMANDES: tuple[str, ...] = tuple(dict.fromkeys(COMMANDES.values()))

OPTIONS_AIDE = ("-h", "--aide", "--help")


def _charger_commandes(arguments=()) -> None:
    """Import the module of the command asked for (``arguments[0]``), or every command module
    for the general help and an unknown command: a command does not pay the imports of the
    others (≈ 0,5 s at each ``cia rapport``)."""
    module = COMMANDES.get(arguments[0]) if arguments else None
    for nom in (module,) if module else MODULES_COMMANDES:
        importlib.import_module(nom)


def _executer(argv: list[str]) -> int:
    try:
        retour = app(args=argv, standalone_mode=False, prog_name="cia")
    except ErreurCIA as exc:
        message = f"Erreur : {exc}"
        print(horodater(message) if est_horodatee(argv) else message, file=sys.stderr)
        return exc.code_sortie
    except typer.Exit as exc:  # --aide and explicit exits
        return exc.exit_code
    except typer.Abort:
        print("Interrompu.", file=sys.stderr)
        return 130
    except typer.TyperException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # ``cia`` alone: show the help
            print(traduire_aide(getattr(exc, "message", str(exc))))
            return 2
        print(f"Erreur d'utilisation : {message_usage(exc)}", file=sys.stderr)
        print("Aide : cia --aide, ou cia COMMANDE --aide", file=sys.stderr)
        return 2
    return retour if isinstance(retour, int) else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``cia``; returns the exit code (and exits with it when run as a script)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    _charger_commandes(arguments)
    if not arguments or any(a in OPTIONS_AIDE for a in arguments):
        tampon = io.StringIO()
        with contextlib.redirect_stdout(tampon):
            code = _executer(arguments)
        sys.stdout.write(traduire_aide(tampon.getvalue()))
    else:
        code = _executer(arguments)
    if argv is None:
        sys.exit(code)
    return code
