"""Validation of one mapped source file: valid rows split from rejected ones, with their reasons.

:func:`valider` runs the two pure steps (DataFrames in, DataFrames out) and assembles the
rejects:

1. :func:`cia_lib.entrees.typage.typer_colonnes` converts the text cells to typed values
   (converters in :mod:`cia_lib.entrees.conversion`: dates ``JJ/MM/AAAA`` or ISO, decimal
   comma or point, booleans ``oui/non``…) and notes every cell it cannot read;
2. :func:`cia_lib.entrees.regles.schema_pandera` builds the row-level rules as a
   :class:`pandera.DataFrameSchema`, run lazily; every failure becomes a French rejection
   reason (:func:`cia_lib.entrees.regles.motifs_rejet`; identifiers unique within an
   extract: :mod:`cia_lib.entrees.unicite`).

A row with at least one problem is rejected as a whole; each problem gives one line of the
rejects file (file, line, column, value, reason). This module also re-exports the public
names of those modules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from cia_lib.territoire.config import Territoire

from .conversion import (
    FAUX,
    VRAI,
    convertir_arrow,
    convertir_booleens,
    convertir_categories,
    convertir_dates,
    convertir_nombres,
    lire_nombre,
)
from .correspondance import TableSource
from .fichier_brut import COLONNE_LIGNE
from .lecture_parquet import en_texte
from .regles import (
    PARTS_OPS,
    bailleurs_canoniques,
    cles_canoniques,
    dans,
    motifs_rejet,
    schema_pandera,
    sommes_parts,
)
from .typage import TableTypee, typer_colonnes
from .unicite import CLES_UNICITE, _lignes_doublons, doublons

__all__ = [
    "CLES_UNICITE",
    "COLONNES_REJETS",
    "FAUX",
    "PARTS_OPS",
    "VALEUR_MASQUEE",
    "VRAI",
    "ResultatValidation",
    "TableTypee",
    "bailleurs_canoniques",
    "convertir_arrow",
    "convertir_booleens",
    "convertir_categories",
    "convertir_dates",
    "convertir_nombres",
    "dans",
    "doublons",
    "lire_nombre",
    "motifs_rejet",
    "schema_pandera",
    "typer_colonnes",
    "valider",
]

COLONNES_REJETS = ["fichier", "ligne", "colonne", "valeur", "motif"]
VALEUR_MASQUEE = "(masquée)"
"""Shown instead of a raw demand number in the rejects file: it must never leave the import."""


@dataclass
class ResultatValidation:
    """Valid rows and rejections of one source file.

    Attributes
    ----------
    valides : pandas.DataFrame
        Typed canonical columns (``numero_unique`` still raw, bailleur canonical) + ``__ligne__``.
    rejets : pandas.DataFrame
        Columns ``fichier, ligne, colonne, valeur, motif`` (demand numbers masked).
    lus, rejetes : int
        Rows read (including malformed ones) and rows rejected.
    colonnes_cochees : list of str
        Boolean columns read with the ``x``/empty convention.
    rangs : numpy.ndarray
        Position of each valid row among the rows of the source table (0 for the first).
    """

    valides: pd.DataFrame
    rejets: pd.DataFrame
    lus: int
    rejetes: int
    colonnes_cochees: list[str]
    rangs: np.ndarray

    @property
    def conserves(self) -> int:
        """Rows kept."""
        return len(self.valides)



def valider(table: str, source: TableSource, territoire: Territoire,
            aujourdhui: dt.date | None = None) -> ResultatValidation:
    """Type and validate one mapped source file; split valid rows from rejected ones.

    Parameters
    ----------
    table : str
    source : cia_lib.entrees.correspondance.TableSource
    territoire : Territoire
    aujourdhui : datetime.date, optional
        Date of the import (default today): later dates are rejected.

    Returns
    -------
    ResultatValidation
        With ``lus == conserves + rejetes`` (checked).
    """
    typee = typer_colonnes(table, source.donnees)
    donnees = typee.donnees
    problemes = [typee.erreurs.assign(ordre=0)]
    try:
        schema_pandera(table, territoire, aujourdhui).validate(donnees, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cas = exc.failure_cases
        cas = cas[cas["index"].notna()]
        doublons = (_lignes_doublons(table, cles_canoniques(table, donnees, territoire))
                    if (cas["check"] == "doublon").any() else None)
        for (check, colonne), groupe in cas.groupby(["check", cas["column"].fillna("")], sort=True):
            index = groupe["index"].astype(int).drop_duplicates().tolist()
            lignes = donnees.loc[index]
            if check == "doublon":
                lignes = lignes.assign(__doublons__=doublons.loc[index])
            elif check == "somme_parts":
                lignes = lignes.assign(__somme__=sommes_parts(donnees, territoire).loc[index],
                                       __bailleur__=bailleurs_canoniques(lignes["bailleur"], territoire))
            col, motifs = motifs_rejet(table, str(check), colonne or None, lignes)
            problemes.append(pd.DataFrame({"index": index, "colonne": col, "motif": motifs, "ordre": 1}))
    problemes = pd.concat(problemes, ignore_index=True)
    # A cell already unreadable is not reported again as "missing" by the schema.
    illisibles = set(zip(typee.erreurs["index"], typee.erreurs["colonne"]))
    garder = pd.Series([
        not (o == 1 and m == "valeur obligatoire manquante" and (i, c) in illisibles)
        for i, c, m, o in zip(problemes["index"], problemes["colonne"], problemes["motif"], problemes["ordre"])
    ], index=problemes.index, dtype=bool)
    problemes = problemes[garder].drop_duplicates(["index", "colonne", "motif"])

    index = problemes["index"].astype(int).tolist()
    colonnes = problemes["colonne"].astype(str).tolist()
    brut = typee.brut
    typees = [c for c in set(colonnes) if isinstance(brut[c].dtype, pd.ArrowDtype)]
    if typees:  # typed Parquet columns: report the cells as text, as from a CSV
        brut = brut.assign(**{c: en_texte(brut[c]) for c in typees})
    valeurs = [
        "" if pd.isna(v := brut.at[i, c]) or not str(v).strip()
        else (VALEUR_MASQUEE if c == "numero_unique" else str(v))
        for i, c in zip(index, colonnes)
    ]
    rejets = pd.DataFrame({
        "fichier": source.nom,
        "ligne": donnees.loc[index, COLONNE_LIGNE].astype("int64").tolist(),
        "colonne": colonnes,
        "valeur": valeurs,
        "motif": problemes["motif"].astype(str).tolist(),
    }, columns=COLONNES_REJETS)
    if source.lignes_mal_formees:
        mal = pd.DataFrame({
            "fichier": source.nom,
            "ligne": [n for n, _ in source.lignes_mal_formees],
            "colonne": "",
            "valeur": "",
            "motif": [f"ligne mal formée : {k} champs, plus que les colonnes de l'en-tête (séparateur dans une "
                      "valeur sans guillemets, par ex. une virgule décimale dans un fichier séparé par des virgules)"
                      for _, k in source.lignes_mal_formees],
        })
        rejets = pd.concat([rejets, mal], ignore_index=True)

    rejetees = set(problemes["index"])
    gardees = ~donnees.index.isin(rejetees)
    valides = donnees.loc[gardees].copy()
    if "bailleur" in valides.columns:
        valides["bailleur"] = bailleurs_canoniques(valides["bailleur"], territoire).astype("string")
    lus = len(donnees) + len(source.lignes_mal_formees)
    nb_rejetes = len(rejetees) + len(source.lignes_mal_formees)
    assert lus == len(valides) + nb_rejetes, "lignes lues ≠ conservées + rejetées"
    rejets["ligne"] = rejets["ligne"].astype("int64")
    rejets = rejets.sort_values(["ligne", "colonne", "motif"], kind="mergesort").reset_index(drop=True)
    return ResultatValidation(valides.reset_index(drop=True), rejets, lus, nb_rejetes, typee.colonnes_cochees,
                              np.flatnonzero(gardees))
