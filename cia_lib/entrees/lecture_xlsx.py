"""Reading one sheet of an XLSX workbook as text (cells written the way a CSV export writes them)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cia_lib.erreurs import ErreurFichier

from .fichier_brut import FichierBrut, _tableau


def _cellule_texte(valeur) -> str:
    """Text of a spreadsheet cell (numbers without a spurious ``.0``, dates in ISO)."""
    if valeur is None:
        return ""
    if isinstance(valeur, bool):
        return "vrai" if valeur else "faux"
    if isinstance(valeur, dt.datetime):
        if valeur.time() == dt.time(0, 0):
            return valeur.date().isoformat()
        return valeur.isoformat(sep=" ")
    if isinstance(valeur, dt.date):
        return valeur.isoformat()
    if isinstance(valeur, float) and valeur.is_integer():
        return str(int(valeur))
    return str(valeur)



def lire_xlsx(fichier: Path, nom: str | None = None, feuille: str | None = None) -> FichierBrut:
    """Read one sheet of an XLSX workbook as text (first sheet unless ``feuille`` is given).

    Raises
    ------
    ErreurFichier
        Unreadable workbook, unknown sheet, empty sheet.
    """
    from zipfile import BadZipFile

    import openpyxl  # imported lazily: only needed for spreadsheets

    nom = nom or fichier.name
    try:
        classeur = openpyxl.load_workbook(fichier, read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError):
        raise ErreurFichier(nom, "classeur Excel illisible (fichier tronqué, protégé par mot de passe, ou pas au "
                                 "format .xlsx : enregistrez-le en « Classeur Excel (.xlsx) »).") from None
    try:
        if feuille is None:
            onglet = classeur.worksheets[0]
        elif feuille in classeur.sheetnames:
            onglet = classeur[feuille]
        else:
            raise ErreurFichier(
                nom, f"feuille « {feuille} » introuvable (feuilles : {', '.join(classeur.sheetnames)})."
            )
        entetes = None
        enregistrements = []
        for numero, ligne in enumerate(onglet.iter_rows(values_only=True), start=1):
            textes = [_cellule_texte(v) for v in ligne]
            if entetes is None:
                if all(t.strip() == "" for t in textes):
                    continue
                if numero != 1:
                    raise ErreurFichier(nom, f"l'en-tête doit être sur la ligne 1 (trouvé ligne {numero}).")
                entetes = textes
                continue
            enregistrements.append((numero, textes))
    finally:
        classeur.close()
    return _tableau(fichier, nom, entetes or [], enregistrements)
