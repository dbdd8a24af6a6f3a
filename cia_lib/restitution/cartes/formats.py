"""French formatting of the figures shown on the maps, and recognition of masked values.

In diffusion mode a number may be masked by the string ``"s"``: it is written
« secret statistique »; an empty value is written ``–``.
"""

from __future__ import annotations

import math

import pandas as pd

from cia_lib.restitution import presentation


def _nombre_fr(x: float, decimales: int = 0) -> str:
    """French number: thin no-break space between thousands, decimal comma."""
    return f"{x:,.{decimales}f}".replace(",", "\u202f").replace(".", ",")


SECRET = "secret statistique"


def _est_masque(valeur) -> bool:
    """True for a value masked by the diffusion rules (string ``"s"``)."""
    return isinstance(valeur, str) and valeur.strip().lower() in {"s", "secret", "secret statistique"}


def _nombre(valeur) -> float | None:
    """Float value of a cell, None when empty or masked."""
    if valeur is None or _est_masque(valeur):
        return None
    try:
        x = float(valeur)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def format_entier(valeur) -> str:
    """French integer (``1 234``); ``secret statistique`` when masked; ``–`` when empty.

    Examples
    --------
    >>> format_entier(40)
    '40'
    >>> format_entier("s")
    'secret statistique'
    """
    if _est_masque(valeur):
        return SECRET
    return presentation.format_entier(_nombre(valeur))


def format_pourcentage(valeur, decimales: int = 1) -> str:
    """French percentage of a share in [0, 1]: ``0.25`` → ``25,0 %`` (non-breaking space).

    Examples
    --------
    >>> format_pourcentage(0.25).replace("\\u00a0", " ")
    '25,0 %'
    >>> format_pourcentage("s")
    'secret statistique'
    """
    if _est_masque(valeur):
        return SECRET
    return presentation.format_taux(_nombre(valeur), decimales)


def format_decimal(valeur, decimales: int = 1) -> str:
    """French decimal number: ``6.8`` → ``6,8``.

    Examples
    --------
    >>> format_decimal(14.44)
    '14,4'
    """
    if _est_masque(valeur):
        return SECRET
    return presentation.format_nombre(_nombre(valeur), decimales)


def _format_taux(valeur, part: bool) -> str:
    return format_pourcentage(valeur) if part else format_decimal(valeur)


def _format_date(valeur) -> str | None:
    if valeur is None or _est_masque(valeur):
        return None
    try:
        if pd.isna(valeur):
            return None
        return pd.Timestamp(valeur).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return None
