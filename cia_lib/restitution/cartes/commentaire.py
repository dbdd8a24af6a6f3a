"""Map section of a report: the French sentence under a map and the map itself."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from cia_lib.territoire.config import Territoire

from .classement import classer_communes, indicateur_disponible
from .interactive import carte_communes


def resume_classes(tableau_indicateurs: pd.DataFrame, indicateur: str) -> str:
    """One French sentence counting the communes of each class (for the text under a map).

    Examples
    --------
    >>> t = pd.DataFrame({"indicateur": ["q1_hors_qpv"] * 2, "niveau": ["commune"] * 2,
    ...                   "cle": ["1", "2"], "numerateur": [10, 1], "denominateur": [40, 3],
    ...                   "taux": [0.25, 0.33], "ic_bas": [0.14, 0.06], "ic_haut": [0.40, 0.79],
    ...                   "cible": [0.25, 0.25], "statut": ["atteint", "effectif insuffisant"]})
    >>> resume_classes(t, "q1_hors_qpv")
    'Sur 2 communes : 1 autour de la cible, 1 avec un effectif insuffisant.'
    """
    classes = classer_communes(tableau_indicateurs, indicateur)
    if classes.empty:
        return "Cet indicateur n'est pas calculé par commune."
    formules = {
        "en_dessous": "en dessous de la cible", "autour": "autour de la cible", "au_dessus": "au-dessus de la cible",
        "effectif_insuffisant": "avec un effectif insuffisant", "secret": "sous secret statistique",
        "sans_objet": "sans bail sur la période",
    }
    comptes = classes.sort_values("ordre").groupby(["ordre", "classe", "libelle_classe"], sort=True).size()
    morceaux = []
    for (_, code, libelle), n in comptes.items():
        texte = formules.get(code, f"avec une pression {libelle}")
        morceaux.append(f"{n} {texte}")
    return f"Sur {len(classes)} communes : {', '.join(morceaux)}."


def carte_commentee(communes: gpd.GeoDataFrame, tableau_indicateurs: pd.DataFrame, indicateur: str,
                    territoire: Territoire, phrase: str, qpv: gpd.GeoDataFrame | None = None,
                    donnees_fictives: bool = False) -> tuple[str, folium.Map | None]:
    """A map section of a report: its French commentary and the map (None when not computable).

    Parameters
    ----------
    phrase : str
        What the map shows (one French sentence); the class counts are appended to it, or
        the reason why the indicator cannot be mapped.
    Other parameters
        As :func:`carte_communes`.

    Returns
    -------
    tuple of (str, folium.Map or None)
    """
    if not indicateur_disponible(tableau_indicateurs, indicateur):
        return f"*{phrase} Cet indicateur n'est pas calculé par commune pour cette période.*", None
    carte = carte_communes(communes, tableau_indicateurs, indicateur, territoire, qpv=qpv,
                           donnees_fictives=donnees_fictives)
    return f"{phrase} {resume_classes(tableau_indicateurs, indicateur)}", carte
