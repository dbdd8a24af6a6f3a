"""Synthetic residence stock ("patrimoine"): residences, their communes, bailleurs, sizes and positions.

Residences are spread over the communes (weighted by population), three main bailleurs hold
over 60 % of the dwellings, two new programmes are first let during the window, and the
residences of the ground truth (:data:`~.parametres.RESIDENCES_FRAGILES_EXEMPLE`) are large
1960s-70s estates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from cia_lib.territoire import chemins
from cia_lib.territoire.config import Territoire

from .parametres import _INDEX_FRAGILES_2022, _INDEX_FRAGILES_2024, ParametresExemple
from .tirages import _repartir

_NOMS_RESIDENCES = (
    "des Tilleuls", "des Peupliers", "des Cèdres", "des Marronniers", "des Acacias", "des Bleuets",
    "des Coquelicots", "des Glycines", "des Lilas", "des Iris", "des Mésanges", "des Hirondelles",
    "du Moulin", "du Lavoir", "des Coteaux", "des Bords de l'Oise", "de la Source", "du Verger",
    "des Charmilles", "des Vignes", "du Parc", "des Sablons", "de la Garenne", "des Prés",
    "du Clos Fleuri", "des Noisetiers", "des Érables", "des Saules", "du Belvédère", "des Aulnes",
    "de la Forêt", "des Écoles", "du Château", "des Jardins", "du Bois Joli", "des Roses",
    "des Violettes", "de la Chapelle", "du Pressoir", "des Ormes", "des Platanes", "des Sources",
    "du Val Fleuri", "des Chênes", "des Hêtres", "des Pinsons", "des Alouettes", "du Ru",
    "de la Ferme", "des Bouleaux", "du Pont", "de l'Abbaye", "des Trois Forêts", "du Mail",
)


def _poids_communes(territoire: Territoire, exposant: float) -> dict[str, float]:
    """Share of the social stock per commune: population ** exposant (equal shares if unknown)."""
    codes = list(territoire.communes)
    fichier = chemins.REFERENCE / "communes_france.csv"
    population = {}
    if fichier.exists():
        table = pd.read_csv(fichier, dtype={"code_commune": "string"}, usecols=["code_commune", "population_municipale"])
        table = table[table["code_commune"].isin(codes)]
        valeurs = pd.to_numeric(table["population_municipale"], errors="coerce")
        population = {c: float(v) for c, v in zip(table["code_commune"], valeurs) if pd.notna(v) and v > 0}
    if not population:
        return {c: 1 / len(codes) for c in codes}
    mediane = float(np.median(list(population.values())))
    brut = {c: float(population.get(c, mediane)) ** exposant for c in codes}
    total = sum(brut.values())
    return {c: v / total for c, v in brut.items()}


def _bailleurs_principaux(territoire: Territoire, p: ParametresExemple) -> list[tuple[str, float]]:
    connus = [(nom, part) for nom, part in p.bailleurs_principaux if nom in territoire.bailleurs]
    if connus:
        return connus
    noms = list(territoire.bailleurs)[: len(p.bailleurs_principaux)]
    return [(nom, part) for nom, (_, part) in zip(noms, p.bailleurs_principaux)]


def _residences(rng: np.random.Generator, territoire: Territoire, p: ParametresExemple) -> pd.DataFrame:
    """The residence stock: identifiers FICT-R001…, communes in blocks by decreasing weight."""
    poids = _poids_communes(territoire, p.exposant_population)
    communes = sorted(poids, key=lambda c: (-poids[c], c))
    w = np.array([poids[c] for c in communes])
    par_commune = _repartir(p.nb_residences, w, minimum=1)
    logements_commune = _repartir(p.nb_logements, w, minimum=8)
    code = np.repeat(np.array(communes, dtype=object), par_commune)
    n = p.nb_residences

    # Dwellings per residence: random split of each commune's total (at least 8 each).
    nb = np.zeros(n, dtype=int)
    debut = 0
    for k, m in enumerate(par_commune):
        parts = rng.dirichlet(np.full(m, 2.5))
        nb[debut:debut + m] = _repartir(int(logements_commune[k]), parts, minimum=min(8, logements_commune[k] // m))
        debut += m

    fragiles = sorted(set(_INDEX_FRAGILES_2024) | set(_INDEX_FRAGILES_2022))
    annee = rng.integers(1962, 2021, size=n)
    annee[fragiles] = rng.integers(1964, 1978, size=len(fragiles))  # large 1960s-70s estates
    nb[fragiles] = np.maximum(nb[fragiles], rng.integers(70, 110, size=len(fragiles)))

    # New programmes: the last residence of the second, then first commune blocks.
    fins_blocs = np.cumsum(par_commune) - 1
    neufs_index = []
    for k, (annee_neuf, logements) in enumerate(p.programmes_neufs):
        bloc = [1, 0][k % 2] if len(par_commune) > 1 else 0
        i = int(fins_blocs[bloc]) - (k // 2)
        if i in fragiles or i in neufs_index:
            i = next(j for j in range(n - 1, -1, -1) if j not in fragiles and j not in neufs_index)
        annee[i] = annee_neuf
        nb[i] = logements
        neufs_index.append(i)

    # Bailleurs: greedy assignment, largest residences first, to the biggest deficit.
    principaux = _bailleurs_principaux(territoire, p)
    autres = [b for b in territoire.bailleurs if b not in dict(principaux)]
    reste = max(0.0, 1 - sum(part for _, part in principaux))
    cibles = dict(principaux)
    for b in autres:
        cibles[b] = reste / len(autres)
    total = nb.sum()
    tenu = {b: 0 for b in cibles}
    bailleur = np.empty(n, dtype=object)
    ordre = np.argsort(-nb + rng.random(n) * 0.1, kind="stable")
    for rang, i in enumerate(ordre):
        if rang >= n - len(autres):
            # Make sure every bailleur of the territory holds at least one residence.
            sans = [b for b in autres if tenu[b] == 0]
            if sans:
                b = sans[0]
                bailleur[i] = b
                tenu[b] += nb[i]
                continue
        b = max(cibles, key=lambda x: (cibles[x] * total - tenu[x], x))
        bailleur[i] = b
        tenu[b] += nb[i]

    noms = rng.permutation(len(_NOMS_RESIDENCES))[:n] if n <= len(_NOMS_RESIDENCES) else np.arange(n) % len(_NOMS_RESIDENCES)
    nom = [f"Résidence {_NOMS_RESIDENCES[k]} (fictive)" for k in noms]
    if n > len(_NOMS_RESIDENCES):
        nom = [f"{x[:-10]} {i + 1} (fictive)" for i, x in enumerate(nom)]

    lat, lon = _positions(rng, territoire, code)
    return pd.DataFrame({
        "id_residence": [f"FICT-R{i + 1:03d}" for i in range(n)],
        "nom_residence": nom,
        "bailleur": bailleur,
        "code_commune": code,
        "code_qpv": "",
        "nb_logements": nb,
        "annee_mise_en_service": annee,
        "latitude": lat,
        "longitude": lon,
    })


def _positions(rng: np.random.Generator, territoire: Territoire, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Random WGS84 points strictly inside each residence's commune (NaN without boundaries)."""
    lat = np.full(len(codes), np.nan)
    lon = np.full(len(codes), np.nan)
    if territoire.contours_communes is None:
        return lat, lon
    from cia_lib.territoire.geographie import charger_communes  # geometry files are read in one place

    contours = charger_communes(territoire).set_index("code")["geometry"]
    for code in sorted(set(codes)):
        forme = contours[code]
        interieur = forme.buffer(-0.002)  # keep away from the border (rounding to 6 decimals)
        if interieur.is_empty:
            interieur = forme
        xmin, ymin, xmax, ymax = interieur.bounds
        indices = np.flatnonzero(codes == code)
        points: list[tuple[float, float]] = []
        while len(points) < len(indices):
            x = rng.uniform(xmin, xmax, 64)
            y = rng.uniform(ymin, ymax, 64)
            dedans = shapely.contains_xy(interieur, x, y)
            points.extend(zip(x[dedans], y[dedans]))
        for i, (x, y) in zip(indices, points):
            lon[i], lat[i] = round(float(x), 6), round(float(y), 6)
    return lat, lon
