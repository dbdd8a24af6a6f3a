"""Synthetic sample data ("données fictives") in the format of the data contract.

:func:`generer_exemple` writes the four raw files (``attributions.csv``, ``demandes.csv``,
``residences.csv``, ``ops.csv``) the way real extracts look: ``;`` separator, Windows-1252,
dates ``JJ/MM/AAAA``, decimal comma, booleans ``oui``/``non`` (attributions) or ``O``/``N``
(SNE demands), plus a ``DONNEES_FICTIVES.txt`` notice the import detects. Nothing in them
describes a real person or a real residence: demand numbers start with ``095FICT``,
residences are called "… (fictive)", names are "FICTIF …".

The synthetic world is a small queueing model, calibrated on the 2022 diagnostic of the
CCVO3F convention (see ``docs/donnees_fictives.md``):

* a fixed number of leases per calendar year, each preceded by a CALEOL decision and by a
  demand registered "wait" months earlier (log-normal wait, longer for mutations);
* demands that are never housed (abandoned / not renewed), arriving as a Poisson flow whose
  rate is derived from the target pressure and the target share of mutations;
* quarterly snapshots of the active demands (registered, not yet housed nor abandoned);
* a residence stock spread over the communes (weighted by population), three main bailleurs
  holding over 60 % of the dwellings, two new programmes first let in 2025 and 2026;
* OPS occupancy surveys (2022, 2024) with three clearly fragile residences.

The calibration parameters describe the synthetic world, not the convention's targets; the
territory (communes, bailleurs, réservataires, thresholds, UC scale) comes from the
:class:`~cia_lib.config.Territoire` argument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from . import chemins
from .config import Territoire
from .erreurs import ErreurParametre

FICHIER_AVERTISSEMENT = "DONNEES_FICTIVES.txt"
"""Notice written beside the synthetic files; the import flags the data as fictitious when present."""

RESIDENCES_FRAGILES_EXEMPLE: tuple[str, ...] = ("FICT-R003", "FICT-R007", "FICT-R024")
"""Ground truth of the sample: residences clearly fragile in the 2024 OPS.

Their shares of households under 20 / 40 / 60 % of PLUS ceilings, single-parent families,
unemployed adults and APL recipients are about twice the territory average; no other
residence comes near. ``FICT-R003`` and ``FICT-R007`` are fragile in both surveys (2022 and
2024); ``FICT-R024`` is fragile in 2024 only (it *entered* the list). ``FICT-R011`` was
fragile in 2022 only (it *left* the list): see :data:`RESIDENCES_FRAGILES_2022`.
Identifiers are the same whatever the seed.
"""

RESIDENCES_FRAGILES_2022: tuple[str, ...] = ("FICT-R003", "FICT-R007", "FICT-R011")
"""Residences clearly fragile in the 2022 OPS of the sample.

``FICT-R011`` is fragile in 2022 only (back to ordinary values in 2024: it left the list);
``FICT-R024`` became fragile in 2024 only (see :data:`RESIDENCES_FRAGILES_EXEMPLE`).
"""

CODE_COMMUNE_INCONNUE = "95999"
"""Commune code that belongs to no territory, written on two attribution rows (data quality)."""


@dataclass(frozen=True)
class ParametresExemple:
    """Calibration of the synthetic world (shares, volumes, durations).

    Defaults reproduce the orders of magnitude of the CCVO3F 2022 diagnostic (CIA, section
    V.3): about 15 % of leases to 1st-quartile households, 37 % of mutations among active
    demands but 22 % among leases, a pressure of 6.8 active demands per lease, a few hundred
    leases a year. They describe the *fictitious data*, not the convention's targets (which
    live in the territory configuration).

    Attributes
    ----------
    debut, fin : datetime.date
        First day of the covered leases; extraction date (last snapshot, last decision).
    baux_par_an : int
        Leases signed per calendar year (the same every year, first peopling included).
    part_baux_mutation : float
        Share of leases going to mutation applicants (already social tenants).
    part_demandes_mutation : float
        Share of mutation applicants among active demands (stationary stock).
    pression : float
        Active demands at a year end ÷ leases signed in that year.
    part_baux_q1 : tuple of (int, float)
        Share of leases going to 1st-quartile households, by lease year (the last value
        applies to later years): the sample shows progress towards the 25 % target.
    part_demandes_q1 : float
        Share of 1st-quartile households among demands that are never housed.
    attente_mediane_mois, attente_mediane_mutation_mois, attente_sigma : float
        Log-normal wait between registration and decision (median in months; sigma of the log).
    attente_min_jours : int
        Shortest wait (the demand is always in the snapshot preceding its decision).
    abandon_median_mois, abandon_sigma : float
        Log-normal lifetime of demands that are never housed (abandoned, not renewed).
    delai_bail_moyen_jours : float
        Mean delay from decision to lease signature (gamma distributed, 5 to 90 days).
    part_decisions_sans_bail : float
        Decisions refused by the household (no lease), as a share of the year's leases.
        Decisions of the last weeks whose lease is not signed yet add to them.
    part_ressources_manquantes : float
        Rows whose resources are left empty (data-quality figure).
    reservataires : tuple of (str, float)
        Contingent mix of leases (codes of the territory; unknown codes are skipped).
    prioritaires : tuple of (str, float, float)
        Per contingent: probability that the household is DALO, else labelled priority.
    prioritaires_demandes : tuple of (float, float)
        DALO and labelled-priority shares among demands that are never housed.
    quartiles_hors_q1_baux, quartiles_hors_q1_demandes : tuple of float
        Split of non-Q1 households between Q2, Q3 and Q4.
    tailles_menage : tuple of float
        Household size distribution (1 to 6 persons).
    nb_residences, nb_logements : int
        Residences and dwellings of the stock (two new programmes included).
    exposant_population : float
        Dwellings per commune ∝ population ** exposant (bigger towns hold more social stock).
    bailleurs_principaux : tuple of (str, float)
        Main bailleurs and their target share of dwellings (used when in the territory).
    programmes_neufs : tuple of (int, int)
        (year first let, dwellings) of new programmes; about 90 % of their dwellings are let
        between April and mid-July of that year.
    part_alias : tuple of (str, float)
        Share of a main bailleur's attribution rows written with its first alias.
    ops_annees : tuple of int
        OPS survey years.
    ops_taux : tuple of (str, float)
        Territory-wide rate of each OPS count (per household, or per adult for the unemployed).
    ops_variation : float
        Ordinary residences vary by at most ± this fraction around the territory rates.
    ops_multiplicateur_fragile : tuple of (str, float)
        Multiplier of the rates in fragile residences (≈ 2 on the main indicators).
    graine_noms : int
        Not a calibration figure: offset for the fake-name stream.
    """

    debut: date = date(2024, 1, 1)
    fin: date = date(2026, 9, 30)
    baux_par_an: int = 262
    part_baux_mutation: float = 0.22
    part_demandes_mutation: float = 0.37
    pression: float = 6.8
    part_baux_q1: tuple[tuple[int, float], ...] = ((2024, 0.175), (2025, 0.21), (2026, 0.235))
    part_demandes_q1: float = 0.32
    attente_mediane_mois: float = 19.0
    attente_mediane_mutation_mois: float = 27.0
    attente_sigma: float = 0.75
    attente_min_jours: int = 100
    abandon_median_mois: float = 14.0
    abandon_sigma: float = 0.8
    delai_bail_moyen_jours: float = 30.0
    part_decisions_sans_bail: float = 0.04
    part_ressources_manquantes: float = 0.02
    reservataires: tuple[tuple[str, float], ...] = (
        ("etat", 0.27), ("etat_fonctionnaires", 0.03), ("action_logement", 0.25),
        ("collectivite", 0.20), ("bailleur", 0.20), ("departement", 0.02),
        ("region", 0.01), ("autre", 0.02),
    )
    prioritaires: tuple[tuple[str, float, float], ...] = (
        ("etat", 0.33, 0.55), ("etat_fonctionnaires", 0.0, 0.04), ("action_logement", 0.03, 0.14),
        ("collectivite", 0.05, 0.18), ("bailleur", 0.05, 0.19), ("departement", 0.06, 0.25),
        ("region", 0.0, 0.10), ("autre", 0.05, 0.15),
    )
    prioritaires_demandes: tuple[float, float] = (0.03, 0.10)
    quartiles_hors_q1_baux: tuple[float, float, float] = (0.45, 0.35, 0.20)
    quartiles_hors_q1_demandes: tuple[float, float, float] = (0.42, 0.33, 0.25)
    tailles_menage: tuple[float, ...] = (0.33, 0.25, 0.18, 0.14, 0.07, 0.03)
    nb_residences: int = 46
    nb_logements: int = 2900
    exposant_population: float = 1.3
    bailleurs_principaux: tuple[tuple[str, float], ...] = (
        ("Immobilière 3F", 0.28), ("OPH du Val-d'Oise", 0.20), ("CDC Habitat", 0.16),
    )
    programmes_neufs: tuple[tuple[int, int], ...] = ((2025, 40), (2026, 28))
    part_alias: tuple[tuple[str, float], ...] = (("Immobilière 3F", 0.15), ("OPH du Val-d'Oise", 0.20))
    ops_annees: tuple[int, ...] = (2022, 2024)
    ops_taux: tuple[tuple[str, float], ...] = (
        ("ress_inf_20", 0.11), ("ress_inf_40", 0.30), ("ress_inf_60", 0.47),
        ("monoparentales", 0.17), ("nombreuses", 0.07), ("titulaires_65_plus", 0.24),
        ("apl", 0.36), ("sans_emploi", 0.13), ("emmenages_recents", 0.14),
    )
    ops_variation: float = 0.18
    ops_multiplicateur_fragile: tuple[tuple[str, float], ...] = (
        ("ress_inf_20", 2.3), ("ress_inf_40", 1.95), ("ress_inf_60", 1.75),
        ("monoparentales", 2.2), ("nombreuses", 1.9), ("titulaires_65_plus", 0.7),
        ("apl", 2.05), ("sans_emploi", 2.3), ("emmenages_recents", 1.5),
    )
    graine_noms: int = 7


PARAMETRES_DEFAUT = ParametresExemple()

# Fixed layout of the residence stock (seed-independent, so the ground-truth constants hold).
_INDEX_FRAGILES_2024 = tuple(int(r[-3:]) - 1 for r in RESIDENCES_FRAGILES_EXEMPLE)
_INDEX_FRAGILES_2022 = tuple(int(r[-3:]) - 1 for r in RESIDENCES_FRAGILES_2022)

_NOMS_RESIDENCES = (
    "des Tilleuls", "des Peupliers", "des Cèdres", "des Marronniers", "des Acacias", "des Bleuets",
    "des Coquelicots", "des Glycines", "des Lilas", "des Iris", "des Mésanges", "des Hirondelles",
    "du Moulin", "du Lavoir", "des Coteaux", "des Bords de l'Oise", "de la Source", "du Verger",
    "des Charmilles", "des Vignes", "du Parc", "des Sablons", "de la Garenne", "des Prés",
    "du Clos Fleuri", "des Noisetiers", "des Érables", "des Saules", "du Belvédère", "des Aulnes",
    "de la Forêt", "des Écoles", "du Château", "des Jardins", "du Bois Joli", "des Roses",
    "des Violettes", "de la Chapelle", "du Pressoir", "des Ormes", "des Platanes", "des Sources",
    "du Val Fleuri", "des Chênes", "des Hêtres", "des Pinsons", "des Alouettes", "du Ru",
    "de la Ferme", "des Bouleaux", "du Pont", "de l'Abbaye", "des Trois Forêts", "du Mail",
)
_PATRONYMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
    "François", "Martinez", "Diallo", "Traoré", "Benali", "Nguyen", "Da Silva", "Haddad", "Koné",
    "Mendes", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin",
)
_COMPOSITIONS = ("personne_seule", "couple_sans_enfant", "couple_avec_enfants", "famille_monoparentale", "autre")
_TYPOLOGIES = np.array(["T1", "T2", "T3", "T4", "T5+"])
# Wished / let dwelling size by household size (1..6 persons): probabilities of T1..T5+.
_TYPOLOGIE_PAR_TAILLE = np.array([
    [0.35, 0.65, 0.00, 0.00, 0.00],
    [0.02, 0.68, 0.30, 0.00, 0.00],
    [0.00, 0.10, 0.75, 0.15, 0.00],
    [0.00, 0.00, 0.45, 0.55, 0.00],
    [0.00, 0.00, 0.05, 0.55, 0.40],
    [0.00, 0.00, 0.00, 0.20, 0.80],
])
_MOIS_POIDS = np.array([0.85, 0.85, 0.95, 1.0, 1.0, 1.1, 1.2, 1.0, 1.15, 1.05, 0.95, 0.9])
_JOUR = np.timedelta64(1, "D")
_AN = 365.25

_TEXTE_AVERTISSEMENT = """DONNÉES FICTIVES — NE DÉCRIVENT AUCUNE PERSONNE NI AUCUNE RÉSIDENCE RÉELLE

Ce dossier a été produit par la commande « cia exemple » (graine {graine}) de l'atelier de
suivi de la Convention Intercommunale d'Attribution, pour le territoire « {territoire} ».

Les fichiers attributions.csv, demandes.csv, residences.csv et ops.csv sont synthétiques :
tirés au hasard selon un modèle calé sur les ordres de grandeur du diagnostic 2022 de la
convention (environ 15 à 20 % des baux au 1er quartile, 37 % de demandes de mutation contre
22 % des baux, pression d'environ 6,8 demandes par bail). Les numéros de demande commencent
par « 095FICT », les résidences portent la mention « (fictive) », les noms « FICTIF … » sont
inventés, et les positions des résidences sont tirées au hasard dans les communes.

Ils contiennent volontairement quelques défauts pour illustrer les contrôles de qualité :
ressources manquantes, code commune inconnu ({commune_inconnue}), identifiant d'attribution
en double, bailleur écrit sous un alias, colonne personnelle « nom » à écarter à l'import.

L'import détecte ce fichier et marque toutes les sorties « données fictives ».
Voir docs/donnees_fictives.md.
"""


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------
def _jours(d: date) -> np.datetime64:
    return np.datetime64(d, "D")


def _fins_trimestre(debut: date, fin: date) -> list[np.datetime64]:
    """Quarter ends from the first one after ``debut`` up to ``fin`` (inclusive)."""
    dates = pd.date_range(pd.Timestamp(debut), pd.Timestamp(fin), freq="QE")
    return [np.datetime64(d.date(), "D") for d in dates]


def _lognormale(rng: np.random.Generator, mediane: float, sigma: float, n: int) -> np.ndarray:
    return mediane * np.exp(sigma * rng.standard_normal(n))


def _quota(rng: np.random.Generator, n: int, part: float) -> np.ndarray:
    """Boolean array with exactly round(part × n) True values, shuffled."""
    vrais = int(round(part * n))
    sortie = np.zeros(n, dtype=bool)
    sortie[:vrais] = True
    rng.shuffle(sortie)
    return sortie


def _quota_categories(rng: np.random.Generator, n: int, modalites: list[str], parts: np.ndarray) -> np.ndarray:
    """Categorical array with counts as close as possible to ``parts × n`` (largest remainder)."""
    parts = parts / parts.sum()
    brut = parts * n
    effectifs = np.floor(brut).astype(int)
    reste = n - effectifs.sum()
    effectifs[np.argsort(-(brut - effectifs), kind="stable")[:reste]] += 1
    sortie = np.repeat(np.array(modalites, dtype=object), effectifs)
    rng.shuffle(sortie)
    return sortie


def _moyenne_lognormale(mediane: float, sigma: float) -> float:
    return mediane * math.exp(sigma**2 / 2)


# --------------------------------------------------------------------------------------
# Households
# --------------------------------------------------------------------------------------
def _menages(rng: np.random.Generator, n: int, mutation: np.ndarray, p: ParametresExemple) -> dict[str, np.ndarray]:
    """Draw household structure: size, children under 14, composition, age at registration, wished size."""
    tailles = rng.choice(np.arange(1, len(p.tailles_menage) + 1), size=n, p=np.array(p.tailles_menage) / sum(p.tailles_menage))
    u = rng.random(n)
    composition = np.empty(n, dtype=object)
    composition[tailles == 1] = "personne_seule"
    deux = tailles == 2
    composition[deux] = np.where(u[deux] < 0.50, "couple_sans_enfant", np.where(u[deux] < 0.92, "famille_monoparentale", "autre"))
    plus = tailles >= 3
    composition[plus] = np.where(u[plus] < 0.55, "couple_avec_enfants", np.where(u[plus] < 0.90, "famille_monoparentale", "autre"))

    enfants = np.zeros(n, dtype=int)
    enfants[composition == "couple_avec_enfants"] = tailles[composition == "couple_avec_enfants"] - 2
    enfants[composition == "famille_monoparentale"] = tailles[composition == "famille_monoparentale"] - 1
    autre = composition == "autre"
    enfants[autre] = np.floor(rng.random(autre.sum()) * np.maximum(tailles[autre] - 1, 0)).astype(int)
    moins_14 = rng.binomial(enfants, 0.72)

    # Age at registration by composition (mutation applicants are older).
    centre = {"personne_seule": (44, 17), "couple_sans_enfant": (47, 17), "couple_avec_enfants": (35, 7),
              "famille_monoparentale": (34, 7), "autre": (44, 14)}
    age = np.empty(n)
    for nom, (m, s) in centre.items():
        masque = composition == nom
        age[masque] = m + s * rng.standard_normal(masque.sum())
    age = age + np.where(mutation, 5.0, 0.0) + rng.random(n)
    age = np.clip(age, 18.2, 80.0)

    cumul = _TYPOLOGIE_PAR_TAILLE[tailles - 1].cumsum(axis=1)
    typologie = _TYPOLOGIES[(rng.random(n)[:, None] > cumul).sum(axis=1).clip(max=4)]
    return {"nb_personnes": tailles, "nb_moins_14": moins_14, "composition": composition,
            "age_depot": age, "typologie": typologie}


def _unites_consommation(nb_personnes: np.ndarray, nb_moins_14: np.ndarray, territoire: Territoire) -> np.ndarray:
    e = territoire.echelle_uc
    return e.premier_adulte + e.autre_personne * (nb_personnes - 1 - nb_moins_14) + e.enfant * nb_moins_14


def _bornes_quartiles(territoire: Territoire, annees: range) -> list[tuple[float, float]]:
    """Resource bands per UC (Q1..Q4) valid whatever the year of the window.

    Q1 stays strictly below the lowest Q1 threshold of the years, Q2..Q4 above the highest
    threshold of the band below, so the quartile of a household never depends on the year.
    """
    seuils = [territoire.seuils[a] if a in territoire.seuils else None for a in annees]
    q1 = [territoire.seuil_q1(a) for a in annees]  # raises ErreurSeuilManquant if a year is missing
    q2 = [s.q2 for s in seuils if s is not None and s.q2] or [max(q1) * 1.45]
    q3 = [s.q3 for s in seuils if s is not None and s.q3] or [max(q1) * 1.9]
    bas = 0.22 * min(q1)
    return [
        (bas, 0.985 * min(q1)),
        (1.005 * max(q1), 0.995 * min(q2)),
        (1.005 * max(q2), 0.995 * min(q3)),
        (1.005 * max(q3), 1.35 * max(q3)),  # social-housing income ceilings cap the top
    ]


def _ressources(rng, q1: np.ndarray, parts_hors_q1, bandes, uc: np.ndarray) -> np.ndarray:
    """Monthly resources (euros, cents) from the quartile band of each household."""
    n = len(q1)
    quartile = np.where(q1, 0, 1 + rng.choice(3, size=n, p=np.array(parts_hors_q1) / sum(parts_hors_q1)))
    bas = np.array([bandes[q][0] for q in quartile])
    haut = np.array([bandes[q][1] for q in quartile])
    # Within Q1, more households near the top of the band (working poor) than near zero.
    forme = np.where(quartile == 0, rng.beta(2.2, 1.4, n), rng.random(n))
    ruc = bas + (haut - bas) * forme
    return np.round(ruc * uc / 12, 2)


# --------------------------------------------------------------------------------------
# Residences
# --------------------------------------------------------------------------------------
def _poids_communes(territoire: Territoire, exposant: float) -> dict[str, float]:
    """Share of the social stock per commune: population ** exposant (equal shares if unknown)."""
    codes = list(territoire.communes)
    fichier = chemins.REFERENCE / "communes_france.csv"
    population = {}
    if fichier.exists():
        table = pd.read_csv(fichier, dtype={"code_commune": "string"}, usecols=["code_commune", "population_municipale"])
        table = table[table["code_commune"].isin(codes)]
        valeurs = pd.to_numeric(table["population_municipale"], errors="coerce")
        population = {c: float(v) for c, v in zip(table["code_commune"], valeurs) if pd.notna(v) and v > 0}
    if not population:
        return {c: 1 / len(codes) for c in codes}
    mediane = float(np.median(list(population.values())))
    brut = {c: float(population.get(c, mediane)) ** exposant for c in codes}
    total = sum(brut.values())
    return {c: v / total for c, v in brut.items()}


def _repartir(total: int, poids: np.ndarray, minimum: int = 1) -> np.ndarray:
    """Integer split of ``total`` by weights (largest remainder), each at least ``minimum``."""
    brut = poids / poids.sum() * (total - minimum * len(poids))
    effectifs = np.floor(brut).astype(int)
    reste = total - minimum * len(poids) - effectifs.sum()
    effectifs[np.argsort(-(brut - effectifs), kind="stable")[:reste]] += 1
    return effectifs + minimum


def _bailleurs_principaux(territoire: Territoire, p: ParametresExemple) -> list[tuple[str, float]]:
    connus = [(nom, part) for nom, part in p.bailleurs_principaux if nom in territoire.bailleurs]
    if connus:
        return connus
    noms = list(territoire.bailleurs)[: len(p.bailleurs_principaux)]
    return [(nom, part) for nom, (_, part) in zip(noms, p.bailleurs_principaux)]


def _residences(rng: np.random.Generator, territoire: Territoire, p: ParametresExemple) -> pd.DataFrame:
    """The residence stock: identifiers FICT-R001…, communes in blocks by decreasing weight."""
    poids = _poids_communes(territoire, p.exposant_population)
    communes = sorted(poids, key=lambda c: (-poids[c], c))
    w = np.array([poids[c] for c in communes])
    par_commune = _repartir(p.nb_residences, w, minimum=1)
    logements_commune = _repartir(p.nb_logements, w, minimum=8)
    code = np.repeat(np.array(communes, dtype=object), par_commune)
    n = p.nb_residences

    # Dwellings per residence: random split of each commune's total (at least 8 each).
    nb = np.zeros(n, dtype=int)
    debut = 0
    for k, m in enumerate(par_commune):
        parts = rng.dirichlet(np.full(m, 2.5))
        nb[debut:debut + m] = _repartir(int(logements_commune[k]), parts, minimum=min(8, logements_commune[k] // m))
        debut += m

    fragiles = sorted(set(_INDEX_FRAGILES_2024) | set(_INDEX_FRAGILES_2022))
    annee = rng.integers(1962, 2021, size=n)
    annee[fragiles] = rng.integers(1964, 1978, size=len(fragiles))  # large 1960s-70s estates
    nb[fragiles] = np.maximum(nb[fragiles], rng.integers(70, 110, size=len(fragiles)))

    # New programmes: the last residence of the second, then first commune blocks.
    fins_blocs = np.cumsum(par_commune) - 1
    neufs_index = []
    for k, (annee_neuf, logements) in enumerate(p.programmes_neufs):
        bloc = [1, 0][k % 2] if len(par_commune) > 1 else 0
        i = int(fins_blocs[bloc]) - (k // 2)
        if i in fragiles or i in neufs_index:
            i = next(j for j in range(n - 1, -1, -1) if j not in fragiles and j not in neufs_index)
        annee[i] = annee_neuf
        nb[i] = logements
        neufs_index.append(i)

    # Bailleurs: greedy assignment, largest residences first, to the biggest deficit.
    principaux = _bailleurs_principaux(territoire, p)
    autres = [b for b in territoire.bailleurs if b not in dict(principaux)]
    reste = max(0.0, 1 - sum(part for _, part in principaux))
    cibles = dict(principaux)
    for b in autres:
        cibles[b] = reste / len(autres)
    total = nb.sum()
    tenu = {b: 0 for b in cibles}
    bailleur = np.empty(n, dtype=object)
    ordre = np.argsort(-nb + rng.random(n) * 0.1, kind="stable")
    for rang, i in enumerate(ordre):
        if rang >= n - len(autres):
            # Make sure every bailleur of the territory holds at least one residence.
            sans = [b for b in autres if tenu[b] == 0]
            if sans:
                b = sans[0]
                bailleur[i] = b
                tenu[b] += nb[i]
                continue
        b = max(cibles, key=lambda x: (cibles[x] * total - tenu[x], x))
        bailleur[i] = b
        tenu[b] += nb[i]

    noms = rng.permutation(len(_NOMS_RESIDENCES))[:n] if n <= len(_NOMS_RESIDENCES) else np.arange(n) % len(_NOMS_RESIDENCES)
    nom = [f"Résidence {_NOMS_RESIDENCES[k]} (fictive)" for k in noms]
    if n > len(_NOMS_RESIDENCES):
        nom = [f"{x[:-10]} {i + 1} (fictive)" for i, x in enumerate(nom)]

    lat, lon = _positions(rng, territoire, code)
    return pd.DataFrame({
        "id_residence": [f"FICT-R{i + 1:03d}" for i in range(n)],
        "nom_residence": nom,
        "bailleur": bailleur,
        "code_commune": code,
        "code_qpv": "",
        "nb_logements": nb,
        "annee_mise_en_service": annee,
        "latitude": lat,
        "longitude": lon,
    })


def _positions(rng: np.random.Generator, territoire: Territoire, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Random WGS84 points strictly inside each residence's commune (NaN without boundaries)."""
    lat = np.full(len(codes), np.nan)
    lon = np.full(len(codes), np.nan)
    if territoire.contours_communes is None:
        return lat, lon
    from .geographie import charger_communes  # geometry files are read in one place

    contours = charger_communes(territoire).set_index("code")["geometry"]
    for code in sorted(set(codes)):
        forme = contours[code]
        interieur = forme.buffer(-0.002)  # keep away from the border (rounding to 6 decimals)
        if interieur.is_empty:
            interieur = forme
        xmin, ymin, xmax, ymax = interieur.bounds
        indices = np.flatnonzero(codes == code)
        points: list[tuple[float, float]] = []
        while len(points) < len(indices):
            x = rng.uniform(xmin, xmax, 64)
            y = rng.uniform(ymin, ymax, 64)
            dedans = shapely.contains_xy(interieur, x, y)
            points.extend(zip(x[dedans], y[dedans]))
        for i, (x, y) in zip(indices, points):
            lon[i], lat[i] = round(float(x), 6), round(float(y), 6)
    return lat, lon


# --------------------------------------------------------------------------------------
# OPS
# --------------------------------------------------------------------------------------
def _ops(rng: np.random.Generator, residences: pd.DataFrame, p: ParametresExemple) -> pd.DataFrame:
    """OPS counts per residence and survey year; a few residences clearly fragile."""
    taux = dict(p.ops_taux)
    multiplicateur = dict(p.ops_multiplicateur_fragile)
    lignes = []
    for annee_ops in p.ops_annees:
        fragiles = set(_INDEX_FRAGILES_2024 if annee_ops >= 2024 else _INDEX_FRAGILES_2022)
        for i, r in residences.iterrows():
            if r["annee_mise_en_service"] > annee_ops:
                continue
            menages = int(round(r["nb_logements"] * rng.uniform(0.93, 0.99)))
            adultes = int(round(menages * rng.uniform(1.45, 1.75)))
            fragile = i in fragiles
            valeurs = {}
            for cle, t in taux.items():
                if fragile:
                    v = t * multiplicateur.get(cle, 1.0) * rng.uniform(0.97, 1.05)
                else:
                    v = t * rng.uniform(1 - p.ops_variation, 1 + p.ops_variation)
                base = adultes if cle == "sans_emploi" else menages
                valeurs[cle] = min(base, int(round(base * min(v, 0.95))))
            inf40 = max(valeurs["ress_inf_40"], valeurs["ress_inf_20"])
            inf60 = max(valeurs["ress_inf_60"], inf40)
            lignes.append({
                "annee_ops": annee_ops,
                "id_residence": r["id_residence"],
                "nb_menages": menages,
                "nb_menages_ress_inf_20": valeurs["ress_inf_20"],
                "nb_menages_ress_inf_40": inf40,
                "nb_menages_ress_inf_60": inf60,
                "nb_familles_monoparentales": valeurs["monoparentales"],
                "nb_familles_nombreuses": valeurs["nombreuses"],
                "nb_titulaires_65_plus": valeurs["titulaires_65_plus"],
                "nb_menages_apl": valeurs["apl"],
                "nb_adultes": adultes,
                "nb_adultes_sans_emploi": valeurs["sans_emploi"],
                "nb_emmenages_recents": valeurs["emmenages_recents"],
            })
    return pd.DataFrame(lignes)


# --------------------------------------------------------------------------------------
# Demands and attributions
# --------------------------------------------------------------------------------------
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


def _generer_tables(territoire: Territoire, graine: int, p: ParametresExemple) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(graine)
    debut, fin = _jours(p.debut), _jours(p.fin)
    annees_fenetre = range(p.debut.year, p.fin.year + 1)
    bandes = _bornes_quartiles(territoire, annees_fenetre)
    reservataires = [(c, s) for c, s in p.reservataires if c in territoire.reservataires]
    codes_res = [c for c, _ in reservataires]
    parts_res = np.array([s for _, s in reservataires])
    # Housed-pending demands are simulated up to this horizon so that the stock stays stationary.
    horizon = p.fin.year + 8

    residences = _residences(rng, territoire, p)
    ops = _ops(rng, residences, p)

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

    # ---- Attributions -------------------------------------------------------------------
    attributions = _attributions(rng, demandes, residences, territoire, p, debut, fin, codes_res, parts_res)
    snapshots = _instantanes(demandes, p)
    return {"attributions": attributions, "demandes": snapshots, "residences": residences, "ops": ops}


def _attributions(rng, demandes, residences, territoire, p, debut, fin, codes_res, parts_res) -> pd.DataFrame:
    """Attribution rows: housed households in the window, refusals, pending leases, dirt."""
    loges = demandes[demandes["loge"] & (demandes["decision"] <= fin) & ((demandes["bail"] >= debut) | (demandes["decision"] >= debut))].copy()
    loges["sans_bail"] = False

    # Refusals: a never-housed demand active at a quarter end gets a decision in the next quarter.
    autres = demandes[~demandes["loge"]]
    trimestres = [debut - _JOUR] + _fins_trimestre(p.debut, p.fin)[:-1]
    refus = []
    total_refus = int(round(p.part_decisions_sans_bail * p.baux_par_an * len(trimestres) / 4))
    par_trimestre = _repartir(total_refus, np.ones(len(trimestres)), minimum=0)
    for q, n_refus in zip(trimestres, rng.permutation(par_trimestre)):
        actives = autres[(autres["depot"] <= q) & (autres["sortie"] > q + 30 * _JOUR)]
        choix = actives.iloc[rng.choice(len(actives), size=min(n_refus, len(actives)), replace=False)].copy()
        marge = ((choix["sortie"] - q) / _JOUR).clip(upper=91).to_numpy() - 1
        choix["decision"] = q + np.maximum(1, (rng.random(len(choix)) * marge).astype(int)) * _JOUR
        choix = choix[choix["decision"] <= fin]
        choix["reservataire"] = rng.choice(np.array(codes_res, dtype=object), size=len(choix), p=parts_res / parts_res.sum())
        choix["sans_bail"] = True
        refus.append(choix)
    table = pd.concat([loges, *refus], ignore_index=True)
    table.loc[table["sans_bail"] | (table["bail"] > fin), "bail"] = pd.NaT
    table = table.sort_values(["decision", "numero_unique"], kind="stable").reset_index(drop=True)
    n = len(table)

    # Residence: first peopling of new programmes, otherwise by size among those in service.
    res = residences
    id_res = np.empty(n, dtype=object)
    date_ref = table["bail"].fillna(table["decision"]).to_numpy()
    annee_ref = pd.DatetimeIndex(date_ref).year.to_numpy()
    libre = np.ones(n, dtype=bool)
    for _, prog in res[res["annee_mise_en_service"] > p.debut.year - 1].iterrows():
        a = int(prog["annee_mise_en_service"])
        fenetre = (date_ref >= np.datetime64(f"{a}-04-01")) & (date_ref <= np.datetime64(f"{a}-07-15")) & libre
        fenetre &= ~table["sans_bail"].to_numpy()
        candidats = np.flatnonzero(fenetre)
        k = min(len(candidats), int(round(0.9 * prog["nb_logements"])))
        pris = rng.choice(candidats, size=k, replace=False)
        id_res[pris] = prog["id_residence"]
        libre[pris] = False
    mise_en_service = res["annee_mise_en_service"].to_numpy()
    for annee in np.unique(annee_ref[libre]):
        lignes = np.flatnonzero(libre & (annee_ref == annee))
        ouvertes = (mise_en_service < annee) | ((mise_en_service == annee) & (annee < p.debut.year))
        w = res["nb_logements"].to_numpy() * ouvertes
        id_res[lignes] = rng.choice(res["id_residence"].to_numpy(), size=len(lignes), p=w / w.sum())
    table["id_residence"] = id_res
    infos = res.set_index("id_residence")
    table["code_commune"] = infos.loc[id_res, "code_commune"].to_numpy()
    table["bailleur"] = infos.loc[id_res, "bailleur"].to_numpy()

    # Let dwelling size: mostly the wished one.
    cumul = _TYPOLOGIE_PAR_TAILLE[table["nb_personnes"].to_numpy() - 1].cumsum(axis=1)
    tirage = _TYPOLOGIES[(rng.random(n)[:, None] > cumul).sum(axis=1).clip(max=4)]
    table["typologie_bail"] = np.where(rng.random(n) < 0.7, table["typologie"].to_numpy(), tirage)
    age = table["age_depot"].to_numpy() + ((table["decision"] - table["depot"]) / _JOUR).to_numpy() / _AN
    table["age_titulaire"] = np.minimum(90, np.floor(age)).astype(int)

    # Dirt: aliases, unknown commune, duplicated identifier.
    bailleur = table["bailleur"].to_numpy().astype(object)
    for nom, part in p.part_alias:
        alias = territoire.bailleurs.get(nom) or ()
        if alias:
            lignes = np.flatnonzero(bailleur == nom)
            bailleur[lignes[rng.random(len(lignes)) < part]] = alias[0]
    table["bailleur"] = bailleur
    annees_decision = pd.DatetimeIndex(table["decision"]).year
    table["id_attribution"] = [f"FICT-A{a}-{i + 1:05d}" for i, a in enumerate(annees_decision)]
    candidats = np.flatnonzero((annees_decision == p.debut.year + 1) & table["bail"].notna().to_numpy())
    inconnues = rng.choice(candidats, size=2, replace=False)
    table.loc[inconnues, "code_commune"] = CODE_COMMUNE_INCONNUE
    double = int(rng.choice(np.setdiff1d(candidats, inconnues)))
    table = pd.concat([table.iloc[: double + 1], table.iloc[[double]], table.iloc[double + 1:]], ignore_index=True)
    return table


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


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------
def _texte_date(valeurs) -> pd.Series:
    serie = pd.Series(pd.to_datetime(valeurs))
    return serie.dt.strftime("%d/%m/%Y").fillna("")


def _texte_nombre(valeurs, decimales: int) -> pd.Series:
    serie = pd.Series(np.asarray(valeurs, dtype=float))
    texte = serie.map(lambda v: "" if np.isnan(v) else f"{v:.{decimales}f}".replace(".", ","))
    return texte


def _texte_booleen(valeurs, vrai: str, faux: str) -> pd.Series:
    return pd.Series(np.where(np.asarray(valeurs, dtype=bool), vrai, faux))


def _tables_texte(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Format the generated tables as the text of real extracts (contract column order)."""
    a = tables["attributions"]
    attributions = pd.DataFrame({
        "id_attribution": a["id_attribution"].to_numpy(),
        "numero_unique": a["numero_unique"].to_numpy(),
        "date_decision": _texte_date(a["decision"]),
        "date_bail": _texte_date(a["bail"]),
        "bailleur": a["bailleur"].to_numpy(),
        "reservataire": a["reservataire"].to_numpy(),
        "code_commune": a["code_commune"].to_numpy(),
        "code_qpv": "",
        "id_residence": a["id_residence"].to_numpy(),
        "typologie": a["typologie_bail"].to_numpy(),
        "ressources_mensuelles": _texte_nombre(a["ressources_mensuelles"], 2),
        "nb_personnes": a["nb_personnes"].astype(int).astype(str).to_numpy(),
        "nb_moins_14": a["nb_moins_14"].astype(int).astype(str).to_numpy(),
        "dalo": _texte_booleen(a["dalo"], "oui", "non"),
        "prioritaire_l441": _texte_booleen(a["prioritaire_l441"], "oui", "non"),
        "mutation": _texte_booleen(a["mutation"], "oui", "non"),
        "relogement_renouvellement": "non",
        "date_depot": _texte_date(a["depot"]),
        "age_titulaire": a["age_titulaire"].astype(str).to_numpy(),
        "composition": a["composition"].to_numpy(),
        "nom": a["nom"].to_numpy(),
    })
    d = tables["demandes"]
    demandes = pd.DataFrame({
        "date_extraction": _texte_date(d["date_extraction"]),
        "numero_unique": d["numero_unique"].to_numpy(),
        "date_depot": _texte_date(d["depot"]),
        "code_commune_souhaitee": d["commune_souhaitee"].to_numpy(),
        "typologie_souhaitee": d["typologie"].to_numpy(),
        "ressources_mensuelles": _texte_nombre(d["ressources_mensuelles"], 2),
        "nb_personnes": d["nb_personnes"].astype(int).astype(str).to_numpy(),
        "nb_moins_14": d["nb_moins_14"].astype(int).astype(str).to_numpy(),
        "mutation": _texte_booleen(d["mutation"], "O", "N"),
        "dalo": _texte_booleen(d["dalo"], "O", "N"),
        "prioritaire_l441": _texte_booleen(d["prioritaire_l441"], "O", "N"),
        "age_titulaire": d["age_titulaire"].astype(str).to_numpy(),
        "composition": d["composition"].to_numpy(),
        "nom": d["nom"].to_numpy(),
    })
    r = tables["residences"]
    residences = r.assign(
        nb_logements=r["nb_logements"].astype(str),
        annee_mise_en_service=r["annee_mise_en_service"].astype(str),
        latitude=_texte_nombre(r["latitude"], 6).to_numpy(),
        longitude=_texte_nombre(r["longitude"], 6).to_numpy(),
    )
    ops = tables["ops"].astype(str)
    return {"attributions": attributions, "demandes": demandes, "residences": residences, "ops": ops}


def tables_exemple(territoire: Territoire, graine: int = 2024, parametres: ParametresExemple = PARAMETRES_DEFAUT) -> dict[str, pd.DataFrame]:
    """Generate the four synthetic tables as the text that will be written (all columns str).

    Parameters
    ----------
    territoire : Territoire
        Communes, bailleurs (and aliases), réservataires, thresholds, UC scale, boundaries.
    graine : int, default 2024
        Seed of ``numpy.random.default_rng``: the same seed gives the same tables.
    parametres : ParametresExemple, optional
        Calibration of the synthetic world.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``attributions``, ``demandes``, ``residences``, ``ops``; contract columns in order,
        plus a personal column ``nom`` in attributions and demandes (to be dropped at import).

    Raises
    ------
    ErreurSeuilManquant
        When a year of the covered window has no 1st-quartile threshold.
    """
    return _tables_texte(_generer_tables(territoire, int(graine), parametres))


def verifier_destination_fictive(destination) -> Path:
    """Check that synthetic data may be written to ``destination`` and return it as a Path.

    Raises
    ------
    ErreurParametre
        The destination is a file, or a folder holding data files (.csv, .xlsx, .parquet)
        without the fictitious-data notice: real extracts are never overwritten.
    """
    dossier = Path(destination)
    if dossier.exists() and not dossier.is_dir():
        raise ErreurParametre(f"{dossier} : la destination existe et n'est pas un dossier.")
    if dossier.is_dir() and not (dossier / FICHIER_AVERTISSEMENT).exists():
        existants = [f.name for f in sorted(dossier.iterdir()) if f.suffix.lower() in (".csv", ".xlsx", ".parquet")]
        if existants:
            raise ErreurParametre(
                f"{dossier} contient déjà des fichiers de données ({', '.join(existants)}) sans l'avertissement "
                f"{FICHIER_AVERTISSEMENT} : choisissez un autre dossier, les données fictives n'écrasent "
                "jamais de vrais extraits."
            )
    return dossier


def generer_exemple(destination, territoire: Territoire, graine: int = 2024,
                    parametres: ParametresExemple = PARAMETRES_DEFAUT) -> dict[str, Path]:
    """Write the synthetic sample (four CSV files and a notice) into ``destination``.

    Files are ``;``-separated, Windows-1252 encoded, CRLF line ends, dates ``JJ/MM/AAAA``,
    decimal comma: like real extracts. The same seed always writes byte-identical files.

    Parameters
    ----------
    destination : path-like
        Folder to write into (created if needed).
    territoire : Territoire
    graine : int, default 2024
        Random seed.
    parametres : ParametresExemple, optional

    Returns
    -------
    dict of str to pathlib.Path
        Table name -> CSV file written (``attributions``, ``demandes``, ``residences``, ``ops``).
        The notice ``DONNEES_FICTIVES.txt`` is written beside them.

    Raises
    ------
    ErreurParametre
        When ``destination`` already holds data files but no fictitious-data notice: real
        extracts are never overwritten.
    ErreurSeuilManquant
        When a year of the covered window has no 1st-quartile threshold.
    """
    dossier = verifier_destination_fictive(destination)
    tables = tables_exemple(territoire, graine, parametres)
    dossier.mkdir(parents=True, exist_ok=True)
    ecrits = {}
    for nom, table in tables.items():
        chemin = dossier / f"{nom}.csv"
        texte = table.to_csv(sep=";", index=False, lineterminator="\r\n")
        chemin.write_bytes(texte.encode("cp1252"))
        ecrits[nom] = chemin
    avertissement = _TEXTE_AVERTISSEMENT.format(
        graine=int(graine), territoire=territoire.nom, commune_inconnue=CODE_COMMUNE_INCONNUE
    )
    (dossier / FICHIER_AVERTISSEMENT).write_bytes(avertissement.replace("\n", "\r\n").encode("cp1252"))
    return ecrits


__all__ = [
    "generer_exemple", "tables_exemple", "ParametresExemple", "PARAMETRES_DEFAUT",
    "RESIDENCES_FRAGILES_EXEMPLE", "RESIDENCES_FRAGILES_2022", "FICHIER_AVERTISSEMENT",
    "CODE_COMMUNE_INCONNUE",
]
