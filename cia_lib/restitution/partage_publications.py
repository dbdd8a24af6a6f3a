"""One computation of a report's publication for all the pages of a run.

Every notebook of a bilan (``bilan_annuel``, ``cartes``, ``residences_sensibles``, the fiches)
opens the same publication (:func:`cia_lib.restitution.publication.publication_bilan`): same
tables, same complementary suppressions. Choosing those suppressions (linear programmes) is
the costliest step of a page, and each page paid it again. During a report run
(:func:`partager_publications`, used by the runner) the first page that needs a publication
computes it and leaves a copy in a folder private to the run; the other pages of the run
read it.

A copy is found by the **content** of what the publication is computed from — every table
of the context (hashed row by row), the territory, the period, the mode — and by the code's
version, never by a path or a date: a page whose data differ in any way computes its own. So
a page reads either what it would have computed, or nothing. Outside a run (a notebook
opened in JupyterLab), nothing is shared and nothing is written.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from .environnement import variables_posees

VARIABLE = "CIA_PUBLICATIONS_PARTAGEES"
"""Environment variable naming the run's shared folder (inherited by the report kernels)."""


def _empreinte_table(h, nom: str, table: pd.DataFrame | None) -> None:
    h.update(nom.encode())
    if table is None:
        h.update(b"<aucune>")
        return
    h.update(repr([(str(c), str(t)) for c, t in table.dtypes.items()]).encode())
    h.update(str(len(table)).encode())
    h.update(pd.util.hash_pandas_object(table, index=True).to_numpy().tobytes())


def empreinte_contexte(nature: str, ctx) -> str:
    """SHA-256 of everything a publication of ``nature`` is computed from.

    Parameters
    ----------
    nature : str
        Which publication (``"bilan"``…).
    ctx : cia_lib.restitution.contexte.Contexte

    Returns
    -------
    str
        Hexadecimal digest: equal for two contexts only when their tables (row by row, with
        dtypes and index), territory, period and mode are equal, under the same code version.
    """
    from cia_lib import __version__

    h = hashlib.sha256()
    h.update(f"{nature}|{__version__}|{ctx.mode}|{ctx.trimestre}|{ctx.periode!r}|{ctx.territoire!r}".encode())
    donnees = ctx.donnees
    for nom in ("attributions", "demandes", "residences", "ops", "conventions_flux"):
        _empreinte_table(h, nom, getattr(donnees, nom, None))
    h.update(json.dumps(donnees.rapport_import, sort_keys=True, default=str).encode())
    return h.hexdigest()


def publication_partagee(nature: str, ctx, calculer: Callable[[], object]):
    """The publication ``calculer()`` would return, computed once per run and per content.

    Parameters
    ----------
    nature : str
        Which publication (part of the key).
    ctx : Contexte
        Its content is the key (:func:`empreinte_contexte`); it is attached to the copy read.
    calculer : callable
        Computes the publication (called when sharing is off or no copy exists yet).

    Returns
    -------
    Publication
        A private copy: a page may add its own tables to it without touching the others'.
    """
    dossier = os.environ.get(VARIABLE)
    if not dossier or not Path(dossier).is_dir():
        return calculer()
    cle = empreinte_contexte(nature, ctx)
    fichier = Path(dossier) / f"{nature}-{cle}.pickle"
    with open(Path(dossier) / f"{nature}-{cle}.verrou", "w") as verrou:
        # pages running at the same time: the first computes, the others wait for its copy
        fcntl.flock(verrou, fcntl.LOCK_EX)
        if fichier.exists():
            publication = pickle.loads(fichier.read_bytes())
            publication.ctx = ctx
            return publication
        publication = calculer()
        contexte, publication.ctx = publication.ctx, None  # the tables stay with the page
        try:
            with tempfile.NamedTemporaryFile(dir=dossier, delete=False, suffix=".tmp") as tmp:
                pickle.dump(publication, tmp, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp.name, fichier)
        finally:
            publication.ctx = contexte
        return publication


@contextlib.contextmanager
def partager_publications(dossier: Path) -> Iterator[Path]:
    """Share publications between the report kernels started inside the ``with`` block.

    Creates ``dossier`` (readable by the run's user only) and points :data:`VARIABLE` at it;
    the variable is restored on exit. The caller removes ``dossier`` with the run's other
    temporary files.
    """
    dossier = Path(dossier)
    dossier.mkdir(parents=True, exist_ok=True, mode=0o700)
    with variables_posees(**{VARIABLE: str(dossier)}):
        yield dossier
