"""Tables shared by the reports of a run: each EPCI's rows of the processed data, split once.

In a multi-EPCI run every EPCI's notebooks receive the processed folder of all the EPCIs and
keep their own rows (:func:`cia_lib.restitution.contexte.ouvrir_contexte`): on national data,
every notebook would read the whole country (2.6 million demands) to keep a thousand rows.
:func:`repartir_par_epci` reads each table once per run, writes each EPCI's rows to a folder
of its own (same columns, types and row order, same ``rapport_import.json``) and the runner
gives that folder to the EPCI's notebooks; the tables they see are the same (the restriction
of ``ouvrir_contexte`` still applies, and keeps every row of an already restricted table).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from cia_lib.entrees import schema
from cia_lib.entrees.donnees import COLONNES_COMMUNE, FICHIER_RAPPORT_IMPORT


def repartir_par_epci(donnees: Path, communes: dict[str, tuple[str, ...]], dossier: Path) -> dict[str, Path]:
    """Write each EPCI's rows of the processed tables of ``donnees`` under ``dossier/<SIREN>/``.

    Parameters
    ----------
    donnees : pathlib.Path
        Processed folder covering every EPCI.
    communes : dict
        SIREN → commune codes of the EPCI (no commune in two EPCIs).
    dossier : pathlib.Path
        Folder receiving one processed folder per EPCI (created).

    Returns
    -------
    dict
        SIREN → processed folder of the EPCI: attributions, demands and residences of its
        communes (:data:`~cia_lib.entrees.donnees.COLONNES_COMMUNE`), OPS rows of those
        residences, in the order of ``donnees``; the import report copied unchanged.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    sirens = list(communes)
    rang_commune = {code: rang for rang, siren in enumerate(sirens) for code in communes[siren]}
    sorties = {siren: Path(dossier) / siren for siren in sirens}
    for chemin in sorties.values():
        chemin.mkdir(parents=True, exist_ok=True)
    ids_residences: dict[str, pa.Array] = {}
    for nom in schema.NOMS_TABLES:
        table = pq.read_table(Path(donnees) / f"{nom}.parquet")
        if nom in COLONNES_COMMUNE:
            codes = pc.dictionary_encode(table[COLONNES_COMMUNE[nom]]).combine_chunks()
            rangs = np.array([rang_commune.get(c, -1) for c in codes.dictionary.to_pylist()] + [-1], dtype=np.int64)
            indices = codes.indices.fill_null(len(codes.dictionary)).to_numpy(zero_copy_only=False)
            epci = rangs[indices]
            ordre = np.argsort(epci, kind="stable")  # rows of each EPCI together, in their order
            bornes = np.searchsorted(epci[ordre], np.arange(len(sirens) + 1))
            triee = table.take(pa.array(ordre[bornes[0]:]))  # rows of no EPCI of the run left out
            bornes = bornes - bornes[0]
            for rang, siren in enumerate(sirens):
                partie = triee.slice(bornes[rang], bornes[rang + 1] - bornes[rang])
                pq.write_table(partie, sorties[siren] / f"{nom}.parquet")
                if nom == "residences":
                    ids_residences[siren] = partie["id_residence"].combine_chunks()
        else:  # OPS rows follow their residence
            for siren in sirens:
                garder = pc.is_in(table["id_residence"], value_set=ids_residences[siren])
                pq.write_table(table.filter(pc.fill_null(garder, False)), sorties[siren] / f"{nom}.parquet")
    for nom in schema.TABLES_FACULTATIVES:  # not by commune (flux conventions: per bailleur): copied whole
        if (Path(donnees) / f"{nom}.parquet").exists():
            for chemin in sorties.values():
                shutil.copyfile(Path(donnees) / f"{nom}.parquet", chemin / f"{nom}.parquet")
    rapport = Path(donnees) / FICHIER_RAPPORT_IMPORT
    if rapport.exists():
        for chemin in sorties.values():
            shutil.copyfile(rapport, chemin / FICHIER_RAPPORT_IMPORT)
    return sorties
