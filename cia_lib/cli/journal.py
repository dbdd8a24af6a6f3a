"""Timestamped lines of ``cia rapport`` (read in cron logs and the systemd journal)."""

from __future__ import annotations

import datetime as dt

COMMANDES_HORODATEES = ("rapport",)
"""Commands whose every output line starts with the local date and time."""


def horodater(texte: str, maintenant: dt.datetime | None = None) -> str:
    """Prefix every line of ``texte`` with ``[AAAA-MM-JJ HH:MM:SS]`` (local time).

    Examples
    --------
    >>> horodater("Rapport écrit : a\\nTableaux : b", dt.datetime(2026, 1, 15, 6, 30, 2))
    '[2026-01-15 06:30:02] Rapport écrit : a\\n[2026-01-15 06:30:02] Tableaux : b'
    """
    instant = (maintenant or dt.datetime.now()).strftime("[%Y-%m-%d %H:%M:%S]")
    return "\n".join(f"{instant} {ligne}" for ligne in texte.splitlines())


def est_horodatee(argv: list[str]) -> bool:
    """True when the command line runs a command whose output is timestamped."""
    return bool(argv) and argv[0] in COMMANDES_HORODATEES
