"""Shared building blocks of the indicators: period filters, prepared tables, tidy rows.

Everything is vectorised (groupby over boolean columns); no loop over rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cia_lib.calculs.menages import enrichir_menages
from cia_lib.calculs.statistiques import STATUT_INFORMATION, STATUT_SANS_OBJET, intervalle_wilson, statut_taux
from cia_lib.entrees import schema
from cia_lib.erreurs import ErreurParametre
from cia_lib.territoire.config import Territoire

NIVEAUX = ("epci", "commune", "bailleur", "reservataire", "typologie")
"""Levels of the tidy table, in display order."""

COLONNES_TABLEAU = (
    "indicateur", "niveau", "cle", "libelle", "numerateur", "denominateur", "taux", "ic_bas",
    "ic_haut", "cible", "ecart", "statut", "inconnus", "nature", "du", "au",
)
"""Columns of :func:`tableau_indicateurs`, in order."""

NATURE_TAUX = "taux"          # a share with Wilson interval, target and status
NATURE_RATIO = "ratio"        # demands per lease (pressure): no interval, no target
NATURE_EFFECTIF = "effectif"  # a count (numerateur), denominator given for context

LIBELLES_INDICATEURS = {
    "q1_hors_qpv": "Part des baux hors QPV signés par des ménages du 1er quartile ou relogés (renouvellement urbain)",
    "hors_q1_en_qpv": "Part des baux en QPV signés par des ménages au-dessus du 1er quartile",
    "prioritaires": "Part des baux signés par des ménages prioritaires (DALO ou labellisés)",
    "dalo": "Part des baux signés par des ménages reconnus DALO",
    "prioritaires_hors_dalo": "Part des baux signés par des ménages prioritaires hors DALO",
    "mutations_part_demandes": "Part des demandes de mutation parmi les demandes actives",
    "mutations_part_attributions": "Part des mutations parmi les baux signés",
    "pression": "Pression de la demande (demandes actives pour un bail signé)",
    "pression_mutations": "Pression de la demande de mutation (demandes de mutation pour un bail en mutation)",
    "mutations_internes": "Nombre de baux signés en mutation (locataires du parc social)",
    "demandes_delai_anormal": "Part des demandes actives en attente depuis un délai anormalement long",
}
"""French label of every indicator of the tidy table (also the display order)."""


# --------------------------------------------------------------------------- periods


def jour(valeur) -> pd.Timestamp:
    """A date-like value as a midnight :class:`pandas.Timestamp` (French error if unreadable)."""
    try:
        horodatage = pd.Timestamp(valeur)
    except (TypeError, ValueError):
        raise ErreurParametre(f"date illisible : {valeur!r} (AAAA-MM-JJ attendu).") from None
    if pd.isna(horodatage):
        raise ErreurParametre("date manquante.")
    return horodatage.normalize()


def verifier_periode(du, au) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return (du, au) as Timestamps; raise a French error when ``du`` is after ``au``."""
    debut, fin = jour(du), jour(au)
    if debut > fin:
        raise ErreurParametre(
            f"période vide : le début ({debut:%d/%m/%Y}) est après la fin ({fin:%d/%m/%Y})."
        )
    return debut, fin


def dans_periode(dates: pd.Series, du: pd.Timestamp, au: pd.Timestamp) -> pd.Series:
    """Boolean mask: date within [du, au] inclusive (missing dates are outside)."""
    masque = (dates >= du) & (dates < au + pd.Timedelta(days=1))
    return masque.fillna(False).astype(bool)


def baux_signes(attributions: pd.DataFrame, du, au) -> pd.DataFrame:
    """Attributions followed by a lease signed in [du, au] (by ``date_bail``, inclusive).

    Parameters
    ----------
    attributions : pandas.DataFrame
        Processed ``attributions`` table.
    du, au : datetime.date
        First and last day of the period.

    Returns
    -------
    pandas.DataFrame
        The matching rows (same columns), index reset.

    Raises
    ------
    ErreurParametre
        When ``du`` is after ``au``.
    """
    debut, fin = verifier_periode(du, au)
    return attributions.loc[dans_periode(attributions["date_bail"], debut, fin)].reset_index(drop=True)


def date_instantane(demandes: pd.DataFrame, au) -> pd.Timestamp | None:
    """Date of the latest demand snapshot taken on or before ``au`` (None when there is none)."""
    fin = jour(au)
    dates = demandes["date_extraction"]
    dates = dates[(dates < fin + pd.Timedelta(days=1)).fillna(False).astype(bool)]
    return None if dates.empty else pd.Timestamp(dates.max()).normalize()


def demandes_actives(demandes: pd.DataFrame, au) -> pd.DataFrame:
    """Active demands of the latest snapshot with ``date_extraction`` <= ``au``.

    Returns an empty table (same columns) when no snapshot precedes ``au``.
    """
    instant = date_instantane(demandes, au)
    if instant is None:
        return demandes.iloc[0:0].reset_index(drop=True)
    masque = (demandes["date_extraction"].dt.normalize() == instant).fillna(False).astype(bool)
    return demandes.loc[masque].reset_index(drop=True)


# --------------------------------------------------------------------------- prepared tables


def _vrai(serie: pd.Series) -> pd.Series:
    """Nullable boolean -> plain bool (missing = False)."""
    return serie.astype("boolean").fillna(False).astype(bool)


def bailleurs_canoniques(bailleurs: pd.Series, territoire: Territoire) -> pd.Series:
    """Canonical bailleur names (aliases resolved; unknown names kept as they are)."""
    # resolved once per distinct name, then spread by integer codes (fast on national data)
    codes, uniques = pd.factorize(bailleurs)
    canoniques = [territoire.bailleur_canonique(nom) or nom for nom in uniques]
    valeurs = np.array(canoniques + [None], dtype=object)[codes]  # code -1 (missing) -> None
    return pd.Series(pd.array(valeurs, dtype="string"), index=bailleurs.index, name=bailleurs.name)


def mois_revolus(debut: pd.Series, fin) -> pd.Series:
    """Completed months between two dates (Int64; NA when a date is missing).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.Series(pd.to_datetime(["2021-03-31", "2021-04-01", None]))
    >>> mois_revolus(d, pd.Timestamp("2024-04-01")).tolist()
    [36, 36, <NA>]
    >>> mois_revolus(pd.Series(pd.to_datetime(["2021-04-02"])), pd.Timestamp("2024-04-01")).tolist()
    [35]
    """
    if not isinstance(fin, pd.Series):
        fin = pd.Series(pd.Timestamp(fin), index=debut.index)
    a1, m1, j1 = (getattr(debut.dt, x).astype("Int64") for x in ("year", "month", "day"))
    a2, m2, j2 = (getattr(fin.dt, x).astype("Int64") for x in ("year", "month", "day"))
    return ((a2 - a1) * 12 + (m2 - m1) - (j2 < j1).astype("Int64")).astype("Int64")


def preparer_baux(donnees, territoire: Territoire, du, au) -> pd.DataFrame:
    """Leases of the period with every derived column the indicators count.

    Added columns (plain bool unless stated): the household columns of
    :func:`cia_lib.calculs.menages.enrichir_menages` (threshold of the lease year), ``bailleur``
    (canonical name), ``tous``, ``en_qpv`` / ``hors_qpv`` (from the dwelling's ``code_qpv``),
    ``relogement``, ``ressources_inconnues``, ``num_q1`` (outside QPV and Q1 or rehoused),
    ``inc_q1`` (outside QPV, unknown resources, not rehoused), ``num_qpv`` (in QPV and
    resources at or above the threshold), ``inc_qpv`` (in QPV, unknown resources),
    ``prioritaire``, ``dalo``, ``prio_hors_dalo``, ``mutation``.

    Raises
    ------
    ErreurSeuilManquant
        A lease year of the period has no 1st-quartile threshold.
    """
    baux = enrichir_menages(baux_signes(donnees.attributions, du, au), territoire, "date_bail")
    return completer_baux(baux, territoire)


def completer_baux(baux: pd.DataFrame, territoire: Territoire) -> pd.DataFrame:
    """Counting columns of :func:`preparer_baux` added to leases already enriched by
    :func:`cia_lib.calculs.menages.enrichir_menages` (also used by the multi-EPCI table, whose
    thresholds differ from one EPCI to the next). Modifies and returns ``baux``."""
    baux["bailleur"] = bailleurs_canoniques(baux["bailleur"], territoire)
    qpv = baux["code_qpv"].astype("string").str.strip()
    baux["tous"] = True
    baux["en_qpv"] = (qpv.notna() & (qpv != "")).fillna(False).astype(bool)
    baux["hors_qpv"] = ~baux["en_qpv"]
    baux["relogement"] = _vrai(baux["relogement_renouvellement"])
    baux["ressources_inconnues"] = baux["q1"].isna().astype(bool)
    q1 = _vrai(baux["q1"])
    au_dessus = (baux["q1"] == False).fillna(False).astype(bool)  # noqa: E712 (nullable)
    baux["num_q1"] = baux["hors_qpv"] & (q1 | baux["relogement"])
    baux["inc_q1"] = baux["hors_qpv"] & baux["ressources_inconnues"] & ~baux["relogement"]
    baux["num_qpv"] = baux["en_qpv"] & au_dessus
    baux["inc_qpv"] = baux["en_qpv"] & baux["ressources_inconnues"]
    baux["prioritaire"] = _vrai(baux["prioritaire"])
    baux["dalo"] = _vrai(baux["dalo"])
    baux["prio_hors_dalo"] = baux["prioritaire"] & ~baux["dalo"]
    baux["mutation"] = _vrai(baux["mutation"])
    return baux


def preparer_demandes(demandes: pd.DataFrame, territoire: Territoire, au) -> pd.DataFrame:
    """Active demands of the snapshot used for ``au``, with counting columns.

    Added columns: ``tous``, ``mutation`` (bool), ``anciennete_mois`` (completed months
    from ``date_depot`` to the snapshot date) and ``delai_anormal`` (seniority of at
    least ``Territoire.delai_anormalement_long_mois`` completed months).
    """
    actives = demandes_actives(demandes, au).copy()
    actives["tous"] = True
    actives["mutation"] = _vrai(actives["mutation"])
    actives["anciennete_mois"] = mois_revolus(actives["date_depot"], actives["date_extraction"])
    actives["delai_anormal"] = (
        (actives["anciennete_mois"] >= territoire.delai_anormalement_long_mois).fillna(False).astype(bool)
    )
    return actives


# --------------------------------------------------------------------------- keys and rows


@dataclass
class Referentiel:
    """Ordered keys and French labels of every level."""

    ordres: dict[str, list[str]]
    libelles: dict[str, dict[str, str]]


def referentiel(territoire: Territoire, bailleurs_presents=()) -> Referentiel:
    """Keys that must appear at each level (territory communes, configured bailleurs and
    réservataires, typologies), in configuration order, plus bailleurs present in the data."""
    bailleurs = list(territoire.bailleurs)
    bailleurs += sorted(set(b for b in bailleurs_presents if isinstance(b, str)) - set(bailleurs))
    return Referentiel(
        ordres={
            "epci": [territoire.siren],
            "commune": list(territoire.communes),
            "bailleur": bailleurs,
            "reservataire": list(territoire.reservataires),
            "typologie": list(schema.TYPOLOGIES),
        },
        libelles={
            "epci": {territoire.siren: territoire.nom},
            "commune": dict(territoire.communes),
            "bailleur": {b: b for b in bailleurs},
            "reservataire": {code: r.libelle for code, r in territoire.reservataires.items()},
            "typologie": {t: t for t in schema.TYPOLOGIES},
        },
    )


COLONNES_CLES = {
    "baux": {"commune": "code_commune", "bailleur": "bailleur", "reservataire": "reservataire",
             "typologie": "typologie"},
    "demandes": {"commune": "code_commune_souhaitee", "typologie": "typologie_souhaitee"},
}


def compter(table: pd.DataFrame, source: str, niveau: str, colonnes: list[str], siren: str) -> pd.DataFrame:
    """Sum of boolean columns by key of ``niveau`` (one groupby for all columns).

    Rows whose key is missing count only at the EPCI level.
    """
    valeurs = table[colonnes].astype("int64")
    if niveau == "epci":
        return pd.DataFrame([valeurs.sum().to_numpy()], index=pd.Index([siren]), columns=colonnes)
    cles = table[COLONNES_CLES[source][niveau]].astype("string")
    return valeurs.groupby(cles.to_numpy(), dropna=True).sum()


def bloc(
    indicateur: str,
    niveau: str,
    ref: Referentiel,
    numerateur: pd.Series,
    denominateur: pd.Series,
    *,
    cible=None,
    inconnus: pd.Series | None = None,
    nature: str = NATURE_TAUX,
) -> pd.DataFrame:
    """Rows of one indicator at one level, one per key (every required key appears).

    ``cible`` is a number, None, or a dict key -> number/None.
    """
    ordre = ref.ordres[niveau]
    presents = set(numerateur.index) | set(denominateur.index)
    if inconnus is not None:
        presents |= set(inconnus.index)
    cles = list(ordre) + sorted(str(c) for c in presents - set(ordre))
    libelles = ref.libelles[niveau]
    if isinstance(cible, dict):
        cibles = [cible.get(c) for c in cles]
    else:
        cibles = [cible] * len(cles)
    sortie = pd.DataFrame({
        "indicateur": indicateur,
        "niveau": niveau,
        "cle": pd.array(cles, dtype="string"),
        "libelle": pd.array([libelles.get(c, c) for c in cles], dtype="string"),
        "numerateur": pd.array(numerateur.reindex(cles, fill_value=0).to_numpy(), dtype="Int64"),
        "denominateur": pd.array(denominateur.reindex(cles, fill_value=0).to_numpy(), dtype="Int64"),
        "cible": pd.array([np.nan if c is None else float(c) for c in cibles], dtype="Float64"),
        "inconnus": pd.array(
            [pd.NA] * len(cles) if inconnus is None else inconnus.reindex(cles, fill_value=0).to_numpy(),
            dtype="Int64",
        ),
        "nature": nature,
    })
    return sortie


def finaliser(lignes: pd.DataFrame, territoire: Territoire, du, au) -> pd.DataFrame:
    """Add rate, Wilson interval, gap and status to tidy rows; order the columns."""
    sortie = lignes.reset_index(drop=True).copy()
    num = sortie["numerateur"].astype("Float64")
    den = sortie["denominateur"].astype("Float64")
    positif = (den > 0).fillna(False)
    sortie["taux"] = (num / den.where(positif)).astype("Float64")
    taux_ = sortie["nature"] == NATURE_TAUX
    bas, haut = intervalle_wilson(num.fillna(0).to_numpy(dtype=float), den.fillna(0).to_numpy(dtype=float))
    sortie["ic_bas"] = pd.array(np.where(taux_, bas, np.nan), dtype="Float64")
    sortie["ic_haut"] = pd.array(np.where(taux_, haut, np.nan), dtype="Float64")
    sortie["ic_bas"] = sortie["ic_bas"].where(taux_ & positif)
    sortie["ic_haut"] = sortie["ic_haut"].where(taux_ & positif)
    cible = sortie["cible"].astype("Float64").where(taux_)
    sortie["cible"] = cible
    sortie["ecart"] = (sortie["taux"] - cible).astype("Float64")
    statut_calcule = statut_taux(
        sortie["numerateur"].to_numpy(dtype=float, na_value=np.nan),
        sortie["denominateur"].to_numpy(dtype=float, na_value=np.nan),
        sortie["taux"].to_numpy(dtype=float, na_value=np.nan),
        cible.to_numpy(dtype=float, na_value=np.nan),
        territoire.effectif_minimum,
    )
    autre = np.where(positif, STATUT_INFORMATION, STATUT_SANS_OBJET)
    sortie["statut"] = pd.array(np.where(taux_, statut_calcule.to_numpy(dtype=object), autre), dtype="string")
    sortie["du"] = jour(du)
    sortie["au"] = jour(au)
    sortie["du"] = sortie["du"].astype("datetime64[ns]")
    sortie["au"] = sortie["au"].astype("datetime64[ns]")
    for col in ("indicateur", "niveau", "nature"):
        sortie[col] = sortie[col].astype("string")
    return sortie[list(COLONNES_TABLEAU)]


def besoin_supplementaire(cible: float, projetes: float, numerateur: int) -> int:
    """Additional leases needed: max(0, ceil(cible × projetes) − numerateur).

    The product is rounded to 1e-9 first so that 0.1 × 30 counts as 3, not 3.0000000000000004.

    Examples
    --------
    >>> besoin_supplementaire(0.25, 40, 6)
    4
    >>> besoin_supplementaire(0.1, 30, 5)
    0
    """
    return max(0, math.ceil(round(cible * projetes, 9)) - int(numerateur))


__all__ = [
    "NIVEAUX", "COLONNES_TABLEAU", "LIBELLES_INDICATEURS", "baux_signes", "demandes_actives",
    "date_instantane", "preparer_baux", "preparer_demandes", "mois_revolus", "verifier_periode",
    "besoin_supplementaire",
]
