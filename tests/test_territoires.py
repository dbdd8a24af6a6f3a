"""Multi-EPCI territory files (cia_lib.territoire.multi_epci) and the open bailleur list (config)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
import yaml

from cia_lib.erreurs import ErreurConfiguration
from cia_lib.territoire import chemins
from cia_lib.territoire.config import charger_territoire
from cia_lib.territoire.multi_epci import (
    charger_territoires,
    departement_de_commune,
    lire_communes_france,
    siren_des_communes,
    table_commune_epci,
    territoire_de_commune,
    territoire_ensemble,
)

FICHIER_95 = chemins.CONFIG / "exemple_departement_95.yaml"
EPCI_95 = ["200056380", "200058485", "249500455", "249500489"]


def ecrire(tmp_path, **changements):
    """A copy of the département 95 file with some sections replaced (None = removed)."""
    brut = yaml.safe_load(FICHIER_95.read_text(encoding="utf-8"))
    for cle, valeur in changements.items():
        if valeur is None:
            brut.pop(cle, None)
        else:
            brut[cle] = valeur
    chemin = tmp_path / "territoires.yaml"
    chemin.write_text(yaml.safe_dump(brut, allow_unicode=True), encoding="utf-8")
    return chemin


def test_liste_d_epci(tmp_path):
    chemin = ecrire(tmp_path, departement=None, epcis=["249500455", "200056380"])
    ts = charger_territoires(chemin)
    assert [t.siren for t in ts] == ["249500455", "200056380"]  # order of the file
    ccvo3f = ts[0]
    assert ccvo3f.nom == "CC de la Vallée de l'Oise et des Trois Forêts"
    assert ccvo3f.departement == "95"
    # Same 9 communes as the hand-written CCVO3F file, taken from the reference table.
    assert set(ccvo3f.communes) == set(charger_territoire(chemins.TERRITOIRE_DEFAUT).communes)
    assert ccvo3f.communes["95313"] == "L'Isle-Adam"
    assert {a: s.q1 for a, s in ccvo3f.seuils.items()} == {2024: 11615.0, 2025: 12000.0, 2026: 12083.0}
    assert len(ts[1].communes) == 18 and "95014" in ts[1].communes  # CA Plaine Vallée: Andilly…
    # Shared settings copied from the file.
    assert all(t.reservataires["etat"].cible == 1.0 and t.objectifs["q1_hors_qpv"] == 0.25 for t in ts)


def test_departement(tmp_path):
    ts = charger_territoires(FICHIER_95)
    assert sorted(t.siren for t in ts) == EPCI_95
    assert all(t.departement == "95" for t in ts)
    assert all(code.startswith("95") for t in ts for code in t.communes)
    # "9" and "09" are accepted for a one-digit département (Ariège: code 09).
    assert charger_territoires(ecrire(tmp_path, departement="9")) == charger_territoires(ecrire(tmp_path, departement="09"))


def test_fichier_d_un_seul_epci_donne_une_liste_d_un():
    ts = charger_territoires(chemins.TERRITOIRE_DEFAUT)
    assert ts == [charger_territoire(chemins.TERRITOIRE_DEFAUT)]


def test_toute_la_france(tmp_path):
    ts = charger_territoires(ecrire(tmp_path, departement=None, epcis="toutes"))
    sirens = {t.siren for t in ts}
    assert 400 < len(ts) < 430
    assert "249500455" in sirens
    assert "200057867" not in sirens  # Plaine Commune (EPT of the Grand Paris): no commune in the table
    assert len(table_commune_epci(ts)) == sum(len(t.communes) for t in ts)  # no commune twice


def test_siren_inconnu(tmp_path):
    chemin = ecrire(tmp_path, departement=None, epcis=["249500455", "123456789"])
    with pytest.raises(ErreurConfiguration, match="EPCI inconnu « 123456789 »"):
        charger_territoires(chemin)


def test_epci_sans_seuil(tmp_path):
    # CC Vexin Centre (95) exists in the commune table but is not bound by the law.
    chemin = ecrire(tmp_path, departement=None, epcis=["200035970"])
    with pytest.raises(ErreurConfiguration, match="aucun seuil pour l'EPCI 200035970"):
        charger_territoires(chemin)


def test_erreurs_de_selection(tmp_path):
    with pytest.raises(ErreurConfiguration, match="incompatibles"):
        charger_territoires(ecrire(tmp_path, epcis=["249500455"]))
    with pytest.raises(ErreurConfiguration, match="SIREN d'EPCI invalide"):
        charger_territoires(ecrire(tmp_path, departement=None, epcis=["24950045"]))
    with pytest.raises(ErreurConfiguration, match="aucun EPCI du département « 05 »"):
        charger_territoires(ecrire(tmp_path, departement="5"))
    with pytest.raises(ErreurConfiguration, match="en double"):
        charger_territoires(ecrire(tmp_path, departement=None, epcis=["249500455", "249500455"]))
    # A shared setting is still checked with the usual message (naming the user's file).
    with pytest.raises(ErreurConfiguration, match="territoires.yaml : objectif « q1_hors_qpv » manquant"):
        charger_territoires(ecrire(tmp_path, objectifs={"hors_q1_en_qpv": 0.5, "prioritaires_total": 0.25}))


def test_bailleurs_libres(tmp_path):
    t = charger_territoires(FICHIER_95)[0]
    assert t.bailleurs_libres
    assert t.bailleur_canonique("  OPH 95 ") == "OPH 95"
    assert t.bailleur_canonique("") is None and t.bailleur_canonique(None) is None
    # Declared aliases still resolve beside the open list.
    avec_alias = charger_territoires(ecrire(tmp_path, bailleurs={"Immobilière 3F": ["I3F"]}, bailleurs_libres=True))[0]
    assert avec_alias.bailleur_canonique("i3f") == "Immobilière 3F"
    assert avec_alias.bailleur_canonique("Seqens") == "Seqens"
    # Existing behaviour kept: a closed list rejects unknown names.
    ccvo3f = charger_territoire(chemins.TERRITOIRE_DEFAUT)
    assert not ccvo3f.bailleurs_libres
    assert ccvo3f.bailleur_canonique("Inconnu HLM") is None
    assert ccvo3f.bailleur_canonique("I3F") == "Immobilière 3F"
    with pytest.raises(ErreurConfiguration, match="« bailleurs » invalide"):
        charger_territoires(ecrire(tmp_path, bailleurs="n'importe"))


def test_commune_vers_epci():
    ts = charger_territoires(FICHIER_95)
    assert territoire_de_commune("95313", ts).siren == "249500455"
    assert territoire_de_commune("75056", ts) is None
    sirens = siren_des_communes(pd.Series(["95313", "95014", "75056", None], dtype="string"), ts)
    assert sirens.tolist() == ["249500455", "200056380", pd.NA, pd.NA]
    assert departement_de_commune(pd.Series(["01004", "2B033", "97411"])).tolist() == ["01", "2B", "974"]
    ref = lire_communes_france()
    assert ref.loc[ref["code_commune"] == "01004", "departement"].item() == "01"  # codes kept as text


def test_territoire_ensemble():
    ts = charger_territoires(FICHIER_95)
    union = territoire_ensemble(ts)
    assert len(union.communes) == sum(len(t.communes) for t in ts)
    assert set(union.seuils) == {2024, 2025, 2026}
    deux_fois = dataclasses.replace(ts[1], siren="999999998", communes={"95313": "L'Isle-Adam"})
    with pytest.raises(ErreurConfiguration, match="95313 appartient à deux territoires"):
        territoire_ensemble([ts[2], deux_fois])
