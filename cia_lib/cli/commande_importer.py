"""``cia importer``: read, validate and pseudonymise the raw files into ``data/processed``."""

from __future__ import annotations

from pathlib import Path

import typer

from cia_lib.entrees.bilan_rejets import texte_bilan
from cia_lib.entrees.donnees import FICHIER_RAPPORT_IMPORT, FICHIER_REJETS
from cia_lib.entrees.importation import FICHIER_RAPPORT_MD, charger_territoire_import, importer
from cia_lib.erreurs import ErreurParametre
from cia_lib.territoire import chemins
from cia_lib.territoire.config import lire_part

from .app import app


def resume_import(rapport: dict, destination: Path) -> str:
    """Short French summary of an import report, for the terminal."""
    lignes = []
    if rapport.get("donnees_fictives"):
        lignes.append("Données FICTIVES (échantillon de démonstration).")
    for table, info in rapport["fichiers"].items():
        maj = f", {info['mis_a_jour']} mise(s) à jour" if info.get("mis_a_jour") else ""
        lignes.append(
            f"  {table:<13} {info['lus']:>7} lue(s), {info['conserves']:>7} conservée(s), "
            f"{info['rejetes']:>6} rejetée(s){maj}"
        )
    nb = len(rapport["avertissements"])
    lignes.append(f"{nb} avertissement(s)" + (" :" if nb else "."))
    lignes += [f"  - {a}" for a in rapport["avertissements"]]
    bilan = texte_bilan(rapport.get("rejets") or {})
    if bilan:
        lignes.append(bilan)
    lignes.append(
        f"Tables écrites dans {destination} ; rejets : {FICHIER_REJETS} ; "
        f"rapport : {FICHIER_RAPPORT_IMPORT} et {FICHIER_RAPPORT_MD}."
    )
    return "\n".join(lignes)


@app.command("importer")
def commande_importer(
    source: Path = typer.Option(
        chemins.EXEMPLE, "--source", show_default=False,
        help="Dossier des fichiers bruts (défaut : data/raw/exemple)."
    ),
    destination: Path = typer.Option(
        chemins.TRAITEES, "--destination", show_default=False,
        help="Dossier des tables traitées (défaut : data/processed)."
    ),
    territoire: Path | None = typer.Option(
        None, "--territoire",
        help="Fichier YAML du territoire (défaut : config/territoire.yaml) ; un fichier listant plusieurs "
             "EPCI (epcis, departement) importe pour l'ensemble de leurs communes.",
    ),
    correspondance: Path | None = typer.Option(
        None, "--correspondance",
        help="Fichier YAML de correspondance des colonnes et des valeurs pour un extrait réel "
             "(exemple : config/correspondance_exemple.yaml), ou « sne » : le préréglage livré pour les codes du SNE "
             "(config/correspondance_sne.yaml, extraits de radiations RADATT compris).",
    ),
    fichier_cle: Path | None = typer.Option(
        None, "--cle",
        help="Fichier de la clé de pseudonymisation (défaut : variable CIA_CLE_PSEUDONYMISATION, "
             "sinon data/cle_pseudonymisation.cle, créé au premier import).",
    ),
    seuil_rejets: str | None = typer.Option(
        None, "--seuil-rejets", metavar="PART",
        help="Part maximale de lignes rejetées par table (ex. 0.01 ou 1%) ; au-delà, rien n'est publié "
             "(défaut : seuil_rejets du territoire, 1 %).",
    ),
    accepter_rejets: bool = typer.Option(
        False, "--accepter-rejets",
        help="Publie même au-delà du seuil de rejets ; le rapport d'import et les rapports l'affichent "
             "(alerte sur la qualité des données).",
    ),
) -> int:
    """Importe les fichiers bruts : lecture, contrôle ligne à ligne, pseudonymisation, tables Parquet."""
    rapport = importer(
        source, destination, charger_territoire_import(territoire), correspondance,
        fichier_cle=fichier_cle, progression=True, seuil_rejets=None if seuil_rejets is None else lire_part(seuil_rejets, "--seuil-rejets", ErreurParametre),
        accepter_rejets=accepter_rejets,
    )
    typer.echo(f"Import de {source} terminé.")
    typer.echo(resume_import(rapport, destination))
    return 0
