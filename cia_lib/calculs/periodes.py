"""Periods of the follow-up: quarters, year to date, last completed quarter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cia_lib.erreurs import ErreurParametre


@dataclass(frozen=True)
class Periode:
    """An inclusive date interval [du, au] with its French label."""

    du: dt.date
    au: dt.date
    libelle: str

    @property
    def annee(self) -> int:
        return self.au.year

    def contient(self, jour: dt.date) -> bool:
        return self.du <= jour <= self.au


def fin_trimestre(annee: int, trimestre: int) -> dt.date:
    """Last day of quarter ``trimestre`` (1-4) of ``annee``.

    Examples
    --------
    >>> fin_trimestre(2025, 1)
    datetime.date(2025, 3, 31)
    >>> fin_trimestre(2025, 4)
    datetime.date(2025, 12, 31)
    """
    verifier_trimestre(trimestre)
    mois = 3 * trimestre
    suivant = dt.date(annee + (mois == 12), mois % 12 + 1, 1)
    return suivant - dt.timedelta(days=1)


def verifier_trimestre(trimestre: int) -> None:
    """Raise a French error unless ``trimestre`` is 1, 2, 3 or 4."""
    if trimestre not in (1, 2, 3, 4):
        raise ErreurParametre(f"trimestre invalide : {trimestre!r} (1, 2, 3 ou 4 attendu).")


def rang_trimestre(trimestre: int) -> str:
    """French ordinal of a quarter: ``"1er"``, ``"2e"``, ``"3e"``, ``"4e"`` (never "1e").

    Examples
    --------
    >>> rang_trimestre(1), rang_trimestre(3)
    ('1er', '3e')
    """
    verifier_trimestre(int(trimestre))
    return "1er" if int(trimestre) == 1 else f"{int(trimestre)}e"


def periode_cumul(annee: int, trimestre: int = 4) -> Periode:
    """Year to date through the end of quarter ``trimestre`` (T4 = the whole year).

    Examples
    --------
    >>> periode_cumul(2025, 2).libelle
    '2025, cumul au 2e trimestre (01/01/2025 – 30/06/2025)'
    >>> periode_cumul(2024).libelle
    'année 2024'
    """
    au = fin_trimestre(annee, trimestre)
    du = dt.date(annee, 1, 1)
    if trimestre == 4:
        return Periode(du, au, f"année {annee}")
    rang = rang_trimestre(trimestre)
    return Periode(du, au, f"{annee}, cumul au {rang} trimestre ({du:%d/%m/%Y} – {au:%d/%m/%Y})")


def periode_trimestre(annee: int, trimestre: int) -> Periode:
    """The quarter alone (not cumulative)."""
    au = fin_trimestre(annee, trimestre)
    du = dt.date(annee, 3 * trimestre - 2, 1)
    rang = rang_trimestre(trimestre)
    return Periode(du, au, f"{rang} trimestre {annee}")


def periode_libre(du: dt.date, au: dt.date) -> Periode:
    """An arbitrary inclusive interval; ``du`` must not be after ``au``."""
    if du > au:
        raise ErreurParametre(f"période vide : le début ({du:%d/%m/%Y}) est après la fin ({au:%d/%m/%Y}).")
    return Periode(du, au, f"du {du:%d/%m/%Y} au {au:%d/%m/%Y}")


def dernier_trimestre_clos(aujourd_hui: dt.date) -> tuple[int, int]:
    """(year, quarter) of the last quarter completed strictly before ``aujourd_hui``.

    Examples
    --------
    >>> dernier_trimestre_clos(dt.date(2026, 11, 29))
    (2026, 3)
    >>> dernier_trimestre_clos(dt.date(2026, 1, 1))
    (2025, 4)
    """
    t = (aujourd_hui.month - 1) // 3  # quarters completed this year
    return (aujourd_hui.year - 1, 4) if t == 0 else (aujourd_hui.year, t)
