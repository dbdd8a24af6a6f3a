"""Typing the columns of a mapped source file with the cell converters, noting every unreadable cell."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import schema
from .conversion import (
    MOTIF_ENTIER,
    MOTIF_NOMBRE,
    convertir_arrow,
    convertir_booleens,
    convertir_categories,
    convertir_dates,
    convertir_nombres_motifs,
    convertir_parts,
)
from .fichier_brut import COLONNE_LIGNE
from .lecture_parquet import en_texte


@dataclass
class TableTypee:
    """Typed canonical columns of one source file with its conversion problems.

    Attributes
    ----------
    donnees : pandas.DataFrame
        Canonical columns (processed dtypes; ``numero_unique`` still raw) plus ``__ligne__``.
    brut : pandas.DataFrame
        The source cells (same index), used to report raw values (text, or typed Arrow
        columns shown through :func:`cia_lib.entrees.lecture_parquet.en_texte`).
    erreurs : pandas.DataFrame
        Unreadable cells: index, colonne, motif.
    colonnes_cochees : list of str
        Boolean columns read with the ``x``/empty convention.
    """

    donnees: pd.DataFrame
    brut: pd.DataFrame
    erreurs: pd.DataFrame
    colonnes_cochees: list[str]



def typer_colonnes(table: str, donnees: pd.DataFrame) -> TableTypee:
    """Convert the text cells of a mapped source file to the processed dtypes.

    Missing optional columns are added (empty, or their contract default); empty optional
    cells take the default (``nb_moins_14`` = 0, ``relogement_renouvellement`` = non…).

    Parameters
    ----------
    table : str
    donnees : pandas.DataFrame
        Output of :func:`cia_lib.entrees.correspondance.appliquer_correspondance` (strings, or typed Arrow
        columns read directly by :func:`cia_lib.entrees.conversion.convertir_arrow`, + ``__ligne__``).

    Returns
    -------
    TableTypee
    """
    sortie = {}
    erreurs = []
    cochees = []
    brut = donnees.copy(deep=False)  # columns added below never reach ``donnees``
    for col in schema.colonnes(table):
        deja = None
        if col.nom in donnees.columns:
            s = donnees[col.nom]
            if isinstance(s.dtype, pd.ArrowDtype):  # typed Parquet column (lire_parquet(typee=True))
                deja = convertir_arrow(s, col.type)
                if deja is None:
                    s = en_texte(s)
            s = s.astype("string") if deja is None else s
        else:
            s = pd.Series("", index=donnees.index, dtype="string")
            brut[col.nom] = s
        motif = None
        if deja is not None:
            valeurs, err = deja
            motif = {"date": "date illisible : format JJ/MM/AAAA ou AAAA-MM-JJ attendu",
                     "nombre": MOTIF_NOMBRE, "entier": MOTIF_ENTIER}.get(col.type)
        elif col.type == "date":
            valeurs, err = convertir_dates(s)
            motif = "date illisible : format JJ/MM/AAAA ou AAAA-MM-JJ attendu"
        elif col.type in ("nombre", "entier"):
            valeurs, motifs = convertir_nombres_motifs(s, entier=col.type == "entier")
            err = motifs.notna().to_numpy()
            motif = motifs[err]  # one reason per cell (unreadable, ambiguous, out of bounds)
        elif col.type == "part":
            valeurs, err = convertir_parts(s)
            motif = "part illisible : 0,30 ou 30 % attendu"
        elif col.type == "booleen":
            valeurs, err, coche = convertir_booleens(s)
            motif = "booléen illisible : oui/non, o/n, 1/0, vrai/faux, true/false ou x/vide attendu"
            if coche:
                cochees.append(col.nom)
        elif col.type == "categorie":
            valeurs, err = convertir_categories(s, col.valeurs), None
        else:
            texte = s.fillna("").str.strip()
            valeurs, err = texte.mask(texte == "").astype("string"), None
            if col.type == "commune" or col.nom == "code_qpv":
                valeurs = valeurs.str.upper()
        if err is not None and err.any():
            motif = motif.to_numpy(dtype=object) if isinstance(motif, pd.Series) else motif
            erreurs.append(pd.DataFrame({"index": donnees.index[err], "colonne": col.nom, "motif": motif}))
        if col.defaut is not None:
            valeurs = valeurs.fillna(col.defaut)
        sortie[col.nom] = valeurs.astype(schema.DTYPES[col.type])
    typee = pd.DataFrame(sortie, index=donnees.index)
    typee[COLONNE_LIGNE] = donnees[COLONNE_LIGNE]
    erreurs_df = (
        pd.concat(erreurs, ignore_index=True) if erreurs
        else pd.DataFrame({"index": pd.Series(dtype="int64"), "colonne": pd.Series(dtype="string"),
                           "motif": pd.Series(dtype="string")})
    )
    return TableTypee(typee, brut, erreurs_df, cochees)
