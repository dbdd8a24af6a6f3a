"""Pseudonymisation of SNE demand numbers with a keyed hash (HMAC-SHA256).

The same key gives the same pseudonym for the same demand number, so attributions and
demands stay linkable; without the key nobody can recompute a pseudonym from a number
(a plain hash of a structured number could be reversed by trying every number).

The key never enters git: it is read from ``$CIA_CLE_PSEUDONYMISATION`` or from a key file
(default ``data/cle_pseudonymisation.cle``, ignored by git through ``*.cle``), created with
:mod:`secrets` on first use and readable by its owner only.
"""

from __future__ import annotations

import binascii
import hashlib
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
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


def hacheur_hmac(cle: bytes, hexa: bool = True):
    """A function ``bytes -> HMAC-SHA256`` for ``cle``, with the key states computed once.

    HMAC (RFC 2104) hashes the message after the key XOR-ed with ``ipad``, then the result
    after the key XOR-ed with ``opad``; both prefixes fill one SHA-256 block, so the two
    hash states after them are computed once and copied for each message. Same digests as
    :func:`hmac.new` (checked by the tests), about twice as fast.

    Parameters
    ----------
    cle : bytes
    hexa : bool
        Return the 64 hexadecimal characters (default) or the 32 raw bytes.

    Returns
    -------
    callable
    """
    taille_bloc = hashlib.sha256().block_size
    if len(cle) > taille_bloc:
        cle = hashlib.sha256(cle).digest()
    cle = cle.ljust(taille_bloc, b"\0")
    interne = hashlib.sha256(bytes(b ^ 0x36 for b in cle))
    externe = hashlib.sha256(bytes(b ^ 0x5C for b in cle))

    def hacher(message: bytes):
        h = interne.copy()
        h.update(message)
        resultat = externe.copy()
        resultat.update(h.digest())
        return resultat.hexdigest() if hexa else resultat.digest()

    return hacher


_LOT_PARALLELE = 200_000
"""From this many messages, :func:`hmac_lot` shares the work with child processes."""


def _hmac_enfant(connexion, cle: bytes, messages: list[bytes]) -> None:
    """Child process of :func:`hmac_lot`: send back the digests of its share of the messages."""
    connexion.send_bytes(b"".join(map(hacheur_hmac(cle, hexa=False), messages)))
    connexion.close()


def hmac_lot(messages: list[bytes], cle: bytes) -> bytes:
    """Raw HMAC-SHA256 digests (32 bytes each, in order) of many messages.

    Hashing is bound by Python's per-call cost, and :mod:`hashlib` keeps the GIL for short
    messages, so threads do not help: on a machine with several cores and ``fork``, large
    batches are split with child processes (forked: the messages are not copied, they never
    leave memory); the digests come back through a pipe. Any failure of a child (no
    answer within a generous delay, error) falls back to hashing its share here.

    Parameters
    ----------
    messages : list of bytes
    cle : bytes

    Returns
    -------
    bytes
        ``32 * len(messages)`` bytes.
    """
    import multiprocessing

    hacher = hacheur_hmac(cle, hexa=False)
    coeurs = min(os.cpu_count() or 1, 4)
    if (len(messages) < _LOT_PARALLELE or coeurs < 2
            or "fork" not in multiprocessing.get_all_start_methods()):
        return b"".join(map(hacher, messages))
    contexte = multiprocessing.get_context("fork")
    bornes = [len(messages) * i // coeurs for i in range(coeurs + 1)]
    enfants = []
    for debut, fin in zip(bornes[1:-1], bornes[2:]):
        reception, envoi = contexte.Pipe(duplex=False)
        try:
            with warnings.catch_warnings():  # Python ≥ 3.12 warns about fork in a threaded process
                warnings.simplefilter("ignore", DeprecationWarning)
                processus = contexte.Process(target=_hmac_enfant, args=(envoi, cle, messages[debut:fin]),
                                             daemon=True)
                processus.start()
        except OSError:
            processus = None
        envoi.close()
        enfants.append((debut, fin, processus, reception))
    morceaux = [b"".join(map(hacher, messages[:bornes[1]]))]
    delai = 60 + len(messages) * 1e-5  # seconds: far more than the work needs
    for debut, fin, processus, reception in enfants:
        resultat = None
        if processus is not None:
            try:
                if reception.poll(delai):
                    resultat = reception.recv_bytes()
            except (EOFError, OSError):
                resultat = None
            processus.join(timeout=5)
            if processus.is_alive():
                processus.kill()
                processus.join()
        reception.close()
        if resultat is None or len(resultat) != 32 * (fin - debut):
            resultat = b"".join(map(hacher, messages[debut:fin]))
        morceaux.append(resultat)
    return b"".join(morceaux)


_BLANCS_ASCII = r"[\t\n\x0b\x0c\r\x1c-\x1f ]"
"""The ASCII characters :meth:`str.split` treats as blanks."""


def _pseudonymiser_arrow(valeurs: pd.Series, cle: bytes) -> pd.Series:
    """:func:`pseudonymiser` for a text column, each distinct number hashed once (vectorised).

    ASCII numbers are normalised by pyarrow (ASCII blanks removed, ASCII upper case:
    exactly what :func:`normaliser_numero` does to ASCII text), the others by
    :func:`normaliser_numero`; the raw digests are turned into hexadecimal by numpy.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    tableau = pa.array(valeurs.array)
    if isinstance(tableau, pa.ChunkedArray):
        tableau = tableau.combine_chunks()
    codes = pc.dictionary_encode(tableau.cast(pa.string()))
    distinctes = codes.dictionary
    normalises = pc.ascii_upper(pc.replace_substring_regex(distinctes, _BLANCS_ASCII, ""))
    messages = pc.cast(normalises, pa.binary()).to_pylist()
    autres = np.flatnonzero(~pc.string_is_ascii(distinctes).to_numpy(zero_copy_only=False))
    for i in autres:
        messages[i] = normaliser_numero(distinctes[int(i)].as_py()).encode("utf-8")
    hexa = binascii.hexlify(hmac_lot(messages, cle))
    n = len(messages)
    decalages = np.arange(0, 64 * (n + 1), 64, dtype=np.int64)
    pseudonymes = pa.LargeStringArray.from_buffers(n, pa.py_buffer(decalages), pa.py_buffer(hexa))
    resultat = pc.take(pseudonymes, codes.indices).cast(pa.string())
    return pd.Series(pd.arrays.ArrowStringArray(resultat), index=valeurs.index, dtype="string")


def pseudonymiser(valeurs: pd.Series, cle: bytes) -> pd.Series:
    """Replace each demand number by the hex HMAC-SHA256 of its normalised text.

    Each distinct number is hashed once (a demand repeats in every snapshot), then the
    pseudonyms are spread back to every row.

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
    if isinstance(valeurs.dtype, pd.StringDtype):
        return _pseudonymiser_arrow(valeurs, cle)
    hacher = hacheur_hmac(cle)
    cache: dict[str, str] = {}

    def pseudonyme(v):
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return None
        texte = normaliser_numero(v)
        if texte not in cache:
            cache[texte] = hacher(texte.encode("utf-8"))
        return cache[texte]

    return pd.Series([pseudonyme(v) for v in valeurs], index=valeurs.index, dtype="string")


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
