"""National parameters of the flux bilan (``config/flux.yaml``): the ceilings of the préfet's
contingent (art. R441-5 CCH) and the construction periods of the bilan (décret 2020-145)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cia_lib.erreurs import ErreurConfiguration

from .chemins import CONFIG
from .config import lire_part, lire_yaml

FICHIER_PARAMETRES_FLUX = CONFIG / "flux.yaml"


@dataclass(frozen=True)
class ParametresFlux:
    """What :func:`charger_parametres_flux` reads."""

    plafond_etat: float
    """The préfet's contingent is at most this share of a bailleur's yearly flux."""
    plafond_agents_etat: float
    """Of which at most this share for the State's civil servants."""
    periodes_construction: tuple[tuple[int | None, int | None, str], ...]
    """``(first year or None, last year or None, label)``, bounds inclusive, in order."""
    source: Path | None = None


def _annee(valeur, cle: str, source) -> int | None:
    if valeur is None:
        return None
    if isinstance(valeur, bool) or not isinstance(valeur, int):
        raise ErreurConfiguration(f"{source} : « {cle} » doit être une année (lu : {valeur!r}).")
    return valeur


def _periodes(brut, source) -> tuple[tuple[int | None, int | None, str], ...]:
    if not isinstance(brut, list) or not brut:
        raise ErreurConfiguration(f"{source} : « periodes_construction » doit être une liste de périodes.")
    periodes = []
    for i, periode in enumerate(brut, start=1):
        if not isinstance(periode, dict) or not str(periode.get("libelle") or "").strip():
            raise ErreurConfiguration(f"{source} : période de construction n° {i} sans « libelle ».")
        de = _annee(periode.get("de"), f"periodes_construction[{i}].de", source)
        jusqu_a = _annee(periode.get("jusqu_a"), f"periodes_construction[{i}].jusqu_a", source)
        periodes.append((de, jusqu_a, str(periode["libelle"]).strip()))
    if periodes[0][0] is not None or periodes[-1][1] is not None:
        raise ErreurConfiguration(f"{source} : la première période de construction ne doit pas avoir de début "
                                  "(« de ») ni la dernière de fin (« jusqu_a ») : toute année doit tomber dans une période.")
    for (_de1, fin1, lib1), (de2, fin2, lib2) in zip(periodes, periodes[1:], strict=False):
        if fin1 is None or de2 is None or de2 != fin1 + 1 or (fin2 is not None and fin2 < de2):
            raise ErreurConfiguration(f"{source} : les périodes de construction « {lib1} » et « {lib2} » ne se "
                                      "suivent pas (la suivante commence l'année après la fin de la précédente).")
    if len({p[2] for p in periodes}) != len(periodes):
        raise ErreurConfiguration(f"{source} : deux périodes de construction ont le même libellé.")
    return tuple(periodes)


def charger_parametres_flux(chemin=None) -> ParametresFlux:
    """Load and check the flux parameters.

    Parameters
    ----------
    chemin : path-like, optional
        YAML file; default ``config/flux.yaml`` (:data:`FICHIER_PARAMETRES_FLUX`).

    Returns
    -------
    ParametresFlux

    Raises
    ------
    ErreurConfiguration
        Missing or unreadable file, a ceiling that is not a share, a period without label,
        periods that leave a year out or overlap.
    """
    source = Path(chemin) if chemin else FICHIER_PARAMETRES_FLUX
    brut = lire_yaml(source, "fichier des paramètres du flux")
    plafonds = brut.get("plafonds_etat")
    if not isinstance(plafonds, dict) or "total" not in plafonds or "agents_etat" not in plafonds:
        raise ErreurConfiguration(f"{source} : la rubrique « plafonds_etat » (total, agents_etat) est obligatoire.")
    total = lire_part(plafonds["total"], f"{source} : plafonds_etat.total")
    agents = lire_part(plafonds["agents_etat"], f"{source} : plafonds_etat.agents_etat")
    if agents > total:
        raise ErreurConfiguration(f"{source} : plafonds_etat.agents_etat ne peut dépasser plafonds_etat.total.")
    return ParametresFlux(total, agents, _periodes(brut.get("periodes_construction"), source), source)


@lru_cache(maxsize=1)
def parametres_flux() -> ParametresFlux:
    """The default parameters (``config/flux.yaml``), read once per process."""
    return charger_parametres_flux()
