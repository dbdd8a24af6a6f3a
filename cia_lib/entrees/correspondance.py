"""The column/value mapping ("correspondance"): loading it from YAML and applying it to a raw file.

A mapping renames the source headers to the canonical columns of :mod:`cia_lib.entrees.schema`,
replaces source values by canonical ones, and drops personal and unknown columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cia_lib.erreurs import ErreurConfiguration, ErreurFichier
from cia_lib.territoire import chemins
from cia_lib.territoire.config import lire_yaml

from . import schema
from .fichier_brut import COLONNE_LIGNE, FichierBrut
from .lecture_parquet import en_texte
from .normalisation import est_colonne_personnelle, normaliser_colonne, normaliser_valeur
from .radiations import RegleRadiation, lire_regle_radiation

PRESETS = {"sne": "correspondance_sne.yaml"}
"""Shipped mappings, by the name given to ``--correspondance`` (files in ``config/``)."""


def resoudre_correspondance(source):
    """The mapping file meant by ``source``: a preset name (``sne``) or a path, as given.

    A preset name is used only when no file of that name exists (``--correspondance sne``
    reads ``config/correspondance_sne.yaml``).

    Examples
    --------
    >>> resoudre_correspondance("sne").name
    'correspondance_sne.yaml'
    >>> resoudre_correspondance(None) is None
    True
    """
    if isinstance(source, (str, Path)) and not Path(source).exists():
        nom = str(source).strip().lower()
        if nom in PRESETS:
            return chemins.CONFIG / PRESETS[nom]
    return source

# --------------------------------------------------------------------------- mapping YAML


@dataclass(frozen=True)
class CorrespondanceTable:
    """How one table's source files translate to the canonical table.

    Attributes
    ----------
    fichier : str
        Base name of the source files (without extension), default the table name.
    feuille : str or None
        Sheet to read in an XLSX workbook (None = first sheet).
    colonnes : dict
        Folded source header -> canonical column name, or None to ignore the column.
    valeurs : dict
        Canonical column -> {folded source value -> replacement text}.
    radiation : RegleRadiation or None
        For a strike-off extract read as attributions (see :mod:`cia_lib.entrees.radiations`).
    """

    fichier: str
    feuille: str | None = None
    colonnes: dict[str, str | None] = field(default_factory=dict)
    valeurs: dict[str, dict[str, str]] = field(default_factory=dict)
    radiation: RegleRadiation | None = None



def _texte_valeur(valeur) -> str:
    """Replacement value of a mapping as text (YAML booleans become oui/non)."""
    if valeur is None:
        return ""
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    return str(valeur)



def charger_correspondance(source=None) -> dict[str, CorrespondanceTable]:
    """Load a column/value mapping (YAML file, dict, or None for the canonical layout).

    The YAML has one section per table (``attributions``, ``demandes``, ``residences``,
    ``ops``), each with optional keys ``fichier``, ``feuille``, ``colonnes`` (source
    header -> canonical name, or ``null`` to ignore) and ``valeurs`` (canonical column ->
    {source value -> canonical value}). Headers and values are compared folded (case,
    accents and punctuation ignored).

    Parameters
    ----------
    source : path-like, dict or None
        A YAML file, a preset name (``sne``: see :data:`PRESETS`), a dict, or None.

    Returns
    -------
    dict of str to CorrespondanceTable
        One entry for each table (the four tables and the optional ``conventions_flux``).

    Raises
    ------
    ErreurConfiguration
        Unreadable YAML, unknown table, unknown canonical column.
    """
    nom_source = "correspondance"
    source = resoudre_correspondance(source)
    if source is None:
        brut = {}
    elif isinstance(source, dict):
        brut = source
    else:
        nom_source = str(source)
        brut = lire_yaml(Path(source), "fichier de correspondance")

    inconnues = sorted(set(brut) - set(schema.TOUTES_TABLES))
    if inconnues:
        raise ErreurConfiguration(
            f"{nom_source} : table(s) inconnue(s) {', '.join(inconnues)} ; "
            f"tables possibles : {', '.join(schema.TOUTES_TABLES)}."
        )
    resultat = {}
    for table in schema.TOUTES_TABLES:
        section = brut.get(table) or {}
        if not isinstance(section, dict):
            raise ErreurConfiguration(f"{nom_source} : la rubrique « {table} » doit être un dictionnaire.")
        canoniques = {c.nom for c in schema.colonnes(table)}
        for cle in ("colonnes", "valeurs"):
            if not isinstance(section.get(cle) or {}, dict):
                raise ErreurConfiguration(
                    f"{nom_source} : table {table}, la rubrique « {cle} » doit être un dictionnaire "
                    f"(« {'en-tête source: colonne' if cle == 'colonnes' else 'colonne: {valeur source: valeur}'} » "
                    "sur chaque ligne), pas une liste."
                )
        colonnes: dict[str, str | None] = {}
        for entete, cible in (section.get("colonnes") or {}).items():
            if cible is not None and str(cible) not in canoniques:
                raise ErreurConfiguration(
                    f"{nom_source} : table {table}, « {entete} » pointe vers la colonne inconnue "
                    f"« {cible} » (colonnes possibles : {', '.join(c.nom for c in schema.colonnes(table))})."
                )
            colonnes[normaliser_colonne(entete)] = None if cible is None else str(cible)
        valeurs: dict[str, dict[str, str]] = {}
        for colonne, table_valeurs in (section.get("valeurs") or {}).items():
            if str(colonne) not in canoniques:
                raise ErreurConfiguration(
                    f"{nom_source} : table {table}, correspondance de valeurs pour la colonne "
                    f"inconnue « {colonne} »."
                )
            if not isinstance(table_valeurs, dict):
                raise ErreurConfiguration(
                    f"{nom_source} : table {table}, « valeurs » de {colonne} doit être un dictionnaire."
                )
            valeurs[str(colonne)] = {
                normaliser_valeur(_texte_valeur(k)): _texte_valeur(v) for k, v in table_valeurs.items()
            }
        feuille = section.get("feuille")
        resultat[table] = CorrespondanceTable(
            fichier=str(section.get("fichier") or table),
            feuille=None if feuille is None else str(feuille),
            colonnes=colonnes,
            valeurs=valeurs,
            radiation=lire_regle_radiation(section.get("radiation"), nom_source, table),
        )
    return resultat


# --------------------------------------------------------------------------- mapping


@dataclass
class TableSource:
    """A source file mapped onto a canonical table (still text).

    Attributes
    ----------
    nom : str
        File name shown to the user.
    donnees : pandas.DataFrame
        Canonical columns present in the file (strings, values mapped; typed Arrow columns when
        read with ``typee=True``) plus ``__ligne__``.
    colonnes_ignorees : list of str
        Unknown headers (as written in the file).
    colonnes_personnelles : list of str
        Personal headers dropped (as written in the file).
    colonnes_absentes : list of str
        Optional canonical columns missing from the file.
    lignes_mal_formees : list of (int, int)
    """

    nom: str
    donnees: pd.DataFrame
    colonnes_ignorees: list[str]
    colonnes_personnelles: list[str]
    colonnes_absentes: list[str]
    lignes_mal_formees: list[tuple[int, int]] = field(default_factory=list)
    correspondances_inutilisees: list[str] = field(default_factory=list)
    """Headers of the mapping's ``colonnes`` (folded) that match no header of the file."""



def appliquer_correspondance(table: str, brut: FichierBrut, corresp: CorrespondanceTable) -> TableSource:
    """Rename columns to canonical names, apply value mappings, drop personal/unknown columns.

    Raises
    ------
    ErreurFichier
        Required canonical columns missing, or two source columns mapped to the same one.
    """
    canoniques = [c.nom for c in schema.colonnes(table)]
    renommage: dict[str, str] = {}
    ignorees, personnelles_vues = [], []
    for entete in brut.entetes:
        plie = normaliser_colonne(entete)
        if plie in corresp.colonnes:
            cible = corresp.colonnes[plie]
            if cible is None:
                continue  # explicitly ignored by the mapping
        elif plie in canoniques:
            cible = plie
        elif est_colonne_personnelle(entete):
            personnelles_vues.append(entete)
            continue
        else:
            ignorees.append(entete)
            continue
        if cible in renommage.values():
            autres = [e for e in brut.entetes if renommage.get(normaliser_colonne(e)) == cible]
            raise ErreurFichier(
                brut.nom, f"plusieurs colonnes correspondent à « {cible} »", [*autres, entete]
            )
        renommage[plie] = cible

    presentes = set(renommage.values())
    manquantes = [c.nom for c in schema.colonnes(table) if c.requise and c.nom not in presentes]
    if manquantes:
        raise ErreurFichier(
            brut.nom,
            "colonnes obligatoires manquantes ; ajoutez-les ou déclarez leur correspondance "
            "dans un fichier --correspondance",
            manquantes,
        )
    donnees = brut.lignes[[*renommage, COLONNE_LIGNE]].rename(columns=renommage)
    for colonne, table_valeurs in corresp.valeurs.items():
        if colonne in donnees.columns:
            donnees[colonne] = en_texte(donnees[colonne])  # values are mapped as text
            pliees = donnees[colonne].fillna("").map(normaliser_valeur)
            remplacees = pliees.map(table_valeurs)
            donnees[colonne] = remplacees.where(remplacees.notna(), donnees[colonne]).astype("string")
    absentes = [c for c in canoniques if c not in presentes]
    vus = {normaliser_colonne(e) for e in brut.entetes}
    inutilisees = [e for e in corresp.colonnes if e not in vus]
    return TableSource(brut.nom, donnees.reset_index(drop=True), ignorees, personnelles_vues, absentes,
                       brut.lignes_mal_formees, inutilisees)
