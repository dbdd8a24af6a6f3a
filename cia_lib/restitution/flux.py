"""The flux bilan for readers: statistical secrecy and the one entry point of the flux page and ``cia flux``.

:func:`publier_flux` computes the bilan (:mod:`cia_lib.calculs.flux`) and, in diffusion
mode, masks it with the helpers of :mod:`cia_lib.restitution.confidentialite`: it is the only
place that looks at the reading mode, so the notebook ``notebooks/flux.ipynb`` never branches
on it.

Masking: the leases of each count column (inside the flux, out of it by motive, unknown
internal mutation) form a bailleur × réservataire table whose rows add up to each bailleur's
total and whose columns add up to the EPCI's total per réservataire; it is masked by
:func:`~cia_lib.restitution.confidentialite.masquer_effectifs` (primary secret 1..seuil, and
secondary secret along the bailleur rows and the réservataire columns). A masked lease count
masks what reveals it: the realised share and the gap in leases; a masked bailleur total masks
its shares, expected leases and gaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cia_lib.calculs import flux as calc
from cia_lib.territoire.config import Territoire

from .confidentialite import MASQUE, est_secret, masquer_effectifs

_TOTAL = "__total__"
COMPTES_BILAN = ("baux_flux", "baux_hors_flux_mutation_interne", "baux_hors_flux_relogement_renouvellement",
                 "baux_mutation_interne_inconnue")
"""Lease counts of the bilan masked in diffusion mode (each as its own bailleur × réservataire table)."""


def _masques_croises(bilan: pd.DataFrame, colonne: str, seuil: int,
                     total: pd.Series | None = None) -> tuple[pd.Series, dict, dict]:
    """Masks of one count column laid out bailleur × réservataire (see the module docstring).

    Returns
    -------
    (pandas.Series of bool, dict, dict)
        Masked cells (aligned on ``bilan``), masked bailleur totals, masked réservataire totals.
    """
    large = bilan.pivot_table(index="bailleur", columns="reservataire", values=colonne, aggfunc="sum",
                              fill_value=0)
    reservataires = list(large.columns)
    large[_TOTAL] = large.sum(axis=1) if total is None else total.reindex(large.index)
    large.loc[_TOTAL] = large.sum(axis=0)
    masque = masquer_effectifs(large, reservataires, seuil, colonne_total=_TOTAL, ligne_total=_TOTAL) == MASQUE
    cellules = pd.Series([bool(masque.at[b, r]) for b, r in zip(bilan["bailleur"], bilan["reservataire"])],
                         index=bilan.index, dtype=bool)
    lignes = {b: bool(masque.at[b, _TOTAL]) for b in large.index if b != _TOTAL}
    colonnes = {r: bool(masque.at[_TOTAL, r]) for r in reservataires}
    return cellules, lignes, colonnes


def _masques_comptes(bilan: pd.DataFrame, seuil: int):
    """For each count of :data:`COMPTES_BILAN`: ``(colonne, cellules, totaux bailleur, totaux réservataire)``
    masked (see :func:`_masques_croises`; the flux leases add up to ``baux_flux_bailleur``)."""
    if bilan.empty:
        return
    for colonne in COMPTES_BILAN:
        if colonne != "baux_flux" and not bilan[colonne].astype(bool).any():  # all zero: nothing is secret
            yield colonne, pd.Series(False, index=bilan.index), {}, {}
            continue
        total = bilan.drop_duplicates("bailleur").set_index("bailleur")["baux_flux_bailleur"] \
            if colonne == "baux_flux" else None
        yield (colonne, *_masques_croises(bilan, colonne, seuil, total))


def _masquer(table: pd.DataFrame, masque: pd.Series, colonnes) -> pd.DataFrame:
    for c in colonnes:
        if masque.any():
            table[c] = table[c].astype(object)
            table.loc[masque.to_numpy(), c] = MASQUE
    return table


def masquer_bilan_flux(bilan: pd.DataFrame, seuil: int, masques: list | None = None) -> pd.DataFrame:
    """The :func:`cia_lib.calculs.flux.bilan_flux` table masked for diffusion.

    ``masques`` (the list of :func:`_masques_comptes`) saves computing them again when the
    synthesis is masked too.

    Examples
    --------
    >>> b = pd.DataFrame({"bailleur": ["A", "A", "B", "B"], "reservataire": ["bailleur", "etat"] * 2,
    ...                   "baux_flux": [3, 20, 12, 9], "baux_flux_bailleur": [23, 23, 21, 21],
    ...                   "part_realisee": [3 / 23, 20 / 23, 12 / 21, 9 / 21], "part_convention": [0.7, 0.3, 0.7, 0.3],
    ...                   "baux_attendus": [16.1, 6.9, 14.7, 6.3], "ecart_baux": [-13.1, 13.1, -2.7, 2.7],
    ...                   "baux_hors_flux_mutation_interne": [0, 0, 0, 0],
    ...                   "baux_hors_flux_relogement_renouvellement": [0, 0, 0, 0],
    ...                   "baux_mutation_interne_inconnue": [0, 0, 0, 0], "convention": [True] * 4})
    >>> masquer_bilan_flux(b, 5)["baux_flux"].tolist()
    ['s', 's', 's', 's']
    """
    sortie = bilan.copy()
    for colonne, cellules, lignes, _ in (masques if masques is not None else _masques_comptes(bilan, seuil)):
        derives = [colonne] + (["part_realisee", "ecart_baux"] if colonne == "baux_flux" else [])
        sortie = _masquer(sortie, cellules, derives)
        if colonne == "baux_flux":
            total_masque = bilan["bailleur"].map(lignes).astype(bool)
            sortie = _masquer(sortie, total_masque, ["baux_flux_bailleur", "part_realisee", "baux_attendus",
                                                     "ecart_baux"])
    return sortie


def masquer_synthese_flux(synthese: pd.DataFrame, bilan: pd.DataFrame, seuil: int,
                          masques: list | None = None) -> pd.DataFrame:
    """The :func:`cia_lib.calculs.flux.synthese_epci` table masked consistently with the bilan.

    Each réservataire's totals are the column totals of the bilan's bailleur × réservataire
    tables (masked with them). The leases of the bailleurs with conventions, and the gap, are
    masked when their own value is secret, when the réservataire's total is masked, or when
    exactly one masked cell of that column belongs to the bailleurs with conventions (or to
    those without): the difference to the total would reveal it.
    """
    sortie = synthese.copy()
    for colonne, cellules, _, colonnes in (masques if masques is not None else _masques_comptes(bilan, seuil)):
        masque = synthese["reservataire"].map(colonnes).astype("boolean").fillna(False).astype(bool)
        sortie = _masquer(sortie, masque, [colonne] + (["part_realisee"] if colonne == "baux_flux" else []))
        if colonne == "baux_flux":
            # conventioned + the others = total: a margin that must not isolate one masked cell of either part
            avec = bilan["convention"].astype(bool)
            isoles = set()
            for reservataire, groupe in bilan[cellules].groupby("reservataire"):
                k_avec = int(avec[groupe.index].sum())
                if k_avec == 1 or len(groupe) - k_avec == 1:
                    isoles.add(reservataire)
            conv = synthese["baux_flux_conventionnes"].map(lambda v: 1 <= v <= seuil) | masque | \
                synthese["reservataire"].isin(isoles)
            sortie = _masquer(sortie, conv.astype(bool), ["baux_flux_conventionnes", "ecart_baux"])
    return sortie


def masquer_repartition_flux(table: pd.DataFrame, seuil: int) -> pd.DataFrame:
    """A :func:`cia_lib.calculs.flux.repartition_flux` table with its total row, masked.

    The total row (``modalite`` = « Ensemble ») and the ``total`` column are margins: the
    secondary secret runs along both.
    """
    reservataires = [c for c in table.columns if c not in ("modalite", "total")]
    t = table.set_index("modalite")
    return masquer_effectifs(t, reservataires, seuil, colonne_total="total", ligne_total=ENSEMBLE).reset_index()


ENSEMBLE = "Ensemble"


def avec_total(table: pd.DataFrame) -> pd.DataFrame:
    """A :func:`cia_lib.calculs.flux.repartition_flux` table with a total row « Ensemble »."""
    if table.empty:
        return table
    total = table.drop(columns="modalite").sum().to_frame().T.assign(modalite=ENSEMBLE)
    return pd.concat([table, total[table.columns]], ignore_index=True)


@dataclass
class ResultatsFlux:
    """The flux bilan of one year as the reader sees it (masked in diffusion mode).

    Attributes
    ----------
    bilan : pandas.DataFrame
        One row per bailleur × réservataire (:func:`cia_lib.calculs.flux.bilan_flux`).
    synthese : pandas.DataFrame
        EPCI summary per réservataire.
    repartitions : dict of str to pandas.DataFrame
        Breakdown → modalities × réservataires of the leases inside the flux, with a total row.
    notes : list of str
        What the reader must know about the inputs.
    diffusion : bool
    """

    bilan: pd.DataFrame
    synthese: pd.DataFrame
    repartitions: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    diffusion: bool = False


def publier_flux(donnees, territoire: Territoire, annee: int, mode: str, repartitions: bool = True) -> ResultatsFlux:
    """Compute the flux bilan of ``annee`` and mask it when ``mode`` is ``diffusion``.

    Parameters
    ----------
    donnees : cia_lib.entrees.donnees.Donnees
        Processed tables (``conventions_flux`` may be None).
    territoire : Territoire
        Commune names and the masking threshold (``seuil_secret``).
    annee : int
    mode : {"analyste", "diffusion"}
    repartitions : bool
        Also compute the breakdowns (typology, financing, QPV, commune, construction period).

    Returns
    -------
    ResultatsFlux
    """
    diffusion = mode == "diffusion"
    seuil = territoire.seuil_secret
    bilan = calc.bilan_flux(donnees.attributions, donnees.conventions_flux, annee)
    synthese = calc.synthese_epci(bilan)
    tables = {}
    if repartitions:
        for dimension in calc.DIMENSIONS:
            table = avec_total(calc.repartition_flux(donnees.attributions, annee, dimension, donnees.residences,
                                                     territoire.communes))
            tables[dimension] = masquer_repartition_flux(table, seuil) if diffusion and not table.empty else table
    if diffusion:
        masques = list(_masques_comptes(bilan, seuil))
        synthese = masquer_synthese_flux(synthese, bilan, seuil, masques)
        bilan = masquer_bilan_flux(bilan, seuil, masques)
    notes = calc.notes_bilan(donnees.attributions, donnees.conventions_flux, annee,
                             effectif=lambda n: f"de 1 à {seuil}" if diffusion and est_secret(n, seuil) else str(n))
    return ResultatsFlux(bilan, synthese, tables, notes, diffusion)


def _decimales_texte(table: pd.DataFrame) -> pd.DataFrame:
    """Numbers of the masked (object) columns written with a decimal comma, as the CSV's other numbers.

    Examples
    --------
    >>> _decimales_texte(pd.DataFrame({"a": [1.75, "s", 2]}, dtype=object))["a"].tolist()
    ['1,75', 's', '2']
    """
    sortie = table.copy()
    for c in sortie.columns:
        if sortie[c].dtype == object:
            sortie[c] = sortie[c].map(
                lambda v: f"{v:.10g}".replace(".", ",") if isinstance(v, (int, float)) and not isinstance(v, bool)
                and not pd.isna(v) else v)
    return sortie


FEUILLES_FLUX = {"bilan": "bilan_flux", "synthese": "synthese_epci"}
"""Sheet names of the flux workbook (then one sheet per breakdown, ``flux_<dimension>``)."""


def ecrire_flux(resultats: ResultatsFlux, sortie) -> None:
    """Write the flux bilan: ``.csv`` = the bailleur × réservataire table (``;``, decimal comma,
    UTF-8 with BOM); ``.xlsx`` = that table, the EPCI summary and one sheet per breakdown.

    Raises
    ------
    ErreurParametre
        Extension other than .csv or .xlsx.
    ErreurFichier
        The file cannot be written.
    """
    from pathlib import Path

    from cia_lib.erreurs import ErreurFichier

    from .sorties import ecrire_tableau, valeurs_simples, verifier_format

    sortie = Path(sortie)
    if verifier_format(sortie, (".csv", ".xlsx")) == ".csv":
        ecrire_tableau(_decimales_texte(resultats.bilan), sortie, feuille=FEUILLES_FLUX["bilan"], formats=(".csv",))
        return
    try:
        sortie.parent.mkdir(parents=True, exist_ok=True)
        with pd.ExcelWriter(sortie) as classeur:
            valeurs_simples(resultats.bilan).to_excel(classeur, sheet_name=FEUILLES_FLUX["bilan"], index=False)
            valeurs_simples(resultats.synthese).to_excel(classeur, sheet_name=FEUILLES_FLUX["synthese"], index=False)
            for dimension, table in resultats.repartitions.items():
                valeurs_simples(table).to_excel(classeur, sheet_name=f"flux_{dimension}"[:31], index=False)
    except OSError as exc:
        raise ErreurFichier(sortie, f"écriture impossible ({exc.strerror or exc}).") from None


LIBELLES_COLONNES = {
    "bailleur": "Bailleur", "reservataire": "Réservataire", "baux_flux": "Baux dans le flux",
    "baux_flux_bailleur": "Flux du bailleur", "part_realisee": "Part réalisée",
    "part_convention": "Part de la convention", "baux_attendus": "Baux attendus", "ecart_baux": "Écart (baux)",
    "baux_flux_conventionnes": "Baux dans le flux (bailleurs conventionnés)",
    "baux_hors_flux_mutation_interne": "Hors flux : mutations internes",
    "baux_hors_flux_relogement_renouvellement": "Hors flux : relogements NPNRU / ORCOD",
    "baux_mutation_interne_inconnue": "Mutation interne non renseignée", "convention": "Convention",
    "modalite": "Modalité", "total": "Total",
}
"""French headers of the flux tables (report page)."""
COLONNES_PARTS = ("part_realisee", "part_convention")
"""Columns shown as percentages (``ecart_baux`` is a number of leases, not a share)."""


def vue_flux(table: pd.DataFrame, territoire: Territoire) -> pd.DataFrame:
    """A flux table ready for display: réservataire codes (in cells or in column names) shown by their label.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> t = SimpleNamespace(libelle_reservataire=lambda c: {"etat": "État"}.get(c, c))
    >>> vue_flux(pd.DataFrame({"reservataire": ["etat"], "etat": [3], "total": [3]}), t).values.tolist()
    [['État', 3, 3]]
    >>> list(vue_flux(pd.DataFrame({"modalite": ["T1"], "etat": [3], "total": [3]}), t).columns)
    ['modalite', 'État', 'total']
    """
    sortie = table.copy()
    if "reservataire" in sortie.columns:
        sortie["reservataire"] = sortie["reservataire"].map(territoire.libelle_reservataire)
    if "convention" in sortie.columns:
        sortie["convention"] = sortie["convention"].map({True: "oui", False: "non"})
    noms = {c: territoire.libelle_reservataire(c) for c in sortie.columns if c not in LIBELLES_COLONNES}
    return sortie.rename(columns=noms)
