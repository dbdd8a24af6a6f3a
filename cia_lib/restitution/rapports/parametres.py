"""Notebook parameters: read what a notebook declares, check what we pass, before running.

papermill would inject anything (and its CLI turns ``01004`` into the integer 1004); the
runner checks names and types first and answers in French.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from cia_lib.erreurs import ErreurParametre
from cia_lib.restitution.contexte import MODES

PARAMETRES_STANDARD: dict[str, type] = {
    "donnees": str,
    "territoire": str,
    "annee": int,
    "trimestre": int,
    "mode": str,
}
"""Parameters every notebook of the workbench declares (H5 and H6 notebooks too)."""

ANNEE_MIN, ANNEE_MAX = 2000, 2100
NOMS_TYPES = {str: "texte", int: "entier", float: "nombre", bool: "booléen", list: "liste", dict: "dictionnaire"}


def parametres_declares(chemin_notebook: Path) -> dict[str, type | None]:
    """Parameters declared in the cell tagged ``parameters`` of a notebook, with their type.

    The type is that of the literal default value (None when the default is not a literal
    or is ``None``: any value is then accepted).

    Raises
    ------
    ErreurParametre
        When the notebook has no cell tagged ``parameters``.
    """
    chemin_notebook = Path(chemin_notebook)
    nb = json.loads(chemin_notebook.read_text(encoding="utf-8"))
    for cellule in nb.get("cells", []):
        if "parameters" in cellule.get("metadata", {}).get("tags", []):
            source = cellule.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            return _types_affectations(source, chemin_notebook)
    raise ErreurParametre(f"{chemin_notebook} : aucune cellule marquée « parameters ».")


def _types_affectations(source: str, chemin: Path) -> dict[str, type | None]:
    try:
        arbre = ast.parse(source)
    except SyntaxError as exc:
        raise ErreurParametre(f"{chemin} : cellule de paramètres illisible (ligne {exc.lineno}).") from None
    types: dict[str, type | None] = {}
    for noeud in arbre.body:
        if isinstance(noeud, ast.Assign):
            cibles, valeur = noeud.targets, noeud.value
        elif isinstance(noeud, ast.AnnAssign) and noeud.value is not None:
            cibles, valeur = [noeud.target], noeud.value
        else:
            continue
        try:
            litteral = ast.literal_eval(valeur)
            genre = None if litteral is None else type(litteral)
        except ValueError:
            genre = None
        for cible in cibles:
            if isinstance(cible, ast.Name):
                types[cible.id] = genre
    return types


def convertir_valeur(nom: str, texte: str, genre: type | None):
    """Convert a command-line text ``NOM=VALEUR`` to the declared type (texts stay texts).

    Examples
    --------
    >>> convertir_valeur("commune", "01004", str)
    '01004'
    >>> convertir_valeur("annee", "2025", int)
    2025
    """
    if genre is None or genre is str:
        return texte
    try:
        if genre is bool:
            folded = texte.strip().lower()
            if folded in ("oui", "vrai", "true", "1"):
                return True
            if folded in ("non", "faux", "false", "0"):
                return False
            raise ValueError
        if genre in (list, dict):
            valeur = json.loads(texte)
            if not isinstance(valeur, genre):
                raise ValueError
            return valeur
        return genre(texte)
    except (ValueError, json.JSONDecodeError):
        raise ErreurParametre(
            f"paramètre « {nom} » : {texte!r} n'est pas un {NOMS_TYPES.get(genre, genre.__name__)} valide."
        ) from None


def lire_parametres_texte(textes: list[str], declares: dict[str, type | None]) -> dict:
    """Parse ``["nom=valeur", ...]`` from the command line with the declared types."""
    sortie = {}
    for texte in textes:
        nom, egal, valeur = texte.partition("=")
        nom = nom.strip()
        if not egal or not nom:
            raise ErreurParametre(f"paramètre mal écrit : {texte!r} (forme attendue : nom=valeur).")
        if nom not in declares:
            raise ErreurParametre(_message_inconnu(nom, declares))
        sortie[nom] = convertir_valeur(nom, valeur, declares[nom])
    return sortie


def _message_inconnu(nom: str, declares: dict) -> str:
    return f"paramètre inconnu : « {nom} » (paramètres acceptés : {', '.join(sorted(declares))})."


def valider_parametres(parametres: dict, declares: dict[str, type | None], notebook: str = "") -> dict:
    """Check names, types and values of the parameters passed to a notebook.

    Parameters
    ----------
    parametres : dict
        Values to inject.
    declares : dict
        Declared parameters and types (:func:`parametres_declares`).
    notebook : str
        Name used in messages.

    Returns
    -------
    dict
        ``parametres`` unchanged when valid.

    Raises
    ------
    ErreurParametre
        Unknown name, wrong type (a text where a number is expected, a number where a text
        such as an INSEE code is expected, a boolean for an integer), year or quarter out of
        range, unknown reading mode.

    Examples
    --------
    >>> valider_parametres({"annee": 2025}, {"annee": int})
    {'annee': 2025}
    """
    ou = f" (notebook {notebook})" if notebook else ""
    for nom, valeur in parametres.items():
        if nom not in declares:
            raise ErreurParametre(_message_inconnu(nom, declares) + ou)
        attendu = declares[nom] or PARAMETRES_STANDARD.get(nom)
        if attendu is None:
            continue
        ok = isinstance(valeur, attendu) and not (attendu is int and isinstance(valeur, bool))
        if attendu is float and isinstance(valeur, int) and not isinstance(valeur, bool):
            ok = True
        if not ok:
            raise ErreurParametre(
                f"paramètre « {nom} » : {NOMS_TYPES.get(attendu, attendu.__name__)} attendu, "
                f"reçu {valeur!r}{ou}."
            )
    if "annee" in parametres and not ANNEE_MIN <= parametres["annee"] <= ANNEE_MAX:
        raise ErreurParametre(f"paramètre « annee » : {parametres['annee']} hors de {ANNEE_MIN}–{ANNEE_MAX}{ou}.")
    if "trimestre" in parametres and parametres["trimestre"] not in (1, 2, 3, 4):
        raise ErreurParametre(f"paramètre « trimestre » : {parametres['trimestre']!r} (1, 2, 3 ou 4 attendu){ou}.")
    if "mode" in parametres and parametres["mode"] not in MODES:
        raise ErreurParametre(
            f"paramètre « mode » : {parametres['mode']!r} inconnu (« analyste » ou « diffusion »){ou}."
        )
    return parametres
