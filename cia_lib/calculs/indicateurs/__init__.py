"""CIA indicators: pure functions over the processed tables (no I/O).

Unit of count: an attribution followed by a lease signed in the period (``date_bail``).
Every rate comes with its counts, a 95 % Wilson interval, its target, the gap to the target
and a status (see :mod:`cia_lib.calculs.statistiques`). Definitions and choices: ``docs/indicateurs.md``.
"""

from ._communs import (
    COLONNES_TABLEAU,
    LIBELLES_INDICATEURS,
    NIVEAUX,
    baux_signes,
    date_instantane,
    demandes_actives,
    mois_revolus,
    preparer_baux,
    preparer_demandes,
)
from .demande import delais_attente, profils_menages, resume_delais
from .suivi import entonnoir_attributions, progression_annuelle, qualite_donnees, serie_trimestrielle
from .tableau import DEFINITIONS_BAUX, tableau_indicateurs

__all__ = [
    "tableau_indicateurs", "baux_signes", "delais_attente", "resume_delais", "profils_menages",
    "entonnoir_attributions", "progression_annuelle", "serie_trimestrielle", "qualite_donnees",
    "demandes_actives", "date_instantane", "preparer_baux", "preparer_demandes", "mois_revolus",
    "COLONNES_TABLEAU", "LIBELLES_INDICATEURS", "NIVEAUX", "DEFINITIONS_BAUX",
]
