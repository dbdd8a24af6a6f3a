"""The publication layer: modes, stamps, and what it gives the notebooks (hand-made tables)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from openpyxl import load_workbook

from cia_lib.restitution.confidentialite import MASQUE
from cia_lib.restitution.presentation import MIME_TABLEAU, json_tableau
from cia_lib.restitution.publication import MENTION_INTERNE, Publication, poids_masquage
from cia_lib.restitution.quantites import Quantite, trimestres
from cia_lib.restitution.rapports.excel import ecrire_classeur


def _feuille_publiee(pub: Publication, df: pd.DataFrame) -> dict:
    return json_tableau(pub.tableau(df, nom_feuille="Essai")._repr_mimebundle_()[MIME_TABLEAU])


def test_classeur_analyste_tamponne_et_diffusion_non(tmp_path):
    df = pd.DataFrame({"libelle": ["A", "B"], "numerateur": [3, 12]})
    for mode, attendu in (("analyste", MENTION_INTERNE.upper()), ("diffusion", None)):
        chemin = tmp_path / f"{mode}.xlsx"
        ecrire_classeur([_feuille_publiee(Publication(mode, 5, "E"), df)], chemin, "Essai", dt.datetime(2025, 12, 31))
        feuille = load_workbook(chemin)["Essai"]
        assert [c.value for c in feuille[1]][:2] == ["Périmètre", "Effectif"]  # the table keeps its cells (French headers)
        assert feuille.cell(row=2, column=2).value == 3
        assert feuille.cell(row=1, column=4).value == attendu
        assert (feuille.oddHeader.center.text == MENTION_INTERNE) is (mode == "analyste")


def test_page_analyste_tamponnee():
    df = pd.DataFrame({"libelle": ["A"], "numerateur": [3]})
    assert MENTION_INTERNE in Publication("analyste", 5).tableau(df).html
    assert MENTION_INTERNE not in Publication("diffusion", 5).tableau(df).html
    assert Publication("analyste", 5).seuil_phrases is None and Publication("diffusion", 7).seuil_phrases == 7


def test_progression_trimestres_lies_au_cumul():
    """Quarterly cumulative figures: T2 − T1 would give the 2nd quarter; the layer masks so that it cannot."""
    lignes = []
    for t, (num, den) in enumerate(((11, 58), (14, 66), (30, 140)), start=1):  # quarter 2 alone: 3 of 8 more leases
        lignes.append({"indicateur": "q1_hors_qpv", "du": pd.Timestamp(2025, 1, 1),
                       "au": pd.Timestamp(2025, 3 * t, 1) + pd.offsets.MonthEnd(0),
                       "numerateur": num, "denominateur": den, "taux": num / den})
    progression = pd.DataFrame(lignes)
    serie = pd.DataFrame([{"indicateur": "q1_hors_qpv", "du": d, "au": f, "numerateur": n, "denominateur": m}
                          for (d, f), n, m in zip(trimestres("2025-01-01", "2025-09-30"), (11, 3, 16), (58, 8, 74),
                                                  strict=True)])
    pub = Publication("diffusion", 5, "E")
    prog, ser = pub.publier_indicateurs(progression, serie)
    assert ser["numerateur"].tolist()[1] == MASQUE  # 3 in the 2nd quarter: primary
    # T1 and T2 cumulative numerators would give 14 − 11 = 3: one of them is masked too
    assert MASQUE in (prog["numerateur"].iloc[0], prog["numerateur"].iloc[1], ser["numerateur"].iloc[0])
    assert prog.loc[prog["numerateur"] == MASQUE, "taux"].eq(MASQUE).all()


def test_poids_epci_et_denominateurs():
    commune = Quantite("baux_dalo", "commune", "X", "2025-01-01", "2025-12-31")
    assert poids_masquage(commune) == 1.0
    assert poids_masquage(commune._replace(mesure="baux")) == 4.0
    assert poids_masquage(commune._replace(niveau="epci")) == 10.0


def test_bilan_sans_enquete_ops_publie_sans_placement(territoire, donnees_exemple):
    """An EPCI without OPS survey: the bilan's publication has no placement, the rest is published."""
    import dataclasses

    from cia_lib.calculs.periodes import periode_cumul
    from cia_lib.restitution.contexte import Contexte
    from cia_lib.restitution.publication import publication_bilan

    sans_ops = dataclasses.replace(donnees_exemple, ops=donnees_exemple.ops.iloc[0:0])
    for mode in ("diffusion", "analyste"):
        ctx = Contexte(territoire=territoire, donnees=sans_ops, periode=periode_cumul(2025, 4), mode=mode, trimestre=4)
        pub = publication_bilan(ctx)
        assert pub.placement() is None and pub.synthese_placement() is None
        assert len(pub.indicateurs()) > 50
