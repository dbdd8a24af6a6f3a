"""Sensitive residences for readers: masking for diffusion and table layouts.

The calculations are in :mod:`cia_lib.calculs.residences`; this module only turns their results
into what a shared report may show.
"""

from __future__ import annotations

import pandas as pd

from .confidentialite import MASQUE, est_secret, masquer_effectifs, masquer_tableau_indicateurs


def masquer_liste_diffusion(scores: pd.DataFrame, seuil: int) -> pd.DataFrame:
    """Residence list for a shared report: no residence-level count from 1 to ``seuil``.

    ``nb_menages`` from 1 to ``seuil`` becomes ``"s"`` and the shares, ratios and reasons of
    that residence are hidden (they would reveal a handful of households). Such residences
    are always ``incertaine`` when ``taille_minimum`` exceeds ``seuil``.
    """
    t = scores.copy()
    secret = t["nb_menages"].map(lambda v: est_secret(v, seuil)).astype(bool)
    if secret.any():
        a_cacher = [c for c in t.columns if c.startswith(("part_", "ratio_"))] + ["nb_menages", "motifs",
                                                                                   "raison_incertitude"]
        for c in a_cacher:
            t[c] = t[c].astype(object)
            t.loc[secret, c] = MASQUE
    return t


def masquer_premier_peuplement(profil: pd.DataFrame, seuil: int) -> pd.DataFrame:
    """Mask a :func:`premier_peuplement` table for diffusion (primary and secondary secret).

    Within each perimeter × indicator, the modalities add up to the perimeter's lease
    count: :func:`cia_lib.restitution.confidentialite.masquer_tableau_indicateurs` masks counts from 1
    to ``seuil`` (and their complements) and completes the masking so that no cell can be
    recomputed by subtraction.
    """
    t = profil.rename(columns={"effectif": "numerateur", "total": "denominateur", "part": "taux"})
    t = t.assign(niveau=t["perimetre"].astype(str) + " / " + t["indicateur"].astype(str))
    t = masquer_tableau_indicateurs(t, seuil)
    return t.drop(columns="niveau").rename(columns={"numerateur": "effectif", "denominateur": "total", "taux": "part"})


def masquer_placement_residences(placement: pd.DataFrame, seuil: int) -> pd.DataFrame:
    """Mask :func:`placement_par_residence` for diffusion, with a total row of the flagged residences.

    Counts from 1 to ``seuil`` become ``"s"``; the total row « Ensemble des résidences
    signalées » is added and secondary masking along each column keeps a single masked
    residence from being recomputed from that total.
    """
    comptes = ["nb_baux", "nb_q1", "nb_ressources_inconnues", "nb_prioritaires", "nb_dalo"]
    total = {c: int(placement[c].sum()) for c in comptes}
    libelle_total = "Ensemble des résidences signalées"
    t = pd.concat([placement, pd.DataFrame([{"nom_residence": libelle_total, **total}])], ignore_index=True)
    t.index = [*range(len(placement)), libelle_total]
    t = masquer_effectifs(t, comptes, seuil, ligne_total=libelle_total)
    return t.reset_index(drop=True)


def residences_pour_carte(scores: pd.DataFrame) -> pd.DataFrame:
    """Scores ready for :func:`cia_lib.restitution.cartes.carte_residences`: ``signalee`` is NA where the
    residence is ``incertaine`` (shown as « fragilité non évaluée », never as cleared)."""
    t = scores.copy()
    t["signalee"] = t["signalee"].astype("boolean").mask(t["incertaine"].fillna(True).astype(bool))
    return t


def tableau_premier_peuplement(profil: pd.DataFrame) -> pd.DataFrame:
    """Wide view of :func:`premier_peuplement` (masked or not): one row per indicator × modality,
    two columns per perimeter (« effectif » and « part »), plus a first row of lease counts."""
    perimetres = list(dict.fromkeys(profil["perimetre"]))
    lignes = profil[["indicateur", "modalite"]].drop_duplicates().reset_index(drop=True)
    sortie = lignes.copy()
    totaux = {"indicateur": "baux signés", "modalite": "total"}
    for p in perimetres:
        sous = profil[profil["perimetre"] == p].set_index(["indicateur", "modalite"])
        cles = list(zip(lignes["indicateur"], lignes["modalite"], strict=True))
        sortie[f"{p} – effectif"] = [sous.loc[k, "effectif"] for k in cles]
        sortie[f"{p} – part"] = [sous.loc[k, "part"] for k in cles]
        totaux[f"{p} – effectif"] = sous["total"].iloc[0] if len(sous) else 0
        totaux[f"{p} – part"] = None
    return pd.concat([pd.DataFrame([totaux]), sortie], ignore_index=True)


__all__ = [
    "masquer_liste_diffusion", "masquer_premier_peuplement", "masquer_placement_residences",
    "residences_pour_carte", "tableau_premier_peuplement",
]
