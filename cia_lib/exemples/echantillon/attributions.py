"""Synthetic attributions (CALEOL decisions and leases), with the data-quality defects of real extracts.

Rows are the housed demands whose decision or lease falls in the window, plus refusals
(decisions without lease) and decisions whose lease is not signed yet; each gets a residence
(new programmes are first peopled in spring), a let dwelling size and a few deliberate
defects: bailleur aliases, an unknown commune code, a duplicated identifier.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .menages import _TYPOLOGIE_PAR_TAILLE, _TYPOLOGIES
from .parametres import CODE_COMMUNE_INCONNUE
from .tirages import _AN, _JOUR, _fins_trimestre, _repartir


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
