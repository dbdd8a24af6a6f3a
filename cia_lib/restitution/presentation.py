"""Presentation helpers for the notebooks: French number formats, banner, tables, figures.

Everything here formats values already computed (no indicator logic). Tables are shown as
static HTML (no JavaScript, no index) and, when given a sheet name, also published with the
MIME type :data:`MIME_TABLEAU` so that the report runner can write them to the Excel
workbook without recomputing anything.
"""

from __future__ import annotations

import html
import io
import json
import math
from collections.abc import Iterable, Mapping

import pandas as pd

from .confidentialite import MASQUE
from .libelles import (
    est_colonne_decimale,
    est_colonne_entiere,
    libelle_colonne,
    libelle_feuille,
    lignes_ratio,
    table_libelles,
    traduire_codes,
)

MIME_TABLEAU = "application/vnd.cia.tableau+json"
"""MIME type of the table data a notebook publishes for the Excel workbook."""

ESPACE_MILLIERS = "\u202f"
"""Narrow no-break space (French thousands separator)."""
ESPACE_POURCENT = "\u00a0"
"""No-break space before the per cent sign."""
VIDE = "–"
"""What a missing value shows."""

LIBELLES_MODE = {
    "analyste": "lecture analyste (toutes les valeurs, usage interne)",
    "diffusion": "diffusion (petits effectifs masqués « s »)",
}


def _manquant(x) -> bool:
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def format_taux(x, decimales: int = 1) -> str:
    """Format a share (0.25) the French way: ``"25,0 %"``.

    Parameters
    ----------
    x : float, None or "s"
        Share between 0 and 1. ``"s"`` (masked) is returned as is; missing gives "–".
    decimales : int
        Digits after the decimal comma.

    Returns
    -------
    str
        Number with a decimal comma, a no-break space and ``%``.

    Examples
    --------
    >>> format_taux(0.25)
    '25,0\\xa0%'
    >>> format_taux(None), format_taux("s")
    ('–', 's')
    """
    if isinstance(x, str):
        return x
    if _manquant(x):
        return VIDE
    texte = f"{100 * float(x):,.{decimales}f}".replace(",", ESPACE_MILLIERS).replace(".", ",")
    return f"{texte}{ESPACE_POURCENT}%"


def format_entier(n) -> str:
    """Format a count with a narrow no-break space between thousands: ``"1 234"``.

    Examples
    --------
    >>> format_entier(1234).replace("\\u202f", " ")
    '1 234'
    >>> format_entier(None), format_entier("s"), format_entier(7.0)
    ('–', 's', '7')
    """
    if isinstance(n, str):
        return n
    if _manquant(n):
        return VIDE
    return f"{round(float(n)):,d}".replace(",", ESPACE_MILLIERS)


def format_nombre(x, decimales: int = 1) -> str:
    """Format a decimal number the French way (``14,4``; thousands separated).

    Examples
    --------
    >>> format_nombre(14.44)
    '14,4'
    """
    if isinstance(x, str):
        return x
    if _manquant(x):
        return VIDE
    return f"{float(x):,.{decimales}f}".replace(",", ESPACE_MILLIERS).replace(".", ",")


def format_euros(x) -> str:
    """Format an amount in euros: ``"11 615 €"``."""
    texte = format_entier(x)
    return texte if texte in (VIDE, MASQUE) else f"{texte}{ESPACE_POURCENT}€"


# --- banner -----------------------------------------------------------------------------

_STYLE_BANDEAU = (
    "border:2px solid #1f3b73;border-radius:6px;padding:10px 14px;margin:6px 0 14px 0;"
    "font-family:sans-serif;background:#f4f7fc;color:#1f3b73"
)
_STYLE_FICTIF = (
    "background:#b00020;color:#fff;font-weight:bold;font-size:1.3em;text-align:center;"
    "padding:8px;margin:0 0 8px 0;letter-spacing:0.05em;border-radius:4px"
)


def ligne_couverture(jusqu_au) -> str:
    """The coverage line of the banner: « Données jusqu'au JJ/MM/AAAA ».

    Parameters
    ----------
    jusqu_au : datetime.date or None
        Most recent date in the data (:func:`cia_lib.entrees.couverture.date_couverture`).

    Examples
    --------
    >>> import datetime as dt
    >>> ligne_couverture(dt.date(2026, 9, 30))
    "Données jusqu'au 30/09/2026"
    >>> ligne_couverture(None)
    'Données : aucune date (couverture inconnue)'
    """
    if jusqu_au is None:
        return "Données : aucune date (couverture inconnue)"
    return f"Données jusqu'au {jusqu_au:%d/%m/%Y}"


def html_bandeau(
    territoire_nom: str, periode_libelle: str, mode: str, donnees_fictives: bool, seuil_secret: int | None = None,
    jusqu_au=None,
) -> str:
    """HTML of the report banner (pure function behind :func:`bandeau`).

    Examples
    --------
    >>> "DONNÉES FICTIVES" in html_bandeau("CCVO3F", "année 2025", "diffusion", True, 5)
    True
    """
    morceaux = [f'<div class="cia-bandeau" style="{_STYLE_BANDEAU}">']
    if donnees_fictives:
        morceaux.append(
            f'<div class="cia-fictif" style="{_STYLE_FICTIF}">DONNÉES FICTIVES — '
            "exemple généré, aucune donnée réelle</div>"
        )
    morceaux.append(f"<div><strong>{html.escape(territoire_nom)}</strong></div>")
    morceaux.append(f"<div>Période : {html.escape(periode_libelle)}</div>")
    morceaux.append(f"<div>{html.escape(ligne_couverture(jusqu_au))}</div>")
    libelle_mode = LIBELLES_MODE.get(mode, mode)
    if mode == "diffusion" and seuil_secret is not None:
        libelle_mode = (
            f"diffusion : les effectifs de 1 à {seuil_secret} sont masqués (« s »), "
            "ainsi que les cases qui permettraient de les retrouver"
        )
    morceaux.append(f"<div>Mode de lecture : {html.escape(libelle_mode)}</div>")
    morceaux.append("</div>")
    return "".join(morceaux)


def html_alerte_qualite(rapport_import: Mapping | None) -> str:
    """HTML of the data-quality warning of the banner: empty unless the import published its
    tables above the rejection threshold (``alerte_qualite`` of ``rapport_import.json``,
    written by ``cia importer --accepter-rejets``).

    Examples
    --------
    >>> html_alerte_qualite({"alerte_qualite": None})
    ''
    >>> "ALERTE QUALITÉ" in html_alerte_qualite({"alerte_qualite": "attributions : 31 % <rejetées>"})
    True
    """
    alerte = (rapport_import or {}).get("alerte_qualite")
    if not alerte:
        return ""
    return (f'<div class="cia-alerte-qualite" style="{_STYLE_FICTIF}">ALERTE QUALITÉ DES DONNÉES — '
            f"{html.escape(str(alerte))}</div>")


def bandeau(ctx):
    """Banner shown at the top of every report: fictitious-data warning, territory, period,
    data coverage (« Données jusqu'au … », from the import report), mode.

    Parameters
    ----------
    ctx : cia_lib.restitution.contexte.Contexte

    Returns
    -------
    IPython.display.HTML
    """
    from IPython.display import HTML

    from cia_lib.entrees.couverture import couverture_rapport, date_couverture

    couverture = couverture_rapport(ctx.donnees.rapport_import, ctx.donnees)
    return HTML(
        html_bandeau(
            ctx.territoire.nom,
            ctx.periode.libelle,
            ctx.mode,
            ctx.donnees_fictives,
            ctx.territoire.seuil_secret,
            jusqu_au=date_couverture(couverture),
        )
        + html_alerte_qualite(ctx.donnees.rapport_import)
    )


# --- tables -----------------------------------------------------------------------------

_STYLE_TABLEAU = """<style>
table.cia-tableau{border-collapse:collapse;font-family:sans-serif;font-size:0.92em;margin:6px 0 12px 0}
table.cia-tableau th{background:#1f3b73;color:#fff;padding:4px 8px;text-align:left;font-weight:600}
table.cia-tableau td{padding:3px 8px;border-bottom:1px solid #d6dce8}
table.cia-tableau td.num{text-align:right !important;white-space:nowrap}
table.cia-tableau td.txt{text-align:left !important}
table.cia-tableau tr.total td{font-weight:bold;background:#eef2f9}
table.cia-tableau caption{caption-side:top;text-align:left;font-weight:bold;padding:4px 0}
p.cia-note{font-size:0.85em;color:#555;margin:0 0 10px 0}
</style>"""

PREFIXES_TAUX = ("taux", "part", "cible", "ic_", "ecart", "valeur")


def est_colonne_taux(nom: str) -> bool:
    """True for a column holding shares (taux, part, cible, ic_, ecart...)."""
    nom = str(nom).lower()
    return nom.startswith(PREFIXES_TAUX)


FORMAT_TAUX, FORMAT_ENTIER, FORMAT_NOMBRE, FORMAT_TEXTE = "taux", "entier", "nombre", "texte"
"""How a column is shown (and formatted in the workbook): share, whole number, decimal, text."""


def format_colonne(serie: pd.Series, colonne: str, colonnes_taux: set, colonnes_entiers: set) -> str:
    """How column ``colonne`` is shown: ``taux``, ``entier``, ``nombre`` or ``texte``.

    Shares are the columns of ``colonnes_taux``; whole numbers those of ``colonnes_entiers``
    and of the label table's ``colonnes_entieres`` (leases, demands: a projection of 214,9
    leases is shown 215); other numeric columns are whole or decimal by their values.

    Examples
    --------
    >>> format_colonne(pd.Series([214.9]), "baux_projetes", set(), set())
    'entier'
    >>> format_colonne(pd.Series([6.66, "s"]), "x", set(), set()), format_colonne(pd.Series(["a"]), "y", set(), set())
    ('nombre', 'texte')
    """
    if colonne in colonnes_taux:
        return FORMAT_TAUX
    if colonne in colonnes_entiers or est_colonne_entiere(colonne):
        return FORMAT_ENTIER
    if est_colonne_decimale(colonne):
        return FORMAT_NOMBRE
    numerique = pd.to_numeric(serie.where(serie.map(lambda v: not isinstance(v, str))), errors="coerce")
    if serie.map(lambda v: isinstance(v, str) and v != MASQUE).any() or serie.dtype == bool:
        return FORMAT_TEXTE
    if numerique.notna().sum() == 0 and not (serie == MASQUE).any():
        return FORMAT_TEXTE
    entiers = numerique.dropna().map(lambda v: float(v).is_integer()).all()
    return FORMAT_ENTIER if entiers else FORMAT_NOMBRE


_AFFICHEURS = {FORMAT_TAUX: format_taux, FORMAT_ENTIER: format_entier, FORMAT_NOMBRE: format_nombre}


def _afficher(valeur, fmt: str, ratio: bool) -> str:
    if fmt == FORMAT_TEXTE:
        return VIDE if _manquant(valeur) else str(valeur)
    if ratio and fmt == FORMAT_TAUX:
        return format_nombre(valeur)
    return _AFFICHEURS[fmt](valeur)


def valeurs_publiables(df: pd.DataFrame) -> dict:
    """JSON-safe ``{"colonnes": [...], "lignes": [[...]]}`` of a table (NaN -> None)."""
    lignes = []
    for ligne in df.itertuples(index=False, name=None):
        sortie = []
        for v in ligne:
            if _manquant(v):
                sortie.append(None)
            elif isinstance(v, (bool, str)):
                sortie.append(v)
            elif hasattr(v, "isoformat"):
                sortie.append(v.isoformat())
            else:
                try:
                    f = float(v)
                except (TypeError, ValueError):
                    sortie.append(str(v))
                    continue
                sortie.append(int(f) if f.is_integer() and not isinstance(v, float) else (None if math.isnan(f) else f))
        lignes.append(sortie)
    return {"colonnes": [str(c) for c in df.columns], "lignes": lignes}


class Tableau:
    """A table ready for display (HTML) and for the Excel workbook (``MIME_TABLEAU``).

    The workbook receives the French headers, the labels of the codes, the values as numbers
    and, per column, how to format them (``formats``); ``lignes_ratio`` lists the rows whose
    share columns hold a ratio (demands per lease).
    """

    def __init__(self, html_table: str, donnees: pd.DataFrame, nom_feuille: str | None,
                 formats: list[str] | None = None, ratios: list[int] | None = None,
                 codes_colonnes: list[str] | None = None):
        self.html = html_table
        self.donnees = donnees
        self.nom_feuille = nom_feuille
        self.mention: str | None = None
        """Stamp of an analyst-mode table (« usage interne »), written on its Excel sheet too."""
        self.formats = formats
        self.ratios = ratios or []
        self.codes_colonnes = codes_colonnes

    def _repr_html_(self) -> str:
        return self.html

    def publication(self) -> dict:
        """The ``MIME_TABLEAU`` payload: sheet name, headers, rows, formats, ratio rows."""
        contenu = {"nom": libelle_feuille(self.nom_feuille), **valeurs_publiables(self.donnees)}
        if self.formats is not None:
            contenu["formats"] = list(self.formats)
            contenu["lignes_ratio"] = list(self.ratios)
        if self.codes_colonnes is not None:  # for programs reading the notebook (tests): the codes
            contenu["code"] = self.nom_feuille
            contenu["codes_colonnes"] = list(self.codes_colonnes)
        return contenu

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/html": self.html, "text/plain": f"<tableau {self.nom_feuille or ''}>"}
        if self.nom_feuille:
            bundle[MIME_TABLEAU] = self.publication()
            if self.mention:
                bundle[MIME_TABLEAU]["mention"] = self.mention
        return bundle


UNITE_MENAGES = "menages"
UNITE_RESIDENCES = "residences"


def tableau_html(
    df: pd.DataFrame,
    titre: str | None = None,
    libelles: Mapping[str, str] | None = None,
    colonnes_taux: Iterable[str] | None = None,
    colonnes_entiers: Iterable[str] | None = None,
    nom_feuille: str | None = None,
    note: str | None = None,
    ligne_total: str | None = None,
    unite: str = UNITE_MENAGES,
) -> Tableau:
    """A styled French table without index (rates as ``25,0 %``, counts as ``1 234``).

    Parameters
    ----------
    df : pandas.DataFrame
        Values to show (already masked in diffusion mode: ``"s"`` cells stay ``"s"``).
    titre : str, optional
        Caption.
    libelles : mapping, optional
        Column headers to show instead of the column names.
    colonnes_taux : iterable of str, optional
        Columns holding shares (0-1). Default: names starting with taux/part/cible/ic_/ecart.
    colonnes_entiers : iterable of str, optional
        Columns formatted as integers (default: numeric columns holding whole numbers).
    nom_feuille : str, optional
        When given, the table is also published for the Excel workbook under this sheet name.
    note : str, optional
        A line of explanation under the table.
    ligne_total : str, optional
        Value of the first column marking the total row (shown in bold).
    unite : {"menages", "residences"}
        What the counts count. Household counts fall under statistical secrecy in
        diffusion mode; counts of residences (buildings) do not, and the table says so
        with ``data-unite="residences"`` (checked by the tests of the diffusion mode).

    Returns
    -------
    Tableau
        Displays as HTML in a notebook.
    """
    colonnes_taux = set(colonnes_taux) if colonnes_taux is not None else {c for c in df.columns if est_colonne_taux(c)}
    colonnes_entiers = set(colonnes_entiers or ())
    libelles = {c: libelle_colonne(c) for c in df.columns} | dict(libelles or {})
    ratios = set(lignes_ratio(df))
    lisible = traduire_codes(df)
    formats = [format_colonne(df[c], c, colonnes_taux, colonnes_entiers) for c in df.columns]
    entetes = "".join(f'<th scope="col">{html.escape(str(libelles.get(c, c)))}</th>' for c in df.columns)
    premiere = df.columns[0] if len(df.columns) else None
    corps = []
    for i in range(len(df)):
        classe = ""
        if ligne_total is not None and premiere is not None and str(df[premiere].iloc[i]) == ligne_total:
            classe = ' class="total"'
        cellules = []
        for j, _ in enumerate(df.columns):
            texte = _afficher(lisible.iloc[i, j], formats[j], i in ratios)
            attr = ' class="txt"' if formats[j] == FORMAT_TEXTE else ' class="num"'
            cellules.append(f"<td{attr}>{html.escape(texte)}</td>")
        corps.append(f"<tr{classe}>{''.join(cellules)}</tr>")
    legende = f"<caption>{html.escape(titre)}</caption>" if titre else ""
    code = (
        f'{_STYLE_TABLEAU}<div class="cia-defilement" tabindex="0" role="region" aria-label="{html.escape(titre or "Tableau")}">'
        f'<table class="cia-tableau" data-unite="{html.escape(unite)}">{legende}<thead><tr>{entetes}</tr></thead>'
        f"<tbody>{''.join(corps)}</tbody></table></div>"
        '<p class="cia-indice-defilement" aria-hidden="true">Tableau large : faites-le glisser de côté →</p>'
    )
    if note:
        code += f'<p class="cia-note">{html.escape(note)}</p>'
    publie = lisible.rename(columns={c: str(libelles.get(c, c)) for c in df.columns})
    return Tableau(code, publie, nom_feuille, formats, sorted(ratios), [str(c) for c in df.columns])


def repliable(tableau: Tableau, resume: str) -> Tableau:
    """The same table folded under a « details » element (an annex): closed on screen,
    left out of print (it stays whole in the workbook).

    Parameters
    ----------
    tableau : Tableau
    resume : str
        What the folded element says (French).
    """
    code = (f'<details class="cia-annexe"><summary>{html.escape(resume)}</summary>{tableau.html}</details>'
            '<p class="cia-impression-seule">Annexe non imprimée : la table complète est dans le classeur Excel '
            "du rapport (tableaux.xlsx) et dans la page HTML.</p>")
    return Tableau(code, tableau.donnees, tableau.nom_feuille, tableau.formats, tableau.ratios, tableau.codes_colonnes)


# --- figures and text --------------------------------------------------------------------


def _recadrer(fig) -> bool:
    """True for a figure to crop to its content when saved (``bbox_inches="tight"``, which draws
    it twice): one laid out by constrained layout or by hand (``fig.cia_disposer``, see
    :func:`cia_lib.restitution.graphiques.disposer_barres`) already fits its canvas."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    return not isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine) and not hasattr(fig, "cia_disposer")


def figure_png(fig, dpi: int = 96) -> bytes:
    """PNG bytes of a matplotlib figure, without any date or software metadata (deterministic).

    Cropped to its content unless already laid out (:func:`_recadrer`).
    """
    tampon = io.BytesIO()
    fig.savefig(tampon, format="png", dpi=dpi, bbox_inches="tight" if _recadrer(fig) else None,
                metadata={"Software": None})
    return tampon.getvalue()


SEL_SVG = "cia-atelier"
"""Salt of the element ids matplotlib writes in an SVG (``svg.hashsalt``): the same ids at each run."""

POLICES_SVG = ["DejaVu Sans", "Bitstream Vera Sans", "Arial", "Helvetica", "Liberation Sans"]
"""Fonts a chart's SVG asks the reader's browser for, in order: the one matplotlib measured the
texts with (DejaVu Sans, shipped with matplotlib), then the same metrics, then narrower fonts only
(never Verdana, wider), so that a text drawn with another font never passes its place."""


def figure_svg(fig) -> bytes:
    """SVG bytes of a matplotlib figure, texts kept as texts, deterministic.

    Texts are written as ``<text>`` elements (``svg.fonttype = "none"``): about three times
    smaller and faster than a PNG of a tall chart, sharp on screen and in print, and a reader can
    search and copy them. Element ids come from a fixed salt and the date and software are left
    out, so that two runs of a report give the same bytes. Layout as :func:`figure_png`.
    """
    import matplotlib

    tampon = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": SEL_SVG,
                                "font.sans-serif": POLICES_SVG}):
        fig.savefig(tampon, format="svg", bbox_inches="tight" if _recadrer(fig) else None,
                    metadata={"Date": None, "Creator": None})
    return tampon.getvalue()


LARGEUR_TELEPHONE_POUCES = 4.2
"""Width of the phone version of a chart (inches): its text keeps its size in points, so on a
390 px screen it stays legible instead of shrinking with a 7.5-inch figure."""


class Figure:
    """A chart as SVG drawings: the page's, and a narrower drawing of the same figure that the
    HTML page shows on a phone (``max-width: 600px``) through a ``<picture>``."""

    def __init__(self, large: bytes, etroite: bytes | None = None, alt: str = "Graphique"):
        self.large, self.etroite, self.alt = large, etroite, alt

    def _repr_mimebundle_(self, include=None, exclude=None):
        import base64

        def uri(octets):
            return "data:image/svg+xml;base64," + base64.b64encode(octets).decode("ascii")

        source = (f'<source media="(max-width: 600px)" srcset="{uri(self.etroite)}">' if self.etroite else "")
        code = (f'<picture class="cia-graphique">{source}<img src="{uri(self.large)}" '
                f'alt="{html.escape(self.alt)}" style="max-width:100%;height:auto"></picture>')
        return {"text/html": code, "image/svg+xml": self.large.decode("utf-8"),
                "text/plain": f"<graphique {self.alt}>"}


def image(fig):
    """Display a matplotlib figure as an embedded SVG (and its phone version) and free it.

    The phone version is drawn at :data:`LARGEUR_TELEPHONE_POUCES` (laid out again for that
    width): shown on a 390 px screen, its texts keep about their size instead of shrinking with
    the page's 7.5-inch drawing.

    Returns
    -------
    Figure
        Shows the SVG in a notebook, a ``<picture>`` in the exported HTML page.
    """
    import matplotlib.pyplot as plt

    large = figure_svg(fig)
    largeur, hauteur = fig.get_size_inches()
    etroite = None
    if largeur > LARGEUR_TELEPHONE_POUCES:
        fig.set_size_inches(LARGEUR_TELEPHONE_POUCES, hauteur * 1.1)
        if hasattr(fig, "cia_disposer"):
            fig.cia_disposer(fig)  # laid out by hand: again, for the narrow size
        elif _recadrer(fig):
            fig.tight_layout()
        etroite = figure_svg(fig)
    titres = [t.get_text() for ax in fig.axes for t in (ax.title, ax._left_title) if t.get_text()]
    plt.close(fig)
    return Figure(large, etroite, titres[0] if titres else "Graphique")


def commentaire(texte: str):
    """A sentence of French commentary (Markdown) computed from the figures.

    Returns
    -------
    IPython.display.Markdown
    """
    from IPython.display import Markdown

    return Markdown(texte)


def json_tableau(bundle_data) -> dict:
    """Decode the ``MIME_TABLEAU`` payload of a notebook output (dict or JSON text)."""
    return json.loads(bundle_data) if isinstance(bundle_data, str) else dict(bundle_data)


# --- reshaping the tidy indicator table for reading (no computation) ----------------------

LIBELLES_COLONNES = dict(table_libelles()["colonnes"])
"""French headers of the tidy indicator table's columns."""


def vue_indicateur(
    tableau: pd.DataFrame,
    indicateur: str,
    niveau: str,
    colonnes=("libelle", "numerateur", "denominateur", "taux", "ic_bas", "ic_haut", "cible", "statut"),
) -> pd.DataFrame:
    """Rows of one indicator at one level, reading columns only (values untouched).

    Columns that are empty for every row (no target, no interval) are dropped.
    """
    lignes = tableau[(tableau["indicateur"] == indicateur) & (tableau["niveau"] == niveau)]
    vue = lignes[[c for c in colonnes if c in lignes.columns]].reset_index(drop=True)
    return vue[[c for c in vue.columns if not vue[c].map(_manquant).all()]]


def _valeur(tableau: pd.DataFrame, indicateur: str, niveau: str, cle: str, colonne: str):
    lignes = tableau[
        (tableau["indicateur"] == indicateur) & (tableau["niveau"] == niveau) & (tableau["cle"].astype(str) == str(cle))
    ]
    return lignes[colonne].iloc[0] if len(lignes) else None


def tableau_section_v(tableau: pd.DataFrame, territoire) -> pd.DataFrame:
    """The CIA section V table with the period's figures: total, per bailleur, per réservataire.

    Parameters
    ----------
    tableau : pandas.DataFrame
        Tidy indicator table (masked or not).
    territoire : cia_lib.territoire.config.Territoire
        Order and labels of bailleurs and réservataires.

    Returns
    -------
    pandas.DataFrame
        Columns ``Périmètre``, ``Baux signés``, ``Ménages prioritaires``,
        ``Part prioritaires``, ``Cible prioritaires``, ``Baux hors QPV``, ``Ménages Q1
        hors QPV``, ``Part Q1 hors QPV``, ``Cible Q1 hors QPV`` (réservataires have no
        1st-quartile objective: empty).
    """
    lignes = []
    # About 150 look-ups: the position of each (indicator, level, key) found once (the first
    # row, as _valeur), each value read from its column (same scalar types as _valeur).
    positions: dict[tuple, int] = {}
    for pos, cle_ligne in enumerate(zip(tableau["indicateur"], tableau["niveau"], tableau["cle"].astype(str))):
        positions.setdefault(cle_ligne, pos)

    def _valeur(tableau, indicateur, niveau, cle, colonne):
        pos = positions.get((indicateur, niveau, str(cle)))
        return None if pos is None else tableau[colonne].iloc[pos]

    def ligne(libelle, niveau, cle, avec_q1=True):
        sortie = {
            "Périmètre": libelle,
            "Baux signés": _valeur(tableau, "prioritaires", niveau, cle, "denominateur"),
            "Ménages prioritaires": _valeur(tableau, "prioritaires", niveau, cle, "numerateur"),
            "Part prioritaires": _valeur(tableau, "prioritaires", niveau, cle, "taux"),
            "Cible prioritaires": _valeur(tableau, "prioritaires", niveau, cle, "cible"),
        }
        for nom, col in (("Baux hors QPV", "denominateur"), ("Ménages Q1 hors QPV", "numerateur"),
                         ("Part Q1 hors QPV", "taux"), ("Cible Q1 hors QPV", "cible")):
            sortie[nom] = _valeur(tableau, "q1_hors_qpv", niveau, cle, col) if avec_q1 else None
        lignes.append(sortie)

    ligne(f"Total {territoire.nom_court}", "epci", territoire.siren)
    bailleurs = tableau[(tableau["indicateur"] == "prioritaires") & (tableau["niveau"] == "bailleur")]
    for cle, libelle in zip(bailleurs["cle"], bailleurs["libelle"], strict=True):
        ligne(f"Bailleur : {libelle}", "bailleur", cle)
    for code, reservataire in territoire.reservataires.items():
        ligne(f"Réservataire : {reservataire.libelle}", "reservataire", code, avec_q1=False)
    return pd.DataFrame(lignes)


def phrase_objectif(tableau: pd.DataFrame, indicateur: str, niveau: str, cle: str, quoi: str, periode: str) -> str:
    """One French sentence on an objective, from the table's figures (masked values respected).

    Examples
    --------
    >>> t = pd.DataFrame({"indicateur": ["q1"], "niveau": ["epci"], "cle": ["1"], "numerateur": [45],
    ...                   "denominateur": [192], "taux": [45 / 192], "cible": [0.25]})
    >>> phrase_objectif(t, "q1", "epci", "1", "des baux hors QPV sont allés à des ménages du 1er quartile",
    ...                 "année 2025").replace("\\xa0", " ")
    'Sur la période (année 2025), 23,4 % des baux hors QPV sont allés à des ménages du 1er quartile (45 sur 192), pour une cible de 25,0 % : objectif non atteint.'
    """
    num = _valeur(tableau, indicateur, niveau, cle, "numerateur")
    den = _valeur(tableau, indicateur, niveau, cle, "denominateur")
    taux = _valeur(tableau, indicateur, niveau, cle, "taux")
    cible = _valeur(tableau, indicateur, niveau, cle, "cible")
    debut = f"Sur la période ({periode}), "
    if isinstance(taux, str) or isinstance(num, str):
        return debut + "le chiffre est couvert par le secret statistique (petits effectifs)."
    if _manquant(taux):
        return debut + "aucun bail n'entre dans le champ de cet indicateur : sans objet."
    texte = f"{debut}{format_taux(taux)} {quoi} ({format_entier(num)} sur {format_entier(den)})"
    if not _manquant(cible):
        verdict = "objectif atteint" if float(taux) >= float(cible) else "objectif non atteint"
        texte += f", pour une cible de {format_taux(cible)} : {verdict}"
    return texte + "."


def format_intervalle(bas, haut) -> str:
    """``[18,2 % ; 30,1 %]`` (masked or missing bounds give "s" or "–")."""
    if isinstance(bas, str) or isinstance(haut, str):
        return MASQUE
    if _manquant(bas) or _manquant(haut):
        return VIDE
    return f"[{format_taux(bas)} ; {format_taux(haut)}]"


LIBELLES_COURTS = dict(table_libelles()["indicateurs"])
"""Short French names of the indicators (tables and charts)."""


def vue_epci(tableau: pd.DataFrame, indicateurs) -> pd.DataFrame:
    """EPCI rows of several indicators, for reading (values untouched, still numbers).

    Returns
    -------
    pandas.DataFrame
        ``indicateur`` (code: :func:`tableau_html` shows its French label and formats the
        value of a ratio such as the pressure as a number, a share in %), ``Effectif``,
        ``Total``, ``Valeur``, ``Cible``.
    """
    lignes = []
    for indicateur in indicateurs:
        ligne = tableau[(tableau["indicateur"] == indicateur) & (tableau["niveau"] == "epci")]
        if ligne.empty:
            continue
        ligne = ligne.iloc[0]
        lignes.append({
            "indicateur": indicateur,
            "Effectif": ligne["numerateur"],
            "Total": ligne["denominateur"],
            "Valeur": ligne["taux"],
            "Cible": ligne.get("cible"),
        })
    return pd.DataFrame(lignes, columns=["indicateur", "Effectif", "Total", "Valeur", "Cible"])


def vue_serie(serie: pd.DataFrame) -> pd.DataFrame:
    """A quarterly series (possibly masked) for reading: period label ``2025-T3`` first."""
    sortie = serie.copy()
    sortie.insert(0, "periode", [f"{a}-T{t}" for a, t in zip(serie["annee"], serie["trimestre"], strict=True)])
    return sortie.drop(columns=[c for c in ("annee", "trimestre", "du", "au", "indicateur") if c in sortie.columns])


def serie_annuelle(serie: pd.DataFrame) -> pd.DataFrame:
    """Year totals from a quarterly series: the year-to-date figures of each year's last quarter.

    Parameters
    ----------
    serie : pandas.DataFrame
        Output of :func:`cia_lib.calculs.indicateurs.serie_trimestrielle` (not masked).

    Returns
    -------
    pandas.DataFrame
        ``indicateur``, ``annee``, ``periode`` (the year as text), ``numerateur``,
        ``denominateur``, ``taux``, ``cible``.
    """
    dernieres = serie.sort_values(["annee", "trimestre"]).groupby("annee", as_index=False).tail(1)
    return pd.DataFrame({
        "indicateur": dernieres["indicateur"].to_numpy(),
        "annee": dernieres["annee"].to_numpy(),
        "periode": [str(a) for a in dernieres["annee"]],
        "numerateur": dernieres["numerateur_cumul"].to_numpy(),
        "denominateur": dernieres["denominateur_cumul"].to_numpy(),
        "taux": dernieres["taux_cumul_annuel"].to_numpy(),
        "cible": dernieres["cible"].to_numpy(),
    })


def phrase_progression(progression: pd.DataFrame, indicateur: str, quoi: str) -> str:
    """Sentence on the year-to-date pace and the leases still needed to reach the target."""
    lignes = progression[progression["indicateur"] == indicateur]
    if lignes.empty:
        return ""
    derniere = lignes.iloc[-1]
    besoin = derniere.get("supplementaires_necessaires")
    if isinstance(besoin, str) or isinstance(derniere["taux"], str):
        return f"{quoi.capitalize()} : chiffres couverts par le secret statistique."
    if _manquant(derniere["taux"]):
        return f"{quoi.capitalize()} : aucun bail dans le champ depuis le 1er janvier."
    texte = f"{quoi.capitalize()} : {format_taux(derniere['taux'])} depuis le 1er janvier"
    if not _manquant(besoin):
        if int(besoin) == 0:
            texte += " ; au rythme actuel, l'objectif de l'année est tenu"
        else:
            texte += (f" ; au rythme actuel (environ {format_entier(derniere['baux_projetes'])} baux sur l'année), "
                      f"il faudrait encore {format_entier(besoin)} baux de plus pour atteindre la cible")
    return texte + "."


def phrase_delais(resume: dict, seuil: int | None = None) -> str:
    """Sentence on waiting times from :func:`cia_lib.calculs.indicateurs.resume_delais`.

    With ``seuil`` (diffusion), figures based on 1 to ``seuil`` leases or demands are withheld.
    """
    morceaux = []
    n = resume.get("effectif") or 0
    if resume.get("mediane_mois") is None or (seuil is not None and 1 <= n <= seuil):
        morceaux.append("Ancienneté médiane de la demande au bail : non publiable (trop peu de baux datés).")
    else:
        morceaux.append(
            f"Ancienneté médiane de la demande au moment du bail : {format_nombre(resume['mediane_mois'])} mois "
            f"(quartiles {format_nombre(resume['q1_mois'])} et {format_nombre(resume['q3_mois'])} mois, "
            f"sur {format_entier(n)} baux dont la date de dépôt est connue)."
        )
    nd, na = resume.get("demandes_actives") or 0, resume.get("demandes_delai_anormal") or 0
    date = resume.get("date_instantane")
    quand = f"Au {date:%d/%m/%Y}" if date is not None and not _manquant(date) else "À la date du dernier extrait"
    if nd == 0:
        morceaux.append("Aucun extrait de demandes actives pour cette période.")
    elif seuil is not None and (1 <= na <= seuil or 1 <= nd - na <= seuil):
        morceaux.append(f"{quand}, le nombre de demandes en délai anormalement long est couvert par le secret statistique.")
    else:
        morceaux.append(
            f"{quand}, {format_taux(resume['part_delai_anormal'])} des {format_entier(nd)} demandes actives "
            f"({format_entier(na)}) attendent depuis {resume['delai_anormalement_long_mois']} mois ou plus "
            "(délai anormalement long)."
        )
    return " ".join(morceaux)


def phrase_entonnoir(entonnoir: pd.DataFrame) -> str:
    """The sentence that reconciles the funnel (decisions of the period ↔ leases of the period).

    Parameters
    ----------
    entonnoir : pandas.DataFrame
        :func:`cia_lib.calculs.indicateurs.entonnoir_attributions` (``code``, ``effectif``),
        possibly masked (« s »): then the sentence states the identities without any figure.

    Examples
    --------
    >>> e = pd.DataFrame({"code": ["decisions", "decisions_bail_periode", "decisions_bail_apres",
    ...     "decisions_sans_bail", "baux_decisions_anterieures", "baux_sans_decision", "baux_signes"],
    ...     "effectif": [215, 180, 5, 30, 17, 0, 197]})
    >>> print(phrase_entonnoir(e))  # doctest: +NORMALIZE_WHITESPACE
    Les 197 baux signés dans la période = 180 baux faisant suite à une décision de la période + 17 baux
    faisant suite à une décision antérieure. Les 215 décisions de la période = 180 suivies d'un bail dans la
    période + 5 suivies d'un bail après la période + 30 sans bail à la date de l'extrait.
    """
    n = dict(zip(entonnoir["code"], entonnoir["effectif"], strict=True))
    if any(isinstance(v, str) for v in n.values()):
        return ("Baux signés dans la période = baux faisant suite à une décision de la période + baux faisant "
                "suite à une décision antérieure ; décisions de la période = suivies d'un bail dans la période "
                "+ suivies d'un bail après + sans bail. Certains effectifs sont couverts par le secret statistique.")
    f = {k: format_entier(v) for k, v in n.items()}
    baux = (f"Les {f['baux_signes']} baux signés dans la période = {f['decisions_bail_periode']} baux faisant "
            f"suite à une décision de la période + {f['baux_decisions_anterieures']} baux faisant suite à une "
            "décision antérieure")
    if n["baux_sans_decision"]:
        baux += f" + {f['baux_sans_decision']} baux sans décision datée avant leur signature"
    return (f"{baux}. Les {f['decisions']} décisions de la période = {f['decisions_bail_periode']} suivies d'un "
            f"bail dans la période + {f['decisions_bail_apres']} suivies d'un bail après la période + "
            f"{f['decisions_sans_bail']} sans bail à la date de l'extrait.")
