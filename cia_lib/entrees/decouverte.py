"""Finding the source files of a table in the source folder (and its one-level sub-folders)."""

from __future__ import annotations

from pathlib import Path

EXTENSIONS = (".csv", ".xlsx", ".parquet")


def trouver_fichiers(dossier: Path, base: str) -> list[Path]:
    """Source files of one table in ``dossier``, sorted by name (= chronological order).

    A table's files are ``<base>.csv|.xlsx``, ``<base>_<suffixe>.csv|.xlsx`` directly in the
    folder, or the same names inside sub-folders (one sub-folder per extract). Names are
    compared case-insensitively; Office lock files (``~$…``) are skipped.

    Returns
    -------
    list of pathlib.Path
        Sorted by path relative to ``dossier``.
    """
    base = base.lower()

    def convient(p: Path) -> bool:
        if not p.is_file() or p.suffix.lower() not in EXTENSIONS or p.name.startswith("~$"):
            return False
        tige = p.stem.lower()
        return tige == base or tige.startswith(base + "_")

    trouves = [p for p in dossier.iterdir() if convient(p)]
    for sous in dossier.iterdir():
        if sous.is_dir() and not sous.name.startswith("."):
            trouves += [p for p in sous.iterdir() if convient(p)]
    return sorted(trouves, key=lambda p: p.relative_to(dossier).as_posix())
