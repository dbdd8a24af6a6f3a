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
import mmap
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cia_lib.erreurs import ErreurConfiguration, message_systeme
from cia_lib.territoire import chemins

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


def blocs_hmac(cle: bytes) -> tuple[bytes, bytes]:
    """The two key blocks of HMAC-SHA256 (RFC 2104): key XOR ``ipad``, key XOR ``opad``.

    A key longer than a SHA-256 block (64 bytes) is first hashed; the key is padded with
    zeros to a block.

    Parameters
    ----------
    cle : bytes

    Returns
    -------
    (bytes, bytes)
        Inner and outer blocks, 64 bytes each.
    """
    taille_bloc = hashlib.sha256().block_size
    if len(cle) > taille_bloc:
        cle = hashlib.sha256(cle).digest()
    cle = cle.ljust(taille_bloc, b"\0")
    return bytes(b ^ 0x36 for b in cle), bytes(b ^ 0x5C for b in cle)


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
    bloc_interne, bloc_externe = blocs_hmac(cle)
    interne, externe = hashlib.sha256(bloc_interne), hashlib.sha256(bloc_externe)

    def hacher(message: bytes):
        h = interne.copy()
        h.update(message)
        resultat = externe.copy()
        resultat.update(h.digest())
        return resultat.hexdigest() if hexa else resultat.digest()

    return hacher


_LOT_PARALLELE = 200_000
"""From this many messages, hashing is worth a child process (:func:`hmac_lot`,
:meth:`Pseudonymiseur.preparer`)."""


def _fork_possible() -> bool:
    """Several cores and the ``fork`` start method (Linux): child processes can share the work."""
    import multiprocessing

    return (os.cpu_count() or 1) >= 2 and "fork" in multiprocessing.get_all_start_methods()


def _demarrer_enfant(cible, *arguments):
    """Start ``cible(*arguments)`` in a forked child process (None if it cannot be started).

    Forking shares the parent's memory without copying it; the child only runs Python and
    :mod:`hashlib` code (no pyarrow), so the parent's threads do not matter to it.
    """
    import multiprocessing

    try:
        with warnings.catch_warnings():  # Python ≥ 3.12 warns about fork in a threaded process
            warnings.simplefilter("ignore", DeprecationWarning)
            processus = multiprocessing.get_context("fork").Process(target=cible, args=arguments, daemon=True)
            processus.start()
    except OSError:
        return None
    return processus


def _attendre(processus, delai: float) -> bool:
    """Wait for a child at most ``delai`` seconds; True when it ended normally (else it is killed)."""
    if processus is None:
        return False
    processus.join(timeout=delai)
    if processus.is_alive():
        processus.kill()
        processus.join()
        return False
    return processus.exitcode == 0


def _delai(n: int) -> float:
    """Seconds granted to a child hashing ``n`` messages: far more than the work needs."""
    return 60 + n * 1e-5


def _hmac_enfant(zone, cle: bytes, messages: list[bytes]) -> None:
    """Child process of :func:`hmac_lot`: write the digests of its share into the shared ``zone``."""
    zone[:] = b"".join(map(hacheur_hmac(cle, hexa=False), messages))


def hmac_lot(messages: list[bytes], cle: bytes) -> bytes:
    """Raw HMAC-SHA256 digests (32 bytes each, in order) of many messages.

    Hashing is bound by Python's per-call cost, and :mod:`hashlib` keeps the GIL for short
    messages, so threads do not help: with several cores and ``fork``, large batches are
    split with child processes (forked: the messages are not copied), which write their
    digests into shared memory. Any failure of a child (no end within a generous delay,
    error) falls back to hashing its share here.

    Parameters
    ----------
    messages : list of bytes
    cle : bytes

    Returns
    -------
    bytes
        ``32 * len(messages)`` bytes.
    """
    hacher = hacheur_hmac(cle, hexa=False)
    if len(messages) < _LOT_PARALLELE or not _fork_possible():
        return b"".join(map(hacher, messages))
    coeurs = min(os.cpu_count() or 1, 4)
    bornes = [len(messages) * i // coeurs for i in range(coeurs + 1)]
    enfants = []
    for debut, fin in zip(bornes[1:-1], bornes[2:]):
        zone = mmap.mmap(-1, 32 * (fin - debut))
        enfants.append((debut, fin, zone, _demarrer_enfant(_hmac_enfant, zone, cle, messages[debut:fin])))
    morceaux = [b"".join(map(hacher, messages[:bornes[1]]))]
    for debut, fin, zone, processus in enfants:
        morceaux.append(zone[:] if _attendre(processus, _delai(fin - debut))
                        else b"".join(map(hacher, messages[debut:fin])))
        zone.close()
    return b"".join(morceaux)


_BLANCS_ASCII = r"[\t\n\x0b\x0c\r\x1c-\x1f ]"
"""The ASCII characters :meth:`str.split` treats as blanks."""


def _numeros_normalises(valeurs: pd.Series):
    """Distinct demand numbers of a column, normalised, and the code of each row.

    Returns
    -------
    (pyarrow.Array, pyarrow.BinaryArray)
        Code of each row (null for a missing value), and the normalised distinct numbers
        as UTF-8 bytes (possibly repeated: ``a 1`` and ``A1`` give the same message).
    """
    import pyarrow.compute as pc

    codes = pc.dictionary_encode(_texte_arrow(valeurs))
    return codes.indices, _normaliser_arrow(codes.dictionary)


def _texte_arrow(valeurs):
    """A column of text as one pyarrow string array."""
    import pyarrow as pa

    if isinstance(valeurs, pd.Series):
        if not isinstance(valeurs.dtype, pd.StringDtype):
            valeurs = valeurs.astype("string")
        valeurs = pa.array(valeurs.array)
    if isinstance(valeurs, pa.ChunkedArray):
        valeurs = valeurs.combine_chunks()
    return valeurs.cast(pa.string())


def _normaliser_arrow(valeurs):
    """:func:`normaliser_numero` of every value (missing stay missing), as UTF-8 bytes.

    ASCII text is normalised by pyarrow (ASCII blanks removed, ASCII upper case: exactly
    what :func:`normaliser_numero` does to ASCII text), the rest by :func:`normaliser_numero`.

    Parameters
    ----------
    valeurs : pandas.Series or pyarrow.Array
        Text.

    Returns
    -------
    pyarrow.BinaryArray
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    textes = _texte_arrow(valeurs)
    normalises = pc.ascii_upper(pc.replace_substring_regex(textes, _BLANCS_ASCII, ""))
    autres = np.flatnonzero(~pc.fill_null(pc.string_is_ascii(textes), True).to_numpy(zero_copy_only=False))
    if len(autres):
        liste = normalises.to_pylist()
        for i in autres:
            liste[i] = normaliser_numero(textes[int(i)].as_py())
        normalises = pa.array(liste, type=pa.string())
    return normalises.cast(pa.binary())


def _hmac_lignes(cle: bytes, messages: list[bytes]) -> bytes:
    """Raw HMAC-SHA256 digests (32 bytes each, in order) of messages that may repeat (a
    demand in several snapshots): each distinct message is hashed once."""
    hacher = hacheur_hmac(cle, hexa=False)
    distincts = dict.fromkeys(messages)
    if len(distincts) == len(messages):
        return b"".join(map(hacher, messages))
    distincts = dict(zip(distincts, map(hacher, distincts)))
    return b"".join(map(distincts.__getitem__, messages))


def _hmac_lignes_enfant(zone, cle: bytes, messages: list[bytes]) -> None:
    """Child process of :meth:`Pseudonymiseur.preparer`: :func:`_hmac_lignes` into the shared ``zone``."""
    zone[:] = _hmac_lignes(cle, messages)


@dataclass
class _Preparation:
    """One source file's numbers, being hashed by a child process (:meth:`Pseudonymiseur.preparer`)."""

    messages: list  # normalised number of each row, as bytes (b"" when missing)
    processus: object
    zone: mmap.mmap
    empreintes: np.ndarray | None = None  # (rows, 32) once known


class Pseudonymiseur:
    """Pseudonyms of demand numbers (hex HMAC-SHA256 of the normalised number), hashed ahead.

    An import calls :meth:`preparer` as soon as a source file is read: a forked child
    process hashes the number of each of its rows (each distinct number once) while the
    import validates the file — on two cores the hashing then costs little time.
    :meth:`pseudonymiser` takes the digests of the kept rows by their position in their
    file, and hashes here whatever was not prepared (small files, no ``fork``, single core,
    failed child). The result is always :func:`pseudonymiser`'s.

    Parameters
    ----------
    cle : bytes
        Secret key (see :func:`obtenir_cle`).

    Raises
    ------
    ErreurConfiguration
        Empty key.
    """

    def __init__(self, cle: bytes):
        if not cle:
            raise ErreurConfiguration("clé de pseudonymisation vide.")
        self.cle = bytes(cle)
        self._preparations: dict[str, _Preparation] = {}

    def preparer(self, source: str, valeurs: pd.Series) -> None:
        """Start hashing, in the background, the demand number of every row of one source file.

        Parameters
        ----------
        source : str
            Name of the file (the key given again to :meth:`pseudonymiser`).
        valeurs : pandas.Series
            Its demand numbers as read, in file order.
        """
        import pyarrow.compute as pc

        if len(valeurs) < _LOT_PARALLELE or not _fork_possible():
            return
        messages = pc.fill_null(_normaliser_arrow(valeurs), b"").to_pylist()
        zone = mmap.mmap(-1, 32 * len(messages))
        processus = _demarrer_enfant(_hmac_lignes_enfant, zone, self.cle, messages)
        self._preparations[source] = _Preparation(messages, processus, zone)

    def _empreintes(self, source: str, rangs: np.ndarray) -> np.ndarray:
        """Digests of some rows of a prepared file, ``(len(rangs), 32)`` bytes (child waited
        for; its work is done here if it failed)."""
        prepa = self._preparations[source]
        if prepa.empreintes is None:
            if _attendre(prepa.processus, _delai(len(prepa.messages))):
                brut = prepa.zone[:]
            else:
                brut = _hmac_lignes(self.cle, prepa.messages)
            prepa.zone.close()
            prepa.empreintes = np.frombuffer(brut, dtype=np.uint8).reshape(-1, 32)
            prepa.messages = []
        return prepa.empreintes[rangs]

    def pseudonymiser(self, valeurs: pd.Series, sources: pd.Series | None = None,
                      rangs: pd.Series | None = None) -> pd.Series:
        """See :func:`pseudonymiser` (same result).

        Parameters
        ----------
        valeurs : pandas.Series
            Demand numbers (text); missing values stay missing.
        sources, rangs : pandas.Series, optional
            For each value, the source file and the row position in it (0 for its first
            row) given to :meth:`preparer`: the digests of prepared files are not computed
            again.

        Returns
        -------
        pandas.Series of string
        """
        n = len(valeurs)
        digests = np.zeros((n, 32), dtype=np.uint8)
        manquants = valeurs.isna().to_numpy()
        a_faire = ~manquants
        if sources is not None and self._preparations:
            sources = sources.astype("category")
            codes_sources = sources.cat.codes.to_numpy()
            positions = rangs.to_numpy(dtype=np.int64)
            for code, source in enumerate(sources.cat.categories):
                if source in self._preparations:
                    lignes = np.flatnonzero(codes_sources == code)
                    digests[lignes] = self._empreintes(source, positions[lignes])
                    a_faire[lignes] = False
        if a_faire.any():
            codes, messages = _numeros_normalises(valeurs[a_faire])
            distincts = np.frombuffer(hmac_lot(messages.to_pylist(), self.cle), dtype=np.uint8).reshape(-1, 32)
            digests[a_faire] = distincts[codes.to_numpy(zero_copy_only=False)]
        return _en_hexadecimal(digests, manquants, valeurs.index)


def _en_hexadecimal(digests: np.ndarray, manquants: np.ndarray, index: pd.Index) -> pd.Series:
    """Text column of the hexadecimal digests (64 characters each; missing where ``manquants``)."""
    import pyarrow as pa

    n = len(digests)
    hexa = binascii.hexlify(digests.tobytes())
    grand = 64 * n >= 2**31
    decalages = np.arange(0, 64 * (n + 1), 64, dtype=np.int64 if grand else np.int32)
    validite = pa.array(~manquants).buffers()[1] if manquants.any() else None
    classe = pa.LargeStringArray if grand else pa.StringArray
    pseudonymes = classe.from_buffers(n, pa.py_buffer(decalages), pa.py_buffer(hexa), validite)
    return pd.Series(pd.arrays.ArrowStringArray(pseudonymes.cast(pa.string())), index=index, dtype="string")


def pseudonymiser(valeurs: pd.Series, cle: bytes) -> pd.Series:
    """Replace each demand number by the hex HMAC-SHA256 of its normalised text.

    Each distinct number is hashed once (a demand repeats in every snapshot), then the
    pseudonyms are spread back to every row. An import hashes ahead with
    :class:`Pseudonymiseur`.

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
    return Pseudonymiseur(cle).pseudonymiser(valeurs)


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
    if fichier.is_dir():
        raise ErreurConfiguration(f"{fichier} : c'est un dossier ; --cle doit désigner le fichier de la clé.")
    try:
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
    except OSError as exc:
        raise ErreurConfiguration(
            f"{fichier} : fichier de clé de pseudonymisation illisible ou impossible à créer "
            f"({message_systeme(exc)})."
        ) from None


def charger_cle(chemin=None) -> bytes:
    """The pseudonymisation key as bytes (see :func:`obtenir_cle`)."""
    return obtenir_cle(chemin).valeur


def empreinte_cle(cle: bytes) -> str:
    """Short public fingerprint of a key (to check two imports used the same key).

    It reveals nothing usable about the key: first 12 hex digits of SHA-256 of a
    domain-separated text.
    """
    return hashlib.sha256(b"cia-empreinte-cle:" + cle).hexdigest()[:12]
