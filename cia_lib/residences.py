"""Sensitive residences (CIA section II.1) and first peopling of new programmes (section III.4).

The convention asks the partners to identify each year the residences whose occupancy is
fragile, to avoid (or limit) placing more 1st-quartile or priority households there, and to
keep that list under review with the OPS occupancy survey. It also creates a commission to
prepare the first peopling of each new programme.

Method (documented for users in ``docs/residences_sensibles.md``):

* for each indicator of the configuration (``config/residences_sensibles.yaml``), the share
  of the residence (OPS numerator ÷ denominator) is compared with the territory's average for
  the same OPS year, computed on pooled counts (Σ numerators ÷ Σ denominators of the
  residences where both are known): ``ratio = share ÷ average``;
* an indicator *pushes* when its ratio is at least its threshold (its own ``seuil`` or the
  common ``seuil_indicateur``); ratios are rounded to 6 decimals before the comparison so that
  a residence exactly at the threshold is not lost to floating-point noise;
* ``score`` = sum of the weights of the pushing indicators; the residence is flagged
  (``signalee``) when ``score >= seuil_score``;
* an indicator whose count is missing for a residence is skipped for that residence (not
  counted as 0) and named in ``indicateurs_absents``;
* a residence with fewer than ``taille_minimum`` households surveyed, or absent from the
  survey, is ``incertaine``: its flag is withheld (neither set nor cleared) and
  ``raison_incertitude`` says why.

All functions are pure (DataFrames in, DataFrames out); parameters come from configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import chemins, schema
from .config import Territoire, lire_yaml
from .erreurs import ErreurConfiguration, ErreurParametre
from .indicateurs import baux_signes
from .menages import enrichir_menages

FICHIER_PARAMETRES = chemins.CONFIG / "residences_sensibles.yaml"
"""Default parameters file (``config/residences_sensibles.yaml``)."""

PRECISION_RATIO = 6
"""Ratios and scores are rounded to this many decimals before being compared to thresholds."""

SIGNALEE = "signalée"
NON_SIGNALEE = "non signalée"
INCERTAINE = "incertaine"

ENTREE = "entrée"
SORTIE = "sortie"
MAINTENUE = "maintenue"
A_CONFIRMER = "à confirmer"
STATUTS_EVOLUTION = (ENTREE, SORTIE, MAINTENUE, A_CONFIRMER)

EN_SIGNALEE = "résidence signalée"
EN_INCERTAINE = "résidence incertaine"
EN_AUTRE = "autre résidence"
EN_INCONNUE = "résidence non renseignée"
SITUATIONS_PLACEMENT = (EN_SIGNALEE, EN_INCERTAINE, EN_AUTRE, EN_INCONNUE)
ENSEMBLE = "Ensemble"

LIBELLES_COMPOSITION = {
    "personne_seule": "personne seule",
    "couple_sans_enfant": "couple sans enfant",
    "couple_avec_enfants": "couple avec enfant(s)",
    "famille_monoparentale": "famille monoparentale",
    "autre": "autre composition",
}


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class IndicateurFragilite:
    """One fragility indicator: an OPS share compared with the territory's average."""

    code: str
    libelle: str
    numerateur: str
    denominateur: str
    poids: float
    seuil: float | None = None


@dataclass(frozen=True)
class ParametresFragilite:
    """Indicators, weights and thresholds of the fragility score (from YAML)."""

    indicateurs: tuple[IndicateurFragilite, ...]
    seuil_indicateur: float
    seuil_score: float
    taille_minimum: int
    tranches_age: tuple[int, ...] = (30, 50, 65)
    source: Path | None = None

    def seuil_de(self, indicateur: IndicateurFragilite) -> float:
        """Ratio threshold of ``indicateur`` (its own, else the common one)."""
        return self.seuil_indicateur if indicateur.seuil is None else indicateur.seuil


def _nombre(valeur, cle: str, source, minimum: float = 0.0, strict: bool = False) -> float:
    try:
        x = float(valeur)
    except (TypeError, ValueError):
        raise ErreurConfiguration(f"{source} : « {cle} » doit être un nombre (lu : {valeur!r}).") from None
    if x < minimum or (strict and x == minimum):
        signe = ">" if strict else "≥"
        raise ErreurConfiguration(f"{source} : « {cle} » doit être {signe} {minimum:g} (lu : {valeur!r}).")
    return x


def charger_parametres_fragilite(chemin=None) -> ParametresFragilite:
    """Load the fragility parameters.

    Parameters
    ----------
    chemin : path-like, optional
        YAML file; default ``config/residences_sensibles.yaml`` (:data:`FICHIER_PARAMETRES`).

    Returns
    -------
    ParametresFragilite

    Raises
    ------
    ErreurConfiguration
        Missing or unreadable file, unknown OPS column, negative weight, threshold ≤ 0...
    """
    source = Path(chemin) if chemin else FICHIER_PARAMETRES
    brut = lire_yaml(source, "fichier de paramètres des résidences sensibles")
    for cle in ("seuil_indicateur", "seuil_score", "taille_minimum", "indicateurs"):
        if brut.get(cle) in (None, "", {}):
            raise ErreurConfiguration(f"{source} : la rubrique « {cle} » est obligatoire.")
    colonnes_ops = set(schema.colonnes_traitees("ops"))
    indicateurs = []
    if not isinstance(brut["indicateurs"], dict):
        raise ErreurConfiguration(f"{source} : « indicateurs » doit associer un code à chaque indicateur.")
    for code, valeur in brut["indicateurs"].items():
        valeur = valeur or {}
        numerateur = valeur.get("numerateur")
        denominateur = valeur.get("denominateur", "nb_menages")
        for role, colonne in (("numerateur", numerateur), ("denominateur", denominateur)):
            if colonne not in colonnes_ops:
                raise ErreurConfiguration(
                    f"{source} : indicateur « {code} », {role} « {colonne} » n'est pas une colonne "
                    f"de la table OPS ({', '.join(sorted(colonnes_ops))})."
                )
        seuil = valeur.get("seuil")
        indicateurs.append(
            IndicateurFragilite(
                code=str(code),
                libelle=str(valeur.get("libelle", code)),
                numerateur=str(numerateur),
                denominateur=str(denominateur),
                poids=_nombre(valeur.get("poids", 1), f"indicateurs.{code}.poids", source),
                seuil=None if seuil is None else _nombre(seuil, f"indicateurs.{code}.seuil", source, strict=True),
            )
        )
    tranches = tuple(int(a) for a in (brut.get("tranches_age") or (30, 50, 65)))
    if list(tranches) != sorted(set(tranches)):
        raise ErreurConfiguration(f"{source} : « tranches_age » doit être une liste croissante d'âges.")
    return ParametresFragilite(
        indicateurs=tuple(indicateurs),
        seuil_indicateur=_nombre(brut["seuil_indicateur"], "seuil_indicateur", source, strict=True),
        seuil_score=_nombre(brut["seuil_score"], "seuil_score", source, strict=True),
        taille_minimum=int(_nombre(brut["taille_minimum"], "taille_minimum", source)),
        tranches_age=tranches,
        source=source,
    )


# --------------------------------------------------------------------------- OPS years


def annees_ops(ops: pd.DataFrame) -> list[int]:
    """Survey years present in the OPS table, in increasing order."""
    return sorted(int(a) for a in pd.Series(ops["annee_ops"]).dropna().unique())


def _liste_annees(annees: list[int]) -> str:
    return ", ".join(str(a) for a in annees) if annees else "aucune (table OPS vide)"


def annee_ops_disponible(ops: pd.DataFrame, annee: int, exacte: bool = False) -> int:
    """The OPS year to use for ``annee``: the latest survey year ≤ ``annee``.

    Parameters
    ----------
    ops : pandas.DataFrame
        Processed OPS table.
    annee : int
        Year of interest (e.g. the report year).
    exacte : bool, default False
        Require a survey of exactly ``annee`` (the CLI's ``--annee-ops``).

    Returns
    -------
    int

    Raises
    ------
    ErreurParametre
        No suitable survey; the message lists the years available.

    Examples
    --------
    >>> ops = pd.DataFrame({"annee_ops": [2022, 2024, 2024]})
    >>> annee_ops_disponible(ops, 2025)
    2024
    >>> annee_ops_disponible(ops, 2023)
    2022
    """
    annee = int(annee)
    disponibles = annees_ops(ops)
    if exacte:
        if annee in disponibles:
            return annee
        raise ErreurParametre(
            f"aucune enquête OPS pour l'année {annee} ; années disponibles : {_liste_annees(disponibles)}."
        )
    candidates = [a for a in disponibles if a <= annee]
    if not candidates:
        raise ErreurParametre(
            f"aucune enquête OPS en {annee} ou avant ; années disponibles : {_liste_annees(disponibles)}."
        )
    return candidates[-1]


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


# --------------------------------------------------------------------------- placements


def _date(x) -> pd.Timestamp:
    return pd.Timestamp(x)


def baux_periode(attributions: pd.DataFrame, territoire: Territoire, du, au) -> pd.DataFrame:
    """Leases signed in [du, au] (inclusive), with household columns (``q1``, ``prioritaire``...).

    Raises
    ------
    ErreurParametre
        ``du`` after ``au``.
    ErreurSeuilManquant
        A lease year of the period has no 1st-quartile threshold.
    """
    return enrichir_menages(baux_signes(attributions, du, au), territoire, "date_bail")


def _situations(baux: pd.DataFrame, residences_scores: pd.DataFrame) -> pd.Series:
    s = residences_scores.drop_duplicates("id_residence").set_index("id_residence")
    ids = baux["id_residence"]
    connue = ids.notna() & ids.isin(s.index)
    signalee = ids.map(s["signalee"].fillna(False).astype(bool)).fillna(False).astype(bool)
    incertaine = ids.map(s["incertaine"].fillna(True).astype(bool)).fillna(False).astype(bool)
    situation = pd.Series(EN_INCONNUE, index=baux.index, dtype="string")
    situation[connue] = EN_AUTRE
    situation[connue & incertaine] = EN_INCERTAINE
    situation[connue & signalee] = EN_SIGNALEE
    return situation


def _compter(baux: pd.DataFrame) -> dict:
    q1 = baux["q1"]
    return {
        "nb_baux": len(baux),
        "nb_q1": int(q1.fillna(False).astype(bool).sum()),
        "nb_ressources_inconnues": int(q1.isna().sum()),
        "nb_prioritaires": int(baux["prioritaire"].fillna(False).astype(bool).sum()),
        "nb_dalo": int(baux["dalo"].fillna(False).astype(bool).sum()),
    }


def controle_placement(
    attributions: pd.DataFrame, residences_scores: pd.DataFrame, territoire: Territoire, du, au
) -> pd.DataFrame:
    """Leases to 1st-quartile and priority households in flagged residences vs elsewhere.

    Parameters
    ----------
    attributions : pandas.DataFrame
        Processed attributions table.
    residences_scores : pandas.DataFrame
        Output of :func:`scores_fragilite` (the list in force for the period).
    territoire : Territoire
        For the 1st-quartile thresholds.
    du, au : date-like
        Lease dates ``date_bail`` in [du, au], bounds included.

    Returns
    -------
    pandas.DataFrame
        For each bailleur (alphabetical) then ``Ensemble``, one row per situation of the
        dwelling (``résidence signalée``, ``résidence incertaine``, ``autre résidence``,
        ``résidence non renseignée``: no ``id_residence`` or one absent from the list):
        ``nb_baux``, ``nb_q1`` (resources strictly below the year's threshold; unknown
        resources are never Q1 and stay in the denominator), ``part_q1``,
        ``nb_ressources_inconnues``, ``nb_prioritaires`` (DALO or labelled), ``part_prioritaires``,
        ``nb_dalo``, and ``part_des_q1`` / ``part_des_prioritaires``: the share of the
        bailleur's Q1 (priority) leases that went to this situation.

    Raises
    ------
    ErreurSeuilManquant
        A lease year in the period has no 1st-quartile threshold.
    """
    baux = baux_periode(attributions, territoire, du, au)
    baux = baux.assign(situation=_situations(baux, residences_scores))
    bailleurs = sorted(baux["bailleur"].dropna().astype(str).unique())
    lignes = []
    for bailleur in [*bailleurs, ENSEMBLE]:
        sous = baux if bailleur == ENSEMBLE else baux[baux["bailleur"] == bailleur]
        for situation in SITUATIONS_PLACEMENT:
            lignes.append({"bailleur": bailleur, "situation": situation, **_compter(sous[sous["situation"] == situation])})
    colonnes = ["bailleur", "situation", "nb_baux", "nb_q1", "nb_ressources_inconnues", "nb_prioritaires", "nb_dalo"]
    t = pd.DataFrame(lignes, columns=colonnes)
    entiers = colonnes[2:]
    t[entiers] = t[entiers].astype("Int64")

    def part(num, den):
        return (num.astype("Float64") / den.astype("Float64").where(den > 0)).astype("Float64")

    t["part_q1"] = part(t["nb_q1"], t["nb_baux"])
    t["part_prioritaires"] = part(t["nb_prioritaires"], t["nb_baux"])
    total_q1 = t.groupby("bailleur")["nb_q1"].transform("sum")
    total_prio = t.groupby("bailleur")["nb_prioritaires"].transform("sum")
    t["part_des_q1"] = part(t["nb_q1"], total_q1)
    t["part_des_prioritaires"] = part(t["nb_prioritaires"], total_prio)
    t["bailleur"] = t["bailleur"].astype("string")
    t["situation"] = t["situation"].astype("string")
    return t[["bailleur", "situation", "nb_baux", "nb_q1", "part_q1", "nb_ressources_inconnues",
              "nb_prioritaires", "part_prioritaires", "nb_dalo", "part_des_q1", "part_des_prioritaires"]]


def tableau_placement(controle: pd.DataFrame, mesure: str = "nb_q1") -> pd.DataFrame:
    """Wide table of one count of :func:`controle_placement`: bailleurs × situations.

    Rows: bailleurs then ``Ensemble`` (index); columns: the four situations then ``Total``.
    Ready for :func:`cia_lib.confidentialite.masquer_effectifs` with
    ``colonne_total="Total", ligne_total="Ensemble"``.
    """
    t = controle.pivot(index="bailleur", columns="situation", values=mesure)
    ordre = [b for b in controle["bailleur"].drop_duplicates()]
    t = t.reindex(index=ordre, columns=list(SITUATIONS_PLACEMENT)).astype("Int64")
    t["Total"] = t.sum(axis=1).astype("Int64")
    t.index.name = "bailleur"
    t.columns.name = None
    return t


def placement_par_residence(
    attributions: pd.DataFrame, residences_scores: pd.DataFrame, territoire: Territoire, du, au
) -> pd.DataFrame:
    """Leases of the period in each flagged residence (residence-level: mask in diffusion).

    Returns
    -------
    pandas.DataFrame
        One row per flagged residence: ``id_residence``, ``nom_residence``, ``bailleur``,
        ``code_commune``, ``nb_baux``, ``nb_q1``, ``nb_ressources_inconnues``,
        ``nb_prioritaires``, ``nb_dalo`` (zeros when no lease).
    """
    baux = baux_periode(attributions, territoire, du, au)
    signalees = residences_scores[residences_scores["signalee"].fillna(False).astype(bool)]
    lignes = []
    for r in signalees.itertuples(index=False):
        lignes.append({
            "id_residence": r.id_residence, "nom_residence": r.nom_residence, "bailleur": r.bailleur,
            "code_commune": r.code_commune, **_compter(baux[baux["id_residence"] == r.id_residence]),
        })
    colonnes = ["id_residence", "nom_residence", "bailleur", "code_commune",
                "nb_baux", "nb_q1", "nb_ressources_inconnues", "nb_prioritaires", "nb_dalo"]
    t = pd.DataFrame(lignes, columns=colonnes)
    t[colonnes[4:]] = t[colonnes[4:]].astype("Int64")
    return t


# --------------------------------------------------------------------------- first peopling


def _tranches(ages: pd.Series, bornes: tuple[int, ...]) -> tuple[pd.Series, list[str]]:
    """Age band labels in French ("moins de 30 ans", "30 à 49 ans", ..., "65 ans ou plus")."""
    etiquettes = []
    bas = None
    for b in bornes:
        etiquettes.append(f"moins de {b} ans" if bas is None else f"{bas} à {b - 1} ans")
        bas = b
    etiquettes.append(f"{bas} ans ou plus")
    a = pd.to_numeric(ages).astype("Float64")
    sortie = pd.Series("âge non renseigné", index=ages.index, dtype="string")
    limites = [float("-inf"), *bornes, float("inf")]
    for etiquette, lo, hi in zip(etiquettes, limites[:-1], limites[1:], strict=True):
        sortie[((a >= lo) & (a < hi)).fillna(False).astype(bool)] = etiquette
    return sortie, etiquettes


def _profil(baux: pd.DataFrame, bornes: tuple[int, ...]) -> list[dict]:
    """Profile rows (indicateur, modalite, effectif) whose modalities add up to the lease count."""
    n = len(baux)
    q1 = baux["q1"]
    prio = baux["prioritaire"].fillna(False).astype(bool)
    mutation = baux["mutation"].fillna(False).astype(bool)
    compo = baux["composition"].astype("string")
    ages, etiquettes = _tranches(baux["age_titulaire"], bornes)
    lignes = [
        ("1er quartile", "sous le seuil du 1er quartile", int(q1.fillna(False).astype(bool).sum())),
        ("1er quartile", "au-dessus du seuil", int((q1 == False).fillna(False).sum())),  # noqa: E712
        ("1er quartile", "ressources inconnues", int(q1.isna().sum())),
        ("ménages prioritaires", "prioritaires (DALO ou labellisés)", int(prio.sum())),
        ("ménages prioritaires", "non prioritaires", int((~prio).sum())),
        ("mutations", "déjà locataires du parc social", int(mutation.sum())),
        ("mutations", "nouveaux entrants", int((~mutation).sum())),
    ]
    for code, libelle in LIBELLES_COMPOSITION.items():
        lignes.append(("composition familiale", libelle, int((compo == code).fillna(False).sum())))
    lignes.append(("composition familiale", "non renseignée", int(compo.isna().sum())))
    for etiquette in [*etiquettes, "âge non renseigné"]:
        lignes.append(("âge du titulaire", etiquette, int((ages == etiquette).sum())))
    return [{"indicateur": i, "modalite": m, "effectif": e, "total": n} for i, m, e in lignes]


def premier_peuplement(donnees, territoire: Territoire, du, au, parametres: ParametresFragilite | None = None
                       ) -> pd.DataFrame:
    """Profile of the first households of the programmes first let in the period.

    New programmes are the residences whose ``annee_mise_en_service`` is one of the years
    of [du, au]; their first households are the leases signed there in [du, au]. They are
    compared with all the territory's leases of the same period.

    Parameters
    ----------
    donnees : Donnees
        Processed tables (``attributions`` and ``residences`` are used).
    territoire : Territoire
    du, au : date-like
        Period (lease dates, bounds included).
    parametres : ParametresFragilite, optional
        For the age bands (default: :func:`charger_parametres_fragilite`).

    Returns
    -------
    pandas.DataFrame
        Tidy: ``perimetre`` (residence name, ``Ensemble des nouveaux programmes``,
        ``Territoire (tous les baux de la période)``), ``id_residence`` (NA for the two
        aggregates), ``nb_logements``, ``indicateur`` (1er quartile, ménages prioritaires,
        mutations, composition familiale, âge du titulaire), ``modalite``, ``effectif``,
        ``total`` (leases of the perimeter), ``part``. Within one perimeter and indicator
        the modalities add up to ``total``. Empty (same columns) when no programme was first
        let in the period.
    """
    parametres = parametres or charger_parametres_fragilite()
    du, au = _date(du), _date(au)
    baux = baux_periode(donnees.attributions, territoire, du, au)
    res = donnees.residences
    annees = list(range(du.year, au.year + 1))
    nouvelles = res[res["annee_mise_en_service"].isin(annees)].sort_values("id_residence")
    colonnes = ["perimetre", "id_residence", "nb_logements", "indicateur", "modalite", "effectif", "total", "part"]
    if nouvelles.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(colonnes, [
            "string", "string", "Int64", "string", "string", "Int64", "Int64", "Float64"], strict=True)})
    lignes = []
    perimetres = [
        (r.nom_residence, r.id_residence, r.nb_logements, baux[baux["id_residence"] == r.id_residence])
        for r in nouvelles.itertuples(index=False)
    ]
    ids = set(nouvelles["id_residence"])
    perimetres.append(("Ensemble des nouveaux programmes", pd.NA, nouvelles["nb_logements"].sum(),
                       baux[baux["id_residence"].isin(ids).fillna(False)]))
    perimetres.append(("Territoire (tous les baux de la période)", pd.NA, pd.NA, baux))
    for nom, ident, nb_log, sous in perimetres:
        for ligne in _profil(sous, parametres.tranches_age):
            lignes.append({"perimetre": nom, "id_residence": ident, "nb_logements": nb_log, **ligne})
    t = pd.DataFrame(lignes, columns=colonnes[:-1])
    for c, d in (("perimetre", "string"), ("id_residence", "string"), ("indicateur", "string"),
                 ("modalite", "string"), ("nb_logements", "Int64"), ("effectif", "Int64"), ("total", "Int64")):
        t[c] = t[c].astype(d)
    t["part"] = (t["effectif"].astype("Float64") / t["total"].astype("Float64").where(t["total"] > 0)).astype("Float64")
    return t


# --------------------------------------------------------------------------- diffusion


def masquer_liste_diffusion(scores: pd.DataFrame, seuil: int) -> pd.DataFrame:
    """Residence list for a shared report: no residence-level count from 1 to ``seuil``.

    ``nb_menages`` from 1 to ``seuil`` becomes ``"s"`` and the shares, ratios and reasons of
    that residence are hidden (they would reveal a handful of households). Such residences
    are always ``incertaine`` when ``taille_minimum`` exceeds ``seuil``.
    """
    from .confidentialite import MASQUE, est_secret

    t = scores.copy()
    secret = t["nb_menages"].map(lambda v: est_secret(v, seuil)).astype(bool)
    if secret.any():
        a_cacher = [c for c in t.columns if c.startswith(("part_", "ratio_"))] + ["nb_menages", "motifs",
                                                                                   "raison_incertitude"]
        for c in a_cacher:
            t[c] = t[c].astype(object)
            t.loc[secret, c] = MASQUE
    return t


def masquer_premier_peuplement(profil: pd.DataFrame, seuil: int) -> pd.DataFrame:
    """Mask a :func:`premier_peuplement` table for diffusion (primary and secondary secret).

    Within each perimeter × indicator, the modalities add up to the perimeter's lease
    count: :func:`cia_lib.confidentialite.masquer_tableau_indicateurs` masks counts from 1
    to ``seuil`` (and their complements) and completes the masking so that no cell can be
    recomputed by subtraction.
    """
    from .confidentialite import masquer_tableau_indicateurs

    t = profil.rename(columns={"effectif": "numerateur", "total": "denominateur", "part": "taux"})
    t = t.assign(niveau=t["perimetre"].astype(str) + " / " + t["indicateur"].astype(str))
    t = masquer_tableau_indicateurs(t, seuil)
    return t.drop(columns="niveau").rename(columns={"numerateur": "effectif", "denominateur": "total", "taux": "part"})


def masquer_placement_residences(placement: pd.DataFrame, seuil: int) -> pd.DataFrame:
    """Mask :func:`placement_par_residence` for diffusion, with a total row of the flagged residences.

    Counts from 1 to ``seuil`` become ``"s"``; the total row « Ensemble des résidences
    signalées » is added and secondary masking along each column keeps a single masked
    residence from being recomputed from that total.
    """
    from .confidentialite import masquer_effectifs

    comptes = ["nb_baux", "nb_q1", "nb_ressources_inconnues", "nb_prioritaires", "nb_dalo"]
    total = {c: int(placement[c].sum()) for c in comptes}
    libelle_total = "Ensemble des résidences signalées"
    t = pd.concat([placement, pd.DataFrame([{"nom_residence": libelle_total, **total}])], ignore_index=True)
    t.index = [*range(len(placement)), libelle_total]
    t = masquer_effectifs(t, comptes, seuil, ligne_total=libelle_total)
    return t.reset_index(drop=True)


def residences_pour_carte(scores: pd.DataFrame) -> pd.DataFrame:
    """Scores ready for :func:`cia_lib.cartes.carte_residences`: ``signalee`` is NA where the
    residence is ``incertaine`` (shown as « fragilité non évaluée », never as cleared)."""
    t = scores.copy()
    t["signalee"] = t["signalee"].astype("boolean").mask(t["incertaine"].fillna(True).astype(bool))
    return t


def tableau_premier_peuplement(profil: pd.DataFrame) -> pd.DataFrame:
    """Wide view of :func:`premier_peuplement` (masked or not): one row per indicator × modality,
    two columns per perimeter (« effectif » and « part »), plus a first row of lease counts."""
    perimetres = list(dict.fromkeys(profil["perimetre"]))
    lignes = profil[["indicateur", "modalite"]].drop_duplicates().reset_index(drop=True)
    sortie = lignes.copy()
    totaux = {"indicateur": "baux signés", "modalite": "total"}
    for p in perimetres:
        sous = profil[profil["perimetre"] == p].set_index(["indicateur", "modalite"])
        cles = list(zip(lignes["indicateur"], lignes["modalite"], strict=True))
        sortie[f"{p} – effectif"] = [sous.loc[k, "effectif"] for k in cles]
        sortie[f"{p} – part"] = [sous.loc[k, "part"] for k in cles]
        totaux[f"{p} – effectif"] = sous["total"].iloc[0] if len(sous) else 0
        totaux[f"{p} – part"] = None
    return pd.concat([pd.DataFrame([totaux]), sortie], ignore_index=True)


def tableau_synthese_placement(controle: pd.DataFrame) -> pd.DataFrame:
    """``Ensemble`` rows of :func:`controle_placement` (one per situation), for a quick read."""
    return controle[controle["bailleur"] == ENSEMBLE].drop(columns="bailleur").reset_index(drop=True)


__all__ = [
    "IndicateurFragilite", "ParametresFragilite", "charger_parametres_fragilite", "annees_ops",
    "annee_ops_disponible", "moyennes_territoire", "scores_fragilite", "evolution_liste", "synthese_liste",
    "baux_periode", "controle_placement", "tableau_placement", "placement_par_residence", "premier_peuplement",
    "masquer_liste_diffusion", "masquer_premier_peuplement", "masquer_placement_residences",
    "residences_pour_carte", "tableau_premier_peuplement", "tableau_synthese_placement", "format_pct",
    "format_nombre", "FICHIER_PARAMETRES", "STATUTS_EVOLUTION", "SITUATIONS_PLACEMENT", "ENSEMBLE",
]
