"""Row identity: the key columns of each table and the detection of rows whose key repeats."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .fichier_brut import COLONNE_LIGNE

CLES_UNICITE = {
    "attributions": ("id_attribution",),
    "demandes": ("date_extraction", "numero_unique"),
    "residences": ("id_residence",),
    "ops": ("annee_ops", "id_residence"),
    "conventions_flux": ("annee", "bailleur", "reservataire"),
}
"""Columns identifying a row: unique within one extract, the latest extract wins across extracts."""


def doublons(donnees: pd.DataFrame, cles: list[str], keep="first") -> np.ndarray:
    """Rows whose key repeats: ``donnees.duplicated(cles, keep=keep).to_numpy()``, faster.

    Each key column is encoded as integer codes (missing values equal to each other, as in
    pandas), then the combined codes go through pandas' integer hash table.

    Parameters
    ----------
    donnees : pandas.DataFrame
    cles : list of str
        Key columns.
    keep : {"first", "last", False}
        As in :meth:`pandas.DataFrame.duplicated`.

    Returns
    -------
    numpy.ndarray of bool
    """
    codes = np.zeros(len(donnees), dtype=np.int64)
    for rang, cle in enumerate(cles):
        indices, distinctes = pd.factorize(donnees[cle], use_na_sentinel=True)
        taille = len(distinctes) + 1
        indices = np.where(indices < 0, taille - 1, indices).astype(np.int64)  # missing: one more code
        codes = codes * taille + indices
        if rang < len(cles) - 1:  # keep the codes small for the next key
            codes = pd.factorize(codes)[0].astype(np.int64)
    return pd.Series(codes).duplicated(keep=keep).to_numpy()



def _lignes_doublons(table: str, donnees: pd.DataFrame) -> pd.Series:
    """For rows whose identifier repeats, the line numbers of all its occurrences ("2, 5")."""
    cles = list(CLES_UNICITE[table])
    doubles = donnees[donnees.duplicated(cles, keep=False) & donnees[cles].notna().all(axis=1)]
    if doubles.empty:
        return pd.Series(dtype=object)
    return doubles.groupby(cles, sort=False)[COLONNE_LIGNE].transform(
        lambda s: ", ".join(str(int(v)) for v in sorted(s)))
