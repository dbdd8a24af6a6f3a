"""Étage « restitution » : tout ce qui rend un résultat lisible (présentation, graphiques, cartes,
secret statistique, contexte des notebooks, rapports, classeurs, tableaux de la CLI).

Peut importer ``calculs``, ``entrees`` et ``territoire``. Voir ``docs/architecture.md``.
"""
