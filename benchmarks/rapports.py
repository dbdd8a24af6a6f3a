"""Temps de production des rapports sur les données fictives (à lancer à la demande, hors CI).

    .venv/bin/python benchmarks/rapports.py [--repetitions 3] [--repetitions-tout 1] [--dossier D]

Génère l'exemple et l'importe dans un dossier temporaire, puis mesure, chaque fois dans un
processus ``cia`` neuf (comme en production) et en gardant le **minimum** de plusieurs
exécutions (la machine est partagée : le minimum est la mesure la moins perturbée) :

1. le **plancher** : ``cia rapport trimestriel`` sur un notebook minimal qui ne fait que les
   mêmes imports que ``suivi_trimestriel`` (cellule de paramètres comprise), exécuté par
   papermill et exporté par nbconvert comme un vrai rapport ;
2. un rapport trimestriel ; 3. un bilan (une exécution à la fois, puis en parallèle) ;
4. ``cia rapport tout`` sur la démonstration, à la suite (``--parallele 1``) puis en parallèle
   (``--parallele`` = cœurs utilisables), exécutions alternées ; les deux sorties sont comparées
   octet pour octet.

Affiche les rapports : rapport ÷ plancher, parallèle ÷ à la suite. Cibles (issue 16) :
trimestriel ≤ 1,2 × plancher ; ``rapport tout`` en parallèle ≤ 0,6 × à la suite.
"""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

RACINE = Path(__file__).resolve().parent.parent
CIBLES = {"trimestriel/plancher": 1.2, "tout parallèle/à la suite": 0.6}
ANNEE, TRIMESTRE = 2025, 3


def preparer(dossier: Path) -> Path:
    """Demo data generated and imported into ``dossier/traite``."""
    from cia_lib.entrees.importation import importer
    from cia_lib.exemples.echantillon import generer_exemple
    from cia_lib.territoire.config import charger_territoire

    territoire = charger_territoire()
    generer_exemple(dossier / "brut", territoire, graine=2024)
    importer(dossier / "brut", dossier / "traite", territoire, cle=b"cle-de-banc-d-essai", progression=False)
    return dossier / "traite"


def imports_du_notebook(chemin: Path) -> list[str]:
    """Every import statement of a notebook's code cells, in order, without duplicates."""
    lignes: list[str] = []
    for cellule in nbformat.read(chemin, as_version=4).cells:
        if cellule.cell_type != "code":
            continue
        for noeud in ast.parse(cellule.source).body:
            if isinstance(noeud, ast.Import | ast.ImportFrom):
                texte = ast.unparse(noeud)
                if texte not in lignes:
                    lignes.append(texte)
    return lignes


def notebook_plancher(source: Path, dossier: Path) -> Path:
    """Folder holding a minimal ``suivi_trimestriel.ipynb``: the parameters cell of ``source``
    and one cell with the same imports (nothing computed, nothing shown)."""
    nb = nbformat.read(source, as_version=4)
    parametres = next(c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", []))
    minimal = nbformat.v4.new_notebook(metadata=nb.metadata)
    minimal.cells = [parametres, nbformat.v4.new_code_cell("\n".join(imports_du_notebook(source)))]
    dossier.mkdir(parents=True, exist_ok=True)
    nbformat.write(minimal, dossier / source.name)
    return dossier


def chronometrer(arguments: list[str]) -> float:
    """Wall time of one ``cia`` command in a new process (fails loudly if the command fails)."""
    debut = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "cia"), *arguments], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - debut


def octets(dossier: Path) -> dict:
    return {p.relative_to(dossier): p.read_bytes()
            for motif in ("*.html", "*.xlsx", "*.json") for p in dossier.rglob(motif)}


def mesurer(dossier: Path, repetitions: int, repetitions_tout: int, coeurs: int) -> dict:
    traite = preparer(dossier)
    plancher = notebook_plancher(RACINE / "notebooks" / "suivi_trimestriel.ipynb", dossier / "plancher")
    communs = ["--donnees", str(traite), "--sans-barre"]
    trimestriel = ["rapport", "trimestriel", "--annee", str(ANNEE), "--trimestre", str(TRIMESTRE), *communs]
    bilan = ["rapport", "bilan", "--annee", str(ANNEE), *communs]
    mesures: dict[str, list[float]] = {}

    def noter(nom, arguments):
        mesures.setdefault(nom, []).append(chronometrer(arguments))

    for i in range(repetitions):  # alternated, so that a noisy minute hurts every measure alike
        noter("plancher", [*trimestriel, "--notebooks", str(plancher), "--sortie", str(dossier / f"p{i}")])
        noter("trimestriel", [*trimestriel, "--sortie", str(dossier / f"t{i}")])
        noter("bilan à la suite", [*bilan, "--parallele", "1", "--sortie", str(dossier / f"b1-{i}")])
        noter("bilan parallèle", [*bilan, "--parallele", str(coeurs), "--sortie", str(dossier / f"bn-{i}")])
    for i in range(repetitions_tout):
        noter("tout à la suite", ["rapport", "tout", *communs, "--parallele", "1", "--sortie", str(dossier / f"s{i}")])
        noter("tout parallèle", ["rapport", "tout", *communs, "--parallele", str(coeurs),
                                 "--sortie", str(dossier / f"n{i}")])
    sequentiel, parallele = octets(dossier / "s0"), octets(dossier / "n0")
    notebooks = sum(1 for _ in (dossier / "s0").rglob("*.ipynb"))
    return {"mesures": mesures, "identiques": sequentiel == parallele, "fichiers": len(sequentiel),
            "notebooks_tout": notebooks}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=3, help="exécutions du plancher, du trimestriel, du bilan")
    parser.add_argument("--repetitions-tout", type=int, default=1, help="exécutions de « rapport tout » (chacune)")
    parser.add_argument("--dossier", type=Path, default=None, help="dossier de travail (défaut : temporaire)")
    args = parser.parse_args(argv)
    coeurs = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="cia-banc-") as temporaire:
        dossier = args.dossier or Path(temporaire)
        r = mesurer(dossier, args.repetitions, args.repetitions_tout, coeurs)
    m = {nom: min(valeurs) for nom, valeurs in r["mesures"].items()}
    charge = os.getloadavg()[0]
    print(f"Machine : {coeurs} cœur(s) utilisable(s), charge moyenne sur 1 min à la fin : {charge:.1f} ; "
          f"minimum de {args.repetitions} exécution(s) ({args.repetitions_tout} pour « tout »)")
    print(f"{'mesure':<22} {'min (s)':>8}   toutes (s)")
    for nom, valeurs in r["mesures"].items():
        print(f"{nom:<22} {m[nom]:8.1f}   {' ; '.join(f'{v:.1f}' for v in valeurs)}")
    ratios = {
        "trimestriel/plancher": m["trimestriel"] / m["plancher"],
        "bilan/plancher": m["bilan à la suite"] / m["plancher"],
        "bilan parallèle/à la suite": m["bilan parallèle"] / m["bilan à la suite"],
        "tout parallèle/à la suite": m["tout parallèle"] / m["tout à la suite"],
    }
    print("Rapports :")
    for nom, valeur in ratios.items():
        cible = CIBLES.get(nom)
        etat = "" if cible is None else f"   cible ≤ {cible}  {'OK' if valeur <= cible else 'MANQUÉ'}"
        print(f"  {nom:<28} {valeur:5.2f}{etat}")
    print(f"« rapport tout » : {r['notebooks_tout']} notebooks, {m['tout à la suite'] / r['notebooks_tout']:.1f} s "
          f"par notebook à la suite ; sorties à la suite et en parallèle ({r['fichiers']} fichiers HTML, Excel, "
          f"JSON) : {'IDENTIQUES octet pour octet' if r['identiques'] else 'DIFFÉRENTES'}")
    return 0 if r["identiques"] else 1


if __name__ == "__main__":
    sys.exit(main())
