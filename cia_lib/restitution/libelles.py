"""The one table of French labels a reader sees: indicators, levels, columns, sheet names.

Read once from ``config/libelles.yaml``; used by the HTML tables
(:func:`cia_lib.restitution.presentation.tableau_html`), the charts and the Excel workbooks,
so that a code such as ``q1_hors_qpv`` or ``numerateur`` never reaches a reader.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from cia_lib.territoire.chemins import CONFIG
from cia_lib.territoire.config import lire_yaml

FICHIER_LIBELLES = CONFIG / "libelles.yaml"
"""Where the labels live (one place per fact)."""

COLONNES_CODES = {"indicateur": "indicateurs", "niveau": "niveaux"}
"""Columns whose cells hold codes, and the section of the table that translates them."""

NATURE_TAUX, NATURE_RATIO, NATURE_EFFECTIF = "taux", "ratio", "effectif"


@lru_cache(maxsize=1)
def table_libelles() -> dict:
    """The label table (``indicateurs``, ``natures``, ``niveaux``, ``colonnes``,
    ``colonnes_entieres``, ``colonnes_decimales``, ``feuilles``), read once per process."""
    brut = lire_yaml(FICHIER_LIBELLES, "table des libellés")
    return {
        "indicateurs": dict(brut.get("indicateurs") or {}),
        "natures": dict(brut.get("natures") or {}),
        "niveaux": dict(brut.get("niveaux") or {}),
        "colonnes": dict(brut.get("colonnes") or {}),
        "colonnes_entieres": tuple(brut.get("colonnes_entieres") or ()),
        "colonnes_decimales": tuple(brut.get("colonnes_decimales") or ()),
        "feuilles": dict(brut.get("feuilles") or {}),
    }


def libelle_indicateur(code: str) -> str:
    """Short French name of an indicator (the code itself when unknown).

    Examples
    --------
    >>> libelle_indicateur("q1_hors_qpv")
    '1er quartile hors QPV'
    """
    return table_libelles()["indicateurs"].get(str(code), str(code))


def libelle_niveau(code: str) -> str:
    """French name of a level of the indicator table.

    Examples
    --------
    >>> libelle_niveau("reservataire")
    'Réservataire'
    """
    return table_libelles()["niveaux"].get(str(code), str(code))


def libelle_colonne(nom: str) -> str:
    """French header of a column (the name itself when it is not a known code).

    Examples
    --------
    >>> libelle_colonne("numerateur"), libelle_colonne("Baux signés")
    ('Effectif', 'Baux signés')
    """
    return table_libelles()["colonnes"].get(str(nom), str(nom))


def libelle_feuille(nom: str) -> str:
    """French sheet name for a table published under ``nom``.

    Examples
    --------
    >>> libelle_feuille("placement_nb_q1"), libelle_feuille("Section V")
    ('Placement - baux Q1', 'Section V')
    """
    return table_libelles()["feuilles"].get(str(nom), str(nom))


def nature_indicateur(code: str) -> str:
    """``taux`` (a share, shown in %), ``ratio`` (demands per lease) or ``effectif``.

    Examples
    --------
    >>> nature_indicateur("pression"), nature_indicateur("q1_hors_qpv")
    ('ratio', 'taux')
    """
    return table_libelles()["natures"].get(str(code), NATURE_TAUX)


def est_colonne_entiere(nom: str) -> bool:
    """True for a column of whole numbers (leases, demands), rounded when shown.

    Examples
    --------
    >>> est_colonne_entiere("baux_projetes"), est_colonne_entiere("taux")
    (True, False)
    """
    return str(nom) in table_libelles()["colonnes_entieres"]


def est_colonne_decimale(nom: str) -> bool:
    """True for a column always shown with one decimal (weights of a score: ``2,0``).

    Examples
    --------
    >>> est_colonne_decimale("poids"), est_colonne_decimale("numerateur")
    (True, False)
    """
    return str(nom) in table_libelles()["colonnes_decimales"]


def traduire_codes(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` whose ``indicateur`` and ``niveau`` cells hold French labels.

    Examples
    --------
    >>> traduire_codes(pd.DataFrame({"indicateur": ["pression"], "niveau": ["epci"]})).iloc[0].tolist()
    ['Pression (demandes par bail)', "Ensemble de l'EPCI"]
    """
    sortie = df.copy()
    for colonne, section in COLONNES_CODES.items():
        if colonne in sortie.columns:
            table = table_libelles()[section]
            sortie[colonne] = sortie[colonne].map(lambda v, t=table: t.get(v, v) if isinstance(v, str) else v)
    return sortie


def lignes_ratio(df: pd.DataFrame) -> list[int]:
    """Positions of the rows of ``df`` whose indicator is a ratio (its « taux » is not a share).

    Examples
    --------
    >>> lignes_ratio(pd.DataFrame({"indicateur": ["q1_hors_qpv", "pression"]}))
    [1]
    """
    if "indicateur" not in df.columns:
        return []
    return [i for i, code in enumerate(df["indicateur"]) if nature_indicateur(code) == NATURE_RATIO]
