"""The registry of reports: which notebooks each report runs. Data, in one place."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cia_lib.calculs.periodes import verifier_trimestre
from cia_lib.erreurs import ErreurParametre


@dataclass(frozen=True)
class TypeRapport:
    """One kind of report.

    Attributes
    ----------
    nom : str
        ``trimestriel`` or ``bilan``.
    notebooks : tuple of str
        Notebook names (without ``.ipynb``), in reading order.
    optionnels : tuple of str
        Those among ``notebooks`` that are skipped when their file does not exist.
    mode_defaut : str
        Reading mode when none is given.
    excel : bool
        Whether the published tables go to an Excel workbook.
    titre : str
        French title, formatted with ``annee``, ``trimestre`` and ``rang``
        (:func:`cia_lib.calculs.periodes.rang_trimestre`: « 1er », « 2e »…).
    """

    nom: str
    notebooks: tuple[str, ...]
    optionnels: tuple[str, ...] = ()
    mode_defaut: str = "diffusion"
    excel: bool = False
    titre: str = ""


RAPPORTS: dict[str, TypeRapport] = {
    "trimestriel": TypeRapport(
        nom="trimestriel",
        notebooks=("suivi_trimestriel",),
        mode_defaut="diffusion",
        excel=False,
        titre="Suivi trimestriel de la CIA — {annee}, {rang} trimestre",
    ),
    "bilan": TypeRapport(
        nom="bilan",
        notebooks=("bilan_annuel", "flux", "cartes", "residences_sensibles", "fiches_communes", "fiches_bailleurs"),
        optionnels=("flux", "cartes", "residences_sensibles", "fiches_communes", "fiches_bailleurs"),
        mode_defaut="diffusion",
        excel=True,
        titre="Bilan annuel de la CIA — {annee}",
    ),
}
"""Every report the runner knows. Add a notebook to a report here, nowhere else."""

DEMARRES_EN_PREMIER = ("bilan_annuel", "fiches_communes")
"""Notebooks a parallel run starts before all others (then every other notebook, in the order
of the run; reports are still published in order, each with its pages in reading order): the
longest page, and the first fiche page, which computes the publication of both fiche pages —
started together, the two fiche pages would wait for each other while other pages queue, and
started last, the longest pages would leave one core idle at the end of the run."""


def rang_d_execution(notebook: str) -> int:
    """Sort key of a notebook for starting a parallel run (see :data:`DEMARRES_EN_PREMIER`).

    Examples
    --------
    >>> sorted(["flux", "fiches_bailleurs", "fiches_communes", "bilan_annuel"], key=rang_d_execution)
    ['bilan_annuel', 'fiches_communes', 'flux', 'fiches_bailleurs']
    """
    return DEMARRES_EN_PREMIER.index(notebook) if notebook in DEMARRES_EN_PREMIER else len(DEMARRES_EN_PREMIER)

COMPARAISON = TypeRapport(
    nom="comparaison",
    notebooks=("comparaison_epci",),
    mode_defaut="diffusion",
    excel=True,
    titre="Comparaison des EPCI — {periode}",
)
"""The comparison across EPCIs produced beside the per-EPCI reports of a multi-EPCI run
(same period and mode as those reports; not a command of its own)."""

DOSSIER_COMPARAISON = "comparaison-epci"
"""Folder of the comparison reports under ``reports/`` (``reports/comparaison-epci/bilan-2024/``);
each EPCI's reports go to ``reports/<SIREN>/<période>/``."""

FICHIER_TERRITOIRE_EPCI = "territoire.yaml"
"""Single-EPCI territory file written in ``reports/<SIREN>/`` by a multi-EPCI run."""

NOTEBOOKS_CONTOURS = ("cartes",)
"""Optional notebooks that need the communes' contours: skipped in a multi-EPCI run for an
EPCI whose territory has none (``contours_communes``)."""

FICHIER_EXCEL = "tableaux.xlsx"
FICHIER_MANIFESTE = "manifeste.json"
DOSSIER_ECHECS = "echec"
FICHIER_ECHEC = "echec.json"
"""Why the last production of a report failed (``echec/<période>/echec.json``, shown by the index)."""
FICHIER_VERROU = ".verrou"

_MOTIF_TRIMESTRE = re.compile(r"^(\d{4})-T([1-4])$")
_MOTIF_BILAN = re.compile(r"^bilan-(\d{4})$")


def type_rapport(nom: str) -> TypeRapport:
    """Return the report kind ``nom`` or raise a French error."""
    try:
        return RAPPORTS[nom]
    except KeyError:
        raise ErreurParametre(
            f"rapport inconnu : {nom!r} (attendu : {', '.join(RAPPORTS)})."
        ) from None


def nom_dossier(rapport: str, annee: int, trimestre: int = 4) -> str:
    """Folder name of a report under ``reports/``.

    Examples
    --------
    >>> nom_dossier("trimestriel", 2025, 3)
    '2025-T3'
    >>> nom_dossier("bilan", 2025)
    'bilan-2025'
    """
    if rapport == "bilan":
        return f"bilan-{int(annee)}"
    verifier_trimestre(int(trimestre))
    return f"{int(annee)}-T{int(trimestre)}"


def lire_nom_dossier(nom: str) -> tuple[str, int, int] | None:
    """Inverse of :func:`nom_dossier`: ``(rapport, annee, trimestre)`` or None.

    Examples
    --------
    >>> lire_nom_dossier("2025-T3"), lire_nom_dossier("bilan-2024"), lire_nom_dossier("echec")
    (('trimestriel', 2025, 3), ('bilan', 2024, 4), None)
    """
    if m := _MOTIF_TRIMESTRE.match(nom):
        return "trimestriel", int(m.group(1)), int(m.group(2))
    if m := _MOTIF_BILAN.match(nom):
        return "bilan", int(m.group(1)), 4
    return None


def est_dossier_epci(nom: str) -> bool:
    """True for an EPCI's folder of a multi-EPCI run (its SIREN: 9 digits).

    Examples
    --------
    >>> est_dossier_epci("249500455"), est_dossier_epci("bilan-2024")
    (True, False)
    """
    return len(nom) == 9 and nom.isdigit()


def notebooks_du_rapport(rapport: TypeRapport, dossier_notebooks: Path) -> list[Path]:
    """Notebook files to run for ``rapport``: optional ones only when they exist.

    Raises
    ------
    ErreurParametre
        When a required notebook is missing.
    """
    chemins = []
    for nom in rapport.notebooks:
        chemin = Path(dossier_notebooks) / f"{nom}.ipynb"
        if not chemin.exists():
            if nom in rapport.optionnels:
                continue
            raise ErreurParametre(f"{chemin} : notebook introuvable pour le rapport « {rapport.nom} ».")
        chemins.append(chemin)
    return chemins
