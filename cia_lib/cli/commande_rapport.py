"""``cia rapport trimestriel|bilan|tout``: run the notebooks and export the reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from cia_lib.calculs.periodes import dernier_trimestre_clos
from cia_lib.territoire import chemins

from .app import rapport_app

OPTION_DONNEES = typer.Option(
    chemins.TRAITEES, "--donnees", show_default=False, help="Dossier des données traitées (défaut : data/processed)."
)
OPTION_TERRITOIRE = typer.Option(
    None, "--territoire",
    help="Fichier YAML du territoire (défaut : $CIA_TERRITOIRE ou config/territoire.yaml). Un fichier à plusieurs "
    "EPCI (« epcis: » ou « departement: ») produit les rapports de chaque EPCI dans reports/<SIREN>/ et leur "
    "comparaison dans reports/comparaison-epci/.",
)
OPTION_SORTIE = typer.Option(
    chemins.RAPPORTS, "--sortie", show_default=False, help="Dossier des rapports (défaut : reports/)."
)
OPTION_NOTEBOOKS = typer.Option(
    chemins.NOTEBOOKS, "--notebooks", show_default=False, help="Dossier des notebooks à exécuter (défaut : notebooks/)."
)
OPTION_PARAMETRE = typer.Option(
    None, "--parametre", "-p", help="Paramètre supplémentaire NOM=VALEUR (converti au type déclaré par le notebook)."
)
OPTION_SANS_BARRE = typer.Option(False, "--sans-barre", help="Ne pas afficher la barre de progression.")


def _afficher(resultats) -> None:
    for r in resultats:
        for page in r.pages:
            typer.echo(f"Rapport écrit : {page}")
        if r.classeur is not None:
            typer.echo(f"Tableaux Excel : {r.classeur}")


AIDE_MODE = ("Mode de lecture : diffusion (défaut : petits effectifs masqués, partageable) ou analyste "
             "(toutes les valeurs, pages marquées « usage interne — ne pas diffuser »).")


@rapport_app.command("trimestriel")
def trimestriel(
    annee: int = typer.Option(None, "--annee", help="Année (défaut : celle du dernier trimestre clos)."),
    trimestre: int = typer.Option(None, "--trimestre", help="Trimestre 1 à 4 (défaut : le dernier trimestre clos)."),
    mode: str = typer.Option(None, "--mode", help=AIDE_MODE),
    donnees: Path = OPTION_DONNEES,
    territoire: Path = OPTION_TERRITOIRE,
    sortie: Path = OPTION_SORTIE,
    notebooks: Path = OPTION_NOTEBOOKS,
    parametre: list[str] = OPTION_PARAMETRE,
    sans_barre: bool = OPTION_SANS_BARRE,
) -> None:
    """Suivi trimestriel (cumul de l'année au trimestre) ; sans option : le dernier trimestre clos."""
    from cia_lib.restitution.rapports import produire_rapports_territoire

    if annee is None or trimestre is None:
        defaut_annee, defaut_trimestre = dernier_trimestre_clos(dt.date.today())
        annee = defaut_annee if annee is None else annee
        trimestre = defaut_trimestre if trimestre is None else trimestre
    resultats = produire_rapports_territoire(
        "trimestriel", annee, trimestre, mode, donnees, territoire, sortie, notebooks, parametre, not sans_barre
    )
    _afficher(resultats)


@rapport_app.command("bilan")
def bilan(
    annee: int = typer.Option(..., "--annee", help="Année du bilan."),
    mode: str = typer.Option(None, "--mode", help=AIDE_MODE),
    donnees: Path = OPTION_DONNEES,
    territoire: Path = OPTION_TERRITOIRE,
    sortie: Path = OPTION_SORTIE,
    notebooks: Path = OPTION_NOTEBOOKS,
    parametre: list[str] = OPTION_PARAMETRE,
    sans_barre: bool = OPTION_SANS_BARRE,
) -> None:
    """Bilan annuel (présenté en CIL) : pages HTML autonomes et classeur Excel des tableaux."""
    from cia_lib.restitution.rapports import produire_rapports_territoire

    resultats = produire_rapports_territoire(
        "bilan", annee, 4, mode, donnees, territoire, sortie, notebooks, parametre, not sans_barre
    )
    _afficher(resultats)


@rapport_app.command("tout")
def tout(
    donnees: Path = OPTION_DONNEES,
    territoire: Path = OPTION_TERRITOIRE,
    sortie: Path = OPTION_SORTIE,
    notebooks: Path = OPTION_NOTEBOOKS,
    sans_barre: bool = OPTION_SANS_BARRE,
) -> None:
    """Tous les suivis trimestriels ayant des données et les bilans des années closes (démonstration)."""
    from cia_lib.restitution.rapports import planifier_tout, produire_rapports

    plans = planifier_tout(donnees, territoire, notebooks, sortie=sortie)
    resultats = produire_rapports(plans, sortie, notebooks, not sans_barre)
    _afficher(resultats)
    typer.echo(f"Index des rapports : {Path(sortie) / 'index.html'}")
