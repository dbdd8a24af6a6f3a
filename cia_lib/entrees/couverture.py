"""What the processed data cover: last lease and decision dates, demand snapshot dates.

The import writes this under ``"couverture"`` in ``rapport_import.json``
(:func:`couverture_tables`, called by :func:`cia_lib.entrees.importation.importer`); reports
state « données jusqu'au JJ/MM/AAAA » from it and the report runner refuses a period that
ends after it. For a folder imported before the coverage was recorded,
:func:`lire_couverture` computes it from the tables themselves (same result).

``jusqu_au`` is the most recent date found in the data: the last lease signed, the last
CALEOL decision or the last demand snapshot (``date_extraction``), whichever is latest.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from .donnees import FICHIER_RAPPORT_IMPORT

CLE_COUVERTURE = "couverture"
"""Key of the coverage in ``rapport_import.json``."""

COLONNES_DATES = {
    "attributions": {"premier_bail": ("date_bail", "min"), "dernier_bail": ("date_bail", "max"),
                     "premiere_decision": ("date_decision", "min"), "derniere_decision": ("date_decision", "max")},
    "demandes": {"premier_instantane": ("date_extraction", "min"), "dernier_instantane": ("date_extraction", "max")},
}
"""Dates recorded for each table: name → (column, min or max)."""


def _iso(valeur) -> str | None:
    if valeur is None or pd.isna(valeur):
        return None
    return pd.Timestamp(valeur).date().isoformat()


def couverture_table(table: str, donnees: pd.DataFrame) -> dict:
    """Dates covered by one table (or one extract of it); ``{}`` for tables without dates.

    Examples
    --------
    >>> df = pd.DataFrame({"date_bail": pd.to_datetime(["2026-01-05", None]),
    ...                    "date_decision": pd.to_datetime(["2025-12-20", "2026-09-30"])})
    >>> couverture_table("attributions", df)["dernier_bail"], couverture_table("attributions", df)["derniere_decision"]
    ('2026-01-05', '2026-09-30')
    """
    sortie = {}
    for nom, (colonne, sens) in COLONNES_DATES.get(table, {}).items():
        serie = donnees[colonne] if colonne in donnees.columns else pd.Series([], dtype="datetime64[ns]")
        sortie[nom] = _iso(serie.min() if sens == "min" else serie.max())
    if table == "demandes" and "date_extraction" in donnees.columns:
        sortie["instantanes"] = sorted({d for d in map(_iso, donnees["date_extraction"].dropna().unique()) if d})
    return sortie


def couverture_par_extrait(table: str, donnees: pd.DataFrame, colonne_fichier: str) -> dict[str, dict]:
    """:func:`couverture_table` for each source extract (``colonne_fichier`` names it)."""
    if table not in COLONNES_DATES:
        return {}
    return {str(nom): couverture_table(table, morceau)
            for nom, morceau in donnees.groupby(colonne_fichier, sort=True, observed=True)}


def fin_couverture(couverture: dict) -> str | None:
    """Most recent date among the last lease, decision and demand snapshot (ISO) or None."""
    dates = [couverture.get("attributions", {}).get("dernier_bail"),
             couverture.get("attributions", {}).get("derniere_decision"),
             couverture.get("demandes", {}).get("dernier_instantane")]
    dates = [d for d in dates if d]
    return max(dates) if dates else None


def couverture_tables(tables: dict[str, pd.DataFrame], par_extrait: dict[str, dict] | None = None) -> dict:
    """The coverage written in ``rapport_import.json``.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Processed tables (``attributions``, ``demandes``…).
    par_extrait : dict, optional
        ``{table: {fichier: couverture}}`` (:func:`couverture_par_extrait`).

    Returns
    -------
    dict
        ``{"jusqu_au", "attributions": {...}, "demandes": {...}, "par_extrait": {...}}``
        with ISO dates (None when a table has no date).
    """
    couverture = {t: couverture_table(t, tables[t]) for t in COLONNES_DATES if t in tables}
    couverture["jusqu_au"] = fin_couverture(couverture)
    couverture["par_extrait"] = par_extrait or {}
    return couverture


def lire_couverture(dossier) -> dict:
    """Coverage of a processed folder: from ``rapport_import.json``, else from the tables
    (only their date columns are read; a missing table covers nothing)."""
    dossier = Path(dossier)
    chemin = dossier / FICHIER_RAPPORT_IMPORT
    if chemin.exists():
        try:
            rapport = json.loads(chemin.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            rapport = {}
        if isinstance(rapport.get(CLE_COUVERTURE), dict):
            return rapport[CLE_COUVERTURE]
    tables = {}
    for table, noms in COLONNES_DATES.items():
        colonnes = sorted({c for c, _ in noms.values()})
        fichier = dossier / f"{table}.parquet"
        tables[table] = (pd.read_parquet(fichier, columns=colonnes).apply(pd.to_datetime) if fichier.exists()
                         else pd.DataFrame({c: pd.Series([], dtype="datetime64[ns]") for c in colonnes}))
    return couverture_tables(tables)


def couverture_rapport(rapport_import: dict, tables) -> dict:
    """Coverage from an import report already loaded, else computed from ``tables``
    (a :class:`cia_lib.entrees.donnees.Donnees`)."""
    if isinstance(rapport_import.get(CLE_COUVERTURE), dict):
        return rapport_import[CLE_COUVERTURE]
    return couverture_tables({t: getattr(tables, t) for t in COLONNES_DATES})


def date_couverture(couverture: dict) -> dt.date | None:
    """``jusqu_au`` as a date (None when the data hold no date)."""
    fin = couverture.get("jusqu_au")
    return dt.date.fromisoformat(fin) if fin else None
