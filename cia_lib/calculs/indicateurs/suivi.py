"""Follow-up within and across years, the attribution funnel and data-quality counts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from cia_lib.calculs.periodes import fin_trimestre, verifier_trimestre
from cia_lib.calculs.statistiques import intervalle_wilson, statut_taux
from cia_lib.erreurs import ErreurParametre
from cia_lib.territoire.config import Territoire

from ._communs import baux_signes, besoin_supplementaire, dans_periode, preparer_baux, verifier_periode
from .tableau import DEFINITIONS_BAUX

INDICATEURS_PROGRESSION = ("q1_hors_qpv", "prioritaires")


def _objectif(indicateur: str, territoire: Territoire) -> float | None:
    cle = DEFINITIONS_BAUX[indicateur][3]
    return None if cle is None else territoire.objectifs[cle]


def _trimestre(dates: pd.Series) -> pd.Series:
    return ((dates.dt.month - 1) // 3 + 1).astype("Int64")


def progression_annuelle(donnees, territoire: Territoire, annee: int, trimestre: int) -> pd.DataFrame:
    """Year-to-date rates at the end of each quarter, and what is still needed by year end.

    For each quarter end T ≤ ``trimestre`` and each indicator (``q1_hors_qpv``,
    ``prioritaires``, EPCI total): cumulative numerator and denominator from 1 January.
    The year's volume is projected from the year-to-date pace::

        baux_projetes = denominateur × jours_de_l_annee / jours_ecoules
        supplementaires_necessaires = max(0, ceil(cible × baux_projetes) − numerateur)

    where ``jours_ecoules`` runs from 1 January to the quarter end inclusive (at T4 the
    projection is the actual volume and the figure is the year's shortfall).

    Parameters
    ----------
    donnees : cia_lib.entrees.donnees.Donnees
    territoire : cia_lib.territoire.config.Territoire
    annee : int
    trimestre : int
        Last quarter (1-4) to include.

    Returns
    -------
    pandas.DataFrame
        Columns ``indicateur, annee, trimestre, du, au, numerateur, denominateur, taux,
        ic_bas, ic_haut, cible, statut, baux_projetes, supplementaires_necessaires``,
        ordered by indicator then quarter.

    Raises
    ------
    ErreurParametre
        Quarter not in 1-4.
    ErreurSeuilManquant
        The year has no 1st-quartile threshold.
    """
    verifier_trimestre(trimestre)
    annee = int(annee)
    debut = dt.date(annee, 1, 1)
    baux = preparer_baux(donnees, territoire, debut, fin_trimestre(annee, trimestre))
    trimestres = list(range(1, trimestre + 1))
    fins = [fin_trimestre(annee, t) for t in trimestres]
    jours_annee = (dt.date(annee, 12, 31) - debut).days + 1
    jours_ecoules = np.array([(f - debut).days + 1 for f in fins], dtype=float)
    t_bail = _trimestre(baux["date_bail"])
    morceaux = []
    for indicateur in INDICATEURS_PROGRESSION:
        num_col, den_col = DEFINITIONS_BAUX[indicateur][:2]
        sommes = baux[[num_col, den_col]].astype("int64").groupby(t_bail.to_numpy()).sum()
        cumul = sommes.reindex(trimestres, fill_value=0).cumsum()
        num = cumul[num_col].to_numpy()
        den = cumul[den_col].to_numpy()
        cible = _objectif(indicateur, territoire)
        projetes = den * jours_annee / jours_ecoules
        with np.errstate(divide="ignore", invalid="ignore"):
            taux = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
        bas, haut = intervalle_wilson(num, den)
        morceaux.append(pd.DataFrame({
            "indicateur": indicateur,
            "annee": annee,
            "trimestre": trimestres,
            "du": pd.Timestamp(debut),
            "au": pd.to_datetime(fins),
            "numerateur": num,
            "denominateur": den,
            "taux": taux,
            "ic_bas": bas,
            "ic_haut": haut,
            "cible": cible,
            "statut": statut_taux(num, den, taux, np.full(len(num), np.nan if cible is None else cible),
                                  territoire.effectif_minimum).to_numpy(),
            "baux_projetes": np.round(projetes, 1),
            "supplementaires_necessaires": [
                besoin_supplementaire(cible, p, n) if cible is not None else pd.NA for p, n in zip(projetes, num)
            ],
        }))
    sortie = pd.concat(morceaux, ignore_index=True)
    return _typer(sortie)


def _typer(sortie: pd.DataFrame) -> pd.DataFrame:
    types = {"indicateur": "string", "statut": "string", "annee": "Int64", "trimestre": "Int64",
             "numerateur": "Int64", "denominateur": "Int64", "supplementaires_necessaires": "Int64",
             "numerateur_cumul": "Int64", "denominateur_cumul": "Int64"}
    for col, t in types.items():
        if col in sortie:
            sortie[col] = sortie[col].astype(t)
    for col in ("taux", "ic_bas", "ic_haut", "cible", "baux_projetes", "taux_cumul_annuel"):
        if col in sortie:
            sortie[col] = pd.to_numeric(sortie[col]).astype("Float64")
    for col in ("du", "au"):
        if col in sortie:
            sortie[col] = sortie[col].astype("datetime64[ns]")
    return sortie


def serie_trimestrielle(donnees, territoire: Territoire, indicateur: str, depuis_annee: int, jusqu_au) -> pd.DataFrame:
    """Quarterly series of a lease-based share (EPCI total), per quarter and year to date.

    Every quarter from Q1 of ``depuis_annee`` to the quarter containing ``jusqu_au``
    appears (an empty quarter has denominator 0 and rate NA); the last quarter is cut at
    ``jusqu_au``. Each lease uses the 1st-quartile threshold of its own year.

    Parameters
    ----------
    indicateur : str
        One of ``q1_hors_qpv``, ``hors_q1_en_qpv``, ``prioritaires``, ``dalo``,
        ``prioritaires_hors_dalo``, ``mutations_part_attributions``.
    depuis_annee : int
    jusqu_au : datetime.date

    Returns
    -------
    pandas.DataFrame
        Columns ``indicateur, annee, trimestre, du, au, numerateur, denominateur, taux,
        numerateur_cumul, denominateur_cumul, taux_cumul_annuel, cible``.

    Raises
    ------
    ErreurParametre
        Unknown indicator, or ``jusqu_au`` before 1 January of ``depuis_annee``.
    """
    if indicateur not in DEFINITIONS_BAUX:
        raise ErreurParametre(
            f"indicateur inconnu pour la série trimestrielle : {indicateur!r} "
            f"(attendu : {', '.join(DEFINITIONS_BAUX)})."
        )
    debut = dt.date(int(depuis_annee), 1, 1)
    _, fin = verifier_periode(debut, jusqu_au)
    baux = preparer_baux(donnees, territoire, debut, fin)
    num_col, den_col = DEFINITIONS_BAUX[indicateur][:2]
    index = pd.MultiIndex.from_tuples(
        [(a, t) for a in range(debut.year, fin.year + 1) for t in range(1, 5)
         if dt.date(a, 3 * t - 2, 1) <= fin.date()],
        names=["annee", "trimestre"],
    )
    cles = [baux["date_bail"].dt.year.astype("Int64").to_numpy(), _trimestre(baux["date_bail"]).to_numpy()]
    sommes = baux[[num_col, den_col]].astype("int64").groupby(cles).sum()
    sommes.index.names = ["annee", "trimestre"]
    sommes = sommes.reindex(index, fill_value=0).reset_index()
    cumul = sommes.groupby("annee")[[num_col, den_col]].cumsum()
    cible = _objectif(indicateur, territoire)
    fins = [min(fin_trimestre(a, t), fin.date()) for a, t in zip(sommes["annee"], sommes["trimestre"])]
    debuts = [dt.date(a, 3 * t - 2, 1) for a, t in zip(sommes["annee"], sommes["trimestre"])]

    def rapport(n, d):
        return (n.astype("Float64") / d.astype("Float64").where(d > 0)).astype("Float64")

    sortie = pd.DataFrame({
        "indicateur": indicateur,
        "annee": sommes["annee"],
        "trimestre": sommes["trimestre"],
        "du": pd.to_datetime(debuts),
        "au": pd.to_datetime(fins),
        "numerateur": sommes[num_col],
        "denominateur": sommes[den_col],
        "taux": rapport(sommes[num_col], sommes[den_col]),
        "numerateur_cumul": cumul[num_col],
        "denominateur_cumul": cumul[den_col],
        "taux_cumul_annuel": rapport(cumul[num_col], cumul[den_col]),
        "cible": np.nan if cible is None else cible,
    })
    return _typer(sortie)


# --------------------------------------------------------------------------- funnel

ETAPES_ENTONNOIR = (
    ("decisions", "Décisions d'attribution (CALEOL) dans la période"),
    ("decisions_bail_periode", "… dont suivies d'un bail signé dans la période"),
    ("decisions_bail_apres", "… dont suivies d'un bail signé après la période"),
    ("decisions_sans_bail", "… dont sans bail signé (à la date de l'extrait)"),
    ("baux_decisions_anterieures", "Baux signés dans la période après une décision d'une période antérieure"),
    ("baux_sans_decision", "Baux signés dans la période sans décision datée dans la période ni avant"),
    ("baux_signes", "Baux signés dans la période"),
)
"""Rows of the funnel (their identities: :data:`IDENTITES_ENTONNOIR`)."""

IDENTITES_ENTONNOIR = (
    ("decisions", "decisions_bail_periode", "decisions_bail_apres", "decisions_sans_bail"),
    ("baux_signes", "decisions_bail_periode", "baux_decisions_anterieures", "baux_sans_decision"),
)
"""The two sums that hold by construction: the first code of each is the sum of the others."""


def entonnoir_attributions(donnees, du, au) -> pd.DataFrame:
    """The attribution funnel over [du, au], reconciling decisions and leases.

    Decisions are dated by ``date_decision``, leases by ``date_bail``. The decisions of the
    period split into those followed by a lease signed in the period, signed after it, and
    not (yet) followed by a lease. The leases signed in the period are those of decisions of
    the period plus those of decisions taken before it (plus any lease whose decision date is
    missing or after the period, which the import should not let through: shown, not hidden).

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``etape`` (French label), ``effectif``, in the order of
        :data:`ETAPES_ENTONNOIR`.
    """
    debut, fin = verifier_periode(du, au)
    a = donnees.attributions
    decisions = dans_periode(a["date_decision"], debut, fin)
    baux = dans_periode(a["date_bail"], debut, fin)
    bail_apres = a["date_bail"].notna() & (a["date_bail"] > fin)
    anterieures = a["date_decision"].notna() & (a["date_decision"] < debut)
    n = {
        "decisions": int(decisions.sum()),
        "decisions_bail_periode": int((decisions & baux).sum()),
        "decisions_bail_apres": int((decisions & bail_apres).sum()),
        "baux_decisions_anterieures": int((baux & anterieures).sum()),
        "baux_signes": int(baux.sum()),
    }
    n["decisions_sans_bail"] = n["decisions"] - n["decisions_bail_periode"] - n["decisions_bail_apres"]
    n["baux_sans_decision"] = n["baux_signes"] - n["decisions_bail_periode"] - n["baux_decisions_anterieures"]
    return pd.DataFrame({
        "code": pd.array([c for c, _ in ETAPES_ENTONNOIR], dtype="string"),
        "etape": pd.array([e for _, e in ETAPES_ENTONNOIR], dtype="string"),
        "effectif": pd.array([n[c] for c, _ in ETAPES_ENTONNOIR], dtype="Int64"),
    })


# --------------------------------------------------------------------------- data quality


def _rejets_rapport(rapport: dict) -> list[tuple[str, str, int]]:
    """(table, motif, count) triples from the import report (``rapport_import.json``).

    Reads ``rapport["fichiers"][table]["rejetes"]`` (rows rejected per table, written by
    :func:`cia_lib.entrees.importation.importer`), or per reason when the table entry holds a dict
    ``rejets_par_motif``.
    """
    trouves: list[tuple[str, str, int]] = []
    fichiers = rapport.get("fichiers")
    if not isinstance(fichiers, dict):
        return trouves
    for table, info in fichiers.items():
        if not isinstance(info, dict):
            continue
        motifs = info.get("rejets_par_motif")
        if isinstance(motifs, dict) and motifs:
            trouves += [(str(table), str(m), int(n)) for m, n in motifs.items()]
        elif info.get("rejetes") is not None:
            trouves.append((str(table), "", int(info["rejetes"])))
    return trouves


def qualite_donnees(donnees, du, au, rejets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Data-quality counts for the period (row counts, never personal data).

    Parameters
    ----------
    donnees : cia_lib.entrees.donnees.Donnees
    du, au : datetime.date
    rejets : pandas.DataFrame, optional
        The import's rejects table (``rejets.csv``: ``fichier, ligne, colonne, valeur,
        motif``), read by the caller. When given, rejected rows are counted per file and
        reason; otherwise per table from ``donnees.rapport_import``.

    Returns
    -------
    pandas.DataFrame
        Columns ``controle`` (code), ``libelle`` (French), ``effectif``: leases of the
        period, leases without resources (never counted as Q1), without filing date, with a
        filing date after the lease, signed more than a year after the decision (suspicious
        dates), without typology, without residence; decisions of the
        period without lease; attributions (all periods) without lease date; then rows
        rejected at import.
    """
    debut, fin = verifier_periode(du, au)
    a = donnees.attributions
    baux = baux_signes(a, debut, fin)
    decisions = dans_periode(a["date_decision"], debut, fin)
    attente = (baux["date_bail"] - baux["date_depot"]).dt.days
    lignes = [
        ("baux_periode", "Baux signés dans la période", len(baux)),
        ("baux_sans_ressources", "Baux sans ressources renseignées (jamais comptés au 1er quartile)",
         int(baux["ressources_mensuelles"].isna().sum())),
        ("baux_sans_date_depot", "Baux sans date de dépôt de la demande", int(baux["date_depot"].isna().sum())),
        ("baux_depot_apres_bail", "Baux dont la date de dépôt est postérieure à la date du bail",
         int((attente < 0).fillna(False).sum())),
        ("baux_bail_tardif", "Baux signés plus d'un an après la décision (dates à vérifier)",
         int(((baux["date_bail"] - baux["date_decision"]).dt.days > 365).fillna(False).sum())),
        ("baux_sans_typologie", "Baux sans typologie du logement", int(baux["typologie"].isna().sum())),
        ("baux_sans_residence", "Baux sans résidence renseignée", int(baux["id_residence"].isna().sum())),
        ("decisions_sans_bail", "Décisions de la période sans bail signé",
         int((decisions & a["date_bail"].isna()).sum())),
        ("attributions_sans_date_bail", "Attributions (toutes périodes) sans date de bail",
         int(a["date_bail"].isna().sum())),
    ]
    if rejets is not None and {"fichier", "motif"} <= set(rejets.columns):
        # Reasons may end with row numbers "(lignes 305, 306)": group on the reason itself.
        motif = rejets["motif"].astype("string").str.replace(r"\s*\([^()]*\)\s*$", "", regex=True)
        comptes = rejets.assign(motif=motif).groupby(["fichier", "motif"], sort=True).size()
        lignes += [("rejets_import", f"Lignes rejetées à l'import ({f}) : {m}", int(n)) for (f, m), n in comptes.items()]
    else:
        for table, motif, n in _rejets_rapport(donnees.rapport_import or {}):
            suite = f" : {motif}" if motif else ""
            lignes.append((f"rejets_import_{table}", f"Lignes rejetées à l'import ({table}){suite}", n))
    return pd.DataFrame({
        "controle": pd.array([c for c, _, _ in lignes], dtype="string"),
        "libelle": pd.array([lib for _, lib, _ in lignes], dtype="string"),
        "effectif": pd.array([n for _, _, n in lignes], dtype="Int64"),
    })


__all__ = ["progression_annuelle", "serie_trimestrielle", "entonnoir_attributions", "IDENTITES_ENTONNOIR", "qualite_donnees",
           "INDICATEURS_PROGRESSION"]
