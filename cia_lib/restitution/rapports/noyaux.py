"""Report kernels forked from the kernel factory (:mod:`.fabrique_noyaux`) during a run.

:func:`fabrique_de_noyaux` starts the factory for the notebooks of a run and names its socket
in :data:`VARIABLE`; :func:`options_papermill` then gives papermill a kernel manager whose
kernels come from the factory instead of a new ``python -m ipykernel_launcher`` process. The
kernel is the same program with the same arguments, environment and working folder; it is
signalled, interrupted, shut down and killed like any kernel (its own process group).
Whenever the factory cannot give a kernel (not started, not ready within
:data:`DELAI_FABRIQUE_S`, stopped, another kernel command), the kernel is started the usual
way: the factory only ever saves time.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from ..environnement import variables_posees

VARIABLE = "CIA_FABRIQUE_NOYAUX"
"""Environment variable holding the factory's socket path (inherited by the run's workers)."""

VARIABLE_INTERPRETE = "CIA_FABRIQUE_NOYAUX_INTERPRETE"
"""The factory's interpreter and interpreter options (JSON list), those of the kernel spec."""

DELAI_FABRIQUE_S = 30.0
"""How long a first kernel waits for the factory to be ready (its imports) before starting the usual way."""


class ProcessusNoyau:
    """The part of :class:`subprocess.Popen` a kernel provisioner uses, for a kernel forked by
    the factory (a child of the factory, not of this process)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
            except PermissionError:  # the pid was reused by another user's process
                self.returncode = 0
            else:
                if _zombie(self.pid):
                    self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        fin = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if fin is not None and time.monotonic() > fin:
                raise subprocess.TimeoutExpired(f"noyau {self.pid}", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False


def _demander_noyau(chemin_socket: str, argv: list[str], env: dict, cwd) -> int | None:
    """Pid of a kernel forked by the factory, or None when it cannot give one."""
    fin = time.monotonic() + DELAI_FABRIQUE_S
    while not os.path.exists(chemin_socket):
        if time.monotonic() > fin or not os.path.isdir(os.path.dirname(chemin_socket)):
            return None
        time.sleep(0.05)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(10)
            client.connect(chemin_socket)
            client.sendall(json.dumps({"argv": argv, "env": env, "cwd": str(cwd) if cwd else None}).encode() + b"\n")
            reponse = b""
            while not reponse.endswith(b"\n"):
                morceau = client.recv(4096)
                if not morceau:
                    return None
                reponse += morceau
        return int(json.loads(reponse)["pid"])
    except (OSError, ValueError, KeyError):
        return None


LANCEUR = ["-m", "ipykernel_launcher"]


def _interprete(cmd: list[str]) -> tuple[list[str], list[str]] | None:
    """``(interpreter and its options, kernel arguments)`` of a kernel command
    ``python [OPTIONS] -m ipykernel_launcher ARGS``, None for any other command."""
    for i in range(1, len(cmd) - 1):
        if cmd[i:i + 2] == LANCEUR:
            return list(cmd[:i]), list(cmd[i + 2:])
    return None


def _arguments_du_lanceur(cmd: list[str], interprete: list[str]) -> list[str] | None:
    """The kernel's arguments when ``cmd`` runs ipykernel with the factory's interpreter and
    interpreter options (``interprete``), else None."""
    morceaux = _interprete(cmd)
    if morceaux is None or len(morceaux[0]) != len(interprete) or morceaux[0][1:] != interprete[1:]:
        return None
    try:
        if not os.path.samefile(morceaux[0][0], interprete[0]):
            return None
    except OSError:
        return None
    return morceaux[1]


def _classes():
    """The provisioner and kernel manager classes (jupyter_client imported only when needed)."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner

    class ProvisionneurFabrique(LocalProvisioner):
        """:class:`LocalProvisioner` whose kernel process comes from the factory."""

        async def launch_kernel(self, cmd, **kwargs):
            chemin, interprete = os.environ.get(VARIABLE), os.environ.get(VARIABLE_INTERPRETE)
            argv = _arguments_du_lanceur(cmd, json.loads(interprete)) if chemin and interprete else None
            pid = None
            if argv is not None:
                env = kwargs.get("env") or dict(os.environ)
                pid = _demander_noyau(chemin, argv, {k: str(v) for k, v in env.items()}, kwargs.get("cwd"))
            if pid is None:
                return await super().launch_kernel(cmd, **kwargs)
            self.process = ProcessusNoyau(pid)
            self.pid = self.pgid = pid
            self.cwd = kwargs.get("cwd", Path.cwd())
            return self.connection_info

    class GestionnaireNoyauFabrique(AsyncKernelManager):
        """Kernel manager giving kernels forked by the factory (papermill's ``kernel_manager_class``)."""

        async def _async_pre_start_kernel(self, **kw):
            if self.provisioner is None:
                import uuid

                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = ProvisionneurFabrique(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                                                         parent=self)
            prefixe = prefixe_ipc(os.environ.get(VARIABLE), self.kernel_id)
            if prefixe is not None and self.transport == "tcp" and not self._connection_file_written:
                self.transport, self.ip = "ipc", prefixe
            return await super()._async_pre_start_kernel(**kw)

    return ProvisionneurFabrique, GestionnaireNoyauFabrique


LONGUEUR_MAX_IPC = 100
"""Longest socket path prefix given to a kernel (its sockets add ``-N``; a Unix socket path is
at most 107 bytes on Linux)."""


def prefixe_ipc(chemin_socket: str | None, identifiant: str) -> str | None:
    """Path prefix of the Unix sockets of kernel ``identifiant``, in the factory's private folder.

    The kernels of a run talk to papermill over Unix sockets of their own (ZeroMQ ``ipc``
    transport) instead of TCP ports: a TCP port is chosen by the client, which binds port 0 and
    releases it for the kernel to bind, and two kernels starting at the same moment in two
    workers can be given the same port (« Address already in use », seen once in a 20-EPCI
    run: one EPCI's report lost). A path per kernel cannot be taken by another one. None (TCP
    kept) without a factory (or its folder), or when the path would be too long for a socket.
    """
    if not chemin_socket or not os.path.isdir(os.path.dirname(chemin_socket)):
        return None
    prefixe = os.path.join(os.path.dirname(chemin_socket), f"noyau-{identifiant}")
    return prefixe if len(prefixe.encode()) <= LONGUEUR_MAX_IPC else None


_GESTIONNAIRE = None


def options_papermill() -> dict:
    """Extra arguments of ``papermill.execute_notebook``: the factory's kernel manager when a
    factory runs for this run (:data:`VARIABLE`), else nothing."""
    global _GESTIONNAIRE
    if not os.environ.get(VARIABLE):
        return {}
    if _GESTIONNAIRE is None:
        _GESTIONNAIRE = _classes()[1]
    return {"kernel_manager_class": _GESTIONNAIRE}


def _interprete_du_noyau(nom: str) -> list[str] | None:
    """Interpreter and options of kernel spec ``nom`` (None: no such spec, or not ipykernel)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        argv = KernelSpecManager().get_kernel_spec(nom).argv
    except (NoSuchKernel, OSError, ValueError):
        return None
    morceaux = _interprete(argv)
    return None if morceaux is None else morceaux[0]


def modules_importes(notebooks) -> list[str]:
    """Modules imported by the code cells of ``notebooks`` (paths), in order, without repeats
    (``from a.b import c`` gives ``a.b``; relative imports and cells that do not parse are
    skipped: the kernel imports them itself)."""
    import ast

    import nbformat

    modules: list[str] = []
    for chemin in notebooks:
        for cellule in nbformat.read(chemin, as_version=4).cells:
            if cellule.cell_type != "code":
                continue
            try:
                arbre = ast.parse(cellule.source)
            except SyntaxError:  # IPython magics
                continue
            for noeud in ast.walk(arbre):
                if isinstance(noeud, ast.ImportFrom) and noeud.module and not noeud.level:
                    noms = [noeud.module]
                elif isinstance(noeud, ast.Import):
                    noms = [alias.name for alias in noeud.names]
                else:
                    continue
                modules.extend(n for n in noms if n not in modules)
    return modules


@contextlib.contextmanager
def fabrique_de_noyaux(actif: bool = True, notebooks=()) -> Iterator[str | None]:
    """Run the kernel factory during the ``with`` block (nothing when ``actif`` is False).

    The factory is started with the report kernel spec's interpreter and options and imports
    what ``notebooks`` import (:func:`modules_importes`) while the run prepares (on another
    core). Its socket is in a private temporary folder, removed on exit with the factory stopped.
    """
    from cia_lib.territoire import chemins

    interprete = _interprete_du_noyau(chemins.NOM_NOYAU) if actif else None
    if interprete is None or not hasattr(os, "fork") or not hasattr(socket, "AF_UNIX"):
        yield None
        return
    dossier = tempfile.mkdtemp(prefix="cia-noyaux-")
    chemin = os.path.join(dossier, "fabrique.sock")
    modules = modules_importes(sorted({str(n) for n in notebooks}))
    processus = subprocess.Popen([*interprete, "-m", "cia_lib.restitution.rapports.fabrique_noyaux", chemin, *modules],
                                 stdin=subprocess.DEVNULL)
    try:
        with variables_posees(**{VARIABLE: chemin, VARIABLE_INTERPRETE: json.dumps(interprete)}):
            yield chemin
    finally:
        processus.terminate()
        try:
            processus.wait(timeout=10)
        except subprocess.TimeoutExpired:
            processus.kill()
            processus.wait()
        from .fabrique_noyaux import nettoyer

        nettoyer(chemin)
