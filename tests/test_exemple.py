"""The synthetic sample (cia_lib.exemples.echantillon): format, determinism, calibration, dirt, links, OPS.

The calibration figures are recomputed from the written CSV files (read as text, like a
user would) with the household arithmetic of cia_lib.calculs.menages.
"""

from __future__ import annotations

import json
import time
from datetime import date

import numpy as np
import pandas as pd
import pytest
import shapely

from cia_lib.calculs import menages
from cia_lib.cli import main
from cia_lib.entrees import schema
from cia_lib.erreurs import ErreurParametre, ErreurSeuilManquant
from cia_lib.exemples.echantillon import (
    CODE_COMMUNE_INCONNUE,
    FICHIER_AVERTISSEMENT,
    RESIDENCES_FRAGILES_2022,
    RESIDENCES_FRAGILES_EXEMPLE,
    ParametresExemple,
    generer_exemple,
    tables_exemple,
)

TABLES = ("attributions", "demandes", "residences", "ops")
INSTANTANES = pd.to_datetime([
    "2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31", "2025-03-31", "2025-06-30",
    "2025-09-30", "2025-12-31", "2026-03-31", "2026-06-30", "2026-09-30",
])


def _lire(dossier, table: str) -> pd.DataFrame:
    return pd.read_csv(dossier / f"{table}.csv", sep=";", dtype=str, encoding="cp1252", keep_default_na=False)


def _date(serie: pd.Series) -> pd.Series:
    return pd.to_datetime(serie.replace("", None), format="%d/%m/%Y")


def _nombre(serie: pd.Series) -> pd.Series:
    return pd.to_numeric(serie.str.replace(",", ".", regex=False).replace("", None)).astype("Float64")


@pytest.fixture(scope="module")
def brut(exemple_brut):
    """The four files of the session sample (seed 2024), read as text then typed."""
    a = _lire(exemple_brut, "attributions")
    d = _lire(exemple_brut, "demandes")
    for table, dates in ((a, ("date_decision", "date_bail", "date_depot")), (d, ("date_extraction", "date_depot"))):
        for colonne in dates:
            table[colonne] = _date(table[colonne])
        table["ressources"] = _nombre(table["ressources_mensuelles"])
        table["nb_personnes"] = table["nb_personnes"].astype(int)
        table["nb_moins_14"] = table["nb_moins_14"].astype(int)
        table["age"] = table["age_titulaire"].astype(int)
    r = _lire(exemple_brut, "residences")
    r["nb"] = r["nb_logements"].astype(int)
    r["annee"] = r["annee_mise_en_service"].astype(int)
    o = _lire(exemple_brut, "ops")
    for c in o.columns:
        if c != "id_residence":
            o[c] = o[c].astype(int)
    return {"attributions": a, "demandes": d, "residences": r, "ops": o}


@pytest.fixture(scope="module")
def baux(brut):
    """Attribution rows followed by a lease."""
    a = brut["attributions"]
    return a[a["date_bail"].notna()]


# ----------------------------------------------------------------------------- format
def test_meme_graine_memes_octets_autre_graine_differente(tmp_path, territoire):
    a = generer_exemple(tmp_path / "a", territoire, graine=11)
    b = generer_exemple(tmp_path / "b", territoire, graine=11)
    c = generer_exemple(tmp_path / "c", territoire, graine=12)
    assert set(a) == set(TABLES) | {"conventions_flux"}
    for table in a:
        assert a[table].read_bytes() == b[table].read_bytes(), table
    assert (tmp_path / "a" / FICHIER_AVERTISSEMENT).read_bytes() == (tmp_path / "b" / FICHIER_AVERTISSEMENT).read_bytes()
    for table in ("attributions", "demandes", "residences", "ops"):
        assert a[table].read_bytes() != c[table].read_bytes(), table


def test_generation_rapide(tmp_path, territoire):
    debut = time.perf_counter()
    generer_exemple(tmp_path, territoire, graine=3)
    assert time.perf_counter() - debut < 3.0


def test_cp1252_point_virgule_colonnes_du_contrat(exemple_brut):
    for table in TABLES:
        octets = (exemple_brut / f"{table}.csv").read_bytes()
        texte = octets.decode("cp1252")
        entete = texte.split("\r\n", 1)[0].split(";")
        attendu = [c.nom for c in schema.colonnes(table)]
        if table in ("attributions", "demandes"):
            attendu = attendu + ["nom"]  # personal column the import must drop
        assert entete == attendu, table
    # Accented names are in Windows-1252, not UTF-8 (like real extracts).
    residences = (exemple_brut / "residences.csv").read_bytes()
    assert "Résidence".encode("cp1252") in residences
    with pytest.raises(UnicodeDecodeError):
        residences.decode("utf-8")


def test_formats_dates_decimales_booleens(exemple_brut):
    a = _lire(exemple_brut, "attributions")
    d = _lire(exemple_brut, "demandes")
    r = _lire(exemple_brut, "residences")
    assert a["date_decision"].str.fullmatch(r"\d\d/\d\d/\d{4}").all()
    assert a["date_bail"].str.fullmatch(r"(\d\d/\d\d/\d{4})?").all()
    assert a["ressources_mensuelles"].str.fullmatch(r"(\d+,\d\d)?").all()
    assert r["latitude"].str.fullmatch(r"\d+,\d{6}").all()
    for colonne in ("dalo", "prioritaire_l441", "mutation", "relogement_renouvellement"):
        assert set(a[colonne]) <= {"oui", "non"}
    for colonne in ("dalo", "prioritaire_l441", "mutation"):
        assert set(d[colonne]) <= {"O", "N"}
    assert set(a["reservataire"]) <= set(schema.RESERVATAIRES)
    assert set(a["typologie"]) <= set(schema.TYPOLOGIES)
    assert set(a["composition"]) | set(d["composition"]) <= set(schema.COMPOSITIONS)
    # INSEE codes keep their 5 characters.
    assert a["code_commune"].str.fullmatch(r"\d{5}").all()


def test_tout_dit_fictif(exemple_brut, brut):
    avertissement = (exemple_brut / FICHIER_AVERTISSEMENT).read_bytes().decode("cp1252")
    assert "DONNÉES FICTIVES" in avertissement and "synthétiques" in avertissement
    for table in TABLES:
        assert "FICT" in (exemple_brut / f"{table}.csv").read_bytes().decode("cp1252"), table
    assert brut["residences"]["nom_residence"].str.endswith("(fictive)").all()
    for table in ("attributions", "demandes"):
        assert brut[table]["numero_unique"].str.fullmatch(r"095FICT\d{8}").all()
        assert brut[table]["nom"].str.startswith("FICTIF ").all()


def test_refuse_d_ecraser_un_dossier_de_vraies_donnees(tmp_path, territoire):
    (tmp_path / "attributions.csv").write_text("vrai extrait", encoding="utf-8")
    with pytest.raises(ErreurParametre, match="n'écrasent"):
        generer_exemple(tmp_path, territoire)
    assert (tmp_path / "attributions.csv").read_text(encoding="utf-8") == "vrai extrait"


def test_regenerer_par_dessus_des_donnees_fictives(tmp_path, territoire):
    generer_exemple(tmp_path, territoire, graine=1)
    generer_exemple(tmp_path, territoire, graine=2)  # the notice is there: allowed
    assert (tmp_path / FICHIER_AVERTISSEMENT).exists()


def test_commande_cli(tmp_path, capsys):
    assert main(["exemple", "--destination", str(tmp_path / "ex"), "--graine", "5"]) == 0
    sortie = capsys.readouterr().out
    assert "FICTIVES" in sortie and "attributions.csv" in sortie and "demandes.csv" in sortie
    assert (tmp_path / "ex" / "ops.csv").exists()


def test_seuil_manquant_jamais_devine(territoire_test):
    # The fictional test territory has thresholds for 2024 and 2025 only.
    with pytest.raises(ErreurSeuilManquant, match="2026"):
        tables_exemple(territoire_test)


def test_autre_territoire(territoire_test):
    tables = tables_exemple(territoire_test, 1, ParametresExemple(fin=date(2025, 12, 31)))
    residences = tables["residences"]
    assert set(residences["code_commune"]) == set(territoire_test.communes)
    assert set(residences["bailleur"]) == set(territoire_test.bailleurs)
    a = tables["attributions"]
    assert set(a["code_commune"]) <= set(territoire_test.communes) | {CODE_COMMUNE_INCONNUE}
    assert _date(tables["demandes"]["date_extraction"]).max() == pd.Timestamp("2025-12-31")


# ------------------------------------------------------------------------ calibration
def test_calibrage_diagnostic_2022(brut, baux, territoire):
    """2024 figures against the CCVO3F 2022 diagnostic (CIA section V)."""
    baux_2024 = baux[baux["date_bail"].dt.year == 2024]
    assert 200 <= len(baux_2024) <= 300
    for annee in (2025,):
        assert 200 <= (baux["date_bail"].dt.year == annee).sum() <= 300

    uc = menages.unites_consommation(baux_2024["nb_personnes"], baux_2024["nb_moins_14"], territoire.echelle_uc)
    ressources_uc = menages.ressources_annuelles_par_uc(baux_2024["ressources"], uc)
    seuil = menages.seuils_par_annee(baux_2024["date_bail"].dt.year, territoire)
    assert (seuil == territoire.seuil_q1(2024)).all()
    q1 = menages.est_sous_seuil(ressources_uc, seuil)
    part_q1 = q1.fillna(False).sum() / len(baux_2024)
    assert 0.15 <= part_q1 <= 0.20

    demandes = brut["demandes"]
    actives = demandes[demandes["date_extraction"] == pd.Timestamp("2024-12-31")]
    part_mutation_demandes = (actives["mutation"] == "O").mean()
    part_mutation_baux = (baux_2024["mutation"] == "oui").mean()
    assert 0.34 <= part_mutation_demandes <= 0.40
    assert 0.19 <= part_mutation_baux <= 0.25

    pression = len(actives) / len(baux_2024)
    assert 6.3 <= pression <= 7.3
    pression_mutation = (actives["mutation"] == "O").sum() / (baux_2024["mutation"] == "oui").sum()
    assert 10 <= pression_mutation <= 15


def test_q1_des_demandes_plus_frequent_que_des_baux(brut, baux, territoire):
    actives = brut["demandes"][brut["demandes"]["date_extraction"] == pd.Timestamp("2024-12-31")].copy()
    actives["dalo"] = actives["dalo"] == "O"
    actives["prioritaire_l441"] = actives["prioritaire_l441"] == "O"
    actives = actives.rename(columns={"ressources": "ressources_mensuelles_n"})
    actives["ressources_mensuelles"] = actives["ressources_mensuelles_n"]
    enrichies = menages.enrichir_menages(actives, territoire, "date_extraction")
    part_q1_demandes = enrichies["q1"].fillna(False).mean()
    assert 0.22 <= part_q1_demandes <= 0.35
    # The labels Q2..Q4 are all present (thresholds q2, q3 of the territory).
    assert set(enrichies["quartile"]) == {"Q1", "Q2", "Q3", "Q4", "inconnu"}


def test_progression_q1_vers_l_objectif(baux, territoire):
    parts = {}
    for annee in (2024, 2025, 2026):
        b = baux[baux["date_bail"].dt.year == annee]
        uc = menages.unites_consommation(b["nb_personnes"], b["nb_moins_14"], territoire.echelle_uc)
        ruc = menages.ressources_annuelles_par_uc(b["ressources"], uc)
        parts[annee] = (ruc < territoire.seuil_q1(annee)).fillna(False).mean()
    assert parts[2024] < parts[2025] < parts[2026] < territoire.objectifs["q1_hors_qpv"]


def test_attente_realiste(baux):
    attente = (baux["date_decision"] - baux["date_depot"]).dt.days / 365.25
    assert 1.5 <= attente.median() <= 2.0
    assert (attente > 5).mean() > 0.02
    assert (attente > 0.25).all()


def test_reservataires_et_prioritaires(baux):
    b = baux[baux["date_bail"].dt.year == 2024]
    parts = b["reservataire"].value_counts(normalize=True)
    assert 0.25 <= parts["etat"] <= 0.30
    assert 0.22 <= parts["action_logement"] <= 0.28
    assert 0.17 <= parts["collectivite"] <= 0.23
    assert 0.17 <= parts["bailleur"] <= 0.23
    assert parts.drop(["etat", "action_logement", "collectivite", "bailleur"]).max() < 0.05
    prioritaire = (b["dalo"] == "oui") | (b["prioritaire_l441"] == "oui")
    part_etat = prioritaire[b["reservataire"] == "etat"].mean()
    assert 0.75 <= part_etat < 1.0
    assert prioritaire[b["reservataire"] == "action_logement"].mean() < 0.35
    # DALO and other priority are exclusive labels.
    assert not ((b["dalo"] == "oui") & (b["prioritaire_l441"] == "oui")).any()


def test_decisions_sans_bail_et_baux_aux_bornes(brut, baux):
    a = brut["attributions"]
    part_sans_bail = a["date_bail"].isna().mean()
    assert 0.05 <= part_sans_bail <= 0.08
    assert (baux["date_bail"] >= baux["date_decision"]).all()
    assert baux["date_bail"].min() == pd.Timestamp("2024-01-01")
    assert baux["date_bail"].max() <= pd.Timestamp("2026-09-30")
    assert a["date_decision"].max() <= pd.Timestamp("2026-09-30")
    jours = set(baux["date_bail"].dt.strftime("%m-%d"))
    assert {"12-31", "01-01"} <= jours
    assert (baux["date_bail"] == pd.Timestamp("2024-12-31")).any()
    assert (baux["date_bail"] == pd.Timestamp("2025-01-01")).any()


# ------------------------------------------------------------------------------- dirt
def test_salissures(brut, territoire):
    a, d = brut["attributions"], brut["demandes"]
    for table in (a, d):
        manquantes = table["ressources"].isna().mean()
        assert 0.01 <= manquantes <= 0.03
    assert 1 <= (a["code_commune"] == CODE_COMMUNE_INCONNUE).sum() <= 2
    assert CODE_COMMUNE_INCONNUE not in territoire.communes
    doublons = a["id_attribution"].value_counts()
    assert (doublons == 2).sum() == 1 and doublons.max() == 2
    assert "I3F" in set(a["bailleur"]) and "Val d'Oise Habitat" in set(a["bailleur"])
    assert all(territoire.bailleur_canonique(b) is not None for b in a["bailleur"])
    assert (a["code_qpv"] == "").all() and (brut["residences"]["code_qpv"] == "").all()


# --------------------------------------------------------------------------- households
def test_menages_coherents(brut):
    for table in (brut["attributions"], brut["demandes"]):
        assert (table["nb_personnes"] >= 1).all()
        assert (table["nb_moins_14"] < table["nb_personnes"]).all()
        assert table["age"].between(18, 90).all()
        assert table["ressources"].dropna().between(100, 10000).all()
        c, n, e = table["composition"], table["nb_personnes"], table["nb_moins_14"]
        assert ((c == "personne_seule") == (n == 1)).all()
        assert ((n[c == "couple_sans_enfant"] == 2) & (e[c == "couple_sans_enfant"] == 0)).all()
        assert (n[c == "couple_avec_enfants"] >= 3).all()
        assert (n[c == "famille_monoparentale"] >= 2).all()


# ---------------------------------------------------------------------------- links
def test_attributions_reliees_aux_demandes(brut):
    a, d = brut["attributions"], brut["demandes"]
    premier = INSTANTANES[0]
    assert sorted(d["date_extraction"].unique()) == list(INSTANTANES)
    depot = d.drop_duplicates("numero_unique").set_index("numero_unique")["date_depot"]
    verifiables = a[a["date_decision"] > premier]
    # Only decisions of the first quarter of 2024 precede every snapshot.
    assert len(verifiables) > 0.85 * len(a)
    vues = verifiables.reset_index().merge(d, on="numero_unique", suffixes=("", "_d"))
    vues = vues[vues["date_extraction"] < vues["date_decision"]]
    assert set(vues["index"]) == set(verifiables.index)
    assert (vues["date_depot"] == vues["date_depot_d"]).all()
    assert (vues["nb_personnes"] == vues["nb_personnes_d"]).all()
    assert (vues["composition"] == vues["composition_d"]).all()
    assert (vues["mutation"].map({"oui": "O", "non": "N"}) == vues["mutation_d"]).all()
    assert (vues["ressources_mensuelles"] == vues["ressources_mensuelles_d"]).all()
    # A demand with an earlier registration is in the index of numbers for every attribution.
    connus = a["numero_unique"].isin(depot.index)
    assert connus[a["date_bail"].isna() | (a["date_bail"] > premier)].all()


def test_demandes_sortent_une_fois_logees_et_nouvelles_arrivent(brut, baux):
    d = brut["demandes"]
    par_instantane = {q: set(g["numero_unique"]) for q, g in d.groupby("date_extraction")}
    for bail in baux.itertuples():
        apres = [q for q in INSTANTANES if q >= bail.date_bail]
        assert all(bail.numero_unique not in par_instantane[q] for q in apres)
    for avant, apres in zip(INSTANTANES[:-1], INSTANTANES[1:]):
        nouvelles = par_instantane[apres] - par_instantane[avant]
        sorties = par_instantane[avant] - par_instantane[apres]
        assert len(nouvelles) > 100 and len(sorties) > 100
    # Stable identity: one registration date per demand number.
    assert (d.groupby("numero_unique")["date_depot"].nunique() == 1).all()
    assert not d.duplicated(["date_extraction", "numero_unique"]).any()


def test_attributions_reliees_aux_residences(brut, territoire):
    a, r = brut["attributions"], brut["residences"].set_index("id_residence")
    assert a["id_residence"].isin(r.index).all()
    bonnes = a[a["code_commune"] != CODE_COMMUNE_INCONNUE]
    assert (bonnes["code_commune"].to_numpy() == r.loc[bonnes["id_residence"], "code_commune"].to_numpy()).all()
    canonique = a["bailleur"].map(territoire.bailleur_canonique)
    assert (canonique.to_numpy() == r.loc[a["id_residence"], "bailleur"].to_numpy()).all()


# ---------------------------------------------------------------------------- residences
def test_parc_de_residences(brut, territoire):
    r = brut["residences"]
    assert r["id_residence"].is_unique
    assert set(r["code_commune"]) == set(territoire.communes)
    assert set(r["bailleur"]) == set(territoire.bailleurs)
    par_commune = r.groupby("code_commune")["nb"].sum().sort_values(ascending=False)
    assert list(par_commune.index[:2]) == ["95313", "95394"]
    par_bailleur = r.groupby("bailleur")["nb"].sum().sort_values(ascending=False)
    assert set(par_bailleur.index[:3]) == {"Immobilière 3F", "OPH du Val-d'Oise", "CDC Habitat"}
    assert par_bailleur.iloc[:3].sum() / par_bailleur.sum() > 0.60


def test_premier_peuplement_des_programmes_neufs(brut, baux):
    r = brut["residences"]
    neufs = r[r["annee"] >= 2025]
    assert sorted(neufs["annee"]) == [2025, 2026]
    for prog in neufs.itertuples():
        siens = baux[baux["id_residence"] == prog.id_residence]
        assert siens["date_bail"].dt.year.min() == prog.annee
        premiere_annee = (siens["date_bail"].dt.year == prog.annee).sum()
        assert premiere_annee >= 0.8 * prog.nb
    anciennes = r[r["annee"] < 2024]["id_residence"]
    assert baux["id_residence"].isin(anciennes).mean() > 0.85


def test_positions_dans_la_bonne_commune(brut, territoire):
    contours = json.loads(territoire.contours_communes.read_text(encoding="utf-8"))
    formes = {f["properties"]["code"]: shapely.geometry.shape(f["geometry"]) for f in contours["features"]}
    r = brut["residences"]
    lat, lon = _nombre(r["latitude"]), _nombre(r["longitude"])
    for code, x, y in zip(r["code_commune"], lon, lat):
        assert formes[code].contains(shapely.Point(float(x), float(y))), code
        autres = [c for c, f in formes.items() if c != code and f.contains(shapely.Point(float(x), float(y)))]
        assert not autres


# ---------------------------------------------------------------------------------- OPS
def _rapports_au_territoire(ops: pd.DataFrame) -> pd.DataFrame:
    """Ratio of each residence's rates to the territory's (per survey year)."""
    indicateurs = {
        "inf_20": ("nb_menages_ress_inf_20", "nb_menages"),
        "inf_40": ("nb_menages_ress_inf_40", "nb_menages"),
        "inf_60": ("nb_menages_ress_inf_60", "nb_menages"),
        "monoparentales": ("nb_familles_monoparentales", "nb_menages"),
        "apl": ("nb_menages_apl", "nb_menages"),
        "sans_emploi": ("nb_adultes_sans_emploi", "nb_adultes"),
    }
    sortie = []
    for annee, g in ops.groupby("annee_ops"):
        ratios = pd.DataFrame({"annee_ops": annee, "id_residence": g["id_residence"]})
        for nom, (num, den) in indicateurs.items():
            ratios[nom] = (g[num] / g[den]) / (g[num].sum() / g[den].sum())
        sortie.append(ratios)
    return pd.concat(sortie, ignore_index=True)


def test_ops_bornes(brut):
    o = brut["ops"]
    assert sorted(o["annee_ops"].unique()) == [2022, 2024]
    assert (o["nb_menages_ress_inf_20"] <= o["nb_menages_ress_inf_40"]).all()
    assert (o["nb_menages_ress_inf_40"] <= o["nb_menages_ress_inf_60"]).all()
    assert (o["nb_menages_ress_inf_60"] <= o["nb_menages"]).all()
    for c in ("nb_familles_monoparentales", "nb_familles_nombreuses", "nb_titulaires_65_plus",
              "nb_menages_apl", "nb_emmenages_recents"):
        assert o[c].between(0, o["nb_menages"]).all(), c
    assert (o["nb_adultes_sans_emploi"] <= o["nb_adultes"]).all()
    r = brut["residences"].set_index("id_residence")
    assert o["id_residence"].isin(r.index).all()
    # Programmes first let after a survey are not in it.
    assert (r.loc[o["id_residence"], "annee"].to_numpy() <= o["annee_ops"].to_numpy()).all()


def test_residences_fragiles_distinctes(brut):
    ratios = _rapports_au_territoire(brut["ops"])
    colonnes = ["inf_20", "inf_40", "inf_60", "monoparentales", "apl", "sans_emploi"]
    for annee, attendues in ((2024, RESIDENCES_FRAGILES_EXEMPLE), (2022, RESIDENCES_FRAGILES_2022)):
        g = ratios[ratios["annee_ops"] == annee].set_index("id_residence")[colonnes]
        fragiles = g.loc[list(attendues)]
        # About double the territory on several indicators...
        assert ((fragiles >= 1.6).sum(axis=1) >= 4).all(), fragiles
        assert (fragiles[["inf_20", "monoparentales", "apl", "sans_emploi"]] >= 1.7).all().all()
        # ...and no other residence anywhere near.
        autres = g.drop(index=list(attendues))
        assert autres.to_numpy().max() <= 1.45
    assert len(RESIDENCES_FRAGILES_EXEMPLE) == 3
    entree = set(RESIDENCES_FRAGILES_EXEMPLE) - set(RESIDENCES_FRAGILES_2022)
    sortie = set(RESIDENCES_FRAGILES_2022) - set(RESIDENCES_FRAGILES_EXEMPLE)
    assert len(entree) == 1 and len(sortie) == 1


def test_residences_fragiles_independantes_de_la_graine(territoire):
    ops = tables_exemple(territoire, graine=99)["ops"].astype({"annee_ops": int})
    for c in ops.columns.drop(["id_residence", "annee_ops"]):
        ops[c] = ops[c].astype(int)
    ratios = _rapports_au_territoire(ops)
    g = ratios[ratios["annee_ops"] == 2024].set_index("id_residence")
    assert set(g.index[g["inf_20"] >= 1.7]) == set(RESIDENCES_FRAGILES_EXEMPLE)


# ------------------------------------------------------------------------------- import
def test_import_de_l_exemple(exemple_traite, donnees_exemple):
    rapport = json.loads((exemple_traite / "rapport_import.json").read_text(encoding="utf-8"))
    assert rapport["donnees_fictives"] is True
    fichiers = rapport["fichiers"]
    # Expected rejections only: the unknown commune code and the duplicated identifier.
    assert 3 <= fichiers["attributions"]["rejetes"] <= 4
    for table in ("demandes", "residences", "ops"):
        assert fichiers[table]["rejetes"] == 0, table
    assert "nom" in fichiers["attributions"]["colonnes_personnelles_supprimees"]
    assert "nom" not in donnees_exemple.attributions.columns
    assert "numero_unique" not in donnees_exemple.demandes.columns
    assert len(donnees_exemple.attributions) > 700
    assert set(donnees_exemple.attributions["bailleur"]) <= {
        "Immobilière 3F", "OPH du Val-d'Oise", "CDC Habitat", "Erigère", "Antin Résidences",
        "Emmaüs Habitat", "Seqens", "1001 Vies Habitat", "Immobilière du Moulin-Vert", "SCI Foncière",
        "HLM La Chaumière", "OPH de l'Oise", "France Euro Habitat",
    }
    assert np.isclose(donnees_exemple.attributions["ressources_mensuelles"].isna().mean(), 0.02, atol=0.01)
