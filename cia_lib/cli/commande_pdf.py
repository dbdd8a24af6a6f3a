"""``cia pdf``: print the pages of a report (bilan, fiches…) to PDF with a headless Chromium."""

from __future__ import annotations

from pathlib import Path

import typer

from .app import app


@app.command("pdf")
def pdf(
    cible: Path = typer.Argument(..., help="Dossier d'un rapport (ex. reports/bilan-2025) ou page HTML à imprimer.",
                                 show_default=False),
    sortie: Path = typer.Option(None, "--sortie", help="Dossier des PDF (défaut : à côté de chaque page HTML)."),
) -> None:
    """Imprime en PDF (A4) les pages HTML d'un rapport : bilan, cartes, fiches des communes et des bailleurs."""
    from cia_lib.restitution.rapports.pdf import imprimer_pdf, pages_a_imprimer

    for chemin in imprimer_pdf(pages_a_imprimer(cible), sortie):
        typer.echo(f"PDF écrit : {chemin}")
