"""The reports as their readers get them: no raw code, French workbooks, fiches equal to the bilan,
print (PDF) and phone (390 px) layouts. Shares the session run of tests/test_rapports.py."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from xml.etree import ElementTree

import numpy as np
import pytest
from bs4 import BeautifulSoup
from conftest import ANNEE
from outils_navigateur import ARTEFACTS, PageHorsLigne

from cia_lib.calculs.indicateurs import LIBELLES_INDICATEURS
from cia_lib.restitution.rapports.pdf import imprimer_pdf
from cia_lib.territoire.config import charger_territoire

CODES_BRUTS = [*(c for c in LIBELLES_INDICATEURS if "_" in c), "dalo", "numerateur", "denominateur", "ic_bas", "ic_haut", "reservataire",
               "taille_minimum", "libelle", "epci", "placement_nb", "cia_lib", "/work/", "site-packages", ".md", ".yaml", "docs/"]
"""Codes and jargon that must never reach a reader (whole words, case-sensitive)."""
_MOTIF_CODE = re.compile(r"(?<![\w-])(" + "|".join(re.escape(c) for c in CODES_BRUTS) + r")(?![\w-])")
_MOTIF_CHEMIN = re.compile("|".join(re.escape(c) for c in CODES_BRUTS if not c.isidentifier()))


def texte_visible(html_page: str) -> str:
    """Text a reader sees on a page: without styles and scripts; a map (``srcdoc``) is scanned
    the same way (its tooltips and legend are written by scripts: see the browser tests)."""
    soup = BeautifulSoup(html_page, "html.parser")
    morceaux = []
    for cadre in soup.find_all("iframe"):
        if cadre.get("srcdoc"):
            morceaux.append(texte_visible(cadre["srcdoc"]))
        cadre.decompose()
    for balise in soup(["style", "script"]):
        balise.decompose()
    for balise in soup.find_all(True):
        for attribut in ("alt", "title", "aria-label"):
            if balise.get(attribut):
                morceaux.append(balise[attribut])
    morceaux += [t for svg in dessins_svg(html_page) for t in ElementTree.fromstring(svg).itertext()]  # charts' texts
    return " ".join([soup.get_text(" ")] + morceaux)


def dessins_svg(html_page: str) -> list[str]:
    """The SVG charts of a page (page and phone drawings), as SVG texts."""
    soup = BeautifulSoup(html_page, "html.parser")
    uris = [b.get("src") or b.get("srcset") or "" for b in soup.select("picture.cia-graphique img, picture.cia-graphique source")]
    return [base64.b64decode(u.split(",", 1)[1]).decode("utf-8")
            for u in uris if u.startswith("data:image/svg+xml;base64,")]


def codes_bruts(texte: str) -> list[str]:
    """Raw codes found in a text.

    >>> codes_bruts("Part q1_hors_qpv (epci) ; EPCI ; 1er quartile ; voir docs/cartes.md")
    ['q1_hors_qpv', 'epci', 'docs/', '.md']
    """
    return _MOTIF_CODE.findall(texte) + _MOTIF_CHEMIN.findall(texte)


def _bilan(rapports):
    return rapports["sortie"] / f"bilan-{ANNEE}"


def _pages(rapports):
    return [p for r in rapports["resultats"] for p in r.pages]


@pytest.mark.lent
@pytest.mark.navigateur
def test_textes_des_graphiques_dans_leur_dessin(rapports_produits, navigateur):
    """Every text of every chart (page and phone drawings) lies inside its drawing, written with
    the fonts the browser really has (the SVG keeps texts as texts)."""
    page = navigateur.new_page()
    dessins = [svg for p in _pages(rapports_produits) for svg in dessins_svg(p.read_text(encoding="utf-8"))]
    assert len(dessins) >= 20
    debordements = []
    for svg in dessins:
        debut = svg.index("<svg")  # inline, without the XML prolog and doctype
        page.set_content(f"<html><body style='margin:0'>{svg[debut:]}</body></html>")
        debordements += page.evaluate("""() => {
            const svg = document.querySelector("svg"), cadre = svg.getBoundingClientRect(), hors = [];
            for (const t of svg.querySelectorAll("text")) {
                const r = t.getBoundingClientRect();
                if (r.left < cadre.left - 1 || r.right > cadre.right + 1 || r.top < cadre.top - 1 || r.bottom > cadre.bottom + 1)
                    hors.push(t.textContent);
            }
            return hors; }""")
    page.close()
    assert debordements == []


@pytest.mark.lent
def test_aucun_code_brut_dans_les_pages(rapports_produits):
    pages = _pages(rapports_produits)
    assert {"fiches_communes.html", "fiches_bailleurs.html", "bilan_annuel.html"} <= {p.name for p in pages}
    trouves = {p.name: sorted(set(codes_bruts(texte_visible(p.read_text(encoding="utf-8"))))) for p in pages}
    assert {nom: codes for nom, codes in trouves.items() if codes} == {}


@pytest.mark.lent
def test_classeur_du_bilan_pour_excel_francais(rapports_produits):
    from openpyxl import load_workbook

    classeur = load_workbook(_bilan(rapports_produits) / "tableaux.xlsx")
    assert codes_bruts(" ".join(classeur.sheetnames)) == []
    assert [n for n in classeur.sheetnames if "_" in n] == []  # no code-like sheet name (flux_bilan…)
    nombre_en_texte = re.compile(r"^-?\d[\d\s\u202f\u00a0]*(,\d+)?\s*%?$")
    for feuille in classeur.worksheets:
        entetes = [c.value for c in feuille[1]]
        assert codes_bruts(" ".join(str(e) for e in entetes)) == [], (feuille.title, entetes)
        assert feuille.freeze_panes == "A2", feuille.title
        assert all(feuille.column_dimensions[c.column_letter].width >= 8 for c in feuille[1]), feuille.title
        for ligne in feuille.iter_rows(min_row=2):
            for cellule in ligne:
                if isinstance(cellule.value, str) and not re.fullmatch(r"(19|20)\d\d", cellule.value):  # years: labels
                    assert not nombre_en_texte.match(cellule.value), (feuille.title, cellule.coordinate, cellule.value)
                    assert codes_bruts(cellule.value) == [], (feuille.title, cellule.coordinate, cellule.value)
    section_v = classeur["Section V"]
    entetes = [c.value for c in section_v[1]]
    part = section_v.cell(row=2, column=entetes.index("Part prioritaires") + 1)
    assert isinstance(part.value, float) and part.number_format == "0.0%"
    baux = section_v.cell(row=2, column=entetes.index("Baux signés") + 1)
    assert isinstance(baux.value, int) and baux.number_format == "#,##0"
    # the pressure is a ratio, never a percentage
    indicateurs = classeur["Indicateurs"]
    entetes = [c.value for c in indicateurs[1]]
    lignes = [[c for c in ligne] for ligne in indicateurs.iter_rows(min_row=2)]
    pression = [lg for lg in lignes if lg[0].value == "Pression (demandes par bail)"]
    part = entetes.index("Part")
    chiffrees = [lg for lg in pression if isinstance(lg[part].value, float)]
    assert chiffrees and all(lg[part].number_format == "#,##0.0" for lg in chiffrees)
    q1 = [lg for lg in lignes if lg[0].value == "1er quartile hors QPV" and isinstance(lg[part].value, float)]
    assert q1 and all(lg[part].number_format == "0.0%" for lg in q1)


def _lignes_tableau(table) -> list[list[str]]:
    return [[td.get_text(strip=True) for td in tr.find_all("td")] for tr in table.select("tbody tr")]


@pytest.mark.lent
def test_fiches_liees_et_egales_au_bilan(rapports_produits):
    bilan = _bilan(rapports_produits)
    index = (rapports_produits["sortie"] / "index.html").read_text(encoding="utf-8")
    assert f'href="bilan-{ANNEE}/fiches_communes.html"' in index and "Fiches des bailleurs" in index
    page_bilan = BeautifulSoup((bilan / "bilan_annuel.html").read_text(encoding="utf-8"), "html.parser")
    assert page_bilan.select_one('a[href="fiches_communes.html"]') and page_bilan.select_one(
        'a[href="fiches_bailleurs.html"]')
    # the bilan's « 1er quartile hors QPV, par commune » table, as displayed
    legende = page_bilan.find("caption", string="1er quartile hors QPV, par commune")
    par_commune = {lg[0]: lg[1:4] for lg in _lignes_tableau(legende.find_parent("table"))}
    fiches = BeautifulSoup((bilan / "fiches_communes.html").read_text(encoding="utf-8"), "html.parser")
    sections = fiches.select("section.cia-fiche")
    territoire = charger_territoire()
    assert len(sections) == len(territoire.communes)
    for section, (code, nom) in zip(sections, territoire.communes.items(), strict=True):
        assert section["id"] == f"commune-{code}" and fiches.select_one(f'a[href="#commune-{code}"]')
        chiffres = {lg[0]: lg[1:4] for lg in _lignes_tableau(section.find("table"))}
        assert chiffres["1er quartile hors QPV"] == par_commune[nom], nom  # effectif, baux, part


@pytest.mark.lent
@pytest.mark.navigateur
def test_telephone_390_px(rapports_produits, navigateur):
    p = PageHorsLigne(navigateur, largeur=390, hauteur=844)
    page = p.ouvrir(_bilan(rapports_produits) / "bilan_annuel.html")
    page.wait_for_timeout(500)
    assert page.evaluate("document.documentElement.scrollWidth") <= 391  # nothing sticks out of the screen
    # wide tables scroll inside their frame, with a visible cue
    larges = page.locator(".cia-defilement.cia-deborde")
    assert larges.count() >= 1
    assert page.locator(".cia-defilement.cia-deborde + .cia-indice-defilement").first.is_visible()
    assert larges.first.evaluate("e => e.scrollWidth > e.clientWidth && getComputedStyle(e).overflowX == 'auto'")
    # charts: the phone drawing (4.2 in) is the one shown
    graphique = page.locator("picture.cia-graphique img").first
    graphique.scroll_into_view_if_needed()
    assert graphique.evaluate("e => e.currentSrc == e.parentElement.querySelector('source').srcset")
    assert graphique.evaluate("e => e.getBoundingClientRect().right <= window.innerWidth")
    # the map: layer control folded, legend behind a button
    cadre = page.frame_locator("iframe").first
    cadre.locator(".leaflet-container").wait_for(state="visible", timeout=10_000)
    assert cadre.locator(".leaflet-control-layers-expanded").count() == 0
    assert cadre.locator(".leaflet-control-layers-toggle").is_visible()
    bouton = cadre.locator(".cia-bouton-legende")
    assert bouton.is_visible() and not cadre.locator(".cia-contenu-legende").is_visible()
    page.locator("iframe").first.scroll_into_view_if_needed()
    p.capture("bilan_390_carte_fermee.png")
    bouton.click()
    assert cadre.locator(".cia-contenu-legende").is_visible() and bouton.inner_text() == "Masquer la légende"
    p.capture("bilan_390_carte_legende.png")
    p.capture("bilan_390.png", pleine_page=True)
    page.close()
    assert p.erreurs == [], p.erreurs


@pytest.mark.lent
@pytest.mark.navigateur
def test_grand_ecran_1280_px(rapports_produits, navigateur):
    p = PageHorsLigne(navigateur, largeur=1280)
    page = p.ouvrir(_bilan(rapports_produits) / "fiches_communes.html")
    page.wait_for_timeout(300)
    assert page.locator("section.cia-fiche").count() == len(charger_territoire().communes)
    assert not page.locator(".cia-indice-defilement").first.is_visible()  # tables fit: no cue
    p.capture("fiches_communes_1280.png", pleine_page=True)
    page = p.ouvrir(_bilan(rapports_produits) / "bilan_annuel.html")
    cadre = page.frame_locator("iframe").first
    cadre.locator(".leaflet-container").wait_for(state="visible", timeout=10_000)
    assert cadre.locator(".leaflet-control-layers-expanded").count() == 1
    assert cadre.locator(".cia-contenu-legende").is_visible() and not cadre.locator(".cia-bouton-legende").is_visible()
    assert not page.locator("img.cia-carte-imprimee").first.is_visible()  # the static map is for print
    page.locator("iframe").first.scroll_into_view_if_needed()
    p.capture("bilan_1280_carte.png")
    page.close()
    assert p.erreurs == [], p.erreurs


def _nombre_pages(pdf) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


@pytest.mark.lent
@pytest.mark.navigateur
def test_impression_pdf(rapports_produits, navigateur, tmp_path):
    bilan = _bilan(rapports_produits)
    # printed, every interactive map gives way to its static version, whole on the page
    p = PageHorsLigne(navigateur, largeur=794)
    page = p.ouvrir(bilan / "bilan_annuel.html")
    page.emulate_media(media="print")
    assert page.locator("iframe").first.is_hidden() and page.locator("details.cia-annexe").is_hidden()
    carte = page.locator("img.cia-carte-imprimee")
    assert carte.count() == 1 and carte.first.is_visible()
    assert carte.first.evaluate("e => e.naturalWidth > 0 && e.getBoundingClientRect().width <= 794")
    page.close()
    communes = len(charger_territoire().communes)
    pdf_bilan, pdf_fiches = imprimer_pdf([bilan / "bilan_annuel.html", bilan / "fiches_communes.html"], tmp_path,
                                         navigateur=navigateur)
    assert 6 <= _nombre_pages(pdf_bilan) <= 16  # not 20: the annex is in the workbook
    assert _nombre_pages(pdf_fiches) == 1 + communes  # a first page of links, then one page per commune
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (paquet Debian poppler-utils) absent : pages du PDF non examinées une à une.")
    from PIL import Image

    for pdf in (pdf_bilan, pdf_fiches):
        prefixe = tmp_path / pdf.stem
        subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(prefixe)], check=True)
        images = sorted(tmp_path.glob(f"{pdf.stem}-*.png"))
        for i, chemin in enumerate(images):
            gris = Image.open(chemin).convert("L")
            encre = float((np.asarray(gris) < 235).mean())  # share of the page that is not blank
            if i < len(images) - 1:  # the last page may be short
                assert encre > 0.02, f"{pdf.name} : page {i + 1} presque vide ({encre:.1%})"
        ARTEFACTS.mkdir(exist_ok=True)
        shutil.copy(images[0], ARTEFACTS / f"{pdf.stem}_page1.png")
