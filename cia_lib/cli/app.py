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


def version_atelier() -> str:
    """Installed version of the package (its metadata, i.e. ``pyproject.toml``)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cia-lib")
    except PackageNotFoundError:  # run from a source tree without installation
        from cia_lib import __version__

        return __version__


def _afficher_version(demande: bool) -> None:
    if demande:
        typer.echo(f"cia (atelier CIA) {version_atelier()}")
        raise typer.Exit(0)


@app.callback()
def _options_generales(
    version: bool = typer.Option(
        False, "--version", callback=_afficher_version, is_eager=True, help="Affiche la version de l'atelier et quitte."
    ),
) -> None:
    """Atelier de suivi de la Convention Intercommunale d'Attribution (CIA)."""
