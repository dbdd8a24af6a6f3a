"""Pseudonymisation of SNE demand numbers with a keyed hash (HMAC-SHA256).

The same key gives the same pseudonym for the same demand number, so attributions and
demands stay linkable; without the key nobody can recompute a pseudonym from a number
(a plain hash of a structured number could be reversed by trying every number).

The key never enters git: it is read from ``$CIA_CLE_PSEUDONYMISATION`` or from a key file
(default ``data/cle_pseudonymisation.cle``, ignored by git through ``*.cle``), created with
:mod:`secrets` on first use and readable by its owner only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import chemins
from .erreurs import ErreurConfiguration

VARIABLE_CLE = "CIA_CLE_PSEUDONYMISATION"
FICHIER_CLE_DEFAUT = chemins.DONNEES / "cle_pseudonymisation.cle"


def normaliser_numero(numero: str) -> str:
    """Demand number as hashed: spaces removed, upper case.

    Examples
    --------
    >>> normaliser_numero(" 0950124 00012345a ")
    '095012400012345A'
    """
    return "".join(str(numero).split()).upper()


def pseudonymiser(valeurs: pd.Series, cle: bytes) -> pd.Series:
    """Replace each demand number by the hex HMAC-SHA256 of its normalised text.

    Parameters
    ----------
    valeurs : pandas.Series
        Demand numbers (text); missing values stay missing.
    cle : bytes
        Secret key (see :func:`charger_cle`).

    Returns
    -------
    pandas.Series of string
        64 hexadecimal characters per value, same index.

    Raises
    ------
    ErreurConfiguration
        Empty key.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pseudonymiser(pd.Series(["A1", "a 1", None]), b"cle")
    >>> p[0] == p[1], len(p[0]), p.isna().tolist()
    (True, 64, [False, False, True])
    """
    if not cle:
        raise ErreurConfiguration("clé de pseudonymisation vide.")
    cache: dict[str, str] = {}

    def hacher(v):
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return None
        texte = normaliser_numero(v)
        if texte not in cache:
            cache[texte] = hmac.new(cle, texte.encode("utf-8"), hashlib.sha256).hexdigest()
        return cache[texte]

    return pd.Series([hacher(v) for v in valeurs], index=valeurs.index, dtype="string")


@dataclass(frozen=True)
class Cle:
    """A pseudonymisation key and where it came from.

    Attributes
    ----------
    valeur : bytes
    origine : str
        French description of the source (variable d'environnement, fichier…).
    creee : bool
        True when the key file was created by this call.
    """

    valeur: bytes
    origine: str
    creee: bool = False


def _affichage(chemin: Path) -> str:
    try:
        return chemin.resolve().relative_to(chemins.RACINE).as_posix()
    except ValueError:
        return str(chemin)


def obtenir_cle(chemin=None) -> Cle:
    """Load the key (environment variable, else key file), creating the file if needed.

    Parameters
    ----------
    chemin : path-like, optional
        Key file; default ``data/cle_pseudonymisation.cle``. Ignored when
        ``$CIA_CLE_PSEUDONYMISATION`` is set.

    Returns
    -------
    Cle

    Raises
    ------
    ErreurConfiguration
        Empty variable or key file.
    """
    env = os.environ.get(VARIABLE_CLE)
    if env is not None:
        if not env.strip():
            raise ErreurConfiguration(f"la variable {VARIABLE_CLE} est définie mais vide.")
        return Cle(env.strip().encode("utf-8"), f"variable d'environnement {VARIABLE_CLE}")
    fichier = Path(chemin) if chemin else FICHIER_CLE_DEFAUT
    if fichier.exists():
        contenu = fichier.read_bytes().strip()
        if not contenu:
            raise ErreurConfiguration(f"{fichier} : fichier de clé de pseudonymisation vide.")
        return Cle(contenu, f"fichier {_affichage(fichier)}")
    fichier.parent.mkdir(parents=True, exist_ok=True)
    descripteur = os.open(fichier, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descripteur, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32) + "\n")
    os.chmod(fichier, 0o600)
    return Cle(fichier.read_bytes().strip(), f"fichier {_affichage(fichier)}", creee=True)


def charger_cle(chemin=None) -> bytes:
    """The pseudonymisation key as bytes (see :func:`obtenir_cle`)."""
    return obtenir_cle(chemin).valeur


def empreinte_cle(cle: bytes) -> str:
    """Short public fingerprint of a key (to check two imports used the same key).

    It reveals nothing usable about the key: first 12 hex digits of SHA-256 of a
    domain-separated text.
    """
    return hashlib.sha256(b"cia-empreinte-cle:" + cle).hexdigest()[:12]
