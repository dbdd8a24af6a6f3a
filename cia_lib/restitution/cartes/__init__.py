"""Maps of the attribution indicators by commune (and QPV), interactive and printable.

Two renderings share one classification (:func:`classer_communes`) and one palette
(:data:`CLASSES`), so a commune has the same colour on screen and on paper:

* :func:`carte_communes` / :func:`carte_residences` build a :class:`folium.Map` that works
  **offline**: Leaflet 1.9.4 is inlined from the PyPI package ``django-js-lib-leaflet``,
  folium's CDN links (Leaflet, jQuery, Bootstrap, Font Awesome) are dropped, the legend is
  plain HTML/CSS. The only ``http(s)`` addresses left in the page are the optional
  OpenStreetMap tile template (off by default) and Leaflet's own credit link.
  :func:`html_autonome` returns the page; in Jupyter the map renders as an
  ``<iframe srcdoc>`` of that same page.
* :func:`carte_statique` draws the same map with geopandas + matplotlib (PNG/SVG for print).

Inputs are the tidy indicator table of :mod:`cia_lib.calculs.indicateurs` (columns ``indicateur,
niveau, cle, libelle, numerateur, denominateur, taux, ic_bas, ic_haut, cible, ecart, statut,
du, au``), where in diffusion mode numbers may be masked by the string ``"s"``; the commune
and QPV geometries of :mod:`cia_lib.territoire.geographie`; optionally the residences table (with a
``signalee`` flag and a ``score`` when the fragility score has been computed).

Modules, one job each (this package re-exports their public names):

* :mod:`~cia_lib.restitution.cartes.formats`: French figures and masked values;
* :mod:`~cia_lib.restitution.cartes.styles`: palette, classes, notes, sources, indicator wording;
* :mod:`~cia_lib.restitution.cartes.classement`: class of each commune for one indicator;
* :mod:`~cia_lib.restitution.cartes.textes`: tooltip and popup texts;
* :mod:`~cia_lib.restitution.cartes.residences`: residences as map points;
* :mod:`~cia_lib.restitution.cartes.hors_ligne`: offline folium page (Leaflet inlined);
* :mod:`~cia_lib.restitution.cartes.interactive`: the interactive folium maps;
* :mod:`~cia_lib.restitution.cartes.statique`: the printed matplotlib map;
* :mod:`~cia_lib.restitution.cartes.commentaire`: map section of a report (sentence + map).
"""

from .classement import classer_communes, classes_indicateur, indicateur_disponible
from .commentaire import carte_commentee, resume_classes
from .formats import SECRET, format_decimal, format_entier, format_pourcentage
from .hors_ligne import CSS_CARTE, CarteHorsLigne, html_autonome, ids_deterministes, ressources_leaflet
from .interactive import carte_communes, carte_residences
from .statique import carte_statique
from .styles import (
    ATTRIBUTION_OSM,
    BORNES_PRESSION,
    CLASSES,
    CLASSES_CIBLE,
    CLASSES_SPECIALES,
    COULEUR_CONTOUR_COMMUNE,
    COULEUR_EPCI,
    COULEUR_QPV,
    COULEURS_PRESSION,
    COULEURS_RESIDENCE,
    INDICATEURS,
    LIBELLES_RESIDENCE,
    NOTE_AUCUN_QPV,
    NOTE_SANS_QPV,
    SOURCE_CONTOURS,
    SOURCE_QPV,
    TUILES_OSM,
    Classe,
    Indicateur,
)
from .textes import texte_commune

__all__ = [
    "ATTRIBUTION_OSM", "BORNES_PRESSION", "CLASSES", "CLASSES_CIBLE", "CLASSES_SPECIALES", "COULEURS_PRESSION",
    "COULEURS_RESIDENCE", "COULEUR_CONTOUR_COMMUNE", "COULEUR_EPCI", "COULEUR_QPV", "CSS_CARTE", "CarteHorsLigne",
    "Classe", "INDICATEURS", "Indicateur", "LIBELLES_RESIDENCE", "NOTE_AUCUN_QPV", "NOTE_SANS_QPV", "SECRET",
    "SOURCE_CONTOURS", "SOURCE_QPV", "TUILES_OSM", "carte_commentee", "carte_communes", "carte_residences",
    "carte_statique", "classer_communes", "classes_indicateur", "format_decimal", "format_entier",
    "format_pourcentage", "html_autonome", "ids_deterministes", "indicateur_disponible", "ressources_leaflet",
    "resume_classes", "texte_commune",
]
