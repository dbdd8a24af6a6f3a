"""Producing a report: validate, execute the notebooks (papermill), export, write atomically.

All the notebooks of a run are executed from this one Python process through papermill's
API and exported through nbconvert's API; both are imported lazily, once. A report is built
in a temporary folder beside its final place and renamed into place only when every
notebook succeeded: a failed run never replaces a good report; its executed notebooks are
kept under ``reports/echec/<période>/`` for diagnosis.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from cia_lib.calculs.periodes import dernier_trimestre_clos, fin_trimestre, verifier_trimestre
from cia_lib.erreurs import ErreurCIA, ErreurFichier, ErreurParametre
from cia_lib.restitution.contexte import verifier_mode
from cia_lib.territoire import chemins
from cia_lib.territoire.config import charger_territoire

from . import registre
from .excel import ecrire_classeur, tableaux_publies
from .export import exporter_html
from .index import TITRES_NOTEBOOKS, rafraichir_index
from .manifeste import construire_manifeste, ecrire_manifeste
from .parametres import lire_parametres_texte, parametres_declares, valider_parametres

BUDGET_HTML_OCTETS = 5 * 1024 * 1024
"""Size budget of one report page (the bilan is shared by e-mail)."""


class ErreurExecution(ErreurCIA):
    """A notebook cell failed: the message names the notebook and the cell. Exit code 1."""

    code_sortie = 1


class ErreurVerrou(ErreurCIA):
    """Another report run holds the lock. Exit code 3."""

    code_sortie = 3


@dataclass
class ResultatRapport:
    """What one report produced."""

    rapport: str
    dossier: Path
    pages: list[Path] = field(default_factory=list)
    classeur: Path | None = None
    manifeste: Path | None = None


@contextlib.contextmanager
def verrouiller(dossier_rapports: Path):
    """Hold ``reports/.verrou`` for the duration of a run; refuse a second concurrent run.

    Raises
    ------
    ErreurVerrou
        When another run holds the lock.
    """
    from filelock import FileLock, Timeout

    dossier_rapports = Path(dossier_rapports)
    dossier_rapports.mkdir(parents=True, exist_ok=True)
    chemin = dossier_rapports / registre.FICHIER_VERROU
    verrou = FileLock(str(chemin), timeout=0)
    try:
        verrou.acquire()
    except Timeout:
        raise ErreurVerrou(
            f"une production de rapports est déjà en cours (verrou {chemin}) ; "
            "réessayez quand elle sera terminée."
        ) from None
    try:
        yield
    finally:
        verrou.release()


def _verifier_donnees(donnees: Path) -> None:
    if not Path(donnees).is_dir():
        raise ErreurFichier(donnees, "dossier de données traitées introuvable ; lancez d'abord « cia importer ».")
    if not (Path(donnees) / "attributions.parquet").exists():
        raise ErreurFichier(
            Path(donnees) / "attributions.parquet", "table traitée introuvable ; lancez d'abord « cia importer »."
        )


@dataclass
class Plan:
    """A validated report ready to run."""

    type: registre.TypeRapport
    annee: int
    trimestre: int
    periode: str
    titre: str
    notebooks: list[Path]
    parametres: dict
    par_notebook: dict[str, dict]
    donnees: Path
    prefixe: str = ""
    """Sub-folder of ``reports/`` (an EPCI's SIREN or the comparison folder in a multi-EPCI
    run; empty for a single-EPCI run)."""
    epci: dict | None = None
    """``{"siren", "nom"}`` of the EPCI in a multi-EPCI run (written in the manifest)."""


def planifier(
    rapport: str,
    annee: int,
    trimestre: int | None = None,
    mode: str | None = None,
    donnees=chemins.TRAITEES,
    territoire=None,
    dossier_notebooks=chemins.NOTEBOOKS,
    parametres_texte: list[str] | None = None,
) -> Plan:
    """Validate everything a report needs before starting any kernel.

    Parameters
    ----------
    rapport : {"trimestriel", "bilan"}
    annee : int
    trimestre : int, optional
        Quarter (4 for the bilan, which ignores any other value).
    mode : {"analyste", "diffusion"}, optional
        Default: the report's (``diffusion`` for every report; ``analyste`` only when asked).
    donnees, territoire, dossier_notebooks : path-like
    parametres_texte : list of str, optional
        Extra ``nom=valeur`` parameters (converted to each notebook's declared type).

    Returns
    -------
    Plan

    Raises
    ------
    ErreurParametre, ErreurFichier, ErreurConfiguration
    """
    genre = registre.type_rapport(rapport)
    if isinstance(annee, bool) or not isinstance(annee, int):
        raise ErreurParametre(f"année invalide : {annee!r} (entier attendu).")
    trimestre = 4 if genre.nom == "bilan" else trimestre
    if trimestre is None or isinstance(trimestre, bool) or not isinstance(trimestre, int):
        raise ErreurParametre(f"trimestre invalide : {trimestre!r} (1, 2, 3 ou 4 attendu).")
    verifier_trimestre(trimestre)
    mode = verifier_mode(mode or genre.mode_defaut)
    donnees = Path(donnees).resolve()
    _verifier_donnees(donnees)
    fichier_territoire = chemins.chemin_territoire(territoire).resolve()
    terr = charger_territoire(fichier_territoire)
    notebooks = registre.notebooks_du_rapport(genre, Path(dossier_notebooks))
    standard = {
        "donnees": str(donnees),
        "territoire": str(fichier_territoire),
        "annee": int(annee),
        "trimestre": int(trimestre),
        "mode": mode,
    }
    declares = {nb.stem: parametres_declares(nb) for nb in notebooks}
    supplementaires: dict[str, dict] = {nb.stem: {} for nb in notebooks}
    for texte in parametres_texte or []:
        nom = texte.partition("=")[0].strip()
        cibles = [n for n, d in declares.items() if nom in d]
        if not cibles:
            tous = sorted(set().union(*declares.values()))
            raise ErreurParametre(f"paramètre inconnu : « {nom} » (paramètres acceptés : {', '.join(tous)}).")
        for n in cibles:
            supplementaires[n].update(lire_parametres_texte([texte], declares[n]))
    par_notebook = {}
    for nb in notebooks:
        valeurs = {**standard, **supplementaires[nb.stem]}
        par_notebook[nb.stem] = valider_parametres(valeurs, declares[nb.stem], nb.name)
    titre = genre.titre.format(annee=annee, trimestre=trimestre) + f" — {terr.nom_court}"
    return Plan(
        type=genre,
        annee=int(annee),
        trimestre=int(trimestre),
        periode=registre.nom_dossier(genre.nom, annee, trimestre),
        titre=titre,
        notebooks=notebooks,
        parametres=standard,
        par_notebook=par_notebook,
        donnees=donnees,
    )


def planifier_multi(
    rapport: str,
    annee: int,
    trimestre: int | None = None,
    mode: str | None = None,
    donnees=chemins.TRAITEES,
    territoire=None,
    dossier_notebooks=chemins.NOTEBOOKS,
    parametres_texte: list[str] | None = None,
    sortie=chemins.RAPPORTS,
) -> list[Plan]:
    """Plans of a multi-EPCI run: the report for each EPCI, then the comparison across EPCIs.

    Each EPCI's notebooks receive a single-EPCI territory file written to
    ``sortie/<SIREN>/territoire.yaml`` (:func:`cia_lib.territoire.multi_epci.ecrire_territoire_epci`)
    and the shared processed folder (restricted to the EPCI's communes by
    :func:`cia_lib.restitution.contexte.ouvrir_contexte`); their report goes to
    ``sortie/<SIREN>/<période>/``. The comparison (notebook ``comparaison_epci``, which
    receives the multi-EPCI file) goes to ``sortie/comparaison-epci/<période>/``.

    Parameters
    ----------
    rapport, annee, trimestre, mode, donnees, dossier_notebooks, parametres_texte
        As for :func:`planifier`.
    territoire : path-like
        Multi-EPCI territory file (``epcis:`` or ``departement:``).
    sortie : path-like
        Reports folder (where the per-EPCI territory files are written).

    Returns
    -------
    list of Plan
        One per EPCI (order of the file), then the comparison.

    Raises
    ------
    ErreurParametre, ErreurFichier, ErreurConfiguration
    """
    from cia_lib.territoire.multi_epci import charger_territoires, ecrire_territoire_epci

    genre = registre.type_rapport(rapport)
    fichier_multi = chemins.chemin_territoire(territoire).resolve()
    territoires = charger_territoires(fichier_multi)
    sortie = Path(sortie).resolve()
    plans = []
    for t in territoires:
        fichier = ecrire_territoire_epci(t, sortie / t.siren / registre.FICHIER_TERRITOIRE_EPCI)
        plan = planifier(rapport, annee, trimestre, mode, donnees, fichier, dossier_notebooks, parametres_texte)
        if t.contours_communes is None:
            garder = [nb for nb in plan.notebooks if nb.stem not in registre.NOTEBOOKS_CONTOURS]
            plan.notebooks = garder
            plan.par_notebook = {nb.stem: plan.par_notebook[nb.stem] for nb in garder}
        plan.prefixe = t.siren
        plan.epci = {"siren": t.siren, "nom": t.nom}
        plans.append(plan)
    comparaison = registre.COMPARAISON
    notebooks = registre.notebooks_du_rapport(comparaison, Path(dossier_notebooks))
    premier = plans[0]
    standard = {**premier.parametres, "territoire": str(fichier_multi)}
    par_notebook = {}
    for nb in notebooks:
        declares = parametres_declares(nb)
        extras = lire_parametres_texte(
            [x for x in parametres_texte or [] if x.partition("=")[0].strip() in declares], declares
        )
        par_notebook[nb.stem] = valider_parametres({**standard, **extras}, declares, nb.name)
    if genre.nom == "bilan":
        libelle = f"bilan {premier.annee}"
    else:
        libelle = f"{premier.annee}, {premier.trimestre}e trimestre"
    plans.append(Plan(
        type=comparaison,
        annee=premier.annee,
        trimestre=premier.trimestre,
        periode=premier.periode,
        titre=comparaison.titre.format(periode=libelle) + f" — {len(territoires)} EPCI",
        notebooks=notebooks,
        parametres=standard,
        par_notebook=par_notebook,
        donnees=premier.donnees,
        prefixe=registre.DOSSIER_COMPARAISON,
        epci=None,
    ))
    return plans


def planifier_territoire(
    rapport: str,
    annee: int,
    trimestre: int | None = None,
    mode: str | None = None,
    donnees=chemins.TRAITEES,
    territoire=None,
    dossier_notebooks=chemins.NOTEBOOKS,
    parametres_texte: list[str] | None = None,
    sortie=chemins.RAPPORTS,
) -> list[Plan]:
    """:func:`planifier` for a single-EPCI file (a list of one plan), :func:`planifier_multi`
    for a multi-EPCI file."""
    from cia_lib.territoire.multi_epci import est_multi_epci

    if est_multi_epci(territoire):
        return planifier_multi(rapport, annee, trimestre, mode, donnees, territoire, dossier_notebooks,
                               parametres_texte, sortie)
    return [planifier(rapport, annee, trimestre, mode, donnees, territoire, dossier_notebooks, parametres_texte)]


def _premiere_ligne(source: str) -> str:
    for ligne in source.splitlines():
        if ligne.strip():
            return ligne.strip()[:80]
    return ""


def _erreur_cellule(exc, chemin_notebook: Path, garde: Path) -> ErreurExecution:
    """One French line naming the notebook, the cell (number and first line) and the error."""
    import nbformat

    source_nb = nbformat.read(chemin_notebook, as_version=4)
    index = getattr(exc, "cell_index", None)
    source = getattr(exc, "source", "") or ""
    for i, cellule in enumerate(source_nb.cells):
        if cellule.cell_type == "code" and cellule.source == source:
            index = i
            break
    erreur = f"{getattr(exc, 'ename', type(exc).__name__)}: {str(getattr(exc, 'evalue', exc)).splitlines()[0] if str(getattr(exc, 'evalue', exc)) else ''}"
    numero = "?" if index is None else f"{index + 1} (index {index})"
    return ErreurExecution(
        f"échec du notebook « {chemin_notebook.name} », cellule n° {numero} "
        f"« {_premiere_ligne(source)} » : {erreur.strip()} — notebook exécuté gardé dans {garde}"
    )


def _executer(plan: Plan, construction: Path, dossier_notebooks: Path, barre) -> list:
    """Execute the plan's notebooks into ``construction``; return the executed notebooks."""
    import papermill
    from jupyter_client.kernelspec import NoSuchKernel
    from papermill.exceptions import PapermillExecutionError

    executes = []
    for chemin in plan.notebooks:
        if barre is not None:
            barre.set_postfix_str(f"{plan.prefixe + '/' if plan.prefixe else ''}{plan.periode}/{chemin.stem}")
        sortie = construction / chemin.name
        try:
            nb = papermill.execute_notebook(
                str(chemin),
                str(sortie),
                parameters=plan.par_notebook[chemin.stem],
                kernel_name=chemins.NOM_NOYAU,
                progress_bar=False,
                log_output=False,
                cwd=str(dossier_notebooks),
                # the kernel's own start-up warnings would clutter cron logs
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
        except PapermillExecutionError as exc:
            raise _EchecNotebook(exc, chemin, sortie.name) from None
        except NoSuchKernel:
            raise ErreurExecution(
                f"noyau Jupyter « {chemins.NOM_NOYAU} » introuvable : lancez « make installer »."
            ) from None
        executes.append(nb)
        if barre is not None:
            barre.update(1)
    return executes


class _EchecNotebook(Exception):
    def __init__(self, exc, chemin: Path, nom_sortie: str):
        super().__init__(str(exc))
        self.exc, self.chemin, self.nom_sortie = exc, chemin, nom_sortie


def _remplacer_dossier(construction: Path, cible: Path) -> None:
    """Put ``construction`` in place of ``cible`` (two renames on the same file system)."""
    ancien = None
    if cible.exists():
        ancien = cible.with_name(f".ancien-{cible.name}-{uuid.uuid4().hex[:8]}")
        os.rename(cible, ancien)
    os.rename(construction, cible)
    if ancien is not None:
        shutil.rmtree(ancien, ignore_errors=True)


def _produire(plan: Plan, sortie: Path, dossier_notebooks: Path, barre) -> ResultatRapport:
    sortie = sortie / plan.prefixe if plan.prefixe else sortie
    sortie.mkdir(parents=True, exist_ok=True)
    construction = Path(tempfile.mkdtemp(dir=sortie, prefix=f".construction-{plan.periode}-"))
    masque = os.umask(0)
    os.umask(masque)
    os.chmod(construction, 0o777 & ~masque)  # mkdtemp creates 0700; reports are meant to be read
    try:
        executes = _executer(plan, construction, Path(dossier_notebooks), barre)
    except _EchecNotebook as echec:
        garde = sortie / registre.DOSSIER_ECHECS / plan.periode
        garde.parent.mkdir(parents=True, exist_ok=True)
        if garde.exists():
            shutil.rmtree(garde)
        os.rename(construction, garde)
        raise _erreur_cellule(echec.exc, echec.chemin, garde / echec.nom_sortie) from None
    except BaseException:
        shutil.rmtree(construction, ignore_errors=True)
        raise
    try:
        pages, tableaux = [], []
        for chemin, nb in zip(plan.notebooks, executes, strict=True):
            titre = f"{plan.titre} — {TITRES_NOTEBOOKS.get(chemin.stem, chemin.stem)}"
            page = construction / f"{chemin.stem}.html"
            page.write_text(exporter_html(nb, titre), encoding="utf-8")
            pages.append(page.name)
            tableaux.extend(tableaux_publies(nb))
        fichiers = sorted(pages + [p.name for p in plan.notebooks])
        if plan.type.excel:
            fin = fin_trimestre(plan.annee, plan.trimestre)
            ecrire_classeur(
                tableaux,
                construction / registre.FICHIER_EXCEL,
                plan.titre,
                dt.datetime(fin.year, fin.month, fin.day),
            )
            fichiers.append(registre.FICHIER_EXCEL)
        manifeste = construire_manifeste(
            plan.type.nom, plan.periode, plan.parametres, plan.donnees, [p.stem for p in plan.notebooks], fichiers
        )
        if plan.epci is not None:
            manifeste["epci"] = plan.epci
        ecrire_manifeste(manifeste, construction / registre.FICHIER_MANIFESTE)
        cible = sortie / plan.periode
        _remplacer_dossier(construction, cible)
    except BaseException:
        shutil.rmtree(construction, ignore_errors=True)
        raise
    obsolete = sortie / registre.DOSSIER_ECHECS / plan.periode
    if obsolete.exists():
        shutil.rmtree(obsolete, ignore_errors=True)
    return ResultatRapport(
        rapport=plan.type.nom,
        dossier=cible,
        pages=[cible / p for p in pages],
        classeur=(cible / registre.FICHIER_EXCEL) if plan.type.excel else None,
        manifeste=cible / registre.FICHIER_MANIFESTE,
    )


def _barre(total: int, actif: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="Notebooks", unit="notebook", disable=not actif, leave=True)


def produire_rapports(
    plans: list[Plan],
    sortie=chemins.RAPPORTS,
    dossier_notebooks=chemins.NOTEBOOKS,
    barre: bool = True,
) -> list[ResultatRapport]:
    """Run several validated reports under one lock, then refresh ``index.html``.

    Parameters
    ----------
    plans : list of Plan
        From :func:`planifier`.
    sortie : path-like
        Reports folder (``reports/``).
    dossier_notebooks : path-like
        Folder of the notebooks (tests pass their own).
    barre : bool
        Show a tqdm progress bar over the notebooks.

    Returns
    -------
    list of ResultatRapport

    Raises
    ------
    ErreurVerrou
        Another run is in progress.
    ErreurExecution
        A cell failed (earlier reports of the run are kept; the failed one is not replaced).
    """
    sortie = Path(sortie)
    resultats = []
    with verrouiller(sortie):
        progression = _barre(sum(len(p.notebooks) for p in plans), barre)
        try:
            for plan in plans:
                resultats.append(_produire(plan, sortie, Path(dossier_notebooks), progression))
        finally:
            progression.close()
            rafraichir_index(sortie)
    return resultats


def produire_rapport(
    rapport: str,
    annee: int,
    trimestre: int | None = None,
    mode: str | None = None,
    donnees=chemins.TRAITEES,
    territoire=None,
    sortie=chemins.RAPPORTS,
    dossier_notebooks=chemins.NOTEBOOKS,
    parametres_texte: list[str] | None = None,
    barre: bool = True,
) -> ResultatRapport:
    """Validate, run and export one report into ``sortie/<période>/`` (see :func:`planifier`)."""
    plan = planifier(rapport, annee, trimestre, mode, donnees, territoire, dossier_notebooks, parametres_texte)
    return produire_rapports([plan], sortie, dossier_notebooks, barre)[0]


def produire_rapports_territoire(
    rapport: str,
    annee: int,
    trimestre: int | None = None,
    mode: str | None = None,
    donnees=chemins.TRAITEES,
    territoire=None,
    sortie=chemins.RAPPORTS,
    dossier_notebooks=chemins.NOTEBOOKS,
    parametres_texte: list[str] | None = None,
    barre: bool = True,
) -> list[ResultatRapport]:
    """One report (single-EPCI file) or the reports of every EPCI plus the comparison
    (multi-EPCI file), see :func:`planifier_territoire`."""
    plans = planifier_territoire(rapport, annee, trimestre, mode, donnees, territoire, dossier_notebooks,
                                 parametres_texte, sortie)
    return produire_rapports(plans, sortie, dossier_notebooks, barre)


def periodes_disponibles(donnees, aujourd_hui: dt.date) -> tuple[list[tuple[int, int]], list[int]]:
    """Quarters and years that have signed leases, up to the last completed quarter.

    Parameters
    ----------
    donnees : path-like
        Processed data folder.
    aujourd_hui : datetime.date

    Returns
    -------
    (list of (annee, trimestre), list of annee)
        Quarters with at least one lease signed (the unit of count of every objective);
        years among them whose 4th quarter is closed.
    """
    import pandas as pd

    _verifier_donnees(Path(donnees))
    table = pd.read_parquet(Path(donnees) / "attributions.parquet", columns=["date_bail"])
    dates = pd.to_datetime(table["date_bail"]).dropna()
    clos = dernier_trimestre_clos(aujourd_hui)
    trimestres = sorted({(int(d.year), (int(d.month) - 1) // 3 + 1) for d in dates})
    trimestres = [t for t in trimestres if t <= clos]
    annees = sorted({a for a, _ in trimestres if (a, 4) <= clos})
    return trimestres, annees


def planifier_tout(
    donnees=chemins.TRAITEES,
    territoire=None,
    dossier_notebooks=chemins.NOTEBOOKS,
    aujourd_hui: dt.date | None = None,
    sortie=None,
) -> list[Plan]:
    """Plans of every quarterly report with data and every closed year's bilan (the demo).

    With a multi-EPCI territory file, each period gives the reports of every EPCI plus the
    comparison (:func:`planifier_multi`; ``sortie``, default ``reports/``, receives the
    per-EPCI territory files)."""
    trimestres, annees = periodes_disponibles(donnees, aujourd_hui or dt.date.today())
    if not trimestres:
        raise ErreurParametre(f"{donnees} : aucune attribution datée, aucun rapport à produire.")
    from cia_lib.territoire.multi_epci import est_multi_epci

    if est_multi_epci(territoire):
        sortie = chemins.RAPPORTS if sortie is None else sortie
        plans = [p for a, t in trimestres for p in planifier_multi(
            "trimestriel", a, t, None, donnees, territoire, dossier_notebooks, None, sortie)]
        plans += [p for a in annees for p in planifier_multi(
            "bilan", a, 4, None, donnees, territoire, dossier_notebooks, None, sortie)]
        return plans
    plans = [planifier("trimestriel", a, t, None, donnees, territoire, dossier_notebooks) for a, t in trimestres]
    plans += [planifier("bilan", a, 4, None, donnees, territoire, dossier_notebooks) for a in annees]
    return plans


def lire_manifeste(dossier: Path) -> dict:
    """Read the manifest of a produced report."""
    return json.loads((Path(dossier) / registre.FICHIER_MANIFESTE).read_text(encoding="utf-8"))
