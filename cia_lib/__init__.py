"""Atelier d'analyse pour le suivi des Conventions Intercommunales d'Attribution (CIA).

Le flux va dans un seul sens : fichiers bruts -> import (lecture, correspondance,
validation, pseudonymisation) -> tables typées dans ``data/processed`` -> indicateurs
(calculs purs) -> présentation (tableaux, graphiques, cartes) -> notebooks -> rapports.
"""

__version__ = "0.1.0"
