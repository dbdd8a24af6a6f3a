"""Statistical confidentiality of shared reports (reading mode « diffusion »).

Pure functions over DataFrames. A count from 1 to the territory's ``seuil_secret``
(inclusive) is a *primary* secret: it is replaced by :data:`MASQUE` (``"s"``). Zero is not
secret (it reveals nobody). A *secondary* mask is added wherever a margin would let a reader
recompute a masked cell by subtraction: in every line that adds up to a total (a row with a
total column, a column with a total row, the keys of one indicator at one level whose sum is
the EPCI total), the number of masked cells is never exactly one — when it is, the smallest
remaining non-zero cell of that line is masked too. A rate whose numerator or denominator is
masked is masked as well, with its confidence interval.

The threshold always comes from the territory (``Territoire.seuil_secret``); nothing here
hard-codes it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np
import pandas as pd

MASQUE = "s"
"""What a masked cell shows (the usual French mark for « secret statistique »)."""

PAIRES_COMPTAGES = (
    # (numerator, denominator, columns derived from the numerator, columns derived from the denominator)
    ("numerateur", "denominateur",
     ("taux", "ic_bas", "ic_haut", "ecart", "statut", "supplementaires_necessaires"), ("baux_projetes",)),
    ("numerateur_cumul", "denominateur_cumul", ("taux_cumul_annuel",), ()),
)
"""Count pairs of the tidy tables and the columns that reveal them (masked with them)."""

COMPTAGES_INDEPENDANTS = ("inconnus",)
"""Other counts of the tidy table, masked on their own value (with secondary masking)."""

NATURES_SANS_COMPLEMENT = ("ratio",)
"""Row natures whose numerator is not a part of the denominator (pressure: demands per lease)."""


def est_secret(valeur, seuil: int) -> bool:
    """True when ``valeur`` is a count from 1 to ``seuil`` (inclusive).

    Parameters
    ----------
    valeur : number or None
    seuil : int
        Masking threshold (``Territoire.seuil_secret``).

    Returns
    -------
    bool

    Examples
    --------
    >>> [est_secret(v, 5) for v in (0, 1, 5, 6, None)]
    [False, True, True, False, False]
    """
    if valeur is None or isinstance(valeur, str):
        return False
    try:
        if pd.isna(valeur):
            return False
    except (TypeError, ValueError):
        return False
    return 1 <= float(valeur) <= seuil


def _secondaire(valeurs: Sequence[float], masques: list[bool]) -> list[bool]:
    """Complete the masks of one additive line so that exactly one masked cell never occurs.

    ``valeurs`` are the cells of the line (the total included when it is shown); the
    smallest unmasked non-zero cell is added while exactly one cell is masked (a zero
    only when nothing else is left).
    """
    masques = list(masques)
    while sum(masques) == 1:
        candidats = [
            (float(v), i) for i, (v, m) in enumerate(zip(valeurs, masques, strict=True))
            if not m and not pd.isna(v)
        ]
        if not candidats:
            break
        non_nuls = [c for c in candidats if c[0] != 0]
        _, i = min(non_nuls or candidats)
        masques[i] = True
    return masques


def masquer_effectifs(
    tableau: pd.DataFrame,
    colonnes: Iterable[Hashable],
    seuil: int,
    colonne_total: Hashable | None = None,
    ligne_total: Hashable | None = None,
) -> pd.DataFrame:
    """Mask small counts of a wide table, with secondary masking along its margins.

    Primary masking: every cell of ``colonnes`` (and of ``colonne_total``) whose value is
    from 1 to ``seuil`` becomes ``"s"``. Secondary masking: when the table has a total
    column, each row must not have exactly one masked cell among its parts and its total
    (otherwise the total minus the other cells would reveal it): the next smallest non-zero
    part is masked too. Likewise along each column when ``ligne_total`` names the row of
    totals. Both directions are repeated until nothing changes.

    Parameters
    ----------
    tableau : pandas.DataFrame
        Counts, one row per category (commune, bailleur...).
    colonnes : iterable of column labels
        Count columns to protect (the parts of the total when there is one).
    seuil : int
        Counts from 1 to ``seuil`` inclusive are secret (``Territoire.seuil_secret``).
    colonne_total : column label, optional
        Column holding the row total of ``colonnes``.
    ligne_total : index label, optional
        Index label of the row holding the column totals.

    Returns
    -------
    pandas.DataFrame
        A copy where masked cells hold ``"s"`` (affected columns become ``object``).

    Examples
    --------
    >>> t = pd.DataFrame({"a": [3, 8], "b": [10, 9], "total": [13, 17]})
    >>> masquer_effectifs(t, ["a", "b"], 5, colonne_total="total").values.tolist()
    [['s', 's', 13], [8, 9, 17]]
    """
    colonnes = list(colonnes)
    toutes = colonnes + ([colonne_total] if colonne_total is not None else [])
    valeurs = tableau[toutes].apply(pd.to_numeric, errors="coerce").astype("float64")
    masque = valeurs.apply(lambda s: s.map(lambda v: est_secret(v, seuil))).astype(bool)

    lignes_parts = [i for i in tableau.index if i != ligne_total]
    change = True
    while change:
        change = False
        if colonne_total is not None:
            for i in tableau.index:
                avant = masque.loc[i, toutes].tolist()
                apres = _secondaire(valeurs.loc[i, toutes].tolist(), avant)
                if apres != avant:
                    masque.loc[i, toutes] = apres
                    change = True
        if ligne_total is not None:
            ordre = lignes_parts + [ligne_total]
            for c in toutes:
                avant = masque.loc[ordre, c].tolist()
                apres = _secondaire(valeurs.loc[ordre, c].tolist(), avant)
                if apres != avant:
                    masque.loc[ordre, c] = apres
                    change = True

    sortie = tableau.copy()
    for c in toutes:
        if masque[c].any():
            sortie[c] = sortie[c].astype(object)
            sortie.loc[masque[c], c] = MASQUE
    return sortie


def _cles_groupe(tableau: pd.DataFrame) -> list[str]:
    """Columns identifying one additive family of rows (keys of a level, quarters of a year)."""
    candidates = ("indicateur", "niveau", "annee", "dimension")
    return [c for c in candidates if c in tableau.columns]


def _primaire(valeurs: pd.Series, seuil: int) -> pd.Series:
    return valeurs.map(lambda v: est_secret(v, seuil)).astype(bool)


def masquer_tableau_indicateurs(tableau_indicateurs: pd.DataFrame, seuil: int) -> pd.DataFrame:
    """Mask a tidy indicator table for diffusion.

    One row per indicator × level × key (``niveau`` = EPCI, commune, bailleur,
    réservataire...), with ``numerateur`` and ``denominateur`` counts and a ``taux``
    (with ``ic_bas``/``ic_haut``, ``ecart``, ``statut`` when present). Also accepts the
    yearly progression and quarterly series of :mod:`cia_lib.calculs.indicateurs` (cumulative pair
    ``numerateur_cumul``/``denominateur_cumul``/``taux_cumul_annuel``).

    Rules, for each row and each count pair:

    * denominator from 1 to ``seuil``: numerator, denominator and everything derived
      (rate, interval, gap to target, status, projections) are masked;
    * numerator from 1 to ``seuil``, or its complement ``denominateur - numerateur`` from
      1 to ``seuil`` (it would reveal the few households *not* counted; not applied to
      ratios such as the pressure): numerator and its derived columns are masked, the
      denominator stays;
    * ``inconnus`` (leases with unknown resources) from 1 to ``seuil`` is masked;

    then, inside each indicator × level (× year), whose keys add up to the EPCI total (and
    quarters to the year): if exactly one key has a masked denominator (resp. numerator,
    unknowns), the key with the next smallest non-zero value is masked too, so that the
    total minus the others reveals nothing. EPCI rows are only masked by the primary rule.

    Parameters
    ----------
    tableau_indicateurs : pandas.DataFrame
        Tidy table with at least ``numerateur`` and ``denominateur``.
    seuil : int
        ``Territoire.seuil_secret``.

    Returns
    -------
    pandas.DataFrame
        A copy; masked cells hold ``"s"``. Rows, order and other columns are unchanged.

    Examples
    --------
    >>> t = pd.DataFrame({"indicateur": ["q1"] * 3, "niveau": ["commune"] * 3,
    ...                   "cle": ["A", "B", "C"], "numerateur": [2, 8, 9],
    ...                   "denominateur": [10, 20, 30], "taux": [0.2, 0.4, 0.3]})
    >>> masquer_tableau_indicateurs(t, 5)[["numerateur", "taux"]].values.tolist()
    [['s', 's'], ['s', 's'], [9, 0.3]]
    """
    t = tableau_indicateurs.reset_index(drop=True)
    if "niveau" in t.columns:
        niveau = t["niveau"].astype("string").str.lower()
        est_total = niveau.isin(["epci", "total", "territoire", "ensemble"]).fillna(False).to_numpy(dtype=bool)
    else:
        est_total = np.zeros(len(t), dtype=bool)
    if "nature" in t.columns:
        avec_complement = ~t["nature"].astype("string").isin(NATURES_SANS_COMPLEMENT).fillna(False).to_numpy(dtype=bool)
    else:
        avec_complement = np.ones(len(t), dtype=bool)
    cles = _cles_groupe(t)
    groupes = (
        [list(g.index) for _, g in t[~est_total].groupby(cles, dropna=False, sort=False) if len(g) > 1]
        if cles else []
    )

    masques: dict[str, pd.Series] = {}
    for col_num, col_den, derives_num, derives_den in PAIRES_COMPTAGES:
        if col_num not in t.columns or col_den not in t.columns:
            continue
        num = pd.to_numeric(t[col_num], errors="coerce").astype("float64")
        den = pd.to_numeric(t[col_den], errors="coerce").astype("float64")
        m_den = _primaire(den, seuil)
        m_num = _primaire(num, seuil) | (_primaire(den - num, seuil) & avec_complement) | m_den
        change = True
        while change:
            change = False
            for idx in groupes:
                for valeurs, masque in ((den, m_den), (num, m_num)):
                    avant = masque.loc[idx].tolist()
                    apres = _secondaire(valeurs.loc[idx].tolist(), avant)
                    if apres != avant:
                        masque.loc[idx] = apres
                        change = True
            # a masked denominator always hides its numerator
            if (m_den & ~m_num).any():
                m_num = m_num | m_den
                change = True
        masques[col_den] = m_den
        masques[col_num] = m_num
        for c in derives_num:
            if c in t.columns:
                masques[c] = masques.get(c, pd.Series(False, index=t.index)) | m_num
        for c in derives_den:
            if c in t.columns:
                masques[c] = masques.get(c, pd.Series(False, index=t.index)) | m_den

    for col in COMPTAGES_INDEPENDANTS:
        if col not in t.columns:
            continue
        valeurs = pd.to_numeric(t[col], errors="coerce").astype("float64")
        masque = _primaire(valeurs, seuil)
        for idx in groupes:
            masque.loc[idx] = _secondaire(valeurs.loc[idx].tolist(), masque.loc[idx].tolist())
        masques[col] = masque

    sortie = t.copy()
    for colonne, masque in masques.items():
        if masque.any():
            sortie[colonne] = sortie[colonne].astype(object)
            sortie.loc[masque.to_numpy(), colonne] = MASQUE
    sortie.index = tableau_indicateurs.index
    return sortie


def masquer_si_diffusion(tableau: pd.DataFrame, diffusion: bool, seuil: int, **options) -> pd.DataFrame:
    """Apply :func:`masquer_tableau_indicateurs` when ``diffusion`` is true, else return as is.

    With ``colonnes=`` in ``options``, :func:`masquer_effectifs` is used instead (wide table).
    """
    if not diffusion:
        return tableau
    if "colonnes" in options:
        return masquer_effectifs(tableau, seuil=seuil, **options)
    return masquer_tableau_indicateurs(tableau, seuil)


def masquer_repartition(
    tableau: pd.DataFrame,
    colonnes: dict[str, Sequence[str]] | Sequence[str],
    seuil: int,
    groupe: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Mask a distribution (counts per modality, e.g. household profiles, waiting-time bands).

    Each count column is a line whose total is known elsewhere (the number of leases or
    demands): counts from 1 to ``seuil`` are masked, then within each group (each
    ``dimension`` of a profile table) a line never has exactly one masked cell — the next
    smallest non-zero count is masked too. Shares derived from a count are masked with it.

    Parameters
    ----------
    tableau : pandas.DataFrame
    colonnes : dict or sequence
        Count columns; a dict maps each count column to the share columns derived from it.
    seuil : int
        ``Territoire.seuil_secret``.
    groupe : str or list of str, optional
        Columns whose values delimit separate distributions (each adds up to the total).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> t = pd.DataFrame({"tranche": ["< 1 an", "1-2 ans", "2 ans +"], "effectif": [3, 12, 20],
    ...                   "part": [0.09, 0.34, 0.57]})
    >>> masquer_repartition(t, {"effectif": ["part"]}, 5)["effectif"].tolist()
    ['s', 's', 20]
    """
    derives = dict(colonnes) if isinstance(colonnes, dict) else {c: () for c in colonnes}
    t = tableau.reset_index(drop=True)
    if groupe is None:
        groupes = [list(t.index)]
    else:
        groupes = [list(g.index) for _, g in t.groupby(groupe, dropna=False, sort=False)]
    sortie = t.copy()
    for col, lies in derives.items():
        valeurs = pd.to_numeric(t[col], errors="coerce").astype("float64")
        masque = _primaire(valeurs, seuil)
        for idx in groupes:
            masque.loc[idx] = _secondaire(valeurs.loc[idx].tolist(), masque.loc[idx].tolist())
        if masque.any():
            for c in (col, *lies):
                if c in sortie.columns:
                    sortie[c] = sortie[c].astype(object)
                    sortie.loc[masque.to_numpy(), c] = MASQUE
    sortie.index = tableau.index
    return sortie


def masquer_entonnoir(entonnoir: pd.DataFrame, seuil: int) -> pd.DataFrame:
    """Mask the attribution funnel: primary secret, then secondary secret within each of its
    sums (:data:`cia_lib.calculs.indicateurs.suivi.IDENTITES_ENTONNOIR`) until stable, so that
    no masked count can be recovered from either sum.

    Examples
    --------
    >>> e = pd.DataFrame({"code": ["decisions", "decisions_bail_periode", "decisions_bail_apres",
    ...     "decisions_sans_bail", "baux_decisions_anterieures", "baux_sans_decision", "baux_signes"],
    ...     "effectif": [40, 30, 3, 7, 12, 0, 42]})
    >>> masquer_entonnoir(e, 5)["effectif"].tolist()
    [40, 30, 's', 's', 12, 0, 42]
    """
    from cia_lib.calculs.indicateurs.suivi import IDENTITES_ENTONNOIR

    t = entonnoir.reset_index(drop=True)
    valeurs = pd.to_numeric(t["effectif"], errors="coerce").astype("float64")
    masque = _primaire(valeurs, seuil)
    rangs = {c: i for i, c in enumerate(t["code"])}
    stable = False
    while not stable:
        stable = True
        for identite in IDENTITES_ENTONNOIR:
            idx = [rangs[c] for c in identite if c in rangs]
            nouveau = _secondaire(valeurs.loc[idx].tolist(), masque.loc[idx].tolist())
            if nouveau != masque.loc[idx].tolist():
                masque.loc[idx] = nouveau
                stable = False
    sortie = t.copy()
    sortie["effectif"] = sortie["effectif"].astype(object)
    sortie.loc[masque.to_numpy(), "effectif"] = MASQUE
    sortie.index = entonnoir.index
    return sortie
