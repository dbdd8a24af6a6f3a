"""Fiches: one page per commune (for its mayor) and one per bailleur, built with the bilan.

A fiche takes its headline figures from the same indicator table as the bilan (rows of the
commune or the bailleur), so its figures are the bilan's; the details (by réservataire,
waiting times, evolution since the start of the convention) are computed on the leases of
that commune or bailleur only. Masking for diffusion goes through one function,
:func:`masquer_fiches`, fed by the bilan's publication (:mod:`cia_lib.restitution.publication`).
"""

from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass

import pandas as pd

from cia_lib.calculs import indicateurs as ind
from cia_lib.calculs import residences as res
from cia_lib.erreurs import ErreurCIA, ErreurParametre

from .confidentialite import masquer_repartition, masquer_si_diffusion
from .presentation import commentaire, phrase_delais, serie_annuelle, tableau_html

NIVEAUX_FICHES = {"commune": "Fiche de la commune", "bailleur": "Fiche du bailleur"}
"""The kinds of fiche and their French title."""

INDICATEURS_FICHE = {
    "commune": ("q1_hors_qpv", "prioritaires", "hors_q1_en_qpv", "mutations_part_attributions", "pression"),
    "bailleur": ("q1_hors_qpv", "prioritaires", "mutations_internes"),
}
"""Headline rows of a fiche (indicators present at that level of the bilan's table)."""

SUIVIS_EVOLUTION = (("q1_hors_qpv", "1er quartile hors QPV"), ("prioritaires", "Ménages prioritaires"))

COLONNES_CHIFFRES = ("indicateur", "numerateur", "denominateur", "taux", "cible", "statut")


@dataclass
class Fiche:
    """What one fiche shows (raw counts until :func:`masquer_fiches`)."""

    niveau: str
    cle: str
    libelle: str
    chiffres: pd.DataFrame
    reservataires: pd.DataFrame
    delais: pd.DataFrame
    resume_delais: dict
    evolution: dict
    residences_signalees: list[str]
    seuil: int | None = None

    @property
    def ancre(self) -> str:
        """HTML id of the fiche (``commune-95313``, ``bailleur-cdc-habitat``)."""
        return f"{self.niveau}-{ancre(self.cle)}"


def ancre(texte: str) -> str:
    """A readable HTML id from a code or a name.

    Examples
    --------
    >>> ancre("Immobilière 3F"), ancre("95313")
    ('immobiliere-3f', '95313')
    """
    import unicodedata

    simple = unicodedata.normalize("NFKD", str(texte)).encode("ascii", "ignore").decode("ascii").lower()
    return "-".join("".join(c if c.isalnum() else " " for c in simple).split())


def sous_donnees(donnees, niveau: str, cle: str):
    """The processed tables of one commune (leases, demands, residences located there) or
    one bailleur (its leases and residences; demands have no bailleur and are kept whole).

    Returns
    -------
    cia_lib.entrees.donnees.Donnees
    """
    if niveau not in NIVEAUX_FICHES:
        raise ErreurParametre(f"fiche inconnue : {niveau!r} (attendu : {', '.join(NIVEAUX_FICHES)}).")
    att, dem, resid = donnees.attributions, donnees.demandes, donnees.residences
    if niveau == "commune":
        att = att[att["code_commune"] == cle]
        dem = dem[dem["code_commune_souhaitee"] == cle]
        resid = resid[resid["code_commune"] == cle]
    else:
        att = att[att["bailleur"] == cle]
        resid = resid[resid["bailleur"] == cle]
    ops = donnees.ops[donnees.ops["id_residence"].isin(resid["id_residence"])]
    return dataclasses.replace(donnees, attributions=att.reset_index(drop=True), demandes=dem.reset_index(drop=True),
                               residences=resid.reset_index(drop=True), ops=ops.reset_index(drop=True))


def residences_signalees(donnees, annee: int) -> pd.DataFrame:
    """The residences flagged « sensibles » on the whole territory (``nom_residence``,
    ``code_commune``, ``bailleur``), as the bilan's residences page flags them; empty without
    OPS survey.

    Each residence is scored against the averages of the **whole territory**: a fiche takes its
    commune's or bailleur's rows from this table, it never scores a residence against the
    averages of its own commune or bailleur.
    """
    colonnes = ["nom_residence", "code_commune", "bailleur"]
    try:
        annee_ops = res.annee_ops_disponible(donnees.ops, annee)
    except ErreurCIA:
        return pd.DataFrame(columns=colonnes)
    scores = res.scores_fragilite(donnees.ops, donnees.residences, res.charger_parametres_fragilite(), annee_ops)
    return scores.loc[scores["signalee"].fillna(False).astype(bool), colonnes].reset_index(drop=True)


def _signalees_de(signalees: pd.DataFrame, niveau: str, cle: str) -> list[str]:
    colonne = "code_commune" if niveau == "commune" else "bailleur"
    return sorted(signalees.loc[signalees[colonne].astype(str) == cle, "nom_residence"].astype(str))


def preparer_fiches(ctx, niveau: str, tableau_brut: pd.DataFrame) -> list[Fiche]:
    """Raw fiches of every commune (configuration order) or every bailleur of the bilan's table.

    Parameters
    ----------
    ctx : cia_lib.restitution.contexte.Contexte
    niveau : {"commune", "bailleur"}
    tableau_brut : pandas.DataFrame
        The bilan's indicator table, not masked (:func:`cia_lib.calculs.indicateurs.tableau_indicateurs`).

    Returns
    -------
    list of Fiche
        Not masked: pass them to :func:`masquer_fiches` before showing them.
    """
    T, du, au = ctx.territoire, ctx.periode.du, ctx.periode.au
    lignes = tableau_brut[(tableau_brut["niveau"] == niveau) & (tableau_brut["indicateur"] == "prioritaires")]
    debut = ctx.donnees.attributions["date_bail"].min()
    depuis = min(ctx.periode.annee, int(debut.year)) if pd.notna(debut) else ctx.periode.annee
    signalees = residences_signalees(ctx.donnees, ctx.periode.annee)
    fiches = []
    for cle, libelle in zip(lignes["cle"].astype(str), lignes["libelle"].astype(str), strict=True):
        sous = sous_donnees(ctx.donnees, niveau, cle)
        detail = ind.tableau_indicateurs(sous, T, du, au)
        evolution = {indicateur: serie_annuelle(ind.serie_trimestrielle(sous, T, indicateur, depuis, au))
                     for indicateur, _ in SUIVIS_EVOLUTION}
        fiches.append(Fiche(
            niveau=niveau, cle=cle, libelle=libelle,
            chiffres=_chiffres(tableau_brut, niveau, cle),
            reservataires=detail[(detail["niveau"] == "reservataire") & (detail["indicateur"] == "prioritaires")],
            delais=ind.delais_attente(sous, T, du, au),
            resume_delais=ind.resume_delais(sous, T, du, au),
            evolution=evolution,
            residences_signalees=_signalees_de(signalees, niveau, cle),
        ))
    return fiches


def _chiffres(tableau: pd.DataFrame, niveau: str, cle: str) -> pd.DataFrame:
    lignes = tableau[(tableau["niveau"] == niveau) & (tableau["cle"].astype(str) == cle)
                     & tableau["indicateur"].isin(INDICATEURS_FICHE[niveau])]
    ordre = {code: i for i, code in enumerate(INDICATEURS_FICHE[niveau])}
    lignes = lignes.assign(_ordre=lignes["indicateur"].map(ordre)).sort_values("_ordre")
    return lignes[list(COLONNES_CHIFFRES)].reset_index(drop=True)


def masquer_fiches(pub, fiches: list[Fiche]) -> list[Fiche]:
    """The fiches as they may be shown in the publication's mode (the one masking step).

    In diffusion mode: the headline rows are the bilan's rows **as the bilan publishes them**
    (:meth:`cia_lib.restitution.publication.Publication.indicateurs`: same figures, same « s »,
    chosen once for the whole report); the réservataire rows and the evolution of the commune
    or bailleur are masked as indicator tables, the waiting-time bands as a distribution, and
    the sentence on waiting times withholds figures based on too few leases. In analyste
    mode: unchanged.

    Parameters
    ----------
    pub : cia_lib.restitution.publication.Publication
        The bilan's publication (:func:`cia_lib.restitution.publication.publication_bilan`).
    fiches : list of Fiche
        From :func:`preparer_fiches`.

    Returns
    -------
    list of Fiche
    """
    seuil, diffusion = pub.seuil, pub.diffusion
    tableau = pub.indicateurs()
    sorties = []
    for f in fiches:
        delais = masquer_repartition(f.delais, {"effectif": ["part"]}, seuil) if diffusion else f.delais
        sorties.append(dataclasses.replace(
            f,
            chiffres=_chiffres(tableau, f.niveau, f.cle),
            reservataires=masquer_si_diffusion(f.reservataires, diffusion, seuil),
            delais=delais,
            evolution={k: masquer_si_diffusion(v, diffusion, seuil) for k, v in f.evolution.items()},
            seuil=seuil if diffusion else None,
        ))
    return sorties


def fiches_du_bilan(ctx, niveau: str, pub=None) -> list[Fiche]:
    """Every fiche of ``niveau``, computed and masked for the context's mode (what a fiche
    notebook calls); ``pub``: the bilan's publication (opened from ``ctx`` when None)."""
    from .publication import publication_bilan

    pub = publication_bilan(ctx) if pub is None else pub
    return masquer_fiches(pub, preparer_fiches(ctx, niveau, pub.bruts["indicateurs"]))


# --- display ------------------------------------------------------------------------------


def sommaire(fiches: list[Fiche]):
    """Links to each fiche of the page (IPython HTML)."""
    from IPython.display import HTML

    liens = " · ".join(f'<a href="#{f.ancre}">{html.escape(f.libelle)}</a>' for f in fiches)
    quoi = "d’une commune" if fiches and fiches[0].niveau == "commune" else "d’un bailleur"
    return HTML(f'<nav class="cia-sommaire" aria-label="Fiches"><p><strong>Aller à la fiche {quoi} :</strong> '
                f"{liens}</p><p>Retour au <a href=\"bilan_annuel.html\">bilan annuel</a>.</p></nav>")


def _html(objet) -> str:
    return objet._repr_html_() if hasattr(objet, "_repr_html_") else str(objet)


def html_fiche(fiche: Fiche, periode: str, montrer=tableau_html) -> str:
    """HTML of one fiche (already masked), in the visual language of the reports; its tables are
    drawn by ``montrer`` (the publication's :meth:`~cia_lib.restitution.publication.Publication.tableau`
    in a report: analyst pages are stamped « usage interne »).

    Printed, every fiche starts a new page (the first page holds the title and the links).
    """
    titre = f"{NIVEAUX_FICHES[fiche.niveau]} : {fiche.libelle}"
    morceaux = [f'<section class="cia-fiche" id="{html.escape(fiche.ancre)}">',
                f"<h2>{html.escape(titre)}</h2>", f"<p>Baux signés sur la période ({html.escape(periode)}).</p>"]
    morceaux.append(_html(montrer(
        fiche.chiffres, titre="Les engagements de la CIA", libelles={"numerateur": "Effectif", "denominateur": "Baux",
                                                                    "taux": "Valeur"},
        note="Valeur : part des baux (%), ou demandes actives par bail signé pour la pression ; "
             "« s » : secret statistique ; « – » : sans objet. Mêmes chiffres que le bilan.")))
    morceaux.append('<div class="cia-cote-a-cote"><div><h3>Ménages prioritaires par contingent</h3>')
    morceaux.append(_html(montrer(
        fiche.reservataires[["libelle", "numerateur", "denominateur", "taux", "cible"]],
        libelles={"libelle": "Réservataire", "numerateur": "Prioritaires", "denominateur": "Baux"})))
    morceaux.append("</div><div><h3>Délais d’attente</h3>")
    morceaux.append(_html(montrer(fiche.delais, libelles={"tranche": "Ancienneté au bail",
                                                              "effectif": "Baux", "part": "Part"})))
    morceaux.append("</div></div>")
    morceaux.append(f"<p>{html.escape(phrase_delais(fiche.resume_delais, fiche.seuil))}</p>")
    morceaux.append("<h3>Résidences signalées fragiles</h3>")
    if fiche.residences_signalees:
        morceaux.append(f"<p>{len(fiche.residences_signalees)} résidence(s) signalée(s) d’après la dernière enquête "
                        f"OPS : {html.escape(', '.join(fiche.residences_signalees))}.</p>")
    else:
        morceaux.append("<p>Aucune résidence signalée fragile (ou pas d’enquête OPS pour l’année).</p>")
    morceaux.append("<h3>Évolution depuis le début de la convention</h3>")
    morceaux.append('<div class="cia-cote-a-cote">')
    for indicateur, libelle in SUIVIS_EVOLUTION:
        serie = fiche.evolution[indicateur]
        morceaux.append(_html(montrer(
            serie[["periode", "numerateur", "denominateur", "taux", "cible"]], titre=libelle,
            libelles={"periode": "Année", "numerateur": "Effectif", "denominateur": "Baux"})))
    morceaux.append("</div></section>")
    return "".join(morceaux)


def afficher_fiches(pub, niveau: str):
    """Display every fiche of ``niveau`` (summary of links, then one section per fiche).

    Parameters
    ----------
    pub : cia_lib.restitution.publication.Publication
        The bilan's publication (its context gives the data and the period).
    niveau : {"commune", "bailleur"}

    Returns
    -------
    list
        IPython objects to display, in order.
    """
    ctx = pub.ctx
    fiches = fiches_du_bilan(ctx, niveau, pub)
    if not fiches:
        quoi = "Aucune commune" if niveau == "commune" else "Aucun bailleur"
        return [commentaire(f"{quoi} dans le tableau des indicateurs de la période : pas de fiche.")]
    from IPython.display import HTML

    return [sommaire(fiches)] + [HTML(html_fiche(f, ctx.periode.libelle, pub.tableau)) for f in fiches]
