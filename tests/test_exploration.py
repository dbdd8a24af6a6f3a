"""Free exploration: the one-line API, the widgets' callbacks, the notebook under papermill."""

from __future__ import annotations

import datetime as dt
import html

import nbformat
import pandas as pd
import pytest

from cia_lib.calculs.periodes import periode_cumul
from cia_lib.erreurs import ErreurParametre
from cia_lib.restitution.confidentialite import MASQUE
from cia_lib.restitution.contexte import Contexte
from cia_lib.restitution.exploration import Explorateur, Selection, explorer, filtrer, periodes_proposees
from cia_lib.territoire import chemins

DU, AU = dt.date(2025, 1, 1), dt.date(2025, 6, 30)


def _ctx(territoire, donnees, mode="analyste"):
    return Contexte(territoire=territoire, donnees=donnees, periode=periode_cumul(2025, 4), mode=mode, trimestre=4)


def _baux(donnees, du, au, **filtres):
    a = donnees.attributions
    a = a[(a["date_bail"] >= pd.Timestamp(du)) & (a["date_bail"] <= pd.Timestamp(au))]
    for col, valeurs in filtres.items():
        a = a[a[col].isin(valeurs)]
    return a


def test_periodes_proposees():
    p = periodes_proposees(2025)
    assert p["année 2025"] == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert p["2e trimestre 2025"] == (dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    assert len(p) == 5


def test_une_ligne_dates_libres_et_communes(territoire, donnees_exemple):
    ctx = _ctx(territoire, donnees_exemple)
    communes = list(territoire.communes)[2:4]
    r = explorer(ctx, du=DU, au=AU, communes=communes, indicateur="prioritaires", niveau="epci")
    baux = _baux(donnees_exemple, DU, AU, code_commune=communes)
    assert len(r) == 1 and int(r["denominateur"].iloc[0]) == len(baux)
    prioritaires = (baux["dalo"].fillna(False).astype(bool) | baux["prioritaire_l441"].fillna(False).astype(bool))
    assert int(r["numerateur"].iloc[0]) == int(prioritaires.sum())


def test_filtre_bailleurs_et_reservataires(territoire, donnees_exemple):
    ctx = _ctx(territoire, donnees_exemple)
    r = explorer(ctx, du=DU, au=AU, bailleurs=["CDC Habitat"], reservataires=["etat"], niveau="bailleur",
                 indicateur="prioritaires")
    baux = _baux(donnees_exemple, DU, AU, bailleur=["CDC Habitat"], reservataire=["etat"])
    ligne = r[r["cle"] == "CDC Habitat"].iloc[0]
    assert int(ligne["denominateur"]) == len(baux)
    assert int(r["denominateur"].sum()) == len(baux)  # no other bailleur has a lease in the selection
    sel = Selection(DU, AU, bailleurs=("CDC Habitat",))
    assert set(filtrer(donnees_exemple, sel).attributions["bailleur"]) == {"CDC Habitat"}
    assert len(filtrer(donnees_exemple, sel).demandes) == len(donnees_exemple.demandes)  # demands have no bailleur


def test_erreurs_en_francais(territoire, donnees_exemple):
    ctx = _ctx(territoire, donnees_exemple)
    with pytest.raises(ErreurParametre, match="période vide"):
        explorer(ctx, du=AU, au=DU)
    with pytest.raises(ErreurParametre, match="indicateur inconnu"):
        explorer(ctx, indicateur="q1")
    with pytest.raises(ErreurParametre, match="niveau inconnu"):
        explorer(ctx, niveau="qpv")


def test_diffusion_masque(territoire, donnees_exemple):
    r = explorer(_ctx(territoire, donnees_exemple, "diffusion"), du=DU, au=AU, niveau="commune")
    assert (r["numerateur"] == MASQUE).any()
    for v in r["numerateur"]:
        assert v == MASQUE or not 1 <= int(v) <= territoire.seuil_secret


def test_widgets_mettent_a_jour_et_exportent(territoire, donnees_exemple, tmp_path):
    from openpyxl import load_workbook

    e = Explorateur(_ctx(territoire, donnees_exemple))
    avant = e.resultat.copy()
    assert len(avant) == len(territoire.communes)
    html_avant = e.sortie_tableau.outputs[0]["data"]["text/html"]
    e.communes.value = (list(territoire.communes)[2],)  # a change of widget recomputes in place
    assert int(e.resultat["denominateur"].sum()) < int(avant["denominateur"].sum())
    assert e.sortie_tableau.outputs[0]["data"]["text/html"] != html_avant
    titre = html.escape("communes : " + list(territoire.communes.values())[2])
    assert titre in e.sortie_tableau.outputs[0]["data"]["text/html"]
    e.periode.value = "2e trimestre 2025"
    assert (e.du.value, e.au.value) == (dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    assert e.selection().du == dt.date(2025, 4, 1)
    e.indicateur.value = "pression"
    assert e.sortie_graphique.outputs and e.erreur is None
    e.fichier.value = str(tmp_path / "selection.xlsx")
    chemin = e.exporter()
    feuille = load_workbook(chemin)["Sélection"]
    assert [c.value for c in feuille[1]][:3] == ["Indicateur", "Niveau", "Code"]
    assert feuille["A2"].value == "Pression (demandes par bail)" and feuille.freeze_panes == "A2"
    assert "Sélection écrite" in e.message.value
    e.du.value, e.au.value = AU, DU  # an empty period: a French message, the widgets stay usable
    assert e.erreur.startswith("période vide") and e.resultat.empty
    e.fichier.value = str(tmp_path / "x.ods")
    assert e.exporter() is None and "Export impossible" in e.message.value


@pytest.mark.lent
def test_notebook_exploration_papermill(exemple_traite, tmp_path):
    import papermill

    sortie = tmp_path / "exploration.ipynb"
    papermill.execute_notebook(
        str(chemins.NOTEBOOKS / "exploration.ipynb"), str(sortie), kernel_name=chemins.NOM_NOYAU,
        parameters={"donnees": str(exemple_traite), "territoire": str(chemins.TERRITOIRE_DEFAUT), "annee": 2025,
                    "trimestre": 4, "mode": "analyste"},
        cwd=str(chemins.NOTEBOOKS), progress_bar=False,
    )
    nb = nbformat.read(sortie, as_version=4)
    sorties = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in sorties if o.get("output_type") == "error"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in sorties)
    dernier = nb.cells[-1].outputs[-1]["data"]["text/html"]
    visible = dernier.split("</style>")[-1]
    assert "État" in visible and "Ménages prioritaires" in visible and ">prioritaires<" not in visible
