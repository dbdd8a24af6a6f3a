"""Reading raw files (cia_lib.entrees.lecture) and converting cells (cia_lib.entrees.validation), unit by unit."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from cia_lib.entrees.lecture import (
    COLONNE_LIGNE,
    appliquer_correspondance,
    charger_correspondance,
    detecter_encodage,
    detecter_separateur,
    lire_csv,
    lire_fichier,
    lire_xlsx,
    normaliser_colonne,
    trouver_fichiers,
)
from cia_lib.entrees.validation import (
    convertir_booleens,
    convertir_categories,
    convertir_dates,
    convertir_nombres,
    lire_nombre,
)
from cia_lib.erreurs import ErreurConfiguration, ErreurFichier


def _s(*valeurs):
    return pd.Series(list(valeurs), dtype="string")


# --------------------------------------------------------------------------- headers, separators


@pytest.mark.parametrize(
    "entete, attendu",
    [("Numéro unique", "numero_unique"), ("DATE_BAIL", "date_bail"), (" Code  INSEE (logement) ", "code_insee_logement"),
     ("Âge du demandeur", "age_du_demandeur"), ("nb_moins_14", "nb_moins_14")],
)
def test_normaliser_colonne(entete, attendu):
    assert normaliser_colonne(entete) == attendu


@pytest.mark.parametrize("ligne, sep", [("a;b;c", ";"), ("a,b,c", ","), ("a;b,c;d", ";"), ("a\tb\tc", "\t"), ("seule", ",")])
def test_detecter_separateur(ligne, sep):
    assert detecter_separateur(ligne) == sep


# --------------------------------------------------------------------------- encodings


TEXTE = "id;nom_residence\nR1;Les Érables à Mériel\n"


@pytest.mark.parametrize(
    "octets, encodage",
    [
        (TEXTE.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXTE.encode("utf-8"), "utf-8-sig"),
        (TEXTE.encode("cp1252"), "cp1252"),
        (TEXTE.encode("latin-1"), "cp1252"),
        ("id;montant\nR1;10 €\n".encode("cp1252"), "cp1252"),
    ],
)
def test_detecter_encodage(octets, encodage):
    assert detecter_encodage(octets) == encodage
    assert "Érables" in octets.decode(encodage) or "€" in octets.decode(encodage)


@pytest.mark.parametrize("octets", [TEXTE.encode("utf-16"), bytes(range(256)) * 4])
def test_encodage_illisible(octets):
    with pytest.raises(ErreurFichier, match="encodage illisible"):
        detecter_encodage(octets, "x.csv")


@pytest.mark.parametrize("encodage", ["utf-8", "utf-8-sig", "cp1252", "latin-1"])
def test_lire_csv_encodages(tmp_path, encodage):
    chemin = tmp_path / "t.csv"
    chemin.write_bytes(TEXTE.encode(encodage))
    brut = lire_csv(chemin)
    assert brut.entetes == ["id", "nom_residence"]  # no BOM left in the first header
    assert brut.lignes["nom_residence"].tolist() == ["Les Érables à Mériel"]


# --------------------------------------------------------------------------- CSV details


def test_lire_csv_tout_en_texte_et_numeros_de_ligne(tmp_path):
    chemin = tmp_path / "t.csv"
    chemin.write_text(
        'code,montant,note\r\n01004,"1 200,50","sur\ndeux lignes"\r\n\r\n2A004,007,\r\n', encoding="utf-8"
    )
    brut = lire_csv(chemin)
    assert brut.lignes["code"].tolist() == ["01004", "2A004"]  # never a number
    assert brut.lignes["montant"].tolist() == ["1 200,50", "007"]
    # header = line 1; the quoted field spans lines 2-3; blank line 4 skipped
    assert brut.lignes[COLONNE_LIGNE].tolist() == [2, 5]


def test_lire_csv_ligne_trop_longue_et_courte(tmp_path):
    chemin = tmp_path / "t.csv"
    chemin.write_text("a;b;c\n1;2;3\n4;5;6;7\n8;9\n", encoding="utf-8")
    brut = lire_csv(chemin)
    assert brut.lignes_mal_formees == [(3, 4)]
    assert brut.lignes[["a", "b", "c"]].values.tolist() == [["1", "2", "3"], ["8", "9", ""]]
    assert brut.lignes[COLONNE_LIGNE].tolist() == [2, 4]


@pytest.mark.parametrize("contenu, motif", [
    (b"", "fichier vide"), (b"\n\n", "fichier vide"), (b"a;b\n", "aucune ligne de donn"),
    (b"a;a\n1;2\n", "colonnes en double"), (b'a;b\n1;2\n"abc"def;2\n', "CSV mal formé près de la ligne 3"),
    (b"\na;b\n1;2\n", "l'en-tête doit être sur la ligne 1"),
])
def test_lire_csv_erreurs(tmp_path, contenu, motif):
    chemin = tmp_path / "t.csv"
    chemin.write_bytes(contenu)
    with pytest.raises(ErreurFichier, match=motif):
        lire_csv(chemin)


# --------------------------------------------------------------------------- XLSX


def _classeur(chemin, feuilles):
    classeur = openpyxl.Workbook()
    classeur.remove(classeur.active)
    for nom, lignes in feuilles.items():
        onglet = classeur.create_sheet(nom)
        for ligne in lignes:
            onglet.append(ligne)
    classeur.save(chemin)


def test_lire_xlsx_premiere_feuille_cellules_typees(tmp_path):
    chemin = tmp_path / "t.xlsx"
    _classeur(chemin, {"Données": [
        ["code", "date", "nombre", "entier", "texte", "booleen"],
        ["01004", dt.datetime(2025, 1, 31), 1200.5, 3.0, "x", True],
        [95313, dt.date(2024, 12, 1), None, 2, None, False],
    ], "Autre": [["rien"]]})
    brut = lire_xlsx(chemin)
    assert brut.lignes.drop(columns=COLONNE_LIGNE).values.tolist() == [
        ["01004", "2025-01-31", "1200.5", "3", "x", "vrai"],
        ["95313", "2024-12-01", "", "2", "", "faux"],
    ]
    assert brut.lignes[COLONNE_LIGNE].tolist() == [2, 3]


def test_lire_xlsx_feuille_nommee(tmp_path):
    chemin = tmp_path / "t.xlsx"
    _classeur(chemin, {"Notes": [["lisez-moi"]], "Attributions": [["id"], ["A1"]]})
    assert lire_fichier(chemin, feuille="Attributions").lignes["id"].tolist() == ["A1"]
    with pytest.raises(ErreurFichier, match="feuille « Absente » introuvable"):
        lire_xlsx(chemin, feuille="Absente")


def test_lire_xlsx_illisible(tmp_path):
    chemin = tmp_path / "t.xlsx"
    chemin.write_bytes(b"pas un classeur")
    with pytest.raises(ErreurFichier, match="classeur Excel illisible"):
        lire_xlsx(chemin)


# --------------------------------------------------------------------------- discovery


def test_trouver_fichiers_extraits_tries(tmp_path):
    for nom in ["attributions_2025T2.csv", "attributions_2025T1.xlsx", "ATTRIBUTIONS.csv", "attributionsX.csv",
                "demandes.csv", "~$attributions.xlsx", "attributions.txt"]:
        (tmp_path / nom).write_text("x")
    (tmp_path / "2024T4").mkdir()
    (tmp_path / "2024T4" / "attributions.csv").write_text("x")
    noms = [p.relative_to(tmp_path).as_posix() for p in trouver_fichiers(tmp_path, "attributions")]
    assert noms == ["2024T4/attributions.csv", "ATTRIBUTIONS.csv", "attributions_2025T1.xlsx",
                    "attributions_2025T2.csv"]


# --------------------------------------------------------------------------- mapping


def test_correspondance_et_colonnes(tmp_path):
    chemin = tmp_path / "t.csv"
    chemin.write_text(
        "Numéro d'attribution;Réservataire;Nom;Date de naissance;Couleur préférée;"
        "numero_unique;date_decision;bailleur;code_commune;nb_personnes;dalo;prioritaire_l441;mutation\n"
        "A1;Préfecture;Dupont;01/01/1980;bleu;N1;01/01/2025;HI;99001;1;Oui;N;\n",
        encoding="utf-8",
    )
    corresp = charger_correspondance({"attributions": {
        "colonnes": {"Numéro d'attribution": "id_attribution", "Réservataire": "reservataire"},
        "valeurs": {"reservataire": {"prefecture": "etat"}, "dalo": {"OUI": True}, "prioritaire_l441": {"n": False},
                    "mutation": {"": "non"}},
    }})["attributions"]
    mappe = appliquer_correspondance("attributions", lire_csv(chemin), corresp)
    ligne = mappe.donnees.iloc[0]
    assert ligne["id_attribution"] == "A1"
    assert (ligne["reservataire"], ligne["dalo"], ligne["prioritaire_l441"], ligne["mutation"]) == ("etat", "oui", "non", "non")
    assert mappe.colonnes_personnelles == ["Nom", "Date de naissance"]
    assert mappe.colonnes_ignorees == ["Couleur préférée"]
    assert "nom" not in mappe.donnees.columns and "date_naissance" not in mappe.donnees.columns
    assert "date_bail" in mappe.colonnes_absentes


def test_colonnes_obligatoires_manquantes(tmp_path):
    chemin = tmp_path / "t.csv"
    chemin.write_text("id_attribution;bailleur\nA1;HI\n", encoding="utf-8")
    with pytest.raises(ErreurFichier) as err:
        appliquer_correspondance("attributions", lire_csv(chemin, nom="t.csv"), charger_correspondance()["attributions"])
    message = str(err.value)
    assert message.startswith("t.csv : colonnes obligatoires manquantes")
    for col in ("numero_unique", "date_decision", "code_commune", "nb_personnes", "dalo", "mutation"):
        assert col in message


@pytest.mark.parametrize("contenu, motif", [
    ({"locataires": {}}, "table\\(s\\) inconnue\\(s\\) locataires"),
    ({"attributions": {"colonnes": {"X": "pas_une_colonne"}}}, "colonne inconnue « pas_une_colonne »"),
    ({"demandes": {"valeurs": {"pas_une_colonne": {"a": "b"}}}}, "colonne inconnue « pas_une_colonne »"),
])
def test_correspondance_invalide(contenu, motif):
    with pytest.raises(ErreurConfiguration, match=motif):
        charger_correspondance(contenu)


def test_correspondance_exemple_du_depot():
    from cia_lib.territoire import chemins

    corresp = charger_correspondance(chemins.CONFIG / "correspondance_exemple.yaml")
    attributions = corresp["attributions"]
    assert attributions.colonnes["date_de_signature_du_bail"] == "date_bail"
    assert attributions.colonnes["numero_unique"] == "numero_unique"
    assert attributions.valeurs["dalo"]["n"] == "non" and attributions.valeurs["dalo"]["oui"] == "oui"
    assert corresp["residences"].fichier == "residences"


# --------------------------------------------------------------------------- cell conversion


def test_dates_deux_formats():
    dates, erreurs = convertir_dates(_s("31/01/2025", "2025-01-31", "1/2/2025", "2025-01-31 00:00:00", "",
                                        "31/02/2025", "2025/01/31", "demain", None))
    assert [d.strftime("%Y-%m-%d") if pd.notna(d) else None for d in dates] == [
        "2025-01-31", "2025-01-31", "2025-02-01", "2025-01-31", None, None, None, None, None]
    assert erreurs.tolist() == [False, False, False, False, False, True, True, True, False]
    assert str(dates.dtype) == "datetime64[ns]"


@pytest.mark.parametrize("texte, valeur", [
    ("1200,50", 1200.5), ("1200.50", 1200.5), ("1 200,5", 1200.5), ("1\u00a0200,5", 1200.5), ("1.200,5", 1200.5),
    ("1,200.5", 1200.5), ("-3", -3.0), ("850 €", 850.0), ("abc", None), ("1,2,3", None), ("", None),
])
def test_lire_nombre(texte, valeur):
    assert lire_nombre(texte) == valeur


def test_nombres_et_entiers():
    valeurs, erreurs = convertir_nombres(_s("1200,5", "", "x", "7"))
    assert valeurs.tolist()[0] == 1200.5 and pd.isna(valeurs[1]) and erreurs.tolist() == [False, False, True, False]
    entiers, erreurs = convertir_nombres(_s("3", "3,0", "2,5", ""), entier=True)
    assert str(entiers.dtype) == "Int64"
    assert entiers.tolist()[:2] == [3, 3] and pd.isna(entiers[2]) and erreurs.tolist() == [False, False, True, False]


@pytest.mark.parametrize("vrai, faux", [("oui", "non"), ("O", "N"), ("1", "0"), ("Vrai", "FAUX"), ("true", "False")])
def test_booleens(vrai, faux):
    valeurs, erreurs, coche = convertir_booleens(_s(vrai, faux, ""))
    assert valeurs.tolist()[:2] == [True, False] and pd.isna(valeurs[2])
    assert not erreurs.any() and not coche


def test_booleens_convention_x_vide():
    valeurs, erreurs, coche = convertir_booleens(_s("x", "", "X", None))
    assert coche and valeurs.tolist() == [True, False, True, False] and not erreurs.any()
    # "x" mixed with other words: x is still true, but an empty cell is missing
    valeurs, _, coche = convertir_booleens(_s("x", "non", ""))
    assert not coche and valeurs.tolist()[:2] == [True, False] and pd.isna(valeurs[2])


def test_categories_pliees():
    assert convertir_categories(_s("Action Logement", "ÉTAT", "t5+", "inconnue", ""),
                                ("etat", "action_logement", "T5+")).tolist() == [
        "action_logement", "etat", "T5+", "inconnue", pd.NA]


# --------------------------------------------------------------------------- fast CSV reader


def _contenu_lu(brut):
    return (brut.entetes, [str(t) for t in brut.lignes.dtypes], brut.lignes.astype(object).values.tolist(),
            list(brut.lignes.index), brut.lignes_mal_formees)


def _deux_lectures(tmp_path, octets):
    """(fast reader result or None, row-by-row reader result); each is the content read or the error."""
    from cia_lib.entrees.lecture import _lire_csv_ligne_a_ligne, _lire_csv_rapide

    chemin = tmp_path / "t.csv"
    chemin.write_bytes(octets)
    encodage = detecter_encodage(octets, "t.csv")
    resultats = []
    for lire in (_lire_csv_rapide, _lire_csv_ligne_a_ligne):
        try:
            brut = lire(chemin, "t.csv", octets, encodage)
            resultats.append(None if brut is None else _contenu_lu(brut))
        except ErreurFichier as exc:
            resultats.append(("erreur", str(exc)))
    return resultats


@pytest.mark.parametrize("octets", [
    b'a;b;c\n1;2;3\n\n4;5;6;7\r\n8;9\n"x\ny";"q""r";z\n   \n10;11;12\n',  # long, short, blank, multi-line rows
    b'a;b;c\r\n1;2;3\r\n\r\n;;\r\n',
    b'a;b;c\n1;2;3',  # no final newline
    b'"a";"b";"c"\n"1";"";\n"";"";""\n',  # fully quoted, empty quoted cells
    b'a;b;\n1;2;\n3;4;5\n6;7\n;;\n',  # trailing empty header: extra field blank = fine, filled = malformed
    b'a;b;;\n1;2;;x\n3;4;5\n',
    b'a,b\n"x ""y"" z",2\n"""",""\n',
    b'a\tb\n 1 \t\xc2\xa02\xc2\xa0\n',  # tab separator, blanks (non-breaking too) stripped
    b'a;b;c\n1;"x\n\ny";3\n4;5;6\n',  # quoted field over three lines
    'a;b\n1;Érables\n'.encode("cp1252"),
    b'\xef\xbb\xbfa;b\n1;2\n',
    b'a\n1\n\n2\n  \n',  # one column
    b'a;a\n1;2\n', b'a;\n1;2\n', b';b\n1;2\n', b'a;b\n', b'a;b\n\n\n', b'a;b\n;\n',  # header / empty errors
])
def test_lecteur_rapide_identique_au_lecteur_ligne_a_ligne(tmp_path, octets):
    rapide, lent = _deux_lectures(tmp_path, octets)
    assert rapide is not None, "the fast reader should accept this well-formed file"
    assert rapide == lent


@pytest.mark.parametrize("octets", [
    b'a;b\n"1"x;2\n',  # text after a closing quote (strict csv: error)
    b'a;b\n"1;2\n',  # quote never closed
    b'a;b\n1;a"b\n',  # quote inside an unquoted field
    b'a;b\r1;2\r',  # old Mac line ends
    b'a;b\n1;2\x00\n',  # NUL byte
    b'"a\nb";c\n1;2\n',  # header over two lines
    b'\na;b\n1;2\n',  # header not on line 1
])
def test_lecteur_rapide_laisse_les_cas_douteux_au_lecteur_ligne_a_ligne(tmp_path, octets):
    rapide, lent = _deux_lectures(tmp_path, octets)
    assert rapide is None
    chemin = tmp_path / "t.csv"
    try:
        assert _contenu_lu(lire_csv(chemin, nom="t.csv")) == lent
    except ErreurFichier as exc:
        assert ("erreur", str(exc)) == lent


def test_lecteur_rapide_numeros_de_ligne_a_grande_echelle(tmp_path):
    """Many rows with a few multi-line, blank, short and too long ones in between."""
    lignes = ["id;texte;n"]
    for i in range(3000):
        if i % 500 == 7:
            lignes.append(f'{i};"sur\ndeux";{i}')
        elif i % 700 == 3:
            lignes.append("")
        elif i % 900 == 5:
            lignes.append(f"{i};court")
        elif i % 1100 == 9:
            lignes.append(f"{i};long;{i};en trop")
        else:
            lignes.append(f'"{i}";"t ""{i}""";{i}')
    rapide, lent = _deux_lectures(tmp_path, ("\r\n".join(lignes) + "\r\n").encode("utf-8"))
    assert rapide is not None and rapide == lent
    # (line, fields) of rows 9, 1109, 2209: header = line 1, plus one line per earlier two-line row
    assert lent[4] == [(2 + 9 + 1, 4), (2 + 1109 + 3, 4), (2 + 2209 + 5, 4)]


# --------------------------------------------------------------------------- typed Parquet (lire_parquet(typee=True))


def _parquet_type(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    chemin = tmp_path / "demandes.parquet"
    pq.write_table(pa.table({
        "date_depot": pa.array([dt.date(2024, 3, 1), None, dt.date(1500, 1, 1)]),
        "ressources": pa.array([1500.0, None, 1e-7]),
        "nb": pa.array([3, None, -2], pa.int64()),
        "dalo": pa.array([True, None, False]),
        "code_commune": pa.array(["01004", " 95313 ", None]),
    }), chemin)
    return chemin


def test_lire_parquet_type_garde_les_types_et_le_meme_texte(tmp_path):
    from cia_lib.entrees.lecture import en_texte, lire_parquet

    chemin = _parquet_type(tmp_path)
    texte = lire_parquet(chemin).lignes
    type_ = lire_parquet(chemin, typee=True).lignes
    for colonne in ("date_depot", "ressources", "nb", "dalo"):
        assert isinstance(type_[colonne].dtype, pd.ArrowDtype), colonne
        pd.testing.assert_series_equal(en_texte(type_[colonne]), texte[colonne])
    pd.testing.assert_series_equal(type_["code_commune"], texte["code_commune"])  # text stays text
    assert texte["ressources"].tolist() == ["1500", "", "1e-7"]
    assert type_["__ligne__"].tolist() == [1, 2, 3]


def test_convertir_arrow_comme_le_texte_ou_repli():
    import pyarrow as pa

    from cia_lib.entrees.lecture import en_texte
    from cia_lib.entrees.validation import convertir_arrow

    def serie(valeurs, type_=None):
        return pd.Series(pd.arrays.ArrowExtensionArray(pa.array(valeurs, type_)))

    # Read directly: same values and errors as from the text.
    cas = [
        (serie([dt.date(2024, 3, 1), None]), "date", convertir_dates),
        (serie([1.5, None, -3.0, 2.0, -0.0]), "nombre", convertir_nombres),
        (serie([2.0, 2.5, None]), "entier", lambda s: convertir_nombres(s, entier=True)),
        (serie([2, None, -7], pa.int64()), "entier", lambda s: convertir_nombres(s, entier=True)),
        (serie([True, None, False]), "booleen", lambda s: convertir_booleens(s)[:2]),
    ]
    for s, type_, par_le_texte in cas:
        valeurs, erreurs = convertir_arrow(s, type_)
        attendues, erreurs_attendues = par_le_texte(en_texte(s))
        pd.testing.assert_series_equal(valeurs, attendues, check_names=False)
        assert erreurs.tolist() == erreurs_attendues.tolist()
    # Values whose text the readers treat specially, or other types: through the text.
    assert convertir_arrow(serie([1.0, float("nan")]), "nombre") is None
    assert convertir_arrow(serie([1.0, float("inf")]), "nombre") is None
    assert convertir_arrow(serie([1.0, 1e-7]), "nombre") is None
    assert convertir_arrow(serie([1.0, 1e20]), "nombre") is None
    assert convertir_arrow(serie([2**60 + 1, 4], pa.int64()), "nombre") is None  # out of bounds: rejected
    assert convertir_arrow(serie([dt.date(1500, 1, 1)]), "date") is None
    assert convertir_arrow(serie([99001], pa.int64()), "commune") is None
    assert convertir_arrow(serie([True]), "nombre") is None
    assert convertir_arrow(serie([3], pa.int64()), "date") is None


def test_convertir_arrow_nombres_de_toutes_grandeurs():
    """Random numbers of every magnitude: read directly or through text, always the same result."""
    import numpy as np
    import pyarrow as pa

    from cia_lib.entrees.lecture import en_texte
    from cia_lib.entrees.validation import convertir_arrow

    rng = np.random.default_rng(0)
    for exposant in range(-8, 17):
        valeurs = 10.0 ** (exposant + rng.uniform(0, 1, 200)) * rng.choice([-1, 1], 200)
        valeurs[:50] = np.round(valeurs[:50])
        for type_ in ("nombre", "entier"):
            s = pd.Series(pd.arrays.ArrowExtensionArray(pa.array(valeurs)))
            direct = convertir_arrow(s, type_)
            attendu = convertir_nombres(en_texte(s), entier=type_ == "entier")
            if direct is not None:
                pd.testing.assert_series_equal(direct[0], attendu[0], check_names=False)
                assert direct[1].tolist() == attendu[1].tolist()
            else:
                assert abs(exposant) >= 6
