"""``cia exemple``: write the synthetic sample data ("données fictives") of the workbench."""

from __future__ import annotations

from pathlib import Path

import typer

from cia_lib.exemples.echantillon import FICHIER_AVERTISSEMENT, generer_exemple
from cia_lib.territoire import chemins
from cia_lib.territoire.config import charger_territoire

from .app import app


@app.command("exemple")
def commande_exemple(
    destination: Path = typer.Option(
        chemins.EXEMPLE, "--destination", show_default=False, help="Dossier où écrire les fichiers fictifs (défaut : data/raw/exemple)."
    ),
    graine: int = typer.Option(
        2024, "--graine", help="Graine du tirage aléatoire : la même graine donne exactement les mêmes fichiers."
    ),
    territoire: Path | None = typer.Option(
        None, "--territoire", help="Fichier YAML du territoire (défaut : config/territoire.yaml)."
    ),
) -> int:
    """Génère des données FICTIVES au format des extraits (démonstration et tests).

    Écrit attributions.csv, demandes.csv, residences.csv et ops.csv (séparateur « ; »,
    encodage Windows-1252, dates JJ/MM/AAAA) et l'avertissement DONNEES_FICTIVES.txt.
    Un dossier contenant déjà de vrais fichiers de données n'est jamais écrasé.
    """
    ecrits = generer_exemple(destination, charger_territoire(territoire), graine=graine)
    typer.echo(f"Données FICTIVES écrites dans {destination} (graine {graine}) :")
    for chemin in ecrits.values():
        with chemin.open("rb") as f:
            lignes = sum(1 for _ in f) - 1
        typer.echo(f"  {chemin.name:<18} {lignes:>7} ligne(s)")
    typer.echo(f"  {FICHIER_AVERTISSEMENT} (avertissement : ces données ne décrivent personne)")
    typer.echo(f"Étape suivante : cia importer --source {destination}")
    return 0
