"""Free exploration for the analyst: any dates, communes, bailleurs, réservataires, one indicator.

:func:`explorer` answers in one line of Python (the same table a report would show, for a
selection); :class:`Explorateur` puts it behind ipywidgets in JupyterLab (the table, chart
and map update in place) and exports the current selection to Excel.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cia_lib.calculs import indicateurs as ind
from cia_lib.calculs.periodes import periode_cumul, periode_libre, periode_trimestre
from cia_lib.erreurs import ErreurCIA, ErreurParametre

from .confidentialite import masquer_si_diffusion
from .libelles import libelle_indicateur, libelle_niveau, nature_indicateur
from .presentation import tableau_html

NIVEAUX_EXPLORATION = ("commune", "bailleur", "reservataire", "typologie", "epci")
COLONNES_RESULTAT = ("libelle", "numerateur", "denominateur", "taux", "ic_bas", "ic_haut", "cible", "statut")


@dataclass(frozen=True)
class Selection:
    """What the analyst looks at. Empty tuples mean « all ».

    Attributes
    ----------
    du, au : datetime.date
        Leases signed from ``du`` to ``au`` (inclusive); demands of the last extract on or before ``au``.
    communes : tuple of str
        INSEE codes (leases located there, demands whose first wish is there).
    bailleurs : tuple of str
        Bailleur names (leases only: a demand has no bailleur).
    reservataires : tuple of str
        Réservataire codes (leases only).
    indicateur : str
        Code of the indicator table (``q1_hors_qpv``, ``pression``…).
    niveau : str
        Level of the rows: ``commune``, ``bailleur``, ``reservataire``, ``typologie`` or ``epci``.
    """

    du: dt.date
    au: dt.date
    communes: tuple[str, ...] = field(default_factory=tuple)
    bailleurs: tuple[str, ...] = field(default_factory=tuple)
    reservataires: tuple[str, ...] = field(default_factory=tuple)
    indicateur: str = "q1_hors_qpv"
    niveau: str = "commune"


def periodes_proposees(annee: int) -> dict[str, tuple[dt.date, dt.date]]:
    """Ready-made periods of a year (the whole year, each quarter), by French label.

    Examples
    --------
    >>> list(periodes_proposees(2025))[:2]
    ['année 2025', '1er trimestre 2025']
    """
    proposees = {f"année {annee}": periode_cumul(annee, 4)}
    for t in range(1, 5):
        proposees[f"{'1er' if t == 1 else f'{t}e'} trimestre {annee}"] = periode_trimestre(annee, t)
    return {libelle: (p.du, p.au) for libelle, p in proposees.items()}


def filtrer(donnees, selection: Selection):
    """The processed tables restricted to the selection (pure: ``donnees`` is not modified).

    Returns
    -------
    cia_lib.entrees.donnees.Donnees
    """
    att, dem = donnees.attributions, donnees.demandes
    if selection.communes:
        att = att[att["code_commune"].isin(selection.communes)]
        dem = dem[dem["code_commune_souhaitee"].isin(selection.communes)]
    if selection.bailleurs:
        att = att[att["bailleur"].isin(selection.bailleurs)]
    if selection.reservataires:
        att = att[att["reservataire"].isin(selection.reservataires)]
    return dataclasses.replace(donnees, attributions=att.reset_index(drop=True), demandes=dem.reset_index(drop=True))


def explorer(ctx, selection: Selection | None = None, **choix) -> pd.DataFrame:
    """The indicator table of a selection, masked when the context is in diffusion mode.

    One line for an ad-hoc question::

        explorer(ctx, du=date(2025, 1, 1), au=date(2025, 6, 30), communes=("95313",), indicateur="prioritaires")

    Parameters
    ----------
    ctx : cia_lib.restitution.contexte.Contexte
    selection : Selection, optional
        Default: the context's period, everything, 1st quartile out of QPV by commune.
    **choix
        Fields of :class:`Selection` replacing those of ``selection``.

    Returns
    -------
    pandas.DataFrame
        Rows of the indicator at the level, columns ``indicateur``, ``niveau``, ``cle`` and
        :data:`COLONNES_RESULTAT`.

    Raises
    ------
    ErreurParametre
        Unknown indicator or level, or ``du`` after ``au``.
    """
    selection = selection or Selection(ctx.periode.du, ctx.periode.au)
    for nom in ("communes", "bailleurs", "reservataires"):
        if nom in choix:
            choix[nom] = tuple(choix[nom] or ())
    selection = dataclasses.replace(selection, **choix)
    periode_libre(selection.du, selection.au)  # French error when the period is empty
    if selection.niveau not in NIVEAUX_EXPLORATION:
        raise ErreurParametre(f"niveau inconnu : {selection.niveau!r} (attendu : {', '.join(NIVEAUX_EXPLORATION)}).")
    tableau = ind.tableau_indicateurs(filtrer(ctx.donnees, selection), ctx.territoire, selection.du, selection.au)
    if selection.indicateur not in set(tableau["indicateur"]):
        raise ErreurParametre(f"indicateur inconnu : {selection.indicateur!r}.")
    tableau = masquer_si_diffusion(tableau, ctx.diffusion, ctx.territoire.seuil_secret)
    lignes = tableau[(tableau["indicateur"] == selection.indicateur) & (tableau["niveau"] == selection.niveau)]
    return lignes[["indicateur", "niveau", "cle", *COLONNES_RESULTAT]].reset_index(drop=True)


def titre_selection(selection: Selection, territoire) -> str:
    """French title of a selection (indicator, level, period, filters).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> t = SimpleNamespace(communes={"95313": "L'Isle-Adam"}, reservataires={})
    >>> titre_selection(Selection(dt.date(2025, 1, 1), dt.date(2025, 6, 30), communes=("95313",)), t)
    "1er quartile hors QPV, par commune — du 01/01/2025 au 30/06/2025 — communes : L'Isle-Adam"
    """
    morceaux = [f"{libelle_indicateur(selection.indicateur)}, par {libelle_niveau(selection.niveau).lower()}",
                f"du {selection.du:%d/%m/%Y} au {selection.au:%d/%m/%Y}"]
    if selection.communes:
        morceaux.append("communes : " + ", ".join(territoire.communes.get(c, c) for c in selection.communes))
    if selection.bailleurs:
        morceaux.append("bailleurs : " + ", ".join(selection.bailleurs))
    if selection.reservataires:
        morceaux.append("réservataires : " + ", ".join(
            getattr(territoire.reservataires.get(r), "libelle", r) for r in selection.reservataires))
    return " — ".join(morceaux)


def exporter_selection(resultat: pd.DataFrame, chemin: Path) -> Path:
    """Write a selection's table to an Excel workbook (French headers and formats).

    Returns
    -------
    pathlib.Path
        The workbook written.
    """
    from .sorties import ecrire_tableau

    chemin = Path(chemin)
    ecrire_tableau(resultat, chemin, feuille="Sélection", formats=(".xlsx",))
    return chemin


class Explorateur:
    """Widgets over :func:`explorer`: period (ready-made or free dates), communes, bailleurs,
    réservataires, indicator and level; the table, the chart and the map update in place.

    Parameters
    ----------
    ctx : cia_lib.restitution.contexte.Contexte
    communes_geo : geopandas.GeoDataFrame, optional
        Contours of the communes (map shown for the commune level when given).
    """

    def __init__(self, ctx, communes_geo=None):
        import ipywidgets as w

        self.ctx, self.communes_geo = ctx, communes_geo
        T = ctx.territoire
        self.periodes = periodes_proposees(ctx.periode.annee)
        disposition = w.Layout(width="98%")
        style = {"description_width": "9em"}
        self.periode = w.Dropdown(options=[*self.periodes, "dates libres"], value=next(iter(self.periodes)),
                                  description="Période", style=style)
        self.du = w.DatePicker(value=ctx.periode.du, description="Du", style=style)
        self.au = w.DatePicker(value=ctx.periode.au, description="Au", style=style)
        self.communes = w.SelectMultiple(options=[(nom, code) for code, nom in T.communes.items()],
                                         description="Communes", rows=5, style=style, layout=disposition)
        bailleurs = sorted(set(ctx.donnees.attributions["bailleur"].dropna().astype(str)))
        self.bailleurs = w.SelectMultiple(options=bailleurs, description="Bailleurs", rows=5, style=style,
                                          layout=disposition)
        self.reservataires = w.SelectMultiple(options=[(r.libelle, code) for code, r in T.reservataires.items()],
                                              description="Réservataires", rows=4, style=style, layout=disposition)
        self.indicateur = w.Dropdown(options=[(libelle_indicateur(c), c) for c in ind.LIBELLES_INDICATEURS],
                                     value="q1_hors_qpv", description="Indicateur", style=style)
        self.niveau = w.Dropdown(options=[(libelle_niveau(n), n) for n in NIVEAUX_EXPLORATION], value="commune",
                                 description="Par", style=style)
        self.fichier = w.Text(value="selection.xlsx", description="Fichier Excel", style=style)
        self.bouton = w.Button(description="Exporter la sélection", icon="file-excel-o")
        self.message = w.HTML()
        self.sortie_tableau, self.sortie_graphique, self.sortie_carte = w.Output(), w.Output(), w.Output()
        self.resultat = pd.DataFrame()
        self.erreur: str | None = None
        for controle in (self.du, self.au, self.communes, self.bailleurs, self.reservataires, self.indicateur,
                         self.niveau):
            controle.observe(self.actualiser, names="value")
        self.periode.observe(self._choisir_periode, names="value")
        self.bouton.on_click(self.exporter)
        self.interface = w.VBox([
            w.HBox([self.periode, self.du, self.au]), self.communes, self.bailleurs, self.reservataires,
            w.HBox([self.indicateur, self.niveau]), self.sortie_tableau, self.sortie_graphique, self.sortie_carte,
            w.HBox([self.fichier, self.bouton]), self.message,
        ])
        self.actualiser()

    def selection(self) -> Selection:
        """The selection the widgets show."""
        return Selection(du=self.du.value, au=self.au.value, communes=tuple(self.communes.value),
                         bailleurs=tuple(self.bailleurs.value), reservataires=tuple(self.reservataires.value),
                         indicateur=self.indicateur.value, niveau=self.niveau.value)

    def _choisir_periode(self, changement) -> None:
        if changement["new"] in self.periodes:
            du, au = self.periodes[changement["new"]]
            with self.du.hold_trait_notifications(), self.au.hold_trait_notifications():
                self.du.value, self.au.value = du, au
            self.actualiser()

    def actualiser(self, *_changement) -> None:
        """Recompute the selection and redraw the table, the chart and the map."""
        for sortie in (self.sortie_tableau, self.sortie_graphique, self.sortie_carte):
            sortie.outputs = ()
        selection = self.selection()
        try:
            self.resultat = explorer(self.ctx, selection)
            self.erreur = None
        except ErreurCIA as exc:  # shown in French; the widgets stay usable
            self.resultat, self.erreur = pd.DataFrame(), str(exc)
            self.sortie_tableau.append_display_data(tableau_html(pd.DataFrame({"Message": [self.erreur]})))
            return
        titre = titre_selection(selection, self.ctx.territoire)
        self.sortie_tableau.append_display_data(tableau_html(self.resultat.drop(columns=["niveau", "cle"]), titre=titre))
        self.sortie_graphique.append_display_data(self.graphique(selection, titre))
        carte = self.carte(selection)
        if carte is not None:
            self.sortie_carte.append_display_data(carte)

    def graphique(self, selection: Selection, titre: str):
        """Bars of the selection (IPython image)."""
        from .graphiques import graphique_barres, graphique_taux_cible
        from .presentation import image

        if nature_indicateur(selection.indicateur) == "ratio":
            valeurs = pd.Series(pd.to_numeric(self.resultat["taux"], errors="coerce").to_numpy(),
                                index=self.resultat["libelle"].astype(str))
            return image(graphique_barres(valeurs, titre, "demandes actives par bail signé"))
        return image(graphique_taux_cible(self.resultat, selection.indicateur, selection.niveau, None, titre))

    def carte(self, selection: Selection):
        """Map of the selection when it is by commune and contours are known (else None)."""
        from . import cartes

        if (self.communes_geo is None or selection.niveau != "commune"
                or selection.indicateur not in cartes.INDICATEURS or self.resultat.empty):
            return None
        return cartes.carte_communes(self.communes_geo, self.resultat, selection.indicateur, self.ctx.territoire,
                                     donnees_fictives=self.ctx.donnees_fictives, imprimable=False)

    def exporter(self, *_bouton) -> Path | None:
        """Write the current selection to the Excel file named in the widget."""
        import html

        try:
            chemin = exporter_selection(self.resultat, Path(self.fichier.value))
        except ErreurCIA as exc:
            self.message.value = f"<b>Export impossible</b> : {html.escape(str(exc))}"
            return None
        self.message.value = f"Sélection écrite dans <code>{chemin}</code> ({len(self.resultat)} lignes)."
        return chemin

    def _ipython_display_(self):
        from IPython.display import display

        display(self.interface)
