"""Synthetic sample data ("données fictives") of one EPCI, in the format of the data contract.

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
:class:`~cia_lib.territoire.config.Territoire` argument.

Modules, one job each:

* :mod:`.parametres`: calibration (:class:`ParametresExemple`) and seed-independent ground truth;
* :mod:`.tirages`: low-level drawing helpers (quotas, integer splits, log-normal draws, days);
* :mod:`.menages`: household structure and resources;
* :mod:`.patrimoine`: the residence stock (communes, bailleurs, sizes, positions);
* :mod:`.ops`: OPS occupancy surveys;
* :mod:`.demandes`: the demand flow and its quarterly snapshots;
* :mod:`.attributions`: decisions and leases, with deliberate data-quality defects;
* :mod:`.tables`: the four tables in draw order, formatted as extract text;
* :mod:`.ecriture`: writing the files, the notice and the destination check.
"""

from .ecriture import FICHIER_AVERTISSEMENT, generer_exemple, verifier_destination_fictive
from .parametres import (
    CODE_COMMUNE_INCONNUE,
    PARAMETRES_DEFAUT,
    RESIDENCES_FRAGILES_2022,
    RESIDENCES_FRAGILES_EXEMPLE,
    ParametresExemple,
)
from .tables import tables_exemple

__all__ = [
    "generer_exemple", "tables_exemple", "ParametresExemple", "PARAMETRES_DEFAUT",
    "RESIDENCES_FRAGILES_EXEMPLE", "RESIDENCES_FRAGILES_2022", "FICHIER_AVERTISSEMENT",
    "CODE_COMMUNE_INCONNUE", "verifier_destination_fictive",
]
