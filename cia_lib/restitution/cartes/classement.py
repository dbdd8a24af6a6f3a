"""Classification of the communes for one indicator (target classes, pressure classes, special classes).

Reads the tidy indicator table of :mod:`cia_lib.calculs.indicateurs` and gives each
commune its class, colour, hatching and legend order (:func:`classer_communes`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from cia_lib.territoire.config import Territoire

from .formats import _est_masque, _nombre
from .styles import BORNES_PRESSION, CLASSES, CLASSES_CIBLE, CLASSES_SPECIALES, Classe, _classes_pression


def _lignes_communes(tableau: pd.DataFrame, indicateur: str) -> pd.DataFrame:
    lignes = tableau[tableau["indicateur"].astype("string") == indicateur]
    if "niveau" in lignes.columns:
        lignes = lignes[lignes["niveau"].astype("string") == "commune"]
    return lignes


def _avec_cible(lignes: pd.DataFrame, indicateur: str) -> bool:
    if indicateur == "pression" or "cible" not in lignes.columns:
        return False
    return any(_nombre(v) is not None for v in lignes["cible"])


def _classe_ligne(ligne: dict, avec_cible: bool, classes_seq: tuple[Classe, ...], bornes,
                  effectif_minimum: int | None) -> str:
    statut = ligne.get("statut")
    statut = str(statut).strip().lower() if statut is not None and not pd.isna(statut) else ""
    denominateur = _nombre(ligne.get("denominateur"))
    if statut == "sans objet" or denominateur == 0:
        return "sans_objet"
    if statut == "effectif insuffisant":
        return "effectif_insuffisant"
    if (effectif_minimum is not None and denominateur is not None and not statut
            and denominateur < effectif_minimum):
        return "effectif_insuffisant"
    taux = _nombre(ligne.get("taux"))
    if taux is None:
        masque = any(_est_masque(ligne.get(c)) for c in ("taux", "numerateur", "denominateur"))
        return "secret" if masque else "sans_objet"
    if not avec_cible:
        rang = int(np.searchsorted(np.asarray(bornes, dtype=float), taux, side="right"))
        return classes_seq[rang].code
    cible = _nombre(ligne.get("cible"))
    if cible is None:
        return "sans_objet"
    bas, haut = _nombre(ligne.get("ic_bas")), _nombre(ligne.get("ic_haut"))
    if bas is None or haut is None:  # no interval (masked): compare the rate itself
        bas = haut = taux
    if cible < bas:
        return "au_dessus"
    if cible > haut:
        return "en_dessous"
    return "autour"


def classes_indicateur(indicateur: str, avec_cible: bool = True, bornes=BORNES_PRESSION) -> tuple[Classe, ...]:
    """Ordered classes of the legend of ``indicateur`` (main classes, then special ones).

    Parameters
    ----------
    indicateur : str
        Indicator code (``pression`` has sequential classes, the others target classes).
    avec_cible : bool, default True
        False forces sequential classes (an indicator without a target).
    bornes : sequence of float
        Limits of the sequential classes.

    Returns
    -------
    tuple of Classe
    """
    principales = CLASSES_CIBLE if (avec_cible and indicateur != "pression") else _classes_pression(bornes)
    return (*principales, *CLASSES_SPECIALES)


def classer_communes(tableau_indicateurs: pd.DataFrame, indicateur: str, *, bornes_pression=BORNES_PRESSION,
                     effectif_minimum: int | None = None) -> pd.DataFrame:
    """Class of each commune for one indicator, with its colour and French label.

    Target indicators (``q1_hors_qpv``, ``hors_q1_en_qpv``, ``prioritaires``…): the target
    is compared with the 95 % Wilson interval ``[ic_bas, ic_haut]``: inside it (bounds
    included) = ``autour`` (around the target), target below the interval = ``au_dessus``,
    above = ``en_dessous``. ``pression`` (no target): sequential classes cut at
    ``bornes_pression``. Whatever the indicator: ``statut`` « sans objet » or no lease =
    ``sans_objet``; « effectif insuffisant » = ``effectif_insuffisant``; a rate masked by
    the diffusion rules (``"s"``) = ``secret``.

    Parameters
    ----------
    tableau_indicateurs : pandas.DataFrame
        Tidy table of :func:`cia_lib.calculs.indicateurs.tableau_indicateurs`; only rows of
        ``indicateur`` at ``niveau == "commune"`` are used (``cle`` = INSEE code).
        Numbers may be masked strings ``"s"``.
    indicateur : str
    bornes_pression : sequence of float, keyword-only
    effectif_minimum : int, optional, keyword-only
        Used only for rows without ``statut``: fewer leases than this = insufficient.

    Returns
    -------
    pandas.DataFrame
        One row per commune: ``cle`` (str), ``libelle``, ``classe``, ``libelle_classe``,
        ``couleur`` (hex), ``hachure`` (matplotlib hatch, ``""`` for none), ``marque``
        (short French mark for special classes), ``ordre`` (legend order), and the
        source columns ``numerateur, denominateur, taux, ic_bas, ic_haut, cible, statut,
        du, au`` as given (masked values kept).

    Examples
    --------
    >>> t = pd.DataFrame({"indicateur": ["q1_hors_qpv"], "niveau": ["commune"], "cle": ["99001"],
    ...                   "libelle": ["Ville-Centre"], "numerateur": [10], "denominateur": [40],
    ...                   "taux": [0.25], "ic_bas": [0.14], "ic_haut": [0.40], "cible": [0.25],
    ...                   "statut": ["atteint"]})
    >>> classer_communes(t, "q1_hors_qpv")[["cle", "classe", "couleur"]].to_dict("records")
    [{'cle': '99001', 'classe': 'autour', 'couleur': '#fee090'}]
    """
    lignes = _lignes_communes(tableau_indicateurs, indicateur)
    avec_cible = _avec_cible(lignes, indicateur)
    classes_seq = _classes_pression(bornes_pression)
    legende = {c.code: (i, c) for i, c in enumerate(classes_indicateur(indicateur, avec_cible, bornes_pression))}
    sources = ["numerateur", "denominateur", "taux", "ic_bas", "ic_haut", "cible", "statut", "du", "au"]
    sortie = []
    for ligne in lignes.to_dict("records"):
        code = _classe_ligne(ligne, avec_cible, classes_seq, bornes_pression, effectif_minimum)
        ordre, classe = legende[code]
        sortie.append({
            "cle": str(ligne["cle"]),
            "libelle": ligne.get("libelle"),
            "classe": code,
            "libelle_classe": classe.libelle,
            "couleur": classe.couleur,
            "hachure": classe.hachure,
            "marque": classe.marque,
            "ordre": ordre,
            **{c: ligne.get(c) for c in sources},
        })
    colonnes = ["cle", "libelle", "classe", "libelle_classe", "couleur", "hachure", "marque", "ordre", *sources]
    resultat = pd.DataFrame(sortie, columns=colonnes)
    resultat["cle"] = resultat["cle"].astype("string")
    return resultat


def indicateur_disponible(tableau_indicateurs: pd.DataFrame, indicateur: str) -> bool:
    """True when the table has rows of ``indicateur`` at the commune level (it can be mapped).

    Examples
    --------
    >>> indicateur_disponible(pd.DataFrame({"indicateur": ["pression"], "niveau": ["epci"], "cle": ["x"]}),
    ...                       "pression")
    False
    """
    return not _lignes_communes(tableau_indicateurs, indicateur).empty


def _classes_par_commune(communes: gpd.GeoDataFrame, tableau: pd.DataFrame, indicateur: str,
                         territoire: Territoire) -> gpd.GeoDataFrame:
    """Communes (geometry) joined with their class; a commune absent from the table = no lease."""
    classes = classer_communes(tableau, indicateur, effectif_minimum=territoire.effectif_minimum)
    jointes = communes.merge(classes.drop(columns=["libelle"]), left_on="code", right_on="cle", how="left")
    sans = jointes["classe"].isna()
    so = CLASSES["sans_objet"]
    jointes.loc[sans, ["classe", "libelle_classe", "couleur", "hachure", "marque"]] = [
        so.code, so.libelle, so.couleur, so.hachure, so.marque]
    jointes["ordre"] = jointes["ordre"].fillna(99)
    jointes["cle"] = jointes["code"]
    return jointes


def _classes_legende(jointes: gpd.GeoDataFrame, indicateur: str, avec_cible: bool) -> list[Classe]:
    presentes = set(jointes["classe"])
    classes = classes_indicateur(indicateur, avec_cible)
    return [c for c in classes if c not in CLASSES_SPECIALES or c.code in presentes]
