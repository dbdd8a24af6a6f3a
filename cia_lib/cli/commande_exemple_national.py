"""``cia exemple-national``: national-scale synthetic data (every EPCI bound by the law)."""

from __future__ import annotations

from pathlib import Path

import typer

from cia_lib.exemples.national import generer_exemple_national

from .app import app


@app.command("exemple-national")
def commande_exemple_national(
    destination: Path = typer.Option(..., "--destination", help="Dossier où écrire les fichiers fictifs."),
    format: str = typer.Option(
        "parquet", "--format", show_default=False, help="Format des fichiers : parquet (défaut) ou csv."
    ),
    graine: int = typer.Option(2024, "--graine", help="Graine du tirage : la même graine donne les mêmes fichiers."),
    echelle: float = typer.Option(
        1.0, "--echelle", help="Taille : 1.0 = France entière (≈ 450 000 baux, 2,6 millions de demandes) ; 0.01 pour les tests."
    ),
    departement: str | None = typer.Option(
        None, "--departement", help="Seulement les EPCI de ce département (ex. 95), avec leur part du volume national."
    ),
) -> int:
    """Génère des données FICTIVES de taille nationale pour tous les EPCI soumis à la loi.

    Baux signés en 2024, demandes actives au 31/12/2024, résidences et une petite table OPS,
    dans les colonnes du contrat de données (lisibles par « cia importer »), avec
    l'avertissement DONNEES_FICTIVES.txt. Un dossier contenant déjà de vrais fichiers de
    données n'est jamais écrasé.
    """
    ecrits = generer_exemple_national(destination, format=format.lower().strip(), echelle=echelle,
                                      graine=graine, departement=departement)
    typer.echo(f"Données FICTIVES nationales écrites dans {destination} (graine {graine}, échelle {echelle}) :")
    for chemin in ecrits.values():
        typer.echo(f"  {chemin.name:<22} {chemin.stat().st_size / 1e6:>8.1f} Mo")
    typer.echo(f"Étape suivante : cia importer --source {destination} --territoire FICHIER_MULTI_EPCI "
               "(exemple : config/exemple_departement_95.yaml ; voir docs/multi_epci.md).")
    return 0
