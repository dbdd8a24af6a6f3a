"""Atelier d'analyse pour le suivi des Conventions Intercommunales d'Attribution (CIA).

Le flux va dans un seul sens, par étages (``docs/architecture.md``, contrat vérifié par
import-linter) : ``territoire`` (configuration) <- ``entrees`` (lecture, correspondance,
validation, pseudonymisation, import vers ``data/processed``) <- ``calculs`` (fonctions pures :
ménages, indicateurs, résidences) <- ``restitution`` (tableaux, graphiques, cartes, secret
statistique, rapports) <- ``cli``. ``exemples`` (données fictives) s'appuie sur entrées et territoire.
"""

__version__ = "0.1.0"
