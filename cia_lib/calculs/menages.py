"""Household arithmetic: consumption units, resources per UC, quartile position, priority.

Pure, vectorised functions over pandas Series. The UC scale and thresholds come from the
territory configuration; none is hard-coded here.
"""

from __future__ import annotations

import pandas as pd

from cia_lib.erreurs import ErreurSeuilManquant
from cia_lib.territoire.config import EchelleUC, Territoire

INCONNU = "inconnu"
QUARTILES = ("Q1", "Q2", "Q3", "Q4")


def unites_consommation(nb_personnes: pd.Series, nb_moins_14: pd.Series, echelle: EchelleUC) -> pd.Series:
    """Consumption units of each household.

    ``premier_adulte`` for the lease-holder, ``autre_personne`` for every other person aged
    ``age_seuil_enfant`` or over, ``enfant`` for every child under that age.

    Parameters
    ----------
    nb_personnes, nb_moins_14 : pandas.Series of int
        Household size and persons under the age cut (missing = 0).
    echelle : EchelleUC

    Returns
    -------
    pandas.Series of float (NA where the size is unknown)

    Examples
    --------
    >>> import pandas as pd
    >>> unites_consommation(pd.Series([1, 2, 4]), pd.Series([0, 0, 2]), EchelleUC()).round(2).tolist()
    [1.0, 1.5, 2.1]
    """
    n = pd.to_numeric(nb_personnes, errors="coerce").astype("Float64")
    enfants = pd.to_numeric(nb_moins_14, errors="coerce").astype("Float64").fillna(0)
    # The lease-holder is an adult: at most n - 1 children (guards against inconsistent rows).
    enfants = enfants.clip(lower=0).where(enfants <= n - 1, (n - 1).clip(lower=0))
    autres = (n - 1 - enfants).clip(lower=0)
    return echelle.premier_adulte + echelle.autre_personne * autres + echelle.enfant * enfants


def ressources_annuelles_par_uc(ressources_mensuelles: pd.Series, uc: pd.Series) -> pd.Series:
    """Annual resources per UC: monthly resources × 12 ÷ UC (NA when resources are unknown).

    The result is rounded to the micro-euro so that floating-point noise never moves a
    household exactly at a threshold to the other side (e.g. 2 032,625 € a month for
    2,1 UC is exactly 11 615 € per UC, not 11 614,999 999 999 998).

    Examples
    --------
    >>> import pandas as pd
    >>> ressources_annuelles_par_uc(pd.Series([2032.625, None]), pd.Series([2.1, 1.0])).tolist()
    [11615.0, <NA>]
    """
    r = pd.to_numeric(ressources_mensuelles, errors="coerce").astype("Float64")
    return (r * 12 / uc.astype("Float64")).round(6)


def seuils_par_annee(annees: pd.Series, territoire: Territoire, rang: str = "q1") -> pd.Series:
    """Threshold of each row's year (``rang`` = "q1", "q2" or "q3").

    Raises
    ------
    ErreurSeuilManquant
        If any non-missing year has no threshold in the configuration.
    """
    annees = pd.Series(annees).astype("Int64")
    connues = set(territoire.seuils)
    for annee in sorted(set(annees.dropna().unique()) - connues):
        raise ErreurSeuilManquant(int(annee), territoire.siren, territoire.chemin_seuils)
    valeurs = {a: getattr(s, rang) for a, s in territoire.seuils.items()}
    return annees.map(valeurs).astype("Float64")


def est_sous_seuil(ressources_uc: pd.Series, seuil: pd.Series) -> pd.Series:
    """True when resources per UC are strictly below the threshold; NA when unknown.

    Examples
    --------
    >>> import pandas as pd
    >>> est_sous_seuil(pd.Series([11614.99, 11615.0, None]), pd.Series([11615.0] * 3)).tolist()
    [True, False, <NA>]
    """
    r = pd.Series(ressources_uc).astype("Float64")
    s = pd.Series(seuil, index=r.index).astype("Float64")
    return (r < s).astype("boolean")


def position_quartile(ressources_uc: pd.Series, q1: pd.Series, q2: pd.Series, q3: pd.Series) -> pd.Series:
    """Quartile label ("Q1"…"Q4", or "inconnu") against the year's thresholds (strict bounds)."""
    r = pd.Series(ressources_uc).astype("Float64")
    resultat = pd.Series(INCONNU, index=r.index, dtype="string")
    connu = r.notna()
    bornes = [q1, q2, q3]
    etiquette = pd.Series("Q4", index=r.index, dtype="string")
    for nom, borne in zip(reversed(QUARTILES[:3]), reversed(bornes)):
        b = pd.Series(borne, index=r.index).astype("Float64")
        etiquette = etiquette.mask((r < b).fillna(False), nom)
    resultat[connu] = etiquette[connu]
    # A missing q2 (q3) threshold leaves households above Q1 (above Q2) as unknown rather
    # than guessed.
    for sures, borne in ((("Q1",), q2), (("Q1", "Q2"), q3)):
        b = pd.Series(borne, index=r.index).astype("Float64")
        resultat = resultat.mask(connu & b.isna() & ~resultat.isin(sures), INCONNU)
    return resultat


def est_prioritaire(dalo: pd.Series, prioritaire_l441: pd.Series) -> pd.Series:
    """Priority household: DALO-recognised or labelled priority (missing = False)."""
    return dalo.astype("boolean").fillna(False) | prioritaire_l441.astype("boolean").fillna(False)


def enrichir_menages(table: pd.DataFrame, territoire: Territoire, colonne_date: str) -> pd.DataFrame:
    """Add household-derived columns to attributions or demands.

    Added columns: ``uc``, ``ressources_uc``, ``seuil_q1``, ``q1`` (boolean, NA when
    resources are unknown), ``quartile`` ("Q1"…"Q4"/"inconnu"), ``prioritaire``.
    The threshold is that of the year of ``colonne_date`` (lease date for attributions,
    snapshot date for demands); rows without that date get NA thresholds.

    Raises
    ------
    ErreurSeuilManquant
        A year present in ``colonne_date`` has no threshold.
    """
    sortie = table.copy()
    annees = sortie[colonne_date].dt.year.astype("Int64")
    sortie["uc"] = unites_consommation(sortie["nb_personnes"], sortie["nb_moins_14"], territoire.echelle_uc)
    sortie["ressources_uc"] = ressources_annuelles_par_uc(sortie["ressources_mensuelles"], sortie["uc"])
    q1 = seuils_par_annee(annees, territoire, "q1")
    q2 = seuils_par_annee(annees, territoire, "q2")
    q3 = seuils_par_annee(annees, territoire, "q3")
    sortie["seuil_q1"] = q1
    sortie["q1"] = est_sous_seuil(sortie["ressources_uc"], q1)
    sortie["quartile"] = position_quartile(sortie["ressources_uc"], q1, q2, q3)
    sortie["prioritaire"] = est_prioritaire(sortie["dalo"], sortie["prioritaire_l441"])
    return sortie


__all__ = [
    "unites_consommation", "ressources_annuelles_par_uc", "seuils_par_annee", "est_sous_seuil",
    "position_quartile", "est_prioritaire", "enrichir_menages", "INCONNU", "QUARTILES",
]

