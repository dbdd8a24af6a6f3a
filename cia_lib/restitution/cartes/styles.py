"""Palette, map classes and French wording shared by the interactive and the printed maps.

One place for the colours, hatchings and labels of the classes (:data:`CLASSES`), the
outline colours, the notes and sources, and the French names of the indicators
(:data:`INDICATEURS`), so that a commune has the same colour on screen and on paper.
"""

from __future__ import annotations

from dataclasses import dataclass

from .formats import _nombre_fr


@dataclass(frozen=True)
class Classe:
    """One map class: French label, fill colour, hatch (matplotlib code) and map mark."""

    code: str
    libelle: str
    couleur: str
    hachure: str = ""
    marque: str = ""


CLASSES_CIBLE = (
    Classe("en_dessous", "en dessous de la cible", "#d7191c"),
    Classe("autour", "autour de la cible (cible dans l'intervalle de confiance)", "#fee090"),
    Classe("au_dessus", "au-dessus de la cible", "#4575b4"),
)
"""Classes of an indicator with a target, compared with the 95 % Wilson interval."""

BORNES_PRESSION = (4, 8, 12, 20)
"""Class limits of the pressure (active demands per signed lease): sequential classes."""

COULEURS_PRESSION = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")


def _classes_pression(bornes=BORNES_PRESSION) -> tuple[Classe, ...]:
    bornes = tuple(bornes)
    if len(bornes) + 1 > len(COULEURS_PRESSION):
        raise ValueError(f"au plus {len(COULEURS_PRESSION) - 1} bornes de pression")
    couleurs = COULEURS_PRESSION[len(COULEURS_PRESSION) - len(bornes) - 1:]
    libelles = [f"moins de {_nombre_fr(bornes[0])}"]
    libelles += [f"de {_nombre_fr(a)} à moins de {_nombre_fr(b)}" for a, b in zip(bornes, bornes[1:])]
    libelles += [f"{_nombre_fr(bornes[-1])} ou plus"]
    return tuple(Classe(f"pression_{i + 1}", lib, coul) for i, (lib, coul) in enumerate(zip(libelles, couleurs)))


CLASSES_SPECIALES = (
    Classe("effectif_insuffisant", "effectif insuffisant (taux non interprétable)", "#bdbdbd", "///",
           "effectif insuffisant"),
    Classe("secret", "secret statistique (effectif masqué)", "#d9d9d9", "...", "secret statistique"),
    Classe("sans_objet", "sans objet (aucun bail sur la période)", "#ffffff", "", "aucun bail"),
)
"""Classes without a rate to read: always drawn with a mark (hatching and a label)."""

CLASSES = {c.code: c for c in (*CLASSES_CIBLE, *_classes_pression(), *CLASSES_SPECIALES)}
"""Every class by code (default pressure limits)."""

COULEUR_QPV = "#7b3294"
COULEUR_EPCI = "#252525"
COULEUR_CONTOUR_COMMUNE = "#636363"
COULEURS_RESIDENCE = {True: "#c51b7d", False: "#4d4d4d", None: "#969696"}
LIBELLES_RESIDENCE = {True: "résidence signalée (fragilité)", False: "résidence non signalée",
                      None: "fragilité non évaluée"}

TUILES_OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
ATTRIBUTION_OSM = "&copy; les contributeurs d'OpenStreetMap (ODbL)"
SOURCE_CONTOURS = "Contours des communes : IGN – ADMIN EXPRESS COG 2018 (Licence Ouverte Etalab)"
SOURCE_QPV = "Contours des QPV : ANCT"

NOTE_SANS_QPV = "Aucun fichier de contours des QPV n'est configuré : les QPV ne sont pas représentés."
NOTE_AUCUN_QPV = "Aucun QPV dans les communes du territoire (fichier des QPV consulté)."


@dataclass(frozen=True)
class Indicateur:
    """French wording of an indicator on the maps."""

    titre: str
    denominateur: str
    numerateur: str
    taux: str
    part: bool = True  # True: a share (shown in %); False: a ratio


INDICATEURS = {
    "q1_hors_qpv": Indicateur(
        "Part des baux signés hors QPV attribués à des ménages du 1er quartile",
        "Baux signés hors QPV", "dont ménages du 1er quartile ou relogés (ANRU/ORCOD)", "Part"),
    "hors_q1_en_qpv": Indicateur(
        "Part des baux signés en QPV attribués à des ménages au-dessus du 1er quartile",
        "Baux signés en QPV", "dont ménages au-dessus du 1er quartile", "Part"),
    "prioritaires": Indicateur(
        "Part des baux signés attribués à des ménages prioritaires (DALO ou labellisés)",
        "Baux signés", "dont ménages prioritaires", "Part"),
    "pression": Indicateur(
        "Pression de la demande : demandes actives par bail signé",
        "Baux signés", "Demandes actives", "Pression", part=False),
}


def _indicateur(code: str) -> Indicateur:
    return INDICATEURS.get(code, Indicateur(code, "Dénominateur", "Numérateur", "Taux"))
