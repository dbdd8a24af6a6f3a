"""National-scale synthetic data ("données fictives") for every EPCI bound by the law.

:func:`generer_exemple_national` writes the four raw tables of the data contract
(``attributions``, ``demandes``, ``residences``, ``ops``) for all the EPCIs of the thresholds
table that have communes in the commune → EPCI reference table, with a realistic national size
and shape at ``echelle=1``: about 450 000 leases signed in 2024 (plus the CALEOL decisions not
yet followed by a lease), about 2.6 million active demands in one snapshot on 31/12/2024,
about 100 000 residences and a small OPS table. Leases and demands are spread over the
communes by population (more than proportionally: the social stock is urban); resources per
UC are drawn around each EPCI's own 1st-quartile threshold, so that about a quarter of the
households are in Q1 everywhere.

Everything is vectorised numpy (no loop over rows or EPCIs); files are written by pyarrow as
Parquet or CSV (``,`` separator, UTF-8, ISO dates, booleans ``true``/``false``), in the raw
column names, so ``cia importer`` reads them. Nothing describes a real person or residence:
demand numbers start with ``NATFICT``, residences are "… (fictive)".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from cia_lib.entrees import schema
from cia_lib.erreurs import ErreurParametre
from cia_lib.territoire import chemins
from cia_lib.territoire.multi_epci import COMMUNES_FRANCE, departement_de_commune

from .echantillon import FICHIER_AVERTISSEMENT, verifier_destination_fictive

BAUX_PAR_AN = 450_000
DEMANDES_ACTIVES = 2_600_000
BAUX_PAR_RESIDENCE = 4.5
"""Leases per residence and per year (about 100 000 residences for 450 000 leases)."""
EXPOSANT_BAUX = 1.2
EXPOSANT_DEMANDES = 1.3
"""Leases and demands are spread over communes in proportion to ``population ** exposant``
(more than proportionally: the social stock is urban)."""
ATTRIBUTIONS_SANS_BAIL = 0.08
"""Share of CALEOL decisions not (yet) followed by a lease, added to the leases."""

SEUILS_DEFAUT = Path("data/reference/seuils_quartiles_epci_2024_2026.csv")
FORMATS = ("parquet", "csv")

BAILLEURS_NATIONAUX = (
    "CDC Habitat", "Immobilière 3F", "Seqens", "1001 Vies Habitat", "Emmaüs Habitat",
    "Vilogia", "Domofrance", "Erilia",
)
PARTS_RESERVATAIRES = {
    "etat": 0.25, "etat_fonctionnaires": 0.03, "collectivite": 0.15, "departement": 0.02,
    "region": 0.02, "action_logement": 0.25, "bailleur": 0.26, "autre": 0.02,
}
PARTS_TYPOLOGIES = (0.10, 0.28, 0.35, 0.20, 0.07)
PARTS_TAILLES = (0.38, 0.24, 0.16, 0.12, 0.06, 0.04)  # 1 to 6 persons

_TEXTE_AVERTISSEMENT = """DONNÉES FICTIVES NATIONALES — NE DÉCRIVENT AUCUNE PERSONNE NI AUCUNE RÉSIDENCE RÉELLE

Ces fichiers ont été générés par « cia exemple-national » (graine {graine}, échelle {echelle})
pour les EPCI du tableau des seuils de quartiles : volumes et formes réalistes à l'échelle
nationale, valeurs tirées au hasard. Ils servent aux mesures de performance et aux tests.
L'import détecte ce fichier et marque toutes les sorties « données fictives ».
"""


def _epcis(seuils: Path, communes_france: Path, departement: str | None,
           sirens) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """(communes of the selected EPCIs with population, 2024 thresholds by EPCI, populations
    of the communes of every EPCI bound by the law — the national base of the volumes)."""
    table_seuils = pd.read_csv(seuils, dtype={"siren_epci": "string", "departement": "string"})
    s24 = table_seuils.loc[table_seuils["annee"] == 2024, ["siren_epci", "q1_annuel_uc", "departement"]]
    s24 = s24.assign(code_departement=s24["departement"].str.split(" - ").str[0].str.strip())
    communes = pd.read_csv(communes_france, dtype="string", keep_default_na=False, na_values=[""])
    communes["departement"] = departement_de_commune(communes["code_commune"])
    communes["population"] = pd.to_numeric(communes["population_municipale"], errors="coerce").fillna(0)
    nationale = communes.loc[communes["siren_epci"].isin(s24["siren_epci"]), "population"].to_numpy(dtype=float)
    if departement is not None:
        s24 = s24.loc[s24["code_departement"] == str(departement).zfill(2)]
    if sirens is not None:
        s24 = s24.loc[s24["siren_epci"].isin([str(s) for s in sirens])]
    communes = communes.loc[communes["siren_epci"].isin(s24["siren_epci"])].reset_index(drop=True)
    if communes.empty:
        raise ErreurParametre("aucun EPCI soumis à la loi (tableau des seuils) ne correspond à la sélection.")
    return communes, s24.set_index("siren_epci"), nationale


def part_nationale(population_selection, population_nationale, exposant: float) -> float:
    """Share of the national volume that falls in the selected communes.

    Leases (demands) are spread over the communes in proportion to ``population ** exposant``
    (1.2 for leases, 1.3 for demands): the selection's share is the sum of its weights over the
    national sum. A département run thus gets its EPCIs' share of the national volume, not the
    whole national volume.

    Examples
    --------
    >>> part_nationale([100.0], [100.0, 300.0], 1.0)
    0.25
    """
    selection = float(np.sum(np.asarray(population_selection, dtype=float) ** exposant))
    totale = float(np.sum(np.asarray(population_nationale, dtype=float) ** exposant))
    return selection / totale if totale > 0 else 1.0


def _dates(debut: str, jours: np.ndarray) -> np.ndarray:
    return (np.datetime64(debut, "D") + jours.astype("int64")).astype("datetime64[D]")


def _menages(rng, n: int, seuils_q1: np.ndarray, mediane: float) -> dict[str, np.ndarray]:
    """Household size, children, monthly resources (around the EPCI threshold), composition."""
    nb = rng.choice(np.arange(1, 7), size=n, p=np.array(PARTS_TAILLES))
    enfants = rng.binomial(np.maximum(nb - 1, 0), 0.45)
    uc = 1.0 + 0.5 * (nb - 1 - enfants) + 0.3 * enfants
    par_uc = seuils_q1 * mediane * np.exp(rng.normal(0.0, 0.55, n))
    mensuelles = np.round(par_uc * uc / 12.0, 2)
    inconnues = rng.random(n) < 0.02
    seule = nb == 1
    mono = (nb >= 2) & (enfants >= 1) & (rng.random(n) < 0.35)
    couple_enfants = (enfants >= 1) & ~mono
    couple = (nb == 2) & (enfants == 0)
    composition = np.select(
        [seule, mono, couple_enfants, couple],
        ["personne_seule", "famille_monoparentale", "couple_avec_enfants", "couple_sans_enfant"],
        "autre",
    )
    return {
        "nb_personnes": nb, "nb_moins_14": enfants,
        "ressources_mensuelles": pa.array(mensuelles, mask=inconnues),
        "age_titulaire": rng.integers(18, 90, n), "composition": composition,
    }


def tables_exemple_national(echelle: float = 1.0, graine: int = 2024, *, departement: str | None = None,
                            sirens=None, seuils=None, communes_france=None,
                            progression: bool = True) -> dict[str, pa.Table]:
    """The four raw tables (pyarrow Tables, raw contract columns) of the national sample.

    Parameters
    ----------
    echelle : float, default 1.0
        Size factor: 1.0 = national size (≈ 450 000 leases, 2.6 million demands); 0.01 for tests.
    graine : int, default 2024
        Random seed (same seed and parameters = same tables).
    departement : str, optional
        Keep only the EPCIs of this département (e.g. "95"), with their share of the national
        volume (:func:`part_nationale`).
    sirens : list of str, optional
        Keep only these EPCIs (with their share of the national volume).
    seuils, communes_france : path-like, optional
        Reference tables (default: ``data/reference``).
    progression : bool, default True
        Show a tqdm progress bar.

    Returns
    -------
    dict of str to pyarrow.Table
        ``attributions``, ``demandes``, ``residences``, ``ops``.

    Raises
    ------
    ErreurParametre
        Non-positive scale, or no EPCI matching the selection.
    """
    if not echelle > 0:
        raise ErreurParametre(f"échelle invalide : {echelle} (nombre strictement positif attendu, ex. 0.01).")
    rng = np.random.default_rng(graine)
    communes, s24, nationale = _epcis(chemins.resoudre(seuils or SEUILS_DEFAUT),
                                      chemins.resoudre(communes_france or COMMUNES_FRANCE), departement, sirens)
    population = communes["population"].to_numpy(dtype=float)
    barre = tqdm(total=4, desc="Données fictives nationales", unit="table", disable=not progression)

    codes = communes["code_commune"].to_numpy(dtype=object)
    deps = communes["departement"].to_numpy(dtype=object)
    seuil_commune = communes["siren_epci"].map(s24["q1_annuel_uc"]).to_numpy(dtype=float)
    poids = population ** EXPOSANT_BAUX
    poids = poids / poids.sum()
    n_baux = max(1, round(BAUX_PAR_AN * echelle * part_nationale(population, nationale, EXPOSANT_BAUX)))
    n_decisions = n_baux + round(n_baux * ATTRIBUTIONS_SANS_BAIL)

    # --- residences: at least one in each commune receiving leases, ~4.5 leases each a year.
    commune_bail = rng.choice(len(codes), size=n_decisions, p=poids)
    baux_par_commune = np.bincount(commune_bail, minlength=len(codes))
    n_res_commune = np.where(baux_par_commune > 0, np.maximum(1, np.round(baux_par_commune / BAUX_PAR_RESIDENCE)), 0)
    n_res_commune = n_res_commune.astype("int64")
    debut_res = np.concatenate([[0], np.cumsum(n_res_commune)[:-1]])
    n_res = int(n_res_commune.sum())
    res_commune = np.repeat(np.arange(len(codes)), n_res_commune)
    grande = communes["population"].to_numpy(dtype=float)[res_commune] >= 10_000
    en_qpv = grande & (rng.random(n_res) < 0.35)
    numero_qpv = rng.integers(1, 10, n_res)
    code_qpv = np.where(
        en_qpv,
        np.char.add(np.char.add("QN", np.char.zfill(deps[res_commune].astype(str), 3)),
                    np.char.add(np.char.zfill((res_commune % 100).astype(str), 2), numero_qpv.astype(str))),
        "",
    )
    locaux = np.char.add("OPH ", deps[res_commune].astype(str))
    choix_bailleur = rng.integers(0, len(BAILLEURS_NATIONAUX) + 2, n_res)
    bailleur = np.where(choix_bailleur >= len(BAILLEURS_NATIONAUX),
                        np.where(choix_bailleur == len(BAILLEURS_NATIONAUX), locaux, np.char.add("ESH ", deps[res_commune].astype(str))),
                        np.array(BAILLEURS_NATIONAUX, dtype=object)[np.minimum(choix_bailleur, len(BAILLEURS_NATIONAUX) - 1)])
    id_res = np.char.add("NATR", np.char.zfill(np.arange(1, n_res + 1).astype(str), 7))
    residences = pa.table({
        "id_residence": id_res,
        "nom_residence": np.char.add(np.char.add("Résidence ", np.arange(1, n_res + 1).astype(str)), " (fictive)"),
        "bailleur": bailleur.astype(str),
        "code_commune": codes[res_commune].astype(str),
        "code_qpv": pa.array(code_qpv, mask=~en_qpv),
        "nb_logements": np.maximum(4, np.round(np.exp(rng.normal(np.log(40), 0.7, n_res)))).astype("int64"),
        "annee_mise_en_service": rng.integers(1950, 2025, n_res),
        "latitude": pa.nulls(n_res, pa.float64()),
        "longitude": pa.nulls(n_res, pa.float64()),
    })
    barre.update()

    # --- attributions: each decision in a residence of its commune.
    rang = np.minimum((rng.random(n_decisions) * n_res_commune[commune_bail]).astype("int64"),
                      n_res_commune[commune_bail] - 1)
    res_bail = debut_res[commune_bail] + rang
    avec_bail = np.zeros(n_decisions, dtype=bool)
    avec_bail[rng.permutation(n_decisions)[:n_baux]] = True
    date_bail = _dates("2024-01-01", rng.integers(0, 366, n_decisions))
    date_decision = date_bail - rng.integers(7, 60, n_decisions).astype("timedelta64[D]")
    # Decisions without lease: recent CALEOL decisions (autumn 2024).
    date_decision = np.where(avec_bail, date_decision, _dates("2024-09-01", rng.integers(0, 120, n_decisions)))
    reservataire = rng.choice(list(PARTS_RESERVATAIRES), size=n_decisions, p=list(PARTS_RESERVATAIRES.values()))
    etat = reservataire == "etat"
    menages = _menages(rng, n_decisions, seuil_commune[commune_bail], 1.35)
    dalo = rng.random(n_decisions) < np.where(etat, 0.20, 0.03)
    prioritaire = ~dalo & (rng.random(n_decisions) < np.where(etat, 0.60, 0.20))
    mutation = rng.random(n_decisions) < 0.25
    qpv_bail = code_qpv[res_bail]
    attente = np.round(np.exp(rng.normal(np.log(500), 0.8, n_decisions))).astype("int64")
    attributions = pa.table({
        "id_attribution": np.char.add("NATA", np.char.zfill(np.arange(1, n_decisions + 1).astype(str), 8)),
        "numero_unique": np.char.add("NATFICTA", np.char.zfill(np.arange(1, n_decisions + 1).astype(str), 8)),
        "date_decision": pa.array(date_decision),
        "date_bail": pa.array(date_bail, mask=~avec_bail),
        "bailleur": bailleur[res_bail].astype(str),
        "reservataire": reservataire,
        "code_commune": codes[commune_bail].astype(str),
        "code_qpv": pa.array(qpv_bail, mask=qpv_bail == ""),
        "id_residence": id_res[res_bail],
        "typologie": rng.choice(list(schema.TYPOLOGIES), size=n_decisions, p=list(PARTS_TYPOLOGIES)),
        **{k: menages[k] for k in ("ressources_mensuelles", "nb_personnes", "nb_moins_14")},
        "dalo": dalo, "prioritaire_l441": prioritaire, "mutation": mutation,
        "relogement_renouvellement": (qpv_bail != "") & (rng.random(n_decisions) < 0.03),
        "date_depot": pa.array(date_decision - attente.astype("timedelta64[D]")),
        "age_titulaire": menages["age_titulaire"], "composition": menages["composition"],
        # flux columns (optional): not drawn, left unknown (no random draw changes the other columns)
        "financement": pa.nulls(n_decisions, pa.string()), "mutation_interne": pa.nulls(n_decisions, pa.bool_()),
    })
    barre.update()

    # --- active demands: one snapshot on 31/12/2024, more concentrated in large towns.
    n_dem = max(1, round(DEMANDES_ACTIVES * echelle * part_nationale(population, nationale, EXPOSANT_DEMANDES)))
    poids_dem = population ** EXPOSANT_DEMANDES
    commune_dem = rng.choice(len(codes), size=n_dem, p=poids_dem / poids_dem.sum())
    menages_d = _menages(rng, n_dem, seuil_commune[commune_dem], 1.10)
    anciennete = np.round(np.exp(rng.normal(np.log(520), 0.9, n_dem))).astype("int64")
    instant = np.datetime64("2024-12-31", "D")
    demandes = pa.table({
        "date_extraction": pa.array(np.full(n_dem, instant)),
        "numero_unique": np.char.add("NATFICTD", np.char.zfill(np.arange(1, n_dem + 1).astype(str), 8)),
        "date_depot": pa.array(instant - np.minimum(anciennete, 7000).astype("timedelta64[D]")),
        "code_commune_souhaitee": codes[commune_dem].astype(str),
        "typologie_souhaitee": rng.choice(list(schema.TYPOLOGIES), size=n_dem, p=list(PARTS_TYPOLOGIES)),
        **{k: menages_d[k] for k in ("ressources_mensuelles", "nb_personnes", "nb_moins_14")},
        "mutation": rng.random(n_dem) < 0.33,
        "dalo": rng.random(n_dem) < 0.02,
        "prioritaire_l441": rng.random(n_dem) < 0.12,
        "age_titulaire": menages_d["age_titulaire"], "composition": menages_d["composition"],
    })
    barre.update()

    # --- a small OPS table (2024) for the first residences.
    n_ops = min(n_res, max(1, round(2000 * min(1.0, echelle * 10))))
    menages_ops = np.maximum(1, np.round(residences["nb_logements"].to_numpy()[:n_ops] * 0.95)).astype("int64")
    inf60 = rng.binomial(menages_ops, 0.6)
    inf40 = rng.binomial(inf60, 0.6)
    inf20 = rng.binomial(inf40, 0.5)
    adultes = menages_ops + rng.binomial(menages_ops, 0.5)
    ops = pa.table({
        "annee_ops": np.full(n_ops, 2024),
        "id_residence": id_res[:n_ops],
        "nb_menages": menages_ops,
        "nb_menages_ress_inf_20": inf20, "nb_menages_ress_inf_40": inf40, "nb_menages_ress_inf_60": inf60,
        "nb_familles_monoparentales": rng.binomial(menages_ops, 0.2),
        "nb_familles_nombreuses": rng.binomial(menages_ops, 0.1),
        "nb_titulaires_65_plus": rng.binomial(menages_ops, 0.25),
        "nb_menages_apl": rng.binomial(menages_ops, 0.45),
        "nb_adultes": adultes,
        "nb_adultes_sans_emploi": rng.binomial(adultes, 0.15),
        "nb_emmenages_recents": rng.binomial(menages_ops, 0.12),
    })
    barre.update()
    barre.close()
    return {"attributions": attributions, "demandes": demandes, "residences": residences, "ops": ops}


def generer_exemple_national(destination, *, format: str = "parquet", echelle: float = 1.0, graine: int = 2024,
                             departement: str | None = None, sirens=None, progression: bool = True) -> dict[str, Path]:
    """Write the national synthetic sample (see :func:`tables_exemple_national`).

    Parameters
    ----------
    destination : path-like
        Folder to write ``attributions``, ``demandes``, ``residences``, ``ops`` (``.parquet``
        or ``.csv``) and the notice ``DONNEES_FICTIVES.txt``.
    format : {"parquet", "csv"}
    echelle, graine, departement, sirens, progression
        See :func:`tables_exemple_national`.

    Returns
    -------
    dict of str to pathlib.Path
        Table name -> file written.

    Raises
    ------
    ErreurParametre
        Unknown format; destination holding data files without the fictitious-data notice
        (real extracts are never overwritten).
    """
    if format not in FORMATS:
        raise ErreurParametre(f"format inconnu « {format} » (parquet ou csv attendu).")
    dossier = verifier_destination_fictive(destination)
    tables = tables_exemple_national(echelle, graine, departement=departement, sirens=sirens, progression=progression)
    dossier.mkdir(parents=True, exist_ok=True)
    ecrits = {}
    for nom, table in tqdm(tables.items(), desc="Écriture", unit="fichier", disable=not progression):
        for ancien in (dossier / f"{nom}.parquet", dossier / f"{nom}.csv"):
            ancien.unlink(missing_ok=True)  # one format at a time in the folder
        chemin = dossier / f"{nom}.{format}"
        if format == "parquet":
            pq.write_table(table, chemin)
        else:
            pacsv.write_csv(table, chemin)
        ecrits[nom] = chemin
    (dossier / FICHIER_AVERTISSEMENT).write_text(
        _TEXTE_AVERTISSEMENT.format(graine=int(graine), echelle=echelle), encoding="utf-8"
    )
    return ecrits


__all__ = ["generer_exemple_national", "tables_exemple_national", "BAUX_PAR_AN", "DEMANDES_ACTIVES"]
