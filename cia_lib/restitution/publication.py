"""The publication layer: every figure a reader sees goes through it.

A notebook opens one :class:`Publication` for its report (:func:`publication_bilan`,
:func:`publication_trimestrielle`, :func:`publication_comparaison`) and asks it for the
tables to show; it never calls a masking function and never branches on the mode.

* **diffusion** (the default of every report): the linked count tables of the report (the
  indicator table, the quarterly series and progression, the placement of leases by
  residence situation) are registered *together* as quantities with the relations a reader
  knows (:mod:`cia_lib.restitution.quantites`); the complementary suppressions are chosen
  once for all of them (:func:`cia_lib.restitution.suppression.completer_suppressions`),
  so the same quantity is masked in every table, chart, map and sentence that shows it.
  Tables published later in the notebook (distributions, residence details) are added on
  top, with the earlier decisions fixed. Every notebook of a report builds the same base,
  so two pages of one report never disagree.
* **analyste**: nothing is masked, and every page and every Excel sheet carries
  :data:`MENTION_INTERNE`.
"""

from __future__ import annotations

import html

import pandas as pd

from cia_lib.calculs import indicateurs as ind
from cia_lib.calculs import residences as rs

from .confidentialite import MASQUE, masquer_entonnoir, masquer_repartition
from .partage_publications import publication_partagee
from .presentation import Tableau, bandeau, serie_annuelle, tableau_html
from .quantites import NIVEAU_TOTAL, Quantite, ajouter_complements, jour, quantites_indicateurs, relations_connues
from .residences import masquer_liste_diffusion, masquer_premier_peuplement, residences_pour_carte
from .suppression import Systeme, completer_suppressions, retirer_masques_inutiles

MENTION_INTERNE = "Usage interne — ne pas diffuser"
"""Stamp of every page and sheet of an analyst-mode report."""

DERIVES = {
    "numerateur": ("taux", "ic_bas", "ic_haut", "ecart", "statut", "supplementaires_necessaires"),
    "denominateur": ("taux", "ic_bas", "ic_haut", "ecart", "statut", "baux_projetes", "supplementaires_necessaires"),
    "numerateur_cumul": ("taux_cumul_annuel",),
    "denominateur_cumul": ("taux_cumul_annuel",),
}
"""Columns that reveal a count (masked with it)."""

MESURES_PLACEMENT = {
    "nb_baux": "baux", "nb_q1": "baux_q1", "nb_ressources_inconnues": "baux_ressources_inconnues",
    "nb_prioritaires": "baux_prioritaires", "nb_dalo": "baux_dalo",
}
"""Measure of each count column of the residence placement tables."""

DERIVES_PLACEMENT = {
    "nb_baux": ("part_q1", "part_prioritaires"), "nb_q1": ("part_q1", "part_des_q1"),
    "nb_prioritaires": ("part_prioritaires", "part_des_prioritaires"),
}

MESURES_COUTEUSES = {"baux": 4.0, "demandes": 4.0, "baux_hors_qpv": 3.0, "baux_en_qpv": 3.0, "baux_mutation": 2.0}
"""Cost multiplier of hiding a whole (the denominator of several indicators, shown in many tables)."""


def poids_masquage(quantite) -> float:
    """Cost multiplier of masking ``quantite``: :data:`MESURES_COUTEUSES` (1 otherwise), times 10
    for an EPCI total (the headline figures of the report)."""
    poids = MESURES_COUTEUSES.get(getattr(quantite, "mesure", None), 1.0)
    return poids * (10.0 if getattr(quantite, "niveau", None) == NIVEAU_TOTAL else 1.0)


INDICATEURS_SERIES = ("q1_hors_qpv", "prioritaires")
"""Indicators whose quarterly or yearly evolution the reports show."""

_STYLE_MENTION = ("background:#7a0019;color:#fff;font-weight:bold;text-align:center;padding:6px;"
                  "margin:0 0 8px 0;letter-spacing:0.05em;border-radius:4px")


def _masquer_cellules(tableau: pd.DataFrame, cellules, masques: set, derives: dict) -> pd.DataFrame:
    """Copy of ``tableau`` with ``"s"`` in every cell whose quantity is masked, and in the
    columns derived from it (``cellules``: ``(position, colonne, quantité, valeur)``)."""
    sortie = tableau.reset_index(drop=True).copy()
    positions: dict[str, set[int]] = {}
    for position, colonne, quantite, _ in cellules:
        if quantite in masques:
            for c in (colonne, *derives.get(colonne, ())):
                if c in sortie.columns:
                    positions.setdefault(c, set()).add(position)
    for c, lignes in positions.items():
        valeurs = sortie[c].astype(object).to_numpy(copy=True)
        valeurs[sorted(lignes)] = MASQUE
        sortie[c] = pd.Series(valeurs, index=sortie.index, dtype=object)
    sortie.index = tableau.index
    return sortie


def cellules_placement(controle: pd.DataFrame, siren: str, du, au) -> list:
    """Quantities of :func:`cia_lib.calculs.residences.controle_placement` (bailleur × situation;
    the ``Ensemble`` rows are the EPCI)."""
    cellules = []
    for position, ligne in enumerate(controle.to_dict("records")):
        ensemble = ligne["bailleur"] == rs.ENSEMBLE
        niveau, cle = (NIVEAU_TOTAL, siren) if ensemble else ("bailleur", str(ligne["bailleur"]))
        for colonne, mesure in MESURES_PLACEMENT.items():
            if colonne in ligne and not pd.isna(ligne[colonne]):
                q = Quantite(mesure, niveau, cle, jour(du), jour(au), str(ligne["situation"]))
                cellules.append((position, colonne, q, float(ligne[colonne])))
    return cellules


class Publication:
    """What a report shows, masked once for the whole report in diffusion mode.

    Parameters
    ----------
    mode : {"analyste", "diffusion"}
    seuil : int
        ``Territoire.seuil_secret``.
    siren : str
        SIREN of the EPCI (key of the EPCI-level quantities).
    """

    def __init__(self, mode: str, seuil: int, siren: str = ""):
        self.mode = mode
        self.seuil = int(seuil)
        self.siren = str(siren)
        self.systeme = Systeme()
        self.masques: set = set()
        self.explicites: list[dict] = []
        self.resultats: dict[str, pd.DataFrame] = {}
        self.bruts: dict[str, pd.DataFrame] = {}
        """The same tables before masking (for pages that take details from them, e.g. the fiches)."""
        self.ctx = None

    @property
    def diffusion(self) -> bool:
        """True when small counts are masked."""
        return self.mode == "diffusion"

    @property
    def seuil_phrases(self) -> int | None:
        """Threshold for the sentence helpers (None in analyst mode: every figure is said)."""
        return self.seuil if self.diffusion else None

    # --- registering ---------------------------------------------------------------------

    def enregistrer(self, lots: list[list], relations: list[dict] = ()) -> None:
        """Register count cells (lists of ``(position, colonne, quantité, valeur)``) as one batch
        and, in diffusion mode, choose the complementary suppressions among them."""
        deja = set(self.systeme.publiables)
        for cellules in lots:
            for _, _, q, v in cellules:
                self.systeme.ajouter(q, v)
        ajouter_complements(self.systeme)
        self.explicites.extend(relations)
        self.systeme.relations = []
        for relation in relations_connues(self.systeme) + self.explicites:
            self.systeme.relier(relation)
        if self.diffusion:
            nouveaux = self.systeme.publiables - deja
            masques = completer_suppressions(self.systeme, self.seuil, self.masques, modifiables=nouveaux,
                                             poids=poids_masquage)
            self.masques = retirer_masques_inutiles(self.systeme, masques, self.seuil, modifiables=nouveaux)

    def masquer(self, tableau: pd.DataFrame, cellules, derives=DERIVES) -> pd.DataFrame:
        """``tableau`` as published: masked cells and their derived columns show ``"s"``."""
        return _masquer_cellules(tableau, cellules, self.masques, derives) if self.diffusion else tableau

    def publier_indicateurs(self, *tableaux: pd.DataFrame) -> list[pd.DataFrame]:
        """Register tidy tables (indicators, series, progression) together; return them as published."""
        lots = [quantites_indicateurs(t, siren=self.siren) for t in tableaux]
        self.enregistrer(lots)
        return [self.masquer(t, c) for t, c in zip(tableaux, lots, strict=True)]

    # --- what notebooks ask for ------------------------------------------------------------

    def indicateurs(self) -> pd.DataFrame:
        """The tidy indicator table of the period, as published."""
        return self.resultats["indicateurs"]

    def progression(self) -> pd.DataFrame:
        """Year-to-date progression (quarterly report), as published."""
        return self.resultats["progression"]

    def serie(self, indicateur: str) -> pd.DataFrame:
        """Quarterly series of ``indicateur`` since the start of the data, as published."""
        return self.resultats[f"serie:{indicateur}"]

    def serie_annuelle(self, indicateur: str) -> pd.DataFrame:
        """Yearly evolution of ``indicateur`` (bilan), as published."""
        return self.resultats[f"annuelle:{indicateur}"]

    def placement(self) -> pd.DataFrame | None:
        """Leases by bailleur × residence situation (``Ensemble`` rows: the EPCI), as published;
        None without OPS survey."""
        return self.resultats.get("placement")

    def synthese_placement(self) -> pd.DataFrame | None:
        """Leases by residence situation for the whole EPCI, as published (None without OPS)."""
        placement = self.placement()
        if placement is None:
            return None
        return self.resultats["synthese_placement"]

    def placement_affiche(self) -> pd.DataFrame | None:
        """:meth:`placement` without the bailleur × situation rows that have no lease (the
        ``Ensemble`` rows stay complete); None without OPS survey."""
        placement = self.placement()
        if placement is None:
            return None
        baux = pd.to_numeric(placement["nb_baux"], errors="coerce")
        return placement[baux.ne(0) | (placement["bailleur"] == rs.ENSEMBLE)]

    def residences_carte(self, scores: pd.DataFrame) -> pd.DataFrame:
        """Residences for the map (:func:`cia_lib.restitution.residences.residences_pour_carte`),
        after :meth:`liste_residences`: a secret residence shows no score. Residences without
        fragility scores (no OPS survey yet) are returned as they are."""
        if "nb_menages" not in scores.columns or "incertaine" not in scores.columns:
            return scores
        return residences_pour_carte(self.liste_residences(scores))

    def repartition(self, tableau: pd.DataFrame, colonnes, groupe=None) -> pd.DataFrame:
        """A distribution whose total is published elsewhere (waiting times, profiles, funnel,
        data quality): counts from 1 to the threshold and the cells that would reveal them are
        masked (:func:`cia_lib.restitution.confidentialite.masquer_repartition`)."""
        if not self.diffusion:
            return tableau
        return masquer_repartition(tableau, colonnes, self.seuil, groupe=groupe)

    def entonnoir(self, tableau: pd.DataFrame) -> pd.DataFrame:
        """The attribution funnel (:func:`cia_lib.calculs.indicateurs.entonnoir_attributions`): its
        rows add up in two sums, each masked on its own so that no masked step can be recomputed
        from either (:func:`cia_lib.restitution.confidentialite.masquer_entonnoir`)."""
        return masquer_entonnoir(tableau, self.seuil) if self.diffusion else tableau

    def flux(self, annee: int, repartitions: bool = True):
        """The flux bilan of ``annee`` as published (:func:`cia_lib.restitution.flux.publier_flux`)."""
        from .flux import publier_flux

        return publier_flux(self.ctx.donnees, self.ctx.territoire, annee, self.mode, repartitions)

    def liste_residences(self, scores: pd.DataFrame) -> pd.DataFrame:
        """Flagged and uncertain residences: no residence-level count from 1 to the threshold."""
        return masquer_liste_diffusion(scores, self.seuil) if self.diffusion else scores

    def premier_peuplement(self, profil: pd.DataFrame) -> pd.DataFrame:
        """Profile of the first households of new programmes, as published."""
        return masquer_premier_peuplement(profil, self.seuil) if self.diffusion else profil

    def placement_residences(self, par_residence: pd.DataFrame) -> pd.DataFrame:
        """Leases in each flagged residence, with the total row « Ensemble des résidences signalées »,
        linked to the placement table (residences of a bailleur add up to its flagged situation)."""
        du, au = self.ctx.periode.du, self.ctx.periode.au
        libelle_total = "Ensemble des résidences signalées"
        comptes = list(MESURES_PLACEMENT)
        total = {c: int(par_residence[c].sum()) for c in comptes}
        t = pd.concat([par_residence, pd.DataFrame([{"nom_residence": libelle_total, **total}])], ignore_index=True)
        cellules, relations = [], []
        signalee = rs.EN_SIGNALEE
        for colonne, mesure in MESURES_PLACEMENT.items():
            par_bailleur: dict[str, list] = {}
            for position, ligne in enumerate(t.to_dict("records")):
                if ligne["nom_residence"] == libelle_total:
                    q = Quantite(mesure, NIVEAU_TOTAL, self.siren, jour(du), jour(au), signalee)
                else:
                    q = Quantite(mesure, "residence", str(ligne["id_residence"]), jour(du), jour(au), None)
                    par_bailleur.setdefault(str(ligne["bailleur"]), []).append(q)
                cellules.append((position, colonne, q, float(ligne[colonne])))
            tous = [q for membres in par_bailleur.values() for q in membres]
            relations.append({**{q: 1.0 for q in tous},
                              Quantite(mesure, NIVEAU_TOTAL, self.siren, jour(du), jour(au), signalee): -1.0})
            for bailleur, membres in par_bailleur.items():
                relations.append({**{q: 1.0 for q in membres},
                                  Quantite(mesure, "bailleur", bailleur, jour(du), jour(au), signalee): -1.0})
        self.enregistrer([cellules], relations)
        return self.masquer(t, cellules, {})

    # --- display -------------------------------------------------------------------------

    def tableau(self, df: pd.DataFrame, **options) -> Tableau:
        """:func:`cia_lib.restitution.presentation.tableau_html`, stamped in analyst mode (page and sheet)."""
        resultat = tableau_html(df, **options)
        if not self.diffusion:
            resultat.html = f'<p class="cia-mention" style="{_STYLE_MENTION}">{html.escape(MENTION_INTERNE)}</p>' + resultat.html
            resultat.mention = MENTION_INTERNE
        return resultat

    def bandeau(self):
        """The report banner, followed in analyst mode by :data:`MENTION_INTERNE`."""
        from IPython.display import HTML

        haut = bandeau(self.ctx).data
        if not self.diffusion:
            haut += f'<div class="cia-mention" style="{_STYLE_MENTION}">{html.escape(MENTION_INTERNE.upper())}</div>'
        return HTML(haut)

    def phrase_placement(self) -> str:
        """Sentence on the leases in flagged residences, from the published synthesis."""
        synthese = self.synthese_placement()
        if synthese is None:
            return ""
        sig = synthese.set_index("situation").loc[rs.EN_SIGNALEE]
        if any(isinstance(sig[c], str) for c in ("nb_baux", "nb_q1", "nb_prioritaires", "part_des_q1",
                                                  "part_des_prioritaires")):
            return "Les effectifs de baux dans les résidences signalées sont couverts par le secret statistique."
        return (
            f"Période : {self.ctx.periode.libelle}. **{int(sig['nb_baux'])}** baux signés dans les résidences "
            f"signalées, dont **{int(sig['nb_q1'])}** à des ménages du 1er quartile et **{int(sig['nb_prioritaires'])}**"
            f" à des ménages prioritaires, soit {rs.format_pct(sig['part_des_q1'])} des baux du 1er quartile et "
            f"{rs.format_pct(sig['part_des_prioritaires'])} des baux aux prioritaires du territoire."
        )


def _depuis(ctx) -> int:
    """First year shown by the evolution sections (start of the data, at most the report's year)."""
    return min(ctx.periode.annee, int(ctx.donnees.attributions["date_bail"].min().year))


def _placement_brut(ctx):
    """(controle_placement, synthesis) of the period, or (None, None) without OPS survey."""
    from cia_lib.erreurs import ErreurCIA

    try:
        annee_ops = rs.annee_ops_disponible(ctx.donnees.ops, ctx.periode.annee)
    except ErreurCIA:
        return None, None
    scores = rs.scores_fragilite(ctx.donnees.ops, ctx.donnees.residences, rs.charger_parametres_fragilite(), annee_ops)
    controle = rs.controle_placement(ctx.donnees.attributions, scores, ctx.territoire, ctx.periode.du, ctx.periode.au)
    return controle, rs.tableau_synthese_placement(controle)


def _ouvrir(ctx) -> Publication:
    pub = Publication(ctx.mode, ctx.territoire.seuil_secret, ctx.territoire.siren)
    pub.ctx = ctx
    return pub


def publication_flux(ctx) -> Publication:
    """The publication of the flux page of the bilan: its banner and tables go through the layer
    (analyst stamp), and :meth:`Publication.flux` gives the flux bilan masked in diffusion mode
    (:func:`cia_lib.restitution.flux.publier_flux`: primary and secondary suppression within the
    flux tables)."""
    return _ouvrir(ctx)


def _ajouter_placement(pub: Publication, ctx, lots: list, tableaux: list) -> tuple | None:
    controle, synthese = _placement_brut(ctx)
    if controle is None:
        return None
    cellules = cellules_placement(controle, pub.siren, ctx.periode.du, ctx.periode.au)
    synthese_cellules = cellules_placement(synthese.assign(bailleur=rs.ENSEMBLE), pub.siren,
                                           ctx.periode.du, ctx.periode.au)
    lots += [cellules, synthese_cellules]
    tableaux += [controle, synthese]
    return controle, synthese


def publication_bilan(ctx) -> Publication:
    """The bilan's publication: indicator table of the year, yearly evolution since the start
    of the data (with its quarters) and placement by residence situation, masked together.

    Every notebook of the bilan (``bilan_annuel``, ``cartes``, ``residences_sensibles``, the
    fiches) opens this same publication, so their pages agree. During a report run it is
    computed once and read by the other pages (:mod:`.partage_publications`, keyed by the
    content of ``ctx``).
    """
    return publication_partagee("bilan", ctx, lambda: _calculer_publication_bilan(ctx))


def _calculer_publication_bilan(ctx) -> Publication:
    pub = _ouvrir(ctx)
    T, du, au = ctx.territoire, ctx.periode.du, ctx.periode.au
    brut = {"indicateurs": ind.tableau_indicateurs(ctx.donnees, T, du, au)}
    for indicateur in INDICATEURS_SERIES:
        brut[f"annuelle:{indicateur}"] = serie_annuelle_periodes(
            ind.serie_trimestrielle(ctx.donnees, T, indicateur, _depuis(ctx), au))
    lots = [quantites_indicateurs(t, siren=pub.siren) for t in brut.values()]
    tableaux = list(brut.values())
    placement = _ajouter_placement(pub, ctx, lots, tableaux)
    pub.enregistrer(lots)
    derives = [DERIVES] * len(brut) + ([DERIVES_PLACEMENT, DERIVES_PLACEMENT] if placement is not None else [])
    publies = [pub.masquer(t, c, d) for t, c, d in zip(tableaux, lots, derives, strict=True)]
    pub.resultats.update(dict(zip(brut, publies, strict=False)))
    pub.bruts.update(brut)
    if placement is not None:
        pub.resultats["placement"], pub.resultats["synthese_placement"] = publies[-2], publies[-1]
    return pub


def publication_trimestrielle(ctx) -> Publication:
    """The quarterly report's publication: indicator table year to date, progression by quarter
    and quarterly series since the start of the data, masked together."""
    pub = _ouvrir(ctx)
    T, du, au = ctx.territoire, ctx.periode.du, ctx.periode.au
    brut = {
        "indicateurs": ind.tableau_indicateurs(ctx.donnees, T, du, au),
        "progression": ind.progression_annuelle(ctx.donnees, T, ctx.periode.annee, ctx.trimestre),
    }
    for indicateur in INDICATEURS_SERIES:
        brut[f"serie:{indicateur}"] = ind.serie_trimestrielle(ctx.donnees, T, indicateur, _depuis(ctx), au)
    pub.resultats.update(dict(zip(brut, pub.publier_indicateurs(*brut.values()), strict=True)))
    return pub


def publication_comparaison(ctx, tableau_multi: pd.DataFrame) -> Publication:
    """The EPCI comparison: the EPCI rows of a multi-EPCI indicator table, masked together
    (key: each EPCI's SIREN)."""
    pub = _ouvrir(ctx)
    lignes = tableau_multi[tableau_multi["niveau"] == NIVEAU_TOTAL].reset_index(drop=True)
    (pub.resultats["indicateurs"],) = pub.publier_indicateurs(lignes)
    return pub


def serie_annuelle_periodes(serie: pd.DataFrame) -> pd.DataFrame:
    """:func:`cia_lib.restitution.presentation.serie_annuelle` with each year's period
    (``du``/``au``: 1 January to the end of the last quarter), so that it links to the quarters."""
    annuelle = serie_annuelle(serie)
    fins = serie.sort_values(["annee", "trimestre"]).groupby("annee")["au"].last()
    return annuelle.assign(du=[pd.Timestamp(int(a), 1, 1) for a in annuelle["annee"]],
                           au=[fins.loc[a] for a in annuelle["annee"]])
