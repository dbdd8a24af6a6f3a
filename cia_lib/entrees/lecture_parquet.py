"""Reading a Parquet source file, and turning typed Arrow columns into the text a CSV export writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cia_lib.erreurs import ErreurFichier

from .fichier_brut import COLONNE_LIGNE, FichierBrut, _plier_entetes


def texte_arrow(colonne):
    """Text of a Parquet (Arrow) column, the way a CSV export writes it, trimmed.

    Dates ``AAAA-MM-JJ`` (a time of day other than midnight is kept), booleans
    ``true``/``false``, numbers without a spurious ``.0``, missing values as empty cells.

    Parameters
    ----------
    colonne : pyarrow.Array or pyarrow.ChunkedArray

    Returns
    -------
    pyarrow.Array or pyarrow.ChunkedArray of string
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    type_ = colonne.type
    if pa.types.is_dictionary(type_):
        colonne = colonne.cast(type_.value_type)
        type_ = colonne.type
    if pa.types.is_timestamp(type_):
        jours = pc.cast(colonne, pa.date32())
        minuit = pc.all(pc.equal(pc.cast(jours, type_), colonne)).as_py()
        texte = (pc.cast(jours, pa.string()) if minuit in (True, None)
                 else pc.strftime(colonne, format="%Y-%m-%d %H:%M:%S"))
    elif pa.types.is_date(type_):
        texte = pc.cast(colonne, pa.string())  # ISO AAAA-MM-JJ
    elif pa.types.is_floating(type_):
        entiers = pc.equal(colonne, pc.round(colonne))
        texte = pc.if_else(entiers, pc.cast(pc.cast(colonne, pa.int64(), safe=False), pa.string()),
                           pc.cast(colonne, pa.string()))
    else:
        texte = pc.cast(colonne, pa.string())
    return pc.utf8_trim_whitespace(pc.fill_null(texte, ""))



def _serie_texte(texte) -> pd.Series:
    import pyarrow as pa

    return pd.Series(texte.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get), dtype="string")



def en_texte(s: pd.Series) -> pd.Series:
    """A column of a source file as text: typed Parquet cells written as :func:`texte_arrow` does.

    Parameters
    ----------
    s : pandas.Series
        Text column, or a typed column kept by :func:`lire_parquet` (``typee=True``).

    Returns
    -------
    pandas.Series of string
        Same index.
    """
    if isinstance(s.dtype, pd.ArrowDtype):
        import pyarrow as pa

        texte = _serie_texte(texte_arrow(pa.array(s.array)))
        texte.index = s.index
        texte.name = s.name
        return texte
    return s.astype("string")



def _type_conserve(type_) -> bool:
    """Arrow types kept as they are by ``lire_parquet(typee=True)``: dates, numbers, booleans."""
    import pyarrow as pa

    return (pa.types.is_date(type_) or pa.types.is_integer(type_) or pa.types.is_floating(type_)
            or pa.types.is_boolean(type_))



def lire_parquet(fichier: Path, nom: str | None = None, typee: bool = False) -> FichierBrut:
    """Read a Parquet source file as text, like a CSV (vectorised: no loop over rows).

    Each column is turned into text the way a CSV export writes it (see
    :func:`texte_arrow`). Row numbers (``__ligne__``) count the data rows from 1, since a
    Parquet file has no header line.

    Parameters
    ----------
    fichier : pathlib.Path
    nom : str, optional
        Name used in messages (default: the file name).
    typee : bool
        Keep the date, number and boolean columns in their Arrow type (``pandas.ArrowDtype``)
        instead of text: :func:`cia_lib.entrees.typage.typer_colonnes` reads them directly, with
        the same result as from their text (:func:`en_texte` gives that text when needed).

    Raises
    ------
    ErreurFichier
        Unreadable file, no column, or no row.
    """
    import pyarrow as pa  # imported lazily: only needed for Parquet sources
    import pyarrow.parquet as pq

    nom = nom or fichier.name
    try:
        table = pq.read_table(fichier)
    except (OSError, pa.ArrowException):
        raise ErreurFichier(nom, "fichier Parquet illisible (fichier tronqué, corrompu ou d'un autre format).") \
            from None
    if table.num_columns == 0:
        raise ErreurFichier(nom, "fichier vide : aucune colonne.")
    if table.num_rows == 0:
        raise ErreurFichier(nom, "fichier vide : aucune ligne de données.")
    entetes = [str(c).strip() for c in table.column_names]
    plies = _plier_entetes(nom, entetes)
    colonnes = {}
    for pli, colonne in zip(plies, table.columns):
        if typee and _type_conserve(colonne.type):
            colonnes[pli] = pd.Series(pd.arrays.ArrowExtensionArray(colonne.combine_chunks()))
        else:
            colonnes[pli] = _serie_texte(texte_arrow(colonne))
    lignes = pd.DataFrame(colonnes)
    lignes[COLONNE_LIGNE] = pd.array(range(1, table.num_rows + 1), dtype="Int64")
    return FichierBrut(fichier, nom, entetes, lignes, [])
