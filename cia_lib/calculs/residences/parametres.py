"""Parameters of the fragility score (``config/residences_sensibles.yaml``), constants of the method and OPS years."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cia_lib.entrees import schema
from cia_lib.erreurs import ErreurConfiguration, ErreurParametre
from cia_lib.territoire import chemins
from cia_lib.territoire.config import lire_yaml

FICHIER_PARAMETRES = chemins.CONFIG / "residences_sensibles.yaml"
"""Default parameters file (``config/residences_sensibles.yaml``)."""

PRECISION_RATIO = 6
"""Ratios and scores are rounded to this many decimals before being compared to thresholds."""

SIGNALEE = "signalée"
NON_SIGNALEE = "non signalée"
INCERTAINE = "incertaine"

ENTREE = "entrée"
SORTIE = "sortie"
MAINTENUE = "maintenue"
A_CONFIRMER = "à confirmer"
STATUTS_EVOLUTION = (ENTREE, SORTIE, MAINTENUE, A_CONFIRMER)

EN_SIGNALEE = "résidence signalée"
EN_INCERTAINE = "résidence incertaine"
EN_AUTRE = "autre résidence"
EN_INCONNUE = "résidence non renseignée"
SITUATIONS_PLACEMENT = (EN_SIGNALEE, EN_INCERTAINE, EN_AUTRE, EN_INCONNUE)
ENSEMBLE = "Ensemble"

LIBELLES_COMPOSITION = {
    "personne_seule": "personne seule",
    "couple_sans_enfant": "couple sans enfant",
    "couple_avec_enfants": "couple avec enfant(s)",
    "famille_monoparentale": "famille monoparentale",
    "autre": "autre composition",
}


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class IndicateurFragilite:
    """One fragility indicator: an OPS share compared with the territory's average."""

    code: str
    libelle: str
    numerateur: str
    denominateur: str
    poids: float
    seuil: float | None = None


@dataclass(frozen=True)
class ParametresFragilite:
    """Indicators, weights and thresholds of the fragility score (from YAML)."""

    indicateurs: tuple[IndicateurFragilite, ...]
    seuil_indicateur: float
    seuil_score: float
    taille_minimum: int
    tranches_age: tuple[int, ...] = (30, 50, 65)
    source: Path | None = None

    def seuil_de(self, indicateur: IndicateurFragilite) -> float:
        """Ratio threshold of ``indicateur`` (its own, else the common one)."""
        return self.seuil_indicateur if indicateur.seuil is None else indicateur.seuil


def _nombre(valeur, cle: str, source, minimum: float = 0.0, strict: bool = False) -> float:
    try:
        x = float(valeur)
    except (TypeError, ValueError):
        raise ErreurConfiguration(f"{source} : « {cle} » doit être un nombre (lu : {valeur!r}).") from None
    if x < minimum or (strict and x == minimum):
        signe = ">" if strict else "≥"
        raise ErreurConfiguration(f"{source} : « {cle} » doit être {signe} {minimum:g} (lu : {valeur!r}).")
    return x


def charger_parametres_fragilite(chemin=None) -> ParametresFragilite:
    """Load the fragility parameters.

    Parameters
    ----------
    chemin : path-like, optional
        YAML file; default ``config/residences_sensibles.yaml`` (:data:`FICHIER_PARAMETRES`).

    Returns
    -------
    ParametresFragilite

    Raises
    ------
    ErreurConfiguration
        Missing or unreadable file, unknown OPS column, negative weight, threshold ≤ 0...
    """
    source = Path(chemin) if chemin else FICHIER_PARAMETRES
    brut = lire_yaml(source, "fichier de paramètres des résidences sensibles")
    for cle in ("seuil_indicateur", "seuil_score", "taille_minimum", "indicateurs"):
        if brut.get(cle) in (None, "", {}):
            raise ErreurConfiguration(f"{source} : la rubrique « {cle} » est obligatoire.")
    colonnes_ops = set(schema.colonnes_traitees("ops"))
    indicateurs = []
    if not isinstance(brut["indicateurs"], dict):
        raise ErreurConfiguration(f"{source} : « indicateurs » doit associer un code à chaque indicateur.")
    for code, valeur in brut["indicateurs"].items():
        valeur = valeur or {}
        numerateur = valeur.get("numerateur")
        denominateur = valeur.get("denominateur", "nb_menages")
        for role, colonne in (("numerateur", numerateur), ("denominateur", denominateur)):
            if colonne not in colonnes_ops:
                raise ErreurConfiguration(
                    f"{source} : indicateur « {code} », {role} « {colonne} » n'est pas une colonne "
                    f"de la table OPS ({', '.join(sorted(colonnes_ops))})."
                )
        seuil = valeur.get("seuil")
        indicateurs.append(
            IndicateurFragilite(
                code=str(code),
                libelle=str(valeur.get("libelle", code)),
                numerateur=str(numerateur),
                denominateur=str(denominateur),
                poids=_nombre(valeur.get("poids", 1), f"indicateurs.{code}.poids", source),
                seuil=None if seuil is None else _nombre(seuil, f"indicateurs.{code}.seuil", source, strict=True),
            )
        )
    tranches = tuple(int(a) for a in (brut.get("tranches_age") or (30, 50, 65)))
    if list(tranches) != sorted(set(tranches)):
        raise ErreurConfiguration(f"{source} : « tranches_age » doit être une liste croissante d'âges.")
    return ParametresFragilite(
        indicateurs=tuple(indicateurs),
        seuil_indicateur=_nombre(brut["seuil_indicateur"], "seuil_indicateur", source, strict=True),
        seuil_score=_nombre(brut["seuil_score"], "seuil_score", source, strict=True),
        taille_minimum=int(_nombre(brut["taille_minimum"], "taille_minimum", source)),
        tranches_age=tranches,
        source=source,
    )


# --------------------------------------------------------------------------- OPS years


def annees_ops(ops: pd.DataFrame) -> list[int]:
    """Survey years present in the OPS table, in increasing order."""
    return sorted(int(a) for a in pd.Series(ops["annee_ops"]).dropna().unique())


def _liste_annees(annees: list[int]) -> str:
    return ", ".join(str(a) for a in annees) if annees else "aucune (table OPS vide)"


def annee_ops_disponible(ops: pd.DataFrame, annee: int, exacte: bool = False) -> int:
    """The OPS year to use for ``annee``: the latest survey year ≤ ``annee``.

    Parameters
    ----------
    ops : pandas.DataFrame
        Processed OPS table.
    annee : int
        Year of interest (e.g. the report year).
    exacte : bool, default False
        Require a survey of exactly ``annee`` (the CLI's ``--annee-ops``).

    Returns
    -------
    int

    Raises
    ------
    ErreurParametre
        No suitable survey; the message lists the years available.

    Examples
    --------
    >>> ops = pd.DataFrame({"annee_ops": [2022, 2024, 2024]})
    >>> annee_ops_disponible(ops, 2025)
    2024
    >>> annee_ops_disponible(ops, 2023)
    2022
    """
    annee = int(annee)
    disponibles = annees_ops(ops)
    if exacte:
        if annee in disponibles:
            return annee
        raise ErreurParametre(
            f"aucune enquête OPS pour l'année {annee} ; années disponibles : {_liste_annees(disponibles)}."
        )
    candidates = [a for a in disponibles if a <= annee]
    if not candidates:
        raise ErreurParametre(
            f"aucune enquête OPS en {annee} ou avant ; années disponibles : {_liste_annees(disponibles)}."
        )
    return candidates[-1]
