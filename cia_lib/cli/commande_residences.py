"""``cia residences``: the fragility score of every residence for one OPS year, to CSV or Excel."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from cia_lib.calculs.residences import annee_ops_disponible, charger_parametres_fragilite, scores_fragilite
from cia_lib.entrees.donnees import charger_donnees
from cia_lib.restitution import sorties
from cia_lib.territoire.config import charger_territoire

from .app import app

FORMATS = (".csv", ".xlsx")


def ecrire_scores(scores: pd.DataFrame, sortie: Path) -> None:
    """Write the residence table (.csv or .xlsx, sheet « residences », column names kept as in
    docs/residences_sensibles.md): see :func:`cia_lib.restitution.sorties.ecrire_tableau`."""
    sorties.ecrire_tableau(scores, sortie, feuille="residences", formats=FORMATS, lisible=False)


@app.command("residences")
def residences(
    donnees: Path = typer.Option(..., "--donnees", help="Dossier des tables traitées (sortie de « cia importer »)."),
    annee_ops: int = typer.Option(..., "--annee-ops", help="Année de l'enquête OPS à exploiter (ex. 2024)."),
    sortie: Path = typer.Option(..., "--sortie", help="Fichier à écrire : .csv ou .xlsx."),
    territoire: Path | None = typer.Option(
        None, "--territoire", help="Fichier YAML du territoire (défaut : config/territoire.yaml)."
    ),
    parametres: Path | None = typer.Option(
        None, "--parametres", help="Paramètres du score (défaut : config/residences_sensibles.yaml)."
    ),
) -> None:
    """Calcule le score de fragilité des résidences (enquête OPS) et écrit une ligne par résidence.

    Colonnes : résidence, bailleur, commune, ménages enquêtés, part et ratio à la moyenne du
    territoire pour chaque indicateur, score, signalée (true/false), incertaine, motifs.
    """
    sorties.verifier_format(sortie, FORMATS)
    terr = charger_territoire(territoire)
    params = charger_parametres_fragilite(parametres)
    tables = charger_donnees(donnees)
    annee = annee_ops_disponible(tables.ops, annee_ops, exacte=True)
    scores = scores_fragilite(tables.ops, tables.residences, params, annee)
    scores.insert(
        scores.columns.get_loc("code_commune") + 1,
        "nom_commune",
        scores["code_commune"].map(lambda c: terr.communes.get(c, "") if isinstance(c, str) else "").astype("string"),
    )
    ecrire_scores(scores, sortie)
    nb_sig = int(scores["signalee"].fillna(False).sum())
    nb_inc = int(scores["incertaine"].fillna(False).sum())
    typer.echo(
        f"OPS {annee} : {len(scores)} résidences évaluées, {nb_sig} signalée{'s' if nb_sig > 1 else ''}, "
        f"{nb_inc} incertaine{'s' if nb_inc > 1 else ''}. Fichier écrit : {sortie}"
    )
