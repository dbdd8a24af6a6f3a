"""Étage « calculs » : ménages, statistiques, périodes, indicateurs, résidences (fonctions pures).

Peut importer ``entrees`` et ``territoire`` ; jamais ``restitution`` (pas de masquage ici). Voir
``docs/architecture.md``.
"""
