"""Manifest written beside each report: inputs (hashes, row counts), parameters, versions, commit."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
from importlib import metadata
from pathlib import Path

from cia_lib.territoire import chemins

PAQUETS = (
    "cia-lib", "pandas", "numpy", "pyarrow", "matplotlib", "geopandas", "folium",
    "papermill", "nbconvert", "nbformat", "ipykernel", "openpyxl",
)


def empreinte_fichier(chemin: Path, taille_bloc: int = 1 << 20) -> str:
    """SHA-256 of a file, hexadecimal."""
    h = hashlib.sha256()
    with open(chemin, "rb") as f:
        while bloc := f.read(taille_bloc):
            h.update(bloc)
    return h.hexdigest()


def nombre_lignes_parquet(chemin: Path) -> int | None:
    """Row count read from the Parquet footer (no data loaded); None if unreadable."""
    try:
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(chemin).metadata.num_rows)
    except Exception:  # noqa: BLE001 - the manifest must not fail on one odd file
        return None


def versions_paquets(paquets=PAQUETS) -> dict[str, str]:
    """Installed version of each package ("absent" when not installed)."""
    sortie = {}
    for nom in paquets:
        try:
            sortie[nom] = metadata.version(nom)
        except metadata.PackageNotFoundError:
            sortie[nom] = "absent"
    return sortie


def commit_git(racine: Path = chemins.RACINE) -> str:
    """Commit of the project (``git rev-parse HEAD``), or ``"inconnu"``."""
    try:
        sortie = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=racine, capture_output=True, text=True, timeout=10, check=True
        )
        return sortie.stdout.strip() or "inconnu"
    except (OSError, subprocess.SubprocessError):
        return "inconnu"


@functools.lru_cache(maxsize=256)
def _description_fichier(chemin: str, taille: int, modifie_ns: int, inode: int) -> dict:
    """Hash and row count of one file, computed once per (file, size, modification time):
    the reports of a run describe the same processed files."""
    return {"sha256": empreinte_fichier(Path(chemin)), "lignes": nombre_lignes_parquet(Path(chemin))}


def decrire_entrees(dossier_donnees: Path) -> dict:
    """Hash and row count of every processed Parquet file (sorted by name).

    A file already described by this process, unchanged since (same size, modification time
    and inode), is not read again: every EPCI's report of a national run describes the same
    national files.
    """
    entrees = {}
    for chemin in sorted(Path(dossier_donnees).glob("*.parquet")):
        etat = os.stat(chemin)
        description = _description_fichier(str(chemin.resolve()), etat.st_size, etat.st_mtime_ns, etat.st_ino)
        entrees[chemin.name] = dict(description)
    return entrees


def donnees_fictives(dossier_donnees: Path) -> bool:
    """True when the import report of ``dossier_donnees`` marks the data as fictitious."""
    from cia_lib.entrees.donnees import FICHIER_RAPPORT_IMPORT

    chemin = Path(dossier_donnees) / FICHIER_RAPPORT_IMPORT
    if not chemin.exists():
        return False
    try:
        return bool(json.loads(chemin.read_text(encoding="utf-8")).get("donnees_fictives", False))
    except (json.JSONDecodeError, AttributeError):
        return False


def construire_manifeste(
    rapport: str,
    periode: str,
    parametres: dict,
    dossier_donnees: Path,
    notebooks: list[str],
    fichiers: list[str],
) -> dict:
    """The manifest of one report (no timestamp: two runs on the same data give the same file).

    Parameters
    ----------
    rapport : str
        Report kind.
    periode : str
        Folder name (``2025-T3``, ``bilan-2025``).
    parametres : dict
        Parameters passed to every notebook.
    dossier_donnees : pathlib.Path
        Processed data folder.
    notebooks : list of str
        Notebooks run.
    fichiers : list of str
        Files of the report.

    Returns
    -------
    dict
    """
    fictives = donnees_fictives(dossier_donnees)
    manifeste = {}
    if fictives:
        manifeste["avertissement"] = "DONNÉES FICTIVES : rapport construit sur l'exemple généré, aucune donnée réelle."
    manifeste.update(
        {
            "rapport": rapport,
            "periode": periode,
            "donnees_fictives": fictives,
            "parametres": parametres,
            "notebooks": notebooks,
            "fichiers": fichiers,
            "entrees": decrire_entrees(dossier_donnees),
            "versions": versions_paquets(),
            "commit": commit_git(),
        }
    )
    return manifeste


def ecrire_manifeste(manifeste: dict, chemin: Path) -> None:
    """Write the manifest as indented UTF-8 JSON."""
    Path(chemin).write_text(json.dumps(manifeste, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
