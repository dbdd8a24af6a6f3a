"""Étage « entrées » : lecture des extraits, correspondance, validation, pseudonymisation, import, tables traitées.

Peut importer ``territoire``. Voir ``docs/architecture.md``.
"""
