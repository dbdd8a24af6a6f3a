"""Where the period's leases were placed: flagged, uncertain or other residences, by bailleur and by residence."""

from __future__ import annotations

import pandas as pd

from cia_lib.territoire.config import Territoire

from ..indicateurs import baux_signes
from ..menages import enrichir_menages
from .parametres import EN_AUTRE, EN_INCERTAINE, EN_INCONNUE, EN_SIGNALEE, ENSEMBLE, SITUATIONS_PLACEMENT

# --------------------------------------------------------------------------- placements


def _date(x) -> pd.Timestamp:
    return pd.Timestamp(x)


def baux_periode(attributions: pd.DataFrame, territoire: Territoire, du, au) -> pd.DataFrame:
    """Leases signed in [du, au] (inclusive), with household columns (``q1``, ``prioritaire``...).

    Raises
    ------
    ErreurParametre
        ``du`` after ``au``.
    ErreurSeuilManquant
        A lease year of the period has no 1st-quartile threshold.
    """
    return enrichir_menages(baux_signes(attributions, du, au), territoire, "date_bail")


def _situations(baux: pd.DataFrame, residences_scores: pd.DataFrame) -> pd.Series:
    s = residences_scores.drop_duplicates("id_residence").set_index("id_residence")
    ids = baux["id_residence"]
    connue = ids.notna() & ids.isin(s.index)
    signalee = ids.map(s["signalee"].fillna(False).astype(bool)).fillna(False).astype(bool)
    incertaine = ids.map(s["incertaine"].fillna(True).astype(bool)).fillna(False).astype(bool)
    situation = pd.Series(EN_INCONNUE, index=baux.index, dtype="string")
    situation[connue] = EN_AUTRE
    situation[connue & incertaine] = EN_INCERTAINE
    situation[connue & signalee] = EN_SIGNALEE
    return situation


def _compter(baux: pd.DataFrame) -> dict:
    q1 = baux["q1"]
    return {
        "nb_baux": len(baux),
        "nb_q1": int(q1.fillna(False).astype(bool).sum()),
        "nb_ressources_inconnues": int(q1.isna().sum()),
        "nb_prioritaires": int(baux["prioritaire"].fillna(False).astype(bool).sum()),
        "nb_dalo": int(baux["dalo"].fillna(False).astype(bool).sum()),
    }


def controle_placement(
    attributions: pd.DataFrame, residences_scores: pd.DataFrame, territoire: Territoire, du, au
) -> pd.DataFrame:
    """Leases to 1st-quartile and priority households in flagged residences vs elsewhere.

    Parameters
    ----------
    attributions : pandas.DataFrame
        Processed attributions table.
    residences_scores : pandas.DataFrame
        Output of :func:`scores_fragilite` (the list in force for the period).
    territoire : Territoire
        For the 1st-quartile thresholds.
    du, au : date-like
        Lease dates ``date_bail`` in [du, au], bounds included.

    Returns
    -------
    pandas.DataFrame
        For each bailleur (alphabetical) then ``Ensemble``, one row per situation of the
        dwelling (``résidence signalée``, ``résidence incertaine``, ``autre résidence``,
        ``résidence non renseignée``: no ``id_residence`` or one absent from the list):
        ``nb_baux``, ``nb_q1`` (resources strictly below the year's threshold; unknown
        resources are never Q1 and stay in the denominator), ``part_q1``,
        ``nb_ressources_inconnues``, ``nb_prioritaires`` (DALO or labelled), ``part_prioritaires``,
        ``nb_dalo``, and ``part_des_q1`` / ``part_des_prioritaires``: the share of the
        bailleur's Q1 (priority) leases that went to this situation.

    Raises
    ------
    ErreurSeuilManquant
        A lease year in the period has no 1st-quartile threshold.
    """
    baux = baux_periode(attributions, territoire, du, au)
    baux = baux.assign(situation=_situations(baux, residences_scores))
    bailleurs = sorted(baux["bailleur"].dropna().astype(str).unique())
    lignes = []
    for bailleur in [*bailleurs, ENSEMBLE]:
        sous = baux if bailleur == ENSEMBLE else baux[baux["bailleur"] == bailleur]
        for situation in SITUATIONS_PLACEMENT:
            lignes.append({"bailleur": bailleur, "situation": situation, **_compter(sous[sous["situation"] == situation])})
    colonnes = ["bailleur", "situation", "nb_baux", "nb_q1", "nb_ressources_inconnues", "nb_prioritaires", "nb_dalo"]
    t = pd.DataFrame(lignes, columns=colonnes)
    entiers = colonnes[2:]
    t[entiers] = t[entiers].astype("Int64")

    def part(num, den):
        return (num.astype("Float64") / den.astype("Float64").where(den > 0)).astype("Float64")

    t["part_q1"] = part(t["nb_q1"], t["nb_baux"])
    t["part_prioritaires"] = part(t["nb_prioritaires"], t["nb_baux"])
    total_q1 = t.groupby("bailleur")["nb_q1"].transform("sum")
    total_prio = t.groupby("bailleur")["nb_prioritaires"].transform("sum")
    t["part_des_q1"] = part(t["nb_q1"], total_q1)
    t["part_des_prioritaires"] = part(t["nb_prioritaires"], total_prio)
    t["bailleur"] = t["bailleur"].astype("string")
    t["situation"] = t["situation"].astype("string")
    return t[["bailleur", "situation", "nb_baux", "nb_q1", "part_q1", "nb_ressources_inconnues",
              "nb_prioritaires", "part_prioritaires", "nb_dalo", "part_des_q1", "part_des_prioritaires"]]


def tableau_placement(controle: pd.DataFrame, mesure: str = "nb_q1") -> pd.DataFrame:
    """Wide table of one count of :func:`controle_placement`: bailleurs × situations.

    Rows: bailleurs then ``Ensemble`` (index); columns: the four situations then ``Total``.
    Ready for :func:`cia_lib.restitution.confidentialite.masquer_effectifs` with
    ``colonne_total="Total", ligne_total="Ensemble"``.
    """
    t = controle.pivot(index="bailleur", columns="situation", values=mesure)
    ordre = [b for b in controle["bailleur"].drop_duplicates()]
    t = t.reindex(index=ordre, columns=list(SITUATIONS_PLACEMENT)).astype("Int64")
    t["Total"] = t.sum(axis=1).astype("Int64")
    t.index.name = "bailleur"
    t.columns.name = None
    return t


def placement_par_residence(
    attributions: pd.DataFrame, residences_scores: pd.DataFrame, territoire: Territoire, du, au
) -> pd.DataFrame:
    """Leases of the period in each flagged residence (residence-level: mask in diffusion).

    Returns
    -------
    pandas.DataFrame
        One row per flagged residence: ``id_residence``, ``nom_residence``, ``bailleur``,
        ``code_commune``, ``nb_baux``, ``nb_q1``, ``nb_ressources_inconnues``,
        ``nb_prioritaires``, ``nb_dalo`` (zeros when no lease).
    """
    baux = baux_periode(attributions, territoire, du, au)
    signalees = residences_scores[residences_scores["signalee"].fillna(False).astype(bool)]
    lignes = []
    for r in signalees.itertuples(index=False):
        lignes.append({
            "id_residence": r.id_residence, "nom_residence": r.nom_residence, "bailleur": r.bailleur,
            "code_commune": r.code_commune, **_compter(baux[baux["id_residence"] == r.id_residence]),
        })
    colonnes = ["id_residence", "nom_residence", "bailleur", "code_commune",
                "nb_baux", "nb_q1", "nb_ressources_inconnues", "nb_prioritaires", "nb_dalo"]
    t = pd.DataFrame(lignes, columns=colonnes)
    t[colonnes[4:]] = t[colonnes[4:]].astype("Int64")
    return t


def tableau_synthese_placement(controle: pd.DataFrame) -> pd.DataFrame:
    """``Ensemble`` rows of :func:`controle_placement` (one per situation), for a quick read."""
    return controle[controle["bailleur"] == ENSEMBLE].drop(columns="bailleur").reset_index(drop=True)
