"""Excel workbook of a report's tables: one sheet per table the notebooks published."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from cia_lib.restitution.classeur import remplir_feuille
from cia_lib.restitution.libelles import libelle_feuille
from cia_lib.restitution.presentation import MIME_TABLEAU, json_tableau

_INTERDITS = re.compile(r"[\[\]:*?/\\]")
_MODIFIE = re.compile(r"<dcterms:modified[^>]*>[^<]*</dcterms:modified>")


def tableaux_publies(nb) -> list[dict]:
    """Tables published by an executed notebook (outputs carrying :data:`MIME_TABLEAU`).

    Returns
    -------
    list of dict
        ``{"nom", "colonnes", "lignes"}`` in the order of the notebook.
    """
    tableaux = []
    for cellule in nb.cells:
        for sortie in cellule.get("outputs", []) if cellule.get("cell_type") == "code" else []:
            donnees = sortie.get("data", {})
            if MIME_TABLEAU in donnees:
                tableaux.append(json_tableau(donnees[MIME_TABLEAU]))
    return tableaux


def nom_feuille(nom: str, pris: set[str]) -> str:
    """A valid, unique Excel sheet name (31 characters, no ``[]:*?/\\``).

    Examples
    --------
    >>> nom_feuille("Q1 hors QPV / commune", set())
    'Q1 hors QPV - commune'
    """
    base = _INTERDITS.sub("-", nom).strip("'") or "tableau"
    base = base[:31]
    candidat, i = base, 2
    while candidat.lower() in {p.lower() for p in pris}:
        suffixe = f" ({i})"
        candidat = base[: 31 - len(suffixe)] + suffixe
        i += 1
    pris.add(candidat)
    return candidat


def ecrire_classeur(tableaux: list[dict], chemin: Path, titre: str, date_fixe: dt.datetime) -> None:
    """Write the tables to an ``.xlsx`` workbook (openpyxl): one formatted sheet per table
    (:func:`cia_lib.restitution.classeur.remplir_feuille`).

    Parameters
    ----------
    tableaux : list of dict
        As returned by :func:`tableaux_publies`.
    chemin : pathlib.Path
        Workbook to write.
    titre : str
        Workbook title (document properties).
    date_fixe : datetime.datetime
        Date written in the document properties (the end of the period: no run timestamp).
    """
    from openpyxl import Workbook

    classeur = Workbook()
    classeur.remove(classeur.active)
    classeur.properties.title = titre
    classeur.properties.creator = "Atelier CIA"
    classeur.properties.created = date_fixe
    classeur.properties.modified = date_fixe
    pris: set[str] = set()
    if not tableaux:
        feuille = classeur.create_sheet("Information")
        feuille["A1"] = "Aucun tableau publié par les notebooks de ce rapport."
    for tableau in tableaux:
        feuille = classeur.create_sheet(nom_feuille(libelle_feuille(str(tableau.get("nom", "tableau"))), pris))
        remplir_feuille(feuille, tableau)
        apposer_mention(feuille, tableau.get("mention"), len(tableau["colonnes"]))
    classeur.save(chemin)
    figer_dates_zip(chemin, date_fixe)


def apposer_mention(feuille, mention: str | None, nb_colonnes: int) -> None:
    """Stamp an analyst-mode sheet (« usage interne — ne pas diffuser »): in red beside the
    header row (the table itself keeps its cells) and in the printed header and footer."""
    if not mention:
        return
    from openpyxl.styles import Font

    cellule = feuille.cell(row=1, column=nb_colonnes + 2, value=mention.upper())
    cellule.font = Font(bold=True, color="B00020")
    for entete in (feuille.oddHeader, feuille.oddFooter):
        entete.center.text = mention
    feuille.sheet_properties.tabColor = "B00020"


def figer_dates_zip(chemin: Path, date_fixe: dt.datetime) -> None:
    """Rewrite an .xlsx (a zip) with every entry dated ``date_fixe``, so that the same tables
    always give the same bytes (openpyxl stamps the zip entries and the « modified » property
    with the time of writing)."""
    import zipfile

    modifie = f"<dcterms:modified xsi:type=\"dcterms:W3CDTF\">{date_fixe:%Y-%m-%dT%H:%M:%S}Z</dcterms:modified>"

    horodatage = (max(date_fixe.year, 1980), date_fixe.month, date_fixe.day, 0, 0, 0)
    with zipfile.ZipFile(chemin) as source:
        entrees = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(chemin, "w", compression=zipfile.ZIP_DEFLATED) as cible:
        for info, contenu in entrees:
            if info.filename == "docProps/core.xml":
                contenu = _MODIFIE.sub(modifie, contenu.decode("utf-8")).encode("utf-8")
            figee = zipfile.ZipInfo(info.filename, date_time=horodatage)
            figee.compress_type = zipfile.ZIP_DEFLATED
            figee.external_attr = info.external_attr
            cible.writestr(figee, contenu)
