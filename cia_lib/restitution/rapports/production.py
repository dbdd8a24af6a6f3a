"""Producing a report: validate, execute the notebooks (papermill), export, write atomically.

The notebooks of a run are executed through papermill's API and exported through nbconvert's
API (:mod:`.execution`), one after the other in this process or by a pool of workers
(:mod:`.parallele`, ``parallele=N``) with byte-identical results. A report is built
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

from cia_lib.calculs.periodes import (
    dernier_trimestre_clos,
    fin_trimestre,
    periode_cumul,
    rang_trimestre,
    verifier_trimestre,
)
from cia_lib.entrees.couverture import date_couverture, lire_couverture
from cia_lib.erreurs import ErreurCIA, ErreurFichier, ErreurParametre
from cia_lib.restitution.contexte import verifier_mode
from cia_lib.territoire import chemins
from cia_lib.territoire.config import charger_territoire

from . import registre
from .disponibilite import charger_pour_disponibilite, html_page_non_disponible, pages_non_disponibles
from .excel import ecrire_classeur
from .execution import EchecNotebook, ErreurExecution, Tache
from .index import TITRES_NOTEBOOKS, droits_ordinaires, rafraichir_index
from .manifeste import construire_manifeste, ecrire_manifeste
from .nettoyage import nettoyer_dossiers_temporaires
from .parametres import lire_parametres_texte, parametres_declares, valider_parametres
from .periode_rapport import phrase_couverture, verifier_periode_rapport

MENTION_PROVISOIRE = " (provisoire)"
"""Appended to the title of a provisional report (period still running)."""

BUDGET_HTML_OCTETS = 5 * 1024 * 1024
"""Size budget of one report page (the bilan is shared by e-mail)."""


class ErreurVerrou(ErreurCIA):
    """Another report run holds the lock. Exit code 3."""

    code_sortie = 3


class ErreurProductionPartielle(ErreurCIA):
    """Some reports of a run failed, the others were built. Exit code 4 (1 if none was built).

    Attributes
    ----------
    resultats : list of ResultatRapport
        The reports built.
    echecs : list of (Plan, str)
        The reports that failed and the French reason.
    """

    def __init__(self, resultats: list, echecs: list):
        self.resultats, self.echecs = resultats, echecs
        self.code_sortie = 4 if resultats else 1
        super().__init__(resume_production(resultats, echecs))


def _nom_plan(plan) -> str:
    qui = f"{plan.epci['nom']} (SIREN {plan.epci['siren']})" if plan.epci else (
        "comparaison des EPCI" if plan.prefixe else "")
    return f"{qui + ' — ' if qui else ''}{plan.periode}"


def resume_production(resultats: list, echecs: list) -> str:
    """French summary of a run: how many reports were built, which failed and why."""
    lignes = [f"production incomplète : {len(resultats)} rapport(s) construit(s), {len(echecs)} en échec :"]
    lignes += [f"  - {_nom_plan(plan)} : {raison}" for plan, raison in echecs]
    return "\n".join(lignes)


def noter_echec(plan, sortie: Path, raison: str) -> Path:
    """Record a failed report in ``<sortie>/[<préfixe>/]echec/<période>/echec.json`` (read by the index)."""
    dossier = (Path(sortie) / plan.prefixe if plan.prefixe else Path(sortie)) / registre.DOSSIER_ECHECS / plan.periode
    dossier.mkdir(parents=True, exist_ok=True)
    chemin = dossier / registre.FICHIER_ECHEC
    contenu = {"rapport": plan.type.nom, "periode": plan.periode, "raison": raison, "epci": plan.epci}
    chemin.write_text(json.dumps(contenu, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return chemin


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
    provisoire: bool = False
    """Report of a period still running: « provisoire » on every page and in the manifest."""
    couverture: dict = field(default_factory=dict)
    """What the data cover (:mod:`cia_lib.entrees.couverture`)."""
    non_disponibles: dict[str, str] = field(default_factory=dict)
    """Notebooks replaced by a short « non disponible » page, with the French reason
    (:mod:`cia_lib.restitution.rapports.disponibilite`); not in ``notebooks``."""
    bandeau_html: str = ""
    """Banner of those short pages."""
    communes: tuple[str, ...] | None = None
    """Communes of the EPCI in a multi-EPCI run: its notebooks read its rows of ``donnees``,
    split once for the run (:mod:`.partage`)."""


def planifier(
    rapport: str,
    annee: int,
    trimestre: int | None = None,
    mode: str | None = None,
    donnees=chemins.TRAITEES,
    territoire=None,
    dossier_notebooks=chemins.NOTEBOOKS,
    parametres_texte: list[str] | None = None,
    *,
    provisoire: bool = False,
    aujourd_hui: dt.date | None = None,
    tables_disponibilite=None,
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
    provisoire : bool
        Report of a period still running, marked « provisoire » on every page.
    aujourd_hui : datetime.date, optional
        Today (default: the system date); the period is checked against it and against the
        data coverage (:func:`cia_lib.restitution.rapports.periode_rapport.verifier_periode_rapport`).
    tables_disponibilite : cia_lib.entrees.donnees.Donnees, optional
        The tables read once by :func:`planifier_multi` to decide which pages are « non
        disponible » (:func:`cia_lib.restitution.rapports.disponibilite.pages_non_disponibles`).

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
    couverture = verifier_periode_rapport(annee, trimestre, donnees, aujourd_hui or dt.date.today(), provisoire,
                                          libelle=f"la période « {periode_cumul(annee, trimestre).libelle} »")
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
    titre = genre.titre.format(annee=annee, trimestre=trimestre, rang=rang_trimestre(trimestre)) + f" — {terr.nom_court}"
    if provisoire:
        titre += MENTION_PROVISOIRE
    non_disponibles, bandeau = _pages_non_disponibles(donnees, terr, annee, trimestre, mode, notebooks, couverture,
                                                      tables_disponibilite)
    notebooks = [nb for nb in notebooks if nb.stem not in non_disponibles]
    par_notebook = {nb.stem: par_notebook[nb.stem] for nb in notebooks}
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
        provisoire=provisoire,
        couverture=couverture,
        non_disponibles=non_disponibles,
        bandeau_html=bandeau,
    )


def _pages_non_disponibles(donnees, terr, annee, trimestre, mode, notebooks, couverture, tables):
    """({notebook: raison}, banner HTML of the short pages) for :func:`planifier`."""
    from cia_lib.restitution.presentation import html_bandeau

    tables = charger_pour_disponibilite(donnees) if tables is None else tables
    importe_pour = (tables.rapport_import.get("territoire") or {}).get("siren")
    autre = importe_pour is not None and str(importe_pour) != terr.siren
    non_disponibles = pages_non_disponibles(tables, terr, annee, trimestre, [nb.stem for nb in notebooks], autre)
    if not non_disponibles:
        return {}, ""
    bandeau = html_bandeau(terr.nom, periode_cumul(annee, trimestre).libelle, mode,
                           bool(tables.rapport_import.get("donnees_fictives", False)), terr.seuil_secret,
                           jusqu_au=date_couverture(couverture))
    return non_disponibles, bandeau


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
    **periode,
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
    _verifier_donnees(Path(donnees))
    tables = charger_pour_disponibilite(donnees)  # read once for every EPCI
    for t in territoires:
        fichier = ecrire_territoire_epci(t, sortie / t.siren / registre.FICHIER_TERRITOIRE_EPCI)
        plan = planifier(rapport, annee, trimestre, mode, donnees, fichier, dossier_notebooks, parametres_texte,
                         tables_disponibilite=tables, **periode)
        if t.contours_communes is None:
            garder = [nb for nb in plan.notebooks if nb.stem not in registre.NOTEBOOKS_CONTOURS]
            plan.notebooks = garder
            plan.par_notebook = {nb.stem: plan.par_notebook[nb.stem] for nb in garder}
            plan.non_disponibles = {k: v for k, v in plan.non_disponibles.items()
                                    if k not in registre.NOTEBOOKS_CONTOURS}
        plan.prefixe = t.siren
        plan.epci = {"siren": t.siren, "nom": t.nom}
        plan.communes = tuple(t.communes)
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
        libelle = f"{premier.annee}, {rang_trimestre(premier.trimestre)} trimestre"
    plans.append(Plan(
        type=comparaison,
        annee=premier.annee,
        trimestre=premier.trimestre,
        periode=premier.periode,
        titre=comparaison.titre.format(periode=libelle) + f" — {len(territoires)} EPCI"
        + (MENTION_PROVISOIRE if premier.provisoire else ""),
        notebooks=notebooks,
        parametres=standard,
        par_notebook=par_notebook,
        donnees=premier.donnees,
        prefixe=registre.DOSSIER_COMPARAISON,
        epci=None,
        provisoire=premier.provisoire,
        couverture=premier.couverture,
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
    **periode,
) -> list[Plan]:
    """:func:`planifier` for a single-EPCI file (a list of one plan), :func:`planifier_multi`
    for a multi-EPCI file (``periode``: ``provisoire``, ``aujourd_hui`` of :func:`planifier`)."""
    from cia_lib.territoire.multi_epci import est_multi_epci

    if est_multi_epci(territoire):
        return planifier_multi(rapport, annee, trimestre, mode, donnees, territoire, dossier_notebooks,
                               parametres_texte, sortie, **periode)
    return [planifier(rapport, annee, trimestre, mode, donnees, territoire, dossier_notebooks, parametres_texte,
                      **periode)]


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


def taches_du_plan(plan: Plan, construction: Path, dossier_notebooks: Path, donnees: Path | None = None) -> list[Tache]:
    """The notebooks of ``plan`` as tasks executed into ``construction`` (reading ``donnees``
    in place of the plan's processed folder when given: the EPCI's rows, see :mod:`.partage`)."""
    remplace = {} if donnees is None else {"donnees": str(donnees)}
    return [
        Tache(
            notebook=str(chemin),
            sortie=str(construction / chemin.name),
            parametres={**plan.par_notebook[chemin.stem], **remplace},
            cwd=str(dossier_notebooks),
            titre=f"{plan.titre} — {TITRES_NOTEBOOKS.get(chemin.stem, chemin.stem)}",
            couverture_provisoire=plan.couverture if plan.provisoire else None,
            libelle=f"{plan.prefixe + '/' if plan.prefixe else ''}{plan.periode}/{chemin.stem}",
        )
        for chemin in plan.notebooks
    ]


def _remplacer_dossier(construction: Path, cible: Path) -> None:
    """Put ``construction`` in place of ``cible`` (two renames on the same file system)."""
    ancien = None
    if cible.exists():
        ancien = cible.with_name(f".ancien-{cible.name}-{uuid.uuid4().hex[:8]}")
        os.rename(cible, ancien)
    os.rename(construction, cible)
    if ancien is not None:
        shutil.rmtree(ancien, ignore_errors=True)


def _dossier_sortie(plan: Plan, sortie: Path) -> Path:
    return sortie / plan.prefixe if plan.prefixe else sortie


def _construction(plan: Plan, sortie: Path) -> Path:
    """New temporary folder where ``plan``'s report is built (beside its final place)."""
    sortie = _dossier_sortie(plan, sortie)
    sortie.mkdir(parents=True, exist_ok=True)
    construction = Path(tempfile.mkdtemp(dir=sortie, prefix=f".construction-{plan.periode}-"))
    os.chmod(construction, droits_ordinaires(dossier=True))  # mkdtemp creates 0700; reports are meant to be read
    return construction


def _produire(plan: Plan, sortie: Path, construction: Path, executer) -> ResultatRapport:
    """Execute (``executer()`` returns the plan's pages) and publish one report."""
    sortie = _dossier_sortie(plan, sortie)
    try:
        executes = executer()
    except EchecNotebook as echec:
        garde = sortie / registre.DOSSIER_ECHECS / plan.periode
        garde.parent.mkdir(parents=True, exist_ok=True)
        if garde.exists():
            shutil.rmtree(garde)
        os.rename(construction, garde)
        raise _erreur_cellule(echec, Path(echec.chemin), garde / echec.nom_sortie) from None
    except BaseException:
        shutil.rmtree(construction, ignore_errors=True)
        raise
    try:
        pages, tableaux = [], []
        for chemin, executee in zip(plan.notebooks, executes, strict=True):
            page = construction / f"{chemin.stem}.html"
            page.write_text(executee.html, encoding="utf-8")
            pages.append(page.name)
            tableaux.extend(executee.tableaux)
        for stem, raison in plan.non_disponibles.items():
            section = TITRES_NOTEBOOKS.get(stem, stem)
            page = construction / f"{stem}.html"
            page.write_text(html_page_non_disponible(f"{plan.titre} — {section}", plan.bandeau_html, section, raison),
                            encoding="utf-8")
            pages.append(page.name)
        fichiers = sorted(pages + [p.name for p in plan.notebooks])
        if plan.type.excel and plan.notebooks:
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
        if plan.provisoire:
            manifeste["provisoire"] = True
        if plan.non_disponibles:
            manifeste["non_disponibles"] = dict(plan.non_disponibles)
        if plan.couverture:
            manifeste["couverture"] = {"jusqu_au": plan.couverture.get("jusqu_au")}
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
        classeur=(cible / registre.FICHIER_EXCEL) if plan.type.excel and plan.notebooks else None,
        manifeste=cible / registre.FICHIER_MANIFESTE,
    )


def _donnees_partagees(plans: list[Plan], dossier: Path) -> dict[tuple[str, str], Path]:
    """Split once the processed folders of the multi-EPCI plans by EPCI, under ``dossier``.

    Returns
    -------
    dict
        (processed folder, SIREN) → the EPCI's processed folder.
    """
    from .partage import repartir_par_epci

    par_dossier: dict[Path, dict[str, tuple[str, ...]]] = {}
    for plan in plans:
        if plan.communes is not None and plan.epci is not None:
            par_dossier.setdefault(plan.donnees, {})[plan.epci["siren"]] = plan.communes
    partage = {}
    for rang, (donnees, communes) in enumerate(par_dossier.items()):
        for siren, chemin in repartir_par_epci(donnees, communes, dossier / str(rang)).items():
            partage[(str(donnees), siren)] = chemin
    return partage


def _barre(total: int, actif: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="Notebooks", unit="notebook", disable=not actif, leave=True)


def produire_rapports(
    plans: list[Plan],
    sortie=chemins.RAPPORTS,
    dossier_notebooks=chemins.NOTEBOOKS,
    barre: bool = True,
    parallele: int = 1,
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
    parallele : int
        Notebooks executed at the same time (:mod:`.parallele`; 1: one after the other in
        this process). The reports written are the same, byte for byte.

    Returns
    -------
    list of ResultatRapport

    Raises
    ------
    ErreurVerrou
        Another run is in progress.
    ErreurExecution
        The only report of the run failed (the previous one is not replaced).
    ErreurProductionPartielle
        With several plans: each is built or fails on its own; when any failed, once all were
        tried, with the French summary (built / failed / why). Each failure is recorded in
        ``echec/<période>/echec.json`` beside the report, which the index shows.
    ErreurParametre
        ``parallele`` is not a positive integer.
    """
    from ..partage_publications import partager_publications
    from .noyaux import fabrique_de_noyaux
    from .parallele import Repartition, verifier_parallele

    verifier_parallele(parallele)
    sortie, dossier_notebooks = Path(sortie), Path(dossier_notebooks)
    resultats, echecs = [], []
    with verrouiller(sortie):
        nettoyer_dossiers_temporaires(sortie)  # left by killed runs: nobody else builds under the lock
        constructions = []
        partage = sortie / f".construction-donnees-{uuid.uuid4().hex[:8]}"
        try:
            donnees_epci = _donnees_partagees(plans, partage)
            for plan in plans:
                constructions.append(_construction(plan, sortie))
            lots = [taches_du_plan(p, c, dossier_notebooks,
                                   donnees_epci.get((str(p.donnees), (p.epci or {}).get("siren"))))
                    for p, c in zip(plans, constructions)]
            # the pool is forked before the progress bar starts its thread; its kernels share
            # the publications they compute (one suppression choice per bilan, not per page)
            with (partager_publications(partage / "publications"),
                  fabrique_de_noyaux(actif=sum(len(lot) for lot in lots) > 1,
                                     notebooks=[t.notebook for lot in lots for t in lot]),
                  Repartition(lots, parallele) as repartition):
                repartition.barre = progression = _barre(sum(len(p.notebooks) for p in plans), barre)
                try:
                    for rang, (plan, construction) in enumerate(zip(plans, constructions)):
                        try:
                            resultats.append(_produire(plan, sortie, construction,
                                                       lambda r=rang: repartition.pages(r)))
                        except Exception as exc:  # noqa: BLE001 — one report's failure must not stop the others
                            erreur = exc if isinstance(exc, ErreurCIA) else ErreurExecution(
                                f"erreur inattendue ({type(exc).__name__} : {exc})")
                            noter_echec(plan, sortie, str(erreur))
                            if len(plans) == 1:
                                raise erreur from None
                            echecs.append((plan, str(erreur)))
                finally:
                    progression.close()
        finally:
            for construction in constructions:  # reports not reached (a failure stopped the run)
                shutil.rmtree(construction, ignore_errors=True)
            shutil.rmtree(partage, ignore_errors=True)
            rafraichir_index(sortie)
    if echecs:
        raise ErreurProductionPartielle(resultats, echecs)
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
    parallele: int = 1,
) -> ResultatRapport:
    """Validate, run and export one report into ``sortie/<période>/`` (see :func:`planifier`)."""
    plan = planifier(rapport, annee, trimestre, mode, donnees, territoire, dossier_notebooks, parametres_texte)
    return produire_rapports([plan], sortie, dossier_notebooks, barre, parallele)[0]


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
    parallele: int = 1,
    **periode,
) -> list[ResultatRapport]:
    """One report (single-EPCI file) or the reports of every EPCI plus the comparison
    (multi-EPCI file), see :func:`planifier_territoire` (``periode``: ``provisoire``,
    ``aujourd_hui``)."""
    plans = planifier_territoire(rapport, annee, trimestre, mode, donnees, territoire, dossier_notebooks,
                                 parametres_texte, sortie, **periode)
    return produire_rapports(plans, sortie, dossier_notebooks, barre, parallele)


def periodes_disponibles(donnees, aujourd_hui: dt.date) -> tuple[list[tuple[int, int]], list[int]]:
    """Quarters and years that have signed leases, up to the last completed quarter and
    within the data coverage (:mod:`cia_lib.entrees.couverture`).

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
    fin_donnees = date_couverture(lire_couverture(donnees))
    trimestres = sorted({(int(d.year), (int(d.month) - 1) // 3 + 1) for d in dates})
    trimestres = [t for t in trimestres if t <= clos and fin_donnees is not None and fin_trimestre(*t) <= fin_donnees]
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
    aujourd_hui = aujourd_hui or dt.date.today()
    trimestres, annees = periodes_disponibles(donnees, aujourd_hui)
    if not trimestres:
        raise ErreurParametre(
            f"{donnees} : aucun trimestre clos à la fois couvert par les données et ayant un bail signé "
            f"({phrase_couverture(lire_couverture(donnees))}) ; aucun rapport à produire.")
    from cia_lib.territoire.multi_epci import est_multi_epci

    if est_multi_epci(territoire):
        sortie = chemins.RAPPORTS if sortie is None else sortie
        plans = [p for a, t in trimestres for p in planifier_multi(
            "trimestriel", a, t, None, donnees, territoire, dossier_notebooks, None, sortie, aujourd_hui=aujourd_hui)]
        plans += [p for a in annees for p in planifier_multi(
            "bilan", a, 4, None, donnees, territoire, dossier_notebooks, None, sortie, aujourd_hui=aujourd_hui)]
        return plans
    plans = [planifier("trimestriel", a, t, None, donnees, territoire, dossier_notebooks, aujourd_hui=aujourd_hui)
             for a, t in trimestres]
    plans += [planifier("bilan", a, 4, None, donnees, territoire, dossier_notebooks, aujourd_hui=aujourd_hui)
              for a in annees]
    return plans


def lire_manifeste(dossier: Path) -> dict:
    """Read the manifest of a produced report."""
    return json.loads((Path(dossier) / registre.FICHIER_MANIFESTE).read_text(encoding="utf-8"))
