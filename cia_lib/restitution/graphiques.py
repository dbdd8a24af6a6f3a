"""Charts of the reports (matplotlib): every rate is drawn with its target line and counts.

Functions return a :class:`matplotlib.figure.Figure`; they compute nothing but the drawing.
Masked values (``"s"``, diffusion mode) are not drawn and are labelled « s ».
Rendering is deterministic (no dates in files, fixed SVG hash salt) so that two runs of a
report give identical pages.
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import pandas as pd

from .confidentialite import MASQUE
from .presentation import SEL_SVG, format_taux

COULEUR_BARRE = "#1f3b73"
COULEUR_SOUS_CIBLE = "#c0504d"
COULEUR_CIBLE = "#e08a00"
COULEUR_INSUFFISANT = "#c8c8c8"
STATUT_INSUFFISANT = "effectif insuffisant"

matplotlib.rcParams.update(
    {
        "svg.hashsalt": SEL_SVG,  # any SVG saved from a figure of the workbench (maps too)
        # texts measured as a browser draws them (the charts are SVG with live text): without the
        # hinting that rounds every glyph to whole pixels at 96 dpi, a title measured to fit
        # could pass its place by several per cent
        "text.hinting": "no_hinting",
        "figure.dpi": 96,
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)


def _nombre(v):
    if isinstance(v, str) or v is None:
        return None
    try:
        return None if pd.isna(v) else float(v)
    except (TypeError, ValueError):
        return None


def _colonne_libelle(tableau: pd.DataFrame) -> str:
    for nom in ("libelle", "cle", "nom"):
        if nom in tableau.columns:
            return nom
    return tableau.columns[0]


def graphique_taux_cible(
    tableau: pd.DataFrame,
    indicateur: str,
    niveau: str,
    cible: float | None,
    titre: str,
    colonne_libelle: str | None = None,
) -> plt.Figure:
    """Horizontal bars of a rate per key (commune, bailleur...), target line and ``n=`` counts.

    Parameters
    ----------
    tableau : pandas.DataFrame
        Tidy indicator table (columns ``indicateur``, ``niveau``, ``taux``, ``numerateur``,
        ``denominateur`` and a label column), possibly masked.
    indicateur, niveau : str
        Rows to draw.
    cible : float or None
        Target share (drawn as a dashed vertical line) — from the territory configuration.
    titre : str
        French title.
    colonne_libelle : str, optional
        Column naming the bars (default ``libelle`` then ``cle``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    lignes = tableau[(tableau["indicateur"] == indicateur) & (tableau["niveau"] == niveau)]
    colonne_libelle = colonne_libelle or _colonne_libelle(lignes)
    libelles = [str(v) for v in lignes[colonne_libelle]]
    taux = [_nombre(v) for v in lignes["taux"]]
    hauteur = max(2.2, 0.42 * len(lignes) + 1.2)
    fig, ax = plt.subplots(figsize=(7.5, hauteur + 0.4))
    positions = list(range(len(lignes)))[::-1]
    cibles_barres = (
        [cible] * len(lignes) if cible is not None or "cible" not in lignes.columns
        else [_nombre(c) for c in lignes["cible"]]
    )
    statuts = list(lignes["statut"]) if "statut" in lignes.columns else [None] * len(lignes)
    deja = set()
    for y, t, num, den, c, statut in zip(
        positions, taux, lignes["numerateur"], lignes["denominateur"], cibles_barres, statuts, strict=True
    ):
        if t is not None:
            # too few leases to judge: grey and hatched, whatever the rate
            if statut == STATUT_INSUFFISANT:
                style = dict(color=COULEUR_INSUFFISANT, hatch="///", edgecolor="#888"), "effectif insuffisant pour conclure"
            elif c is not None and t < c:
                style = dict(color=COULEUR_SOUS_CIBLE), "sous la cible"
            else:
                style = dict(color=COULEUR_BARRE), "cible atteinte" if c is not None else "taux"
            proprietes, legende = style
            ax.barh(y, t, height=0.65, label=None if legende in deja else legende, **proprietes)
            deja.add(legende)
            etiquette = f"{format_taux(t)}  ({_texte_effectif(num)}/{_texte_effectif(den)})"
            ax.text(t + 0.01, y, etiquette, va="center", fontsize=8)
        else:
            masque = MASQUE in (num, den)
            etiquette = "s (secret statistique)" if masque else "sans objet"
            ax.text(0.01, y, f"{etiquette}, n={_texte_effectif(den)}", va="center", fontsize=8, color="#555")
    if cible is not None:
        ax.axvline(cible, color=COULEUR_CIBLE, linestyle="--", linewidth=1.5, label=f"cible {format_taux(cible, 0)}")
    elif "cible" in lignes.columns:
        # one target per bar (e.g. État 100 %, other contingents 25 %)
        propres = [(y, _nombre(c)) for y, c in zip(positions, lignes["cible"], strict=True) if _nombre(c) is not None]
        for k, (y, c) in enumerate(propres):
            ax.plot([c, c], [y - 0.4, y + 0.4], color=COULEUR_CIBLE, linestyle="--", linewidth=1.5,
                    label="cible du contingent" if k == 0 else None)
    if ax.get_legend_handles_labels()[0]:
        # under the chart, never over a bar
        fig.legend(*ax.get_legend_handles_labels(), loc="lower center", bbox_to_anchor=(0.5, 0.0), ncols=2,
                   fontsize=8, frameon=False)
    ax.set_yticks(positions)
    ax.set_yticklabels(libelles)
    ax.set_ylim(-0.6, len(lignes) - 0.4)  # room for the texts of the first and last rows
    cibles = [_nombre(c) for c in lignes["cible"]] if "cible" in lignes.columns else []
    maximum = max([t for t in taux if t is not None] + [c for c in cibles if c is not None] + [cible or 0, 0.3])
    ax.set_xlim(0, min(1.3, maximum + 0.3))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _p: format_taux(v, 0)))
    ax.set_title(titre, loc="left", fontsize=10, fontweight="bold")
    ax.set_xlabel("part des baux signés (effectif / total entre parenthèses)")
    disposer_barres(fig)
    fig.cia_disposer = disposer_barres  # called again by presentation.image for the phone size
    return fig


MARGE_POUCES = 3 / 72
"""Space around the chart and between its parts (3 points, as matplotlib's constrained layout)."""


def _plier(texte: str, largeur: float, mesure) -> str:
    r"""``texte`` on as few lines as possible, each at most ``largeur`` inches wide
    (``mesure(texte)`` gives the width of one line); unchanged when it fits.

    Words are placed one after the other, a new line starting when the next word would pass the
    width (first fit: the fewest lines); a word wider than ``largeur`` stays whole on its line.

    >>> _plier("un deux trois quatre", 10, len)
    'un deux\ntrois\nquatre'
    >>> _plier("un deux", 10, len)
    'un deux'
    """
    mots = texte.replace("\n", " ")
    if mesure(mots) <= largeur:
        return mots
    lignes: list[str] = []
    for mot in mots.split():
        essai = f"{lignes[-1]} {mot}" if lignes else mot
        if lignes and mesure(essai) <= largeur:
            lignes[-1] = essai
        else:
            lignes.append(mot)
    return "\n".join(lignes)


def _mesure(fig: plt.Figure, artiste):
    """Function giving the width (inches) of a one-line text in ``artiste``'s font."""
    renderer = fig.canvas.get_renderer()

    def mesure(texte):
        return renderer.get_text_width_height_descent(texte, artiste.get_fontproperties(), ismath=False)[0] / fig.dpi

    return mesure


def _replier(fig: plt.Figure, artiste, cle: str, place: float) -> None:
    """Set ``artiste``'s text to its original one (kept on the figure under ``cle`` the first
    time) folded to ``place`` inches: a narrower size folds it, the page size unfolds it again."""
    original = fig.__dict__.setdefault("cia_textes", {}).setdefault(cle, artiste.get_text())
    artiste.set_text(_plier(original, place, _mesure(fig, artiste)))


def _tic(axe) -> float:
    """Length (inches) of an axis' tick and the space between it and its label."""
    graduations = axe.get_major_ticks()
    return (graduations[0].get_pad() + graduations[0].get_tick_padding()) / 72 if graduations else 7 / 72


def _graduations_y(ax, renderer) -> float:
    """Width (inches) the y axis takes left of the axes: its widest tick label and the tick."""
    etiquettes = [t.get_window_extent(renderer).width for t in ax.get_yticklabels() if t.get_text()]
    return max(etiquettes + [0.0]) / ax.figure.dpi + _tic(ax.yaxis)


def plier_titre(fig: plt.Figure) -> None:
    """Fold the left title of a one-axes chart laid out by constrained layout onto as many lines
    as the figure's current width needs (phone size); constrained layout then makes room for them.

    The title starts at the axes' left edge, right of the widest tick label of the y axis;
    its original text is kept, so that the page size unfolds it again.
    """
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    gauche = _graduations_y(ax, renderer) + ax.yaxis.label.get_window_extent(renderer).width / fig.dpi
    _replier(fig, ax._left_title, "titre", fig.get_size_inches()[0] - gauche - 3 * MARGE_POUCES)


def disposer_barres(fig: plt.Figure) -> None:
    """Place the axes of a one-axes bar chart by hand, for the figure's current size.

    Measures the texts that stand outside the axes (labels of the bars on the left, title,
    axis label and tick labels below, legend under the chart, and the value written after each
    bar, which may pass the axes' right edge on a narrow figure), folds the title and the axis
    label onto several lines when the figure is too narrow for them (phone size), then sets the
    margins so that everything fits. With no layout engine, saving the figure draws it once (a
    layout engine makes every save draw it twice: about a third of a report's chart time).
    """
    from matplotlib.font_manager import FontProperties

    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    largeur, hauteur = fig.get_size_inches()
    pouces = fig.dpi

    def taille(artiste):
        boite = artiste.get_window_extent(renderer)
        return boite.width / pouces, boite.height / pouces

    tic = _tic(ax.yaxis)
    police_graduation = FontProperties(size=plt.rcParams["xtick.labelsize"])
    gauche = _graduations_y(ax, renderer) + MARGE_POUCES
    # values written after the bars, and the last tick label: the axes end early enough for them
    xmin, xmax = ax.get_xlim()
    graduees = [x for x in ax.get_xticks() if xmin - 1e-9 <= x <= xmax + 1e-9]
    fin = 0.0
    if graduees:
        texte = ax.xaxis.get_major_formatter()(graduees[-1], len(graduees) - 1)
        fin = renderer.get_text_width_height_descent(texte, police_graduation, ismath=False)[0] / pouces / 2
    textes = [(t, t.get_position()[0]) for t in ax.texts]
    droite = max(MARGE_POUCES, fin + MARGE_POUCES)
    for _ in range(3):
        largeur_axes = largeur - gauche - droite
        besoin = max([taille(t)[0] + largeur_axes * (x - xmin) / (xmax - xmin) - largeur_axes for t, x in textes]
                     + [fin])
        droite = max(MARGE_POUCES, besoin + MARGE_POUCES)
    # title (left-aligned on the axes) and axis label (centred under them), folded to fit
    _replier(fig, ax._left_title, "titre", largeur - gauche - MARGE_POUCES)
    centre = gauche + (largeur - gauche - droite) / 2
    _replier(fig, ax.xaxis.label, "axe", 2 * min(centre, largeur - centre) - 2 * MARGE_POUCES)
    haut = taille(ax._left_title)[1] + 6 / 72 + MARGE_POUCES
    legende = taille(fig.legends[0])[1] if fig.legends else 0.0
    bas = (legende + taille(ax.xaxis.label)[1] + 1.2 * police_graduation.get_size_in_points() / 72 + tic
           + 2 * MARGE_POUCES)
    fig.subplots_adjust(left=gauche / largeur, right=1 - droite / largeur,
                        bottom=min(bas / hauteur, 0.45), top=1 - min(haut / hauteur, 0.3))


def disposer_courbe(fig: plt.Figure) -> None:
    """Place the axes of a one-axes line chart (:func:`graphique_serie`) by hand, for the
    figure's current size (one drawing pass per save, as :func:`disposer_barres`).

    The title is folded to the width left of it (phone size); the margins hold the tick labels
    of both axes (the period labels may be turned), the title, and the values written above the
    points, which may pass the axes' edges as the first and last period labels may: the axes are
    placed, those texts measured where they fall, and the margins widened by what passes, twice
    (a narrower axes moves them a little).
    """
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    largeur, hauteur = fig.get_size_inches()
    pouces = fig.dpi
    tic = _tic(ax.xaxis)
    etiquettes_x = [t.get_window_extent(renderer).height for t in ax.get_xticklabels() if t.get_text()]
    gauche = _graduations_y(ax, renderer) + MARGE_POUCES
    bas = max(etiquettes_x + [0.0]) / pouces + tic + MARGE_POUCES
    marges = {"gauche": gauche, "droite": MARGE_POUCES, "bas": bas, "haut": 0.0, "textes": 0.0}

    def placer():
        # the title starts at the axes' left edge: folded for the width left of it, then measured
        _replier(fig, ax._left_title, "titre", largeur - marges["gauche"] - MARGE_POUCES)
        titre = ax._left_title.get_window_extent(renderer).height / pouces + 6 / 72 + MARGE_POUCES
        marges["haut"] = max(titre, marges["textes"])
        fig.subplots_adjust(left=marges["gauche"] / largeur, right=1 - marges["droite"] / largeur,
                            bottom=min(marges["bas"] / hauteur, 0.45), top=1 - min(marges["haut"] / hauteur, 0.4))

    for _ in range(2):
        placer()
        cadre = ax.get_window_extent(renderer)
        boites = [t.get_window_extent(renderer) for t in [*ax.texts, *ax.get_xticklabels()] if t.get_text()]
        if not boites:
            break
        marges["droite"] = MARGE_POUCES + max([b.x1 - cadre.x1 for b in boites] + [0.0]) / pouces
        marges["gauche"] = max(gauche, MARGE_POUCES + max([cadre.x0 - b.x0 for b in boites] + [0.0]) / pouces)
        marges["textes"] = MARGE_POUCES + max([b.y1 - cadre.y1 for b in boites] + [0.0]) / pouces
    placer()


def _texte_effectif(v) -> str:
    n = _nombre(v)
    if n is None:
        return MASQUE if isinstance(v, str) else "–"
    return f"{n:.0f}"


def graphique_serie(serie: pd.DataFrame | pd.Series, cible: float | None, titre: str) -> plt.Figure:
    """A rate over time (quarters or years) with the target line and counts.

    Parameters
    ----------
    serie : pandas.DataFrame or pandas.Series
        Either a Series of rates indexed by period label, or a DataFrame with a period column
        (``periode``, ``libelle``, ``trimestre`` or ``annee``), ``taux`` and optionally
        ``numerateur``/``denominateur``.
    cible : float or None
        Target share.
    titre : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    if isinstance(serie, pd.Series):
        donnees = pd.DataFrame({"periode": [str(i) for i in serie.index], "taux": serie.to_numpy()})
    else:
        donnees = serie.copy()
        if "periode" not in donnees.columns and {"annee", "trimestre"} <= set(donnees.columns):
            donnees["periode"] = [f"{a}-T{t}" for a, t in zip(donnees["annee"], donnees["trimestre"], strict=True)]
        for nom in ("periode", "libelle", "libelle_periode", "trimestre", "annee"):
            if nom in donnees.columns:
                donnees["periode"] = donnees[nom].astype(str)
                break
        else:
            donnees["periode"] = [str(i) for i in donnees.index]
    x = list(range(len(donnees)))
    taux = [_nombre(v) for v in donnees["taux"]]
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    points = [(xi, t) for xi, t in zip(x, taux, strict=True) if t is not None]
    if points:
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", color=COULEUR_BARRE, label="réalisé")
    for i, t in enumerate(taux):
        n = donnees["denominateur"].iloc[i] if "denominateur" in donnees.columns else None
        texte = format_taux(t) if t is not None else MASQUE
        if n is not None:
            texte += f"\nn={_texte_effectif(n)}"
        ax.annotate(texte, (i, t if t is not None else 0), textcoords="offset points", xytext=(0, 6),
                    ha="center", fontsize=7)
    if cible is not None:
        ax.axhline(cible, color=COULEUR_CIBLE, linestyle="--", linewidth=1.5, label=f"cible {format_taux(cible, 0)}")
    ax.set_xticks(x)
    ax.set_xticklabels(donnees["periode"].tolist(), rotation=0 if len(x) < 8 else 45, fontsize=8)
    maximum = max([t for t in taux if t is not None] + [cible or 0, 0.3])
    ax.set_ylim(0, min(1.2, maximum + 0.2))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _p: format_taux(v, 0)))
    ax.set_title(titre, loc="left", fontsize=10, fontweight="bold")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    disposer_courbe(fig)
    fig.cia_disposer = disposer_courbe  # called again by presentation.image for the phone size
    return fig


def graphique_barres(valeurs: pd.Series, titre: str, etiquette_x: str = "") -> plt.Figure:
    """Simple horizontal bars of counts (e.g. funnel, delays); masked values labelled « s »."""
    fig, ax = plt.subplots(figsize=(7.5, max(2.0, 0.4 * len(valeurs) + 1.0)), layout="constrained")
    positions = list(range(len(valeurs)))[::-1]
    for y, v in zip(positions, valeurs.tolist(), strict=True):
        n = _nombre(v)
        if n is not None:
            ax.barh(y, n, color=COULEUR_BARRE, height=0.65)
            ax.text(n, y, f" {n:.0f}" if float(n).is_integer() else f" {n:.1f}".replace(".", ","), va="center", fontsize=8)
        else:
            ax.text(0, y, " s", va="center", fontsize=8, color="#555")
    ax.set_yticks(positions)
    ax.set_yticklabels([str(i) for i in valeurs.index])
    ax.set_title(titre, loc="left", fontsize=10, fontweight="bold")
    ax.set_xlabel(etiquette_x)
    fig.cia_disposer = plier_titre  # called by presentation.image for the phone size
    return fig
