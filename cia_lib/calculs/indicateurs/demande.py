"""Waiting time at lease and household profiles (housed households vs applicants)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cia_lib.calculs.menages import INCONNU, QUARTILES, enrichir_menages
from cia_lib.territoire.config import Territoire

from ._communs import (
    baux_signes,
    date_instantane,
    demandes_actives,
    mois_revolus,
    preparer_demandes,
    verifier_periode,
)

JOURS_PAR_MOIS = 365.25 / 12

TRANCHES_DELAI = (
    (0, 12, "moins d'1 an"),
    (12, 24, "1 à 2 ans"),
    (24, 36, "2 à 3 ans"),
    (36, 60, "3 à 5 ans"),
    (60, None, "5 ans et plus"),
)
TRANCHE_INCONNUE = "inconnu"


def _attente_baux(donnees, du, au) -> pd.DataFrame:
    """Leases of the period with waiting time in days, completed months and band."""
    baux = baux_signes(donnees.attributions, du, au)
    jours = (baux["date_bail"] - baux["date_depot"]).dt.days.astype("Float64")
    valide = (jours >= 0).fillna(False)
    mois = mois_revolus(baux["date_depot"], baux["date_bail"]).where(valide)
    bornes = [t[0] for t in TRANCHES_DELAI] + [np.inf]
    tranche = pd.cut(mois.astype("float64"), bins=bornes, right=False, labels=[t[2] for t in TRANCHES_DELAI])
    return pd.DataFrame({
        "jours": jours.where(valide),
        "mois": mois,
        "tranche": tranche.astype("string").fillna(TRANCHE_INCONNUE),
    })


def delais_attente(donnees, territoire: Territoire, du, au) -> pd.DataFrame:
    """Distribution of the waiting time at lease (``date_bail`` − ``date_depot``) by band.

    Bands in completed months: under 1 year, 1-2, 2-3, 3-5, 5 years and more; leases with
    no (or an inconsistent, later than the lease) filing date are in the ``inconnu`` row.

    Returns
    -------
    pandas.DataFrame
        Columns ``tranche``, ``effectif``, ``part`` (share among leases with a known
        waiting time; NA for the ``inconnu`` row and when no waiting time is known).
    """
    du, au = verifier_periode(du, au)
    attente = _attente_baux(donnees, du, au)
    ordre = [t[2] for t in TRANCHES_DELAI] + [TRANCHE_INCONNUE]
    effectifs = attente["tranche"].value_counts().reindex(ordre, fill_value=0).astype("Int64")
    connus = int(effectifs.iloc[:-1].sum())
    part = (effectifs.astype("Float64") / connus) if connus else pd.Series(pd.NA, index=ordre, dtype="Float64")
    part.iloc[-1] = pd.NA
    return pd.DataFrame({
        "tranche": pd.array(ordre, dtype="string"),
        "effectif": effectifs.to_numpy(),
        "part": part.astype("Float64").to_numpy(),
    })


def resume_delais(donnees, territoire: Territoire, du, au) -> dict:
    """Summary of waiting times: at lease over the period, and active demands at ``au``.

    Months at lease are ``(date_bail − date_depot)`` in days ÷ 30.4375; quartiles use
    pandas' default (linear interpolation). Active demands are those of the latest
    snapshot on or before ``au``; a demand is past the "délai anormalement long" when its
    seniority at the snapshot date is at least ``delai_anormalement_long_mois`` completed
    months.

    Returns
    -------
    dict
        ``mediane_mois``, ``q1_mois``, ``q3_mois`` (float or None), ``effectif`` (leases
        with a known waiting time), ``inconnus`` (leases without), ``demandes_actives``,
        ``demandes_delai_anormal``, ``part_delai_anormal`` (None without demands),
        ``date_instantane`` (Timestamp or None), ``delai_anormalement_long_mois``.
    """
    du, au = verifier_periode(du, au)
    attente = _attente_baux(donnees, du, au)
    mois = (attente["jours"] / JOURS_PAR_MOIS).dropna().astype("float64")

    def quantile(q):
        return None if mois.empty else round(float(mois.quantile(q)), 2)

    demandes = preparer_demandes(donnees.demandes, territoire, au)
    n_dem = int(len(demandes))
    n_anormal = int(demandes["delai_anormal"].sum())
    return {
        "mediane_mois": quantile(0.5),
        "q1_mois": quantile(0.25),
        "q3_mois": quantile(0.75),
        "effectif": int(len(mois)),
        "inconnus": int(len(attente) - len(mois)),
        "demandes_actives": n_dem,
        "demandes_delai_anormal": n_anormal,
        "part_delai_anormal": (n_anormal / n_dem) if n_dem else None,
        "date_instantane": date_instantane(donnees.demandes, au),
        "delai_anormalement_long_mois": territoire.delai_anormalement_long_mois,
    }


# --------------------------------------------------------------------------- profiles

LIBELLES_COMPOSITION = {
    "personne_seule": "Personne seule",
    "couple_sans_enfant": "Couple sans enfant",
    "couple_avec_enfants": "Couple avec enfant(s)",
    "famille_monoparentale": "Famille monoparentale",
    "autre": "Autre composition",
}
TRANCHES_AGE = ((0, 25, "moins de 25 ans"), (25, 35, "25 à 34 ans"), (35, 45, "35 à 44 ans"),
                (45, 55, "45 à 54 ans"), (55, 65, "55 à 64 ans"), (65, None, "65 ans et plus"))
TAILLES = ("1 personne", "2 personnes", "3 personnes", "4 personnes", "5 personnes et plus")
DIMENSIONS = {
    "composition": "Composition familiale",
    "age": "Âge du titulaire",
    "quartile": "Ressources par UC (quartile)",
    "taille": "Taille du ménage",
    "priorite": "Priorité",
    "mutation": "Mutation",
}
MODALITE_INCONNUE = "inconnu"


def _modalites(table: pd.DataFrame) -> dict[str, tuple[pd.Series, list[str]]]:
    """For each dimension: the modality of every row and the ordered list of modalities."""
    composition = table["composition"].map(LIBELLES_COMPOSITION).astype("string").fillna(MODALITE_INCONNUE)
    bornes_age = [t[0] for t in TRANCHES_AGE] + [np.inf]
    age = pd.cut(table["age_titulaire"].astype("float64"), bins=bornes_age, right=False,
                 labels=[t[2] for t in TRANCHES_AGE]).astype("string").fillna(MODALITE_INCONNUE)
    quartile = table["quartile"].astype("string").fillna(INCONNU)
    taille = pd.cut(table["nb_personnes"].astype("float64"), bins=[1, 2, 3, 4, 5, np.inf], right=False,
                    labels=list(TAILLES)).astype("string").fillna(MODALITE_INCONNUE)
    dalo = table["dalo"].astype("boolean").fillna(False).astype(bool)
    prio = table["prioritaire"].astype("boolean").fillna(False).astype(bool)
    priorite = pd.Series(np.select([dalo, prio], ["DALO", "Prioritaire hors DALO"], "Non prioritaire"),
                         index=table.index, dtype="string")
    mut = table["mutation"].astype("boolean")
    mutation = pd.Series(np.where(mut.fillna(False), "Mutation", "Hors mutation"), index=table.index,
                         dtype="string").where(mut.notna(), MODALITE_INCONNUE)
    return {
        "composition": (composition, list(LIBELLES_COMPOSITION.values()) + [MODALITE_INCONNUE]),
        "age": (age, [t[2] for t in TRANCHES_AGE] + [MODALITE_INCONNUE]),
        "quartile": (quartile, list(QUARTILES) + [INCONNU]),
        "taille": (taille, list(TAILLES) + [MODALITE_INCONNUE]),
        "priorite": (priorite, ["DALO", "Prioritaire hors DALO", "Non prioritaire"]),
        "mutation": (mutation, ["Mutation", "Hors mutation", MODALITE_INCONNUE]),
    }


def profils_menages(donnees, territoire: Territoire, du, au) -> pd.DataFrame:
    """Profile of households housed in the period vs applicants of the snapshot at ``au``.

    Attributaires: leases signed in [du, au] (resources quartile against the thresholds of
    the lease year). Demandeurs: active demands of the latest snapshot on or before ``au``
    (thresholds of the snapshot year). Shares are over all rows, ``inconnu`` included, so
    that each dimension sums to 1.

    Returns
    -------
    pandas.DataFrame
        Columns ``dimension`` (composition, age, quartile, taille, priorite, mutation),
        ``libelle_dimension``, ``modalite``, ``attributaires``, ``part_attributaires``,
        ``demandeurs``, ``part_demandeurs``.

    Raises
    ------
    ErreurSeuilManquant
        The lease year or the snapshot year has no 1st-quartile threshold.
    """
    du, au = verifier_periode(du, au)
    baux = enrichir_menages(baux_signes(donnees.attributions, du, au), territoire, "date_bail")
    demandes = enrichir_menages(demandes_actives(donnees.demandes, au), territoire, "date_extraction")
    m_baux, m_dem = _modalites(baux), _modalites(demandes)
    morceaux = []
    for dimension, libelle in DIMENSIONS.items():
        serie_b, ordre = m_baux[dimension]
        serie_d, _ = m_dem[dimension]
        nb_b = serie_b.value_counts().reindex(ordre, fill_value=0)
        nb_d = serie_d.value_counts().reindex(ordre, fill_value=0)
        morceaux.append(pd.DataFrame({
            "dimension": dimension,
            "libelle_dimension": libelle,
            "modalite": ordre,
            "attributaires": nb_b.to_numpy(),
            "part_attributaires": (nb_b / len(baux)).to_numpy() if len(baux) else np.nan,
            "demandeurs": nb_d.to_numpy(),
            "part_demandeurs": (nb_d / len(demandes)).to_numpy() if len(demandes) else np.nan,
        }))
    sortie = pd.concat(morceaux, ignore_index=True)
    for col in ("dimension", "libelle_dimension", "modalite"):
        sortie[col] = sortie[col].astype("string")
    for col in ("attributaires", "demandeurs"):
        sortie[col] = sortie[col].astype("Int64")
    for col in ("part_attributaires", "part_demandeurs"):
        sortie[col] = sortie[col].astype("Float64")
    return sortie


__all__ = ["delais_attente", "resume_delais", "profils_menages", "TRANCHES_DELAI", "DIMENSIONS"]
