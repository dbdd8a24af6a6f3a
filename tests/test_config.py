"""Territory configuration: the CCVO3F file, the fictional test territory, and bad files."""

from __future__ import annotations

import pytest

from cia_lib.erreurs import ErreurConfiguration, ErreurSeuilManquant
from cia_lib.territoire.config import charger_territoire, normaliser_nom


def test_ccvo3f_communes_et_seuils_officiels(territoire):
    assert territoire.siren == "249500455"
    assert len(territoire.communes) == 9
    assert territoire.communes["95313"] == "L'Isle-Adam"
    assert all(isinstance(c, str) and len(c) == 5 for c in territoire.communes)
    # Arrêtés ministériels (Île-de-France, valeur régionale)
    assert territoire.seuil_q1(2024) == 11615
    assert territoire.seuil_q1(2025) == 12000
    assert territoire.seuil_q1(2026) == 12083


def test_annee_sans_seuil_jamais_devinee(territoire):
    with pytest.raises(ErreurSeuilManquant, match="2023"):
        territoire.seuil_q1(2023)


def test_cibles_des_reservataires(territoire):
    assert territoire.reservataires["etat"].cible == 1.0
    assert territoire.reservataires["etat_fonctionnaires"].cible is None
    assert territoire.reservataires["action_logement"].cible == 0.25
    assert territoire.objectifs == {"q1_hors_qpv": 0.25, "hors_q1_en_qpv": 0.5, "prioritaires_total": 0.25}


@pytest.mark.parametrize(
    "alias, canonique",
    [("I3F", "Immobilière 3F"), ("immobiliere 3f", "Immobilière 3F"), ("Val d'Oise Habitat", "OPH du Val-d'Oise"),
     ("FREHA", "France Euro Habitat"), ("OPAC DE L'OISE", "OPH de l'Oise"), ("Inconnu SA", None), (None, None)],
)
def test_alias_des_bailleurs(territoire, alias, canonique):
    assert territoire.bailleur_canonique(alias) == canonique


def test_territoire_fictif_avec_qpv(territoire_test):
    assert territoire_test.siren == "999999999"
    assert territoire_test.seuil_q1(2024) == 10000
    assert territoire_test.contours_qpv is not None and territoire_test.contours_qpv.name == "qpv_test.geojson"


def test_normaliser_nom():
    assert normaliser_nom("Emmaüs  Habitat") == normaliser_nom("EMMAUS-HABITAT")


def _ecrire(tmp_path, texte):
    chemin = tmp_path / "t.yaml"
    chemin.write_text(texte, encoding="utf-8")
    return chemin


def test_fichier_absent(tmp_path):
    with pytest.raises(ErreurConfiguration, match="introuvable"):
        charger_territoire(tmp_path / "absent.yaml")


def test_rubrique_manquante(tmp_path):
    with pytest.raises(ErreurConfiguration, match="« communes » est obligatoire"):
        charger_territoire(_ecrire(tmp_path, "epci: {siren: '249500455'}\n"))


def test_code_commune_numerique_refuse(tmp_path, territoire):
    texte = (territoire.source.read_text(encoding="utf-8")).replace('"95061":', "1004:")
    with pytest.raises(ErreurConfiguration, match="code commune « 1004 »"):
        charger_territoire(_ecrire(tmp_path, texte))


def test_alias_ambigu_refuse(tmp_path, territoire):
    texte = territoire.source.read_text(encoding="utf-8").replace('"Seqens": []', '"Seqens": ["I3F"]')
    with pytest.raises(ErreurConfiguration, match="deux bailleurs"):
        charger_territoire(_ecrire(tmp_path, texte))


def test_yaml_qui_n_est_pas_une_table(tmp_path):
    with pytest.raises(ErreurConfiguration, match="mal formé"):
        charger_territoire(_ecrire(tmp_path, "- une\n- liste\n"))


def test_yaml_illisible(tmp_path):
    with pytest.raises(ErreurConfiguration, match="YAML illisible"):
        charger_territoire(_ecrire(tmp_path, "epci: [non fermé\n"))
