"""National parameters of the flux bilan (config/flux.yaml): read, checked, used."""

from __future__ import annotations

import pandas as pd
import pytest

from cia_lib.calculs.flux import periode_construction
from cia_lib.entrees.conventions import alertes_conventions
from cia_lib.erreurs import ErreurConfiguration
from cia_lib.territoire.parametres_flux import charger_parametres_flux, parametres_flux


def test_fichier_du_projet():
    p = charger_parametres_flux()
    assert (p.plafond_etat, p.plafond_agents_etat) == (0.30, 0.05)
    assert p.periodes_construction[0] == (None, 1948, "avant 1949")
    assert p.periodes_construction[-1] == (2015, None, "2015 et après")
    assert parametres_flux() == p


def _ecrire(tmp_path, texte):
    chemin = tmp_path / "flux.yaml"
    chemin.write_text(texte, encoding="utf-8")
    return chemin


PERIODES = """periodes_construction:
  - {jusqu_a: 1999, libelle: "avant 2000"}
  - {de: 2000, libelle: "2000 et après"}
"""


def test_plafonds_lus_et_utilises(tmp_path):
    p = charger_parametres_flux(_ecrire(tmp_path, "plafonds_etat: {total: '25 %', agents_etat: '0,02'}\n" + PERIODES))
    assert (p.plafond_etat, p.plafond_agents_etat) == (0.25, 0.02)
    c = pd.DataFrame({"bailleur": ["A", "A"], "reservataire": ["etat", "etat_fonctionnaires"],
                      "annee": [2025, 2025], "part_flux": [0.24, 0.03]})
    # 27 % in all, 3 % for the agents: under the national ceilings, above those of this file
    assert alertes_conventions(c) == []
    assert alertes_conventions(c, p) == [
        "A, 2025 : part de l'État 27 % du flux, au-dessus du plafond de 25 % (art. R441-5 CCH) ; à vérifier.",
        "A, 2025 : part de l'État pour ses agents 3 %, au-dessus du plafond de 2 % (art. R441-5 CCH) ; à vérifier.",
    ]


def test_periodes_de_construction_du_fichier():
    annees = pd.Series([1948, 1949, 1974, 1975, 2014, 2015, None], dtype="Int64")
    assert periode_construction(annees).tolist() == [
        "avant 1949", "1949-1974", "1949-1974", "1975-1989", "2005-2014", "2015 et après", "non renseigné"]


@pytest.mark.parametrize("texte, message", [
    ("periodes_construction: []\n", "plafonds_etat"),
    ("plafonds_etat: {total: 1.5, agents_etat: 0.05}\n" + PERIODES, "plafonds_etat.total"),
    ("plafonds_etat: {total: 0.3, agents_etat: 0.4}\n" + PERIODES, "ne peut dépasser"),
    ("plafonds_etat: {total: 0.3, agents_etat: 0.05}\nperiodes_construction:\n"
     "  - {jusqu_a: 1999, libelle: a}\n  - {de: 2001, libelle: b}\n", "ne se suivent pas"),
    ("plafonds_etat: {total: 0.3, agents_etat: 0.05}\nperiodes_construction:\n"
     "  - {de: 1900, jusqu_a: 1999, libelle: a}\n  - {de: 2000, libelle: b}\n", "première période"),
    ("plafonds_etat: {total: 0.3, agents_etat: 0.05}\nperiodes_construction:\n"
     "  - {jusqu_a: 1999}\n  - {de: 2000, libelle: b}\n", "sans « libelle »"),
    ("plafonds_etat: {total: 0.3, agents_etat: 0.05}\nperiodes_construction:\n"
     "  - {jusqu_a: deux-mille, libelle: a}\n  - {de: 2000, libelle: b}\n", "doit être une année"),
])
def test_fichier_invalide_message_francais(tmp_path, texte, message):
    chemin = _ecrire(tmp_path, texte)
    with pytest.raises(ErreurConfiguration, match=message) as erreur:
        charger_parametres_flux(chemin)
    assert str(chemin) in str(erreur.value)
