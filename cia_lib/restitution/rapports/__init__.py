"""Report runner: registry, parameter validation, execution, export, Excel, manifest, index.

Main entry points: :func:`produire_rapport`, :func:`produire_rapports`, :func:`planifier`,
:func:`planifier_tout`; export check: :func:`ressources_externes`.
"""

from . import _allegement  # noqa: F401 — first: before anything imports nbformat
from .export import est_url_tuile, exporter_html, ressources_externes, ressources_non_autorisees
from .production import (
    BUDGET_HTML_OCTETS,
    ErreurExecution,
    ErreurProductionPartielle,
    ErreurVerrou,
    Plan,
    ResultatRapport,
    periodes_disponibles,
    planifier,
    planifier_multi,
    planifier_territoire,
    planifier_tout,
    produire_rapport,
    produire_rapports,
    produire_rapports_territoire,
    verrouiller,
)
from .registre import RAPPORTS, nom_dossier

__all__ = [
    "BUDGET_HTML_OCTETS", "ErreurExecution", "ErreurProductionPartielle", "ErreurVerrou", "Plan", "RAPPORTS", "ResultatRapport",
    "est_url_tuile", "exporter_html", "nom_dossier", "periodes_disponibles", "planifier", "planifier_multi",
    "planifier_territoire", "planifier_tout", "produire_rapport", "produire_rapports", "produire_rapports_territoire",
    "ressources_externes", "ressources_non_autorisees", "verrouiller",
]
