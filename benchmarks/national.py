"""Benchmark at national scale (run on demand, never in CI): see docs/performance.md.

    .venv/bin/python benchmarks/national.py [--dossier /tmp/cia_national] [--echelle 1.0]

Steps, each in a fresh Python process (so that each peak memory is its own):

1. ``generer``: the national synthetic sample (``cia_lib.exemples.national``), CSV and Parquet;
2. ``import_csv`` / ``import_parquet``: the real importer (reading, mapping, validation,
   pseudonymisation, writing) on each, with the territory of every EPCI of the thresholds table;
   ``duckdb_import``: the reference for the Parquet import — the minimal work every import must
   do (read, HMAC pseudonyms, sort, write; no validation) by DuckDB SQL on the raw Parquet files;
3. ``pandas``: every indicator for every EPCI (``tableau_multi_epci``), from the processed Parquet
   (only the columns it uses, ``COLONNES_MULTI_EPCI``);
4. ``pandas_principaux``: the same work as DuckDB — the main indicators only
   (``indicateurs_principaux_multi``, same code as the full table, ``COLONNES_PRINCIPAUX``);
5. ``duckdb``: the main indicators (Q1 outside QPV, priority households per EPCI × réservataire,
   mutation shares, pressure per EPCI) by DuckDB SQL on the same processed Parquet files;

then checks that DuckDB's figures equal pandas' (both pandas steps) and that DuckDB's pseudonyms
equal the import's (same keys, same order), and prints times, the ratios import / DuckDB and
(4)/(5) against their targets, and peak memory. ``--sans-import`` re-measures steps 3-5 on data
already imported in ``--dossier``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

RACINE = Path(__file__).resolve().parent.parent
DU, AU = "2024-01-01", "2024-12-31"
CIBLES = {"import_csv": 15.0, "import_parquet": 3.0, "ratio": 1.5, "memoire_go": 4.0}
CLE_MESURE = b"cle-de-mesure"
"""Pseudonymisation key of the import steps (ours and DuckDB's), so that their pseudonyms compare."""
REFERENCES = ("duckdb", "duckdb_import")
"""Steps measuring the reference engine, not our code: left out of the memory target."""


def memoire_max_go() -> float:
    """Peak resident memory of this process, in GB (ru_maxrss is in kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def fichier_territoires(dossier: Path) -> Path:
    """Territory file of every EPCI of the thresholds table (shared settings of the 95 example)."""
    brut = yaml.safe_load((RACINE / "config" / "exemple_departement_95.yaml").read_text(encoding="utf-8"))
    brut.pop("departement", None)
    brut["epcis"] = "toutes"
    chemin = dossier / "territoires_france.yaml"
    chemin.write_text(yaml.safe_dump(brut, allow_unicode=True), encoding="utf-8")
    return chemin


# --------------------------------------------------------------------------- steps (child processes)


def etape_generer(dossier: Path, echelle: float) -> dict:
    from cia_lib.exemples.national import generer_exemple_national

    debut = time.perf_counter()
    generer_exemple_national(dossier / "brut_parquet", format="parquet", echelle=echelle)
    t_parquet = time.perf_counter() - debut
    debut = time.perf_counter()
    generer_exemple_national(dossier / "brut_csv", format="csv", echelle=echelle)
    return {"secondes_parquet": t_parquet, "secondes_csv": time.perf_counter() - debut}


def etape_import(dossier: Path, fmt: str) -> dict:
    from cia_lib.entrees.importation import importer
    from cia_lib.territoire.multi_epci import charger_territoires, territoire_ensemble

    territoires = charger_territoires(fichier_territoires(dossier))
    union = territoire_ensemble(territoires)
    debut = time.perf_counter()
    rapport = importer(dossier / f"brut_{fmt}", dossier / f"traite_{fmt}", union, cle=CLE_MESURE,
                       progression=False)
    secondes = time.perf_counter() - debut
    lignes = {table: {k: v for k, v in info.items() if isinstance(v, int)}
              for table, info in rapport["fichiers"].items()}
    return {"secondes": secondes, "epci": len(territoires), "lignes": lignes,
            "rejets": rapport["rejets"]["nombre_lignes"]}


# HMAC-SHA256 of the normalised number (whitespace removed, upper case, as
# ``cia_lib.entrees.pseudonymisation.normaliser_numero``), hex: same text as ``pseudonymiser``.
# Parameters: $opad, $ipad (BLOB).
HMAC_SQL = ("sha256($opad::BLOB || unhex(sha256($ipad::BLOB || "
            "encode(upper(regexp_replace(numero_unique, '\\s', '', 'g'))))))")


def etape_duckdb_import(dossier: Path) -> dict:
    """Reference for the Parquet import: the minimal work of any import, by DuckDB SQL.

    Reads every column of the raw attributions and demands, replaces ``numero_unique`` by its
    HMAC pseudonym, sorts like our import (``ORDRE_TRI``) and writes snappy Parquet to
    ``traite_duckdb``; no validation, no typing. Timed from connection to files written.
    """
    import duckdb

    from cia_lib.entrees.importation import ORDRE_TRI
    from cia_lib.entrees.pseudonymisation import blocs_hmac
    from cia_lib.entrees.schema import COLONNE_PSEUDONYME

    ipad, opad = blocs_hmac(CLE_MESURE)
    brut, sortie = dossier / "brut_parquet", dossier / "traite_duckdb"
    sortie.mkdir(exist_ok=True)
    debut = time.perf_counter()
    con = duckdb.connect()
    lignes, secondes_tables = {}, {}
    for table in ("attributions", "demandes"):
        debut_table = time.perf_counter()
        ordre = ", ".join(ORDRE_TRI[table])
        lignes[table] = con.execute(f"""
          COPY (
            SELECT * RENAME (numero_unique AS {COLONNE_PSEUDONYME})
            FROM (SELECT * REPLACE ({HMAC_SQL} AS numero_unique) FROM read_parquet('{brut / f"{table}.parquet"}'))
            ORDER BY {ordre}
          ) TO '{sortie / f"{table}.parquet"}' (FORMAT parquet, COMPRESSION snappy)""",
                                    {"opad": opad, "ipad": ipad}).fetchone()[0]
        secondes_tables[table] = time.perf_counter() - debut_table
    secondes = time.perf_counter() - debut
    return {"secondes": secondes, "secondes_tables": secondes_tables, "lignes": lignes,
            "threads": int(con.execute("SELECT current_setting('threads')").fetchone()[0])}


def _principaux_pandas(tableau):
    """The key figures compared with DuckDB, from pandas' tidy rows."""
    import pandas as pd

    def choisir(indicateur, niveau):
        t = tableau[(tableau["indicateur"] == indicateur) & (tableau["niveau"] == niveau)]
        return t[["siren_epci", "cle", "numerateur", "denominateur", "inconnus"]].assign(indicateur=indicateur)

    morceaux = [choisir("q1_hors_qpv", "epci"), choisir("prioritaires", "reservataire"),
                choisir("mutations_part_attributions", "epci"), choisir("mutations_part_demandes", "epci"),
                choisir("pression", "epci")]
    sortie = pd.concat(morceaux, ignore_index=True)
    return sortie


def etape_pandas_principaux(dossier: Path) -> dict:
    """Same work as the DuckDB step: the main indicators only, reading only their columns."""
    from cia_lib.calculs.indicateurs.multi import COLONNES_PRINCIPAUX, indicateurs_principaux_multi
    from cia_lib.entrees.donnees import charger_donnees
    from cia_lib.territoire.multi_epci import charger_territoires

    territoires = charger_territoires(fichier_territoires(dossier))
    debut = time.perf_counter()
    donnees = charger_donnees(dossier / "traite_parquet", colonnes=COLONNES_PRINCIPAUX)
    lecture = time.perf_counter() - debut
    tableau = indicateurs_principaux_multi(donnees, territoires, DU, AU)
    total = time.perf_counter() - debut
    _principaux_pandas(tableau).to_parquet(dossier / "principaux_pandas.parquet")
    return {"secondes": total, "secondes_lecture": lecture, "secondes_calcul": total - lecture,
            "lignes_tableau": len(tableau), "epci": len(territoires)}


def etape_pandas(dossier: Path) -> dict:
    """Every indicator for every EPCI (plus the comparison), reading only the columns used."""
    from cia_lib.calculs.indicateurs.multi import COLONNES_MULTI_EPCI, comparaison_epci, tableau_multi_epci
    from cia_lib.entrees.donnees import charger_donnees
    from cia_lib.territoire.multi_epci import charger_territoires

    territoires = charger_territoires(fichier_territoires(dossier))
    debut = time.perf_counter()
    donnees = charger_donnees(dossier / "traite_parquet", colonnes=COLONNES_MULTI_EPCI)
    lecture = time.perf_counter() - debut
    tableau = tableau_multi_epci(donnees, territoires, DU, AU)
    comparaison_epci(tableau)
    total = time.perf_counter() - debut
    _principaux_pandas(tableau).to_parquet(dossier / "principaux_pandas_complet.parquet")
    return {"secondes": total, "secondes_lecture": lecture, "secondes_calcul": total - lecture,
            "lignes_tableau": len(tableau), "epci": len(territoires)}


REQUETE_BAUX = """
WITH carte AS (SELECT * FROM carte_communes),
baux AS (
  SELECT c.siren, a.*,
         least(greatest(coalesce(a.nb_moins_14, 0), 0), greatest(a.nb_personnes - 1, 0)) AS enfants
  FROM read_parquet('{attributions}') a JOIN carte c ON a.code_commune = c.code_commune
  WHERE a.date_bail >= DATE '{du}' AND a.date_bail < DATE '{au}' + INTERVAL 1 DAY
),
prep AS (
  SELECT b.*, s.q1 AS seuil,
         round(b.ressources_mensuelles * 12 / ({pa} + {ap} * greatest(b.nb_personnes - 1 - b.enfants, 0)
               + {en} * b.enfants), 6) AS ruc,
         (b.code_qpv IS NOT NULL AND trim(b.code_qpv) <> '') AS en_qpv,
         coalesce(b.relogement_renouvellement, false) AS relog
  FROM baux b LEFT JOIN seuils s ON s.siren = b.siren AND s.annee = year(b.date_bail)
)
SELECT * FROM prep
"""


def etape_duckdb(dossier: Path) -> dict:
    import duckdb
    import pandas as pd

    from cia_lib.territoire.multi_epci import charger_territoires

    territoires = charger_territoires(fichier_territoires(dossier))
    echelle = territoires[0].echelle_uc
    carte = pd.DataFrame([(c, t.siren) for t in territoires for c in t.communes], columns=["code_commune", "siren"])
    seuils = pd.DataFrame([(t.siren, a, s.q1) for t in territoires for a, s in t.seuils.items()],
                          columns=["siren", "annee", "q1"])
    traite = dossier / "traite_parquet"
    debut = time.perf_counter()
    con = duckdb.connect()
    con.register("carte_communes", carte)
    con.register("seuils", seuils)
    prep = REQUETE_BAUX.format(attributions=traite / "attributions.parquet", du=DU, au=AU,
                               pa=echelle.premier_adulte, ap=echelle.autre_personne, en=echelle.enfant)
    con.execute(f"CREATE TEMP TABLE baux AS {prep}")
    q1 = con.execute("""
      SELECT siren AS siren_epci, siren AS cle,
        sum(CASE WHEN NOT en_qpv AND (coalesce(ruc < seuil, false) OR relog) THEN 1 ELSE 0 END) AS numerateur,
        sum(CASE WHEN NOT en_qpv THEN 1 ELSE 0 END) AS denominateur,
        sum(CASE WHEN NOT en_qpv AND ruc IS NULL AND NOT relog THEN 1 ELSE 0 END) AS inconnus,
        'q1_hors_qpv' AS indicateur
      FROM baux GROUP BY siren""").df()
    prio = con.execute("""
      SELECT siren AS siren_epci, reservataire AS cle,
        sum(CASE WHEN coalesce(dalo, false) OR coalesce(prioritaire_l441, false) THEN 1 ELSE 0 END) AS numerateur,
        count(*) AS denominateur, NULL AS inconnus, 'prioritaires' AS indicateur
      FROM baux GROUP BY siren, reservataire""").df()
    mut_att = con.execute("""
      SELECT siren AS siren_epci, siren AS cle, sum(CASE WHEN coalesce(mutation, false) THEN 1 ELSE 0 END) AS numerateur,
        count(*) AS denominateur, NULL AS inconnus, 'mutations_part_attributions' AS indicateur
      FROM baux GROUP BY siren""").df()
    demandes = con.execute(f"""
      WITH d AS (
        SELECT c.siren, CAST(x.date_extraction AS DATE) AS jour, x.mutation
        FROM read_parquet('{traite / "demandes.parquet"}') x JOIN carte_communes c
          ON x.code_commune_souhaitee = c.code_commune
        WHERE x.date_extraction < DATE '{AU}' + INTERVAL 1 DAY
      ), dernier AS (SELECT siren, max(jour) AS jour FROM d GROUP BY siren)
      SELECT d.siren AS siren_epci, count(*) AS demandes,
             sum(CASE WHEN coalesce(d.mutation, false) THEN 1 ELSE 0 END) AS mutations
      FROM d JOIN dernier USING (siren, jour) GROUP BY d.siren""").df()
    baux_epci = con.execute("SELECT siren AS siren_epci, count(*) AS baux FROM baux GROUP BY siren").df()
    secondes = time.perf_counter() - debut
    mut_dem = demandes.assign(cle=demandes["siren_epci"], numerateur=demandes["mutations"],
                              denominateur=demandes["demandes"], inconnus=None, indicateur="mutations_part_demandes")
    pression = demandes.merge(baux_epci, on="siren_epci", how="outer").fillna({"demandes": 0, "baux": 0})
    pression = pression.assign(cle=pression["siren_epci"], numerateur=pression["demandes"],
                               denominateur=pression["baux"], inconnus=None, indicateur="pression")
    colonnes = ["siren_epci", "cle", "numerateur", "denominateur", "inconnus", "indicateur"]
    sortie = pd.concat([q1[colonnes], prio[colonnes], mut_att[colonnes], mut_dem[colonnes], pression[colonnes]],
                       ignore_index=True)
    sortie["inconnus"] = pd.to_numeric(sortie["inconnus"]).astype("Int64")
    sortie.to_parquet(dossier / "principaux_duckdb.parquet")
    return {"secondes": secondes, "threads": int(con.execute("SELECT current_setting('threads')").fetchone()[0])}


ETAPES = {"generer": etape_generer, "import_csv": lambda d, e: etape_import(d, "csv"),
          "import_parquet": lambda d, e: etape_import(d, "parquet"),
          "duckdb_import": lambda d, e: etape_duckdb_import(d),
          "pandas": lambda d, e: etape_pandas(d), "pandas_principaux": lambda d, e: etape_pandas_principaux(d),
          "duckdb": lambda d, e: etape_duckdb(d)}


# --------------------------------------------------------------------------- reports of a sample of EPCIs

ANNEE_RAPPORTS = 2024
ECHANTILLONS = {"trimestriel": (4, 20), "bilan": (4, 8)}
"""Two sample sizes per report: the difference of their times is the cost of one more EPCI (the
cost of a run that does not grow with the EPCIs — start, planning, comparison page — cancels
out). The quarterly's samples are far apart: 4 more EPCIs cost a few seconds, within the
run-to-run noise (measured: 1.6 s and 3.6 s per EPCI from 4 → 8 on the same code, 2.8 s from
4 → 20 twice)."""


def epci_echantillon(dossier: Path, nombre: int) -> list[str]:
    """``nombre`` EPCIs, evenly spread over the SIREN order, among those with leases signed in
    the year and OPS rows (every section of their bilan has data)."""
    import pandas as pd

    from cia_lib.territoire.multi_epci import charger_territoires, table_commune_epci

    territoires = charger_territoires(fichier_territoires(dossier))
    commune_epci = table_commune_epci(territoires)
    traite = dossier / "traite_parquet"
    baux = pd.read_parquet(traite / "attributions.parquet", columns=["code_commune", "date_bail"])
    baux = baux[pd.to_datetime(baux["date_bail"]).dt.year == ANNEE_RAPPORTS]
    residences = pd.read_parquet(traite / "residences.parquet", columns=["id_residence", "code_commune"])
    ops = pd.read_parquet(traite / "ops.parquet", columns=["id_residence"])
    avec_ops = residences[residences["id_residence"].isin(ops["id_residence"])]
    eligibles = sorted(set(baux["code_commune"].map(commune_epci).dropna())
                       & set(avec_ops["code_commune"].map(commune_epci).dropna()))
    if len(eligibles) < nombre:
        raise SystemExit(f"seulement {len(eligibles)} EPCI avec baux et OPS en {ANNEE_RAPPORTS} : "
                         f"échantillon de {nombre} impossible.")
    pas = len(eligibles) / nombre
    return [eligibles[int(i * pas)] for i in range(nombre)]


def fichier_echantillon(dossier: Path, sirens: list[str]) -> Path:
    """Multi-EPCI territory file of ``sirens`` (same settings as the national file)."""
    brut = yaml.safe_load(fichier_territoires(dossier).read_text(encoding="utf-8"))
    brut["epcis"] = list(sirens)
    chemin = dossier / f"territoires_echantillon_{len(sirens)}.yaml"
    chemin.write_text(yaml.safe_dump(brut, allow_unicode=True), encoding="utf-8")
    return chemin


def mesurer_rapports(dossier: Path, echantillons=ECHANTILLONS, parallele: int | None = None) -> dict:
    """Time ``cia rapport trimestriel`` (T4) and ``cia rapport bilan`` on samples of EPCIs of the
    national data (multi-EPCI runs: each EPCI's report plus the comparison), in new processes."""
    import os
    import shutil

    parallele = parallele or len(os.sched_getaffinity(0))
    plus_grand = max(n for tailles in echantillons.values() for n in tailles)
    grand = epci_echantillon(dossier, plus_grand)
    cia = str(Path(sys.executable).parent / "cia")
    resultats: dict = {"parallele": parallele, "epci": {}, "secondes": {}}
    for rapport, periode in (("trimestriel", ["--trimestre", "4"]), ("bilan", [])):
        for nombre in echantillons[rapport]:
            sirens = grand[:: plus_grand // nombre][:nombre]
            resultats["epci"][str(nombre)] = sirens
            sortie = dossier / f"rapports_{rapport}_{nombre}"
            shutil.rmtree(sortie, ignore_errors=True)
            debut = time.perf_counter()
            subprocess.run([cia, "rapport", rapport, "--annee", str(ANNEE_RAPPORTS), *periode,
                            "--territoire", str(fichier_echantillon(dossier, sirens)),
                            "--donnees", str(dossier / "traite_parquet"), "--sortie", str(sortie),
                            "--sans-barre", "--parallele", str(parallele)],
                           check=True, cwd=RACINE, stdout=subprocess.DEVNULL)
            resultats["secondes"][f"{rapport}_{nombre}"] = time.perf_counter() - debut
    return resultats


def extrapoler(secondes: dict, rapport: str, echantillons=ECHANTILLONS, total: int = 415) -> tuple[float, float]:
    """(time for ``total`` EPCIs, seconds per EPCI) from the two sample sizes, linearly."""
    petit, grand = min(echantillons[rapport]), max(echantillons[rapport])
    par_epci = (secondes[f"{rapport}_{grand}"] - secondes[f"{rapport}_{petit}"]) / (grand - petit)
    return secondes[f"{rapport}_{petit}"] + (total - petit) * par_epci, par_epci


def afficher_rapports(r: dict, total: int = 415) -> None:
    print(f"Rapports d'un échantillon d'EPCI ({ANNEE_RAPPORTS}, --parallele {r['parallele']}) :")
    for rapport, libelle in (("trimestriel", "trimestriel T4"), ("bilan", "bilan")):
        mesures = " ; ".join(f"{n} EPCI {r['secondes'][f'{rapport}_{n}']:.1f} s" for n in ECHANTILLONS[rapport])
        estime, par_epci = extrapoler(r["secondes"], rapport, total=total)
        cible = "   cible < 20 min  " + ("OK" if estime < 20 * 60 else "MANQUÉ") if rapport == "trimestriel" else ""
        print(f"    {libelle:<15} {mesures} ; {par_epci:.1f} s par EPCI de plus "
              f"({par_epci * r['parallele']:.1f} s × cœur) ; {total} EPCI : {estime / 60:.1f} min{cible}")


# --------------------------------------------------------------------------- parent process


def lancer(etape: str, dossier: Path, echelle: float) -> dict:
    """Run one step in a fresh process; return its JSON result plus its peak memory."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        sortie = Path(f.name)
    commande = [sys.executable, __file__, "--etape", etape, "--dossier", str(dossier), "--echelle", str(echelle),
                "--resultat", str(sortie)]
    subprocess.run(commande, check=True, cwd=RACINE)
    resultat = json.loads(sortie.read_text())
    sortie.unlink()
    return resultat


def comparer(dossier: Path, fichier_pandas: str = "principaux_pandas.parquet") -> tuple[bool, int, list[str]]:
    """Compare DuckDB's main figures with pandas' (same keys, same counts)."""
    import pandas as pd

    p = pd.read_parquet(dossier / fichier_pandas)
    d = pd.read_parquet(dossier / "principaux_duckdb.parquet")
    cles = ["indicateur", "siren_epci", "cle"]
    for t in (p, d):
        for c in ("numerateur", "denominateur", "inconnus"):
            t[c] = pd.to_numeric(t[c]).astype("Int64")
        for c in cles:
            t[c] = t[c].astype("string")
    # pandas lists every key (zeros included); DuckDB only keys with rows: compare on pandas'
    # keys, a key missing from DuckDB counting as zero.
    fusion = p.merge(d, on=cles, how="outer", suffixes=("_pandas", "_duckdb"), indicator=True)
    seulement_duckdb = fusion[fusion["_merge"] == "right_only"]
    ecarts = []
    if len(seulement_duckdb):
        ecarts.append(f"{len(seulement_duckdb)} clés seulement dans DuckDB")
    for c in ("numerateur", "denominateur", "inconnus"):
        a = fusion[f"{c}_pandas"].fillna(0)
        b = fusion[f"{c}_duckdb"].fillna(0)
        if c == "inconnus":
            a, b = a.where(fusion["indicateur"] == "q1_hors_qpv", 0), b.where(fusion["indicateur"] == "q1_hors_qpv", 0)
        n = int((a != b).sum())
        if n:
            ecarts.append(f"{n} écarts sur {c}")
    return not ecarts, len(fusion), ecarts


# Keys compared between our import and DuckDB's (dates as DATE: our import writes timestamps).
CLES_PSEUDONYMES = {"demandes": "CAST(date_extraction AS DATE) AS date_extraction, id_demandeur",
                    "attributions": "id_attribution, id_demandeur"}


def comparer_pseudonymes(dossier: Path) -> tuple[bool, list[str]]:
    """Compare the keys written by DuckDB (``traite_duckdb``) with our import's (``traite_parquet``).

    Same number of rows, same multiset of (key, pseudonym) pairs and same order; returns
    whether all hold and the differences, in French.
    """
    import duckdb

    con = duckdb.connect()
    ecarts = []
    for table, cles in CLES_PSEUDONYMES.items():
        for nom in ("duckdb", "parquet"):
            con.execute(f"""CREATE TEMP VIEW {nom} AS SELECT file_row_number AS rang, {cles}
                            FROM read_parquet('{dossier / f"traite_{nom}" / f"{table}.parquet"}', file_row_number = true)""")

        def compter(requete):
            return con.execute(f"SELECT count(*) FROM ({requete})").fetchone()[0]

        n_duckdb, n_import = compter("FROM duckdb"), compter("FROM parquet")
        seulement_duckdb = compter("SELECT * EXCLUDE (rang) FROM duckdb EXCEPT ALL SELECT * EXCLUDE (rang) FROM parquet")
        seulement_import = compter("SELECT * EXCLUDE (rang) FROM parquet EXCEPT ALL SELECT * EXCLUDE (rang) FROM duckdb")
        hors_place = compter("SELECT * FROM duckdb EXCEPT ALL SELECT * FROM parquet")
        if n_duckdb != n_import:
            ecarts.append(f"{table} : {n_duckdb} lignes (DuckDB) contre {n_import} (import)")
        if seulement_duckdb or seulement_import:
            ecarts.append(f"{table} : {seulement_duckdb} paires seulement dans DuckDB, "
                          f"{seulement_import} seulement dans l'import")
        elif hors_place:
            ecarts.append(f"{table} : mêmes paires, mais {hors_place} lignes ailleurs dans l'ordre de tri")
        con.execute("DROP VIEW duckdb; DROP VIEW parquet")
    return not ecarts, ecarts


def main() -> int:
    parser = argparse.ArgumentParser(description="Mesure de performance à l'échelle nationale (voir docs/performance.md).")
    parser.add_argument("--dossier", type=Path, default=Path(tempfile.gettempdir()) / "cia_national",
                        help="Dossier de travail (données fictives générées et importées).")
    parser.add_argument("--echelle", type=float, default=1.0, help="1.0 = France entière ; 0.01 pour un essai rapide.")
    parser.add_argument("--sans-import", action="store_true",
                        help="Ne mesurer que les indicateurs (données déjà générées et importées dans --dossier).")
    parser.add_argument("--sans-rapports", action="store_true",
                        help="Ne pas mesurer les rapports d'un échantillon d'EPCI (≈ 5 min sur 2 cœurs).")
    parser.add_argument("--rapports-seuls", action="store_true",
                        help="Ne mesurer que les rapports (données déjà générées et importées dans --dossier).")
    parser.add_argument("--etape", choices=sorted(ETAPES), help=argparse.SUPPRESS)
    parser.add_argument("--resultat", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    dossier = args.dossier.resolve()

    if args.etape:  # child process
        resultat = ETAPES[args.etape](dossier, args.echelle)
        resultat["memoire_max_go"] = memoire_max_go()
        args.resultat.write_text(json.dumps(resultat))
        return 0

    dossier.mkdir(parents=True, exist_ok=True)
    print(f"Dossier de travail : {dossier} (échelle {args.echelle})")
    if args.rapports_seuls:
        if not (dossier / "traite_parquet").exists():
            parser.error(f"{dossier / 'traite_parquet'} absent : lancez d'abord le banc complet.")
        rapports = mesurer_rapports(dossier)
        afficher_rapports(rapports)
        (dossier / "resultats_rapports.json").write_text(json.dumps(rapports, indent=1))
        return 0
    etapes = ("generer", "import_csv", "import_parquet", "duckdb_import", "pandas", "pandas_principaux", "duckdb")
    if args.sans_import:
        etapes = ("pandas", "pandas_principaux", "duckdb")
        if not (dossier / "traite_parquet").exists():
            parser.error(f"{dossier / 'traite_parquet'} absent : lancez d'abord le banc complet.")
    r = {nom: lancer(nom, dossier, args.echelle) for nom in etapes}
    rapports = None if args.sans_rapports else mesurer_rapports(dossier)
    identiques, n, ecarts = comparer(dossier)
    identiques_complet, _, ecarts_complet = comparer(dossier, "principaux_pandas_complet.parquet")
    ratio = r["pandas_principaux"]["secondes"] / r["duckdb"]["secondes"]
    ratio_calcul = r["pandas_principaux"]["secondes_calcul"] / r["duckdb"]["secondes"]
    memoire = max(x["memoire_max_go"] for nom, x in r.items() if nom not in REFERENCES)
    ratio_import, pseudonymes_identiques, ecarts_pseudonymes = None, None, []  # None: not measured
    if "duckdb_import" in r:
        ratio_import = r["import_parquet"]["secondes"] / r["duckdb_import"]["secondes"]
        pseudonymes_identiques, ecarts_pseudonymes = comparer_pseudonymes(dossier)

    def ok(valeur, cible):
        return "OK" if valeur <= cible else "MANQUÉ"

    print()
    if "import_parquet" in r:
        print(f"EPCI : {r['pandas']['epci']} ; import : {r['import_parquet']['lignes']} ; "
              f"lignes rejetées : {r['import_parquet']['rejets']}")
        print(f"Génération des données fictives : Parquet {r['generer']['secondes_parquet']:.1f} s, "
              f"CSV {r['generer']['secondes_csv']:.1f} s (mémoire max {r['generer']['memoire_max_go']:.2f} Go)")
        for fmt, nom in (("csv", "CSV"), ("parquet", "Parquet")):
            x, cible = r[f"import_{fmt}"], CIBLES[f"import_{fmt}"]
            print(f"Import {nom} (validation comprise) : {x['secondes']:7.1f} s   cible < {cible:.0f} s  "
                  f"{ok(x['secondes'], cible)}   mémoire max {x['memoire_max_go']:.2f} Go")
        di = r["duckdb_import"]
        print(f"Import Parquet, travail minimal fait par DuckDB (lecture, HMAC, tri, écriture ; sans validation) : "
              f"DuckDB ({di['threads']} fils) {di['secondes']:.1f} s   mémoire max {di['memoire_max_go']:.2f} Go ; "
              f"import complet (validation comprise) / DuckDB minimal : {ratio_import:.2f}")
        print(f"Vérification des pseudonymes DuckDB = import ({di['lignes']['demandes']} demandes, "
              f"{di['lignes']['attributions']} attributions) : "
              + ("pseudonymes identiques" if pseudonymes_identiques
                 else "DIFFÉRENTS (" + " ; ".join(ecarts_pseudonymes) + ")"))
    p, pp, d = r["pandas"], r["pandas_principaux"], r["duckdb"]
    print(f"(a) Indicateurs principaux, même travail que DuckDB ({pp['lignes_tableau']} lignes) :")
    print(f"    pandas {pp['secondes']:6.2f} s (lecture {pp['secondes_lecture']:.2f} s + calcul "
          f"{pp['secondes_calcul']:.2f} s)   mémoire max {pp['memoire_max_go']:.2f} Go")
    print(f"    DuckDB SQL ({d['threads']} fils) {d['secondes']:6.2f} s   mémoire max {d['memoire_max_go']:.2f} Go")
    print(f"    Rapport pandas / DuckDB : {ratio:.2f} (calcul seul : {ratio_calcul:.2f})   cible ≤ {CIBLES['ratio']}  "
          f"{ok(ratio, CIBLES['ratio'])}")
    print(f"(b) Tous les indicateurs, tous les EPCI (pandas) : {p['secondes']:6.2f} s "
          f"(lecture {p['secondes_lecture']:.2f} s + calcul {p['secondes_calcul']:.2f} s ; "
          f"{p['lignes_tableau']} lignes)   mémoire max {p['memoire_max_go']:.2f} Go")
    print(f"Mémoire maximale (étapes mesurées) : {memoire:.2f} Go   cible < {CIBLES['memoire_go']:.0f} Go  "
          f"{ok(memoire, CIBLES['memoire_go'])}")
    print(f"Vérification DuckDB = pandas sur {n} chiffres clés : "
          + ("IDENTIQUES" if identiques else "DIFFÉRENTS (" + " ; ".join(ecarts) + ")")
          + " ; tableau complet : "
          + ("IDENTIQUES" if identiques_complet else "DIFFÉRENTS (" + " ; ".join(ecarts_complet) + ")"))
    if rapports is not None:
        afficher_rapports(rapports)
    (dossier / "resultats.json").write_text(json.dumps(
        {**r, "rapports": rapports, "ratio": ratio, "identiques": identiques, "ratio_import_parquet": ratio_import,
         "pseudonymes_identiques": pseudonymes_identiques, "ecarts_pseudonymes": ecarts_pseudonymes}, indent=1))
    return 0 if identiques and identiques_complet and pseudonymes_identiques is not False else 1


if __name__ == "__main__":
    sys.exit(main())
