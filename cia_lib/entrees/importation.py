"""The import: raw files -> validated, pseudonymised, typed Parquet tables (``cia importer``).

Steps, each in its own module:

1. find and read every source file of the four tables (:mod:`cia_lib.entrees.lecture`), apply the
   optional column/value mapping, drop personal and unknown columns;
2. type and validate each row (:mod:`cia_lib.entrees.validation`, pandera), rejected rows go to
   ``rejets.csv`` with a French reason;
3. combine the extracts (the latest wins for the same identifier), replace demand numbers
   by a keyed hash (:mod:`cia_lib.entrees.pseudonymisation`; large files are hashed ahead by a child
   process while they are validated);
4. write ``<table>.parquet`` (in a background thread, to temporary files renamed at the end),
   ``rejets.csv``, ``rapport_import.json`` and ``rapport_import.md`` — byte-identical when
   run again on the same input with the same key.

File-level problems stop the import with one French :class:`~cia_lib.erreurs.ErreurFichier`
before anything is written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from cia_lib.erreurs import ErreurFichier, ErreurRejets, message_systeme
from cia_lib.territoire.config import Territoire
from cia_lib.territoire.multi_epci import charger_territoires, territoire_ensemble

from . import schema
from .bilan_rejets import (
    lignes_correspondance,
    pourcentage,
    rejets_par_motif,
    resumer_rejets,
    tables_au_dessus_du_seuil,
    texte_bilan,
)
from .conventions import alertes_conventions
from .couverture import CLE_COUVERTURE, couverture_par_extrait, couverture_tables
from .donnees import FICHIER_RAPPORT_IMPORT, FICHIER_REJETS, typer_table
from .lecture import (
    COLONNE_LIGNE,
    appliquer_correspondance,
    charger_correspondance,
    fichiers_ignores,
    lire_fichier,
    trouver_fichiers,
)
from .pseudonymisation import Cle, Pseudonymiseur, empreinte_cle, obtenir_cle
from .publication import Publication, nettoyer, verrou
from .radiations import filtrer_radiations
from .tableur import textes_surs
from .validation import CLES_UNICITE, COLONNES_REJETS, dans, doublons, valider

FICHIER_RAPPORT_MD = "rapport_import.md"
MARQUEUR_FICTIF = "DONNEES_FICTIVES.txt"
"""File written by the sample generator: its presence marks the data as fictional."""

ORDRE_TRI = {
    "attributions": ["id_attribution"],
    "demandes": ["date_extraction", schema.COLONNE_PSEUDONYME],
    "residences": ["id_residence"],
    "ops": ["annee_ops", "id_residence"],
    "conventions_flux": ["annee", "bailleur", "reservataire"],
}
LIBELLES = {
    "attributions": "attributions",
    "demandes": "demandes",
    "residences": "résidences",
    "ops": "lignes OPS",
    "conventions_flux": "conventions de flux",
}
_FICHIER = "__fichier__"
_RANG = "__rang__"
"""Position of a kept row in its source file (to take its prepared pseudonym)."""


def charger_territoire_import(chemin=None) -> Territoire:
    """Territory to import against, from a single- or multi-EPCI territory file.

    A file listing several EPCIs (``epcis: [...]``, ``epcis: toutes`` or ``departement:``,
    see :func:`cia_lib.territoire.multi_epci.charger_territoires`) gives the union of their communes
    (:func:`cia_lib.territoire.multi_epci.territoire_ensemble`); a file with one EPCI gives that EPCI.

    Parameters
    ----------
    chemin : path-like, optional
        Territory YAML (default ``$CIA_TERRITOIRE`` or ``config/territoire.yaml``).

    Returns
    -------
    Territoire

    Raises
    ------
    ErreurConfiguration
        Invalid territory file.
    """
    territoires = charger_territoires(chemin)
    return territoires[0] if len(territoires) == 1 else territoire_ensemble(territoires)


def _fichiers_sources(source: Path, correspondance) -> dict[str, list[Path]]:
    """Source files of every table; a required table without any file stops the import (an optional
    one, :data:`cia_lib.entrees.schema.TABLES_FACULTATIVES`, is left out)."""
    trouves = {}
    for table in schema.TOUTES_TABLES:
        base = correspondance[table].fichier
        fichiers = trouver_fichiers(source, base)
        if not fichiers and table in schema.TABLES_FACULTATIVES:
            continue
        if not fichiers:
            raise ErreurFichier(
                source / f"{base}.csv",
                f"fichier introuvable pour la table « {table} » : attendu {base}.csv ou {base}.xlsx "
                f"(ou {base}_<extrait>.csv, ou un sous-dossier par extrait)",
            )
        trouves[table] = fichiers
    return trouves


def _combiner(table: str, morceaux: list[pd.DataFrame]) -> tuple[pd.DataFrame, int, int]:
    """Concatenate extracts in order; the latest extract wins for the same identifier.

    Returns
    -------
    (pandas.DataFrame, int, int)
        Combined rows, rows replaced by a later extract, identifiers updated.
    """
    cles = list(CLES_UNICITE[table])
    if len(morceaux) == 1 and all(c.requise for c in schema.colonnes(table) if c.nom in cles):
        # One extract: its valid rows have every key (required columns) and no repeated key
        # (rejected by the "doublon" rule), so nothing is replaced.
        return morceaux[0].reset_index(drop=True), 0, 0
    tout = pd.concat(morceaux, ignore_index=True)
    remplacees = pd.Series(doublons(tout, cles, keep="last"), index=tout.index)
    mis_a_jour = int(tout.loc[remplacees, cles].drop_duplicates().shape[0])
    return tout.loc[~remplacees].reset_index(drop=True), int(remplacees.sum()), mis_a_jour


def _verifier_seuils_baux(attributions: pd.DataFrame, territoire: Territoire, source: Path) -> None:
    """A signed lease in a year without threshold stops the import (never guessed)."""
    annees = attributions["date_bail"].dt.year
    manquantes = attributions[annees.notna() & ~annees.isin(list(territoire.seuils))]
    if manquantes.empty:
        return
    premiere = manquantes.sort_values([_FICHIER, COLONNE_LIGNE], kind="mergesort").iloc[0]
    annee = int(premiere["date_bail"].year)
    nb = int((manquantes["date_bail"].dt.year == annee).sum())
    raise ErreurFichier(
        source / premiere[_FICHIER],
        f"aucun seuil du 1er quartile pour l'année {annee} (EPCI {territoire.siren}) alors que "
        f"{nb} bail(aux) signé(s) cette année-là (première : ligne {int(premiere[COLONNE_LIGNE])}) ; "
        f"ajoutez la valeur de l'arrêté ministériel au tableau des seuils "
        f"{Path(territoire.chemin_seuils).name} : elle n'est jamais devinée",
        ["date_bail"],
    )


def _cles_entieres(serie: pd.Series) -> list[np.ndarray] | None:
    """Integer sort keys (missing flag, then value) of a date or integer column; None otherwise."""
    if str(serie.dtype) == "datetime64[ns]":
        valeurs = serie.to_numpy()
        manquantes = np.isnat(valeurs)
        return [manquantes, np.where(manquantes, 0, valeurs.view("i8"))]
    if str(serie.dtype) == "Int64":
        manquantes = serie.isna().to_numpy()
        return [manquantes, serie.fillna(0).to_numpy(dtype="int64")]
    return None


def _lexsort(cles: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray | None]:
    """``np.lexsort(cles[::-1])`` (first key most significant, stable), with less work.

    Constant keys are skipped (they never change the order). The rows are sorted on the
    first remaining key alone; only the rows tied on it (few for a pseudonym's first 8
    bytes) are then sorted on the other keys and their original position, which gives
    the same permutation as the stable sort on every key.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray or None)
        The order, and for each pair of consecutive sorted rows whether all the keys are
        equal (None when no pair is).
    """
    n = len(cles[0]) if cles else 0
    utiles = [k for k in cles if n and k.min() != k.max()]
    if not utiles:
        return np.arange(n), (np.ones(n - 1, dtype=bool) if n > 1 else None)
    premiere = utiles[0]
    ordre = np.argsort(premiere)  # any order of the ties: fixed below
    triee = np.sort(premiere)
    egal = triee[1:] == triee[:-1]
    if not egal.any():
        return ordre, None
    dans_run = np.zeros(n, dtype=bool)
    dans_run[:-1] |= egal
    dans_run[1:] |= egal
    positions = np.flatnonzero(dans_run)
    run = np.concatenate(([0], np.cumsum(~egal)))[positions]
    lignes = ordre[positions]
    sous = np.lexsort([lignes, *[k[lignes] for k in utiles[:0:-1]], run])
    ordre[positions] = lignes[sous]
    paires = np.flatnonzero(egal)
    a, b = ordre[paires], ordre[paires + 1]
    pareils = np.ones(len(paires), dtype=bool)
    for cle in utiles[1:]:
        pareils &= cle[a] == cle[b]
    egal[paires] = pareils
    return ordre, (egal if egal.any() else None)


def _ordre_rapide(donnees: pd.DataFrame, colonnes: list[str]) -> np.ndarray | None:
    """Stable sort order by numpy when the last key is a text column whose values all have the
    same length in bytes (identifiers, pseudonyms) and the other keys are dates or integers.

    The text is compared on its first 16 bytes (two big-endian integers: the same order as
    comparing UTF-8 bytes, that is code points); rows still tied are ordered by their whole
    text in Python. None when the fast path does not apply.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    cles: list[np.ndarray] = []
    for colonne in colonnes[:-1]:
        cle = _cles_entieres(donnees[colonne])
        if cle is None:
            return None
        cles += cle
    derniere = donnees[colonnes[-1]]
    cle = _cles_entieres(derniere)
    if cle is not None:
        return _lexsort(cles + cle)[0]
    if not isinstance(derniere.dtype, pd.StringDtype) or len(derniere) == 0 or derniere.isna().any():
        return None
    tableau = pa.array(derniere.array)
    if isinstance(tableau, pa.ChunkedArray):
        tableau = tableau.combine_chunks()
    longueurs = pc.min_max(pc.binary_length(tableau)).as_py()
    taille = longueurs["min"]
    if taille != longueurs["max"] or taille == 0:
        return None
    n = len(tableau)
    type_decalage = np.int64 if pa.types.is_large_string(tableau.type) else np.int32
    decalages = np.frombuffer(tableau.buffers()[1], dtype=type_decalage)[tableau.offset:tableau.offset + n + 1]
    octets = np.frombuffer(tableau.buffers()[2], dtype=np.uint8)[decalages[0]:decalages[0] + n * taille]
    octets = octets.reshape(n, taille)
    largeur = min(16, -(-taille // 8) * 8)
    prefixe = np.zeros((n, largeur), dtype=np.uint8)
    prefixe[:, :min(taille, largeur)] = octets[:, :largeur]
    mots = [np.ascontiguousarray(prefixe[:, i:i + 8]).view(">u8").ravel().astype(np.uint64)
            for i in range(0, largeur, 8)]
    cles += mots
    ordre, egal = _lexsort(cles)
    if taille > largeur and egal is not None:
        if egal.any():  # ties on the prefix: order each run by the whole text (stable)
            debut_run = np.flatnonzero(np.diff(np.concatenate(([False], egal, [False])).astype(np.int8)) == 1)
            fin_run = np.flatnonzero(np.diff(np.concatenate(([False], egal, [False])).astype(np.int8)) == -1)
            for debut, fin in zip(debut_run, fin_run):
                run = ordre[debut:fin + 1]
                textes = tableau.take(pa.array(run)).to_pylist()
                ordre[debut:fin + 1] = run[sorted(range(len(run)), key=textes.__getitem__)]
    return ordre


def trier_stable(donnees: pd.DataFrame, colonnes: list[str]) -> pd.DataFrame:
    """Rows sorted by ``colonnes`` (ascending, missing values last, ties in their order).

    Same result as ``sort_values(colonnes, kind="mergesort")`` followed by
    ``reset_index(drop=True)``, computed by numpy (see :func:`_ordre_rapide`) or pyarrow's
    stable sort (text compared by code point, as in Python), much faster on millions of rows.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    ordre = _ordre_rapide(donnees, colonnes)
    if ordre is None:
        cles = pa.table({f"c{i}": pa.array(donnees[c].array) for i, c in enumerate(colonnes)})
        # Missing values last: the default of pyarrow (its null_placement argument changed in 25.0).
        ordre = pc.sort_indices(cles, sort_keys=[(f"c{i}", "ascending") for i in range(len(colonnes))]).to_numpy()
    return _prendre(donnees, ordre)


def _prendre(donnees: pd.DataFrame, ordre: np.ndarray) -> pd.DataFrame:
    """``donnees.take(ordre).reset_index(drop=True)``, column by column on two threads
    (pyarrow's take releases the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    def prendre(colonne):
        return donnees[colonne].array.take(ordre)

    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as executeur:
        tableaux = list(executeur.map(prendre, donnees.columns))
    return pd.DataFrame(dict(zip(donnees.columns, tableaux)), columns=donnees.columns)


def _ecrire(chemin: Path, contenu: bytes) -> None:
    """Write a file of the new version (invisible until :meth:`Publication.publier`)."""
    chemin.write_bytes(contenu)


class _EcrituresEnFond:
    """Tables written into the new version's folder by a background thread while the import goes
    on (pyarrow's writer releases the GIL); :meth:`attendre` waits for them (raising their error).

    Used as a context manager (the thread is always shut down); the folder itself is published
    or removed by :class:`cia_lib.entrees.publication.Publication`.
    """

    def __init__(self, destination: Path):
        from concurrent.futures import ThreadPoolExecutor

        self.destination = destination
        self._executeur = ThreadPoolExecutor(max_workers=1)
        self._taches: list = []

    def ecrire(self, table: str, donnees: pd.DataFrame) -> None:
        """Start writing ``<table>.parquet`` (typed, snappy)."""
        chemin = self.destination / f"{table}.parquet"
        self._taches.append(self._executeur.submit(
            lambda: typer_table(table, donnees).to_parquet(chemin, index=False, engine="pyarrow",
                                                           compression="snappy")))

    def attendre(self) -> None:
        """Wait for every write (an error is raised here)."""
        for tache in self._taches:
            tache.result()
        self._taches.clear()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self._executeur.shutdown(wait=True)
        return False


def importer(source, destination, territoire, correspondance=None, cle: bytes | None = None, *,
             fichier_cle=None, progression: bool = False, seuil_rejets: float | None = None,
             accepter_rejets: bool = False, aujourdhui: dt.date | None = None) -> dict:
    """Import the raw files of ``source`` into typed, pseudonymised tables in ``destination``.

    Parameters
    ----------
    source : path-like
        Folder holding the files of the four tables (one or several extracts each).
    destination : path-like
        Folder receiving ``<table>.parquet``, ``rejets.csv``, ``rapport_import.json`` and
        ``rapport_import.md`` (created if needed).
    territoire : Territoire or path-like
        Territory (communes, bailleurs, thresholds), or its YAML file (one EPCI, or several:
        see :func:`charger_territoire_import`).
    correspondance : path-like or dict, optional
        Column/value mapping for extracts with other headers (see
        ``config/correspondance_exemple.yaml``).
    cle : bytes, optional
        Pseudonymisation key (tests); default :func:`cia_lib.entrees.pseudonymisation.obtenir_cle`.
    fichier_cle : path-like, optional
        Key file used when ``cle`` is not given and ``$CIA_CLE_PSEUDONYMISATION`` is unset.
    progression : bool
        Show a progress bar over the files (command line).
    seuil_rejets : float, optional
        Largest share of a table's rows that may be rejected (default the territory's
        ``seuil_rejets``, 1 %). Above it nothing is published.
    accepter_rejets : bool, default False
        Publish even above the threshold; the report then carries ``alerte_qualite``.
    aujourdhui : datetime.date, optional
        Date of the import (default today): later dates are rejected.

    Returns
    -------
    dict
        The import report (also written as ``rapport_import.json``).

    Raises
    ------
    ErreurFichier
        Missing source folder or file, empty file, unreadable encoding or workbook,
        missing required columns, signed lease in a year without threshold, destination
        not writable or locked by another import, disk full.
    ErreurConfiguration
        Invalid mapping or territory file, empty key.
    ErreurRejets
        Too many rows rejected (see ``seuil_rejets``): nothing published.

    Notes
    -----
    The destination is written under a lock and published at once (see
    :mod:`cia_lib.entrees.publication`): after a failure or a kill the previous tables,
    rejects and reports are all still there, unchanged.
    """
    # pyarrow's default pool (mimalloc) hands freed memory back to the system at once: with
    # the many large, short-lived arrays of a national import, faulting it in again cost
    # about as much as the work itself (national Parquet import: about 2 s of 9). Only the
    # CSV reader keeps it (faster there, and glibc's per-thread arenas would cost 0.9 GB).
    destination = Path(destination)
    with verrou(destination):
        if destination.is_dir():
            nettoyer(destination)  # what a killed import may have left
        try:
            with (_pool_arrow_systeme() as pool_initial, Publication(destination) as publication,
                  _EcrituresEnFond(publication.dossier) as ecritures):
                rapport = _importer(pool_initial, ecritures, source, territoire, correspondance, cle,
                                    fichier_cle=fichier_cle, progression=progression, seuil_rejets=seuil_rejets,
                                    accepter_rejets=accepter_rejets, aujourdhui=aujourdhui)
                publication.publier()
        except OSError as exc:  # writing the new version (disk full, rights…): the previous one stays
            raise ErreurFichier(destination, f"écriture impossible ({message_systeme(exc)}) ; "
                                "les tables précédentes sont conservées.") from None
    return rapport


@contextlib.contextmanager
def _pool_arrow_systeme(pool=None):
    """Use the system allocator (or ``pool``) as pyarrow's default memory pool inside the block
    (the previous pool is restored after)."""
    import pyarrow as pa

    avant = pa.default_memory_pool()
    pa.set_memory_pool(pool or pa.system_memory_pool())
    try:
        yield avant
    finally:
        pa.set_memory_pool(avant)


def _importer(pool_lecture_csv, ecritures: _EcrituresEnFond, source, territoire, correspondance=None,
              cle: bytes | None = None, *, fichier_cle=None, progression: bool = False,
              seuil_rejets: float | None = None, accepter_rejets: bool = False,
              aujourdhui: dt.date | None = None) -> dict:
    """:func:`importer` itself (see there); CSV files are read with ``pool_lecture_csv``, the
    tables written through ``ecritures`` (into ``ecritures.destination``)."""
    source, destination = Path(source), ecritures.destination
    if source.is_file():
        raise ErreurFichier(source, "la source est un fichier ; --source attend le dossier des extraits")
    if not source.is_dir():
        raise ErreurFichier(source, "dossier source introuvable")
    if not isinstance(territoire, Territoire):
        territoire = charger_territoire_import(territoire)
    corresp = charger_correspondance(correspondance)
    fichiers = _fichiers_sources(source, corresp)
    ignores = fichiers_ignores(source, [f for liste in fichiers.values() for f in liste],
                               [corresp[t].fichier for t in schema.NOMS_TABLES])
    seuil = territoire.seuil_rejets if seuil_rejets is None else float(seuil_rejets)
    if cle is not None:
        cle_info = Cle(cle.encode("utf-8") if isinstance(cle, str) else bytes(cle), "fournie par l'appelant")
    else:
        cle_info = obtenir_cle(fichier_cle)
    pseudonymiseur = Pseudonymiseur(cle_info.valeur)

    avertissements: list[str] = [
        f"fichier ignoré : {f['fichier']} ({f['raison']})." for f in ignores
    ]
    fichiers_rapport: dict[str, dict] = {}
    bilan_tables: dict[str, dict] = {}
    a_ajouter: list[str] = []
    inutilisees: dict[str, list[str]] = {}
    tables: dict[str, pd.DataFrame] = {}
    rejets_tables: list[pd.DataFrame] = []

    liste = [(t, f) for t in fichiers for f in fichiers[t]]
    if progression:
        from tqdm import tqdm

        liste = tqdm(liste, desc="Import", unit="fichier", leave=False, disable=None)
    sans_ressources: list[str] = []
    par_table: dict[str, list] = {t: [] for t in fichiers}
    radiations: dict[str, dict] = {}
    couverture_extraits: dict[str, dict] = {}
    for table, chemin in liste:
        nom = chemin.relative_to(source).as_posix()
        # pyarrow's multi-threaded CSV reader is faster and lighter with its own pool (mimalloc)
        with _pool_arrow_systeme(pool_lecture_csv if chemin.suffix.lower() == ".csv" else None):
            brut = lire_fichier(chemin, nom=str(chemin), feuille=corresp[table].feuille, typee=True)
        if corresp[table].radiation is not None:  # SNE strike-off extract: only RADATT rows are attributions
            brut, res_radiation = filtrer_radiations(brut, corresp[table].radiation, corresp[table].colonnes)
            if res_radiation.applique:
                radiations[nom] = {"ecartees": res_radiation.ecartees,
                                   "dates_bail_completees": res_radiation.dates_bail_completees}
        mappe = appliquer_correspondance(table, brut, corresp[table])
        mappe.nom = nom
        if "numero_unique" in mappe.donnees.columns:  # hashed in the background during the validation
            pseudonymiseur.preparer(nom, mappe.donnees["numero_unique"])
        resultat = valider(table, mappe, territoire, aujourdhui)
        mappe.donnees = mappe.donnees.iloc[0:0]  # text cells no longer needed: free the memory
        par_table[table].append((nom, mappe, resultat))

    for table in fichiers:
        libelle = LIBELLES[table]
        ignorees, personnelles, cochees = [], [], []
        absentes = None
        detail, morceaux, rejets_table = [], [], []
        non_vues = None
        for nom, mappe, res in par_table[table]:
            non_vues = (set(mappe.correspondances_inutilisees) if non_vues is None
                        else non_vues & set(mappe.correspondances_inutilisees))
            for liste_cible, valeurs in ((ignorees, mappe.colonnes_ignorees),
                                         (personnelles, mappe.colonnes_personnelles),
                                         (cochees, res.colonnes_cochees)):
                liste_cible += [v for v in valeurs if v not in liste_cible]
            absentes = set(mappe.colonnes_absentes) if absentes is None else absentes & set(mappe.colonnes_absentes)
            detail.append({"fichier": nom, "lus": res.lus, "conserves": res.conserves, "rejetes": res.rejetes})
            morceaux.append(res.valides.assign(**{_FICHIER: nom, _RANG: res.rangs}))
            if not res.rejets.empty:
                rejets_tables.append(res.rejets)
                rejets_table.append(res.rejets)
        combine, remplacees, mis_a_jour = _combiner(table, morceaux)
        lus = sum(d["lus"] for d in detail)
        conserves = sum(d["conserves"] for d in detail)
        rejetes = sum(d["rejetes"] for d in detail)
        assert lus == conserves + rejetes, f"{table} : lignes lues ≠ conservées + rejetées"
        assert len(combine) == conserves - remplacees

        if table == "attributions":
            _verifier_seuils_baux(combine, territoire, source)
        if "numero_unique" in combine.columns:
            combine[schema.COLONNE_PSEUDONYME] = pseudonymiseur.pseudonymiser(
                combine["numero_unique"], sources=combine[_FICHIER], rangs=combine[_RANG])
            combine = combine.drop(columns="numero_unique")
        couverture_extraits[table] = couverture_par_extrait(table, combine, _FICHIER)
        combine = trier_stable(combine.drop(columns=[_FICHIER, _RANG, COLONNE_LIGNE]), ORDRE_TRI[table])
        tables[table] = combine
        ecritures.ecrire(table, combine)

        info = {
            "lus": lus, "conserves": conserves, "rejetes": rejetes,
            "sources": [d["fichier"] for d in detail],
            "mis_a_jour": mis_a_jour, "lignes_remplacees": remplacees, "lignes_table": len(combine),
            "detail_sources": detail,
            "colonnes_ignorees": ignorees, "colonnes_personnelles_supprimees": personnelles,
            "colonnes_facultatives_absentes": sorted(absentes or []),
        }
        ecarts = {nom: radiations[nom] for nom in info["sources"] if nom in radiations}
        if ecarts:
            info["radiations"] = ecarts
            avertissements += _avertissements_radiations(table, ecarts)
        if "ressources_mensuelles" in combine.columns:
            info["ressources_manquantes"] = int(combine["ressources_mensuelles"].isna().sum())
        fichiers_rapport[table] = info

        if ignorees:
            avertissements.append(f"{table} : colonnes inconnues ignorées : {', '.join(ignorees)}.")
        if personnelles:
            avertissements.append(
                f"{table} : colonnes personnelles supprimées (jamais écrites) : {', '.join(personnelles)}."
            )
        if absentes:
            avertissements.append(
                f"{table} : colonnes facultatives absentes (laissées vides) : {', '.join(sorted(absentes))}."
            )
        for colonne in cochees:
            avertissements.append(
                f"{table} : colonne {colonne} lue avec la convention « x / vide » (case vide = non)."
            )
        if rejetes:
            avertissements.append(f"{table} : {rejetes} ligne(s) rejetée(s) sur {lus} (détail dans {FICHIER_REJETS}).")
        if mis_a_jour:
            avertissements.append(
                f"{table} : {mis_a_jour} {libelle} mise(s) à jour par un extrait plus récent "
                f"({remplacees} ligne(s) d'extraits antérieurs remplacée(s))."
            )
        rejets_de_la_table = (pd.concat(rejets_table, ignore_index=True) if rejets_table
                              else pd.DataFrame(columns=COLONNES_REJETS))
        resume = resumer_rejets(rejets_de_la_table)
        info["rejets_par_motif"] = rejets_par_motif(resume)
        bilan_tables[table] = {"lues": lus, "rejetees": rejetes, "part": rejetes / lus if lus else 0.0,
                               "motifs": resume}
        a_ajouter += lignes_correspondance(table, rejets_de_la_table, territoire.bailleurs)
        if non_vues:
            inutilisees[table] = sorted(non_vues)
            avertissements.append(f"{table} : correspondance sans effet, en-tête(s) absent(s) de tous les "
                                  f"fichiers : {', '.join(sorted(non_vues))}.")
        if table == "attributions" and "ressources_mensuelles" in (absentes or ()):
            sans_ressources.append(table)  # every household would be "ressources inconnues"
        if table == "attributions":
            tardifs = int(((combine["date_bail"] - combine["date_decision"]).dt.days > 365).fillna(False).sum())
            info["baux_plus_d_un_an_apres_decision"] = tardifs
            if tardifs:
                avertissements.append(f"{table} : {tardifs} bail(aux) signé(s) plus d'un an après la décision "
                                      "(conservés ; dates à vérifier).")
        if info.get("ressources_manquantes"):
            avertissements.append(
                f"{table} : {info['ressources_manquantes']} ligne(s) sans ressources renseignées "
                "(conservées ; comptées à part, jamais comme 1er quartile)."
            )

    # Cross-table checks (warnings only).
    connue = dans(tables["residences"]["id_residence"].dropna().unique())
    for table in ("attributions", "ops"):
        ids = tables[table]["id_residence"]
        orphelines = int((ids.notna() & ~connue(ids)).sum())
        if orphelines:
            avertissements.append(
                f"{table} : {orphelines} ligne(s) renvoient à une résidence absente du fichier residences."
            )
    annees_demandes = sorted(set(tables["demandes"]["date_extraction"].dt.year.dropna().astype(int)))
    sans_seuil = [a for a in annees_demandes if a not in territoire.seuils]
    if sans_seuil:
        avertissements.append(
            "demandes : aucun seuil du 1er quartile pour l'année d'extraction "
            f"{', '.join(map(str, sans_seuil))} ; ces instantanés ne pourront pas être classés en quartiles."
        )
    if "conventions_flux" in tables:
        avertissements += [f"conventions_flux : {a}" for a in alertes_conventions(tables["conventions_flux"])]
    if cle_info.creee:
        avertissements.append(
            f"Nouvelle clé de pseudonymisation créée ({cle_info.origine}) : conservez-la hors de git ; "
            "sans elle, les prochains imports ne pourront plus être reliés à celui-ci."
        )

    au_dela = tables_au_dessus_du_seuil({t: (b["rejetees"], b["lues"]) for t, b in bilan_tables.items()}, seuil)
    problemes = [f"{t} : {pourcentage(bilan_tables[t]['part'])} des lignes rejetées (seuil {pourcentage(seuil)})"
                 for t in au_dela]
    problemes += [f"{t} : colonne ressources_mensuelles absente de tous les fichiers : tous les ménages seraient "
                  "« ressources inconnues » (part du 1er quartile nulle) ; vérifiez l'en-tête ou déclarez sa "
                  "correspondance" for t in sans_ressources]
    bilan = {"fichier": FICHIER_REJETS, "nombre_lignes": sum(len(r) for r in rejets_tables),
             "seuil": seuil, "par_table": bilan_tables, "correspondance_a_ajouter": a_ajouter,
             "correspondances_inutilisees": inutilisees}
    if problemes and not accepter_rejets:
        raise ErreurRejets(
            "import refusé, rien n'est publié (les tables précédentes sont conservées) :\n  - "
            + "\n  - ".join(problemes) + "\n" + texte_bilan(bilan)
            + "".join(f"\n  - {a}" for a in avertissements if a.startswith("fichier ignoré"))
            + "\nCorrigez les fichiers ou la correspondance, ou relancez avec --accepter-rejets (ou --seuil-rejets) "
            "pour publier quand même : les rapports afficheront alors une alerte sur la qualité des données."
        )
    alerte = None
    if problemes:
        alerte = ("Données publiées malgré des rejets au-delà du seuil (option --accepter-rejets) : "
                  + " ; ".join(problemes) + ". Les indicateurs peuvent être faussés.")
        avertissements.insert(0, alerte)

    rapport = {
        "donnees_fictives": (source / MARQUEUR_FICTIF).exists(),
        "alerte_qualite": alerte,
        "qualite": {"seuil_rejets": seuil, "rejets_acceptes": bool(problemes and accepter_rejets),
                    "problemes": problemes},
        "fichiers_ignores": ignores,
        "territoire": {"siren": territoire.siren, "nom": territoire.nom},
        "fichiers": fichiers_rapport,
        "avertissements": avertissements,
        "pseudonymisation": {
            "algorithme": "HMAC-SHA256",
            "colonne": schema.COLONNE_PSEUDONYME,
            "empreinte_cle": empreinte_cle(cle_info.valeur),
            "nouvelle_cle": cle_info.creee,
        },
        "rejets": bilan,
    }
    rapport[CLE_COUVERTURE] = couverture_tables(tables, couverture_extraits)

    ecritures.attendre()
    rejets = (pd.concat(rejets_tables, ignore_index=True) if rejets_tables
              else pd.DataFrame({c: pd.Series(dtype="string") for c in COLONNES_REJETS}))
    # Like every CSV output: « ; », UTF-8 with BOM (French Excel), formula-like text made inert.
    _ecrire(destination / FICHIER_REJETS,
            textes_surs(rejets).to_csv(sep=";", index=False, lineterminator="\r\n").encode("utf-8-sig"))
    _ecrire(destination / FICHIER_RAPPORT_IMPORT,
            (json.dumps(rapport, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    _ecrire(destination / FICHIER_RAPPORT_MD, rapport_markdown(rapport, rejets).encode("utf-8"))
    return rapport


def _avertissements_radiations(table: str, ecarts: dict[str, dict]) -> list[str]:
    """Warnings for the strike-off rows set aside and the lease dates taken from the strike-off date."""
    messages = []
    for nom, info in ecarts.items():
        if info["ecartees"]:
            detail = ", ".join(f"{motif} : {n}" for motif, n in info["ecartees"].items())
            messages.append(
                f"{table} : {nom} est un extrait de radiations ; {sum(info['ecartees'].values())} radiation(s) "
                f"pour un autre motif que l'attribution écartée(s), non rejetée(s) ({detail}).")
        if info["dates_bail_completees"]:
            messages.append(
                f"{table} : {nom} : {info['dates_bail_completees']} date(s) de bail absente(s) remplacée(s) par la "
                "date de radiation (hypothèse : la radiation pour attribution suit la signature du bail).")
    return messages


def _nombre(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def rapport_markdown(rapport: dict, rejets: pd.DataFrame) -> str:
    """French, human-readable import report (Markdown).

    Parameters
    ----------
    rapport : dict
        Import report (as returned by :func:`importer`).
    rejets : pandas.DataFrame
        Rejections (``fichier, ligne, colonne, valeur, motif``).

    Returns
    -------
    str
    """
    lignes = ["# Rapport d'import", ""]
    if rapport["donnees_fictives"]:
        lignes += ["> **Données fictives** : ces tables ont été générées pour la démonstration ; "
                   "elles ne décrivent aucun ménage réel.", ""]
    if rapport.get("alerte_qualite"):
        lignes += [f"> **Alerte qualité des données** : {rapport['alerte_qualite']}", ""]
    territoire = rapport["territoire"]
    lignes += [f"Territoire : {territoire['nom']} (SIREN {territoire['siren']}).", "",
               "## Lignes lues, conservées et rejetées", "",
               "| Table | Fichiers | Lues | Conservées | Rejetées | Mises à jour | Lignes de la table |",
               "|---|---|---:|---:|---:|---:|---:|"]
    for table, info in rapport["fichiers"].items():
        lignes.append(
            f"| {table} | {', '.join(info['sources'])} | {_nombre(info['lus'])} | {_nombre(info['conserves'])} "
            f"| {_nombre(info['rejetes'])} | {_nombre(info['mis_a_jour'])} | {_nombre(info['lignes_table'])} |"
        )
    lignes += ["", "Pour chaque fichier, lignes lues = conservées + rejetées. Quand plusieurs extraits "
               "contiennent le même identifiant, le plus récent (dernier dans l'ordre des noms) "
               "remplace les précédents (« mises à jour »).", ""]
    lignes += ["## Avertissements", ""]
    lignes += [f"- {a}" for a in rapport["avertissements"]] or ["Aucun."]
    lignes += ["", "## Rejets", ""]
    if rejets.empty:
        lignes.append("Aucune ligne rejetée.")
    else:
        lignes += [f"Détail ligne par ligne : `{FICHIER_REJETS}` (fichier, ligne, colonne, valeur, motif).", "",
                   "| Fichier | Colonne | Problèmes |", "|---|---|---:|"]
        comptes = rejets.groupby(["fichier", "colonne"], sort=True).size()
        for (fichier, colonne), n in comptes.items():
            lignes.append(f"| {fichier} | {colonne or '(ligne entière)'} | {_nombre(int(n))} |")
        bilan = rapport.get("rejets") or {}
        lignes += ["", "| Table | Colonne | Motif | Problèmes | Valeurs les plus fréquentes |", "|---|---|---|---:|---|"]
        for table, info in (bilan.get("par_table") or {}).items():
            for g in info["motifs"]:
                valeurs = ", ".join(f"« {v} » ({n})" for v, n in g["valeurs_frequentes"]).replace("|", "\\|")
                lignes.append(f"| {table} | {g['colonne'] or '(ligne entière)'} | {g['motif']} "
                              f"| {_nombre(g['nombre'])} | {valeurs} |")
        if bilan.get("correspondance_a_ajouter"):
            lignes += ["", "Libellés inconnus : lignes à ajouter au fichier de correspondance (`--correspondance`), "
                       "en remplaçant `À_COMPLÉTER` par la valeur canonique :", "", "```yaml",
                       *bilan["correspondance_a_ajouter"], "```"]
    if rapport.get("fichiers_ignores"):
        lignes += ["", "## Fichiers ignorés", ""]
        lignes += [f"- `{f['fichier']}` : {f['raison']}." for f in rapport["fichiers_ignores"]]
    pseudo = rapport["pseudonymisation"]
    lignes += ["", "## Pseudonymisation", "",
               f"Les numéros uniques SNE sont remplacés par `{pseudo['colonne']}`, empreinte "
               f"{pseudo['algorithme']} calculée avec une clé secrète (empreinte publique de la clé : "
               f"`{pseudo['empreinte_cle']}`). Les colonnes personnelles (noms, adresses, dates de "
               "naissance, téléphone, courriel, NIR…) ne sont jamais écrites.", ""]
    return "\n".join(lignes)
