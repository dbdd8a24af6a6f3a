"""The tidy table of every CIA indicator over a period (one row per indicateur × niveau × clé)."""

from __future__ import annotations

import pandas as pd

from cia_lib.territoire.config import Territoire

from ._communs import (
    LIBELLES_INDICATEURS,
    NATURE_EFFECTIF,
    NATURE_RATIO,
    NATURE_TAUX,
    bloc,
    compter,
    finaliser,
    preparer_baux,
    preparer_demandes,
    referentiel,
    verifier_periode,
)

# Lease-based shares: indicator -> (numerator column, denominator column, unknown column,
# target key in Territoire.objectifs or None, levels). Also used by the quarterly series.
DEFINITIONS_BAUX = {
    "q1_hors_qpv": ("num_q1", "hors_qpv", "inc_q1", "q1_hors_qpv", ("epci", "commune", "bailleur")),
    "hors_q1_en_qpv": ("num_qpv", "en_qpv", "inc_qpv", "hors_q1_en_qpv", ("epci", "commune", "bailleur")),
    "prioritaires": ("prioritaire", "tous", None, "prioritaires_total", ("epci", "commune", "reservataire", "bailleur")),
    "dalo": ("dalo", "tous", None, None, ("epci", "commune", "reservataire", "bailleur")),
    "prioritaires_hors_dalo": ("prio_hors_dalo", "tous", None, None, ("epci", "commune", "reservataire", "bailleur")),
    "mutations_part_attributions": ("mutation", "tous", None, None, ("epci", "commune", "bailleur")),
}

_COLONNES_BAUX = sorted({c for d in DEFINITIONS_BAUX.values() for c in d[:3] if c})
_COLONNES_DEMANDES = ["tous", "mutation", "delai_anormal"]


def cible_indicateur(indicateur: str, niveau: str, territoire: Territoire):
    """Target of an indicator at a level: a number, None, or a dict key -> target.

    Priority households per réservataire use each contingent's own ``cible`` (None = no
    target); every other level uses ``Territoire.objectifs``.
    """
    cle_objectif = DEFINITIONS_BAUX.get(indicateur, (None,) * 4)[3]
    if cle_objectif is None:
        return None
    if indicateur == "prioritaires" and niveau == "reservataire":
        return {code: r.cible for code, r in territoire.reservataires.items()}
    return territoire.objectifs[cle_objectif]


def tableau_indicateurs(donnees, territoire: Territoire, du, au, selection=None) -> pd.DataFrame:
    """Every CIA indicator over [du, au], for the EPCI and by commune, bailleur, réservataire.

    Unit of count: an attribution followed by a lease signed in the period (``date_bail``).
    Demand-side figures use the latest snapshot taken on or before ``au``.

    Parameters
    ----------
    donnees : cia_lib.entrees.donnees.Donnees
        Processed tables.
    territoire : cia_lib.territoire.config.Territoire
        Targets, thresholds, communes, bailleurs, réservataires, minimum count.
    du, au : datetime.date
        First and last day of the period (inclusive).
    selection : collection of (str, str), optional
        Only these (indicateur, niveau) blocks (their rows are those of the whole table);
        default every block.

    Returns
    -------
    pandas.DataFrame
        One row per indicateur × niveau × cle, columns :data:`COLONNES_TABLEAU`
        (indicateur, niveau, cle, libelle, numerateur, denominateur, taux, ic_bas, ic_haut,
        cible, ecart, statut, inconnus, nature, du, au). Rows are ordered by indicator
        (order of :data:`LIBELLES_INDICATEURS`), level (epci, commune, bailleur,
        réservataire, typologie) and key (configuration order, then other keys sorted).

    Raises
    ------
    ErreurParametre
        ``du`` after ``au``.
    ErreurSeuilManquant
        A lease year of the period has no 1st-quartile threshold.
    """
    du, au = verifier_periode(du, au)
    voulu = (lambda _i, _n: True) if selection is None else (lambda i, n, _s=frozenset(selection): (i, n) in _s)
    baux = preparer_baux(donnees, territoire, du, au)
    ref = referentiel(territoire, baux["bailleur"].dropna().unique())
    siren = territoire.siren
    demandes_preparees: list[pd.DataFrame] = []

    def demandes():
        if not demandes_preparees:
            demandes_preparees.append(preparer_demandes(donnees.demandes, territoire, au))
        return demandes_preparees[0]

    cb: dict[str, pd.DataFrame] = {}
    cd: dict[str, pd.DataFrame] = {}

    def comptes_baux(niveau):
        if niveau not in cb:
            cb[niveau] = compter(baux, "baux", niveau, _COLONNES_BAUX, siren)
        return cb[niveau]

    def comptes_demandes(niveau):
        if niveau not in cd:
            cd[niveau] = compter(demandes(), "demandes", niveau, _COLONNES_DEMANDES, siren)
        return cd[niveau]

    blocs: dict[str, list[pd.DataFrame]] = {nom: [] for nom in LIBELLES_INDICATEURS}

    for indicateur, (num, den, inc, _, niveaux) in DEFINITIONS_BAUX.items():
        for niveau in niveaux:
            if not voulu(indicateur, niveau):
                continue
            c = comptes_baux(niveau)
            blocs[indicateur].append(bloc(
                indicateur, niveau, ref, c[num], c[den],
                cible=cible_indicateur(indicateur, niveau, territoire),
                inconnus=c[inc] if inc else None,
            ))

    for niveau in ("epci", "commune"):
        for indicateur, colonne in (("mutations_part_demandes", "mutation"), ("demandes_delai_anormal", "delai_anormal")):
            if voulu(indicateur, niveau):
                d = comptes_demandes(niveau)
                blocs[indicateur].append(bloc(indicateur, niveau, ref, d[colonne], d["tous"]))

    for niveau in ("epci", "commune", "typologie"):
        for indicateur, colonne in (("pression", "tous"), ("pression_mutations", "mutation")):
            if voulu(indicateur, niveau):
                d, c = comptes_demandes(niveau), comptes_baux(niveau)
                blocs[indicateur].append(bloc(indicateur, niveau, ref, d[colonne], c[colonne], nature=NATURE_RATIO))

    for niveau in ("epci", "bailleur"):
        if voulu("mutations_internes", niveau):
            c = comptes_baux(niveau)
            blocs["mutations_internes"].append(
                bloc("mutations_internes", niveau, ref, c["mutation"], c["tous"], nature=NATURE_EFFECTIF))

    lignes = pd.concat([b for nom in LIBELLES_INDICATEURS for b in blocs[nom]], ignore_index=True)
    return finaliser(lignes, territoire, du, au)


__all__ = ["tableau_indicateurs", "DEFINITIONS_BAUX", "cible_indicateur", "NATURE_TAUX"]
