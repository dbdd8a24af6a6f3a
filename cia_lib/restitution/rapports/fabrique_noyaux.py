"""The kernel factory: a process that has already imported what report kernels import, and
forks a new kernel from itself on request.

A report kernel started the usual way is a new Python process that imports ipykernel, then
(in the notebook's first cells) pandas, pyarrow, matplotlib and ``cia_lib``: about 1.5 s of
processor per notebook on this machine, paid again by each of the notebooks of a run (415
EPCIs, the seven pages of a bilan). The factory pays it once: started at the beginning of a
run (:mod:`.noyaux`), it imports those modules, then listens on a Unix socket; for each
request it forks a child that becomes the kernel, exactly as ``python -m ipykernel_launcher``
would (same arguments, environment and working folder, its own session and process group),
and answers with its pid.

What is imported here is what the run's notebooks import (found in their cells by the runner)
and ipykernel, chosen so that a forked kernel behaves like a new one: ``matplotlib.pyplot`` is
**not** imported, nor any module that imports it (pyplot chooses its backend and hooks into
IPython when it is first imported, in the kernel), and no IPython shell is created before the
fork.

Run as ``python -m cia_lib.restitution.rapports.fabrique_noyaux SOCKET [MODULE ...]``; it stops
when its parent process ends or when it receives SIGTERM.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import sys

MODULES_DE_BASE = (
    "ipykernel.kernelapp",
    "IPython.display",
    "numpy",
    "pandas",
    "pyarrow",
    "pyarrow.parquet",
    "matplotlib",
    "matplotlib.figure",
    "matplotlib.backend_bases",
    "matplotlib.backends.backend_agg",
    "matplotlib.ticker",
)
"""Imported by every kernel of a report (ipykernel itself, and matplotlib without ``pyplot``)."""

MODULE_INTERDIT = "matplotlib.pyplot"

DELAI_PARENT_S = 1.0
"""How often the factory checks that the process that started it is still there."""


def precharger(modules=()) -> list[str]:
    """Import :data:`MODULES_DE_BASE` and ``modules`` (those the run's notebooks import) as a new
    kernel would, before any fork; return the modules left out.

    A module that imports ``matplotlib.pyplot`` (directly or not) is left out, to be imported by
    the kernel itself: ``pyplot`` is blocked while importing, so such a module fails to import
    here and leaves nothing behind but the pyplot-free modules it needed.
    """
    # what ipykernel sets before the notebook imports matplotlib (unless the user chose a backend)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    laisses = []
    sys.modules[MODULE_INTERDIT] = None  # ``import matplotlib.pyplot`` raises ImportError
    try:
        for nom in (*MODULES_DE_BASE, *modules):
            try:
                importlib.import_module(nom)
            except Exception:  # noqa: BLE001 — left to the kernel, which reports its own errors
                laisses.append(nom)
    finally:
        del sys.modules[MODULE_INTERDIT]
    return laisses


def _devenir_noyau(demande: dict) -> None:
    """In the forked child: become ``python -m ipykernel_launcher ARGV`` (never returns)."""
    code = 1
    try:
        os.setsid()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.environ.clear()
        os.environ.update(demande["env"])
        os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        import matplotlib

        matplotlib.rcParams["backend"] = os.environ["MPLBACKEND"]
        if demande.get("cwd"):
            os.chdir(demande["cwd"])
        sys.path[0] = os.getcwd()  # as ``python -m`` would set it
        nul = os.open(os.devnull, os.O_RDONLY)
        os.dup2(nul, 0)
        os.close(nul)
        sys.argv = ["ipykernel_launcher", *demande["argv"]]
        from ipykernel.kernelapp import IPKernelApp

        application = IPKernelApp.instance()
        application.initialize(demande["argv"])
        application.start()
        code = 0
    except SystemExit as fin:
        code = fin.code if isinstance(fin.code, int) else 0
    except BaseException as exc:  # noqa: BLE001 — reported, then the child ends
        print(f"noyau préchauffé : échec du démarrage ({type(exc).__name__} : {exc})", file=sys.stderr)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def servir(chemin_socket: str) -> None:
    """Listen on ``chemin_socket``: one JSON request per connection (``argv``, ``env``,
    ``cwd``), answered with ``{"pid": …}`` once the kernel is forked."""
    parent = os.getppid()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped automatically
    serveur = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    provisoire = f"{chemin_socket}.{os.getpid()}"
    serveur.bind(provisoire)
    os.chmod(provisoire, 0o600)
    serveur.listen(16)
    os.rename(provisoire, chemin_socket)  # the socket appears only once the factory is ready
    serveur.settimeout(DELAI_PARENT_S)
    while os.getppid() == parent:
        try:
            connexion, _ = serveur.accept()
        except TimeoutError:
            continue
        with connexion:
            connexion.settimeout(10)
            try:
                tampon = b""
                while not tampon.endswith(b"\n"):
                    morceau = connexion.recv(65536)
                    if not morceau:
                        break
                    tampon += morceau
                demande = json.loads(tampon)
            except (OSError, ValueError):
                continue
            pid = os.fork()
            if pid == 0:
                serveur.close()
                connexion.close()
                _devenir_noyau(demande)
            connexion.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def nettoyer(chemin_socket: str) -> None:
    """Remove the socket and its private folder (``cia-noyaux-…``), whoever ends first: the
    factory on its way out (its command may have been killed) or the command."""
    import contextlib

    dossier = os.path.dirname(chemin_socket)
    with contextlib.suppress(OSError):
        for nom in os.listdir(dossier):
            os.unlink(os.path.join(dossier, nom))
    with contextlib.suppress(OSError):
        os.rmdir(dossier)


def main(argv: list[str] | None = None) -> int:
    """``fabrique_noyaux SOCKET [MODULE ...]``."""
    argv = sys.argv[1:] if argv is None else argv
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    pid = os.getpid()
    try:
        precharger(argv[1:])
        servir(argv[0])
    finally:
        if os.getpid() == pid:  # not in a forked kernel
            nettoyer(argv[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
