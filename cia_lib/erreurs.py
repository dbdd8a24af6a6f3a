"""Errors a user can meet, each carrying one French message (shown without traceback)."""

from __future__ import annotations

import errno

_MESSAGES_SYSTEME = {
    errno.EACCES: "accès refusé (droits insuffisants)",
    errno.EPERM: "opération non permise (droits insuffisants)",
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.ENOSPC: "disque plein : libérez de la place puis relancez",
    errno.EDQUOT: "quota disque dépassé : libérez de la place puis relancez",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.EISDIR: "c'est un dossier, un fichier est attendu",
    errno.ENOTDIR: "un fichier se trouve là où un dossier est attendu",
    errno.EEXIST: "existe déjà",
    errno.ENOTEMPTY: "dossier non vide",
    errno.EIO: "erreur d'entrée-sortie du disque",
    errno.ENAMETOOLONG: "nom trop long",
    errno.EMFILE: "trop de fichiers ouverts",
}


def message_systeme(exc: OSError) -> str:
    """French wording of an operating-system error (never the English ``strerror``).

    Examples
    --------
    >>> message_systeme(PermissionError(13, "Permission denied"))
    'accès refusé (droits insuffisants)'
    >>> message_systeme(OSError(1234, "Weird"))
    'erreur système (code 1234)'
    """
    code = getattr(exc, "errno", None)
    return _MESSAGES_SYSTEME.get(code, f"erreur système (code {code})" if code else "erreur système")


class ErreurCIA(Exception):
    """Base of every user-facing error. ``str(err)`` is the French message.

    Attributes
    ----------
    code_sortie : int
        Exit code the CLI uses for this error.
    """

    code_sortie = 1


class ErreurFichier(ErreurCIA):
    """File-level problem (missing, unreadable, empty, missing columns...): exit code 2."""

    code_sortie = 2

    def __init__(self, fichier, message: str, colonnes: list[str] | None = None):
        self.fichier = str(fichier)
        self.colonnes = list(colonnes or [])
        texte = f"{self.fichier} : {message}"
        if self.colonnes:
            texte += f" (colonnes : {', '.join(self.colonnes)})"
        super().__init__(texte)


class ErreurConfiguration(ErreurCIA):
    """Invalid territory or mapping configuration: exit code 2."""

    code_sortie = 2


class ErreurSeuilManquant(ErreurCIA):
    """No 1st-quartile threshold known for a year: never guessed. Exit code 2."""

    code_sortie = 2

    def __init__(self, annee: int, siren: str, fichier=None):
        self.annee = int(annee)
        self.siren = siren
        source = f" dans {fichier}" if fichier else ""
        super().__init__(
            f"Aucun seuil du 1er quartile connu pour l'année {self.annee} "
            f"(EPCI {siren}){source}. Ajoutez la valeur de l'arrêté ministériel au tableau "
            "des seuils : elle n'est jamais devinée."
        )


class ErreurParametre(ErreurCIA):
    """Invalid command or notebook parameter: exit code 2."""

    code_sortie = 2


class ErreurRejets(ErreurCIA):
    """Too many rows rejected: the import publishes nothing (previous tables kept). Exit code 3."""

    code_sortie = 3
