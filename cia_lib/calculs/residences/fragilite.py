"""Fragility scores of residences from the OPS survey, and the yearly review of the list of sensitive residences."""

from __future__ import annotations

import pandas as pd

from cia_lib.erreurs import ErreurParametre

from .parametres import (
    A_CONFIRMER,
    ENSEMBLE,
    ENTREE,
    INCERTAINE,
    MAINTENUE,
    NON_SIGNALEE,
    PRECISION_RATIO,
    SIGNALEE,
    SORTIE,
    STATUTS_EVOLUTION,
    IndicateurFragilite,
    ParametresFragilite,
    _liste_annees,
    annees_ops,
)

# --------------------------------------------------------------------------- scores


def _ops_annee(ops: pd.DataFrame, annee_ops: int) -> pd.DataFrame:
    annee_ops = int(annee_ops)
    o = ops[ops["annee_ops"] == annee_ops]
    if o.empty:
        raise ErreurParametre(
            f"aucune enquête OPS pour l'année {annee_ops} ; années disponibles : "
            f"{_liste_annees(annees_ops(ops))}."
        )
    doublons = o["id_residence"][o["id_residence"].duplicated()].unique().tolist()
    if doublons:
        raise ErreurParametre(
            f"OPS {annee_ops} : résidence(s) présente(s) plusieurs fois : {', '.join(map(str, doublons))}."
        )
    return o


def _parts(o: pd.DataFrame, indicateur: IndicateurFragilite) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Numerator, denominator (NA where unusable) and share of one indicator."""
    num = pd.to_numeric(o[indicateur.numerateur]).astype("Float64")
    den = pd.to_numeric(o[indicateur.denominateur]).astype("Float64")
    utilisable = num.notna() & den.notna() & (den > 0)
    num = num.where(utilisable)
    den = den.where(utilisable)
    return num, den, num / den


def moyennes_territoire(ops: pd.DataFrame, parametres: ParametresFragilite, annee_ops: int) -> pd.DataFrame:
    """Territory average of each indicator for one OPS year, on pooled counts.

    Parameters
    ----------
    ops : pandas.DataFrame
        Processed OPS table (all years).
    parametres : ParametresFragilite
    annee_ops : int

    Returns
    -------
    pandas.DataFrame
        One row per indicator: ``indicateur``, ``libelle``, ``numerateur`` (Σ counts),
        ``denominateur`` (Σ counts), ``moyenne``, ``nb_residences`` (where known),
        ``seuil_ratio``, ``poids``.

    Raises
    ------
    ErreurParametre
        No survey for ``annee_ops``.
    """
    o = _ops_annee(ops, annee_ops)
    lignes = []
    for ind in parametres.indicateurs:
        num, den, _ = _parts(o, ind)
        somme_num = float(num.sum())
        somme_den = float(den.sum())
        lignes.append({
            "indicateur": ind.code,
            "libelle": ind.libelle,
            "numerateur": somme_num,
            "denominateur": somme_den,
            "moyenne": somme_num / somme_den if somme_den > 0 else float("nan"),
            "nb_residences": int(num.notna().sum()),
            "seuil_ratio": parametres.seuil_de(ind),
            "poids": ind.poids,
        })
    sortie = pd.DataFrame(lignes)
    sortie["moyenne"] = sortie["moyenne"].astype("Float64")
    return sortie


def scores_fragilite(
    ops: pd.DataFrame, residences: pd.DataFrame, parametres: ParametresFragilite, annee_ops: int
) -> pd.DataFrame:
    """Fragility score and flag of every residence for one OPS year.

    Parameters
    ----------
    ops : pandas.DataFrame
        Processed OPS table (any years; only ``annee_ops`` is used).
    residences : pandas.DataFrame
        Processed residences table (names, bailleur, commune, position). Residences of the
        stock absent from the survey are kept, ``incertaine``.
    parametres : ParametresFragilite
    annee_ops : int

    Returns
    -------
    pandas.DataFrame
        One row per residence: ``annee_ops``, ``id_residence``, ``nom_residence``,
        ``bailleur``, ``code_commune``, ``code_qpv``, ``nb_logements``,
        ``annee_mise_en_service``, ``latitude``, ``longitude``, ``nb_menages``, for each
        indicator ``part_<code>`` and ``ratio_<code>``, then ``score`` (NA when absent
        from the survey), ``signalee``, ``incertaine`` (booleans), ``statut``
        ("signalée", "non signalée", "incertaine"), ``motifs`` (pushing indicators with
        their figures), ``raison_incertitude``, ``indicateurs_absents``. Sorted by
        ``id_residence``.

    Raises
    ------
    ErreurParametre
        No survey for ``annee_ops``, or a residence twice in that survey.
    """
    annee_ops = int(annee_ops)
    o = _ops_annee(ops, annee_ops).reset_index(drop=True)
    moyennes = moyennes_territoire(ops, parametres, annee_ops).set_index("indicateur")

    ident = o[["id_residence", "nb_menages"]].copy()
    parts, ratios, pousse, absent = {}, {}, {}, {}
    for ind in parametres.indicateurs:
        _, _, part = _parts(o, ind)
        moyenne = moyennes.loc[ind.code, "moyenne"]
        if pd.isna(moyenne) or moyenne == 0:
            ratio = pd.Series(pd.NA, index=o.index, dtype="Float64")
        else:
            ratio = (part / float(moyenne)).round(PRECISION_RATIO)
        parts[ind.code] = part
        ratios[ind.code] = ratio
        pousse[ind.code] = (ratio >= parametres.seuil_de(ind)).fillna(False).astype(bool)
        absent[ind.code] = part.isna()
        ident[f"part_{ind.code}"] = part
        ident[f"ratio_{ind.code}"] = ratio

    score = pd.Series(0.0, index=o.index)
    for ind in parametres.indicateurs:
        score = score + pousse[ind.code].astype(float) * ind.poids
    ident["score"] = score.round(PRECISION_RATIO).astype("Float64")

    motifs, absents = [], []
    for i in o.index:
        textes = []
        for ind in parametres.indicateurs:
            if pousse[ind.code].iloc[i]:
                textes.append(
                    f"{ind.libelle} : {format_pct(parts[ind.code].iloc[i])} "
                    f"(moyenne {format_pct(moyennes.loc[ind.code, 'moyenne'])}, "
                    f"ratio {format_nombre(ratios[ind.code].iloc[i])})"
                )
        motifs.append(" ; ".join(textes))
        absents.append(", ".join(ind.libelle for ind in parametres.indicateurs if absent[ind.code].iloc[i]))
    ident["motifs"] = pd.array(motifs, dtype="string")
    ident["indicateurs_absents"] = pd.array(absents, dtype="string")

    colonnes_res = [
        c for c in ("id_residence", "nom_residence", "bailleur", "code_commune", "code_qpv", "nb_logements",
                    "annee_mise_en_service", "latitude", "longitude")
        if c in residences.columns
    ]
    table = residences[colonnes_res].merge(ident, on="id_residence", how="outer")
    table.insert(0, "annee_ops", pd.array([annee_ops] * len(table), dtype="Int64"))

    nb = pd.to_numeric(table["nb_menages"]).astype("Float64")
    absente = nb.isna()
    petite = ~absente & (nb < parametres.taille_minimum)
    table["incertaine"] = (absente | petite).astype("boolean")
    table["signalee"] = ((table["score"] >= parametres.seuil_score).fillna(False) & ~table["incertaine"]).astype(
        "boolean"
    )
    raisons = []
    mise_en_service = (
        table["annee_mise_en_service"] if "annee_mise_en_service" in table else pd.Series(pd.NA, index=table.index)
    )
    for est_absente, est_petite, n, s, mes in zip(absente, petite, nb, table["score"], mise_en_service, strict=True):
        if est_absente and not pd.isna(mes) and int(mes) > annee_ops:
            raisons.append(
                f"mise en service en {int(mes)}, après l'enquête OPS {annee_ops} : signalement ni posé ni levé"
            )
        elif est_absente:
            raisons.append(f"absente de l'enquête OPS {annee_ops} : signalement ni posé ni levé")
        elif est_petite:
            raison = (
                f"effectif trop faible : {int(n)} ménage{'s' if n > 1 else ''} enquêté{'s' if n > 1 else ''} "
                f"(minimum {parametres.taille_minimum}) : signalement ni posé ni levé"
            )
            if s >= parametres.seuil_score:
                raison += f" ; score indicatif {format_nombre(s)} (seuil {format_nombre(parametres.seuil_score)})"
            raisons.append(raison)
        else:
            raisons.append("")
    table["raison_incertitude"] = pd.array(raisons, dtype="string")
    table["statut"] = pd.array(
        [INCERTAINE if inc else (SIGNALEE if sig else NON_SIGNALEE)
         for inc, sig in zip(table["incertaine"], table["signalee"], strict=True)],
        dtype="string",
    )
    for c in ("motifs", "indicateurs_absents"):
        table[c] = table[c].fillna("")
    ordre = (
        ["annee_ops"] + colonnes_res + ["nb_menages"]
        + [f"{p}_{ind.code}" for ind in parametres.indicateurs for p in ("part", "ratio")]
        + ["score", "signalee", "incertaine", "statut", "motifs", "raison_incertitude", "indicateurs_absents"]
    )
    return table[ordre].sort_values("id_residence").reset_index(drop=True)


# --------------------------------------------------------------------------- list review


def evolution_liste(scores_avant: pd.DataFrame, scores_apres: pd.DataFrame) -> pd.DataFrame:
    """Evolution of the flagged list between two OPS years.

    Parameters
    ----------
    scores_avant, scores_apres : pandas.DataFrame
        Outputs of :func:`scores_fragilite` for the earlier and the later survey.

    Returns
    -------
    pandas.DataFrame
        One row per residence flagged in at least one of the two years: identity
        (``id_residence``, ``nom_residence``, ``bailleur``, ``code_commune``),
        ``annee_avant``, ``annee_apres``, ``score_avant``, ``score_apres``,
        ``signalee_avant``, ``signalee_apres``, ``statut`` — ``entrée`` (flagged only in
        the later year), ``sortie`` (flagged before, assessed and not flagged after),
        ``maintenue`` (flagged both years), ``à confirmer`` (flagged before, ``incertaine``
        or absent after: never silently removed) — then ``motifs_avant``, ``motifs_apres``,
        ``raison_incertitude``. Sorted by status then ``id_residence``.
    """
    cles = ["id_residence", "nom_residence", "bailleur", "code_commune"]
    garder = ["annee_ops", "score", "signalee", "incertaine", "motifs", "raison_incertitude"]

    def prep(s):
        return s[[c for c in cles if c in s.columns] + garder]

    t = prep(scores_avant).merge(prep(scores_apres), on="id_residence", how="outer", suffixes=("_avant", "_apres"))
    for c in cles[1:]:
        t[c] = t[f"{c}_apres"].fillna(t[f"{c}_avant"]) if f"{c}_apres" in t else pd.NA
    sig_av = t["signalee_avant"].fillna(False).astype(bool)
    sig_ap = t["signalee_apres"].fillna(False).astype(bool)
    evaluee_ap = t["incertaine_apres"].eq(False).fillna(False).astype(bool)
    t = t[sig_av | sig_ap].copy()
    sig_av, sig_ap, evaluee_ap = sig_av[t.index], sig_ap[t.index], evaluee_ap[t.index]
    statut = pd.Series(A_CONFIRMER, index=t.index, dtype="string")
    statut[sig_av & sig_ap] = MAINTENUE
    statut[~sig_av & sig_ap] = ENTREE
    statut[sig_av & ~sig_ap & evaluee_ap] = SORTIE
    t["statut"] = statut
    annee_av = scores_avant["annee_ops"].dropna()
    annee_ap = scores_apres["annee_ops"].dropna()
    t["annee_avant"] = pd.array([int(annee_av.iloc[0]) if len(annee_av) else pd.NA] * len(t), dtype="Int64")
    t["annee_apres"] = pd.array([int(annee_ap.iloc[0]) if len(annee_ap) else pd.NA] * len(t), dtype="Int64")
    t["raison_incertitude"] = t["raison_incertitude_apres"].fillna("")
    t["signalee_avant"] = sig_av.astype("boolean")
    t["signalee_apres"] = sig_ap.astype("boolean")
    t["_ordre"] = t["statut"].map({s: i for i, s in enumerate(STATUTS_EVOLUTION)})
    t = t.sort_values(["_ordre", "id_residence"])
    colonnes = cles + [
        "annee_avant", "annee_apres", "score_avant", "score_apres", "signalee_avant", "signalee_apres",
        "statut", "motifs_avant", "motifs_apres", "raison_incertitude",
    ]
    return t[colonnes].reset_index(drop=True)


def synthese_liste(evolution: pd.DataFrame, niveau: str, communes: dict[str, str] | None = None) -> pd.DataFrame:
    """Count the flagged residences and their movements by bailleur or by commune.

    Parameters
    ----------
    evolution : pandas.DataFrame
        Output of :func:`evolution_liste`.
    niveau : {"bailleur", "commune"}
        Grouping level (``commune`` groups by ``code_commune``).
    communes : dict, optional
        INSEE code → name (``Territoire.communes``) to add ``nom_commune``.

    Returns
    -------
    pandas.DataFrame
        One row per bailleur (or commune) with at least one flagged residence, plus a final
        ``Ensemble`` row: ``signalees_avant``, ``entrees``, ``sorties``, ``maintenues``,
        ``a_confirmer``, ``signalees_apres`` (numbers of residences). With ``communes``, a
        ``nom_commune`` column follows the code (``Ensemble`` on the total row).

    Raises
    ------
    ErreurParametre
        Unknown ``niveau``.
    """
    colonnes_niveau = {"bailleur": "bailleur", "commune": "code_commune", "code_commune": "code_commune"}
    if niveau not in colonnes_niveau:
        raise ErreurParametre(f"niveau de synthèse inconnu : {niveau!r} (« bailleur » ou « commune »).")
    col = colonnes_niveau[niveau]
    e = evolution.assign(
        signalees_avant=evolution["signalee_avant"].astype(int),
        entrees=(evolution["statut"] == ENTREE).astype(int),
        sorties=(evolution["statut"] == SORTIE).astype(int),
        maintenues=(evolution["statut"] == MAINTENUE).astype(int),
        a_confirmer=(evolution["statut"] == A_CONFIRMER).astype(int),
        signalees_apres=evolution["signalee_apres"].astype(int),
    )
    mesures = ["signalees_avant", "entrees", "sorties", "maintenues", "a_confirmer", "signalees_apres"]
    e[col] = e[col].astype("string").fillna("non renseigné")
    t = e.groupby(col, sort=True)[mesures].sum().reset_index()
    total = pd.DataFrame([{col: ENSEMBLE, **{m: int(e[m].sum()) for m in mesures}}])
    t = pd.concat([t, total], ignore_index=True)
    t[mesures] = t[mesures].astype("Int64")
    t[col] = t[col].astype("string")
    if col == "code_commune" and communes is not None:
        t.insert(1, "nom_commune", t[col].map(lambda c: communes.get(c, "") if c != ENSEMBLE else ENSEMBLE)
                 .astype("string"))
    return t


# --------------------------------------------------------------------------- formatting


def format_pct(part) -> str:
    """French percentage: no decimal when (nearly) whole, else one decimal with a comma.

    Examples
    --------
    >>> format_pct(0.38), format_pct(0.225), format_pct(None)
    ('38 %', '22,5 %', 'n.d.')
    """
    if part is None or pd.isna(part):
        return "n.d."
    x = float(part) * 100
    if abs(x - round(x)) < 0.05:
        return f"{round(x):d} %"
    return f"{x:.1f} %".replace(".", ",")


def format_nombre(x) -> str:
    """Number in French (comma decimal, no trailing zeros)."""
    if x is None or pd.isna(x):
        return "n.d."
    texte = f"{float(x):.2f}".rstrip("0").rstrip(".")
    return texte.replace(".", ",")
