"""Fiches: one page per commune (for its mayor) and one per bailleur, built with the bilan.

A fiche takes its headline figures from the same indicator table as the bilan (rows of the
commune or the bailleur), so its figures are the bilan's; the details (by réservataire,
waiting times, evolution since the start of the convention) are computed on the leases of
that commune or bailleur only. Masking for diffusion goes through one function,
:func:`masquer_fiches`: the fiches' counts are registered in the bilan's publication
(:mod:`cia_lib.restitution.publication`) and masked with the whole report
(:func:`publication_fiches`, shared by the two fiche pages).
"""

from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass

import pandas as pd

from cia_lib.calculs import indicateurs as ind
from cia_lib.calculs import residences as res
from cia_lib.erreurs import ErreurCIA, ErreurParametre

from .confidentialite import masquer_repartition
from .presentation import commentaire, phrase_delais, tableau_html
from .publication import serie_annuelle_periodes
from .quantites import Quantite, niveau_croise, nombre_ou_rien, quantites_indicateurs

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
        detail = ind.tableau_indicateurs(sous, T, du, au, selection=[("prioritaires", "reservataire")])
        evolution = {indicateur: serie_annuelle_periodes(ind.serie_trimestrielle(sous, T, indicateur, depuis, au))
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


MESURES_RESERVATAIRES = {"numerateur": "baux_prioritaires", "denominateur": "baux"}
"""Counts of a fiche's réservataire table (leases to priority households / leases, per contingent)."""


def cellules_reservataires(fiche: Fiche, siren: str) -> tuple[list, list[dict], dict]:
    """Quantities of a fiche's réservataire table and the relations a reader knows about them.

    Each count is crossed with the fiche's commune or bailleur (:func:`.quantites.niveau_croise`):
    the contingents of a commune add up to the commune's count in the bilan, and a contingent's
    counts over all communes (or all bailleurs) add up to its count in the bilan. Leases of no
    listed contingent, if any, are a hidden remainder.

    Returns
    -------
    tuple
        ``(cellules, relations, restes)``: cells ``(position, colonne, quantité, valeur)`` of
        the table, the relation of each count column to the fiche's total, and the hidden
        remainders ``{quantité: valeur}`` to register as non-published quantities.
    """
    niveau = niveau_croise(fiche.niveau, fiche.cle, "reservataire")
    cellules = [(p, c, q._replace(niveau=niveau), v)
                for p, c, q, v in quantites_indicateurs(fiche.reservataires, siren=siren)
                if c in MESURES_RESERVATAIRES]
    relations, restes = [], {}
    for colonne, mesure in MESURES_RESERVATAIRES.items():
        membres = [(q, v) for _, c, q, v in cellules if c == colonne]
        if not membres:
            continue
        q0 = membres[0][0]
        total = Quantite(mesure, fiche.niveau, fiche.cle, q0.du, q0.au)
        relation = {q: 1.0 for q, _ in membres}
        valeur_total = _valeur(fiche.chiffres, colonne)
        reste = None if valeur_total is None else valeur_total - sum(v for _, v in membres)
        if reste:
            autre = q0._replace(cle="(aucun contingent listé)")
            restes[autre] = reste
            relation[autre] = 1.0
        relations.append({**relation, total: -1.0})
    return cellules, relations, restes


def _valeur(chiffres: pd.DataFrame, colonne: str) -> float | None:
    """The fiche's own count of leases (``denominateur``) or of leases to priority households
    (``numerateur``), from its ``prioritaires`` headline row (None when absent or masked)."""
    ligne = chiffres[chiffres["indicateur"] == "prioritaires"]
    if ligne.empty:
        return None
    return nombre_ou_rien(ligne.iloc[0][colonne])


def relations_contingents(cellules_par_fiche: list[list], valeurs: dict) -> tuple[list[dict], dict]:
    """Each contingent's counts over the fiches of one kind add up to its count in the bilan
    (``valeurs``: true values of the publication's quantities); leases of that contingent in no
    fiche (no bailleur, say) are a hidden remainder.

    Returns
    -------
    tuple
        ``(relations, restes)`` as in :func:`cellules_reservataires`.
    """
    groupes: dict[tuple, list] = {}
    for cellules in cellules_par_fiche:
        for _, _, q, v in cellules:
            groupes.setdefault((q.mesure, q.cle, q.du, q.au), []).append((q, v))
    relations, restes = [], {}
    for (mesure, cle, du, au), membres in groupes.items():
        total = Quantite(mesure, "reservataire", cle, du, au)
        if total not in valeurs:
            continue
        relation = {q: 1.0 for q, _ in membres}
        reste = valeurs[total] - sum(v for _, v in membres)
        if reste < 0:  # cannot happen with consistent tables: no relation rather than a false one
            continue
        if reste:
            autre = membres[0][0]._replace(niveau=f"{membres[0][0].niveau}:hors fiches")
            restes[autre] = reste
            relation[autre] = 1.0
        relations.append({**relation, total: -1.0})
    return relations, restes


def cellules_evolution(fiche: Fiche, serie: pd.DataFrame, siren: str) -> list:
    """Quantities of a fiche's yearly evolution: the commune's (or bailleur's) counts of each
    year (the year of the bilan is the same quantity as in the bilan's table)."""
    return quantites_indicateurs(serie.assign(niveau=fiche.niveau, cle=fiche.cle), siren=siren)


def masquer_fiches(pub, fiches: list[Fiche]) -> list[Fiche]:
    """The fiches as they may be shown in the publication's mode (the one masking step).

    In diffusion mode: the headline rows are the bilan's rows **as the bilan publishes them**
    (:meth:`cia_lib.restitution.publication.Publication.indicateurs`: same figures, same « s »);
    the réservataire rows and the evolution of every commune and bailleur are registered in the
    publication as quantities, with the relations a reader knows (they add up to the bilan's
    figures), and masked **together with the whole report** (complementary suppressions chosen
    by the publication, the bilan's decisions kept); the waiting-time bands are masked as a
    distribution, and the sentence on waiting times withholds figures based on too few leases.
    In analyste mode: unchanged.

    Parameters
    ----------
    pub : cia_lib.restitution.publication.Publication
        The bilan's publication (:func:`cia_lib.restitution.publication.publication_bilan`);
        the fiches' counts are added to it.
    fiches : list of Fiche
        From :func:`preparer_fiches` (one kind or several).

    Returns
    -------
    list of Fiche
    """
    if not pub.diffusion:
        return list(fiches)
    seuil = pub.seuil
    reservataires = [cellules_reservataires(f, pub.siren) for f in fiches]
    evolutions = [{k: cellules_evolution(f, v, pub.siren) for k, v in f.evolution.items()} for f in fiches]
    restes = {q: v for _, _, r in reservataires for q, v in r.items()}
    relations = [r for _, rel, _ in reservataires for r in rel]
    for niveau in sorted({f.niveau for f in fiches}):
        par_contingent, restes_contingents = relations_contingents(
            [c for f, (c, _, _) in zip(fiches, reservataires, strict=True) if f.niveau == niveau], pub.systeme.valeurs)
        relations += par_contingent
        restes.update(restes_contingents)
    for q, v in restes.items():
        pub.systeme.ajouter(q, v, publiable=False)
    pub.enregistrer([c for c, _, _ in reservataires] + [c for e in evolutions for c in e.values()], relations)
    tableau = pub.indicateurs()
    sorties = []
    for f, (cellules, _, _), evolution in zip(fiches, reservataires, evolutions, strict=True):
        sorties.append(dataclasses.replace(
            f,
            chiffres=_chiffres(tableau, f.niveau, f.cle),
            reservataires=pub.masquer(f.reservataires, cellules),
            delais=masquer_repartition(f.delais, {"effectif": ["part"]}, seuil),
            evolution={k: pub.masquer(v, evolution[k]) for k, v in f.evolution.items()},
            seuil=seuil,
        ))
    return sorties


def publication_fiches(ctx):
    """The bilan's publication with **every** fiche (communes and bailleurs) registered on top of
    it: both fiche pages show figures masked together with the bilan and with each other. During
    a report run it is computed once (by the first fiche page) and read by the other
    (:mod:`.partage_publications`).

    Returns
    -------
    Publication
        ``resultats["fiches:commune"]`` and ``resultats["fiches:bailleur"]``: lists of
        :class:`Fiche` as published.
    """
    from .partage_publications import publication_partagee

    return publication_partagee("fiches", ctx, lambda: _calculer_publication_fiches(ctx))


def _calculer_publication_fiches(ctx):
    from .publication import publication_bilan

    pub = publication_bilan(ctx)
    brutes = {niveau: preparer_fiches(ctx, niveau, pub.bruts["indicateurs"]) for niveau in NIVEAUX_FICHES}
    publiees = masquer_fiches(pub, [f for fiches in brutes.values() for f in fiches])
    debut = 0
    for niveau, fiches in brutes.items():
        pub.resultats[f"fiches:{niveau}"] = publiees[debut:debut + len(fiches)]
        debut += len(fiches)
    return pub


def fiches_du_bilan(ctx, niveau: str, pub=None) -> list[Fiche]:
    """Every fiche of ``niveau``, computed and masked for the context's mode (what a fiche
    notebook shows), from :func:`publication_fiches` (``pub``: that publication, opened from
    ``ctx`` when None or when it does not hold the fiches)."""
    if niveau not in NIVEAUX_FICHES:
        raise ErreurParametre(f"fiche inconnue : {niveau!r} (attendu : {', '.join(NIVEAUX_FICHES)}).")
    if pub is None or f"fiches:{niveau}" not in pub.resultats:
        pub = publication_fiches(ctx)
    return pub.resultats[f"fiches:{niveau}"]


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
