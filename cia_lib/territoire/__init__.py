"""Étage « territoire » (rez-de-chaussée) : configuration du territoire, plusieurs EPCI, géographie, chemins.

N'importe que :mod:`cia_lib.erreurs`. Voir ``docs/architecture.md``.
"""
