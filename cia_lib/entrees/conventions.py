"""Checks of the flux conventions (bailleur × réservataire × year) that flag without rejecting.

The rejecting rules (shares in [0, 1], shares of a bailleur and year adding up to at most 1,
one convention per bailleur × réservataire × year) are in :mod:`cia_lib.entrees.regles`. What
this module flags is legal but worth a look: the préfet's share above the ceilings of article
R441-5 CCH (30 % of the flux, of which at most 5 % for civil servants: ``config/flux.yaml``).
"""

from __future__ import annotations

import pandas as pd

from cia_lib.territoire.parametres_flux import ParametresFlux, parametres_flux

CONTINGENTS_ETAT = ("etat", "etat_fonctionnaires")
_TOLERANCE = 1e-9


def _pourcent(part: float) -> str:
    return f"{round(100 * part, 1):g}".replace(".", ",") + " %"


def parts_etat(conventions: pd.DataFrame) -> pd.DataFrame:
    """The préfet's share of each bailleur's flux, per year.

    Parameters
    ----------
    conventions : pandas.DataFrame
        Processed ``conventions_flux`` (``bailleur``, ``reservataire``, ``annee``, ``part_flux``).

    Returns
    -------
    pandas.DataFrame
        ``bailleur``, ``annee``, ``part_etat`` (both État contingents), ``part_etat_fonctionnaires``,
        sorted by bailleur and year; only the bailleurs × years with an État convention.

    Examples
    --------
    >>> c = pd.DataFrame({"bailleur": ["A", "A", "A"], "reservataire": ["etat", "etat_fonctionnaires", "collectivite"],
    ...                   "annee": [2025] * 3, "part_flux": [0.25, 0.07, 0.2]})
    >>> parts_etat(c).round(2).values.tolist()
    [['A', 2025, 0.32, 0.07]]
    """
    etat = conventions[conventions["reservataire"].isin(CONTINGENTS_ETAT)]
    parts = pd.to_numeric(etat["part_flux"], errors="coerce").astype("float64")
    fonctionnaires = parts.where(etat["reservataire"] == "etat_fonctionnaires", 0.0)
    table = pd.DataFrame({"bailleur": etat["bailleur"].astype(object), "annee": etat["annee"].astype("int64"),
                          "part_etat": parts, "part_etat_fonctionnaires": fonctionnaires})
    return table.groupby(["bailleur", "annee"], as_index=False, sort=True)[
        ["part_etat", "part_etat_fonctionnaires"]].sum()


def alertes_conventions(conventions: pd.DataFrame, parametres: ParametresFlux | None = None) -> list[str]:
    """French warnings for the État shares above the R441-5 ceilings (the rows are kept).

    ``parametres``: the ceilings (default ``config/flux.yaml``).

    Examples
    --------
    >>> c = pd.DataFrame({"bailleur": ["A", "A", "B"], "reservataire": ["etat", "etat_fonctionnaires", "etat"],
    ...                   "annee": [2025, 2025, 2025], "part_flux": [0.25, 0.07, 0.3]})
    >>> for a in alertes_conventions(c): print(a)
    A, 2025 : part de l'État 32 % du flux, au-dessus du plafond de 30 % (art. R441-5 CCH) ; à vérifier.
    A, 2025 : part de l'État pour ses agents 7 %, au-dessus du plafond de 5 % (art. R441-5 CCH) ; à vérifier.
    """
    parametres = parametres or parametres_flux()
    plafond, plafond_agents = parametres.plafond_etat, parametres.plafond_agents_etat
    alertes = []
    for ligne in parts_etat(conventions).itertuples(index=False):
        if ligne.part_etat > plafond + _TOLERANCE:
            alertes.append(
                f"{ligne.bailleur}, {ligne.annee} : part de l'État {_pourcent(ligne.part_etat)} du flux, au-dessus "
                f"du plafond de {_pourcent(plafond)} (art. R441-5 CCH) ; à vérifier.")
        if ligne.part_etat_fonctionnaires > plafond_agents + _TOLERANCE:
            alertes.append(
                f"{ligne.bailleur}, {ligne.annee} : part de l'État pour ses agents "
                f"{_pourcent(ligne.part_etat_fonctionnaires)}, au-dessus du plafond de "
                f"{_pourcent(plafond_agents)} (art. R441-5 CCH) ; à vérifier.")
    return alertes
