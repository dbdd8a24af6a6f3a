"""Indicators for several EPCIs at once (cia_lib.calculs.indicateurs.multi).

Hand-built fixture: two fictional EPCIs made from the test territory (targets, réservataires,
bailleurs HI/FF shared), with **different thresholds** and **different demand snapshots**:

* A = 999999999, communes 99001 and 99002, Q1 threshold 2024 = 10 000 €/UC;
* B = 999999998, commune 99003, Q1 threshold 2024 = 12 000 €/UC.

== ======= ===== ============ =============== ================================== =====
#  commune QPV   bailleur     réservataire    ménage (1 person)                  flags
== ======= ===== ============ =============== ================================== =====
1  99001   non   HI           etat            900 € → 10 800 €/UC: not Q1 in A   DALO
2  99003   non   HI           etat            900 € → 10 800 €/UC: **Q1 in B**
3  99002   non   FF           bailleur        800 € → 9 600 €/UC: Q1             L441
4  99003   non   Autre HLM    action_logement resources unknown
5  99001   QPV   HI           collectivite    1 000 € → 12 000 €/UC: above Q1    L441
6  75056   non   HI           etat            outside both EPCIs: ignored         DALO
== ======= ===== ============ =============== ================================== =====

Demands: A has a snapshot on 2024-12-31 (2 demands, one a mutation) and an older one on
2024-06-30 (5 demands, ignored); B only has the 2024-06-30 snapshot (3 demands).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from cia_lib.calculs.indicateurs import tableau_indicateurs
from cia_lib.calculs.indicateurs.multi import (
    COLONNES_MULTI_EPCI,
    COLONNES_PRINCIPAUX,
    INDICATEURS_PRINCIPAUX,
    comparaison_epci,
    indicateurs_principaux_multi,
    restreindre,
    tableau_multi_epci,
)
from cia_lib.cli import main
from cia_lib.entrees.donnees import Donnees, charger_donnees, tables_vides, typer_table
from cia_lib.entrees.importation import importer
from cia_lib.erreurs import ErreurFichier, ErreurParametre, ErreurSeuilManquant
from cia_lib.exemples.national import generer_exemple_national
from cia_lib.territoire import chemins
from cia_lib.territoire.config import SeuilsQuartiles
from cia_lib.territoire.multi_epci import charger_territoires, territoire_ensemble

DU, AU = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
A, B = "999999999", "999999998"


@pytest.fixture(scope="module")
def deux_epci(territoire_test):
    a = dataclasses.replace(territoire_test, communes={"99001": "Ville-Centre", "99002": "Bourg-sur-Rivière"})
    b = dataclasses.replace(
        territoire_test, siren=B, nom="CC Voisine (fictive)", nom_court="CCV", communes={"99003": "Hameau-les-Bois"},
        seuils={2024: SeuilsQuartiles(2024, 12000.0, 16000.0, 21000.0)},
    )
    return [a, b]


def attribution(i, commune, bailleur, reservataire, ressources, **kw) -> dict:
    base = dict(
        id_attribution=f"A{i}", numero_unique=f"N{i}", date_decision="2024-02-01", date_bail="2024-03-01",
        bailleur=bailleur, reservataire=reservataire, code_commune=commune, code_qpv=None, id_residence="R1",
        typologie="T3", ressources_mensuelles=ressources, nb_personnes=1, nb_moins_14=0, dalo=False,
        prioritaire_l441=False, mutation=False, relogement_renouvellement=False, date_depot="2022-06-01",
        age_titulaire=40, composition="personne_seule",
    )
    base.update(kw)
    return base


def demande(i, date_extraction, commune, **kw) -> dict:
    base = dict(
        date_extraction=date_extraction, numero_unique=f"D{i}", date_depot="2023-01-01",
        code_commune_souhaitee=commune, typologie_souhaitee="T3", ressources_mensuelles=700.0,
        nb_personnes=1, nb_moins_14=0, mutation=False, dalo=False, prioritaire_l441=False,
        age_titulaire=30, composition="personne_seule",
    )
    base.update(kw)
    return base


@pytest.fixture(scope="module")
def donnees_main():
    attributions = [
        attribution(1, "99001", "HI", "etat", 900.0, dalo=True),
        attribution(2, "99003", "HI", "etat", 900.0),
        attribution(3, "99002", "FF", "bailleur", 800.0, prioritaire_l441=True, typologie="T2"),
        attribution(4, "99003", "Autre HLM", "action_logement", None, typologie=None),
        attribution(5, "99001", "HI", "collectivite", 1000.0, code_qpv="QN99901X", prioritaire_l441=True),
        attribution(6, "75056", "HI", "etat", 500.0, dalo=True),
    ]
    demandes = (
        [demande(i, "2024-12-31", "99001", mutation=(i == 1)) for i in range(1, 3)]
        + [demande(10 + i, "2024-06-30", "99002") for i in range(5)]
        + [demande(20 + i, "2024-06-30", "99003", mutation=(i == 0)) for i in range(3)]
    )
    vides = tables_vides()
    return Donnees(
        attributions=typer_table("attributions", pd.DataFrame(attributions)),
        demandes=typer_table("demandes", pd.DataFrame(demandes)), residences=vides["residences"], ops=vides["ops"],
    )


def valeurs(table, siren, indicateur, niveau, cle=None):
    lignes = table[(table["siren_epci"] == siren) & (table["indicateur"] == indicateur) & (table["niveau"] == niveau)]
    if cle is not None:
        lignes = lignes[lignes["cle"] == cle]
    ligne = lignes.iloc[0]
    return int(ligne["numerateur"]), int(ligne["denominateur"]), ligne["inconnus"]


def test_chiffres_calcules_a_la_main(donnees_main, deux_epci):
    t = tableau_multi_epci(donnees_main, deux_epci, DU, AU)
    assert list(t.columns[:2]) == ["siren_epci", "indicateur"]
    assert list(dict.fromkeys(t["siren_epci"])) == [A, B]
    # Each EPCI its own threshold: 10 800 €/UC is Q1 in B (12 000) but not in A (10 000).
    assert valeurs(t, A, "q1_hors_qpv", "epci") == (1, 2, 0)
    assert valeurs(t, B, "q1_hors_qpv", "epci") == (1, 2, 1)
    assert valeurs(t, A, "hors_q1_en_qpv", "epci") == (1, 1, 0)
    assert valeurs(t, B, "hors_q1_en_qpv", "epci") == (0, 0, 0)
    assert valeurs(t, A, "prioritaires", "epci")[:2] == (3, 3)
    assert valeurs(t, A, "prioritaires", "reservataire", "etat")[:2] == (1, 1)
    assert valeurs(t, B, "prioritaires", "reservataire", "etat")[:2] == (0, 1)
    # Each EPCI its own latest snapshot: A 2024-12-31 (2 demands), B 2024-06-30 (3 demands).
    assert valeurs(t, A, "pression", "epci")[:2] == (2, 3)
    assert valeurs(t, B, "pression", "epci")[:2] == (3, 2)
    assert valeurs(t, B, "mutations_part_demandes", "epci")[:2] == (1, 3)
    # Keys: A's communes only for A; an unknown bailleur appears in B only, after HI and FF.
    assert t.loc[(t["siren_epci"] == A) & (t["indicateur"] == "q1_hors_qpv") & (t["niveau"] == "commune"),
                 "cle"].tolist() == ["99001", "99002"]
    assert t.loc[(t["siren_epci"] == B) & (t["indicateur"] == "q1_hors_qpv") & (t["niveau"] == "bailleur"),
                 "cle"].tolist() == ["Habitat Imaginaire", "Foyer Fictif", "Autre HLM"]
    assert "Autre HLM" not in set(t.loc[t["siren_epci"] == A, "cle"])
    # The lease in Paris (75056) belongs to neither EPCI.
    assert valeurs(t, A, "dalo", "epci")[0] + valeurs(t, B, "dalo", "epci")[0] == 1


def test_egal_aux_calculs_par_epci(donnees_main, deux_epci):
    t = tableau_multi_epci(donnees_main, deux_epci, DU, AU)
    for terr in deux_epci:
        seul = tableau_indicateurs(restreindre(donnees_main, terr), terr, DU, AU)
        partie = t[t["siren_epci"] == terr.siren].drop(columns="siren_epci").reset_index(drop=True)
        pd.testing.assert_frame_equal(partie, seul)


def test_comparaison(donnees_main, deux_epci):
    c = comparaison_epci(tableau_multi_epci(donnees_main, deux_epci, DU, AU))
    assert c["siren_epci"].tolist() == [B, A]  # tie on Q1 (50 % each): then by SIREN
    assert c["q1_hors_qpv_rang"].tolist() == [1, 1]  # ties share the rank
    par = c.set_index("siren_epci")
    assert par.loc[A, "prioritaires_rang"] == 1 and par.loc[B, "prioritaires_rang"] == 2
    assert par.loc[A, "baux_signes"] == 3 and par.loc[B, "baux_signes"] == 2
    assert pd.isna(par.loc[B, "hors_q1_en_qpv_rang"])  # no QPV lease: no rate, no rank
    assert par.loc[B, "hors_q1_en_qpv_statut"] == "sans objet"
    assert par.loc[A, "pression_taux"] == pytest.approx(2 / 3)


def test_erreurs(donnees_main, deux_epci):
    a, b = deux_epci
    sans_2024 = dataclasses.replace(b, seuils={2025: SeuilsQuartiles(2025, 12000.0)})
    with pytest.raises(ErreurSeuilManquant, match="999999998"):
        tableau_multi_epci(donnees_main, [a, sans_2024], DU, AU)
    autre_cible = dataclasses.replace(b, objectifs={**b.objectifs, "q1_hors_qpv": 0.4})
    with pytest.raises(ErreurParametre, match="mêmes paramètres communs"):
        tableau_multi_epci(donnees_main, [a, autre_cible], DU, AU)
    with pytest.raises(ErreurParametre, match="vide"):
        tableau_multi_epci(donnees_main, [], DU, AU)
    with pytest.raises(ErreurParametre, match="en double"):
        tableau_multi_epci(donnees_main, [a, a], DU, AU)


# --------------------------------------------------------------------------- national sample, Val-d'Oise


@pytest.fixture(scope="module")
def val_d_oise(tmp_path_factory):
    """The national synthetic sample restricted to the 4 EPCIs of the 95, imported (Parquet)."""
    brut = tmp_path_factory.mktemp("national_95_brut")
    traite = tmp_path_factory.mktemp("national_95_traite")
    generer_exemple_national(brut, echelle=1.0, departement="95", progression=False)  # département size
    territoires = charger_territoires(chemins.CONFIG / "exemple_departement_95.yaml")
    importer(brut, traite, territoire_ensemble(territoires), cle=b"cle-de-test", progression=False)
    return traite, territoires


def test_echantillon_95_egal_aux_calculs_par_epci(val_d_oise):
    dossier, territoires = val_d_oise
    donnees = charger_donnees(dossier)
    t = tableau_multi_epci(donnees, territoires, DU, AU)
    assert set(t["siren_epci"]) == {x.siren for x in territoires}
    for terr in territoires:
        seul = tableau_indicateurs(restreindre(donnees, terr), terr, DU, AU)
        assert int(seul.loc[(seul["indicateur"] == "prioritaires") & (seul["niveau"] == "epci"), "denominateur"].item()) > 20
        partie = t[t["siren_epci"] == terr.siren].drop(columns="siren_epci").reset_index(drop=True)
        pd.testing.assert_frame_equal(partie, seul)


def _lignes_principales(tableau):
    garder = pd.Series(list(zip(tableau["indicateur"], tableau["niveau"]))).isin(INDICATEURS_PRINCIPAUX).to_numpy()
    return tableau.loc[garder].reset_index(drop=True)


def test_indicateurs_principaux(donnees_main, deux_epci):
    principaux = indicateurs_principaux_multi(donnees_main, deux_epci, DU, AU)
    pd.testing.assert_frame_equal(principaux, _lignes_principales(tableau_multi_epci(donnees_main, deux_epci, DU, AU)))
    assert set(zip(principaux["indicateur"], principaux["niveau"])) == set(INDICATEURS_PRINCIPAUX)
    assert valeurs(principaux, B, "q1_hors_qpv", "epci") == (1, 2, 1)  # lease 2 is Q1 with B's threshold


def test_echantillon_95_colonnes_utiles(val_d_oise):
    """Reading only the needed columns gives the same tables and the same indicators."""
    dossier, territoires = val_d_oise
    tout = charger_donnees(dossier)
    for colonnes in (COLONNES_MULTI_EPCI, COLONNES_PRINCIPAUX):
        partiel = charger_donnees(dossier, colonnes=colonnes)
        for table, noms in colonnes.items():
            if not noms:
                assert getattr(partiel, table).shape == (len(getattr(tout, table)), 0)
                continue
            attendu = getattr(tout, table)[[c for c in getattr(tout, table).columns if c in noms]]
            pd.testing.assert_frame_equal(getattr(partiel, table), attendu)
        assert len(partiel.residences) == len(tout.residences) and partiel.rapport_import == tout.rapport_import
    complet = tableau_multi_epci(tout, territoires, DU, AU)
    partiel = charger_donnees(dossier, colonnes=COLONNES_MULTI_EPCI)
    pd.testing.assert_frame_equal(tableau_multi_epci(partiel, territoires, DU, AU), complet)
    principaux = indicateurs_principaux_multi(
        charger_donnees(dossier, colonnes=COLONNES_PRINCIPAUX), territoires, DU, AU)
    pd.testing.assert_frame_equal(principaux, _lignes_principales(complet))
    with pytest.raises(ErreurFichier, match="colonnes inconnues"):
        charger_donnees(dossier, colonnes={"demandes": ["numero_unique"]})


def test_cli_multi_epci(val_d_oise, tmp_path, capsys):
    dossier, territoires = val_d_oise
    sortie, comparaison = tmp_path / "ind.csv", tmp_path / "comparaison.csv"
    code = main(["indicateurs", "--donnees", str(dossier), "--territoire",
                 str(chemins.CONFIG / "exemple_departement_95.yaml"), "--annee", "2024",
                 "--sortie", str(sortie), "--comparaison", str(comparaison)])
    assert code == 0
    assert "Indicateurs de 4 EPCI" in capsys.readouterr().out
    lu = pd.read_csv(sortie, sep=";", decimal=",", dtype={"siren_epci": "string", "cle": "string"})
    assert set(lu["siren_epci"]) == {x.siren for x in territoires}
    comp = pd.read_csv(comparaison, sep=";", decimal=",", dtype={"siren_epci": "string"})
    assert len(comp) == 4 and sorted(comp["q1_hors_qpv_rang"].tolist())[0] == 1
    # A single-EPCI file keeps the former output (no siren_epci column) and refuses --comparaison.
    code = main(["indicateurs", "--donnees", str(dossier), "--annee", "2024", "--sortie", str(tmp_path / "un.csv"),
                 "--comparaison", str(tmp_path / "c.csv")])
    assert code == 2
    assert "--comparaison demande plusieurs EPCI" in capsys.readouterr().err
