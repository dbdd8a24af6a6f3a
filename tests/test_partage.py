"""Each EPCI's rows read from national data: filtered reading and the per-run split.

Both must give exactly the tables of ``restreindre`` on the whole tables (what an EPCI's
notebooks saw before): same rows, order, columns and dtypes.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cia_lib.calculs.indicateurs.multi import restreindre
from cia_lib.entrees.donnees import FICHIER_RAPPORT_IMPORT, charger_donnees
from cia_lib.entrees.schema import NOMS_TABLES
from cia_lib.restitution.contexte import ouvrir_contexte
from cia_lib.restitution.rapports.partage import repartir_par_epci
from cia_lib.territoire.multi_epci import charger_territoires, ecrire_territoire_epci, territoire_ensemble
from tests.test_rapports_multi_epci import fichier_deux_epci


@pytest.fixture(scope="module")
def deux_epci(tmp_path_factory):
    from cia_lib.entrees.importation import importer
    from cia_lib.exemples.national import generer_exemple_national

    dossier = tmp_path_factory.mktemp("deux_epci")
    territoires = charger_territoires(fichier_deux_epci(dossier))
    generer_exemple_national(dossier / "brut", echelle=0.01, departement="95", progression=False)
    # the department's extract for two of its EPCIs: the other EPCIs' rows are rejected on purpose
    importer(dossier / "brut", dossier / "traite", territoire_ensemble(territoires), cle=b"cle-de-test",
             progression=False, seuil_rejets=1.0)
    return dossier, territoires


def _memes_tables(a, b):
    for nom in NOMS_TABLES:
        pd.testing.assert_frame_equal(getattr(a, nom), getattr(b, nom), check_exact=True)


def test_lecture_filtree_egale_a_la_restriction(deux_epci):
    dossier, territoires = deux_epci
    tout = charger_donnees(dossier / "traite")
    for t in territoires:
        attendu = restreindre(tout, t)
        assert len(attendu.attributions) > 0 and len(attendu.demandes) > 0 and len(attendu.ops) > 0
        _memes_tables(charger_donnees(dossier / "traite", communes=t.communes), attendu)
    # the two EPCIs' rows are a partition of the rows of their communes
    lignes = sum(len(restreindre(tout, t).demandes) for t in territoires)
    assert lignes == tout.demandes["code_commune_souhaitee"].isin(
        [c for t in territoires for c in t.communes]).sum()


def test_lecture_filtree_avec_colonnes(deux_epci):
    dossier, territoires = deux_epci
    colonnes = {"demandes": ["date_depot", "code_commune_souhaitee"], "residences": ["code_commune"]}
    t = territoires[0]
    lu = charger_donnees(dossier / "traite", colonnes=colonnes, communes=t.communes)
    tout = restreindre(charger_donnees(dossier / "traite"), t)
    pd.testing.assert_frame_equal(lu.demandes, tout.demandes[["code_commune_souhaitee", "date_depot"]]
                                  [list(lu.demandes.columns)])
    assert list(lu.residences.columns) == ["code_commune"] and len(lu.residences) == len(tout.residences)
    pd.testing.assert_frame_equal(lu.ops, tout.ops)  # OPS follow the residences even without their ids


def test_repartition_par_epci_donne_le_meme_contexte(deux_epci, tmp_path):
    dossier, territoires = deux_epci
    partage = repartir_par_epci(dossier / "traite", {t.siren: tuple(t.communes) for t in territoires},
                                tmp_path / "partage")
    assert sorted(partage) == sorted(t.siren for t in territoires)
    for t in territoires:
        fichier = ecrire_territoire_epci(t, tmp_path / t.siren / "territoire.yaml")
        national = ouvrir_contexte(dossier / "traite", fichier, 2024, 4, "diffusion")
        reparti = ouvrir_contexte(partage[t.siren], fichier, 2024, 4, "diffusion")
        _memes_tables(reparti.donnees, national.donnees)
        assert reparti.donnees.rapport_import == national.donnees.rapport_import
        assert (partage[t.siren] / FICHIER_RAPPORT_IMPORT).read_bytes() == (
            dossier / "traite" / FICHIER_RAPPORT_IMPORT).read_bytes()
        # the split folder holds only the EPCI's rows
        seul = charger_donnees(partage[t.siren])
        assert set(seul.attributions["code_commune"]) <= set(t.communes)
        assert len(seul.demandes) == len(national.donnees.demandes)
