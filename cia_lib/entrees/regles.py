"""Row-level rules of the canonical tables as pandera schemas, and the French reason of each failure.

:func:`schema_pandera` builds the rules (required values, allowed categories, communes of
the territory, bailleurs and aliases, household and OPS bounds, identifiers unique within
an extract); :func:`motifs_rejet` turns the rows failing one rule into rejection reasons.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pandera.pandas as pa

from cia_lib.territoire.config import Territoire

from . import schema
from .conversion import _distinctes, _etaler
from .unicite import CLES_UNICITE, doublons

PARTS_OPS = (
    "nb_menages_ress_inf_20", "nb_menages_ress_inf_40", "nb_menages_ress_inf_60",
    "nb_familles_monoparentales", "nb_familles_nombreuses", "nb_titulaires_65_plus",
    "nb_menages_apl", "nb_emmenages_recents",
)
"""OPS counts that are a part of the surveyed households (0 ≤ part ≤ nb_menages)."""

ORDRES_DATES = {
    "attributions": (("date_decision", "date_bail", "la date du bail est antérieure à la décision"),
                     ("date_depot", "date_decision", "la date de dépôt est postérieure à la décision")),
    "demandes": (("date_depot", "date_extraction", "la date de dépôt est postérieure à la date d'extraction"),),
}
"""Impossible orders of dates, per table: (earlier, later, reason); the row is rejected, the
reason blames the first column of the pair whose value is out of order (see :func:`motifs_rejet`)."""


_POSITIFS = {
    "ressources_mensuelles", "age_titulaire", "nb_moins_14", "nb_logements", "nb_menages",
    "nb_adultes", "nb_adultes_sans_emploi", *PARTS_OPS,
}


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



SOMME_PARTS_MAX = 1.0
"""The shares of one bailleur's flux for one year add up to at most its whole flux."""
_TOLERANCE_PARTS = 1e-9


def somme_parts_depassee(conventions: pd.DataFrame, territoire: Territoire) -> pd.Series:
    """Rows of a flux convention table whose bailleur × year shares add up to more than 1.

    Bailleurs are compared by canonical name (an alias and its name are the same bailleur).

    Parameters
    ----------
    conventions : pandas.DataFrame
        Columns ``bailleur``, ``annee``, ``part_flux`` (typed).
    territoire : Territoire

    Returns
    -------
    pandas.Series of bool
        True for every row of a bailleur × year whose shares sum above 1 (missing shares count 0).
    """
    return (sommes_parts(conventions, territoire) > SOMME_PARTS_MAX + _TOLERANCE_PARTS).astype(bool)


def sommes_parts(conventions: pd.DataFrame, territoire: Territoire) -> pd.Series:
    """For each convention row, the sum of the shares of its bailleur (canonical name) for its year.

    Returns
    -------
    pandas.Series of float
        Same index; missing shares count 0.
    """
    canon = bailleurs_canoniques(conventions["bailleur"], territoire).fillna(conventions["bailleur"])
    parts = pd.to_numeric(conventions["part_flux"], errors="coerce").astype("float64").fillna(0.0)
    return parts.groupby([canon.fillna(""), conventions["annee"].fillna(-1)]).transform("sum")



def cles_canoniques(table: str, donnees: pd.DataFrame, territoire: Territoire) -> pd.DataFrame:
    """``donnees`` with the bailleur made canonical when it is part of the table's key (flux conventions:
    ``HI`` and ``Habitat Imaginaire`` are the same bailleur), unchanged otherwise."""
    if "bailleur" not in CLES_UNICITE[table]:
        return donnees
    return donnees.assign(bailleur=bailleurs_canoniques(donnees["bailleur"], territoire).fillna(donnees["bailleur"]))



def schema_pandera(table: str, territoire: Territoire, aujourdhui: dt.date | None = None) -> pa.DataFrameSchema:
    """Row-level rules of ``table`` as a pandera schema (built from :mod:`cia_lib.entrees.schema`).

    Check names (``Check.name``) are keys understood by :func:`motifs_rejet`:
    ``categorie``, ``commune``, ``bailleur``, ``positif``, ``au_moins_un``, ``latitude``,
    ``longitude``, ``moins_14``, ``part:<col>``, ``ordre:<col>``, ``sans_emploi``,
    ``doublon``, ``futur`` (a date after ``aujourdhui``), ``dates:<n>`` (the n-th pair of
    :data:`ORDRES_DATES`).

    Parameters
    ----------
    table : str
    territoire : Territoire
        Communes and bailleurs (with aliases) allowed.
    aujourdhui : datetime.date, optional
        Date of the import (default today): no date of an extract may come after it.

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
        if col.type == "date":
            limite = pd.Timestamp(aujourdhui or dt.date.today())
            checks.append(pa.Check(lambda s, lim=limite: (s <= lim) | s.isna(), name="futur"))
        if col.type == "part":
            checks.append(pa.Check(lambda s: s.between(0, 1), name="part_bornes"))
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
    for rang, (avant, apres, _) in enumerate(ORDRES_DATES.get(table, ())):
        checks_table.append(
            pa.Check(lambda d, a=avant, b=apres: (d[a] <= d[b]) | d[a].isna() | d[b].isna(), name=f"dates:{rang}")
        )
    if table == "conventions_flux":
        checks_table.append(pa.Check(lambda d: ~somme_parts_depassee(d, territoire), name="somme_parts"))
    cles = list(CLES_UNICITE[table])
    checks_table.append(
        pa.Check(lambda d: pd.Series(~doublons(cles_canoniques(table, d, territoire), cles, keep=False), index=d.index)
                 | d[cles].isna().any(axis=1), name="doublon")
    )
    return pa.DataFrameSchema(colonnes, checks=checks_table, strict=False, ordered=False)



def _date(valeur) -> str:
    return valeur.strftime("%d/%m/%Y") if pd.notna(valeur) else ""


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
        (line numbers of all the occurrences); for ``somme_parts``, ``__bailleur__`` and ``__somme__``.

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
        "part_bornes": "part hors de [0, 1] : écrivez 0,30 ou 30 %",
    }
    if check in constants:
        return colonne, [constants[check]] * n
    if check == "futur":
        return colonne, ["date postérieure à la date de l'import : impossible dans un extrait"] * n
    if check.startswith("dates:"):
        avant, apres, motif = ORDRES_DATES[table][int(check.split(":", 1)[1])]
        fautive = apres if avant == "date_decision" else avant
        return fautive, [f"{motif} ({avant} {_date(a)}, {apres} {_date(b)})"
                         for a, b in zip(lignes[avant], lignes[apres])]
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
    if check == "somme_parts":  # rows carry __bailleur__ (canonical) and __somme__ (see validation.valider)
        return "part_flux", [
            f"les parts du flux de {b} en {a} totalisent {round(100 * t, 1):g} % : plus que le flux du "
            "bailleur (100 %)".replace(".", ",")
            for b, a, t in zip(_textes(lignes["__bailleur__"]), _textes(lignes["annee"]), lignes["__somme__"])]
    if check == "doublon":
        if table == "conventions_flux":
            return "reservataire", [
                f"convention en double pour ce bailleur, ce réservataire et cette année (lignes {a})"
                for a in lignes["__doublons__"].tolist()]
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
