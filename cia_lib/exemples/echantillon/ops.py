"""Synthetic OPS occupancy surveys: counts per residence and survey year, a few residences clearly fragile."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .parametres import _INDEX_FRAGILES_2022, _INDEX_FRAGILES_2024, ParametresExemple


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
