"""Sensitive residences (CIA section II.1) and first peopling of new programmes (section III.4).

The convention asks the partners to identify each year the residences whose occupancy is
fragile, to avoid (or limit) placing more 1st-quartile or priority households there, and to
keep that list under review with the OPS occupancy survey. It also creates a commission to
prepare the first peopling of each new programme.

Method (documented for users in ``docs/residences_sensibles.md``):

* for each indicator of the configuration (``config/residences_sensibles.yaml``), the share
  of the residence (OPS numerator ÷ denominator) is compared with the territory's average for
  the same OPS year, computed on pooled counts (Σ numerators ÷ Σ denominators of the
  residences where both are known): ``ratio = share ÷ average``;
* an indicator *pushes* when its ratio is at least its threshold (its own ``seuil`` or the
  common ``seuil_indicateur``); ratios are rounded to 6 decimals before the comparison so that
  a residence exactly at the threshold is not lost to floating-point noise;
* ``score`` = sum of the weights of the pushing indicators; the residence is flagged
  (``signalee``) when ``score >= seuil_score``;
* an indicator whose count is missing for a residence is skipped for that residence (not
  counted as 0) and named in ``indicateurs_absents``;
* a residence with fewer than ``taille_minimum`` households surveyed, or absent from the
  survey, is ``incertaine``: its flag is withheld (neither set nor cleared) and
  ``raison_incertitude`` says why.

All functions are pure (DataFrames in, DataFrames out); parameters come from configuration.

The package holds calculations only: masking for diffusion and table layouts for readers are in
:mod:`cia_lib.restitution.residences`.
"""

from .fragilite import evolution_liste, format_nombre, format_pct, moyennes_territoire, scores_fragilite, synthese_liste
from .parametres import (
    A_CONFIRMER,
    EN_AUTRE,
    EN_INCERTAINE,
    EN_INCONNUE,
    EN_SIGNALEE,
    ENSEMBLE,
    ENTREE,
    FICHIER_PARAMETRES,
    INCERTAINE,
    MAINTENUE,
    NON_SIGNALEE,
    SIGNALEE,
    SITUATIONS_PLACEMENT,
    SORTIE,
    STATUTS_EVOLUTION,
    IndicateurFragilite,
    ParametresFragilite,
    annee_ops_disponible,
    annees_ops,
    charger_parametres_fragilite,
)
from .peuplement import premier_peuplement
from .placement import (
    baux_periode,
    controle_placement,
    placement_par_residence,
    tableau_placement,
    tableau_synthese_placement,
)

__all__ = [
    "IndicateurFragilite", "ParametresFragilite", "charger_parametres_fragilite", "annees_ops",
    "annee_ops_disponible", "moyennes_territoire", "scores_fragilite", "evolution_liste", "synthese_liste",
    "baux_periode", "controle_placement", "tableau_placement", "placement_par_residence", "premier_peuplement",
    "tableau_synthese_placement", "format_pct", "format_nombre", "FICHIER_PARAMETRES", "STATUTS_EVOLUTION",
    "SITUATIONS_PLACEMENT", "ENSEMBLE",
    "ENTREE", "SORTIE", "MAINTENUE", "A_CONFIRMER", "EN_SIGNALEE", "EN_INCERTAINE", "EN_AUTRE", "EN_INCONNUE",
    "SIGNALEE", "NON_SIGNALEE", "INCERTAINE",
]
