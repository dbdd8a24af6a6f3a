"""Temps de production des rapports sur les données fictives (à lancer à la demande).

    .venv/bin/python benchmarks/rapports.py

Génère l'exemple et l'importe dans un dossier temporaire, puis chronomètre
``cia rapport trimestriel`` et ``cia rapport bilan`` (processus séparés, comme en production).
Cibles : trimestriel < 8 s, bilan complet < 20 s.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

CIBLES = {"trimestriel": 8.0, "bilan": 20.0}


def preparer(dossier: Path) -> Path:
    from cia_lib.entrees.importation import importer
    from cia_lib.exemples.echantillon import generer_exemple
    from cia_lib.territoire.config import charger_territoire

    territoire = charger_territoire()
    generer_exemple(dossier / "brut", territoire, graine=2024)
    importer(dossier / "brut", dossier / "traite", territoire, cle=b"cle-de-banc-d-essai")
    return dossier / "traite"


def chronometrer(arguments: list[str]) -> float:
    debut = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "cia"), *arguments], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - debut


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="cia-banc-") as temporaire:
        dossier = Path(temporaire)
        traite = preparer(dossier)
        communs = ["--donnees", str(traite), "--sortie", str(dossier / "reports"), "--sans-barre"]
        mesures = {
            "trimestriel": chronometrer(["rapport", "trimestriel", "--annee", "2025", "--trimestre", "3", *communs]),
            "bilan": chronometrer(["rapport", "bilan", "--annee", "2025", *communs]),
        }
        tailles = {p.relative_to(dossier / "reports"): p.stat().st_size for p in (dossier / "reports").rglob("*.html")}
    print("Rapport        durée (s)   cible (s)")
    for nom, duree in mesures.items():
        etat = "ok" if duree < CIBLES[nom] else "DÉPASSÉ"
        print(f"{nom:<14} {duree:8.1f}   {CIBLES[nom]:8.1f}   {etat}")
    print("Tailles des pages :")
    for chemin, taille in sorted(tailles.items()):
        print(f"  {chemin}: {taille / 1e6:.2f} Mo")
    return 0


if __name__ == "__main__":
    sys.exit(main())
