"""Fiches of the communes and bailleurs: the bilan's figures, masked by one function in diffusion."""

from __future__ import annotations

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from cia_lib.calculs import indicateurs as ind
from cia_lib.calculs.periodes import periode_cumul
from cia_lib.restitution.confidentialite import MASQUE
from cia_lib.restitution.contexte import Contexte
from cia_lib.restitution.fiches import ancre, fiches_du_bilan, html_fiche, sous_donnees
from cia_lib.restitution.publication import publication_bilan

ANNEE = 2025


def _ctx(territoire, donnees, mode):
    return Contexte(territoire=territoire, donnees=donnees, periode=periode_cumul(ANNEE, 4), mode=mode, trimestre=4)


@pytest.fixture(scope="module")
def tableau_bilan(territoire, donnees_exemple):
    p = periode_cumul(ANNEE, 4)
    return ind.tableau_indicateurs(donnees_exemple, territoire, p.du, p.au)


@pytest.fixture(scope="module")
def fiches_communes_diffusion(territoire, donnees_exemple):
    return fiches_du_bilan(_ctx(territoire, donnees_exemple, "diffusion"), "commune")


def test_une_fiche_par_commune_dans_l_ordre_du_territoire(fiches_communes_diffusion, territoire):
    assert [f.cle for f in fiches_communes_diffusion] == list(territoire.communes)
    assert [f.libelle for f in fiches_communes_diffusion] == list(territoire.communes.values())


def test_chiffres_egaux_au_bilan_masque(fiches_communes_diffusion, territoire, donnees_exemple):
    # the bilan's indicator table as the bilan publishes it (whole-report masking)
    masque = publication_bilan(_ctx(territoire, donnees_exemple, "diffusion")).indicateurs()
    for fiche in fiches_communes_diffusion:
        for ligne in fiche.chiffres.itertuples():
            bilan = masque[(masque["indicateur"] == ligne.indicateur) & (masque["niveau"] == "commune")
                           & (masque["cle"] == fiche.cle)].iloc[0]
            for col in ("numerateur", "denominateur", "taux"):
                a, b = getattr(ligne, col), bilan[col]
                assert (pd.isna(a) and pd.isna(b)) or a == b, (fiche.libelle, ligne.indicateur, col)
    assert any((f.chiffres["numerateur"] == MASQUE).any() for f in fiches_communes_diffusion)


def test_details_masques_en_diffusion(fiches_communes_diffusion, territoire):
    seuil = territoire.seuil_secret
    for fiche in fiches_communes_diffusion:
        for table, colonnes in ((fiche.reservataires, ["numerateur", "denominateur"]), (fiche.delais, ["effectif"]),
                                *((s, ["numerateur", "denominateur"]) for s in fiche.evolution.values())):
            for col in colonnes:
                valeurs = [v for v in table[col] if not isinstance(v, str) and pd.notna(v)]
                assert all(not 1 <= int(v) <= seuil for v in valeurs), (fiche.libelle, col)
        assert fiche.seuil == seuil


def test_analyste_sans_masque_et_baux_de_la_commune(territoire, donnees_exemple, tableau_bilan):
    fiches = fiches_du_bilan(_ctx(territoire, donnees_exemple, "analyste"), "commune")
    p = periode_cumul(ANNEE, 4)
    att = donnees_exemple.attributions
    dans_periode = att[(att["date_bail"] >= pd.Timestamp(p.du)) & (att["date_bail"] <= pd.Timestamp(p.au))]
    for fiche in fiches:
        assert not (fiche.reservataires["numerateur"] == MASQUE).any()
        # leases by réservataire add up to the commune's leases of the period (counted on the raw table)
        assert int(fiche.reservataires["denominateur"].sum()) == int((dans_periode["code_commune"] == fiche.cle).sum())
        assert fiche.seuil is None


def test_fiche_bailleur_ses_seuls_baux(territoire, donnees_exemple):
    fiches = fiches_du_bilan(_ctx(territoire, donnees_exemple, "analyste"), "bailleur")
    fiche = next(f for f in fiches if f.cle == "Immobilière 3F")
    sous = sous_donnees(donnees_exemple, "bailleur", "Immobilière 3F")
    assert set(sous.attributions["bailleur"]) == {"Immobilière 3F"}
    assert set(sous.residences["bailleur"]) <= {"Immobilière 3F"}
    assert "mutations_internes" in set(fiche.chiffres["indicateur"])
    mutation = fiche.chiffres.set_index("indicateur").loc["mutations_internes"]
    p = periode_cumul(ANNEE, 4)
    a = sous.attributions[(sous.attributions["date_bail"] >= pd.Timestamp(p.du))
                          & (sous.attributions["date_bail"] <= pd.Timestamp(p.au))]
    assert int(mutation["numerateur"]) == int(a["mutation"].fillna(False).astype(bool).sum())
    assert int(mutation["denominateur"]) == len(a)


def test_html_fiche_lisible(fiches_communes_diffusion):
    fiche = fiches_communes_diffusion[2]
    soup = BeautifulSoup(html_fiche(fiche, "année 2025"), "html.parser")
    section = soup.select_one("section.cia-fiche")
    assert section["id"] == f"commune-{fiche.cle}"
    assert soup.h2.get_text() == f"Fiche de la commune : {fiche.libelle}"
    texte = section.get_text(" ")
    for code in ("q1_hors_qpv", "numerateur", "reservataire", "mutations_part_attributions", "hors_q1_en_qpv"):
        assert code not in texte
    assert "1er quartile hors QPV" in texte and "Évolution depuis le début de la convention" in texte


def test_ancre():
    assert ancre("OPH du Val-d'Oise") == "oph-du-val-d-oise"
