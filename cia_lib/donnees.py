"""Reading the processed tables written by the import (``data/processed``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import schema
from .erreurs import ErreurFichier

FICHIER_RAPPORT_IMPORT = "rapport_import.json"
FICHIER_REJETS = "rejets.csv"


@dataclass
class Donnees:
    """The four processed tables plus the import report."""

    attributions: pd.DataFrame
    demandes: pd.DataFrame
    residences: pd.DataFrame
    ops: pd.DataFrame
    rapport_import: dict = field(default_factory=dict)
    dossier: Path | None = None


def tables_vides() -> dict[str, pd.DataFrame]:
    """Empty processed tables with the right columns and dtypes (handy for tests)."""
    return {
        nom: pd.DataFrame({c: pd.Series(dtype=t) for c, t in schema.dtypes_traites(nom).items()})
        for nom in schema.NOMS_TABLES
    }


def typer_table(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """Cast a DataFrame to the processed dtypes of ``table`` (columns in canonical order).

    Missing optional columns are added empty (with their default when the contract gives
    one). Used by the import and by tests building small fixtures.
    """
    sortie = {}
    for col in schema.TABLES[table]:
        nom = schema.COLONNE_PSEUDONYME if col.nom == "numero_unique" else col.nom
        dtype = schema.DTYPES[col.type]
        if nom in df.columns:
            serie = df[nom]
        else:
            serie = pd.Series([col.defaut] * len(df), index=df.index)
        if col.type == "date":
            serie = pd.to_datetime(serie).astype(dtype)
        else:
            serie = serie.astype(dtype)
        if col.defaut is not None:
            serie = serie.fillna(col.defaut)
        sortie[nom] = serie
    return pd.DataFrame(sortie, index=df.index).reset_index(drop=True)


def charger_donnees(dossier) -> Donnees:
    """Load the processed tables from ``dossier``.

    Parameters
    ----------
    dossier : path-like
        Folder written by ``cia importer``.

    Returns
    -------
    Donnees

    Raises
    ------
    ErreurFichier
        When a table is missing (import not run).
    """
    dossier = Path(dossier)
    tables = {}
    for nom in schema.NOMS_TABLES:
        chemin = dossier / f"{nom}.parquet"
        if not chemin.exists():
            raise ErreurFichier(
                chemin, "table traitée introuvable ; lancez d'abord « cia importer »."
            )
        tables[nom] = typer_table(nom, pd.read_parquet(chemin))
    rapport_chemin = dossier / FICHIER_RAPPORT_IMPORT
    rapport = json.loads(rapport_chemin.read_text(encoding="utf-8")) if rapport_chemin.exists() else {}
    return Donnees(**tables, rapport_import=rapport, dossier=dossier)
