"""The ``cia`` Typer application; command modules register their commands on ``app``."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="cia",
    help="Atelier de suivi de la Convention Intercommunale d'Attribution (CIA).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--aide", "--help"]},
)

rapport_app = typer.Typer(
    help="Produit les rapports (notebooks exécutés et exportés en HTML).",
    no_args_is_help=True,
)
app.add_typer(rapport_app, name="rapport")
