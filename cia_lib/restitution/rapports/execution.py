"""Executing one notebook of a report (papermill) and exporting its page (nbconvert).

One function, :func:`executer_tache`, does the whole work of one notebook: the sequential
runner calls it in its own process, the parallel runner (:mod:`.parallele`) in its workers,
so both write the same bytes. Its inputs and outputs are plain picklable data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cia_lib.erreurs import ErreurCIA
from cia_lib.territoire import chemins

from .excel import tableaux_publies
from .export import exporter_html
from .noyaux import options_papermill
from .periode_rapport import marquer_provisoire


class ErreurExecution(ErreurCIA):
    """A notebook cell failed: the message names the notebook and the cell. Exit code 1."""

    code_sortie = 1


class EchecNotebook(Exception):
    """A cell of a notebook raised: what is needed to name it (picklable across processes).

    Attributes
    ----------
    ename, evalue : str
        Exception name and message in the kernel.
    source : str
        Source of the failed cell.
    cell_index : int or None
        Index of the failed cell in the executed notebook.
    chemin : str
        Notebook executed.
    nom_sortie : str
        File name of the executed notebook (kept for diagnosis).
    """

    def __init__(self, ename: str, evalue: str, source: str, cell_index, chemin: str, nom_sortie: str):
        super().__init__(ename, evalue, source, cell_index, chemin, nom_sortie)
        self.ename, self.evalue, self.source, self.cell_index = ename, evalue, source, cell_index
        self.chemin, self.nom_sortie = chemin, nom_sortie


@dataclass(frozen=True)
class Tache:
    """One notebook to execute into a report's construction folder.

    Attributes
    ----------
    notebook : str
        Notebook to execute.
    sortie : str
        Path of the executed notebook (in the construction folder).
    parametres : dict
        Papermill parameters.
    cwd : str
        Working directory of the kernel.
    titre : str
        Title of the HTML page.
    libelle : str
        Short name shown by the progress bar (``<SIREN>/<période>/<notebook>``).
    couverture_provisoire : dict or None
        Coverage of the data when the report is provisional (period still running): the page
        then opens with the provisional banner (:func:`.periode_rapport.marquer_provisoire`).
    """

    notebook: str
    sortie: str
    parametres: dict = field(default_factory=dict)
    cwd: str = "."
    titre: str = ""
    libelle: str = ""
    couverture_provisoire: dict | None = None


@dataclass(frozen=True)
class Page:
    """What one executed notebook gives its report: the HTML page and the published tables."""

    html: str
    tableaux: list


def executer_tache(tache: Tache) -> Page:
    """Execute one notebook with papermill, then export its HTML page.

    Parameters
    ----------
    tache : Tache

    Returns
    -------
    Page

    Raises
    ------
    EchecNotebook
        A cell raised (the executed notebook is written at ``tache.sortie``).
    ErreurExecution
        The report kernel is not installed.
    """
    import papermill
    from jupyter_client.kernelspec import NoSuchKernel
    from papermill.exceptions import PapermillExecutionError

    try:
        nb = papermill.execute_notebook(
            tache.notebook,
            tache.sortie,
            parameters=tache.parametres,
            kernel_name=chemins.NOM_NOYAU,
            progress_bar=False,
            log_output=False,
            cwd=tache.cwd,
            # the kernel's own start-up warnings would clutter cron logs
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            # written once, when executed (or failed: papermill then writes it with the error
            # marked), not again at the start and end of every cell: 50 writes of a notebook
            # holding its charts cost about 1 s per report; the construction folder of a report
            # whose kernel dies is removed anyway (:func:`.production._produire`)
            request_save_on_cell_execute=False,
            **options_papermill(),  # a kernel forked by the run's kernel factory, when it runs
        )
    except PapermillExecutionError as exc:
        raise EchecNotebook(
            str(getattr(exc, "ename", type(exc).__name__)), str(getattr(exc, "evalue", exc)),
            getattr(exc, "source", "") or "", getattr(exc, "cell_index", None),
            tache.notebook, tache.sortie.rsplit("/", 1)[-1],
        ) from None
    except NoSuchKernel:
        raise ErreurExecution(
            f"noyau Jupyter « {chemins.NOM_NOYAU} » introuvable : lancez « make installer »."
        ) from None
    tableaux = tableaux_publies(nb)
    if tache.couverture_provisoire is not None:
        nb = marquer_provisoire(nb, tache.couverture_provisoire)
    return Page(html=exporter_html(nb, tache.titre), tableaux=tableaux)


def preparer_processus() -> None:
    """Import papermill and build the HTML exporter once, before workers are forked from
    this process (each worker then starts with them)."""
    import papermill  # noqa: F401

    from .export import exportateur

    exportateur()
