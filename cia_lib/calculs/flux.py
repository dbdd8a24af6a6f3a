"""The flux bilan (gestion en flux des réservations, CIA section II.3, R441-5 CCH, décret 2020-145).

Each réservataire holds a share of each bailleur's annual flux of let dwellings, set by a
convention per bailleur × réservataire × year (table ``conventions_flux``); what the listed
shares leave is the bailleur's own contingent (``bailleur``). Leases taken **out of the flux
first** are counted apart, by motive:

* ``mutation_interne``: the household already rents from the same bailleur;
* ``relogement_renouvellement``: rehousing for urban renewal (NPNRU/ANRU) or an ORCOD.

A lease with both is counted once, under ``mutation_interne``. A lease whose
``mutation_interne`` is unknown (column not filled) stays inside the flux and is counted in
``baux_mutation_interne_inconnue``, so that the reader knows the flux may be overstated.

Pure functions on the processed tables; nothing here masks (see
:func:`cia_lib.restitution.flux.masquer_bilan_flux`).
"""

from __future__ import annotations

import pandas as pd

from cia_lib.entrees.conventions import alertes_conventions
from cia_lib.erreurs import ErreurParametre
from cia_lib.territoire.parametres_flux import parametres_flux

from .indicateurs._communs import baux_signes

CONTINGENT_BAILLEUR = "bailleur"
"""The bailleur's own contingent: what the conventions' shares leave."""
MOTIFS_HORS_FLUX = ("mutation_interne", "relogement_renouvellement")
"""Motives of the leases taken out of the flux, in order of precedence."""
COLONNES_BILAN = (
    "bailleur", "reservataire", "baux_flux", "baux_flux_bailleur", "part_realisee", "part_convention",
    "baux_attendus", "ecart_baux", "baux_hors_flux_mutation_interne", "baux_hors_flux_relogement_renouvellement",
    "baux_mutation_interne_inconnue", "convention",
)
"""Columns of :func:`bilan_flux` (the CSV of ``cia flux``), in order."""

INCONNU = "non renseigné"
EN_QPV, HORS_QPV = "en QPV", "hors QPV"
DIMENSIONS = ("typologie", "financement", "qpv", "commune", "periode_construction")
"""Breakdowns the bailleurs' bilans give (décret 2020-145), in the order shown."""
LIBELLES_DIMENSIONS = {
    "typologie": "Typologie", "financement": "Financement", "qpv": "QPV / hors QPV",
    "commune": "Commune", "periode_construction": "Période de construction",
}
_TOLERANCE = 1e-9
_DECIMALES = 9


def _vrai(serie: pd.Series) -> pd.Series:
    return serie.astype("boolean").fillna(False).astype(bool)


def motif_hors_flux(baux: pd.DataFrame) -> pd.Series:
    """Why each lease is out of the flux (``mutation_interne``, ``relogement_renouvellement``), NA inside.

    Examples
    --------
    >>> b = pd.DataFrame({"mutation_interne": pd.array([True, False, None, True], dtype="boolean"),
    ...                   "relogement_renouvellement": pd.array([False, True, False, True], dtype="boolean")})
    >>> motif_hors_flux(b).tolist()
    ['mutation_interne', 'relogement_renouvellement', <NA>, 'mutation_interne']
    """
    motif = pd.Series(pd.NA, index=baux.index, dtype="string")
    for nom in reversed(MOTIFS_HORS_FLUX):  # the first motive wins
        if nom in baux.columns:
            motif = motif.mask(_vrai(baux[nom]), nom)
    return motif


def baux_de_l_annee(attributions: pd.DataFrame, annee: int) -> pd.DataFrame:
    """Leases signed in ``annee`` (by ``date_bail``) with their ``hors_flux`` motive (NA inside the flux)."""
    baux = baux_signes(attributions, pd.Timestamp(int(annee), 1, 1).date(), pd.Timestamp(int(annee), 12, 31).date())
    return baux.assign(hors_flux=motif_hors_flux(baux))


def conventions_de_l_annee(conventions: pd.DataFrame | None, annee: int) -> pd.DataFrame:
    """The conventions of ``annee`` (empty when none), checked: shares in [0, 1], summing to at most 1.

    Raises
    ------
    ErreurParametre
        A share out of [0, 1], shares of one bailleur summing above 1, or a repeated convention
        (the import already rejects those rows; this guards direct callers).
    """
    colonnes = ["bailleur", "reservataire", "annee", "part_flux"]
    if conventions is None:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(colonnes, ["object", "object", "Int64", "Float64"])})
    c = conventions.loc[conventions["annee"] == int(annee), colonnes].reset_index(drop=True)
    parts = c["part_flux"].astype("float64")
    if ((parts < 0) | (parts > 1)).any():
        raise ErreurParametre(f"conventions_flux {annee} : une part du flux est hors de [0, 1].")
    if c.duplicated(["bailleur", "reservataire"]).any():
        raise ErreurParametre(f"conventions_flux {annee} : une convention bailleur × réservataire est en double.")
    sommes = parts.groupby(c["bailleur"]).sum()
    depasse = sommes[sommes > 1 + _TOLERANCE]
    if not depasse.empty:
        raise ErreurParametre(
            f"conventions_flux {annee} : les parts de {', '.join(map(str, depasse.index))} dépassent 100 % du flux.")
    return c


def bilan_flux(attributions: pd.DataFrame, conventions: pd.DataFrame | None, annee: int) -> pd.DataFrame:
    """The flux bilan of ``annee``: one row per bailleur × réservataire.

    Rows: every bailleur with a lease signed in the year or a convention for the year; for
    each, every réservataire with a lease inside the flux or a convention, and always the
    bailleur's own contingent (``bailleur``).

    Parameters
    ----------
    attributions : pandas.DataFrame
        Processed ``attributions`` (canonical bailleur names).
    conventions : pandas.DataFrame or None
        Processed ``conventions_flux`` (None: no convention known, every share is missing).
    annee : int

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLONNES_BILAN`:

        * ``baux_flux``: leases of the bailleur on that contingent inside the flux;
        * ``baux_flux_bailleur``: the bailleur's leases inside the flux (all contingents);
        * ``part_realisee`` = ``baux_flux`` ÷ ``baux_flux_bailleur`` (NA when the latter is 0);
        * ``part_convention``: the convention's share; for ``bailleur``, 1 − the listed shares;
          NA when the bailleur has no convention for the year;
        * ``baux_attendus`` = ``part_convention`` × ``baux_flux_bailleur``;
        * ``ecart_baux`` = ``baux_flux`` − ``baux_attendus`` (NA without convention);
        * ``baux_hors_flux_<motif>``: leases of that contingent taken out of the flux;
        * ``baux_mutation_interne_inconnue``: leases inside the flux whose ``mutation_interne`` is unknown;
        * ``convention``: whether the bailleur has conventions for the year.

    Raises
    ------
    ErreurParametre
        Invalid conventions (see :func:`conventions_de_l_annee`).

    Examples
    --------
    >>> a = pd.DataFrame({"date_bail": pd.to_datetime(["2025-02-01"] * 4 + ["2025-05-01"]),
    ...                   "bailleur": ["B"] * 5, "reservataire": ["etat", "etat", "bailleur", "bailleur", "etat"],
    ...                   "mutation_interne": pd.array([False, False, False, False, True], dtype="boolean"),
    ...                   "relogement_renouvellement": pd.array([False] * 5, dtype="boolean")})
    >>> c = pd.DataFrame({"bailleur": ["B"], "reservataire": ["etat"], "annee": [2025], "part_flux": [0.25]})
    >>> b = bilan_flux(a, c, 2025)
    >>> b[["reservataire", "baux_flux", "part_realisee", "part_convention", "ecart_baux"]].values.tolist()
    [['bailleur', 2, 0.5, 0.75, -1.0], ['etat', 2, 0.5, 0.25, 1.0]]
    >>> b["baux_hors_flux_mutation_interne"].tolist()
    [0, 1]
    """
    baux = baux_de_l_annee(attributions, annee)
    conv = conventions_de_l_annee(conventions, annee)
    dans_flux = baux["hors_flux"].isna()
    inconnue = baux["mutation_interne"].isna() if "mutation_interne" in baux.columns else pd.Series(True, baux.index)

    cles = ["bailleur", "reservataire"]
    comptes = pd.DataFrame({
        "bailleur": baux["bailleur"].astype(object), "reservataire": baux["reservataire"].astype(object),
        "baux_flux": dans_flux.astype(int),
        **{f"baux_hors_flux_{m}": (baux["hors_flux"] == m).fillna(False).astype(int) for m in MOTIFS_HORS_FLUX},
        "baux_mutation_interne_inconnue": (dans_flux & inconnue).astype(int),
    }).groupby(cles, as_index=False).sum()

    bailleurs = sorted(set(comptes["bailleur"]) | set(conv["bailleur"].astype(object)))
    paires = set(zip(comptes["bailleur"], comptes["reservataire"]))
    paires |= set(zip(conv["bailleur"].astype(object), conv["reservataire"].astype(object)))
    paires |= {(b, CONTINGENT_BAILLEUR) for b in bailleurs}
    bilan = pd.DataFrame(sorted(paires), columns=cles)
    if bilan.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COLONNES_BILAN})
    bilan = bilan.merge(comptes, on=cles, how="left")
    compteurs = [c for c in comptes.columns if c not in cles]
    bilan[compteurs] = bilan[compteurs].fillna(0).astype("int64")
    bilan["baux_flux_bailleur"] = bilan.groupby("bailleur")["baux_flux"].transform("sum").astype("int64")

    avec_convention = set(conv["bailleur"].astype(object))
    parts = conv.assign(part_convention=conv["part_flux"].astype("float64"))[[*cles, "part_convention"]]
    bilan = bilan.merge(parts, on=cles, how="left")
    bilan["convention"] = bilan["bailleur"].isin(avec_convention)
    reste = 1 - conv.assign(p=conv["part_flux"].astype("float64")).groupby("bailleur")["p"].sum()
    propre = bilan["reservataire"] == CONTINGENT_BAILLEUR
    bilan.loc[propre, "part_convention"] = bilan.loc[propre, "bailleur"].map(reste).astype("float64")
    # A bailleur with conventions and a contingent it did not list: that contingent's share is 0.
    bilan.loc[bilan["convention"] & bilan["part_convention"].isna(), "part_convention"] = 0.0
    bilan["part_convention"] = bilan["part_convention"].astype("Float64").round(_DECIMALES)  # 1 - 0.77: no float noise

    total = bilan["baux_flux_bailleur"].astype("Float64")
    bilan["part_realisee"] = (bilan["baux_flux"] / total).where(total > 0).astype("Float64")
    bilan["baux_attendus"] = (bilan["part_convention"] * total).astype("Float64").round(_DECIMALES)
    bilan["ecart_baux"] = (bilan["baux_flux"] - bilan["baux_attendus"]).astype("Float64")
    return bilan[list(COLONNES_BILAN)].reset_index(drop=True)


def synthese_epci(bilan: pd.DataFrame) -> pd.DataFrame:
    """The EPCI summary per réservataire of a :func:`bilan_flux` table.

    Returns
    -------
    pandas.DataFrame
        One row per réservataire: ``baux_flux`` (all bailleurs), ``part_realisee`` (of the
        EPCI's flux), ``baux_flux_conventionnes`` (bailleurs with conventions only),
        ``baux_attendus``, ``part_convention`` (expected ÷ the flux of the bailleurs with
        conventions), ``ecart_baux`` (conventioned leases − expected), the leases out of the
        flux by motive.

    Examples
    --------
    >>> b = pd.DataFrame({"bailleur": ["A", "A", "B"], "reservataire": ["bailleur", "etat", "etat"],
    ...                   "baux_flux": [6, 4, 5], "baux_flux_bailleur": [10, 10, 5], "convention": [True, True, False],
    ...                   "baux_attendus": [7.0, 3.0, None], "baux_hors_flux_mutation_interne": [1, 0, 0],
    ...                   "baux_hors_flux_relogement_renouvellement": [0, 0, 2], "baux_mutation_interne_inconnue": [0, 0, 0]})
    >>> s = synthese_epci(b)
    >>> s[["reservataire", "baux_flux", "part_realisee", "baux_flux_conventionnes", "part_convention", "ecart_baux"]].values.tolist()
    [['bailleur', 6, 0.4, 6, 0.7, -1.0], ['etat', 9, 0.6, 4, 0.3, 1.0]]
    """
    b = bilan.assign(baux_flux_conventionnes=bilan["baux_flux"].where(bilan["convention"], 0))
    hors = [c for c in b.columns if c.startswith("baux_hors_flux_")] + ["baux_mutation_interne_inconnue"]
    s = b.groupby("reservataire", as_index=False, sort=True).agg(
        baux_flux=("baux_flux", "sum"), baux_flux_conventionnes=("baux_flux_conventionnes", "sum"),
        baux_attendus=("baux_attendus", lambda x: x.astype("Float64").sum(min_count=1)),
        **{c: (c, "sum") for c in hors})
    totaux = b.drop_duplicates("bailleur")
    total_flux = int(totaux["baux_flux_bailleur"].sum())
    total_conventionne = int(totaux.loc[totaux["convention"], "baux_flux_bailleur"].sum())
    s["part_realisee"] = (s["baux_flux"] / total_flux if total_flux else pd.NA)
    s["part_realisee"] = s["part_realisee"].astype("Float64")
    s["baux_attendus"] = s["baux_attendus"].astype("Float64")
    s["part_convention"] = (s["baux_attendus"] / total_conventionne if total_conventionne else pd.NA)
    s["part_convention"] = s["part_convention"].astype("Float64")
    s["ecart_baux"] = (s["baux_flux_conventionnes"] - s["baux_attendus"]).astype("Float64")
    for c in ("baux_flux", "baux_flux_conventionnes", *hors):
        s[c] = s[c].astype("int64")
    return s[["reservataire", "baux_flux", "part_realisee", "baux_flux_conventionnes", "baux_attendus",
              "part_convention", "ecart_baux", *hors]]


def periode_construction(annees: pd.Series) -> pd.Series:
    """Construction period label of each first-letting year (the periods of ``config/flux.yaml``).

    Examples
    --------
    >>> periode_construction(pd.Series([1948, 1949, 2014, 2015, None], dtype="Int64")).tolist()
    ['avant 1949', '1949-1974', '2005-2014', '2015 et après', 'non renseigné']
    """
    a = annees.astype("Float64")
    sortie = pd.Series(INCONNU, index=annees.index, dtype="string")
    for bas, haut, libelle in parametres_flux().periodes_construction:
        dedans = a.notna()
        if bas is not None:
            dedans &= a >= bas
        if haut is not None:
            dedans &= a <= haut
        sortie = sortie.mask(dedans.fillna(False).astype(bool), libelle)
    return sortie


def modalites(baux: pd.DataFrame, dimension: str, residences: pd.DataFrame | None = None,
              communes: dict[str, str] | None = None) -> pd.Series:
    """The modality of each lease along one breakdown of :data:`DIMENSIONS`.

    ``qpv`` reads the dwelling's ``code_qpv`` (empty = hors QPV); ``periode_construction`` the
    residence's ``annee_mise_en_service`` (``non renseigné`` without residence or year);
    ``commune`` gives the commune's name when ``communes`` maps codes to names.
    """
    if dimension == "typologie":
        return baux["typologie"].astype("string").fillna(INCONNU)
    if dimension == "financement":
        return baux["financement"].astype("string").fillna(INCONNU) if "financement" in baux else \
            pd.Series(INCONNU, index=baux.index, dtype="string")
    if dimension == "qpv":
        qpv = baux["code_qpv"].astype("string").str.strip()
        return pd.Series((qpv.notna() & (qpv != "")).fillna(False).map({True: EN_QPV, False: HORS_QPV}),
                         index=baux.index, dtype="string")
    if dimension == "commune":
        code = baux["code_commune"].astype("string")
        return code.map(communes).astype("string").fillna(code) if communes else code
    if dimension == "periode_construction":
        if residences is None or residences.empty:
            return pd.Series(INCONNU, index=baux.index, dtype="string")
        annee = baux["id_residence"].map(residences.drop_duplicates("id_residence").set_index("id_residence")[
            "annee_mise_en_service"])
        return periode_construction(pd.Series(annee, index=baux.index).astype("Float64"))
    raise ErreurParametre(f"répartition inconnue : {dimension!r} (possibles : {', '.join(DIMENSIONS)}).")


def repartition_flux(attributions: pd.DataFrame, annee: int, dimension: str, residences: pd.DataFrame | None = None,
                     communes: dict[str, str] | None = None, bailleur: str | None = None) -> pd.DataFrame:
    """Leases inside the flux of ``annee`` by modality of ``dimension`` (rows) and réservataire (columns).

    Parameters
    ----------
    attributions : pandas.DataFrame
    annee : int
    dimension : str
        One of :data:`DIMENSIONS`.
    residences : pandas.DataFrame, optional
        For ``periode_construction``.
    communes : dict, optional
        Code → name, for ``commune``.
    bailleur : str, optional
        One bailleur only (default: every bailleur of the EPCI).

    Returns
    -------
    pandas.DataFrame
        Column ``modalite``, one column per réservataire present, ``total``; modalities sorted.
    """
    baux = baux_de_l_annee(attributions, annee)
    baux = baux[baux["hors_flux"].isna()]
    if bailleur is not None:
        baux = baux[baux["bailleur"] == bailleur]
    if baux.empty:
        return pd.DataFrame({"modalite": pd.Series(dtype="string"), "total": pd.Series(dtype="int64")})
    table = pd.crosstab(modalites(baux, dimension, residences, communes).to_numpy(),
                        baux["reservataire"].astype(object).to_numpy())
    table.columns = [str(c) for c in table.columns]
    table["total"] = table.sum(axis=1)
    table = table.rename_axis("modalite").reset_index()
    if dimension == "periode_construction":
        ordre = {lib: i for i, (_, _, lib) in enumerate(parametres_flux().periodes_construction)}
        table = table.sort_values("modalite", key=lambda s: s.map(ordre).fillna(len(ordre))).reset_index(drop=True)
    return table.astype({c: "int64" for c in table.columns if c != "modalite"})


def notes_bilan(attributions: pd.DataFrame, conventions: pd.DataFrame | None, annee: int,
                effectif=str) -> list[str]:
    """What the reader of the flux bilan must know about its inputs (French sentences).

    Missing conventions, bailleurs without convention, leases whose ``mutation_interne`` or
    ``financement`` is unknown, État shares above the R441-5 ceilings.

    Parameters
    ----------
    attributions, conventions, annee
        As for :func:`bilan_flux`.
    effectif : callable, default str
        Writes a count of leases (the restitution passes one that withholds small counts).
    """
    bilan = bilan_flux(attributions, conventions, annee)
    notes = []
    conv = conventions_de_l_annee(conventions, annee)
    if conventions is None:
        notes.append("Aucun fichier conventions_flux : les parts conventionnelles et les écarts ne sont pas calculés.")
    elif conv.empty:
        notes.append(f"Aucune convention de flux pour {annee} : les parts conventionnelles et les écarts ne sont "
                     "pas calculés.")
    sans = sorted(set(bilan.loc[~bilan["convention"].astype(bool), "bailleur"]))
    if sans and not conv.empty:
        notes.append(f"Bailleur(s) sans convention de flux pour {annee} (part et écart non calculés) : {', '.join(sans)}.")
    inconnues = int(bilan["baux_mutation_interne_inconnue"].sum()) if not bilan.empty else 0
    if inconnues:
        notes.append(f"{effectif(inconnues)} bail(aux) sans indication de mutation interne comptés dans le flux : le flux peut "
                     "être surestimé des mutations dans le parc du bailleur.")
    baux = baux_de_l_annee(attributions, annee)
    if "financement" in baux.columns and baux["financement"].isna().any():
        notes.append(f"{effectif(int(baux['financement'].isna().sum()))} bail(aux) sans financement renseigné "
                     f"(« {INCONNU} »).")
    notes += alertes_conventions(conv)
    return notes
