"""Cell converters: text (or typed Arrow) cells to dates, numbers, booleans and categories.

Each converter is pure (a Series in, typed values and a mask of unreadable cells out).
On long columns the work is done once per distinct value (:func:`_distinctes`,
:func:`_etaler`), since the same text repeats across a national extract.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from .normalisation import normaliser_colonne, normaliser_valeur

VRAI = frozenset({"oui", "o", "1", "vrai", "true", "x"})
FAUX = frozenset({"non", "n", "0", "faux", "false"})


def _vide(s: pd.Series) -> pd.Series:
    return s.isna() | (s.fillna("").str.strip() == "")



def _distinctes(s: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes and distinct values of a text column (missing value last, code ``len - 1``).

    Converting the distinct values then spreading them back with
    :func:`_etaler` gives the same result as converting every cell, much faster on a
    national extract where the same text repeats (dates, categories, booleans).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    tableau = pa.array(s.astype("string").array)
    if isinstance(tableau, pa.ChunkedArray):
        tableau = tableau.combine_chunks()
    encode = pc.dictionary_encode(tableau.cast(pa.string()))
    n = len(encode.dictionary)
    codes = pc.fill_null(encode.indices, n).to_numpy(zero_copy_only=False).astype(np.intp)
    valeurs = pd.Series(pd.array(encode.dictionary.to_pylist() + [pd.NA], dtype="string"))
    return codes, valeurs



def _etaler(resultat: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Spread the result computed on the distinct values back to every cell (same dtype)."""
    return pd.Series(resultat.array.take(codes), index=index, dtype=resultat.dtype)


_SEUIL_DISTINCTES = 1000
"""Above this many cells, conversions work on the distinct values (see :func:`_distinctes`)."""


def convertir_dates(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse ``JJ/MM/AAAA`` or ``AAAA-MM-JJ`` dates (a trailing time of day is ignored).

    Returns
    -------
    (pandas.Series of datetime64[ns], pandas.Series of bool)
        The dates (NaT when empty or invalid) and a mask of non-empty unreadable cells.

    Examples
    --------
    >>> import pandas as pd
    >>> d, err = convertir_dates(pd.Series(["31/01/2025", "2025-01-31", "", "31/02/2025"], dtype="string"))
    >>> [str(x.date()) if pd.notna(x) else None for x in d], err.tolist()
    (['2025-01-31', '2025-01-31', None, None], [False, False, False, True])
    """
    if len(s) > _SEUIL_DISTINCTES:
        codes, distinctes = _distinctes(s)
        if len(distinctes) < len(s) // 2:
            dates, erreurs = _convertir_dates(distinctes)
            return _etaler(dates, codes, s.index), _etaler(erreurs, codes, s.index)
    return _convertir_dates(s)



_HEURE = r"[ T]([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$"
"""A time of day after a date (hours 0-23, minutes and seconds 0-59)."""


def _convertir_dates(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    # a trailing time of day is ignored only when it is a real one (``25:99`` makes the cell unreadable)
    texte = s.fillna("").str.strip().str.replace(_HEURE, "", regex=True)
    resultat = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    fr = texte.str.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}")
    iso = texte.str.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}")
    if fr.any():
        resultat[fr] = _en_ns(pd.to_datetime(texte[fr], format="%d/%m/%Y", errors="coerce"))
    if iso.any():
        resultat[iso] = _en_ns(pd.to_datetime(texte[iso], format="%Y-%m-%d", errors="coerce"))
    erreurs = ~_vide(s) & resultat.isna()
    return resultat, erreurs.astype(bool)



def _en_ns(dates: pd.Series) -> pd.Series:
    """Dates as datetime64[ns]; those outside its range (years before 1677, after 2262) are NaT
    (unreadable) instead of an overflow error."""
    dedans = (dates >= pd.Timestamp.min) & (dates <= pd.Timestamp.max)
    return dates.where(dedans).astype("datetime64[ns]")


_NOMBRE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def lire_nombre(texte: str) -> float | None:
    """Read a number written the French or the English way; None if unreadable.

    Spaces (including non-breaking ones) and a ``€`` sign are ignored; a comma is a
    decimal comma unless a point follows it.

    Examples
    --------
    >>> lire_nombre("1 234,50"), lire_nombre("1234.5"), lire_nombre("1.234,5"), lire_nombre("abc")
    (1234.5, 1234.5, 1234.5, None)
    """
    t = re.sub(r"[\s\u00a0\u202f€]", "", texte)
    if "," in t and "." in t:
        t = t.replace(".", "").replace(",", ".") if t.rfind(",") > t.rfind(".") else t.replace(",", "")
    else:
        t = t.replace(",", ".")
    return float(t) if _NOMBRE.fullmatch(t) else None



LIMITE_NOMBRE = 1e15
"""Largest magnitude read as a number: beyond it (20-digit codes, rows of nines) the cell is rejected
instead of being stored as infinity or as an overflowing integer."""

MOTIF_NOMBRE = "nombre illisible"
MOTIF_ENTIER = "nombre entier attendu"
MOTIF_HORS_LIMITES = "nombre hors limites (plus de 15 chiffres) : valeur refusée plutôt que tronquée"
MOTIF_AMBIGU = ("nombre ambigu : le point ou la virgule peut séparer les milliers ou les décimales et la "
                "colonne ne permet pas de trancher ; écrivez-le sans séparateur de milliers (ex. 1234 ou 1,234)")

_MILLIERS_POINT = r"[+-]?\d{1,3}(\.\d{3})+"
_MILLIERS_VIRGULE = r"[+-]?\d{1,3}(,\d{3})+"


def _correspond(valeurs: pd.Series, motif: str) -> np.ndarray:
    """Whether each text matches ``motif`` entirely (pyarrow's RE2: fast on millions of values)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    tableau = pa.array(valeurs.astype("string").array)
    if isinstance(tableau, pa.ChunkedArray):
        tableau = tableau.combine_chunks()
    trouve = pc.match_substring_regex(tableau.cast(pa.string()), f"^(?:{motif})$")
    return pc.fill_null(trouve, False).to_numpy(zero_copy_only=False).astype(bool)


def convention_decimale(distinctes: pd.Series) -> str | None:
    """Decimal separator a number column uses: ``","``, ``"."``, or None (no evidence, or both).

    Evidence is a value that can only be read one way: ``1200,50`` or ``1.234,5`` (comma), ``1234.5``
    or ``1,234.5`` (point). Values such as ``1.234`` or ``1,234`` (one to three digits then groups of
    three) are no evidence: they are what needs a convention.

    Examples
    --------
    >>> import pandas as pd
    >>> convention_decimale(pd.Series(["1200,50", "1.234", "3"])), convention_decimale(pd.Series(["1.234"]))
    (',', None)
    """
    t = distinctes.fillna("").astype(str).str.replace(r"[\s\u00a0\u202f€]", "", regex=True)
    virgule, point = t.str.rfind(","), t.str.rfind(".")
    ambigus = t.str.fullmatch(_MILLIERS_POINT) | t.str.fullmatch(_MILLIERS_VIRGULE)
    preuve_virgule = bool(((virgule > point) & ~ambigus).any())
    preuve_point = bool(((point > virgule) & ~ambigus).any())
    if preuve_virgule == preuve_point:
        return None
    return "," if preuve_virgule else "."


def convertir_nombres(s: pd.Series, entier: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse numbers (decimal comma or point); integers must have no fractional part.

    Returns
    -------
    (pandas.Series of Float64 or Int64, pandas.Series of bool)
        Values (NA when empty or invalid) and a mask of non-empty unreadable cells (see
        :func:`convertir_nombres_motifs` for the reason of each).
    """
    valeurs, motifs = convertir_nombres_motifs(s, entier)
    return valeurs, motifs.notna().astype(bool)


def convertir_nombres_motifs(s: pd.Series, entier: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse numbers and give the French reason of every unreadable cell.

    ``1.234`` and ``1,234`` are read from the column's convention (:func:`convention_decimale`:
    in a column using decimal commas, the point separates thousands, and the other way round);
    without a convention they are rejected as ambiguous, never guessed. Magnitudes of
    :data:`LIMITE_NOMBRE` or more are rejected (never infinity, never an overflowed integer).

    Returns
    -------
    (pandas.Series of Float64 or Int64, pandas.Series of string)
        Values (NA when empty or invalid) and the reason (NA when the cell is empty or read).

    Examples
    --------
    >>> import pandas as pd
    >>> v, m = convertir_nombres_motifs(pd.Series(["1200,5", "1.234", "9" * 400, ""], dtype="string"))
    >>> v.tolist(), m.isna().tolist()
    ([1200.5, 1234.0, <NA>, <NA>], [True, True, False, True])
    """
    texte = s.fillna("").str.strip()
    codes, uniques = pd.factorize(texte)
    distinctes = pd.Series(uniques, dtype="string")
    ambigus_point = _correspond(distinctes, _MILLIERS_POINT)
    ambigus_virgule = _correspond(distinctes, _MILLIERS_VIRGULE)
    # the column's convention is only needed (and only computed) when a value is ambiguous
    convention = convention_decimale(distinctes) if (ambigus_point.any() or ambigus_virgule.any()) else None
    # Plain numbers ("1234.5", "-3") are read by pyarrow (correctly rounded, like float());
    # the others (decimal comma, spaces, €…) one by one by lire_nombre.
    simples = _correspond(distinctes, r"-?[0-9]{1,15}(\.[0-9]{1,15})?") & ~ambigus_point
    lus = np.full(len(distinctes), np.nan)
    motifs = np.full(len(distinctes), None, dtype=object)
    if simples.any():
        lus[simples] = distinctes[simples].astype("float64").to_numpy()
    for i in np.flatnonzero(~simples):
        v = distinctes.iat[i]
        if v == "":
            continue
        if ambigus_point[i] or ambigus_virgule[i]:
            separateur = "." if ambigus_point[i] else ","
            if convention is None:
                motifs[i] = MOTIF_AMBIGU
                continue
            # the other separator than the column's decimal one separates thousands
            nombre = lire_nombre(v.replace(separateur, "")) if convention != separateur else lire_nombre(v)
        else:
            nombre = lire_nombre(v)
        if nombre is None:
            motifs[i] = MOTIF_NOMBRE
        else:
            lus[i] = nombre
    trop = ~np.isnan(lus) & ~(np.abs(lus) < LIMITE_NOMBRE)
    motifs[trop] = MOTIF_HORS_LIMITES
    lus[trop] = np.nan
    if entier:
        fraction = ~np.isnan(lus) & (lus != np.round(lus))
        motifs[fraction] = MOTIF_ENTIER
        lus[fraction] = np.nan
    manquants = np.isnan(lus)
    lus[manquants] = 0.0
    valeurs = pd.Series(pd.arrays.FloatingArray(lus[codes], manquants[codes]), index=s.index)
    if entier:
        valeurs = valeurs.round(0).astype("Int64")
    motifs_cellules = pd.Series(pd.array(motifs, dtype="string").take(codes), index=s.index)
    return valeurs, motifs_cellules



def convertir_parts(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse shares written ``0,30``, ``0.3`` or ``30 %`` (a trailing ``%`` divides by 100).

    Returns
    -------
    (pandas.Series of Float64, pandas.Series of bool)
        Shares (NA when empty or invalid) and a mask of non-empty unreadable cells.

    Examples
    --------
    >>> v, e = convertir_parts(pd.Series(["0,30", "30 %", "12,5%", "", "beaucoup"], dtype="string"))
    >>> [None if pd.isna(x) else round(float(x), 4) for x in v], e.tolist()
    ([0.3, 0.3, 0.125, None, None], [False, False, False, False, True])
    """
    texte = s.fillna("").str.strip()
    pourcent = texte.str.endswith("%").fillna(False).astype(bool)
    valeurs, erreurs = convertir_nombres(texte.str.rstrip("%").str.strip())
    valeurs = valeurs.where(~pourcent, valeurs / 100)
    return valeurs.astype("Float64"), erreurs



def convertir_booleens(s: pd.Series) -> tuple[pd.Series, pd.Series, bool]:
    """Parse booleans: ``oui/non``, ``o/n``, ``1/0``, ``vrai/faux``, ``true/false``, ``x``/empty.

    When every non-empty cell of the column is ``x``, empty cells mean ``non`` (the
    "tick" convention); otherwise an empty cell is a missing value.

    Returns
    -------
    (pandas.Series of boolean, pandas.Series of bool, bool)
        Values, mask of unreadable cells, and whether the ``x``/empty convention was used.

    Examples
    --------
    >>> import pandas as pd
    >>> v, err, coche = convertir_booleens(pd.Series(["Oui", "n", "", "peut-être"], dtype="string"))
    >>> v.tolist(), err.tolist(), coche
    ([True, False, <NA>, <NA>], [False, False, False, True], False)
    """
    codes, distinctes = _distinctes(s)
    texte = pd.Series([normaliser_valeur(v) for v in distinctes.fillna("")], dtype="object")
    presentes = set(texte) - {""}  # every distinct value occurs (the missing one folds to "")
    coche = bool(presentes) and presentes == {"x"}
    valeurs = pd.Series(pd.NA, index=texte.index, dtype="boolean")
    valeurs[texte.isin(VRAI)] = True
    valeurs[texte.isin(FAUX)] = False
    if coche:
        valeurs[texte == ""] = False
    erreurs = ((texte != "") & valeurs.isna()).astype("boolean")
    return (_etaler(valeurs, codes, s.index), _etaler(erreurs, codes, s.index).astype(bool), coche)



def convertir_categories(s: pd.Series, permises: tuple[str, ...]) -> pd.Series:
    """Canonical spelling of categories compared folded (``Action Logement`` -> ``action_logement``).

    Unknown values are left as written (the schema then rejects them).
    """
    pliees = {normaliser_colonne(v): v for v in permises}
    codes, distinctes = _distinctes(s)
    texte = distinctes.fillna("").str.strip()
    resultat = pd.Series([pliees.get(normaliser_colonne(v), v) for v in texte], dtype="string")
    return _etaler(resultat.mask(texte == "").astype("string"), codes, s.index)


_DATE_MIN, _DATE_MAX = dt.date(1678, 1, 1), dt.date(2261, 12, 31)
"""Dates read directly from a typed column (datetime64[ns] range, four-digit years)."""


def convertir_arrow(s: pd.Series, type_: str):
    """Typed values of a Parquet column kept in its Arrow type, without going through text.

    Gives what :func:`cia_lib.entrees.typage.typer_colonnes` would give from
    :func:`cia_lib.entrees.lecture_parquet.en_texte` of the column (same values, same
    unreadable cells), or None when the column must go
    through text (other type, or values whose text form the readers treat specially:
    non-finite or huge numbers, numbers written with an exponent, dates out of range).

    Parameters
    ----------
    s : pandas.Series of pandas.ArrowDtype
    type_ : str
        Logical type (``date``, ``nombre``, ``entier``, ``booleen``…).

    Returns
    -------
    (pandas.Series, pandas.Series of bool) or None
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    tableau = pa.array(s.array)
    if isinstance(tableau, pa.ChunkedArray):
        tableau = tableau.combine_chunks()
    t = tableau.type
    aucune = pd.Series(False, index=s.index, dtype=bool)
    if type_ == "date" and pa.types.is_date(t):
        bornes = pc.min_max(tableau.cast(pa.date32())).as_py()
        if bornes["min"] is not None and (bornes["min"] < _DATE_MIN or bornes["max"] > _DATE_MAX):
            return None
        jours = tableau.cast(pa.date32()).cast(pa.int32()).to_numpy(zero_copy_only=False)
        manquants = tableau.is_null().to_numpy(zero_copy_only=False)
        valeurs = np.where(manquants, 0, np.nan_to_num(jours)).astype("int64").astype("datetime64[D]")
        valeurs = valeurs.astype("datetime64[ns]")
        valeurs[manquants] = np.datetime64("NaT")
        return pd.Series(valeurs, index=s.index, dtype="datetime64[ns]"), aucune
    if type_ == "booleen" and pa.types.is_boolean(t):
        return pd.Series(pd.array(tableau.to_pandas(), dtype="boolean"), index=s.index), aucune
    if type_ in ("nombre", "entier") and (pa.types.is_integer(t) or pa.types.is_floating(t)):
        flottants = tableau.cast(pa.float64(), safe=False)
        manquants = flottants.is_null().to_numpy(zero_copy_only=False)
        lus = pc.fill_null(flottants, 0.0).to_numpy(zero_copy_only=False).astype("float64", copy=True)
        if (np.abs(lus) >= LIMITE_NOMBRE).any():
            return None  # out of bounds: rejected through the text, with its reason
        if pa.types.is_floating(t):
            absolus = np.abs(lus)
            entiers = lus == np.round(lus)
            # text form of these floats: "inf", "nan", exponents, or an overflowing cast to integer
            # pyarrow writes a fraction with an exponent outside [1e-6, 1e10) ("1.5e+10")
            if not np.isfinite(lus).all() or (entiers & (absolus >= 1e15)).any() or (
                    ~entiers & ((absolus < 1e-6) | (absolus >= 1e10))).any():
                return None
            lus[entiers & (lus == 0)] = 0.0  # "-0" is read as 0
        valeurs = pd.Series(pd.arrays.FloatingArray(lus, manquants.copy()), index=s.index)
        erreurs = aucune
        if type_ == "entier":
            fraction = (valeurs.notna() & (valeurs != valeurs.round(0))).fillna(False)
            erreurs = fraction.astype(bool)
            valeurs = valeurs.mask(fraction).round(0).astype("Int64")
        return valeurs, erreurs
    return None
