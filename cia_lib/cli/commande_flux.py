"""``cia flux``: the flux bilan of one year (gestion en flux des réservations), to CSV or Excel."""

from __future__ import annotations

from pathlib import Path

import typer

from cia_lib.entrees.donnees import charger_donnees
from cia_lib.erreurs import ErreurParametre
from cia_lib.restitution.contexte import verifier_mode
from cia_lib.restitution.flux import ecrire_flux, publier_flux
from cia_lib.restitution.sorties import verifier_format
from cia_lib.territoire.config import charger_territoire

from .app import app

FORMATS = (".csv", ".xlsx")


@app.command("flux")
def flux(
    donnees: Path = typer.Option(..., "--donnees", help="Dossier des tables traitées (sortie de « cia importer »)."),
    annee: int = typer.Option(..., "--annee", help="Année des baux signés (ex. 2025)."),
    sortie: Path = typer.Option(..., "--sortie", help="Fichier à écrire : .csv (bilan) ou .xlsx (bilan, synthèse, répartitions)."),
    territoire: Path | None = typer.Option(
        None, "--territoire", help="Fichier YAML du territoire (défaut : config/territoire.yaml)."
    ),
    mode: str = typer.Option(
        "diffusion", "--mode",
        help="diffusion (défaut : petits effectifs masqués « s », secret secondaire) ou analyste (tout est montré).",
    ),
) -> None:
    """Bilan de la gestion en flux : baux signés dans l'année, par bailleur et par réservataire.

    Une ligne par bailleur × réservataire : baux_flux (baux dans le flux), baux_flux_bailleur,
    part_realisee, part_convention (conventions_flux ; pour « bailleur », ce que les parts
    laissent), baux_attendus, ecart_baux, baux sortis du flux par motif (mutation interne,
    relogement NPNRU/ORCOD). Définitions : docs/indicateurs.md.
    """
    verifier_format(sortie, FORMATS)
    verifier_mode(mode)
    if not 1900 <= annee <= 2200:
        raise ErreurParametre(f"année invalide : {annee} (quatre chiffres attendus, ex. 2025).")
    terr = charger_territoire(territoire)
    tables = charger_donnees(donnees)
    resultats = publier_flux(tables, terr, annee, mode, repartitions=sortie.suffix.lower() == ".xlsx")
    if resultats.bilan.empty:
        raise ErreurParametre(f"aucun bail signé en {annee} et aucune convention de flux pour {annee} : "
                              "rien à écrire (vérifiez --annee et l'import).")
    ecrire_flux(resultats, sortie)
    nb_bailleurs = resultats.bilan["bailleur"].nunique()
    masque = " ; petits effectifs masqués (« s »)" if resultats.diffusion else ""
    typer.echo(f"Bilan du flux {annee} : {nb_bailleurs} bailleur(s), {len(resultats.bilan)} ligne(s) écrites dans "
               f"{sortie}{masque}.")
    for note in resultats.notes:
        typer.echo(f"Note : {note}")
    if tables.rapport_import.get("donnees_fictives"):
        typer.echo("Attention : données fictives (échantillon de démonstration), à ne pas diffuser comme réelles.")
