"""Reading the processed tables written by the import (``data/processed``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cia_lib.erreurs import ErreurFichier

from . import schema

FICHIER_RAPPORT_IMPORT = "rapport_import.json"
FICHIER_REJETS = "rejets.csv"

COLONNES_COMMUNE = {"attributions": "code_commune", "demandes": "code_commune_souhaitee", "residences": "code_commune"}
"""Column giving the commune of each row of a processed table (OPS rows follow their residence):
what restricts a table to a territory."""


@dataclass
class Donnees:
    """The four processed tables plus the import report (and the optional flux conventions)."""

    attributions: pd.DataFrame
    demandes: pd.DataFrame
    residences: pd.DataFrame
    ops: pd.DataFrame
    rapport_import: dict = field(default_factory=dict)
    dossier: Path | None = None
    conventions_flux: pd.DataFrame | None = None
    """None when the source folder had no ``conventions_flux`` file."""


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
        if nom in df.columns:
            serie = df[nom]
        else:
            serie = pd.Series([col.defaut] * len(df), index=df.index)
        sortie[nom] = _typer_serie(serie, col)
    return pd.DataFrame(sortie, index=df.index).reset_index(drop=True)


def _typer_serie(serie: pd.Series, col) -> pd.Series:
    """One column cast to its processed dtype (no copy when it already has it, as when read
    from a Parquet file written by the import)."""
    dtype = schema.DTYPES[col.type]
    if str(serie.dtype) != str(pd.api.types.pandas_dtype(dtype)):
        serie = pd.to_datetime(serie).astype(dtype) if col.type == "date" else serie.astype(dtype)
    if col.defaut is not None and serie.hasnans:
        serie = serie.fillna(col.defaut)
    return serie


def _lire_colonnes(table: str, chemin: Path, colonnes, filtre=None) -> pd.DataFrame:
    """Only ``colonnes`` of a processed table (typed, in canonical order)."""
    voulues = set(colonnes)
    definitions = [
        (schema.COLONNE_PSEUDONYME if c.nom == "numero_unique" else c.nom, c) for c in schema.TABLES[table]
    ]
    inconnues = voulues - {nom for nom, _ in definitions}
    if inconnues:
        raise ErreurFichier(chemin, f"colonnes inconnues demandées : {', '.join(sorted(inconnues))}")
    import pyarrow.parquet as pq

    presentes = set(pq.ParquetFile(chemin).schema_arrow.names)
    lues = [nom for nom, _ in definitions if nom in voulues and nom in presentes]
    df = _lire_parquet(chemin, lues, filtre)
    sortie = {}
    for nom, col in definitions:
        if nom not in voulues:
            continue
        serie = df[nom] if nom in df.columns else pd.Series([col.defaut] * len(df), index=df.index)
        sortie[nom] = _typer_serie(serie, col)
    return pd.DataFrame(sortie, index=df.index).reset_index(drop=True)


def lire_rapport_import(dossier) -> dict:
    """The import report (``rapport_import.json``) of a processed folder, ``{}`` when absent."""
    chemin = Path(dossier) / FICHIER_RAPPORT_IMPORT
    return json.loads(chemin.read_text(encoding="utf-8")) if chemin.exists() else {}


def charger_donnees(dossier, colonnes=None, communes=None) -> Donnees:
    """Load the processed tables from ``dossier``.

    Parameters
    ----------
    dossier : path-like
        Folder written by ``cia importer``.
    colonnes : mapping, optional
        Table name → processed columns to read (e.g.
        :data:`cia_lib.calculs.indicateurs.multi.COLONNES_MULTI_EPCI`): only those are read from
        the Parquet file (faster on national data); a table missing from the mapping is
        read whole. Default: every column of every table.
    communes : iterable of str, optional
        Read only the rows of these communes (:data:`COLONNES_COMMUNE`; OPS rows of the
        residences read): the filter is applied while reading the Parquet files, so that one
        EPCI's report on national data does not load the whole country. Same tables as
        :func:`cia_lib.calculs.indicateurs.multi.restreindre` on the whole tables.

    Returns
    -------
    Donnees

    Raises
    ------
    ErreurFichier
        When a table is missing (import not run), or an unknown column is asked for.
    """
    dossier = Path(dossier)
    # The current version, resolved once: an import publishing meanwhile never mixes two versions.
    pointeur = dossier / ".actuelle"
    lu = pointeur.resolve() if pointeur.is_dir() else dossier
    colonnes = dict(colonnes or {})
    communes = None if communes is None else sorted({str(c) for c in communes})
    tables = {}
    for nom in schema.NOMS_TABLES:
        chemin = lu / f"{nom}.parquet"
        if not chemin.exists():
            raise ErreurFichier(
                chemin, "table traitée introuvable ; lancez d'abord « cia importer »."
            )
        filtre = None
        if communes is not None:
            if nom in COLONNES_COMMUNE:
                filtre = (COLONNES_COMMUNE[nom], communes)
            elif nom == "ops":
                residences = tables["residences"]
                if "id_residence" not in residences.columns:  # not among the columns asked for
                    residences = _lire_parquet(lu / "residences.parquet", ["id_residence"],
                                               (COLONNES_COMMUNE["residences"], communes))
                filtre = ("id_residence", sorted(set(residences["id_residence"].dropna())))
        if nom in colonnes:
            tables[nom] = _lire_colonnes(nom, chemin, colonnes[nom], filtre)
        else:
            tables[nom] = typer_table(nom, _lire_parquet(chemin, None, filtre))
    for nom in schema.TABLES_FACULTATIVES:
        chemin = lu / f"{nom}.parquet"
        if chemin.exists():
            tables[nom] = typer_table(nom, pd.read_parquet(chemin))
    return Donnees(**tables, rapport_import=lire_rapport_import(lu), dossier=dossier)


def _lire_parquet(chemin: Path, colonnes, filtre) -> pd.DataFrame:
    """``pd.read_parquet`` of ``colonnes`` (all when None), keeping the rows whose column
    ``filtre[0]`` is in ``filtre[1]`` when ``filtre`` is given (filter pushed into pyarrow)."""
    if filtre is None:
        return pd.read_parquet(chemin, columns=colonnes)
    colonne, valeurs = filtre
    if colonnes is not None and colonne not in colonnes:
        df = pd.read_parquet(chemin, columns=[*colonnes, colonne], filters=[(colonne, "in", valeurs)])
        return df.drop(columns=colonne)
    return pd.read_parquet(chemin, columns=colonnes, filters=[(colonne, "in", valeurs)])
