"""Writing the synthetic sample to disk, with its "données fictives" notice and the destination check.

:func:`verifier_destination_fictive` refuses a folder that holds data files without the
notice (real extracts are never overwritten); :func:`generer_exemple` writes the four CSV
files (and the flux conventions) byte for byte like real extracts (``;``, Windows-1252, CRLF) and the notice
``DONNEES_FICTIVES.txt`` that the import detects.
"""

from __future__ import annotations

from pathlib import Path

from cia_lib.erreurs import ErreurParametre
from cia_lib.territoire.config import Territoire

from .parametres import CODE_COMMUNE_INCONNUE, PARAMETRES_DEFAUT, ParametresExemple
from .tables import tables_exemple

FICHIER_AVERTISSEMENT = "DONNEES_FICTIVES.txt"
"""Notice written beside the synthetic files; the import flags the data as fictitious when present."""

_TEXTE_AVERTISSEMENT = """DONNÉES FICTIVES — NE DÉCRIVENT AUCUNE PERSONNE NI AUCUNE RÉSIDENCE RÉELLE

Ce dossier a été produit par la commande « cia exemple » (graine {graine}) de l'atelier de
suivi de la Convention Intercommunale d'Attribution, pour le territoire « {territoire} ».

Les fichiers attributions.csv, demandes.csv, residences.csv, ops.csv et conventions_flux.csv
sont synthétiques :
tirés au hasard selon un modèle calé sur les ordres de grandeur du diagnostic 2022 de la
convention (environ 15 à 20 % des baux au 1er quartile, 37 % de demandes de mutation contre
22 % des baux, pression d'environ 6,8 demandes par bail). Les numéros de demande commencent
par « 095FICT », les résidences portent la mention « (fictive) », les noms « FICTIF … » sont
inventés, et les positions des résidences sont tirées au hasard dans les communes.

Ils contiennent volontairement quelques défauts pour illustrer les contrôles de qualité :
ressources manquantes, code commune inconnu ({commune_inconnue}), identifiant d'attribution
en double, bailleur écrit sous un alias, colonne personnelle « nom » à écarter à l'import.

L'import détecte ce fichier et marque toutes les sorties « données fictives ».
Voir docs/donnees_fictives.md.
"""



def verifier_destination_fictive(destination) -> Path:
    """Check that synthetic data may be written to ``destination`` and return it as a Path.

    Raises
    ------
    ErreurParametre
        The destination is a file, or a folder holding data files (.csv, .xlsx, .parquet)
        without the fictitious-data notice: real extracts are never overwritten.
    """
    dossier = Path(destination)
    if dossier.exists() and not dossier.is_dir():
        raise ErreurParametre(f"{dossier} : la destination existe et n'est pas un dossier.")
    if dossier.is_dir() and not (dossier / FICHIER_AVERTISSEMENT).exists():
        existants = [f.name for f in sorted(dossier.iterdir()) if f.suffix.lower() in (".csv", ".xlsx", ".parquet")]
        if existants:
            raise ErreurParametre(
                f"{dossier} contient déjà des fichiers de données ({', '.join(existants)}) sans l'avertissement "
                f"{FICHIER_AVERTISSEMENT} : choisissez un autre dossier, les données fictives n'écrasent "
                "jamais de vrais extraits."
            )
    return dossier


def generer_exemple(destination, territoire: Territoire, graine: int = 2024,
                    parametres: ParametresExemple = PARAMETRES_DEFAUT) -> dict[str, Path]:
    """Write the synthetic sample (five CSV files and a notice) into ``destination``.

    Files are ``;``-separated, Windows-1252 encoded, CRLF line ends, dates ``JJ/MM/AAAA``,
    decimal comma: like real extracts. The same seed always writes byte-identical files.

    Parameters
    ----------
    destination : path-like
        Folder to write into (created if needed).
    territoire : Territoire
    graine : int, default 2024
        Random seed.
    parametres : ParametresExemple, optional

    Returns
    -------
    dict of str to pathlib.Path
        Table name -> CSV file written (``attributions``, ``demandes``, ``residences``, ``ops``,
        ``conventions_flux``).
        The notice ``DONNEES_FICTIVES.txt`` is written beside them.

    Raises
    ------
    ErreurParametre
        When ``destination`` already holds data files but no fictitious-data notice: real
        extracts are never overwritten.
    ErreurSeuilManquant
        When a year of the covered window has no 1st-quartile threshold.
    """
    dossier = verifier_destination_fictive(destination)
    tables = tables_exemple(territoire, graine, parametres)
    dossier.mkdir(parents=True, exist_ok=True)
    ecrits = {}
    for nom, table in tables.items():
        chemin = dossier / f"{nom}.csv"
        texte = table.to_csv(sep=";", index=False, lineterminator="\r\n")
        chemin.write_bytes(texte.encode("cp1252"))
        ecrits[nom] = chemin
    avertissement = _TEXTE_AVERTISSEMENT.format(
        graine=int(graine), territoire=territoire.nom, commune_inconnue=CODE_COMMUNE_INCONNUE
    )
    (dossier / FICHIER_AVERTISSEMENT).write_bytes(avertissement.replace("\n", "\r\n").encode("cp1252"))
    return ecrits
