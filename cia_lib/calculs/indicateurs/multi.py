"""The CIA indicators for many EPCIs at once (a département, the whole country).

:func:`tableau_multi_epci` gives, for every EPCI, exactly the rows
:func:`~cia_lib.calculs.indicateurs.tableau_indicateurs` gives for that EPCI alone on the rows of its
communes (leases by ``code_commune``, demands by ``code_commune_souhaitee``), plus a
``siren_epci`` column. It is computed in one pass: every count is a groupby over
(``siren_epci``, key), never a loop over EPCIs. Each EPCI keeps its own quartile threshold and
its own latest demand snapshot; the other settings (targets, UC scale, réservataires,
bailleurs, minimum count) are shared and must be equal for every territory.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from cia_lib.calculs.menages import (
    est_prioritaire,
    est_sous_seuil,
    ressources_annuelles_par_uc,
    unites_consommation,
)
from cia_lib.entrees import schema
from cia_lib.entrees.donnees import COLONNES_COMMUNE
from cia_lib.erreurs import ErreurParametre, ErreurSeuilManquant
from cia_lib.territoire.config import Territoire
from cia_lib.territoire.multi_epci import parametres_communs, table_commune_epci

from ._communs import (
    COLONNES_CLES,
    LIBELLES_INDICATEURS,
    NATURE_EFFECTIF,
    NATURE_RATIO,
    NATURE_TAUX,
    _vrai,
    completer_baux,
    dans_periode,
    finaliser,
    mois_revolus,
    verifier_periode,
)
from .tableau import _COLONNES_BAUX, _COLONNES_DEMANDES, DEFINITIONS_BAUX, cible_indicateur

COLONNE_EPCI = "siren_epci"

OBJECTIFS_COMPARES = {
    "q1_hors_qpv": "q1_hors_qpv",
    "hors_q1_en_qpv": "hors_q1_en_qpv",
    "prioritaires": "prioritaires",
}
"""Objectives ranked by :func:`comparaison_epci` (indicator of the tidy table at EPCI level)."""

TITRES_OBJECTIFS = {
    "q1_hors_qpv": "1er quartile hors QPV",
    "hors_q1_en_qpv": "Hors 1er quartile en QPV",
    "prioritaires": "Ménages prioritaires",
}
"""Short French titles of the ranked objectives (tables and charts of the comparison)."""

CONTEXTE_COMPARE = ("dalo", "mutations_part_attributions", "mutations_part_demandes", "pression",
                    "demandes_delai_anormal")
"""Other EPCI-level figures shown (not ranked) by :func:`comparaison_epci`."""


INDICATEURS_PRINCIPAUX = frozenset({
    ("q1_hors_qpv", "epci"), ("prioritaires", "reservataire"), ("mutations_part_attributions", "epci"),
    ("mutations_part_demandes", "epci"), ("pression", "epci"),
})
"""(indicateur, niveau) computed by :func:`indicateurs_principaux_multi`."""

COLONNES_MULTI_EPCI = {
    "attributions": ("date_bail", "bailleur", "reservataire", "code_commune", "code_qpv", "typologie",
                     "ressources_mensuelles", "nb_personnes", "nb_moins_14", "dalo", "prioritaire_l441",
                     "mutation", "relogement_renouvellement"),
    "demandes": ("date_extraction", "date_depot", "code_commune_souhaitee", "typologie_souhaitee", "mutation"),
    "residences": (),
    "ops": (),
}
"""Columns :func:`tableau_multi_epci` reads: pass to
``charger_donnees(dossier, colonnes=COLONNES_MULTI_EPCI)`` to read only them."""

COLONNES_PRINCIPAUX = {
    **COLONNES_MULTI_EPCI,
    "attributions": tuple(c for c in COLONNES_MULTI_EPCI["attributions"] if c != "typologie"),
    "demandes": ("date_extraction", "code_commune_souhaitee", "mutation"),
}
"""Columns :func:`indicateurs_principaux_multi` reads (for ``charger_donnees(colonnes=…)``)."""


# --------------------------------------------------------------------------- helpers


def restreindre(donnees, territoire: Territoire):
    """The processed tables restricted to the rows of one territory's communes.

    Leases by ``code_commune``, demands by ``code_commune_souhaitee``, residences by
    ``code_commune`` and OPS rows by those residences. This is what a single-EPCI run sees
    when its extracts hold that EPCI only.

    Returns
    -------
    cia_lib.entrees.donnees.Donnees
    """
    communes = list(territoire.communes)
    tables = {
        nom: getattr(donnees, nom).loc[getattr(donnees, nom)[colonne].isin(communes)].reset_index(drop=True)
        for nom, colonne in COLONNES_COMMUNE.items()
    }
    ops = donnees.ops
    tables["ops"] = ops.loc[ops["id_residence"].isin(tables["residences"]["id_residence"])].reset_index(drop=True)
    return dataclasses.replace(donnees, **tables)


def _modele(territoires: list[Territoire]) -> Territoire:
    if not territoires:
        raise ErreurParametre("aucun EPCI à calculer : la liste des territoires est vide.")
    modele = territoires[0]
    reference = parametres_communs(modele)
    for t in territoires[1:]:
        if parametres_communs(t) != reference:
            raise ErreurParametre(
                f"les EPCI {modele.siren} et {t.siren} n'ont pas les mêmes paramètres communs "
                "(réservataires, objectifs, échelle UC, bailleurs…) : calculez-les séparément."
            )
    sirens = [t.siren for t in territoires]
    doublons = sorted({s for s in sirens if sirens.count(s) > 1})
    if doublons:
        raise ErreurParametre(f"EPCI en double dans la liste : {', '.join(doublons)}.")
    table_commune_epci(territoires)  # a commune in two EPCIs is an error
    return modele


def _factoriser(serie: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 = missing) and distinct values of a text column.

    Arrow-backed strings are encoded by pyarrow's ``dictionary_encode`` (several times
    faster than :func:`pandas.factorize` on millions of rows); other columns by pandas."""
    tableau = getattr(serie.array, "_pa_array", None)
    if tableau is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        encode = tableau.dictionary_encode()
        morceaux = encode.chunks
        if morceaux and all(m.dictionary.equals(morceaux[0].dictionary) for m in morceaux[1:]):
            indices = pa.chunked_array([m.indices for m in morceaux], type=morceaux[0].indices.type)
            codes = pc.fill_null(indices, -1).to_numpy().astype(np.int64)
            return codes, np.asarray(morceaux[0].dictionary.to_pylist(), dtype=object)
        if not morceaux:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
    codes, uniques = pd.factorize(serie.astype("string"))
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def _index_epci(codes_communes: pd.Series, territoires: list[Territoire]) -> np.ndarray:
    """Position in ``territoires`` of each row's EPCI (from its commune code); -1 outside.

    Same mapping as :func:`cia_lib.territoire.multi_epci.siren_des_communes`, as integers."""
    codes, uniques = _factoriser(codes_communes)
    position = {t.siren: i for i, t in enumerate(territoires)}
    correspondance = table_commune_epci(territoires)
    table = np.array([position[correspondance[c]] if c in correspondance else -1 for c in uniques] + [-1],
                     dtype=np.int64)
    return table[codes]  # code -1 (missing commune) takes the last entry: -1


def _seuils_lignes(index_epci: np.ndarray, annees: pd.Series, territoires: list[Territoire]) -> pd.Series:
    """1st-quartile threshold of each row's (EPCI, year); French error when one is missing."""
    toutes = sorted({a for t in territoires for a in t.seuils})
    annees_np = annees.to_numpy(dtype="float64", na_value=np.nan)
    connues = ~np.isnan(annees_np)
    sortie = np.full(len(annees_np), np.nan)
    if connues.any():
        premiere = int(min(toutes[0] if toutes else 0, np.nanmin(annees_np)))
        derniere = int(max(toutes[-1] if toutes else 0, np.nanmax(annees_np)))
        grille = np.full((len(territoires), derniere - premiere + 1), np.nan)
        for i, t in enumerate(territoires):
            for a, seuil in t.seuils.items():
                if premiere <= a <= derniere:
                    grille[i, a - premiere] = seuil.q1
        colonne = np.where(connues, annees_np - premiere, 0).astype(np.int64)
        sortie = np.where(connues, grille[index_epci, colonne], np.nan)
        manquants = connues & np.isnan(sortie)
        if manquants.any():
            paires = sorted(set(zip(index_epci[manquants].tolist(), annees_np[manquants].astype(int).tolist())))
            i, annee = paires[0]
            t = territoires[i]
            raise ErreurSeuilManquant(int(annee), t.siren, t.chemin_seuils)
    return pd.Series(pd.array(sortie, dtype="Float64"), index=annees.index)


def _preparer_baux_multi(donnees, territoires, modele, du, au) -> pd.DataFrame:
    """Leases of the period in the territories, enriched as :func:`preparer_baux` does but with
    each EPCI's own threshold (same household arithmetic from :mod:`cia_lib.calculs.menages`)."""
    att = donnees.attributions
    debut, fin = verifier_periode(du, au)
    index_epci = _index_epci(att["code_commune"], territoires)
    garder = dans_periode(att["date_bail"], debut, fin).to_numpy(dtype=bool) & (index_epci >= 0)
    baux = att.loc[garder].reset_index(drop=True)
    baux["_epci"] = index_epci[garder]  # position of the EPCI in ``territoires``
    annees = baux["date_bail"].dt.year.astype("Int64")
    baux["uc"] = unites_consommation(baux["nb_personnes"], baux["nb_moins_14"], modele.echelle_uc)
    baux["ressources_uc"] = ressources_annuelles_par_uc(baux["ressources_mensuelles"], baux["uc"])
    baux["seuil_q1"] = _seuils_lignes(baux["_epci"].to_numpy(), annees, territoires)
    baux["q1"] = est_sous_seuil(baux["ressources_uc"], baux["seuil_q1"])
    baux["prioritaire"] = est_prioritaire(baux["dalo"], baux["prioritaire_l441"])
    return completer_baux(baux, modele)


def _preparer_demandes_multi(demandes: pd.DataFrame, territoires, modele, au, avec_delais: bool = True) -> pd.DataFrame:
    """Active demands of each EPCI's latest snapshot on or before ``au`` (as
    :func:`preparer_demandes` on that EPCI's rows; without ``anciennete_mois`` and
    ``delai_anormal`` when ``avec_delais`` is false). The EPCI is the integer column
    ``_epci`` (position in ``territoires``)."""
    index_epci = _index_epci(demandes["code_commune_souhaitee"], territoires)
    fin = au + pd.Timedelta(days=1)
    garder = (index_epci >= 0) & (demandes["date_extraction"] < fin).fillna(False).to_numpy(dtype=bool)
    utiles = ["date_extraction", "mutation", *(["date_depot"] if avec_delais else []),
              *(c for c in COLONNES_CLES["demandes"].values() if c in demandes.columns)]
    d = demandes.loc[garder, utiles]
    epci = index_epci[garder]
    # Day of each snapshot as an integer (no missing date left after the filter above), and
    # the latest day of each EPCI.
    jour = d["date_extraction"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype("int64")
    dernier_jour = np.full(len(territoires), np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(dernier_jour, epci, jour)
    dernier = jour == dernier_jour[epci]
    actives = d.loc[dernier].reset_index(drop=True)
    actives["_epci"] = epci[dernier]
    actives["tous"] = True
    actives["mutation"] = _vrai(actives["mutation"])
    if avec_delais:
        actives["anciennete_mois"] = mois_revolus(actives["date_depot"], actives["date_extraction"])
        actives["delai_anormal"] = (
            (actives["anciennete_mois"] >= modele.delai_anormalement_long_mois).fillna(False).astype(bool)
        )
    return actives


class _Groupes:
    """Integer codes of the EPCI (column ``_epci``) and of each level's key for one table
    (factorised once) so that every count is an ``np.bincount`` over (EPCI, key) codes."""

    def __init__(self, table: pd.DataFrame, source: str, territoires: list[Territoire]):
        self.table = table
        self.source = source
        self.siren_codes = table["_epci"].to_numpy(dtype=np.int64)
        self.sirens = np.asarray([t.siren for t in territoires], dtype=object)
        self._cles: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def cles(self, niveau: str) -> tuple[np.ndarray, np.ndarray]:
        if niveau not in self._cles:
            self._cles[niveau] = _factoriser(self.table[COLONNES_CLES[self.source][niveau]])
        return self._cles[niveau]

    def compter(self, niveau: str, colonnes: list[str]) -> pd.DataFrame:
        """Sums of boolean columns by (siren_epci, key of ``niveau``), like
        :func:`cia_lib.calculs.indicateurs._communs.compter` for each EPCI: rows whose key is missing
        count only at the EPCI level; only (EPCI, key) pairs with rows appear."""
        n_siren = len(self.sirens)
        sirens = self.sirens
        if niveau == "epci":
            valides = self.siren_codes >= 0
            combine, n_cles = self.siren_codes, 1
        else:
            cles, uniques = self.cles(niveau)
            valides = (self.siren_codes >= 0) & (cles >= 0)
            n_cles = max(len(uniques), 1)
            combine = self.siren_codes * n_cles + cles
        combine = combine[valides]
        taille = n_siren * n_cles
        lignes = np.bincount(combine, minlength=taille)
        garde = np.flatnonzero(lignes)
        sommes = {
            c: np.bincount(combine, weights=self.table[c].to_numpy(dtype=bool)[valides], minlength=taille)[garde]
            .round().astype("int64")
            for c in colonnes
        }
        if niveau == "epci":
            index = pd.MultiIndex.from_arrays([sirens[garde], sirens[garde]])
        else:
            index = pd.MultiIndex.from_arrays([sirens[garde // n_cles], uniques[garde % n_cles]])
        index = index.set_levels([index.levels[0].astype("string"), index.levels[1].astype("string")])
        return pd.DataFrame(sommes, index=index)


def _ordres(territoires, modele, baux) -> dict[str, pd.DataFrame]:
    """Required keys of every level for every EPCI: siren, cle, rang, libelle (same keys and
    order as :func:`cia_lib.calculs.indicateurs._communs.referentiel` for each EPCI alone)."""
    sirens = [t.siren for t in territoires]

    def croise(cles: list[str], libelles: dict[str, str]) -> pd.DataFrame:
        n = len(cles)
        return pd.DataFrame({
            "siren": np.repeat(sirens, n), "cle": cles * len(sirens), "rang": list(range(n)) * len(sirens),
            "libelle": [libelles.get(c, c) for c in cles] * len(sirens),
        })

    communes = pd.DataFrame(
        [(t.siren, c, i, nom) for t in territoires for i, (c, nom) in enumerate(t.communes.items())],
        columns=["siren", "cle", "rang", "libelle"],
    )
    configures = list(modele.bailleurs)
    bailleurs = croise(configures, {b: b for b in configures})
    presents = baux[["_epci", "bailleur"]].dropna().drop_duplicates()
    presents = presents.loc[~presents["bailleur"].isin(configures)]
    presents = presents.sort_values(["_epci", "bailleur"])
    presents[COLONNE_EPCI] = np.asarray(sirens, dtype=object)[presents["_epci"].to_numpy()]
    autres = pd.DataFrame({
        "siren": presents[COLONNE_EPCI].to_numpy(), "cle": presents["bailleur"].to_numpy(),
        "rang": len(configures) + presents.groupby(COLONNE_EPCI).cumcount().to_numpy(),
        "libelle": presents["bailleur"].to_numpy(),
    })
    ordres = {
        "epci": pd.DataFrame({"siren": sirens, "cle": sirens, "rang": 0, "libelle": [t.nom for t in territoires]}),
        "commune": communes,
        "bailleur": pd.concat([bailleurs, autres], ignore_index=True),
        "reservataire": croise(list(modele.reservataires),
                               {code: r.libelle for code, r in modele.reservataires.items()}),
        "typologie": croise(list(schema.TYPOLOGIES), {}),
    }
    for cadre in ordres.values():
        cadre["siren"] = cadre["siren"].astype("string")
        cadre["cle"] = cadre["cle"].astype("string")
        cadre["libelle"] = cadre["libelle"].astype("string")
        cadre["rang"] = cadre["rang"].astype("int64")
    return ordres


def _bloc(indicateur, niveau, ordre: pd.DataFrame, numerateur, denominateur, *, cible=None,
          inconnus=None, nature=NATURE_TAUX, connus: pd.MultiIndex | None = None) -> pd.DataFrame:
    """Rows of one indicator at one level for every EPCI (see :func:`_communs.bloc`).

    ``connus`` is the (siren, cle) index of ``ordre`` when already built."""
    index = numerateur.index.union(denominateur.index)
    if inconnus is not None:
        index = index.union(inconnus.index)
    presents = pd.DataFrame({"siren": index.get_level_values(0).astype("string"),
                             "cle": index.get_level_values(1).astype("string")})
    connus = pd.MultiIndex.from_frame(ordre[["siren", "cle"]]) if connus is None else connus
    extras = presents.loc[~pd.MultiIndex.from_frame(presents).isin(connus)]
    if not extras.empty:
        extras = extras.sort_values(["siren", "cle"])
        taille = ordre.groupby("siren").size()
        extras = extras.assign(
            rang=extras["siren"].map(taille).fillna(0).astype("int64").to_numpy()
            + extras.groupby("siren").cumcount().to_numpy(),
            libelle=extras["cle"],
        )
        lignes = pd.concat([ordre, extras], ignore_index=True)
    else:
        lignes = ordre.copy()
    cles = pd.MultiIndex.from_frame(lignes[["siren", "cle"]])

    def valeurs(serie):
        return serie.reindex(cles, fill_value=0).to_numpy()

    if isinstance(cible, dict):
        cibles = lignes["cle"].map({k: (np.nan if v is None else float(v)) for k, v in cible.items()})
        cibles = pd.array(cibles.to_numpy(dtype=float, na_value=np.nan), dtype="Float64")
    else:
        cibles = pd.array([np.nan if cible is None else float(cible)] * len(lignes), dtype="Float64")
    return pd.DataFrame({
        COLONNE_EPCI: lignes["siren"].to_numpy(),
        "_rang": lignes["rang"].to_numpy(),
        "indicateur": indicateur,
        "niveau": niveau,
        "cle": pd.array(lignes["cle"].to_numpy(), dtype="string"),
        "libelle": pd.array(lignes["libelle"].to_numpy(), dtype="string"),
        "numerateur": pd.array(valeurs(numerateur), dtype="Int64"),
        "denominateur": pd.array(valeurs(denominateur), dtype="Int64"),
        "cible": cibles,
        "inconnus": pd.array([pd.NA] * len(lignes) if inconnus is None else valeurs(inconnus), dtype="Int64"),
        "nature": nature,
    })


# --------------------------------------------------------------------------- public API


def tableau_multi_epci(donnees, territoires: list[Territoire], du, au) -> pd.DataFrame:
    """Every CIA indicator over [du, au] for each EPCI of ``territoires``, in one pass.

    Parameters
    ----------
    donnees : cia_lib.entrees.donnees.Donnees
        Processed tables covering the EPCIs (rows of other communes are ignored).
    territoires : list of Territoire
        EPCIs to compute (see :func:`cia_lib.territoire.multi_epci.charger_territoires`); they must
        share their common settings (targets, réservataires, UC scale, bailleurs,
        minimum count, "délai anormalement long").
    du, au : datetime.date
        First and last day of the period (inclusive).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`~cia_lib.calculs.indicateurs.tableau_indicateurs` preceded by
        ``siren_epci``; rows grouped by EPCI (order of ``territoires``), then in the order of
        the single-EPCI table. For each EPCI, the rows equal those of
        ``tableau_indicateurs(restreindre(donnees, t), t, du, au)``.

    Raises
    ------
    ErreurParametre
        ``du`` after ``au``, empty list, duplicated EPCI, different common settings, a
        commune in two EPCIs.
    ErreurSeuilManquant
        A lease year of the period has no threshold for an EPCI.
    """
    return _tableau(donnees, territoires, du, au, None)


def indicateurs_principaux_multi(donnees, territoires: list[Territoire], du, au) -> pd.DataFrame:
    """The main indicators of :data:`INDICATEURS_PRINCIPAUX` for each EPCI, in one pass.

    Same computation as :func:`tableau_multi_epci` (same code), restricted to the rows of
    :data:`INDICATEURS_PRINCIPAUX` (1st quartile outside QPV per EPCI, priority households
    per EPCI × réservataire, mutation shares of leases and demands, pressure per EPCI):
    what a national dashboard needs, and what the DuckDB reference of
    ``benchmarks/national.py`` computes.

    Parameters
    ----------
    donnees : cia_lib.entrees.donnees.Donnees
        Processed tables; only the columns of :data:`COLONNES_PRINCIPAUX` are used.
    territoires : list of Territoire
    du, au : datetime.date

    Returns
    -------
    pandas.DataFrame
        The rows of ``tableau_multi_epci(donnees, territoires, du, au)`` whose
        (``indicateur``, ``niveau``) is in :data:`INDICATEURS_PRINCIPAUX`, same columns,
        same order.

    Raises
    ------
    ErreurParametre, ErreurSeuilManquant
        As :func:`tableau_multi_epci`.
    """
    return _tableau(donnees, territoires, du, au, INDICATEURS_PRINCIPAUX)


def _tableau(donnees, territoires, du, au, selection) -> pd.DataFrame:
    """:func:`tableau_multi_epci` restricted to the (indicateur, niveau) of ``selection``
    (None: everything)."""

    def voulu(indicateur, niveau):
        return selection is None or (indicateur, niveau) in selection

    du, au = verifier_periode(du, au)
    modele = _modele(territoires)
    baux = _preparer_baux_multi(donnees, territoires, modele, du, au)
    avec_delais = voulu("demandes_delai_anormal", "epci") or voulu("demandes_delai_anormal", "commune")
    demandes = _preparer_demandes_multi(donnees.demandes, territoires, modele, au, avec_delais)
    ordres = _ordres(territoires, modele, baux)
    connus = {niveau: pd.MultiIndex.from_frame(o[["siren", "cle"]]) for niveau, o in ordres.items()}

    cb: dict[str, pd.DataFrame] = {}
    cd: dict[str, pd.DataFrame] = {}
    groupes_baux = _Groupes(baux, "baux", territoires)
    groupes_demandes = _Groupes(demandes, "demandes", territoires)

    def comptes_baux(niveau):
        if niveau not in cb:
            cb[niveau] = groupes_baux.compter(niveau, _COLONNES_BAUX)
        return cb[niveau]

    def comptes_demandes(niveau):
        if niveau not in cd:
            cd[niveau] = groupes_demandes.compter(
                niveau, [c for c in _COLONNES_DEMANDES if c in groupes_demandes.table.columns])
        return cd[niveau]

    blocs: dict[str, list[pd.DataFrame]] = {nom: [] for nom in LIBELLES_INDICATEURS}
    for indicateur, (num, den, inc, _, niveaux) in DEFINITIONS_BAUX.items():
        for niveau in niveaux:
            if not voulu(indicateur, niveau):
                continue
            c = comptes_baux(niveau)
            blocs[indicateur].append(_bloc(
                indicateur, niveau, ordres[niveau], c[num], c[den],
                cible=cible_indicateur(indicateur, niveau, modele), inconnus=c[inc] if inc else None,
                connus=connus[niveau],
            ))
    for niveau in ("epci", "commune"):
        if voulu("mutations_part_demandes", niveau):
            d = comptes_demandes(niveau)
            blocs["mutations_part_demandes"].append(_bloc(
                "mutations_part_demandes", niveau, ordres[niveau], d["mutation"], d["tous"], connus=connus[niveau]))
        if voulu("demandes_delai_anormal", niveau):
            d = comptes_demandes(niveau)
            blocs["demandes_delai_anormal"].append(_bloc(
                "demandes_delai_anormal", niveau, ordres[niveau], d["delai_anormal"], d["tous"], connus=connus[niveau]))
    for niveau in ("epci", "commune", "typologie"):
        if voulu("pression", niveau):
            d, c = comptes_demandes(niveau), comptes_baux(niveau)
            blocs["pression"].append(
                _bloc("pression", niveau, ordres[niveau], d["tous"], c["tous"], nature=NATURE_RATIO,
                      connus=connus[niveau]))
        if voulu("pression_mutations", niveau):
            d, c = comptes_demandes(niveau), comptes_baux(niveau)
            blocs["pression_mutations"].append(
                _bloc("pression_mutations", niveau, ordres[niveau], d["mutation"], c["mutation"], nature=NATURE_RATIO,
                      connus=connus[niveau]))
    for niveau in ("epci", "bailleur"):
        if voulu("mutations_internes", niveau):
            c = comptes_baux(niveau)
            blocs["mutations_internes"].append(
                _bloc("mutations_internes", niveau, ordres[niveau], c["mutation"], c["tous"], nature=NATURE_EFFECTIF,
                      connus=connus[niveau]))

    morceaux = [b.assign(_bloc=i) for i, b in enumerate(b for nom in LIBELLES_INDICATEURS for b in blocs[nom])]
    lignes = pd.concat(morceaux, ignore_index=True)
    position = {t.siren: i for i, t in enumerate(territoires)}
    lignes["_epci"] = lignes[COLONNE_EPCI].map(position).astype("int64")
    lignes = lignes.sort_values(["_epci", "_bloc", "_rang"], kind="stable").reset_index(drop=True)
    sirens = pd.array(lignes[COLONNE_EPCI].to_numpy(), dtype="string")
    sortie = finaliser(lignes.drop(columns=[COLONNE_EPCI, "_epci", "_bloc", "_rang"]), modele, du, au)
    sortie.insert(0, COLONNE_EPCI, sirens)
    return sortie


def comparaison_epci(tableau_multi: pd.DataFrame) -> pd.DataFrame:
    """One row per EPCI: each objective's rate, counts, status and rank among the EPCIs.

    Parameters
    ----------
    tableau_multi : pandas.DataFrame
        Output of :func:`tableau_multi_epci`.

    Returns
    -------
    pandas.DataFrame
        Columns ``siren_epci, nom_epci, baux_signes``; for each objective of
        :data:`OBJECTIFS_COMPARES` (``q1_hors_qpv``, ``hors_q1_en_qpv``, ``prioritaires``):
        ``<objectif>_numerateur``, ``_denominateur``, ``_taux``, ``_cible``, ``_statut`` and
        ``_rang`` (1 = highest rate; ties share the smallest rank; no rate = no rank);
        then the rates of :data:`CONTEXTE_COMPARE` (``<indicateur>_taux``). Rows sorted by
        the rank of ``q1_hors_qpv`` (EPCIs without rate last, then by SIREN).
    """
    epci = tableau_multi.loc[tableau_multi["niveau"] == "epci"]
    base = epci.loc[epci["indicateur"] == "prioritaires", [COLONNE_EPCI, "libelle", "denominateur"]]
    sortie = base.rename(columns={"libelle": "nom_epci", "denominateur": "baux_signes"}).reset_index(drop=True)
    for nom, indicateur in OBJECTIFS_COMPARES.items():
        lignes = epci.loc[epci["indicateur"] == indicateur].set_index(COLONNE_EPCI)
        for col in ("numerateur", "denominateur", "taux", "cible", "statut"):
            sortie[f"{nom}_{col}"] = sortie[COLONNE_EPCI].map(lignes[col]).to_numpy()
        # a masked rate ("s", diffusion mode) is not ranked
        taux = pd.to_numeric(sortie[f"{nom}_taux"].astype(object), errors="coerce").astype("Float64")
        sortie[f"{nom}_rang"] = taux.rank(method="min", ascending=False).astype("Int64")
    for indicateur in CONTEXTE_COMPARE:
        lignes = epci.loc[epci["indicateur"] == indicateur].set_index(COLONNE_EPCI)
        valeurs = sortie[COLONNE_EPCI].map(lignes["taux"])
        if valeurs.map(lambda v: isinstance(v, str)).any():
            sortie[f"{indicateur}_taux"] = valeurs.astype(object).to_numpy()
        else:
            sortie[f"{indicateur}_taux"] = valeurs.astype("Float64").to_numpy()
    premier = next(iter(OBJECTIFS_COMPARES))
    return sortie.sort_values([f"{premier}_rang", COLONNE_EPCI], na_position="last").reset_index(drop=True)


def classement_objectif(comparaison: pd.DataFrame, objectif: str) -> pd.DataFrame:
    """The EPCIs ranked on one objective, for display (one row per EPCI).

    Parameters
    ----------
    comparaison : pandas.DataFrame
        Output of :func:`comparaison_epci` (possibly computed on a masked table: masked
        rates have no rank).
    objectif : str
        A key of :data:`OBJECTIFS_COMPARES`.

    Returns
    -------
    pandas.DataFrame
        Columns ``rang, nom_epci, siren_epci, numerateur, denominateur, taux, cible,
        statut``, sorted by rank (EPCIs without rank last, then by SIREN).

    Raises
    ------
    ErreurParametre
        Unknown objective.
    """
    if objectif not in OBJECTIFS_COMPARES:
        raise ErreurParametre(
            f"objectif inconnu : {objectif!r} (attendu : {', '.join(OBJECTIFS_COMPARES)})."
        )
    colonnes = {f"{objectif}_{c}": c for c in ("rang", "numerateur", "denominateur", "taux", "cible", "statut")}
    sortie = comparaison[["nom_epci", COLONNE_EPCI, *colonnes]].rename(columns=colonnes)
    sortie = sortie[["rang", "nom_epci", COLONNE_EPCI, "numerateur", "denominateur", "taux", "cible", "statut"]]
    return sortie.sort_values(["rang", COLONNE_EPCI], na_position="last").reset_index(drop=True)


__all__ = ["tableau_multi_epci", "indicateurs_principaux_multi", "INDICATEURS_PRINCIPAUX", "COLONNES_MULTI_EPCI",
           "COLONNES_PRINCIPAUX", "comparaison_epci", "classement_objectif", "TITRES_OBJECTIFS", "restreindre",
           "COLONNE_EPCI", "OBJECTIFS_COMPARES"]
