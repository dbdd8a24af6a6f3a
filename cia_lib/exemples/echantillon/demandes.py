"""Synthetic demand flow: housed and never-housed demands, and their quarterly snapshots.

A small queueing model: a fixed number of leases per calendar year, each preceded by a
CALEOL decision and by a demand registered "wait" months earlier (log-normal wait, longer
for mutations); demands that are never housed (abandoned / not renewed) arrive as a Poisson
flow whose rate gives the target pressure and share of mutations. The quarterly snapshots
hold the demands registered and not yet housed nor abandoned.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cia_lib.erreurs import ErreurParametre
from cia_lib.territoire.config import Territoire

from .menages import _menages, _ressources, _unites_consommation
from .parametres import ParametresExemple
from .patrimoine import _poids_communes
from .tirages import (
    _AN,
    _JOUR,
    _fins_trimestre,
    _jours,
    _lognormale,
    _moyenne_lognormale,
    _quota,
    _quota_categories,
)

_PATRONYMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
    "François", "Martinez", "Diallo", "Traoré", "Benali", "Nguyen", "Da Silva", "Haddad", "Koné",
    "Mendes", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin",
)
_MOIS_POIDS = np.array([0.85, 0.85, 0.95, 1.0, 1.0, 1.1, 1.2, 1.0, 1.15, 1.05, 0.95, 0.9])


def _part_q1(p: ParametresExemple, annee: int) -> float:
    valeurs = dict(p.part_baux_q1)
    connues = sorted(valeurs)
    return valeurs[max([a for a in connues if a <= annee], default=connues[0])]


def _dates_baux(rng: np.random.Generator, annee: int, n: int) -> np.ndarray:
    """``n`` lease dates in ``annee`` (seasonal months); the first and last days always occur."""
    mois = rng.choice(12, size=n, p=_MOIS_POIDS / _MOIS_POIDS.sum())
    debut = np.array([np.datetime64(f"{annee}-{m + 1:02d}-01") for m in range(12)] + [np.datetime64(f"{annee + 1}-01-01")])
    longueur = (debut[1:] - debut[:-1]).astype(int)
    jours = debut[mois] + (rng.random(n) * longueur[mois]).astype(int) * _JOUR
    jours = np.sort(jours)
    jours[0] = np.datetime64(f"{annee}-01-01")
    jours[-1] = np.datetime64(f"{annee}-12-31")
    return jours


def _prioritaires(rng, reservataire: np.ndarray, p: ParametresExemple) -> tuple[np.ndarray, np.ndarray]:
    table = {code: (d, lab) for code, d, lab in p.prioritaires}
    pd_ = np.array([table.get(r, (0.0, 0.0))[0] for r in reservataire])
    pl_ = np.array([table.get(r, (0.0, 0.0))[1] for r in reservataire])
    u = rng.random(len(reservataire))
    return u < pd_, (u >= pd_) & (u < pd_ + pl_)


def _demandes(rng: np.random.Generator, territoire: Territoire, graine: int, p: ParametresExemple,
              bandes: list[tuple[float, float]], codes_res: list[str], parts_res: np.ndarray) -> pd.DataFrame:
    """Every demand of the synthetic world, housed or not, one row each, sorted by registration.

    Parameters
    ----------
    rng : numpy.random.Generator
        The sample's generator (draws continue the caller's sequence).
    territoire : Territoire
        Communes (first-choice commune) and UC scale (resources).
    graine : int
        Seed of the sample; seeds the separate fake-name stream with ``p.graine_noms``.
    p : ParametresExemple
        Calibration of the synthetic world.
    bandes : list of (float, float)
        Resource bands per UC of quartiles Q1..Q4 (see ``menages._bornes_quartiles``).
    codes_res : list of str
        Réservataire codes of the territory, in the calibration order.
    parts_res : numpy.ndarray
        Contingent share of each of ``codes_res``.

    Returns
    -------
    pandas.DataFrame
        One row per demand: ``depot``, ``sortie``, ``mutation``, ``q1``, ``dalo``,
        ``prioritaire_l441``, ``loge`` (and ``bail``, ``decision``, ``reservataire`` for the
        housed ones), household columns, ``ressources_mensuelles``, ``commune_souhaitee``,
        ``nom`` and the SNE-shaped ``numero_unique``.

    Raises
    ------
    ErreurParametre
        When the target pressure is too low for the wait durations (negative stock).
    """
    debut, fin = _jours(p.debut), _jours(p.fin)
    # Housed-pending demands are simulated up to this horizon so that the stock stays stationary.
    horizon = p.fin.year + 8

    # ---- Housed households: leases per year, attributes by exact quotas --------------------
    blocs = []
    for annee in range(p.debut.year, horizon + 1):
        n = p.baux_par_an
        bail = _dates_baux(rng, annee, n)
        mutation = _quota(rng, n, p.part_baux_mutation)
        q1 = _quota(rng, n, _part_q1(p, annee))
        reservataire = _quota_categories(rng, n, codes_res, parts_res)
        blocs.append(pd.DataFrame({"bail": bail, "mutation": mutation, "q1": q1, "reservataire": reservataire}))
    loges = pd.concat(blocs, ignore_index=True)
    n = len(loges)
    delai = np.clip(np.round(rng.gamma(3.0, p.delai_bail_moyen_jours / 3.0, n)), 5, 90).astype(int)
    loges["decision"] = loges["bail"].to_numpy() - delai * _JOUR
    mediane = np.where(loges["mutation"], p.attente_mediane_mutation_mois, p.attente_mediane_mois)
    attente = np.maximum(p.attente_min_jours, np.round(mediane * np.exp(p.attente_sigma * rng.standard_normal(n)) * _AN / 12))
    loges["depot"] = loges["decision"].to_numpy() - attente.astype(int) * _JOUR
    loges["sortie"] = loges["bail"]
    loges["dalo"], loges["prioritaire_l441"] = _prioritaires(rng, loges["reservataire"].to_numpy(), p)
    loges = loges[loges["depot"] <= fin].reset_index(drop=True)

    # ---- Never-housed demands: Poisson arrivals with the rate giving the target stock -----
    # Stationary stock = leases/yr × E[wait] (housed) + arrivals/yr × E[lifetime] (others).
    # Wait is counted up to the lease: decision wait + mean lease delay.
    delai_an = p.delai_bail_moyen_jours / _AN
    attente_n = _moyenne_lognormale(p.attente_mediane_mois, p.attente_sigma) / 12 + delai_an
    attente_m = _moyenne_lognormale(p.attente_mediane_mutation_mois, p.attente_sigma) / 12 + delai_an
    vie = _moyenne_lognormale(p.abandon_median_mois, p.abandon_sigma) / 12
    stock = p.pression * p.baux_par_an
    stock_m = stock * p.part_demandes_mutation - p.baux_par_an * p.part_baux_mutation * attente_m
    stock_n = stock * (1 - p.part_demandes_mutation) - p.baux_par_an * (1 - p.part_baux_mutation) * attente_n
    if min(stock_m, stock_n) <= 0:
        raise ErreurParametre("Paramètres des données fictives incohérents : la pression visée est trop faible pour les délais d'attente.")
    origine = np.datetime64(f"{p.debut.year - 14}-01-01")
    duree = int((fin - origine) / _JOUR) + 1
    blocs = []
    for est_mutation, stock_type in ((False, stock_n), (True, stock_m)):
        m = int(rng.poisson(stock_type / vie * duree / _AN))
        depot = origine + (rng.random(m) * duree).astype(int) * _JOUR
        vie_jours = np.maximum(20, np.round(_lognormale(rng, p.abandon_median_mois, p.abandon_sigma, m) * _AN / 12)).astype(int)
        blocs.append(pd.DataFrame({"depot": depot, "sortie": depot + vie_jours * _JOUR, "mutation": est_mutation}))
    autres = pd.concat(blocs, ignore_index=True)
    autres = autres[autres["sortie"] > debut - 120 * _JOUR].reset_index(drop=True)
    autres["q1"] = rng.random(len(autres)) < p.part_demandes_q1
    part_dalo, part_labellises = p.prioritaires_demandes
    u = rng.random(len(autres))
    autres["dalo"] = u < part_dalo
    autres["prioritaire_l441"] = (u >= part_dalo) & (u < part_dalo + part_labellises)

    # ---- All demands: household, resources, first-choice commune, SNE-shaped numbers ------
    loges["loge"] = True
    autres["loge"] = False
    demandes = pd.concat([loges, autres], ignore_index=True)
    nd = len(demandes)
    menage = _menages(rng, nd, demandes["mutation"].to_numpy(), p)
    for cle, valeur in menage.items():
        demandes[cle] = valeur
    uc = _unites_consommation(demandes["nb_personnes"].to_numpy(), demandes["nb_moins_14"].to_numpy(), territoire)
    loge = demandes["loge"].to_numpy()
    ressources = np.where(
        loge,
        _ressources(rng, demandes["q1"].to_numpy(), p.quartiles_hors_q1_baux, bandes, uc),
        _ressources(rng, demandes["q1"].to_numpy(), p.quartiles_hors_q1_demandes, bandes, uc),
    )
    manquantes = np.zeros(nd, dtype=bool)
    manquantes[loge] = _quota(rng, int(loge.sum()), p.part_ressources_manquantes)
    manquantes[~loge] = _quota(rng, int((~loge).sum()), p.part_ressources_manquantes)
    ressources[manquantes] = np.nan
    demandes["ressources_mensuelles"] = ressources
    poids = _poids_communes(territoire, 1.0)
    codes = list(poids)
    demandes["commune_souhaitee"] = rng.choice(np.array(codes, dtype=object), size=nd, p=np.array([poids[c] for c in codes]))
    rng_noms = np.random.default_rng([graine, p.graine_noms])
    demandes["nom"] = [f"FICTIF {x}" for x in rng_noms.choice(np.array(_PATRONYMES, dtype=object), size=nd)]
    ordre = np.lexsort((rng.random(nd), demandes["depot"].to_numpy()))
    demandes = demandes.iloc[ordre].reset_index(drop=True)
    annee_depot = pd.DatetimeIndex(demandes["depot"]).year % 100
    demandes["numero_unique"] = [f"095FICT{a:02d}{i + 1:06d}" for i, a in enumerate(annee_depot)]

    return demandes


def _instantanes(demandes: pd.DataFrame, p: ParametresExemple) -> pd.DataFrame:
    """Active demands at each quarter end: registered on or before, not yet housed nor abandoned."""
    blocs = []
    for q in _fins_trimestre(p.debut, p.fin):
        actives = demandes[(demandes["depot"] <= q) & (demandes["sortie"] > q)].copy()
        actives["date_extraction"] = q
        age = actives["age_depot"].to_numpy() + ((q - actives["depot"]) / _JOUR).to_numpy() / _AN
        actives["age_titulaire"] = np.minimum(90, np.floor(age)).astype(int)
        blocs.append(actives)
    return pd.concat(blocs, ignore_index=True)
