"""Exclusive and atomic publication of the processed tables in a destination folder.

Layout of a destination written by the import::

    data/processed/
        attributions.parquet -> .actuelle/attributions.parquet   (one link per published file)
        ...
        .actuelle -> .versions/<version>                          (the pointer)
        .versions/<version>/attributions.parquet, ..., rejets.csv, rapport_import.json, ...

A new import writes every file into a fresh, hidden ``.versions/<version>`` folder, then
replaces the pointer ``.actuelle`` in one ``rename`` (atomic on POSIX file systems): readers
see either all the previous files or all the new ones, never a mix, whatever the moment of
a kill. A failed or killed import leaves the previous version in place; its unfinished
folder is invisible and removed by the next import. The published names
(``attributions.parquet``…) are links through the pointer, so readers keep opening
``data/processed/attributions.parquet`` (and :func:`cia_lib.entrees.donnees.charger_donnees`
resolves the pointer once, so it reads one version).

A lock per destination (:class:`Verrou`, a hidden file beside the folder) makes two imports
into the same destination exclusive: the second is refused with a French message.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from pathlib import Path

from cia_lib.erreurs import ErreurFichier, message_systeme

POINTEUR = ".actuelle"
VERSIONS = ".versions"
_POINTEUR_NOUVEAU = ".actuelle.nouvelle"


def fichier_verrou(destination: Path) -> Path:
    """The lock file of a destination folder (hidden, beside it: ``.processed.verrou``)."""
    destination = Path(destination).absolute()
    return destination.parent / f".{destination.name}.verrou"


@contextlib.contextmanager
def verrou(destination: Path, attente: float = 0.0):
    """Hold the destination's lock for the block; refused when another import holds it.

    Parameters
    ----------
    destination : pathlib.Path
    attente : float, default 0
        Seconds to wait for the other import to finish before refusing.

    Raises
    ------
    ErreurFichier
        Another import holds the lock, or the lock cannot be created (parent folder not
        writable, missing…).
    """
    from filelock import FileLock, Timeout

    destination = Path(destination)
    if destination.exists() and not destination.is_dir():
        raise ErreurFichier(destination, "la destination est un fichier ; un dossier est attendu.")
    chemin = fichier_verrou(destination)
    verrou_fichier = FileLock(chemin, timeout=attente)
    try:
        chemin.parent.mkdir(parents=True, exist_ok=True)
        verrou_fichier.acquire()
    except Timeout:
        raise ErreurFichier(
            destination,
            "un autre import est en cours vers cette destination ; attendez sa fin puis relancez "
            f"(verrou : {chemin.name}).",
        ) from None
    except FileExistsError:  # mkdir of the parents: one of them is a file
        raise ErreurFichier(destination, "destination inaccessible (un fichier se trouve là où un dossier est "
                                         "attendu).") from None
    except OSError as exc:
        raise ErreurFichier(destination, f"destination inaccessible ({message_systeme(exc)}).") from None
    try:
        yield
    finally:
        verrou_fichier.release()


def dossier_actuel(destination: Path) -> Path:
    """The folder holding the files of the current version (the destination itself for a
    folder written before versions existed, or by hand)."""
    destination = Path(destination)
    pointeur = destination / POINTEUR
    return pointeur.resolve() if pointeur.is_dir() else destination


class Publication:
    """A new version of a destination, written in a hidden folder then published at once.

    Used as a context manager: on error, the unfinished version is removed (and the
    destination folder too when this publication created it and nothing else is in it).

    Attributes
    ----------
    destination : pathlib.Path
    dossier : pathlib.Path
        Folder where the new files are written (``.versions/<version>``).
    """

    def __init__(self, destination: Path):
        self.destination = Path(destination)
        self._creee = not self.destination.exists()
        version = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.dossier = self.destination / VERSIONS / version
        self._publiee = False

    def __enter__(self):
        try:
            self.dossier.mkdir(parents=True)
        except OSError as exc:
            raise ErreurFichier(self.destination, f"écriture impossible ({message_systeme(exc)}).") from None
        return self

    def publier(self) -> None:
        """Point the destination at the new version (one rename), then link the published names.

        Raises
        ------
        ErreurFichier
            The destination cannot be written (rights, disk full…); the previous version stays.
        """
        noms = sorted(p.name for p in self.dossier.iterdir())
        try:
            anciens = [n for n in noms if (self.destination / n).is_file() and not (self.destination / n).is_symlink()]
            if anciens:
                self._reprendre(anciens)
            self._pointer(self.dossier)  # the atomic switch
            self._publiee = True
            self._lier(noms)
            self._delier_absents(noms)
        except OSError as exc:
            raise ErreurFichier(self.destination, f"publication impossible ({message_systeme(exc)}).") from None
        nettoyer(self.destination)

    def _pointer(self, version: Path) -> None:
        """Point ``.actuelle`` at ``version`` in one rename."""
        nouveau = self.destination / _POINTEUR_NOUVEAU
        nouveau.unlink(missing_ok=True)
        os.symlink(Path(VERSIONS) / version.name, nouveau, target_is_directory=True)
        os.replace(nouveau, self.destination / POINTEUR)

    def _lier(self, noms) -> None:
        """Make each published name a link through the pointer (each one replaced in one rename)."""
        for nom in noms:
            lien = self.destination / nom
            if lien.is_symlink() and os.readlink(lien) == str(Path(POINTEUR) / nom):
                continue
            temporaire = self.destination / f".{nom}.lien"
            temporaire.unlink(missing_ok=True)
            os.symlink(Path(POINTEUR) / nom, temporaire)
            os.replace(temporaire, lien)

    def _delier_absents(self, noms) -> None:
        """Remove the links of files the new version does not have (an optional table, such as
        ``conventions_flux``, absent from this import must not survive from a previous one)."""
        for lien in self.destination.iterdir():
            if (lien.is_symlink() and lien.name not in noms
                    and os.readlink(lien) == str(Path(POINTEUR) / lien.name)):
                lien.unlink()

    def _reprendre(self, anciens: list[str]) -> None:
        """Take over a destination written before versions existed (plain files): its files become
        a version of their own and are linked first, so that the switch stays one rename and a
        kill at any step shows either the old files or the new ones."""
        if (self.destination / POINTEUR).is_dir():  # a take-over killed while linking: finish it
            actuelle = (self.destination / POINTEUR).resolve()
            self._lier([n for n in anciens if (actuelle / n).is_file()])
            return
        ancienne = self.destination / VERSIONS / f"{self.dossier.name}-ancienne"
        ancienne.mkdir()
        for nom in anciens:
            try:
                os.link(self.destination / nom, ancienne / nom)
            except OSError:
                shutil.copy2(self.destination / nom, ancienne / nom)
        self._pointer(ancienne)
        self._lier(anciens)

    def __exit__(self, type_exc, *_):
        if type_exc is not None and not self._publiee:
            shutil.rmtree(self.dossier, ignore_errors=True)
            versions = self.destination / VERSIONS
            if versions.is_dir() and not any(versions.iterdir()):
                versions.rmdir()
            if self._creee and self.destination.is_dir() and not any(self.destination.iterdir()):
                self.destination.rmdir()
        return False


def nettoyer(destination: Path) -> None:
    """Remove what an interrupted import may have left: versions other than the current one,
    unfinished links, and the ``*.tmp`` files of imports older than versions.

    Only call it while holding the destination's lock (:func:`verrou`).
    """
    destination = Path(destination)
    actuelle = (destination / POINTEUR).resolve() if (destination / POINTEUR).is_dir() else None
    versions = destination / VERSIONS
    if versions.is_dir():
        for dossier in versions.iterdir():
            if actuelle is None or dossier.resolve() != actuelle:
                shutil.rmtree(dossier, ignore_errors=True)
    if destination.is_dir():
        for chemin in destination.iterdir():
            if chemin.name == _POINTEUR_NOUVEAU or (chemin.name.startswith(".") and chemin.name.endswith(".lien")) \
                    or chemin.name.endswith(".tmp"):
                chemin.unlink(missing_ok=True)
