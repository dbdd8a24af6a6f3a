"""What makes a run of reports faster changes nothing in them: the kernel factory (kernels forked
from a process that has already imported what notebooks import) and the publication computed
once per run and read by the other pages."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest
from conftest import ANNEE

from cia_lib.calculs.periodes import periode_cumul
from cia_lib.restitution import partage_publications as partage
from cia_lib.restitution.contexte import Contexte
from cia_lib.restitution.rapports import noyaux

# --- the kernel factory -----------------------------------------------------------------------


def test_commande_du_noyau_reconnue():
    cmd = [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    assert noyaux._interprete(cmd) == ([sys.executable, "-Xfrozen_modules=off"], ["-f", "{connection_file}"])
    assert noyaux._interprete(["python", "-m", "autre", "-f", "x"]) is None
    assert noyaux._arguments_du_lanceur(cmd, [sys.executable, "-Xfrozen_modules=off"]) == ["-f", "{connection_file}"]
    # another interpreter option, another interpreter: not the factory's kernel
    assert noyaux._arguments_du_lanceur(cmd, [sys.executable]) is None
    assert noyaux._arguments_du_lanceur(["/bin/sh", *cmd[1:]], [sys.executable, "-Xfrozen_modules=off"]) is None


def test_sockets_des_noyaux_dans_le_dossier_de_la_fabrique(tmp_path):
    socket_fabrique = str(tmp_path / "fabrique.sock")
    assert noyaux.prefixe_ipc(socket_fabrique, "abc") == str(tmp_path / "noyau-abc")
    assert noyaux.prefixe_ipc(None, "abc") is None  # no factory: TCP
    assert noyaux.prefixe_ipc(str(tmp_path / "parti" / "fabrique.sock"), "abc") is None  # its folder is gone
    profond = tmp_path / ("d" * (noyaux.LONGUEUR_MAX_IPC - len(str(tmp_path)) - len("/") - len("/noyau-xxxx")))
    profond.mkdir()
    assert noyaux.prefixe_ipc(str(profond / "fabrique.sock"), "x" * 4) == str(profond / "noyau-xxxx")  # exactly the longest
    assert noyaux.prefixe_ipc(str(profond / "fabrique.sock"), "x" * 6) is None  # over a socket path's length


def test_modules_importes_par_les_notebooks(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os, json\nfrom cia_lib.restitution.contexte import ouvrir_contexte"),
                nbformat.v4.new_markdown_cell("import faux"),
                nbformat.v4.new_code_cell("%matplotlib inline\nimport nulle_part"),  # magics: skipped
                nbformat.v4.new_code_cell("def f():\n    import pandas\nfrom . import relatif\nimport os")]
    nbformat.write(nb, tmp_path / "a.ipynb")
    assert noyaux.modules_importes([tmp_path / "a.ipynb"]) == ["os", "json", "cia_lib.restitution.contexte", "pandas"]


def test_prechargement_sans_pyplot():
    """The factory imports what the notebooks import, except what imports matplotlib.pyplot
    (left to the kernel, which then sets its backend as a new kernel does)."""
    code = ("import sys\n"
            "from cia_lib.restitution.rapports.fabrique_noyaux import precharger\n"
            "laisses = precharger(['cia_lib.restitution.graphiques', 'cia_lib.restitution.contexte', 'module_absent'])\n"
            "print(laisses, 'matplotlib.pyplot' in sys.modules, 'cia_lib.restitution.contexte' in sys.modules,\n"
            "      'cia_lib.restitution.presentation' in sys.modules, sys.modules.get('matplotlib.pyplot', 0))\n")
    sortie = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert sortie == "['cia_lib.restitution.graphiques', 'module_absent'] False True True 0"


def test_processus_d_un_noyau_suivi_et_arrete():
    enfant = subprocess.Popen(["sleep", "30"])
    suivi = noyaux.ProcessusNoyau(enfant.pid)
    assert suivi.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        suivi.wait(timeout=0.1)
    suivi.send_signal(signal.SIGKILL)
    assert suivi.wait(timeout=5) == 0  # a zombie (not reaped by the factory here) counts as ended
    enfant.wait()
    suivi.kill()  # already ended: nothing happens


CELLULE_SONDE = """import json, os, sys
import matplotlib.pyplot as plt
from ipykernel.connect import get_connection_info
fig, ax = plt.subplots()
ax.plot([1, 2, 3])
print(os.getppid(), "pandas" in sys.modules, plt.get_backend(), json.loads(get_connection_info())["transport"])"""


def _executer(chemin, sortie):
    import papermill

    from cia_lib.territoire import chemins

    return papermill.execute_notebook(str(chemin), str(sortie), kernel_name=chemins.NOM_NOYAU, progress_bar=False,
                                      extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
                                      **noyaux.options_papermill())


@pytest.fixture(scope="module")
def sonde(tmp_path_factory):
    dossier = tmp_path_factory.mktemp("sonde")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(CELLULE_SONDE)]
    nbformat.write(nb, dossier / "sonde.ipynb")
    return dossier / "sonde.ipynb"


def _sortie(nb):
    texte = next(o["text"] for o in nb.cells[0].outputs if o.get("name") == "stdout").split()
    images = [o for o in nb.cells[0].outputs if "image/png" in o.get("data", {})]
    return int(texte[0]), texte[1] == "True", texte[2], len(images), texte[3]


@pytest.mark.lent
def test_noyau_de_la_fabrique_comme_un_noyau_neuf(sonde, tmp_path):
    ppid, pandas_charge, backend, images, transport = _sortie(_executer(sonde, tmp_path / "neuf.ipynb"))
    assert ppid == os.getpid() and not pandas_charge and transport == "tcp"
    with noyaux.fabrique_de_noyaux() as socket_fabrique:
        assert socket_fabrique is not None
        fabrique = [_sortie(_executer(sonde, tmp_path / f"f{i}.ipynb")) for i in range(2)]
    for ppid_f, pandas_f, backend_f, images_f, transport_f in fabrique:
        assert ppid_f != os.getpid()  # forked by the factory…
        assert pandas_f  # …which had imported pandas
        # …talking over Unix sockets of its own (no TCP port two starting kernels could both be given)
        assert transport_f == "ipc"
        # …and matplotlib behaves as in a new kernel: inline backend, the open figure is shown
        assert (backend_f, images_f) == (backend, images) == ("module://matplotlib_inline.backend_inline", 1)
    assert fabrique[0][0] == fabrique[1][0]  # one factory for the run
    assert not os.path.exists(socket_fabrique) and noyaux.VARIABLE not in os.environ


@pytest.mark.lent
def test_fabrique_absente_noyau_ordinaire(sonde, tmp_path, monkeypatch):
    """A factory that is gone (or never ready) only costs the wait: the kernel starts the usual way."""
    monkeypatch.setattr(noyaux, "DELAI_FABRIQUE_S", 0.2)
    monkeypatch.setenv(noyaux.VARIABLE, str(tmp_path / "absente" / "fabrique.sock"))
    monkeypatch.setenv(noyaux.VARIABLE_INTERPRETE, "[]")
    ppid, pandas_charge, _, _, transport = _sortie(_executer(sonde, tmp_path / "s.ipynb"))
    assert ppid == os.getpid() and not pandas_charge and transport == "tcp"  # no folder for its sockets


@pytest.mark.lent
def test_noyau_mort_signale(tmp_path):
    import papermill
    from nbclient.exceptions import DeadKernelError

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os\nos._exit(3)")]
    nbformat.write(nb, tmp_path / "mort.ipynb")
    with noyaux.fabrique_de_noyaux(), pytest.raises((DeadKernelError, papermill.PapermillExecutionError, RuntimeError)):
        _executer(tmp_path / "mort.ipynb", tmp_path / "mort_sortie.ipynb")


@pytest.mark.lent
def test_notebook_ecrit_une_fois(tmp_path, monkeypatch):
    """The executed notebook is written once, not at the start and end of every cell (papermill's
    default: 2 writes per cell of a notebook that holds its charts)."""
    import papermill.iorw

    from cia_lib.restitution.rapports.execution import Tache, executer_tache

    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "cia-atelier", "language": "python",
                                                           "display_name": "Python (atelier CIA)"}})
    nb.cells = [nbformat.v4.new_code_cell("n = 1", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_markdown_cell("# Titre"),
                *[nbformat.v4.new_code_cell(f"print(n + {i})") for i in range(4)]]
    nbformat.write(nb, tmp_path / "court.ipynb")
    ecritures = []
    ecrire = papermill.iorw.papermill_io.write
    monkeypatch.setattr(papermill.iorw.papermill_io, "write",
                        lambda contenu, chemin, *a, **k: (ecritures.append(chemin), ecrire(contenu, chemin, *a, **k))[1])
    page = executer_tache(Tache(str(tmp_path / "court.ipynb"), str(tmp_path / "sortie.ipynb"), {"n": 10},
                                str(tmp_path), "Court"))
    assert ecritures == [str(tmp_path / "sortie.ipynb")]
    execute = nbformat.read(tmp_path / "sortie.ipynb", as_version=4)
    assert [c.outputs[0]["text"] for c in execute.cells[3:]] == ["10\n", "11\n", "12\n", "13\n"]  # whole, parameters injected
    assert "13" in page.html


def test_fabrique_s_arrete_avec_son_parent(tmp_path):
    """Killed run: the factory notices its parent is gone and ends (no process left behind)."""
    script = ("import sys, time\n"
              "from cia_lib.restitution.rapports.noyaux import fabrique_de_noyaux\n"
              "with fabrique_de_noyaux() as s:\n"
              "    print(s, flush=True)\n"
              "    time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    chemin = parent.stdout.readline().strip()
    fin = time.monotonic() + 30
    while not os.path.exists(chemin) and time.monotonic() < fin:
        time.sleep(0.1)
    assert os.path.exists(chemin)
    fabriques = _fabriques(chemin)
    assert len(fabriques) == 1
    parent.kill()
    parent.wait()
    fin = time.monotonic() + 10
    while (_fabriques(chemin) or os.path.exists(os.path.dirname(chemin))) and time.monotonic() < fin:
        time.sleep(0.2)
    assert not _fabriques(chemin)
    assert not os.path.exists(os.path.dirname(chemin))  # its socket and folder removed too


def _fabriques(chemin_socket: str) -> list[int]:
    pids = []
    for nom in os.listdir("/proc"):
        if nom.isdigit():
            with contextlib.suppress(OSError):
                with open(f"/proc/{nom}/cmdline", "rb") as f:
                    ligne = f.read().split(b"\0")
                if b"cia_lib.restitution.rapports.fabrique_noyaux" in ligne and chemin_socket.encode() in ligne:
                    pids.append(int(nom))
    return pids


# --- the publication shared by the pages of a run ------------------------------------------------------


def _ctx(territoire, donnees, mode="diffusion", annee=ANNEE):
    return Contexte(territoire=territoire, donnees=donnees, periode=periode_cumul(annee, 4), mode=mode, trimestre=4)


def test_empreinte_du_contenu(territoire, donnees_exemple):
    base = partage.empreinte_contexte("bilan", _ctx(territoire, donnees_exemple))
    copie = dataclasses.replace(donnees_exemple, attributions=donnees_exemple.attributions.copy())
    assert partage.empreinte_contexte("bilan", _ctx(territoire, copie)) == base
    # one cell of one table, the mode, the period, the territory, the kind of publication: another key
    autre = donnees_exemple.attributions.copy()
    autre.loc[autre.index[0], "bailleur"] = "Autre bailleur"
    assert partage.empreinte_contexte("bilan", _ctx(territoire, dataclasses.replace(donnees_exemple, attributions=autre))) != base
    assert partage.empreinte_contexte("bilan", _ctx(territoire, donnees_exemple, "analyste")) != base
    assert partage.empreinte_contexte("bilan", _ctx(territoire, donnees_exemple, annee=ANNEE - 1)) != base
    assert partage.empreinte_contexte("bilan", _ctx(dataclasses.replace(territoire, seuil_secret=11), donnees_exemple)) != base
    assert partage.empreinte_contexte("autre", _ctx(territoire, donnees_exemple)) != base


def test_publication_calculee_une_fois_par_execution(territoire, donnees_exemple, tmp_path, monkeypatch):
    from cia_lib.restitution.publication import _calculer_publication_bilan, publication_bilan

    ctx = _ctx(territoire, donnees_exemple)
    directe = _calculer_publication_bilan(ctx)
    appels = []

    def calculer():
        appels.append(1)
        return _calculer_publication_bilan(ctx)

    # outside a run: computed each time, nothing written
    monkeypatch.delenv(partage.VARIABLE, raising=False)
    partage.publication_partagee("bilan", ctx, calculer)
    partage.publication_partagee("bilan", ctx, calculer)
    assert len(appels) == 2
    with partage.partager_publications(tmp_path / "pub") as dossier:
        premiere = partage.publication_partagee("bilan", ctx, calculer)
        seconde = partage.publication_partagee("bilan", ctx, calculer)
        assert len(appels) == 3 and len(list(dossier.glob("*.pickle"))) == 1
        assert oct(dossier.stat().st_mode & 0o777) == "0o700"
        # the other pages of a run: another process reads the same publication
        lue = subprocess.run([sys.executable, "-c", (
            "import pickle, sys\n"
            "from cia_lib.restitution.partage_publications import VARIABLE\n"
            "import os, glob\n"
            "(f,) = glob.glob(os.path.join(os.environ[VARIABLE], '*.pickle'))\n"
            "p = pickle.load(open(f, 'rb'))\n"
            "print(len(p.masques), p.ctx is None)\n")], capture_output=True, text=True, check=True).stdout.split()
        assert lue == [str(len(directe.masques)), "True"]
        # a page's additions stay its own
        seconde.resultats["ajout"] = None
        assert "ajout" not in partage.publication_partagee("bilan", ctx, calculer).resultats
        assert publication_bilan(ctx).masques == directe.masques
    assert partage.VARIABLE not in os.environ
    for pub in (premiere, seconde):
        assert pub.masques == directe.masques and pub.ctx is ctx
        for nom, tableau in directe.resultats.items():
            assert pub.resultats[nom].equals(tableau), nom


@pytest.mark.lent
def test_bilan_identique_sans_acceleration(rapports_produits, tmp_path, monkeypatch):
    """The shared run (kernel factory, shared publication) and a run without either give the same
    bilan, byte for byte."""
    from cia_lib.restitution import partage_publications
    from cia_lib.restitution.rapports import planifier, produire_rapports

    @contextlib.contextmanager
    def rien(*_a, **_k):
        yield None

    monkeypatch.setattr(noyaux, "fabrique_de_noyaux", rien)
    monkeypatch.setattr(partage_publications, "partager_publications", rien)
    (resultat,) = produire_rapports([planifier("bilan", ANNEE, 4, None, rapports_produits["donnees"])], tmp_path,
                                    barre=False)
    reference = next(r for r in rapports_produits["resultats"] if r.rapport == "bilan")
    fichiers = sorted(p.name for p in reference.dossier.iterdir() if p.suffix in (".html", ".xlsx"))
    assert len(fichiers) >= 7
    for nom in fichiers:
        assert (resultat.dossier / nom).read_bytes() == (reference.dossier / nom).read_bytes(), nom
