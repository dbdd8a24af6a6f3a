"""``cia indicateurs``: the tidy table of the CIA indicators over a period, to CSV, JSON or Excel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import typer

from cia_lib.calculs.indicateurs import tableau_indicateurs
from cia_lib.calculs.indicateurs.multi import comparaison_epci, tableau_multi_epci
from cia_lib.calculs.periodes import periode_cumul, periode_libre, verifier_trimestre
from cia_lib.entrees.donnees import charger_donnees
from cia_lib.erreurs import ErreurParametre
from cia_lib.restitution import sorties
from cia_lib.restitution.sorties import verifier_format
from cia_lib.territoire.config import charger_territoire  # noqa: F401 (kept for callers importing it from here)
from cia_lib.territoire.multi_epci import charger_territoires

from .app import app

FORMATS_DATE = ("%Y-%m-%d", "%d/%m/%Y")


def lire_date(texte: str, option: str) -> dt.date:
    """Parse ``AAAA-MM-JJ`` (or ``JJ/MM/AAAA``); French error naming the option otherwise.

    Examples
    --------
    >>> lire_date("2024-12-31", "--au")
    datetime.date(2024, 12, 31)
    >>> lire_date("31/12/2024", "--au")
    datetime.date(2024, 12, 31)
    """
    for fmt in FORMATS_DATE:
        try:
            return dt.datetime.strptime(texte.strip(), fmt).date()
        except ValueError:
            continue
    raise ErreurParametre(f"date invalide pour {option} : « {texte} » (format AAAA-MM-JJ attendu).")


def resoudre_periode(du: str | None, au: str | None, annee: int | None, trimestre: int | None):
    """The period asked on the command line: either --du/--au, or --annee [--trimestre].

    ``--annee`` alone is the whole year; with ``--trimestre T`` it is the year to date
    through the end of quarter T.

    Returns
    -------
    cia_lib.calculs.periodes.Periode

    Raises
    ------
    ErreurParametre
        Missing or conflicting options, unreadable date, start after end, bad quarter.
    """
    if annee is not None:
        if du is not None or au is not None:
            raise ErreurParametre("--annee/--trimestre et --du/--au sont incompatibles : choisissez l'un ou l'autre.")
        if trimestre is not None:
            verifier_trimestre(trimestre)
        if not 1900 <= annee <= 2200:
            raise ErreurParametre(f"année invalide : {annee} (quatre chiffres attendus, ex. 2024).")
        return periode_cumul(annee, trimestre or 4)
    if trimestre is not None:
        raise ErreurParametre("--trimestre s'utilise avec --annee (ex. --annee 2025 --trimestre 2).")
    if du is None or au is None:
        raise ErreurParametre("période manquante : donnez --du et --au, ou --annee (avec --trimestre éventuellement).")
    return periode_libre(lire_date(du, "--du"), lire_date(au, "--au"))


def ecrire_tableau(table: pd.DataFrame, sortie: Path) -> None:
    """Write the tidy table (.csv, .json or .xlsx, sheet « indicateurs »): see :func:`cia_lib.restitution.sorties.ecrire_tableau`."""
    sorties.ecrire_tableau(table, sortie, feuille="indicateurs")


@app.command("indicateurs")
def indicateurs(
    donnees: Path = typer.Option(..., "--donnees", help="Dossier des tables traitées (sortie de « cia importer »)."),
    sortie: Path = typer.Option(..., "--sortie", help="Fichier à écrire : .csv, .json ou .xlsx."),
    du: str | None = typer.Option(None, "--du", help="Premier jour de la période (AAAA-MM-JJ)."),
    au: str | None = typer.Option(None, "--au", help="Dernier jour de la période, inclus (AAAA-MM-JJ)."),
    annee: int | None = typer.Option(None, "--annee", help="Raccourci : année civile (au lieu de --du/--au)."),
    trimestre: int | None = typer.Option(
        None, "--trimestre", help="Avec --annee : cumul du 1er janvier à la fin du trimestre (1 à 4)."
    ),
    territoire: Path | None = typer.Option(
        None, "--territoire", help="Fichier YAML du territoire (défaut : config/territoire.yaml)."
    ),
    par_epci: bool = typer.Option(
        False, "--par-epci",
        help="Tableau par EPCI (colonne siren_epci) ; automatique quand le fichier de territoire liste plusieurs EPCI.",
    ),
    comparaison: Path | None = typer.Option(
        None, "--comparaison",
        help="Avec plusieurs EPCI : écrit aussi la comparaison (une ligne par EPCI, taux et rang par objectif).",
    ),
) -> None:
    """Calcule les indicateurs de la CIA sur une période et écrit un tableau « une ligne par
    indicateur × niveau × clé ».

    Unité de compte : attribution suivie d'un bail signé dans la période (date du bail).
    Colonnes : indicateur, niveau, cle, libelle, numerateur, denominateur, taux, ic_bas,
    ic_haut, cible, ecart, statut, inconnus, nature, du, au. Définitions : docs/indicateurs.md.
    """
    verifier_format(sortie)
    if comparaison is not None:
        verifier_format(comparaison)
    periode = resoudre_periode(du, au, annee, trimestre)
    territoires = charger_territoires(territoire)
    tables = charger_donnees(donnees)
    if len(territoires) > 1 or par_epci:
        # Multi-EPCI file (epcis / departement): one table with a siren_epci column.
        table = tableau_multi_epci(tables, territoires, periode.du, periode.au)
        ecrire_tableau(table, sortie)
        typer.echo(f"Indicateurs de {len(territoires)} EPCI, {periode.libelle} : {len(table)} lignes écrites dans {sortie}.")
        if comparaison is not None:
            ecrire_tableau(comparaison_epci(table), comparaison)
            typer.echo(f"Comparaison des EPCI (taux et rangs par objectif) écrite dans {comparaison}.")
    else:
        if comparaison is not None:
            raise ErreurParametre("--comparaison demande plusieurs EPCI (fichier de territoire « epcis » ou « departement »).")
        terr = territoires[0]
        table = tableau_indicateurs(tables, terr, periode.du, periode.au)
        ecrire_tableau(table, sortie)
        typer.echo(f"Indicateurs {terr.nom_court}, {periode.libelle} : {len(table)} lignes écrites dans {sortie}.")
    if tables.rapport_import.get("donnees_fictives"):
        typer.echo("Attention : données fictives (échantillon de démonstration), à ne pas diffuser comme réelles.")
