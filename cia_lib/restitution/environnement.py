"""Environment variables set for the duration of a report run (inherited by its kernels)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


@contextlib.contextmanager
def variables_posees(**valeurs: str) -> Iterator[None]:
    """Set environment variables inside the ``with`` block; restore each one on exit (removed
    when it was not set before)."""
    avant = {nom: os.environ.get(nom) for nom in valeurs}
    os.environ.update(valeurs)
    try:
        yield
    finally:
        for nom, valeur in avant.items():
            if valeur is None:
                os.environ.pop(nom, None)
            else:
                os.environ[nom] = valeur
