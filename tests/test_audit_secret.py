"""The attacker's audit of diffusion reports, read back from the files a reader receives.

The bilan 2025 (workbook ``tableaux.xlsx`` and HTML pages) and the quarterly report 2025-T3
(HTML page) of the sample, produced in their default mode (diffusion), are read as a reader
would: every number shown in any table is known, every « s » is unknown. With every relation
a reader can know (keys add up to the EPCI, DALO + hors DALO = prioritaires, hors QPV + en QPV
= baux, situations of residences add up, residences of a bailleur add up, a part never exceeds
its whole, the same quantity in several tables), each masked cell's feasible interval is
computed by linear programming. The test fails if a masked cell is determined exactly or if its
interval lies inside [1, seuil].

The fixture of tests/test_suppression.py shows the table-by-table masking of before leaking
and being caught by the same audit.
"""

from __future__ import annotations

import math

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from cia_lib.calculs import residences as rs
from cia_lib.restitution.confidentialite import MASQUE
from cia_lib.restitution.libelles import COLONNES_CODES, table_libelles
from cia_lib.restitution.presentation import LIBELLES_COURTS
from cia_lib.restitution.quantites import MESURES, Quantite, ajouter_complements, relations_connues
from cia_lib.restitution.suppression import Systeme, intervalles
from cia_lib.territoire.config import charger_territoire

ANNEE = 2025
SECTION_V = {"Baux signés": "baux", "Ménages prioritaires": "baux_prioritaires", "Baux hors QPV": "baux_hors_qpv",
             "Ménages Q1 hors QPV": "baux_q1_hors_qpv"}
NIVEAUX_SECTION_V = {"Bailleur": "bailleur", "Réservataire": "reservataire"}
VUES_CLASSEUR = (  # sheet, indicator, level: one indicator at one level, rows labelled by « libelle »
    ("Prioritaires par contingent", "prioritaires", "reservataire"),
    ("Q1 par commune", "q1_hors_qpv", "commune"),
    ("Mutations par commune", "mutations_part_attributions", "commune"),
    ("Mutations par bailleur", "mutations_internes", "bailleur"),
    ("Pression par typologie", "pression", "typologie"),
)
TENDANCES = {"Tendance 1er quartile hors QPV": "q1_hors_qpv", "Tendance Ménages prioritaires": "prioritaires"}
PLACEMENT = {"nb_baux": "baux", "nb_q1": "baux_q1", "nb_ressources_inconnues": "baux_ressources_inconnues",
             "nb_prioritaires": "baux_prioritaires", "nb_dalo": "baux_dalo"}
TOTAL_RESIDENCES = "Ensemble des résidences signalées"
EN_TETES_PLACEMENT = {  # French headers of the placement sheets (as the pages show them) → columns
    "Situation": "situation", "Bailleur": "bailleur", "Baux": "nb_baux", "Ménages Q1": "nb_q1", "Baux Q1": "nb_q1",
    "Ressources inconnues": "nb_ressources_inconnues", "Prioritaires": "nb_prioritaires",
    "Baux prioritaires": "nb_prioritaires", "DALO": "nb_dalo", "dont DALO": "nb_dalo",
}


def _recoder(lignes: list[dict], en_tetes: dict) -> list[dict]:
    return [{en_tetes.get(k, k): v for k, v in ligne.items()} for ligne in lignes]


def lire_nombre(valeur):
    """A cell as the reader sees it: a number, « s » (masked) or None (no figure)."""
    if valeur is None:
        return None
    if isinstance(valeur, int | float):
        return float(valeur)
    texte = str(valeur).replace("\u202f", "").replace("\u00a0", "").replace(" ", "").strip()
    if texte == MASQUE:
        return MASQUE
    try:
        return float(texte.replace(",", "."))
    except ValueError:
        return None


class Lecteur:
    """What an attacker knows: the shown value of every quantity (a number anywhere wins)."""

    def __init__(self, siren: str):
        self.siren = siren
        self.vus: dict[Quantite, float | str] = {}
        self.relations: list[dict] = []

    def lire(self, quantite: Quantite, valeur) -> None:
        valeur = lire_nombre(valeur)
        if valeur is None:
            return
        if valeur == MASQUE:
            self.vus.setdefault(quantite, MASQUE)
        else:
            self.vus[quantite] = valeur

    def fuites(self, seuil: int) -> dict:
        """Masked quantities whose interval is a point or lies inside [1, seuil]."""
        s = Systeme()
        for q, v in self.vus.items():
            s.ajouter(q, math.nan if v == MASQUE else v)
        ajouter_complements(s)  # whole − part ≥ 0: hidden, never shown
        for relation in relations_connues(s) + self.relations:
            s.relier(relation)
        masques = [q for q, v in self.vus.items() if v == MASQUE]
        caches = set(masques) | (set(s.valeurs) - s.publiables)
        bornes = intervalles(s, caches, masques)
        return {q: b for q, b in bornes.items() if not b.protege(seuil)}

    @property
    def nb_masques(self) -> int:
        return sum(v == MASQUE for v in self.vus.values())


def _feuilles(chemin) -> dict[str, list[dict]]:
    # The workbook speaks French (sheet names, headers, indicator and level labels): the reader
    # knows the label table (config/libelles.yaml) and reads it back to codes.
    libelles = table_libelles()
    inverses = {section: {v: k for k, v in libelles[section].items()} for section in ("colonnes", "feuilles")}
    valeurs = {colonne: {v: k for k, v in libelles[section].items()} for colonne, section in COLONNES_CODES.items()}
    classeur = load_workbook(chemin, read_only=True)
    feuilles = {}
    for feuille in classeur.worksheets:
        entete, *lignes = list(feuille.iter_rows(values_only=True))
        codes = [inverses["colonnes"].get(e, e) for e in entete]
        lues = []
        for ligne in lignes:  # each cell under its French header and under its column code
            lue = {**dict(zip(entete, ligne, strict=False)), **dict(zip(codes, ligne, strict=False))}
            for colonne, inverse in valeurs.items():
                if colonne in lue:
                    lue[colonne] = inverse.get(lue[colonne], lue[colonne])
            lues.append(lue)
        feuilles[feuille.title] = feuilles[inverses["feuilles"].get(feuille.title, feuille.title)] = lues
    return feuilles


def _tables_html(page) -> list[tuple[str, list[str], list[list[str]]]]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    tables = []
    for table in soup.find_all("table", class_="cia-tableau"):
        legende = table.find("caption")
        entetes = [th.get_text(strip=True) for th in table.find_all("th")]
        lignes = [[td.get_text(strip=True) for td in tr.find_all("td")] for tr in table.find("tbody").find_all("tr")]
        tables.append((legende.get_text(strip=True) if legende else "", entetes, lignes))
    return tables


def _lire_section_v(lecteur: Lecteur, lignes: list[dict], du: str, au: str) -> None:
    for ligne in lignes:
        perimetre = str(ligne["Périmètre"])
        if perimetre.startswith("Total"):
            niveau, cle = "epci", lecteur.siren
        else:
            prefixe, cle = perimetre.split(" : ", 1)
            niveau = NIVEAUX_SECTION_V[prefixe]
        for colonne, mesure in SECTION_V.items():
            lecteur.lire(Quantite(mesure, niveau, cle, du, au), ligne.get(colonne))


def _lire_vue_epci(lecteur: Lecteur, lignes: list[dict], du: str, au: str) -> None:
    codes = {libelle: code for code, libelle in LIBELLES_COURTS.items()}
    for ligne in lignes:
        code = codes.get(ligne["Indicateur"])
        if code is None:
            continue
        for colonne, champ in (("Effectif", "numerateur"), ("Total", "denominateur")):
            mesure = MESURES.get((code, champ))
            if mesure:
                lecteur.lire(Quantite(mesure, "epci", lecteur.siren, du, au), ligne[colonne])


def lire_bilan(dossier, siren: str) -> Lecteur:
    """Everything the bilan's workbook and pages show, as quantities."""
    du, au = f"{ANNEE}-01-01", f"{ANNEE}-12-31"
    lecteur = Lecteur(siren)
    feuilles = _feuilles(dossier / "tableaux.xlsx")
    for ligne in feuilles["Indicateurs"]:
        cle = siren if ligne["niveau"] == "epci" else ligne["libelle"]
        for colonne in ("numerateur", "denominateur"):
            mesure = MESURES.get((ligne["indicateur"], colonne))
            if mesure:
                lecteur.lire(Quantite(mesure, ligne["niveau"], cle, du, au), ligne[colonne])
    for nom, indicateur, niveau in VUES_CLASSEUR:
        for ligne in feuilles[nom]:
            for colonne in ("numerateur", "denominateur", "inconnus"):
                if colonne in ligne:
                    lecteur.lire(Quantite(MESURES[(indicateur, colonne)], niveau, ligne["libelle"], du, au), ligne[colonne])
    _lire_section_v(lecteur, feuilles["Section V"], du, au)
    for nom, indicateur in TENDANCES.items():
        for ligne in feuilles[nom]:
            annee = int(ligne["Année"])
            for colonne in ("numerateur", "denominateur"):
                lecteur.lire(Quantite(MESURES[(indicateur, colonne)], "epci", siren, f"{annee}-01-01", f"{annee}-12-31"),
                             ligne[colonne])
    for ligne in _recoder(feuilles["Résidences sensibles"], {**EN_TETES_PLACEMENT, "Résidence": "situation"}):
        for colonne, mesure in PLACEMENT.items():
            lecteur.lire(Quantite(mesure, "epci", siren, du, au, ligne["situation"]), ligne[colonne])
    vus = {}
    for ligne in _recoder(feuilles["controle_placement"], EN_TETES_PLACEMENT):
        ensemble = ligne["bailleur"] == rs.ENSEMBLE
        niveau, cle = ("epci", siren) if ensemble else ("bailleur", ligne["bailleur"])
        vus.setdefault(cle, set()).add(ligne["situation"])
        for colonne, mesure in PLACEMENT.items():
            lecteur.lire(Quantite(mesure, niveau, cle, du, au, ligne["situation"]), ligne[colonne])
    for bailleur, situations in vus.items():  # rows without any lease are left out: the reader knows they are 0
        for situation in set(rs.SITUATIONS_PLACEMENT) - situations:
            for mesure in PLACEMENT.values():
                lecteur.lire(Quantite(mesure, "bailleur", bailleur, du, au, situation), 0)
    par_bailleur: dict[str, list[Quantite]] = {}
    for ligne in _recoder(feuilles["placement_residences"], {**EN_TETES_PLACEMENT, "Résidence": "nom_residence"}):
        for colonne, mesure in PLACEMENT.items():
            if ligne["nom_residence"] == TOTAL_RESIDENCES:
                q = Quantite(mesure, "epci", siren, du, au, rs.EN_SIGNALEE)
            else:
                q = Quantite(mesure, "residence", ligne["nom_residence"], du, au)
                par_bailleur.setdefault((mesure, ligne["bailleur"]), []).append(q)
            lecteur.lire(q, ligne[colonne])
    for mesure in PLACEMENT.values():
        tous = [q for (m, _), qs in par_bailleur.items() if m == mesure for q in qs]
        lecteur.relations.append({**{q: 1.0 for q in tous}, Quantite(mesure, "epci", siren, du, au, rs.EN_SIGNALEE): -1.0})
    for (mesure, bailleur), qs in par_bailleur.items():
        lecteur.relations.append({**{q: 1.0 for q in qs},
                                  Quantite(mesure, "bailleur", bailleur, du, au, rs.EN_SIGNALEE): -1.0})
    for legende, entetes, lignes in _tables_html(dossier / "bilan_annuel.html"):  # tables of the page only
        if legende.startswith(("DALO et autres", "Mutations et pression")):
            _lire_vue_epci(lecteur, [dict(zip(entetes, lg, strict=True)) for lg in lignes], du, au)
    return lecteur


def lire_trimestriel(page, siren: str) -> Lecteur:
    """Everything the quarterly page shows, as quantities (its tables; no workbook)."""
    du, au = f"{ANNEE}-01-01", f"{ANNEE}-09-30"
    fins = {"T1": f"{ANNEE}-03-31", "T2": f"{ANNEE}-06-30", "T3": f"{ANNEE}-09-30", "T4": f"{ANNEE}-12-31"}
    lecteur = Lecteur(siren)
    contingents = None
    for legende, entetes, lignes in _tables_html(page):
        lignes = [dict(zip(entetes, lg, strict=True)) for lg in lignes]
        if legende.startswith("Engagements quantifiés"):
            _lire_section_v(lecteur, lignes, du, au)
            contingents = {p.split(" : ", 1)[1] for p in (lg["Périmètre"] for lg in lignes) if p.startswith("Réservataire")}
        elif legende.startswith(("DALO et autres", "Mutations et pression")):
            _lire_vue_epci(lecteur, lignes, du, au)
        elif "Cumul au" in entetes:
            codes = {v: k for k, v in table_libelles()["indicateurs"].items()}
            for lg in lignes:
                code = codes.get(lg["Indicateur"], lg["Indicateur"])
                for colonne, champ in (("Effectif", "numerateur"), ("Total", "denominateur")):
                    lecteur.lire(Quantite(MESURES[(code, champ)], "epci", siren, du, fins[lg["Cumul au"]]),
                                 lg[colonne])
        elif legende.startswith("Pression de la demande par commune"):
            for lg in lignes:
                lecteur.lire(Quantite("demandes", "commune", lg["Commune"], du, au), lg["Demandes actives"])
                lecteur.lire(Quantite("baux", "commune", lg["Commune"], du, au), lg["Baux signés"])
        elif entetes[:3] == ["Périmètre", "Effectif", "Total"] and contingents and {lg["Périmètre"] for lg in lignes} <= contingents:
            for lg in lignes:  # prioritaires by contingent
                lecteur.lire(Quantite("baux_prioritaires", "reservataire", lg["Périmètre"], du, au), lg["Effectif"])
                lecteur.lire(Quantite("baux", "reservataire", lg["Périmètre"], du, au), lg["Total"])
    return lecteur


def _message(fuites: dict) -> str:
    return "\n".join(f"{q} : [{b.bas:g}, {b.haut:g}]" for q, b in sorted(fuites.items(), key=repr)[:15])


@pytest.mark.lent
def test_audit_attaquant_bilan_diffusion(rapports_produits):
    territoire = charger_territoire()
    lecteur = lire_bilan(rapports_produits["sortie"] / f"bilan-{ANNEE}", territoire.siren)
    assert lecteur.nb_masques > 20  # the sample has small counts: the audit has something to attack
    assert len(lecteur.vus) > 400
    fuites = lecteur.fuites(territoire.seuil_secret)
    assert not fuites, f"cases masquées retrouvées par un lecteur :\n{_message(fuites)}"


@pytest.mark.lent
def test_audit_attaquant_trimestriel_diffusion(rapports_produits):
    territoire = charger_territoire()
    page = rapports_produits["sortie"] / f"{ANNEE}-T3" / "suivi_trimestriel.html"
    lecteur = lire_trimestriel(page, territoire.siren)
    assert lecteur.nb_masques > 10
    cumul = Quantite("baux", "epci", territoire.siren, f"{ANNEE}-01-01", f"{ANNEE}-06-30")
    assert isinstance(lecteur.vus[cumul], float)  # the progression table was read
    fuites = lecteur.fuites(territoire.seuil_secret)
    assert not fuites, f"cases masquées retrouvées par un lecteur :\n{_message(fuites)}"


def petits_effectifs_visibles(texte_html: str, seuil: int) -> list[str]:
    """Counts of households from 1 to ``seuil`` shown outside tables: tooltips and legends
    (« Baux signés : 3 », map data included, as escaped in its script), sentences (« **3** baux »,
    « dont **3** à des ménages », « 3 ménages »). Counts of residences (« **3** sont signalées »)
    are not under statistical secrecy."""
    import html as html_lib
    import re

    # map data sits in scripts as JSON text: « \u00e9 » escapes are decoded before reading
    texte = html_lib.unescape(re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), texte_html))
    petit = "|".join(str(n) for n in range(1, seuil + 1))
    motifs = [
        rf"(?:Baux|Ménages|Demandes|baux|ménages|demandes)[^:<>\n]{{0,80}} : (?:{petit})(?![\d,]|\s*%|\u00a0%)",
        rf"<(?:strong|b)>(?:{petit})</(?:strong|b)>(?:\s+[^\s<]+){{0,3}}\s+(?:baux|ménages|demandes)\b",
        rf"(?<![\d,.\u202f])(?:{petit}) (?:baux|ménages|demandes)\b",
        rf"n = (?:{petit})(?!\d)",
    ]
    return [m.group(0) for motif in motifs for m in re.finditer(motif, texte)]


@pytest.mark.lent
def test_diffusion_aucun_petit_effectif_hors_tableaux(rapports_produits):
    """Maps (tooltips, legends), sentences and labels of both diffusion reports: no count 1…seuil."""
    seuil = charger_territoire().seuil_secret
    pages = [p for r in rapports_produits["resultats"] for p in r.pages]
    assert {p.name for p in pages} >= {"bilan_annuel.html", "cartes.html", "residences_sensibles.html",
                                       "suivi_trimestriel.html"}
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for table in soup.find_all("table", class_="cia-tableau"):
            table.decompose()  # table cells: test_diffusion_aucun_petit_effectif_visible and the audits above
        trouves = petits_effectifs_visibles(str(soup), seuil)
        assert not trouves, f"{page.name} : {trouves[:5]}"


def test_detecteur_de_petits_effectifs_voit_les_cas_connus():
    assert petits_effectifs_visibles("Baux signés : 3<br>", 5) == ["Baux signés : 3"]
    assert petits_effectifs_visibles("<strong>2</strong> baux signés", 5)
    assert petits_effectifs_visibles("dont <strong>4</strong> à des ménages du 1er quartile", 5)
    assert not petits_effectifs_visibles("<strong>3</strong> sont signalées d'après l'OPS", 5)
    assert petits_effectifs_visibles("dont 4 ménages du 1er quartile", 5)
    assert not petits_effectifs_visibles("Baux signés : 12 ; part : 3,5 % ; 2025 ; T3 ; 25 baux", 5)


def test_audit_voit_les_fuites_du_masquage_tableau_par_tableau(donnees_exemple):
    """Today's output before this layer: each indicator masked on its own (masquer_tableau_indicateurs).
    The same attacker recovers DALO counts by subtraction (CDC Habitat: 10 prioritaires − 7 hors DALO = 3;
    OPH du Val-d'Oise: 19 − 14 = 5), as reported in issue 12."""
    from cia_lib.calculs import indicateurs as ind
    from cia_lib.calculs.periodes import periode_cumul
    from cia_lib.restitution.confidentialite import masquer_tableau_indicateurs
    from cia_lib.restitution.quantites import quantites_indicateurs

    territoire = charger_territoire()
    periode = periode_cumul(ANNEE, 4)
    brut = ind.tableau_indicateurs(donnees_exemple, territoire, periode.du, periode.au)
    ancien = masquer_tableau_indicateurs(brut, territoire.seuil_secret)
    lecteur = Lecteur(territoire.siren)
    for position, colonne, quantite, _ in quantites_indicateurs(brut, siren=territoire.siren):
        lecteur.lire(quantite, ancien.iloc[position][colonne])
    fuites = lecteur.fuites(territoire.seuil_secret)
    exactes = {(q.mesure, q.niveau, q.cle): b.bas for q, b in fuites.items() if b.haut - b.bas < 0.5}
    assert exactes[("baux_dalo", "bailleur", "CDC Habitat")] == pytest.approx(3)
    assert exactes[("baux_dalo", "bailleur", "OPH du Val-d'Oise")] == pytest.approx(5)
    assert sum(1 <= v <= territoire.seuil_secret for v in exactes.values()) >= 5


def _textes_figure(fig) -> list[str]:
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    textes = [t.get_text() for t in fig.findobj(Text)]
    plt.close(fig)
    return textes


@pytest.mark.lent
def test_graphiques_diffusion_sans_petit_effectif(exemple_traite):
    """Chart labels (« 25,0 % (3/12) », « n=4 ») of the diffusion reports, drawn from the layer's tables."""
    import re

    from cia_lib.restitution.contexte import ouvrir_contexte
    from cia_lib.restitution.graphiques import graphique_serie, graphique_taux_cible
    from cia_lib.restitution.publication import publication_bilan, publication_trimestrielle

    territoire = charger_territoire()
    seuil = territoire.seuil_secret
    bilan = publication_bilan(ouvrir_contexte(exemple_traite, None, ANNEE, 4, "diffusion"))
    trimestriel = publication_trimestrielle(ouvrir_contexte(exemple_traite, None, ANNEE, 3, "diffusion"))
    figures = []
    for pub in (bilan, trimestriel):
        tableau = pub.indicateurs()
        figures += [graphique_taux_cible(tableau, "q1_hors_qpv", niveau, 0.25, "essai") for niveau in ("commune", "bailleur")]
        figures.append(graphique_taux_cible(tableau, "prioritaires", "reservataire", None, "essai"))
    for indicateur in ("q1_hors_qpv", "prioritaires"):
        figures.append(graphique_serie(bilan.serie_annuelle(indicateur), 0.25, "essai"))
        figures.append(graphique_serie(trimestriel.serie(indicateur), 0.25, "essai"))
    masques = 0
    for fig in figures:
        for texte in _textes_figure(fig):
            masques += "s" in re.findall(r"\b(s)\b", texte)
            for n in re.findall(r"\((\d+)/(\d+)\)|n=(\d+)", texte):
                for valeur in filter(None, n):
                    assert not 1 <= int(valeur) <= seuil, f"effectif {valeur} dans un graphique : {texte!r}"
    assert masques > 0  # the sample has masked bars: the scan did read labels
