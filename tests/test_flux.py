"""Gestion en flux: conventions, the flux bilan, its masking, ``cia flux`` and SNE-coded extracts.

Hand-computed expectations on ``tests/fixtures/sne`` (fictional test territory, seuil_secret 5):
an SNE strike-off extract (4 RADATT rows among 8) read with ``--correspondance sne`` alone.

Leases of 2025 in that extract:

====  ===================  ================  ===================  ======  ======  =====================
id    bailleur             réservataire      hors flux            typo    fin.    résidence (année)
====  ===================  ================  ===================  ======  ======  =====================
S1    Habitat Imaginaire   etat (PPRIOR)     non                  T2      PLAI    R1 QPV, 1968
S2    Foyer Fictif         action_logement   mutation interne     T3      PLUS    R2, 1995
S3    Habitat Imaginaire   bailleur (AUCUN)  relogement NPNRU     T5+     PLS     R1 QPV, 1968
S4    Habitat Imaginaire   collectivite      non                  T1      autre   R3, 2016
====  ===================  ================  ===================  ======  ======  =====================

Conventions 2025 of Habitat Imaginaire (HI is its alias): État 25 %, État fonctionnaires 5 %,
Action Logement 25 %, collectivités 20 % — its own share is 25 %. Foyer Fictif has none.
Habitat Imaginaire's flux = 2 leases (S1, S4).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cia_lib.calculs import flux as calc
from cia_lib.calculs.indicateurs import tableau_indicateurs
from cia_lib.cli import main
from cia_lib.entrees.correspondance import charger_correspondance, resoudre_correspondance
from cia_lib.entrees.donnees import charger_donnees
from cia_lib.entrees.importation import importer
from cia_lib.erreurs import ErreurConfiguration, ErreurParametre
from cia_lib.restitution.confidentialite import MASQUE
from cia_lib.restitution.flux import masquer_bilan_flux, masquer_synthese_flux, publier_flux
from cia_lib.territoire import chemins

FIXTURES = Path(__file__).parent / "fixtures"
SNE = FIXTURES / "sne"
TERRITOIRE_TEST = FIXTURES / "territoire_test.yaml"
CLE = b"cle-de-test-non-secrete"
HI, FF = "Habitat Imaginaire", "Foyer Fictif"


@pytest.fixture(scope="module")
def sne_traite(tmp_path_factory, territoire_test):
    """The SNE fixture imported with the preset alone."""
    destination = tmp_path_factory.mktemp("sne_traite")
    rapport = importer(SNE, destination, territoire_test, "sne", cle=CLE)
    return destination, rapport


@pytest.fixture(scope="module")
def donnees_sne(sne_traite):
    return charger_donnees(sne_traite[0])


def _ligne(bilan: pd.DataFrame, bailleur: str, reservataire: str) -> dict:
    lignes = bilan[(bilan["bailleur"] == bailleur) & (bilan["reservataire"] == reservataire)]
    assert len(lignes) == 1, (bailleur, reservataire)
    return {k: (None if pd.isna(v) else v) for k, v in lignes.iloc[0].to_dict().items()}


# ----------------------------------------------------------------------------- SNE preset
def test_preset_sne_resolu_par_son_nom(tmp_path, monkeypatch):
    assert resoudre_correspondance("sne") == chemins.CONFIG / "correspondance_sne.yaml"
    assert resoudre_correspondance("SNE") == chemins.CONFIG / "correspondance_sne.yaml"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sne").write_text("attributions: {}\n", encoding="utf-8")  # a real file of that name wins
    assert resoudre_correspondance("sne") == "sne"
    corresp = charger_correspondance("sne")
    assert corresp["attributions"].radiation is None  # read from ./sne, which has no radiation rule


def test_preset_sne_codes(sne_traite, donnees_sne):
    a = donnees_sne.attributions.set_index("id_attribution")
    assert list(a.index) == ["S1", "S2", "S3", "S4"]  # RADABA, RADREN and the empty motif set aside
    assert a["reservataire"].tolist() == ["etat", "action_logement", "bailleur", "collectivite"]
    assert a["dalo"].tolist() == [True, False, True, False]  # ACTIF, NON, ACTREL, CADUC
    assert a["typologie"].tolist() == ["T2", "T3", "T5+", "T1"]  # T6 -> T5+
    assert a["financement"].tolist() == ["PLAI", "PLUS", "PLS", "autre"]  # PLA-I, PLUS, PLS, HLMO
    assert a["mutation_interne"].tolist() == [False, True, False, False]
    assert a["bailleur"].tolist() == [HI, FF, HI, HI]
    # lease date: given (S1, S4) or the strike-off date (S2, S3)
    assert a["date_bail"].dt.strftime("%Y-%m-%d").tolist() == ["2025-02-01", "2025-03-10", "2025-04-12", "2025-05-15"]
    d = donnees_sne.demandes.sort_values("date_depot")
    assert d["dalo"].tolist() == [True, False, False]  # ACTIF, CADUC, empty
    assert d["typologie_souhaitee"].tolist() == ["T5+", "T2", "T3"]  # T7 -> T5+


def test_radiations_ecartees_comptees_pas_rejetees(sne_traite):
    destination, rapport = sne_traite
    info = rapport["fichiers"]["attributions"]
    assert (info["lus"], info["conserves"], info["rejetes"]) == (4, 4, 0)
    assert info["radiations"] == {"attributions.csv": {
        "ecartees": {"(motif vide)": 1, "RADABA": 1, "RADREN": 2}, "dates_bail_completees": 2}}
    assert pd.read_csv(destination / "rejets.csv").empty
    texte = " ".join(rapport["avertissements"])
    assert "4 radiation(s) pour un autre motif que l'attribution écartée(s)" in texte
    assert "RADABA : 1, RADREN : 2" in texte
    assert "2 date(s) de bail absente(s) remplacée(s) par la date de radiation" in texte
    assert "Motif de radiation" not in " ".join(info["colonnes_ignorees"])


def test_radiation_mal_declaree(tmp_path):
    with pytest.raises(ErreurConfiguration, match="radiation"):
        charger_correspondance({"attributions": {"radiation": {"date": "Date de radiation"}}})
    with pytest.raises(ErreurConfiguration, match="ne s'applique qu'à la table attributions"):
        charger_correspondance({"demandes": {"radiation": {"motif": "Motif"}}})


# ----------------------------------------------------------------------------- conventions
def test_conventions_importees(donnees_sne):
    c = donnees_sne.conventions_flux.sort_values("reservataire").reset_index(drop=True)
    assert c["bailleur"].tolist() == [HI] * 4  # alias HI made canonical
    assert c["reservataire"].tolist() == ["action_logement", "collectivite", "etat", "etat_fonctionnaires"]
    assert c["part_flux"].astype(float).round(6).tolist() == [0.25, 0.2, 0.25, 0.05]  # « 25 % » and « 0,25 »


def _importer_conventions(tmp_path, territoire_test, lignes: list[str]):
    source = tmp_path / "source"
    shutil.copytree(SNE, source)
    (source / "conventions_flux.csv").write_text(
        "bailleur;reservataire;annee;part_flux\n" + "\n".join(lignes) + "\n", encoding="utf-8")
    destination = tmp_path / "traite"
    rapport = importer(source, destination, territoire_test, "sne", cle=CLE)
    rejets = pd.read_csv(destination / "rejets.csv", sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    return rapport, rejets[rejets["fichier"] == "conventions_flux.csv"], charger_donnees(destination)


def test_conventions_refusees(tmp_path, territoire_test):
    rapport, rejets, donnees = _importer_conventions(tmp_path, territoire_test, [
        "HI;etat;2025;60 %",                          # 2: HI + Habitat Imaginaire = 110 % -> both refused
        "Habitat Imaginaire;collectivite;2025;0,5",   # 3
        "Foyer Fictif;etat;2026;1,5",                 # 4: out of [0, 1] (and over 100 %)
        "Foyer Fictif;bailleur;2025;0,2",             # 5: the own share is what the others leave
        "Foyer Fictif;collectivite;2025;beaucoup",    # 6: unreadable
        "Foyer Fictif;action_logement;2025;0,2",      # 7 and 8: repeated (FF is Foyer Fictif's alias)
        "FF;action_logement;2025;0,2",
        "Foyer Fictif;etat;2024;100 %",               # 9: exactly 100 %: kept
    ])
    motifs = rejets.groupby(rejets["ligne"].astype(int))["motif"].agg(list).to_dict()
    attendu = "les parts du flux de Habitat Imaginaire en 2025 totalisent 110 % : plus que le flux du bailleur (100 %)"
    assert motifs[2] == motifs[3] == [attendu]
    assert "part hors de [0, 1] : écrivez 0,30 ou 30 %" in motifs[4]
    assert "les parts du flux de Foyer Fictif en 2026 totalisent 150 % : plus que le flux du bailleur (100 %)" in motifs[4]
    assert motifs[5][0].startswith("valeur non autorisée (valeurs possibles : etat, etat_fonctionnaires")
    assert motifs[6] == ["part illisible : 0,30 ou 30 % attendu"]
    assert motifs[7] == motifs[8] == [
        "convention en double pour ce bailleur, ce réservataire et cette année (lignes 7, 8)"]
    assert 9 not in motifs
    info = rapport["fichiers"]["conventions_flux"]
    assert (info["lus"], info["conserves"], info["rejetes"]) == (8, 1, 7)
    assert donnees.conventions_flux[["bailleur", "annee"]].values.tolist() == [[FF, 2024]]


def test_part_de_l_etat_signalee_sans_rejet(tmp_path, territoire_test):
    rapport, rejets, donnees = _importer_conventions(tmp_path, territoire_test, [
        "HI;etat;2025;0,28", "HI;etat_fonctionnaires;2025;0,06", "FF;etat;2025;0,30",
    ])
    assert rejets.empty and len(donnees.conventions_flux) == 3
    alertes = [a for a in rapport["avertissements"] if a.startswith("conventions_flux")]
    assert alertes == [
        "conventions_flux : Habitat Imaginaire, 2025 : part de l'État 34 % du flux, au-dessus du plafond de 30 % "
        "(art. R441-5 CCH) ; à vérifier.",
        "conventions_flux : Habitat Imaginaire, 2025 : part de l'État pour ses agents 6 %, au-dessus du plafond "
        "de 5 % (art. R441-5 CCH) ; à vérifier.",
    ]  # Foyer Fictif at exactly 30 %: not flagged


def test_sans_fichier_de_conventions(tmp_path, territoire_test, sne_traite):
    source = tmp_path / "source"
    shutil.copytree(SNE, source)
    destination = tmp_path / "traite"
    importer(source, destination, territoire_test, "sne", cle=CLE)
    assert (destination / "conventions_flux.parquet").exists()
    (source / "conventions_flux.csv").unlink()
    rapport = importer(source, destination, territoire_test, "sne", cle=CLE)
    assert not (destination / "conventions_flux.parquet").exists()  # not left over from the previous import
    assert "conventions_flux" not in rapport["fichiers"]
    donnees = charger_donnees(destination)
    assert donnees.conventions_flux is None
    bilan = calc.bilan_flux(donnees.attributions, None, 2025)
    assert bilan["part_convention"].isna().all() and bilan["ecart_baux"].isna().all()
    assert _ligne(bilan, HI, "etat")["part_realisee"] == 0.5
    assert calc.notes_bilan(donnees.attributions, None, 2025)[0].startswith("Aucun fichier conventions_flux")


def test_conventions_invalides_refusees_par_le_calcul():
    a = pd.DataFrame({"date_bail": pd.to_datetime([]), "bailleur": [], "reservataire": []})
    trop = pd.DataFrame({"bailleur": ["B", "B"], "reservataire": ["etat", "collectivite"], "annee": [2025, 2025],
                         "part_flux": [0.6, 0.41]})
    with pytest.raises(ErreurParametre, match="dépassent 100 %"):
        calc.bilan_flux(a, trop, 2025)
    assert calc.bilan_flux(a, trop, 2024).empty  # other year: nothing to check, nothing to show


# ----------------------------------------------------------------------------- the bilan
def test_bilan_flux_calcule_a_la_main(donnees_sne):
    bilan = calc.bilan_flux(donnees_sne.attributions, donnees_sne.conventions_flux, 2025)
    assert list(bilan.columns) == list(calc.COLONNES_BILAN)
    assert bilan[["bailleur", "reservataire"]].values.tolist() == [
        [FF, "action_logement"], [FF, "bailleur"],
        [HI, "action_logement"], [HI, "bailleur"], [HI, "collectivite"], [HI, "etat"], [HI, "etat_fonctionnaires"],
    ]
    etat = _ligne(bilan, HI, "etat")
    assert (etat["baux_flux"], etat["baux_flux_bailleur"], etat["part_realisee"]) == (1, 2, 0.5)
    assert etat["part_convention"] == pytest.approx(0.25) and etat["ecart_baux"] == pytest.approx(1 - 0.25 * 2)
    coll = _ligne(bilan, HI, "collectivite")
    assert coll["ecart_baux"] == pytest.approx(1 - 0.2 * 2) and coll["baux_attendus"] == pytest.approx(0.4)
    # a réservataire with a convention and no lease
    al = _ligne(bilan, HI, "action_logement")
    assert (al["baux_flux"], al["part_realisee"]) == (0, 0.0)
    assert al["ecart_baux"] == pytest.approx(-0.5)
    fonct = _ligne(bilan, HI, "etat_fonctionnaires")
    assert fonct["ecart_baux"] == pytest.approx(-0.1)
    # the bailleur's own share is what the conventions leave; its relogement is out of the flux
    propre = _ligne(bilan, HI, "bailleur")
    assert propre["part_convention"] == pytest.approx(0.25) and propre["baux_flux"] == 0
    assert propre["baux_hors_flux_relogement_renouvellement"] == 1 and propre["ecart_baux"] == pytest.approx(-0.5)
    # a bailleur without convention: its only lease is an internal mutation (out of the flux)
    ff = _ligne(bilan, FF, "action_logement")
    assert (ff["baux_flux"], ff["baux_flux_bailleur"], ff["baux_hors_flux_mutation_interne"]) == (0, 0, 1)
    assert ff["part_realisee"] is None and ff["part_convention"] is None and ff["ecart_baux"] is None
    assert not ff["convention"] and etat["convention"]
    # shares of one bailleur add up to 1, realised shares too
    hi = bilan[bilan["bailleur"] == HI]
    assert hi["part_convention"].sum() == pytest.approx(1.0) and hi["part_realisee"].sum() == pytest.approx(1.0)
    assert hi["ecart_baux"].sum() == pytest.approx(0.0)


def test_mutation_interne_prime_et_inconnue():
    a = pd.DataFrame({
        "date_bail": pd.to_datetime(["2025-01-10", "2025-02-10", "2025-03-10", "2024-12-31"]),
        "bailleur": ["B"] * 4, "reservataire": ["etat"] * 4,
        "mutation_interne": pd.array([True, None, False, False], dtype="boolean"),
        "relogement_renouvellement": pd.array([True, False, False, False], dtype="boolean"),
    })
    bilan = calc.bilan_flux(a, None, 2025)
    etat = _ligne(bilan, "B", "etat")
    assert etat["baux_hors_flux_mutation_interne"] == 1  # both motives: counted once, as internal mutation
    assert etat["baux_hors_flux_relogement_renouvellement"] == 0
    assert (etat["baux_flux"], etat["baux_mutation_interne_inconnue"]) == (2, 1)  # the 2024 lease is not counted
    notes = calc.notes_bilan(a, None, 2025)
    assert any("1 bail(aux) sans indication de mutation interne" in n for n in notes)


def test_synthese_epci(donnees_sne):
    bilan = calc.bilan_flux(donnees_sne.attributions, donnees_sne.conventions_flux, 2025)
    s = calc.synthese_epci(bilan).set_index("reservataire")
    assert s.loc["etat", "baux_flux"] == 1 and s.loc["etat", "part_realisee"] == 0.5  # EPCI flux = 2 leases
    assert s.loc["etat", "part_convention"] == pytest.approx(0.25)
    assert s.loc["action_logement", "baux_hors_flux_mutation_interne"] == 1
    assert s.loc["action_logement", "baux_flux_conventionnes"] == 0
    assert s.loc["action_logement", "ecart_baux"] == pytest.approx(-0.5)
    assert s["baux_attendus"].sum() == pytest.approx(2.0)


def test_repartitions_du_decret(donnees_sne, territoire_test):
    a, r = donnees_sne.attributions, donnees_sne.residences
    attendu = {
        "typologie": {"T1": {"collectivite": 1}, "T2": {"etat": 1}},
        "financement": {"PLAI": {"etat": 1}, "autre": {"collectivite": 1}},
        "qpv": {"en QPV": {"etat": 1}, "hors QPV": {"collectivite": 1}},
        "commune": {"Hameau-les-Bois": {"collectivite": 1}, "Ville-Centre": {"etat": 1}},
        "periode_construction": {"1949-1974": {"etat": 1}, "2015 et après": {"collectivite": 1}},
    }
    for dimension, lignes in attendu.items():
        table = calc.repartition_flux(a, 2025, dimension, r, territoire_test.communes).set_index("modalite")
        assert sorted(table.index) == sorted(lignes), dimension
        for modalite, comptes in lignes.items():
            assert table.loc[modalite, "total"] == 1
            for reservataire, n in comptes.items():
                assert table.loc[modalite, reservataire] == n, (dimension, modalite)
    hi = calc.repartition_flux(a, 2025, "typologie", bailleur=FF)
    assert hi.empty  # Foyer Fictif has no lease inside the flux
    with pytest.raises(ErreurParametre, match="répartition inconnue"):
        calc.repartition_flux(a, 2025, "etage")


# ----------------------------------------------------------------------------- masking
def _bilan_main() -> pd.DataFrame:
    """Two bailleurs × two contingents; A without convention."""
    return pd.DataFrame({
        "bailleur": ["A", "A", "B", "B"], "reservataire": ["bailleur", "etat", "bailleur", "etat"],
        "baux_flux": [12, 3, 20, 30], "baux_flux_bailleur": [15, 15, 50, 50],
        "part_realisee": [0.8, 0.2, 0.4, 0.6], "part_convention": [None, None, 0.7, 0.3],
        "baux_attendus": [None, None, 35.0, 15.0], "ecart_baux": [None, None, -15.0, 15.0],
        "baux_hors_flux_mutation_interne": [0, 0, 0, 7], "baux_hors_flux_relogement_renouvellement": [0, 0, 0, 0],
        "baux_mutation_interne_inconnue": [0, 0, 0, 0], "convention": [False, False, True, True],
    })


def test_masquage_bilan_secret_secondaire():
    m = masquer_bilan_flux(_bilan_main(), 5)
    # A's 3 is secret; its row (total 15 shown) needs a second mask: A's 12; then both columns need
    # a second one: B's 20 (bailleur) and B's 30 (etat)
    assert m["baux_flux"].tolist() == [MASQUE] * 4
    assert m["part_realisee"].tolist() == [MASQUE] * 4 and m.loc[2:, "ecart_baux"].tolist() == [MASQUE] * 2
    assert m["baux_flux_bailleur"].tolist() == [15, 15, 50, 50]  # totals above the threshold stay
    assert m["part_convention"].tolist()[2:] == [0.7, 0.3]
    assert m["baux_hors_flux_mutation_interne"].tolist() == [0, 0, 0, 7]


def test_masquage_synthese_coherent():
    bilan = _bilan_main()
    s = masquer_synthese_flux(calc.synthese_epci(bilan), bilan, 5).set_index("reservataire")
    # column totals 32 and 33 are shown; but A (without convention) has exactly one masked cell per
    # column: the conventioned leases (total − A's cell) would reveal it
    assert s.loc["etat", "baux_flux"] == 33 and s.loc["bailleur", "baux_flux"] == 32
    assert s.loc["etat", "baux_flux_conventionnes"] == MASQUE and s.loc["etat", "ecart_baux"] == MASQUE
    assert s.loc["etat", "baux_attendus"] == 15.0
    analyste = calc.synthese_epci(bilan).set_index("reservataire")
    assert analyste.loc["etat", "baux_flux_conventionnes"] == 30


def test_publier_flux_selon_le_mode(donnees_sne, territoire_test):
    analyste = publier_flux(donnees_sne, territoire_test, 2025, "analyste")
    diffusion = publier_flux(donnees_sne, territoire_test, 2025, "diffusion")
    assert not analyste.diffusion and diffusion.diffusion
    assert _ligne(analyste.bilan, HI, "etat")["baux_flux"] == 1
    assert _ligne(diffusion.bilan, HI, "etat")["baux_flux"] == MASQUE
    assert _ligne(diffusion.bilan, HI, "etat")["baux_flux_bailleur"] == MASQUE  # 2 leases: secret
    assert MASQUE in diffusion.repartitions["typologie"].values
    assert set(analyste.repartitions) == set(calc.DIMENSIONS)
    assert analyste.repartitions["qpv"]["modalite"].tolist() == ["en QPV", "hors QPV", "Ensemble"]
    assert any("Foyer Fictif" in n for n in analyste.notes)


def test_notes_sans_petit_effectif_en_diffusion(donnees_sne, territoire_test):
    attributions = donnees_sne.attributions.assign(
        financement=donnees_sne.attributions["financement"].mask(pd.Series([True, False, False, False])))
    donnees = dataclasses.replace(donnees_sne, attributions=attributions)
    note = "1 bail(aux) sans financement renseigné (« non renseigné »)."
    assert note in publier_flux(donnees, territoire_test, 2025, "analyste").notes
    assert "de 1 à 5 bail(aux) sans financement renseigné (« non renseigné »)." in publier_flux(
        donnees, territoire_test, 2025, "diffusion").notes


# ----------------------------------------------------------------------------- cia flux
def test_cli_flux_csv_diffusion_et_analyste(tmp_path, sne_traite, capsys):
    donnees = sne_traite[0]
    sortie = tmp_path / "flux.csv"
    code = main(["flux", "--donnees", str(donnees), "--annee", "2025", "--sortie", str(sortie),
                 "--territoire", str(TERRITOIRE_TEST)])
    assert code == 0
    assert "petits effectifs masqués" in capsys.readouterr().out
    csv = pd.read_csv(sortie, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(csv.columns)[:6] == ["bailleur", "reservataire", "baux_flux", "baux_flux_bailleur", "part_realisee",
                                     "part_convention"]
    assert {"ecart_baux", "baux_hors_flux_mutation_interne", "baux_hors_flux_relogement_renouvellement"} <= set(csv)
    assert len(csv) == 7 and set(csv["baux_flux"]) <= {MASQUE, "0"}
    code = main(["flux", "--donnees", str(donnees), "--annee", "2025", "--sortie", str(sortie),
                 "--territoire", str(TERRITOIRE_TEST), "--mode", "analyste"])
    assert code == 0
    csv = pd.read_csv(sortie, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    etat = csv[(csv["bailleur"] == HI) & (csv["reservataire"] == "etat")].iloc[0]
    assert (etat["baux_flux"], etat["part_realisee"], etat["part_convention"], etat["ecart_baux"]) == (
        "1", "0,5", "0,25", "0,5")


def test_cli_flux_xlsx(tmp_path, sne_traite):
    sortie = tmp_path / "flux.xlsx"
    assert main(["flux", "--donnees", str(sne_traite[0]), "--annee", "2025", "--sortie", str(sortie),
                 "--territoire", str(TERRITOIRE_TEST), "--mode", "analyste"]) == 0
    classeur = openpyxl.load_workbook(sortie, read_only=True)
    assert classeur.sheetnames == ["bilan_flux", "synthese_epci", *[f"flux_{d}" for d in calc.DIMENSIONS]]
    lignes = list(classeur["bilan_flux"].iter_rows(values_only=True))
    assert lignes[0][:3] == ("bailleur", "reservataire", "baux_flux") and len(lignes) == 8
    typo = {r[0]: r for r in classeur["flux_typologie"].iter_rows(values_only=True)}
    assert typo["Ensemble"][-1] == 2


@pytest.mark.parametrize("options, message", [
    (["--sortie", "flux.json"], "format de sortie non pris en charge"),
    (["--sortie", "flux.csv", "--mode", "public"], "mode de lecture inconnu"),
    (["--sortie", "flux.csv", "--annee", "2019"], "aucun bail signé en 2019"),
])
def test_cli_flux_refus_en_francais(tmp_path, sne_traite, capsys, options, message):
    arguments = ["flux", "--donnees", str(sne_traite[0]), "--annee", "2025", "--territoire", str(TERRITOIRE_TEST)]
    options = [str(tmp_path / o) if o.startswith("flux.") else o for o in options]
    assert main(arguments + options) == 2
    erreur = capsys.readouterr().err
    assert message in erreur and "Traceback" not in erreur


# ----------------------------------------------------------------------------- SNE layout of the sample
CODES_RESERVATAIRES_SNE = {"etat": "PPRIOR", "etat_fonctionnaires": "PFONCT", "collectivite": "COLTER",
                           "action_logement": "COLACT", "autre": "AUTRES", "bailleur": "AUCUN"}
ENTETES_SNE = {
    "id_attribution": "Identifiant de l'attribution", "numero_unique": "Numéro unique départemental",
    "date_decision": "Date de décision CAL", "date_bail": "Date de signature du bail",
    "bailleur": "Bailleur attributaire", "reservataire": "Type de réservataire",
    "code_commune": "Code INSEE du logement", "code_qpv": "Code QPV", "id_residence": "Identifiant du programme",
    "typologie": "Typologie du logement", "financement": "Financement du logement",
    "ressources_mensuelles": "Revenus mensuels du ménage", "nb_personnes": "Nombre de personnes",
    "nb_moins_14": "Nombre d'enfants de moins de 14 ans", "dalo": "Statut DALO",
    "prioritaire_l441": "Public prioritaire (PDALHPD)", "mutation": "Demande de mutation",
    "mutation_interne": "Mutation interne", "relogement_renouvellement": "Relogement ANRU / ORCOD",
    "date_depot": "Date de dépôt de la demande", "age_titulaire": "Âge du demandeur",
    "composition": "Situation familiale",
}


def extrait_sne(brut: Path, destination: Path) -> Path:
    """The sample's files in the SNE layout: attributions as a strike-off extract (RADATT for every
    lease, half of them without lease date, plus other motifs), SNE codes, SNE headers."""
    destination.mkdir(parents=True, exist_ok=True)
    a = pd.read_csv(brut / "attributions.csv", sep=";", dtype=str, encoding="cp1252", keep_default_na=False)
    a = a[a["date_bail"] != ""].reset_index(drop=True)  # a strike-off extract only holds signed leases
    deptreg = a["reservataire"].isin(["departement", "region"])
    a = a[~deptreg].reset_index(drop=True)  # COLTER does not tell them apart: left out of the comparison
    radiation = a["date_bail"].copy()
    a.loc[a.index % 2 == 0, "date_bail"] = ""  # taken from the strike-off date
    a["reservataire"] = a["reservataire"].map(CODES_RESERVATAIRES_SNE)
    a["dalo"] = [("ACTIF" if i % 3 else "ACTREL") if v == "oui" else ("NON" if i % 4 else "CADUC")
                 for i, v in enumerate(a["dalo"])]
    a["typologie"] = a["typologie"].replace({"T5+": "T6"})
    a["financement"] = a["financement"].replace({"PLAI": "PLA-I"})
    sne = a.rename(columns=ENTETES_SNE)
    sne.insert(0, "Motif de radiation", "RADATT")
    sne.insert(1, "Date de radiation", radiation)
    autres = sne.head(6).assign(**{"Motif de radiation": ["RADABA", "RADREN", "RADIRR", "RADCON", "RADABA", ""]})
    autres["Identifiant de l'attribution"] = [f"AUTRE-{i}" for i in range(6)]
    pd.concat([sne, autres], ignore_index=True).to_csv(destination / "attributions.csv", sep=";", index=False,
                                                       encoding="cp1252")
    d = pd.read_csv(brut / "demandes.csv", sep=";", dtype=str, encoding="cp1252", keep_default_na=False)
    d["dalo"] = d["dalo"].map({"O": "ACTIF", "N": "NON"})
    d.rename(columns={"date_extraction": "Date d'extraction", "numero_unique": "Numéro unique",
                      "date_depot": "Date de dépôt de la demande", "dalo": "Statut DALO",
                      "mutation": "Demande de mutation"}).to_csv(destination / "demandes.csv", sep=";", index=False,
                                                                  encoding="cp1252")
    for nom in ("residences", "ops", "conventions_flux"):
        shutil.copy(brut / f"{nom}.csv", destination / f"{nom}.csv")
    return destination


@pytest.mark.lent
def test_echantillon_au_format_sne_memes_indicateurs(tmp_path, exemple_brut, exemple_traite, territoire):
    source = extrait_sne(exemple_brut, tmp_path / "sne")
    rapport = importer(source, tmp_path / "traite", territoire, "sne", cle=CLE)
    assert rapport["fichiers"]["attributions"]["radiations"]["attributions.csv"]["ecartees"] == {
        "(motif vide)": 1, "RADABA": 2, "RADCON": 1, "RADIRR": 1, "RADREN": 1}
    sne, canonique = charger_donnees(tmp_path / "traite"), charger_donnees(exemple_traite)
    # the same leases (those of the canonical sample with a lease, outside département / région)
    a = canonique.attributions
    a = a[a["date_bail"].notna() & ~a["reservataire"].isin(["departement", "region"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(sne.attributions, a)
    pd.testing.assert_frame_equal(sne.demandes, canonique.demandes)
    # hence the same indicators and the same flux bilan
    reference = type(canonique)(a, canonique.demandes, canonique.residences, canonique.ops,
                                conventions_flux=canonique.conventions_flux)
    for annee in (2024, 2025):
        pd.testing.assert_frame_equal(
            tableau_indicateurs(sne, territoire, dt.date(annee, 1, 1), dt.date(annee, 12, 31)),
            tableau_indicateurs(reference, territoire, dt.date(annee, 1, 1), dt.date(annee, 12, 31)))
        pd.testing.assert_frame_equal(calc.bilan_flux(sne.attributions, sne.conventions_flux, annee),
                                      calc.bilan_flux(a, canonique.conventions_flux, annee))


@pytest.mark.lent
def test_echantillon_bilan_flux(donnees_exemple, territoire):
    """The sample's conventions: every bailleur but the last two of the territory holding residences."""
    bilan = calc.bilan_flux(donnees_exemple.attributions, donnees_exemple.conventions_flux, 2025)
    sans = sorted(set(bilan.loc[~bilan["convention"], "bailleur"]))
    assert sans == ["France Euro Habitat", "OPH de l'Oise"]
    avec = bilan[bilan["convention"]]
    assert avec.groupby("bailleur")["part_convention"].sum().round(9).eq(1).all()
    assert (bilan.groupby("bailleur")["baux_flux"].sum() == bilan.groupby("bailleur")["baux_flux_bailleur"].first()).all()
    baux = calc.baux_de_l_annee(donnees_exemple.attributions, 2025)
    assert int(bilan["baux_flux"].sum()) == int(baux["hors_flux"].isna().sum())
    assert int(bilan["baux_hors_flux_mutation_interne"].sum()) == int(baux["mutation_interne"].sum()) > 0
    assert json.dumps(calc.notes_bilan(donnees_exemple.attributions, donnees_exemple.conventions_flux, 2025),
                      ensure_ascii=False).count("Bailleur(s) sans convention") == 1
