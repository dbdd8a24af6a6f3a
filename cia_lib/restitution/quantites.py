"""What a report publishes, as quantities and the relations a reader knows between them.

A published count is a :class:`Quantite`: a *mesure* (baux signés, baux aux ménages
prioritaires, demandes actives…) on a territory *niveau* and *cle* (the EPCI, a commune, a
bailleur, a contingent, a typology, a residence), over a period ``du``–``au`` and, for the
residence tables, a *detail* (the situation of the residence). The same quantity may appear
in several tables (the leases of a bailleur are the denominator of five indicators): it is
one quantity, masked everywhere or nowhere.

The relations (:func:`relations_connues`) are those a reader can know from the report and
the convention:

* the keys of a level add up to the EPCI (communes, bailleurs, contingents, typologies);
* complementary measures: baux hors QPV + baux en QPV = baux signés; DALO + prioritaires
  hors DALO = prioritaires; the unknown-resource leases likewise;
* a part and its whole: ``denominateur − numerateur`` is a hidden quantity that is itself a
  secret when it is from 1 to the threshold (« 9 sur 10 » reveals the last household);
* residence situations add up to the lease count of the bailleur or of the EPCI;
* quarters add up to any period made of them (cumulative progression, year).
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from numbers import Real
from typing import NamedTuple

import pandas as pd

from .suppression import Systeme

MESURES = {
    ("q1_hors_qpv", "numerateur"): "baux_q1_hors_qpv",
    ("q1_hors_qpv", "denominateur"): "baux_hors_qpv",
    ("q1_hors_qpv", "inconnus"): "baux_hors_qpv_ressources_inconnues",
    ("hors_q1_en_qpv", "numerateur"): "baux_hors_q1_en_qpv",
    ("hors_q1_en_qpv", "denominateur"): "baux_en_qpv",
    ("hors_q1_en_qpv", "inconnus"): "baux_en_qpv_ressources_inconnues",
    ("prioritaires", "numerateur"): "baux_prioritaires",
    ("prioritaires", "denominateur"): "baux",
    ("dalo", "numerateur"): "baux_dalo",
    ("dalo", "denominateur"): "baux",
    ("prioritaires_hors_dalo", "numerateur"): "baux_prioritaires_hors_dalo",
    ("prioritaires_hors_dalo", "denominateur"): "baux",
    ("mutations_part_demandes", "numerateur"): "demandes_mutation",
    ("mutations_part_demandes", "denominateur"): "demandes",
    ("mutations_part_attributions", "numerateur"): "baux_mutation",
    ("mutations_part_attributions", "denominateur"): "baux",
    ("pression", "numerateur"): "demandes",
    ("pression", "denominateur"): "baux",
    ("pression_mutations", "numerateur"): "demandes_mutation",
    ("pression_mutations", "denominateur"): "baux_mutation",
    ("mutations_internes", "numerateur"): "baux_mutation",
    ("mutations_internes", "denominateur"): "baux",
    ("demandes_delai_anormal", "numerateur"): "demandes_delai_anormal",
    ("demandes_delai_anormal", "denominateur"): "demandes",
}
"""Measure counted by each column of each indicator of the tidy table."""

DECOMPOSITIONS = (
    ("baux", ("baux_hors_qpv", "baux_en_qpv")),
    ("baux_prioritaires", ("baux_dalo", "baux_prioritaires_hors_dalo")),
    ("baux_ressources_inconnues", ("baux_hors_qpv_ressources_inconnues", "baux_en_qpv_ressources_inconnues")),
)
"""Complementary measures: (whole, parts)."""

PARTIES = (
    ("baux_q1_hors_qpv", "baux_hors_qpv"),
    ("baux_hors_q1_en_qpv", "baux_en_qpv"),
    ("baux_prioritaires", "baux"),
    ("baux_dalo", "baux"),
    ("baux_prioritaires_hors_dalo", "baux"),
    ("baux_mutation", "baux"),
    ("baux_q1", "baux"),
    ("demandes_mutation", "demandes"),
    ("demandes_delai_anormal", "demandes"),
)
"""(part, whole) pairs whose difference reveals households (the complement is a secret too)."""

PREFIXE_RESTE = "reste:"
NIVEAU_TOTAL = "epci"
PREFIXE_CROISE = "croise:"
"""Level of a count crossed with another key (a fiche's leases by réservataire within one
commune: ``croise:commune:95313:reservataire``). The generic rules of :func:`relations_connues`
(keys of a level add up to the EPCI) do not apply to them: whoever registers them gives their
relations explicitly."""


def niveau_croise(niveau: str, cle: str, sous_niveau: str) -> str:
    """Level of the ``sous_niveau`` counts within ``niveau`` ``cle`` (see :data:`PREFIXE_CROISE`).

    Examples
    --------
    >>> niveau_croise("commune", "95313", "reservataire")
    'croise:commune:95313:reservataire'
    """
    return f"{PREFIXE_CROISE}{niveau}:{cle}:{sous_niveau}"


class Quantite(NamedTuple):
    """One published (or hidden) count."""

    mesure: str
    niveau: str
    cle: str
    du: str
    au: str
    detail: str | None = None


@lru_cache(maxsize=4096)
def jour(valeur) -> str:
    """ISO date of a date-like value (the same period always gives the same key).

    A report asks for the same few period bounds thousands of times: results are cached.

    Examples
    --------
    >>> jour(pd.Timestamp("2025-03-31 00:00"))
    '2025-03-31'
    """
    return pd.Timestamp(valeur).date().isoformat()


def nombre_ou_rien(valeur) -> float | None:
    """``valeur`` as a float, None when it is missing or not a number (``"s"``).

    Examples
    --------
    >>> [nombre_ou_rien(v) for v in (3, "12", "s", float("nan"), None, pd.NA)]
    [3.0, 12.0, None, None, None, None]
    """
    if isinstance(valeur, Real) and not isinstance(valeur, bool):  # the common cases, without pandas
        return None if valeur != valeur else float(valeur)
    if valeur is None or valeur is pd.NA or valeur is pd.NaT:
        return None
    v = pd.to_numeric(pd.Series([valeur]), errors="coerce").iloc[0]
    return None if pd.isna(v) else float(v)


def quantite_indicateur(ligne: dict, colonne: str, du=None, au=None, siren: str | None = None) -> Quantite | None:
    """The quantity of one count cell of a tidy indicator row (None for an unknown indicator).

    Rows without ``niveau`` (quarterly series, progression, yearly evolution) are the EPCI's:
    their key is ``siren`` (a multi-EPCI row carries its own ``siren_epci``).
    """
    mesure = MESURES.get((ligne.get("indicateur"), colonne))
    if mesure is None:
        return None
    niveau = str(ligne.get("niveau", NIVEAU_TOTAL))
    cle = ligne.get("siren_epci", ligne.get("cle", siren)) if niveau == NIVEAU_TOTAL else ligne.get("cle")
    if cle is None:
        raise ValueError("ligne sans clé de périmètre : le SIREN de l'EPCI est nécessaire")
    cle = str(cle)
    return Quantite(mesure, niveau, cle, jour(ligne.get("du", du)), jour(ligne.get("au", au)))


def trimestres(du: str, au: str) -> list[tuple[str, str]] | None:
    """Calendar quarters making up ``du``–``au`` exactly (None when it is not made of quarters).

    Examples
    --------
    >>> trimestres("2025-01-01", "2025-06-30")
    [('2025-01-01', '2025-03-31'), ('2025-04-01', '2025-06-30')]
    >>> trimestres("2025-01-15", "2025-06-30") is None
    True
    """
    quarts = _trimestres(du, au)
    return None if quarts is None else list(quarts)


@lru_cache(maxsize=4096)
def _trimestres(du: str, au: str) -> tuple[tuple[str, str], ...] | None:
    debut, fin = pd.Timestamp(du), pd.Timestamp(au)
    if debut.day != 1 or debut.month % 3 != 1 or fin != fin + pd.offsets.QuarterEnd(0):
        return None
    bornes = pd.period_range(debut, fin, freq="Q")
    return tuple((jour(p.start_time), jour(p.end_time)) for p in bornes)


def ajouter_complements(systeme: Systeme) -> None:
    """Add the hidden complement (whole − part) of every (part, whole) pair present."""
    cles = [k for k in systeme.valeurs if isinstance(k, Quantite) and not k.mesure.startswith(PREFIXE_RESTE)]
    presentes = set(cles)
    for k in cles:
        for partie, tout in PARTIES:
            if k.mesure != partie:
                continue
            total = k._replace(mesure=tout)
            if total in presentes:
                reste = k._replace(mesure=f"{PREFIXE_RESTE}{partie}/{tout}")
                systeme.ajouter(reste, systeme.valeurs[total] - systeme.valeurs[k], publiable=False)


def relations_connues(systeme: Systeme) -> list[dict]:
    """Every relation a reader knows between the quantities of ``systeme`` (see module doc)."""
    cles = [k for k in systeme.valeurs if isinstance(k, Quantite)]
    presentes = set(cles)
    relations: list[dict] = []

    # keys of a level add up to the EPCI
    totaux = defaultdict(list)
    for k in cles:
        if k.niveau == NIVEAU_TOTAL:
            totaux[(k.mesure, k.du, k.au, k.detail)].append(k)
    parts = defaultdict(list)
    for k in cles:
        if k.niveau != NIVEAU_TOTAL and not k.niveau.startswith(("residence", PREFIXE_CROISE)):
            parts[(k.mesure, k.niveau, k.du, k.au, k.detail)].append(k)
    for (mesure, _niveau, du, au, detail), membres in parts.items():
        total = totaux.get((mesure, du, au, detail), [])
        if len(total) == 1:
            relations.append({**{m: 1.0 for m in membres}, total[0]: -1.0})

    # situations of residences add up to the whole
    situations = defaultdict(list)
    for k in cles:
        if k.detail is not None:
            situations[k._replace(detail=None)].append(k)
    for total, membres in situations.items():
        if total in presentes:
            relations.append({**{m: 1.0 for m in membres}, total: -1.0})

    # complementary measures and complements
    for k in cles:
        for tout, composantes in DECOMPOSITIONS:
            if k.mesure == tout:
                membres = [k._replace(mesure=c) for c in composantes]
                if all(m in presentes for m in membres):
                    relations.append({**{m: 1.0 for m in membres}, k: -1.0})
        if k.mesure.startswith(PREFIXE_RESTE):
            partie, tout = k.mesure[len(PREFIXE_RESTE):].split("/")
            relations.append({k: 1.0, k._replace(mesure=partie): 1.0, k._replace(mesure=tout): -1.0})

    # quarters add up to any period made of them
    for k in cles:
        quarts = trimestres(k.du, k.au)
        if quarts and len(quarts) > 1:
            membres = [k._replace(du=d, au=f) for d, f in quarts]
            if all(m in presentes for m in membres):
                relations.append({**{m: 1.0 for m in membres}, k: -1.0})
    return relations


def quantites_indicateurs(tableau: pd.DataFrame, du=None, au=None, siren: str | None = None
                          ) -> list[tuple[int, str, Quantite, float]]:
    """``(position, colonne, quantité, valeur)`` of every count cell of a tidy table.

    Handles the indicator table (``numerateur``, ``denominateur``, ``inconnus``) and the
    series and progression tables (``numerateur_cumul``/``denominateur_cumul`` over 1 January
    to ``au``), whose rows are the EPCI's (key ``siren``).
    """
    sortie = []
    for position, ligne in enumerate(tableau.to_dict("records")):
        for colonne in ("numerateur", "denominateur", "inconnus"):
            if colonne not in ligne:
                continue
            q = quantite_indicateur(ligne, colonne, du, au, siren)
            v = nombre_ou_rien(ligne[colonne])
            if q is not None and v is not None:
                sortie.append((position, colonne, q, v))
        for colonne, base in (("numerateur_cumul", "numerateur"), ("denominateur_cumul", "denominateur")):
            if colonne in ligne and nombre_ou_rien(ligne[colonne]) is not None:
                fin = pd.Timestamp(ligne.get("au", au))
                q = quantite_indicateur({**ligne, "du": pd.Timestamp(fin.year, 1, 1), "au": fin}, base, siren=siren)
                if q is not None:
                    sortie.append((position, colonne, q, nombre_ou_rien(ligne[colonne])))
    return sortie
