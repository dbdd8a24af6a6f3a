"""Manifest written beside each report: inputs (hashes, row counts), parameters, versions, commit."""

from __future__ import annotations

import hashlib
import json
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


def decrire_entrees(dossier_donnees: Path) -> dict:
    """Hash and row count of every processed Parquet file (sorted by name)."""
    entrees = {}
    for chemin in sorted(Path(dossier_donnees).glob("*.parquet")):
        entrees[chemin.name] = {"sha256": empreinte_fichier(chemin), "lignes": nombre_lignes_parquet(chemin)}
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
