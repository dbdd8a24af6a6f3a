"""Linked-table suppression and the attacker's audit (linear programming), on hand-made cases."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cia_lib.erreurs import ErreurCIA
from cia_lib.restitution.confidentialite import MASQUE, masquer_tableau_indicateurs
from cia_lib.restitution.publication import Publication
from cia_lib.restitution.quantites import Quantite, ajouter_complements, quantites_indicateurs, relations_connues
from cia_lib.restitution.suppression import Intervalle, Systeme, audit, completer_suppressions, intervalles


def _systeme(valeurs: dict, relations: list[dict]) -> Systeme:
    s = Systeme()
    for k, v in valeurs.items():
        s.ajouter(k, v)
    for r in relations:
        s.relier(r)
    return s


@pytest.mark.parametrize(("bas", "haut", "protege"), [
    (3, 3, False),      # exact
    (1, 5, False),      # « between 1 and 5 households »: a disclosure
    (0, 5, True),       # could be zero
    (2, 6, True),       # could be above the threshold
    (0, math.inf, True),
    (4.8, 5.2, False),  # not a whole range of integers
])
def test_intervalle_protege_bornes(bas, haut, protege):
    assert Intervalle(bas, haut).protege(5) is protege


def test_intervalles_soustraction_et_chaine():
    # a + b = t ; b + c = u ; hidden a, b: a is free, but with u and c shown, b = u - c, a = t - b
    s = _systeme({"a": 3, "b": 7, "t": 10, "c": 2, "u": 9}, [{"a": 1, "b": 1, "t": -1}, {"b": 1, "c": 1, "u": -1}])
    assert intervalles(s, {"a", "b"}, ["a"])["a"] == Intervalle(3.0, 3.0)
    bornes = intervalles(s, {"a", "b", "c"}, ["a", "b", "c"])
    assert bornes["a"] == Intervalle(1.0, 10.0)   # b = 9 - c ≤ 9, so a = 10 - b ≥ 1
    assert bornes["b"] == Intervalle(0.0, 9.0)
    assert bornes["c"] == Intervalle(0.0, 9.0)


def test_completer_ajoute_le_plus_petit_voisin_non_nul():
    # row a(3) + b(0) + c(12) = t(15): masking a alone is undone by t - c; the zero b does not protect
    s = _systeme({"a": 3, "b": 0, "c": 12, "t": 15}, [{"a": 1, "b": 1, "c": 1, "t": -1}])
    masques = completer_suppressions(s, 5)
    assert masques == {"a", "c"}
    assert audit(s, masques, 5) == {}


def test_complement_cache_est_un_secret():
    # 9 priority leases out of 10: the hidden complement (1) reveals the last household
    s = Systeme()
    s.ajouter(Quantite("baux_prioritaires", "bailleur", "A", "2025-01-01", "2025-12-31"), 9)
    s.ajouter(Quantite("baux", "bailleur", "A", "2025-01-01", "2025-12-31"), 10)
    ajouter_complements(s)
    for r in relations_connues(s):
        s.relier(r)
    assert len(s.valeurs) == 3
    masques = completer_suppressions(s, 5)
    assert Quantite("baux_prioritaires", "bailleur", "A", "2025-01-01", "2025-12-31") in masques
    assert audit(s, masques, 5) == {}


def test_deja_publie_refuse():
    s = _systeme({"a": 3, "b": 8, "t": 11}, [{"a": 1, "b": 1, "t": -1}])
    with pytest.raises(ErreurCIA, match="déjà publié"):
        completer_suppressions(s, 5, modifiables={"t"})


# --- the leak of the table-by-table masking, caught -----------------------------------------

def _tableau_prioritaires() -> pd.DataFrame:
    """Three bailleurs; the DALO of A (3) is the complement of prioritaires (10) − hors DALO (7)."""
    lignes = []
    valeurs = {"prioritaires": (10, 12, 9), "dalo": (3, 6, 0), "prioritaires_hors_dalo": (7, 6, 9)}
    baux = (29, 40, 30)
    for indicateur, nums in valeurs.items():
        lignes.append({"indicateur": indicateur, "niveau": "epci", "cle": "E", "libelle": "EPCI",
                       "numerateur": sum(nums), "denominateur": sum(baux), "du": "2025-01-01", "au": "2025-12-31"})
        for cle, n, d in zip("ABC", nums, baux, strict=True):
            lignes.append({"indicateur": indicateur, "niveau": "bailleur", "cle": cle, "libelle": cle,
                           "numerateur": n, "denominateur": d, "du": "2025-01-01", "au": "2025-12-31"})
    t = pd.DataFrame(lignes)
    return t.assign(taux=t["numerateur"] / t["denominateur"])


def _attaquer(publie: pd.DataFrame, vrai: pd.DataFrame) -> dict:
    """The attacker: published numbers are known, "s" cells are unknown; relations of the report."""
    s = Systeme()
    caches = set()
    for (_, _, q, v), (_, _, _, affiche) in zip(quantites_indicateurs(vrai), quantites_indicateurs_affiches(publie),
                                                strict=True):
        s.ajouter(q, v)
        if affiche == MASQUE:
            caches.add(q)
    ajouter_complements(s)
    for r in relations_connues(s):
        s.relier(r)
    return audit(s, caches, 5)


def quantites_indicateurs_affiches(publie: pd.DataFrame):
    """Like :func:`quantites_indicateurs` but keeping the shown value ("s" included)."""
    sortie = []
    for position, ligne in enumerate(publie.to_dict("records")):
        for colonne in ("numerateur", "denominateur"):
            sortie.append((position, colonne, None, ligne[colonne]))
    return sortie


def test_masquage_table_par_table_fuit_et_l_audit_le_voit():
    vrai = _tableau_prioritaires()
    ancien = masquer_tableau_indicateurs(vrai, 5)
    a_dalo = ancien[(ancien["indicateur"] == "dalo") & (ancien["cle"] == "A")].iloc[0]
    assert a_dalo["numerateur"] == MASQUE  # masked in its own table…
    fuites = _attaquer(ancien, vrai)
    cle = Quantite("baux_dalo", "bailleur", "A", "2025-01-01", "2025-12-31")
    assert fuites[cle] == Intervalle(3.0, 3.0)  # …but prioritaires − hors DALO = 10 − 7 = 3


def test_publication_globale_ne_fuit_pas():
    vrai = _tableau_prioritaires()
    pub = Publication("diffusion", 5, "E")
    (publie,) = pub.publier_indicateurs(vrai)
    assert _attaquer(publie, vrai) == {}
    ligne = publie[(publie["indicateur"] == "prioritaires_hors_dalo") & (publie["cle"] == "A")].iloc[0]
    assert ligne["numerateur"] == MASQUE and ligne["taux"] == MASQUE  # the complementary cell, with its rate


def test_publication_analyste_rien_masque_et_tampon():
    vrai = _tableau_prioritaires()
    pub = Publication("analyste", 5, "E")
    (publie,) = pub.publier_indicateurs(vrai)
    pd.testing.assert_frame_equal(publie, vrai)
    tableau = pub.tableau(publie, nom_feuille="Prioritaires")
    assert "Usage interne — ne pas diffuser" in tableau.html
    assert tableau._repr_mimebundle_()["application/vnd.cia.tableau+json"]["mention"] == "Usage interne — ne pas diffuser"
