"""``cia rapport trimestriel|bilan|tout``: run the notebooks and export the reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from cia_lib.territoire import chemins

from .app import rapport_app
from .journal import horodater

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


OPTION_PROVISOIRE = typer.Option(
    False, "--provisoire",
    help="Accepte une période pas encore terminée : chaque page porte alors la mention « provisoire ». Sans "
    "cette option, une période en cours, au-delà des données importées ou sans aucun bail ni demande est "
    "refusée (code de sortie 2).",
)


def _coeurs() -> int:
    from cia_lib.restitution.rapports.parallele import coeurs_utilisables

    return coeurs_utilisables()


OPTION_PARALLELE = typer.Option(
    _coeurs, "--parallele", show_default=False,
    help="Nombre de notebooks exécutés en même temps (défaut : les cœurs utilisables de la machine ; 1 : l'un "
    "après l'autre). Les rapports écrits sont les mêmes, octet pour octet.",
)


def _afficher(resultats) -> None:
    for r in resultats:
        for page in r.pages:
            typer.echo(horodater(f"Rapport écrit : {page}"))
        if r.classeur is not None:
            typer.echo(horodater(f"Tableaux Excel : {r.classeur}"))


def _produire(produire, *arguments, **options):
    """Run ``produire``; on a partial failure, list what was built before the French summary."""
    from cia_lib.restitution.rapports import ErreurProductionPartielle

    try:
        resultats = produire(*arguments, **options)
    except ErreurProductionPartielle as exc:
        _afficher(exc.resultats)
        raise
    _afficher(resultats)
    return resultats


AIDE_MODE = ("Mode de lecture : diffusion (défaut : petits effectifs masqués, partageable) ou analyste "
             "(toutes les valeurs, pages marquées « usage interne — ne pas diffuser »).")


@rapport_app.command("trimestriel")
def trimestriel(
    annee: int = typer.Option(
        None, "--annee", help="Année, avec --trimestre (sans les deux : le dernier trimestre clos ; "
        "--annee seule est refusée car ambiguë)."),
    trimestre: int = typer.Option(None, "--trimestre", help="Trimestre 1 à 4, avec --annee."),
    mode: str = typer.Option(None, "--mode", help=AIDE_MODE),
    donnees: Path = OPTION_DONNEES,
    territoire: Path = OPTION_TERRITOIRE,
    sortie: Path = OPTION_SORTIE,
    notebooks: Path = OPTION_NOTEBOOKS,
    parametre: list[str] = OPTION_PARAMETRE,
    provisoire: bool = OPTION_PROVISOIRE,
    sans_barre: bool = OPTION_SANS_BARRE,
    parallele: int = OPTION_PARALLELE,
) -> None:
    """Suivi trimestriel (cumul de l'année au trimestre) ; sans option : le dernier trimestre clos."""
    from cia_lib.restitution.rapports import produire_rapports_territoire
    from cia_lib.restitution.rapports.periode_rapport import resoudre_periode_demandee

    aujourd_hui = dt.date.today()
    annee, trimestre = resoudre_periode_demandee(annee, trimestre, aujourd_hui)
    _produire(produire_rapports_territoire, "trimestriel", annee, trimestre, mode, donnees, territoire, sortie,
              notebooks, parametre, not sans_barre, parallele, provisoire=provisoire, aujourd_hui=aujourd_hui)


@rapport_app.command("bilan")
def bilan(
    annee: int = typer.Option(..., "--annee", help="Année du bilan."),
    mode: str = typer.Option(None, "--mode", help=AIDE_MODE),
    donnees: Path = OPTION_DONNEES,
    territoire: Path = OPTION_TERRITOIRE,
    sortie: Path = OPTION_SORTIE,
    notebooks: Path = OPTION_NOTEBOOKS,
    parametre: list[str] = OPTION_PARAMETRE,
    provisoire: bool = OPTION_PROVISOIRE,
    sans_barre: bool = OPTION_SANS_BARRE,
    parallele: int = OPTION_PARALLELE,
) -> None:
    """Bilan annuel (présenté en CIL) : pages HTML autonomes et classeur Excel des tableaux."""
    from cia_lib.restitution.rapports import produire_rapports_territoire

    _produire(produire_rapports_territoire, "bilan", annee, 4, mode, donnees, territoire, sortie, notebooks,
              parametre, not sans_barre, parallele, provisoire=provisoire)


@rapport_app.command("tout")
def tout(
    donnees: Path = OPTION_DONNEES,
    territoire: Path = OPTION_TERRITOIRE,
    sortie: Path = OPTION_SORTIE,
    notebooks: Path = OPTION_NOTEBOOKS,
    sans_barre: bool = OPTION_SANS_BARRE,
    parallele: int = OPTION_PARALLELE,
) -> None:
    """Tous les suivis trimestriels ayant des données et les bilans des années closes (démonstration)."""
    from cia_lib.restitution.rapports import planifier_tout, produire_rapports

    plans = planifier_tout(donnees, territoire, notebooks, sortie=sortie)
    try:
        _produire(produire_rapports, plans, sortie, notebooks, not sans_barre, parallele)
    finally:
        typer.echo(horodater(f"Index des rapports : {Path(sortie) / 'index.html'}"))
