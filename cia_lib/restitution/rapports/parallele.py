"""Running the notebooks of a report run in a pool of worker processes.

Every notebook of a run (periods, pages of a bilan, EPCIs of a multi-EPCI file) is one
:class:`~.execution.Tache`; :class:`Repartition` executes them, in order, either in this
process (one worker) or in a pool of processes forked from it (papermill and the HTML
exporter are imported once, before the fork, so that each worker starts with them). The
runner asks for the pages of one report at a time, in the order of the plans: it publishes
a report as soon as its pages are ready and stops at the first failure exactly as the
sequential run does (tasks not yet started are cancelled).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from cia_lib.erreurs import ErreurParametre

from .execution import ErreurExecution, Page, Tache, executer_tache, preparer_processus
from .registre import rang_d_execution


def coeurs_utilisables() -> int:
    """Number of cores this process may run on (``os.sched_getaffinity``, else ``os.cpu_count``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not available on every system
        return max(1, os.cpu_count() or 1)


def verifier_parallele(parallele) -> int:
    """Return the number of workers if it is a positive integer, else raise a French error.

    Raises
    ------
    ErreurParametre
    """
    if isinstance(parallele, bool) or not isinstance(parallele, int) or parallele < 1:
        raise ErreurParametre(
            f"nombre d'exécutions en parallèle invalide : {parallele!r} (entier ≥ 1 attendu ; "
            f"{coeurs_utilisables()} cœur(s) utilisable(s) ici)."
        )
    return parallele


def nombre_de_processus(parallele: int, taches: int) -> int:
    """Workers actually started: never more than the notebooks to run (1 = this process)."""
    return max(1, min(verifier_parallele(parallele), taches))


def _rang(tache: Tache) -> int:
    return rang_d_execution(os.path.splitext(os.path.basename(str(tache.notebook)))[0])


def _contexte_processus():
    methodes = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methodes else "spawn")


class Repartition:
    """The notebooks of a run, grouped by report, executed by ``parallele`` workers.

    Use as a context manager; with more than one worker the pool is started (and every task
    submitted) on entry, so enter it before starting any thread (the progress bar).

    Parameters
    ----------
    lots : list of list of Tache
        The notebooks of each report, in the order of the run.
    parallele : int
        Number of workers (1: in this process, one notebook after the other).
    """

    def __init__(self, lots: list[list[Tache]], parallele: int = 1):
        self.lots = lots
        self.processus = nombre_de_processus(parallele, sum(len(lot) for lot in lots))
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list[list[Future]] = []
        self._en_cours: dict[Future, Tache] = {}
        self.barre = None

    def __enter__(self) -> Repartition:
        if self.processus > 1:
            preparer_processus()
            self._pool = ProcessPoolExecutor(self.processus, mp_context=_contexte_processus())
            # the longest notebooks of the whole run start first (rang_d_execution), the others in
            # the order of the run; each report keeps its pages in reading order
            self._futures = [[None] * len(lot) for lot in self.lots]
            ordre = sorted(((r, i) for r, lot in enumerate(self.lots) for i in range(len(lot))),
                           key=lambda ri: (_rang(self.lots[ri[0]][ri[1]]), ri))
            for r, i in ordre:
                future = self._pool.submit(executer_tache, self.lots[r][i])
                self._futures[r][i] = future
                self._en_cours[future] = self.lots[r][i]
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _avancer(self, tache: Tache) -> None:
        if self.barre is not None:
            self.barre.set_postfix_str(tache.libelle)
            self.barre.update(1)

    def _attendre(self, futures: list[Future]) -> None:
        """Wait until ``futures`` are done, moving the bar for every notebook that ends."""
        while any(not f.done() for f in futures):
            fini, _ = wait(list(self._en_cours), return_when=FIRST_COMPLETED)
            for f in fini:
                self._avancer(self._en_cours.pop(f))
        for f in futures:
            if f in self._en_cours:
                self._avancer(self._en_cours.pop(f))

    def pages(self, rang: int) -> list[Page]:
        """Pages of report ``rang``, in the order of its notebooks.

        Raises
        ------
        EchecNotebook
            The first of its notebooks that failed (the later ones are not executed in a
            one-worker run).
        """
        if self._pool is None:
            pages = []
            for tache in self.lots[rang]:
                if self.barre is not None:
                    self.barre.set_postfix_str(tache.libelle)
                pages.append(executer_tache(tache))
                if self.barre is not None:
                    self.barre.update(1)
            return pages
        futures = self._futures[rang]
        try:
            self._attendre(futures)
            return [f.result() for f in futures]
        except BrokenProcessPool:
            raise ErreurExecution(
                "un processus d'exécution des notebooks s'est arrêté brutalement (mémoire insuffisante ?) ; "
                "relancez avec « --parallele 1 »."
            ) from None
