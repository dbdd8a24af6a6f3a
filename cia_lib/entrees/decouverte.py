"""Finding the source files of a table in the source folder (and its one-level sub-folders),
and the files that match no table (listed, never silently skipped)."""

from __future__ import annotations

from pathlib import Path

from cia_lib.erreurs import ErreurFichier, message_systeme

from .normalisation import normaliser_colonne

EXTENSIONS = (".csv", ".xlsx", ".parquet")
FICHIERS_CONNUS = ("DONNEES_FICTIVES.txt",)
"""Files of a source folder that are not data (the sample's notice)."""


def _contenu(dossier: Path) -> list[Path]:
    """Entries of a folder; a French error when it cannot be listed."""
    try:
        return list(dossier.iterdir())
    except OSError as exc:
        raise ErreurFichier(dossier, f"dossier illisible ({message_systeme(exc)}).") from None


def _candidats(dossier: Path) -> list[Path]:
    """Files directly in ``dossier`` and in its sub-folders (hidden entries and Office lock files skipped)."""
    entrees = [p for p in _contenu(dossier) if not p.name.startswith((".", "~$"))]
    fichiers = [p for p in entrees if p.is_file()]
    for sous in entrees:
        if sous.is_dir():
            fichiers += [p for p in _contenu(sous) if p.is_file() and not p.name.startswith((".", "~$"))]
    return fichiers


def trouver_fichiers(dossier: Path, base: str) -> list[Path]:
    """Source files of one table in ``dossier``, sorted by name (= chronological order).

    A table's files are ``<base>.csv|.xlsx``, ``<base>_<suffixe>.csv|.xlsx`` directly in the
    folder, or the same names inside sub-folders (one sub-folder per extract). Names are
    compared case-insensitively; Office lock files (``~$…``) are skipped.

    Returns
    -------
    list of pathlib.Path
        Sorted by path relative to ``dossier``.

    Raises
    ------
    ErreurFichier
        The folder or one of its sub-folders cannot be listed.
    """
    base = base.lower()

    def convient(p: Path) -> bool:
        if p.suffix.lower() not in EXTENSIONS:
            return False
        tige = p.stem.lower()
        return tige == base or tige.startswith(base + "_")

    trouves = [p for p in _candidats(dossier) if convient(p)]
    return sorted(trouves, key=lambda p: p.relative_to(dossier).as_posix())


def fichiers_ignores(dossier: Path, retenus, bases) -> list[dict]:
    """Files of the source folder (and sub-folders) that are read for no table.

    Parameters
    ----------
    dossier : pathlib.Path
    retenus : iterable of pathlib.Path
        The files read for a table.
    bases : iterable of str
        Base names of the tables' files.

    Returns
    -------
    list of dict
        ``{"fichier": relative path, "raison": French reason}``, sorted by path; a file whose
        name is close to a table's (``attributions 2025T2.csv``) says how to rename it.
    """
    retenus = {Path(p) for p in retenus}
    ignores = []
    for p in _candidats(dossier):
        if p in retenus or p.name in FICHIERS_CONNUS:
            continue
        nom = p.relative_to(dossier).as_posix()
        tige = normaliser_colonne(p.stem)
        proche = next((b for b in bases if tige == normaliser_colonne(b) or tige.startswith(normaliser_colonne(b) + "_")),
                      None)
        if proche is not None and p.suffix.lower() in EXTENSIONS:
            raison = (f"nom proche de la table « {proche} » mais pas conforme : renommez-le "
                      f"{proche}{p.suffix.lower()} ou {proche}_<extrait>{p.suffix.lower()} (sans espace ni accent)")
        elif proche is not None:
            raison = f"format non lu ({p.suffix or 'sans extension'}) : CSV, XLSX ou Parquet attendu"
        else:
            raison = "ne correspond à aucune table"
        ignores.append({"fichier": nom, "raison": raison})
    return sorted(ignores, key=lambda d: d["fichier"])
