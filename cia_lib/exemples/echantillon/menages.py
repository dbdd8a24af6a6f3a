"""Synthetic households: structure (size, children, composition, age, wished size) and resources.

Resources are drawn inside per-UC quartile bands built from the territory's thresholds, so
the quartile of a household never depends on the year it is looked at.
"""

from __future__ import annotations

import numpy as np

from cia_lib.territoire.config import Territoire

from .parametres import ParametresExemple

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
