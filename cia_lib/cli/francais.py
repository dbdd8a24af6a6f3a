"""French wording for the help and usage errors of the Typer/Click command line.

Typer (which vendors Click) ships its help headings and usage errors in English only. The
help text is rendered by Typer then its few fixed English fragments are replaced; usage
errors are reworded from the exception's class and parameter.
"""

from __future__ import annotations

import re

REMPLACEMENTS_AIDE = (
    ("Usage:", "Utilisation :"),
    ("Show this message and exit.", "Affiche cette aide et quitte."),
    ("[OPTIONS]", "[OPTIONS]"),
    ("COMMAND [ARGS]...", "COMMANDE [ARGUMENTS]..."),
    ("Commands:", "Commandes :"),
    ("Options:", "Options :"),
    ("Arguments:", "Arguments :"),
    ("[required]", "[obligatoire]"),
    ("[default: ", "[défaut : "),
)

# Value placeholders of options (``--annee <int>``), translated keeping the help column aligned.
TYPES_VALEURS = {
    "path": "chemin", "int": "entier", "integer": "entier", "str": "texte", "text": "texte",
    "float": "nombre", "list[str]": "liste", "boolean": "booléen", "bool": "booléen",
}
_TYPE_VALEUR = re.compile(r"<(" + "|".join(re.escape(k) for k in sorted(TYPES_VALEURS, key=len, reverse=True)) + r")>( *)")


def _traduire_type(m: re.Match) -> str:
    francais = f"<{TYPES_VALEURS[m.group(1)]}>"
    espaces = m.group(2)
    ecart = len(francais) - len(m.group(0)) + len(espaces)
    # keep the help text in its column when the padding allows it
    if espaces and len(espaces) - ecart >= 2:
        return francais + " " * (len(espaces) - ecart)
    return francais + espaces


def traduire_aide(texte: str) -> str:
    """Replace the English fragments of a help screen by their French wording.

    Examples
    --------
    >>> traduire_aide("Usage: cia [OPTIONS]\\n  -h  Show this message and exit.")
    'Utilisation : cia [OPTIONS]\\n  -h  Affiche cette aide et quitte.'
    """
    for anglais, francais in REMPLACEMENTS_AIDE:
        texte = texte.replace(anglais, francais)
    return _TYPE_VALEUR.sub(_traduire_type, texte)


def _noms_parametre(exc) -> str:
    param = getattr(exc, "param", None)
    if param is not None and getattr(param, "opts", None):
        return "/".join(param.opts)
    hint = getattr(exc, "param_hint", None)
    if hint:
        return hint if isinstance(hint, str) else "/".join(hint)
    return "?"


def message_usage(exc: Exception) -> str:
    """French wording of a Click/Typer usage error (missing/unknown option, bad value…)."""
    nom_classe = type(exc).__name__
    message = getattr(exc, "message", str(exc))
    if nom_classe == "MissingParameter":
        return f"paramètre obligatoire manquant : {_noms_parametre(exc)}"
    if nom_classe == "NoSuchOption":
        return f"option inconnue : {getattr(exc, 'option_name', message)}"
    if nom_classe == "BadParameter":
        return f"valeur invalide pour {_noms_parametre(exc)} : {message}"
    if message.startswith("No such command"):
        return "commande inconnue : " + message.split("command", 1)[1].strip(" .'\"")
    if message.startswith("Missing command"):
        return "commande manquante"
    if message.startswith("Got unexpected extra argument"):
        return "argument en trop : " + message.split("(", 1)[-1].rstrip(")")
    return message
