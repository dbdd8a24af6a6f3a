"""Calibration of the synthetic world and the sample's seed-independent ground truth.

:class:`ParametresExemple` holds the shares, volumes and durations the generators draw
from (calibrated on the 2022 diagnostic of the CCVO3F convention, see
``docs/donnees_fictives.md``); the constants name the residences the sample makes fragile
and the unknown commune code it writes on purpose. They describe the *fictitious data*,
not the convention's targets (which live in the territory configuration).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
    parts_conventions : tuple of (str, float)
        Share of each bailleur's flux reserved to each contingent by the flux conventions
        (what they leave is the bailleur's own); the État's 30 % ceiling of R441-5 CCH is met.
    bailleurs_sans_convention : int
        The last bailleurs of the territory's list get no convention (a case the bilan shows).
    financements : tuple of (str, float)
        Financing of the residences (drawn once per residence, after every other draw).
    part_mutation_interne : float
        Share of the mutations that stay inside the same bailleur's stock.
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
    parts_conventions: tuple[tuple[str, float], ...] = (
        ("etat", 0.25), ("etat_fonctionnaires", 0.05), ("action_logement", 0.25), ("collectivite", 0.20),
        ("departement", 0.02),
    )
    bailleurs_sans_convention: int = 2
    financements: tuple[tuple[str, float], ...] = (("PLUS", 0.60), ("PLAI", 0.22), ("PLS", 0.13), ("PLI", 0.05))
    part_mutation_interne: float = 0.45


PARAMETRES_DEFAUT = ParametresExemple()

# Fixed layout of the residence stock (seed-independent, so the ground-truth constants hold).
_INDEX_FRAGILES_2024 = tuple(int(r[-3:]) - 1 for r in RESIDENCES_FRAGILES_EXEMPLE)
_INDEX_FRAGILES_2022 = tuple(int(r[-3:]) - 1 for r in RESIDENCES_FRAGILES_2022)
