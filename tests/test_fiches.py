"""Fiches of the communes and bailleurs: the bilan's figures, masked by one function in diffusion."""

from __future__ import annotations

import dataclasses

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


def test_residences_signalees_notees_sur_tout_le_territoire(territoire, donnees_exemple):
    """A fiche lists the residences the bilan flags in its commune: each one is scored against the
    territory's averages, not against its own commune's (which would hide a commune whose
    residences are all fragile)."""
    import dataclasses

    from cia_lib.calculs import residences as res
    from cia_lib.restitution.fiches import preparer_fiches, residences_signalees

    d = donnees_exemple
    annee_ops = res.annee_ops_disponible(d.ops, ANNEE)
    ops = d.ops.copy()
    dans_l_enquete = ops.loc[ops["annee_ops"] == annee_ops, "id_residence"]
    communes = d.residences.set_index("id_residence")["code_commune"]
    commune = communes[communes.index.isin(dans_l_enquete)].value_counts().index[0]
    ici = (ops["annee_ops"] == annee_ops) & ops["id_residence"].map(communes).eq(commune)
    # every household of the commune's residences is poor, alone with children, on APL, jobless…
    for colonne in ("nb_menages_ress_inf_20", "nb_menages_ress_inf_40", "nb_menages_ress_inf_60",
                    "nb_familles_monoparentales", "nb_menages_apl"):
        ops.loc[ici, colonne] = ops.loc[ici, "nb_menages"]
    ops.loc[ici, "nb_adultes_sans_emploi"] = ops.loc[ici, "nb_adultes"]
    donnees = dataclasses.replace(d, ops=ops)
    assert ici.sum() >= 2

    fiche = next(f for f in preparer_fiches(_ctx(territoire, donnees, "analyste"), "commune",
                                             ind.tableau_indicateurs(donnees, territoire, *_bornes()))
                 if f.cle == commune)
    scores = res.scores_fragilite(ops, d.residences, res.charger_parametres_fragilite(), annee_ops)
    attendues = sorted(scores.loc[scores["signalee"].fillna(False).astype(bool)
                                  & (scores["code_commune"] == commune), "nom_residence"].astype(str))
    assert len(attendues) == int(ici.sum())  # all of them, against the territory's averages
    assert fiche.residences_signalees == attendues
    signalees = residences_signalees(donnees, ANNEE)
    assert set(signalees["nom_residence"]) == set(scores.loc[scores["signalee"].fillna(False).astype(bool), "nom_residence"])
    # scored against the commune's own averages, none would stand out
    sous = sous_donnees(donnees, "commune", commune)
    locales = res.scores_fragilite(sous.ops, sous.residences, res.charger_parametres_fragilite(), annee_ops)
    assert not locales["signalee"].fillna(False).astype(bool).all()


def _bornes():
    p = periode_cumul(ANNEE, 4)
    return p.du, p.au


def _systeme_du_lecteur(pub_bilan, fiches_brutes, fiches_publiees, du, au):
    """What a reader of the bilan and of both fiche pages knows: the bilan's quantities and
    relations, each fiche's réservataire counts (crossed with its commune or bailleur), that they
    add up to the fiche's figure in the bilan and, over all fiches of a kind, to the contingent's
    figure in the bilan; and which of them are masked. Written here independently of the library."""
    import copy
    from collections import defaultdict

    from cia_lib.restitution.quantites import Quantite

    systeme = copy.deepcopy(pub_bilan.systeme)
    masques = set(pub_bilan.masques)
    par_contingent = defaultdict(list)
    for brute, publiee in zip(fiches_brutes, fiches_publiees, strict=True):
        for colonne, mesure in (("numerateur", "baux_prioritaires"), ("denominateur", "baux")):
            membres = []
            for (_, b), (_, p) in zip(brute.reservataires.iterrows(), publiee.reservataires.iterrows(), strict=True):
                q = Quantite(mesure, f"{brute.niveau}={brute.cle}/reservataire", str(b["cle"]), du, au)
                systeme.ajouter(q, float(b[colonne]))
                membres.append(q)
                par_contingent[(brute.niveau, mesure, str(b["cle"]))].append(q)
                if p[colonne] == MASQUE:
                    masques.add(q)
            systeme.relier({**{m: 1.0 for m in membres}, Quantite(mesure, brute.niveau, brute.cle, du, au): -1.0})
        for _, b in brute.reservataires.iterrows():
            n = Quantite("baux_prioritaires", f"{brute.niveau}={brute.cle}/reservataire", str(b["cle"]), du, au)
            reste = n._replace(mesure="baux non prioritaires")
            systeme.ajouter(reste, float(b["denominateur"] - b["numerateur"]), publiable=False)
            systeme.relier({reste: 1.0, n: 1.0, n._replace(mesure="baux"): -1.0})
    for (_, mesure, cle), membres in par_contingent.items():
        systeme.relier({**{m: 1.0 for m in membres}, Quantite(mesure, "reservataire", cle, du, au): -1.0})
    return systeme, masques


@pytest.mark.lent
def test_fiches_et_bilan_ensemble_ne_revelent_aucun_petit_effectif(territoire, donnees_exemple):
    """Reading the bilan and the fiches together, no masked count can be recomputed nor bounded
    within [1, seuil]. On the 2024 sample, masking each fiche's réservataire table on its own (the
    earlier rule) let a reader recompute one: 5 leases of one contingent in one commune."""
    from cia_lib.restitution.confidentialite import masquer_si_diffusion
    from cia_lib.restitution.fiches import NIVEAUX_FICHES, preparer_fiches, publication_fiches
    from cia_lib.restitution.quantites import jour
    from cia_lib.restitution.suppression import audit

    ctx = Contexte(territoire=territoire, donnees=donnees_exemple, periode=periode_cumul(2024, 4), mode="diffusion",
                   trimestre=4)
    du, au = jour(ctx.periode.du), jour(ctx.periode.au)
    base = publication_bilan(ctx)
    pub = publication_fiches(ctx)
    brutes = [f for niveau in NIVEAUX_FICHES for f in preparer_fiches(ctx, niveau, base.bruts["indicateurs"])]
    publiees = [f for niveau in NIVEAUX_FICHES for f in pub.resultats[f"fiches:{niveau}"]]
    assert [f.cle for f in brutes] == [f.cle for f in publiees]
    # the evolution's year of the bilan is the bilan's figure of that commune or bailleur
    tableau = base.bruts["indicateurs"]
    for f in brutes:
        annee = f.evolution["prioritaires"].set_index("annee").loc[2024]
        ligne = tableau[(tableau["indicateur"] == "prioritaires") & (tableau["niveau"] == f.niveau)
                        & (tableau["cle"].astype(str) == f.cle)].iloc[0]
        assert (annee["numerateur"], annee["denominateur"]) == (ligne["numerateur"], ligne["denominateur"]), f.cle
    seuil = territoire.seuil_secret
    systeme, masques = _systeme_du_lecteur(base, brutes, publiees, du, au)
    assert audit(systeme, masques, seuil) == {}
    # the earlier rule, table by table
    anciennes = [dataclasses.replace(f, reservataires=masquer_si_diffusion(f.reservataires, True, seuil)) for f in brutes]
    systeme, masques = _systeme_du_lecteur(base, brutes, anciennes, du, au)
    assert audit(systeme, masques, seuil)
