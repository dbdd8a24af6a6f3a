"""Générateurs de données fictives (échantillon d'un EPCI, échantillon national).

Peut importer ``entrees`` et ``territoire`` seulement. Voir ``docs/architecture.md``.
"""
