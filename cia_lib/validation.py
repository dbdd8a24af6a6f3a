"""Row-level typing and validation of the canonical tables (pandera schemas from :mod:`schema`).

Two steps, both pure (DataFrames in, DataFrames out):

1. :func:`typer_colonnes` converts the text cells of a source file to typed values
   (dates ``JJ/MM/AAAA`` or ISO, decimal comma or point, booleans ``oui/non``…) and notes
   every cell it cannot read;
2. :func:`schema_pandera` builds the row-level rules (required values, allowed categories,
   communes of the territory, bailleurs and aliases, household and OPS bounds, identifiers
   unique within an extract) as a :class:`pandera.DataFrameSchema`; :func:`valider`
   runs it lazily and turns every failure into a French rejection reason.

A row with at least one problem is rejected as a whole; each problem gives one line of the
rejects file (file, line, column, value, reason).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from . import schema
from .config import Territoire
from .lecture import COLONNE_LIGNE, TableSource, en_texte, normaliser_colonne, normaliser_valeur

COLONNES_REJETS = ["fichier", "ligne", "colonne", "valeur", "motif"]
VALEUR_MASQUEE = "(masquée)"
"""Shown instead of a raw demand number in the rejects file: it must never leave the import."""

VRAI = frozenset({"oui", "o", "1", "vrai", "true", "x"})
FAUX = frozenset({"non", "n", "0", "faux", "false"})

CLES_UNICITE = {
    "attributions": ("id_attribution",),
    "demandes": ("date_extraction", "numero_unique"),
    "residences": ("id_residence",),
    "ops": ("annee_ops", "id_residence"),
}
"""Columns identifying a row: unique within one extract, the latest extract wins across extracts."""

PARTS_OPS = (
    "nb_menages_ress_inf_20", "nb_menages_ress_inf_40", "nb_menages_ress_inf_60",
    "nb_familles_monoparentales", "nb_familles_nombreuses", "nb_titulaires_65_plus",
    "nb_menages_apl", "nb_emmenages_recents",
)
"""OPS counts that are a part of the surveyed households (0 ≤ part ≤ nb_menages)."""

_POSITIFS = {
    "ressources_mensuelles", "age_titulaire", "nb_moins_14", "nb_logements", "nb_menages",
    "nb_adultes", "nb_adultes_sans_emploi", *PARTS_OPS,
}


# --------------------------------------------------------------------------- cell conversion


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


def doublons(donnees: pd.DataFrame, cles: list[str], keep="first") -> np.ndarray:
    """Rows whose key repeats: ``donnees.duplicated(cles, keep=keep).to_numpy()``, faster.

    Each key column is encoded as integer codes (missing values equal to each other, as in
    pandas), then the combined codes go through pandas' integer hash table.

    Parameters
    ----------
    donnees : pandas.DataFrame
    cles : list of str
        Key columns.
    keep : {"first", "last", False}
        As in :meth:`pandas.DataFrame.duplicated`.

    Returns
    -------
    numpy.ndarray of bool
    """
    codes = np.zeros(len(donnees), dtype=np.int64)
    for rang, cle in enumerate(cles):
        indices, distinctes = pd.factorize(donnees[cle], use_na_sentinel=True)
        taille = len(distinctes) + 1
        indices = np.where(indices < 0, taille - 1, indices).astype(np.int64)  # missing: one more code
        codes = codes * taille + indices
        if rang < len(cles) - 1:  # keep the codes small for the next key
            codes = pd.factorize(codes)[0].astype(np.int64)
    return pd.Series(codes).duplicated(keep=keep).to_numpy()


def dans(valeurs) -> callable:
    """A function ``Series -> bool Series``: each cell in ``valeurs`` (text).

    Same as ``s.isin(valeurs)`` (a missing cell is not in it), by :func:`pyarrow.compute.is_in`:
    pandas converts every allowed value to a pyarrow scalar in Python at each call.

    Parameters
    ----------
    valeurs : iterable of str

    Returns
    -------
    callable
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    ensemble = pa.array(sorted(valeurs), type=pa.string())

    def verifier(s: pd.Series) -> pd.Series:
        tableau = pa.array(s.astype("string").array)
        dedans = pc.is_in(tableau, value_set=ensemble, skip_nulls=True)
        return pd.Series(pc.fill_null(dedans, False).to_numpy(zero_copy_only=False), index=s.index, dtype=bool)

    return verifier


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


def _convertir_dates(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    texte = s.fillna("").str.strip().str.replace(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "", regex=True)
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


def convertir_nombres(s: pd.Series, entier: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse numbers (decimal comma or point); integers must have no fractional part.

    Returns
    -------
    (pandas.Series of Float64 or Int64, pandas.Series of bool)
        Values (NA when empty or invalid) and a mask of non-empty unreadable cells.
    """
    texte = s.fillna("").str.strip()
    codes, uniques = pd.factorize(texte)
    distinctes = pd.Series(uniques, dtype="string")
    # Plain numbers ("1234.5", "-3") are read by pyarrow (correctly rounded, like float());
    # the others (decimal comma, spaces, €…) one by one by lire_nombre.
    simples = distinctes.str.fullmatch(r"-?[0-9]{1,15}(\.[0-9]{1,15})?").to_numpy(dtype=bool, na_value=False)
    lus = np.full(len(distinctes), np.nan)
    if simples.any():
        lus[simples] = distinctes[simples].astype("float64").to_numpy()
    for i in np.flatnonzero(~simples):
        v = distinctes.iat[i]
        nombre = lire_nombre(v) if v != "" else None
        if nombre is not None:
            lus[i] = nombre
    manquants = np.isnan(lus)
    lus[manquants] = 0.0
    valeurs = pd.Series(pd.arrays.FloatingArray(lus[codes], manquants[codes]), index=s.index)
    erreurs = (texte != "") & valeurs.isna()
    if entier:
        fraction = valeurs.notna() & (valeurs != valeurs.round(0))
        erreurs = erreurs | fraction.fillna(False)
        valeurs = valeurs.mask(fraction.fillna(False)).round(0).astype("Int64")
    return valeurs, erreurs.astype(bool)


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

    Gives what :func:`typer_colonnes` would give from :func:`cia_lib.lecture.en_texte` of
    the column (same values, same unreadable cells), or None when the column must go
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


@dataclass
class TableTypee:
    """Typed canonical columns of one source file with its conversion problems.

    Attributes
    ----------
    donnees : pandas.DataFrame
        Canonical columns (processed dtypes; ``numero_unique`` still raw) plus ``__ligne__``.
    brut : pandas.DataFrame
        The source cells (same index), used to report raw values (text, or typed Arrow
        columns shown through :func:`cia_lib.lecture.en_texte`).
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
        Output of :func:`cia_lib.lecture.appliquer_correspondance` (strings, or typed Arrow
        columns read directly by :func:`convertir_arrow`, + ``__ligne__``).

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
                     "nombre": "nombre illisible", "entier": "nombre entier attendu"}.get(col.type)
        elif col.type == "date":
            valeurs, err = convertir_dates(s)
            motif = "date illisible : format JJ/MM/AAAA ou AAAA-MM-JJ attendu"
        elif col.type in ("nombre", "entier"):
            valeurs, err = convertir_nombres(s, entier=col.type == "entier")
            motif = "nombre entier attendu" if col.type == "entier" else "nombre illisible"
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


# --------------------------------------------------------------------------- pandera schema


def _sans_na(resultat: pd.Series) -> pd.Series:
    """A check result where NA (one operand missing) counts as passing."""
    return resultat.astype("boolean").fillna(True).astype(bool)


def bailleurs_canoniques(s: pd.Series, territoire: Territoire) -> pd.Series:
    """Canonical bailleur name of each cell (missing when unknown), computed once per distinct name.

    Parameters
    ----------
    s : pandas.Series
        Bailleur names or aliases as written.
    territoire : Territoire

    Returns
    -------
    pandas.Series of string
        Same values as ``s.map(territoire.bailleur_canonique)``, same index.
    """
    codes, distinctes = _distinctes(s.astype("string"))
    noms = distinctes.map(territoire.bailleur_canonique).astype("string")
    return _etaler(noms, codes, s.index)


def schema_pandera(table: str, territoire: Territoire) -> pa.DataFrameSchema:
    """Row-level rules of ``table`` as a pandera schema (built from :mod:`cia_lib.schema`).

    Check names (``Check.name``) are keys understood by :func:`motifs_rejet`:
    ``categorie``, ``commune``, ``bailleur``, ``positif``, ``au_moins_un``, ``latitude``,
    ``longitude``, ``moins_14``, ``part:<col>``, ``ordre:<col>``, ``sans_emploi``,
    ``doublon``.

    Parameters
    ----------
    table : str
    territoire : Territoire
        Communes and bailleurs (with aliases) allowed.

    Returns
    -------
    pandera.DataFrameSchema
    """
    dans_communes = dans(territoire.communes)
    colonnes = {}
    for col in schema.colonnes(table):
        checks = []
        if col.type == "categorie":
            checks.append(pa.Check(dans(col.valeurs), name="categorie"))
        if col.type == "commune":
            checks.append(pa.Check(dans_communes, name="commune"))
        if col.nom == "bailleur":
            checks.append(pa.Check(lambda s: bailleurs_canoniques(s, territoire).notna(), name="bailleur"))
        if col.nom == "nb_personnes":
            checks.append(pa.Check(lambda s: s >= 1, name="au_moins_un"))
        elif col.nom in _POSITIFS:
            checks.append(pa.Check(lambda s: s >= 0, name="positif"))
        if col.nom == "latitude":
            checks.append(pa.Check(lambda s: s.between(-90, 90), name="latitude"))
        if col.nom == "longitude":
            checks.append(pa.Check(lambda s: s.between(-180, 180), name="longitude"))
        colonnes[col.nom] = pa.Column(schema.DTYPES[col.type], checks=checks, nullable=not col.requise)

    noms = {c.nom for c in schema.colonnes(table)}
    checks_table = []
    if {"nb_moins_14", "nb_personnes"} <= noms:
        checks_table.append(pa.Check(
            # a household of 0 persons is already rejected by "au_moins_un"
            lambda d: _sans_na((d["nb_moins_14"] < d["nb_personnes"]) | (d["nb_personnes"] < 1)), name="moins_14"
        ))
    if table == "ops":
        for part in PARTS_OPS:
            checks_table.append(
                pa.Check(lambda d, p=part: _sans_na(d[p] <= d["nb_menages"]), name=f"part:{part}")
            )
        seuils = ("nb_menages_ress_inf_20", "nb_menages_ress_inf_40", "nb_menages_ress_inf_60")
        for bas, haut in zip(seuils, seuils[1:]):
            checks_table.append(
                pa.Check(lambda d, b=bas, h=haut: _sans_na(d[b] <= d[h]), name=f"ordre:{bas}")
            )
        checks_table.append(
            pa.Check(lambda d: _sans_na(d["nb_adultes_sans_emploi"] <= d["nb_adultes"]), name="sans_emploi")
        )
    cles = list(CLES_UNICITE[table])
    checks_table.append(
        pa.Check(lambda d: pd.Series(~doublons(d, cles, keep=False), index=d.index) | d[cles].isna().any(axis=1),
                 name="doublon")
    )
    return pa.DataFrameSchema(colonnes, checks=checks_table, strict=False, ordered=False)


def _textes(serie: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else str(v) for v in serie]


def motifs_rejet(table: str, check: str, colonne: str | None, lignes: pd.DataFrame) -> tuple[str, list[str]]:
    """French reasons and blamed column for the rows failing one pandera check.

    Parameters
    ----------
    table : str
    check : str
        Check name (see :func:`schema_pandera`) or pandera's ``not_nullable``.
    colonne : str or None
        Column reported by pandera (None or any for table-wide checks).
    lignes : pandas.DataFrame
        The failing rows (typed), with ``__ligne__`` and, for ``doublon``, ``__doublons__``
        (line numbers of all the occurrences).

    Returns
    -------
    (str, list of str)
        Blamed column and one reason per row.
    """
    n = len(lignes)
    if check == "not_nullable":
        return colonne, ["valeur obligatoire manquante"] * n
    if check == "categorie":
        permises = next(c.valeurs for c in schema.colonnes(table) if c.nom == colonne)
        return colonne, [f"valeur non autorisée (valeurs possibles : {', '.join(permises)})"] * n
    if check == "commune":
        bien_formes = lignes[colonne].fillna("").str.fullmatch(r"[0-9][0-9AB][0-9]{3}")
        return colonne, ["commune hors territoire" if ok else
                         "code INSEE invalide : 5 caractères attendus (ex. 01004, 2A004)" for ok in bien_formes]
    constants = {
        "bailleur": "bailleur inconnu du territoire (ni nom ni alias de la configuration)",
        "au_moins_un": "le ménage doit compter au moins 1 personne",
        "positif": "valeur négative",
        "latitude": "latitude hors des bornes WGS84",
        "longitude": "longitude hors des bornes WGS84",
    }
    if check in constants:
        return colonne, [constants[check]] * n
    if check == "moins_14":
        return "nb_moins_14", [f"nb_moins_14 ({a}) doit être inférieur à nb_personnes ({b})"
                               for a, b in zip(_textes(lignes["nb_moins_14"]), _textes(lignes["nb_personnes"]))]
    if check.startswith("part:"):
        part = check.split(":", 1)[1]
        return part, [f"{part} ({a}) dépasse nb_menages ({b})"
                      for a, b in zip(_textes(lignes[part]), _textes(lignes["nb_menages"]))]
    if check.startswith("ordre:"):
        bas = check.split(":", 1)[1]
        haut = {"nb_menages_ress_inf_20": "nb_menages_ress_inf_40",
                "nb_menages_ress_inf_40": "nb_menages_ress_inf_60"}[bas]
        return bas, [f"{bas} ({a}) dépasse {haut} ({b}) : il faut inf_20 ≤ inf_40 ≤ inf_60"
                     for a, b in zip(_textes(lignes[bas]), _textes(lignes[haut]))]
    if check == "sans_emploi":
        return "nb_adultes_sans_emploi", [
            f"nb_adultes_sans_emploi ({a}) dépasse nb_adultes ({b})"
            for a, b in zip(_textes(lignes["nb_adultes_sans_emploi"]), _textes(lignes["nb_adultes"]))]
    if check == "doublon":
        autres = lignes["__doublons__"].tolist()
        if table == "demandes":
            return "numero_unique", [
                f"même demande en double pour la même date d'extraction dans cet extrait (lignes {a})" for a in autres]
        if table == "ops":
            return "id_residence", [
                f"résidence en double pour la même année OPS dans cet extrait (lignes {a})" for a in autres]
        cle = CLES_UNICITE[table][0]
        return cle, [f"identifiant {cle} en double dans le même extrait (lignes {a})" for a in autres]
    return colonne, [f"règle non respectée ({check})"] * n


def _lignes_doublons(table: str, donnees: pd.DataFrame) -> pd.Series:
    """For rows whose identifier repeats, the line numbers of all its occurrences ("2, 5")."""
    cles = list(CLES_UNICITE[table])
    doubles = donnees[donnees.duplicated(cles, keep=False) & donnees[cles].notna().all(axis=1)]
    if doubles.empty:
        return pd.Series(dtype=object)
    return doubles.groupby(cles, sort=False)[COLONNE_LIGNE].transform(
        lambda s: ", ".join(str(int(v)) for v in sorted(s)))


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


def valider(table: str, source: TableSource, territoire: Territoire) -> ResultatValidation:
    """Type and validate one mapped source file; split valid rows from rejected ones.

    Parameters
    ----------
    table : str
    source : cia_lib.lecture.TableSource
    territoire : Territoire

    Returns
    -------
    ResultatValidation
        With ``lus == conserves + rejetes`` (checked).
    """
    typee = typer_colonnes(table, source.donnees)
    donnees = typee.donnees
    problemes = [typee.erreurs.assign(ordre=0)]
    try:
        schema_pandera(table, territoire).validate(donnees, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cas = exc.failure_cases
        cas = cas[cas["index"].notna()]
        doublons = _lignes_doublons(table, donnees) if (cas["check"] == "doublon").any() else None
        for (check, colonne), groupe in cas.groupby(["check", cas["column"].fillna("")], sort=True):
            index = groupe["index"].astype(int).drop_duplicates().tolist()
            lignes = donnees.loc[index]
            if check == "doublon":
                lignes = lignes.assign(__doublons__=doublons.loc[index])
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
            "motif": [f"ligne mal formée : {k} champs, plus que les colonnes de l'en-tête"
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
