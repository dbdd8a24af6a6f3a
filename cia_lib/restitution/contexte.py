"""What a notebook opens first: territory, processed data, period and reading mode.

Notebooks receive plain parameters (paths, year, quarter, mode) from papermill and call
:func:`ouvrir_contexte` once; everything else takes values from the returned object.
"""

from __future__ import annotations

from dataclasses import dataclass

from cia_lib.calculs.periodes import Periode, periode_cumul
from cia_lib.entrees.donnees import Donnees, charger_donnees
from cia_lib.erreurs import ErreurParametre
from cia_lib.territoire.config import Territoire, charger_territoire
from cia_lib.territoire.multi_epci import charger_territoires, territoire_ensemble

MODES = ("analyste", "diffusion")


@dataclass
class Contexte:
    """Inputs shared by every section of a report."""

    territoire: Territoire
    donnees: Donnees
    periode: Periode
    mode: str
    trimestre: int

    @property
    def diffusion(self) -> bool:
        """True when small counts must be masked (reports shared outside the analyst)."""
        return self.mode == "diffusion"

    @property
    def donnees_fictives(self) -> bool:
        """True when the processed data came from the synthetic generator."""
        return bool(self.donnees.rapport_import.get("donnees_fictives", False))


def verifier_mode(mode: str) -> str:
    """Return ``mode`` if it is ``analyste`` or ``diffusion``, else raise a French error."""
    if mode not in MODES:
        raise ErreurParametre(f"mode de lecture inconnu : {mode!r} (« analyste » ou « diffusion »).")
    return mode


def ouvrir_contexte(donnees, territoire, annee: int, trimestre: int = 4, mode: str = "diffusion") -> Contexte:
    """Load territory and data, and fix the period (year to date through ``trimestre``).

    Parameters
    ----------
    donnees : path-like
        Folder of processed tables.
    territoire : path-like or None
        Territory YAML (default configuration when None).
    annee, trimestre : int
        Period: from 1 January of ``annee`` to the end of quarter ``trimestre``.
    mode : {"analyste", "diffusion"}

    Returns
    -------
    Contexte
        Its tables are restricted to this territory's communes, and the OPS rows to its
        residences (as :func:`cia_lib.calculs.indicateurs.multi.restreindre` does).
    """
    territoire_charge = charger_territoire(territoire)
    # Only this territory's rows (the same tables as ``restreindre`` on the whole tables, without
    # loading them): the data may have been imported for several EPCIs, and even an import for
    # this EPCI alone keeps OPS rows of residences it does not know (a département-wide survey),
    # which must not weigh in the territory's OPS averages.
    tables = charger_donnees(donnees, communes=territoire_charge.communes)
    return Contexte(
        territoire=territoire_charge,
        donnees=tables,
        periode=periode_cumul(int(annee), int(trimestre)),
        mode=verifier_mode(mode),
        trimestre=int(trimestre),
    )


def ouvrir_contexte_multi(donnees, territoire, annee: int, trimestre: int = 4, mode: str = "diffusion"):
    """:func:`~cia_lib.restitution.contexte.ouvrir_contexte` for a multi-EPCI territory file.

    Parameters
    ----------
    donnees : path-like
        Processed tables covering every EPCI.
    territoire : path-like
        Multi-EPCI territory file (a single-EPCI file gives a list of one).
    annee, trimestre : int
    mode : {"analyste", "diffusion"}

    Returns
    -------
    (cia_lib.restitution.contexte.Contexte, list of Territoire)
        The context's territory is the union of the EPCIs (:func:`~cia_lib.territoire.multi_epci.territoire_ensemble`:
        shared settings, masking threshold); the list gives each EPCI.
    """
    territoires = charger_territoires(territoire)
    ensemble = territoire_ensemble(territoires, nom=f"{len(territoires)} EPCI")
    contexte = Contexte(
        territoire=ensemble, donnees=charger_donnees(donnees), periode=periode_cumul(int(annee), int(trimestre)),
        mode=verifier_mode(mode), trimestre=int(trimestre),
    )
    return contexte, territoires
