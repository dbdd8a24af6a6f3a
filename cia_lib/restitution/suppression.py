"""Linked-table cell suppression and its audit, by linear programming (HiGHS, through highspy).

Generic and domain-free: a *system* is a set of non-negative quantities with their true
values, the additive relations a reader knows between them (``sum(coef * x) == 0``), and the
set of quantities that are published. An attacker who sees the published values computes, for
every quantity he does not see, the smallest and largest value compatible with the published
values and the relations (two linear programmes). A quantity is **protected** when its
feasible interval is not a single point and does not lie inside ``[1, seuil]`` (that would
tell a reader « a handful of households » even without the exact figure).

:func:`completer_suppressions` starts from the primary secret (every quantity from 1 to
``seuil``, published or not) and adds complementary suppressions, among the quantities it
is allowed to hide, until every sensitive quantity is protected. Hiding more never narrows an
interval (the true values stay feasible), so a quantity once protected stays protected and
only the unprotected ones are audited again.

pytauargus (τ-Argus with HiGHS) was evaluated first: it protects tables built from microdata
along hierarchies, one table at a time; the report's links (the same quantity in several
tables and notebooks, complementary indicators, hidden complements ``denominateur −
numerateur``, quarters and cumulative periods) are expressed here directly as relations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from cia_lib.erreurs import ErreurCIA

Relation = Mapping[Hashable, float]
"""``{quantité: coefficient}``: the relation says ``sum(coefficient * valeur) == 0``."""

TOLERANCE = 1e-6


@dataclass
class Intervalle:
    """Feasible interval of one hidden quantity for an attacker (``haut`` may be ``inf``)."""

    bas: float
    haut: float

    def protege(self, seuil: int) -> bool:
        """True when the interval is not a point and not inside ``[1, seuil]``.

        Examples
        --------
        >>> Intervalle(0, 4).protege(5), Intervalle(3, 3).protege(5), Intervalle(1, 4).protege(5)
        (True, False, False)
        >>> Intervalle(2, 9).protege(5)
        True
        """
        if self.haut - self.bas < 0.5:
            return False
        return not (self.bas >= 1 - TOLERANCE and self.haut <= seuil + TOLERANCE)


def est_sensible(valeur: float, seuil: int) -> bool:
    """A count from 1 to ``seuil`` (inclusive) is a primary secret.

    Examples
    --------
    >>> [est_sensible(v, 5) for v in (0, 1, 5, 6)]
    [False, True, True, False]
    """
    return 1 - TOLERANCE <= float(valeur) <= seuil + TOLERANCE


@dataclass
class Systeme:
    """Quantities of a publication, their relations and what the reader sees.

    Parameters
    ----------
    valeurs : dict
        True value of every quantity (published or hidden by nature, such as a complement).
    relations : list of mapping
        Known additive relations.
    publiables : set
        Quantities that the report shows (unless masked).
    """

    valeurs: dict[Hashable, float] = field(default_factory=dict)
    relations: list[dict[Hashable, float]] = field(default_factory=list)
    publiables: set[Hashable] = field(default_factory=set)

    def ajouter(self, cle: Hashable, valeur: float, publiable: bool = True) -> None:
        """Add a quantity (the first value given for a key is kept: one quantity, one value)."""
        if cle not in self.valeurs:
            self.valeurs[cle] = float(valeur)
        if publiable:
            self.publiables.add(cle)

    def relier(self, relation: Relation) -> None:
        """Add a relation whose quantities are all known and whose true values satisfy it.

        A relation with an unknown quantity is ignored, and so is one that the true values do
        not satisfy: it is not something a reader can use (e.g. « the bailleurs add up to the
        EPCI » for a year when a bailleur has no fiche), and solving with it would fail.
        """
        relation = {k: float(c) for k, c in relation.items() if c}
        if len(relation) < 2 or not all(k in self.valeurs for k in relation):
            return
        if abs(sum(c * self.valeurs[k] for k, c in relation.items())) > TOLERANCE:
            return
        self.relations.append(relation)


def intervalles(systeme: Systeme, caches: set[Hashable], cibles: Iterable[Hashable]) -> dict[Hashable, Intervalle]:
    """Feasible interval of each quantity of ``cibles`` for a reader who sees every quantity
    not in ``caches`` (hidden: masked or never published) and knows the relations.

    Parameters
    ----------
    systeme : Systeme
    caches : set
        Unknown quantities (masked publiables and quantities never published).
    cibles : iterable
        Hidden quantities to bound.

    Returns
    -------
    dict
        ``{quantité: Intervalle}``, bounds rounded inwards to whole numbers (counts); a
        quantity in no relation with another hidden one is ``[0, inf]`` (nothing tells it).

    Examples
    --------
    >>> s = Systeme()
    >>> for k, v in {"a": 3, "b": 7, "t": 10}.items():
    ...     s.ajouter(k, v)
    >>> s.relier({"a": 1, "b": 1, "t": -1})
    >>> intervalles(s, {"a"}, ["a"])["a"]
    Intervalle(bas=3.0, haut=3.0)
    >>> intervalles(s, {"a", "b"}, ["a"])["a"]
    Intervalle(bas=0.0, haut=10.0)
    """
    return {cible: Intervalle(_borne(probleme, False), _borne(probleme, True)) if probleme else Intervalle(0.0, float("inf"))
            for cible, probleme in _problemes(systeme, caches, cibles)}


def _problemes(systeme: Systeme, caches: set[Hashable], cibles: Iterable[Hashable]):
    """``(cible, (a, b, colonne))`` for each target: the linear system ``a x = b``, ``x >= 0`` of
    the hidden quantities linked to it (its connected component) and its column; ``None``
    instead of the system for a target linked to no other hidden quantity. The system of a
    component is built once, when its first target is reached."""
    utiles = [r for r in systeme.relations if any(k in caches for k in r)]
    composante = _composantes(utiles, caches)
    par_composante: dict[Hashable, list[int]] = {}
    for i, relation in enumerate(utiles):
        racine = next(composante[k] for k in relation if k in caches)
        par_composante.setdefault(racine, []).append(i)
    systemes: dict[Hashable, tuple] = {}
    for cible in cibles:
        if cible not in composante:
            yield cible, None
            continue
        racine = composante[cible]
        if racine not in systemes:
            systemes[racine] = _matrices(systeme, [utiles[i] for i in par_composante[racine]], caches)
        a, b, position = systemes[racine]
        yield cible, (a, b, position[cible])


def _borne(probleme: tuple, maximum: bool) -> float:
    """Smallest (or largest) value of one hidden quantity, rounded inwards to a whole number:
    counts are whole numbers, and the reader knows it."""
    a, b, colonne = probleme
    valeur = _optimum(a, b, colonne, maximum)
    if maximum:
        return valeur if math.isinf(valeur) else float(math.floor(valeur + TOLERANCE))
    return max(0.0, float(math.ceil(valeur - TOLERANCE)))


def _proteges(systeme: Systeme, caches: set[Hashable], cibles: Iterable[Hashable], seuil: int) -> dict[Hashable, bool]:
    """:meth:`Intervalle.protege` of each sensitive target, with one linear programme instead of
    two when the largest value already decides: a sensitive quantity (true value from 1 to
    ``seuil``, so its smallest feasible value is at most ``seuil``) whose largest feasible value
    exceeds ``seuil`` is protected."""
    sortie = {}
    for cible, probleme in _problemes(systeme, caches, cibles):
        if probleme is None:
            sortie[cible] = True
            continue
        haut = _borne(probleme, True)
        if haut > seuil + TOLERANCE and systeme.valeurs[cible] <= seuil + TOLERANCE:
            sortie[cible] = True
        else:
            sortie[cible] = Intervalle(_borne(probleme, False), haut).protege(seuil)
    return sortie


def _determines(systeme: Systeme, caches: set[Hashable], cibles: Iterable[Hashable]) -> set[Hashable]:
    """Targets whose feasible interval is a single point, with one linear programme instead of
    two when the largest value is already above the true value (then it is not a point)."""
    sortie = set()
    for cible, probleme in _problemes(systeme, caches, cibles):
        if probleme is None:
            continue
        haut = _borne(probleme, True)
        if haut - systeme.valeurs[cible] >= 0.5:
            continue
        if haut - _borne(probleme, False) < 0.5:
            sortie.add(cible)
    return sortie


_SOLVEUR = None


def _solveur():
    """One HiGHS instance per process (its banner, printed at creation, is silenced)."""
    global _SOLVEUR
    if _SOLVEUR is None:
        import os
        import sys

        import highspy

        sys.stdout.flush()
        sauve, nul = os.dup(1), os.open(os.devnull, os.O_WRONLY)
        os.dup2(nul, 1)
        try:
            _SOLVEUR = highspy.Highs()
        finally:
            os.dup2(sauve, 1)
            os.close(nul)
            os.close(sauve)
        _SOLVEUR.setOptionValue("output_flag", False)
        # the same small system is solved again and again with another objective: presolving
        # it each time costs more than the warm-started simplex itself
        _SOLVEUR.setOptionValue("presolve", "off")
    return _SOLVEUR


_MODELE: dict = {"id": None}


def _optimum(a: np.ndarray, b: np.ndarray, colonne: int, maximum: bool) -> float:
    """Min (or max) of variable ``colonne`` subject to ``a x = b``, ``x >= 0`` (HiGHS, warm start
    when the same system is solved again for another variable or direction)."""
    import highspy

    h = _solveur()
    n = a.shape[1]
    if _MODELE["id"] is not a:
        h.clearModel()
        h.addVars(n, np.zeros(n), np.full(n, highspy.kHighsInf))
        lignes, colonnes = np.nonzero(a)
        debuts = np.searchsorted(lignes, np.arange(a.shape[0]))
        h.addRows(a.shape[0], b, b, len(lignes), debuts.astype(np.int32), colonnes.astype(np.int32),
                  a[lignes, colonnes])
        _MODELE["id"] = a
    signe = -1.0 if maximum else 1.0
    cout = np.zeros(n)
    cout[colonne] = signe
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cout)
    h.run()
    statut = h.modelStatusToString(h.getModelStatus())
    if statut == "Unbounded":
        return float("inf") if maximum else 0.0
    if statut != "Optimal":
        _MODELE["id"] = None
        raise ErreurCIA(f"audit du secret statistique impossible (solveur HiGHS : {statut}).")
    return signe * h.getInfo().objective_function_value


def _composantes(relations: list[Relation], caches: set[Hashable]) -> dict[Hashable, Hashable]:
    """Connected components of the hidden quantities (two are linked when a relation holds both)."""
    parent: dict[Hashable, Hashable] = {}

    def racine(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for relation in relations:
        membres = [k for k in relation if k in caches]
        for k in membres:
            parent.setdefault(k, k)
        for k in membres[1:]:
            parent[racine(k)] = racine(membres[0])
    return {k: racine(k) for k in parent}


def _matrices(systeme: Systeme, relations: list[Relation], caches: set[Hashable]):
    """``A x = b`` over the hidden quantities of ``relations`` (published values moved to ``b``)."""
    inconnues = sorted({k for r in relations for k in r if k in caches}, key=repr)
    position = {k: i for i, k in enumerate(inconnues)}
    a = np.zeros((len(relations), len(inconnues)))
    b = np.zeros(len(relations))
    for i, relation in enumerate(relations):
        for k, c in relation.items():
            if k in position:
                a[i, position[k]] += c
            else:
                b[i] -= c * systeme.valeurs[k]
    return a, b, position


def sensibles(systeme: Systeme, seuil: int) -> set[Hashable]:
    """Quantities from 1 to ``seuil``, published or not: each must stay protected."""
    return {k for k, v in systeme.valeurs.items() if est_sensible(v, seuil)}


def _index_relations(systeme: Systeme) -> dict[Hashable, list[int]]:
    """Positions of the relations holding each quantity."""
    index: dict[Hashable, list[int]] = {}
    for i, r in enumerate(systeme.relations):
        for k in r:
            index.setdefault(k, []).append(i)
    return index


def _voisins(systeme: Systeme, cible: Hashable, caches: set[Hashable],
             index: dict[Hashable, list[int]] | None = None):
    """Published quantities linked to ``cible``, by distance, one ring at a time (a generator,
    so that a caller stops as soon as it has the rings it needs): first those sharing a
    relation with it, then those sharing a relation with a hidden quantity of the first
    relations, and so on (``index``: :func:`_index_relations`, built once by a caller that
    asks many times)."""
    index = _index_relations(systeme) if index is None else index
    vus, front = {cible}, [cible]
    while front:
        couche, suivant = [], []
        for k in front:
            for i in index.get(k, ()):
                for autre in systeme.relations[i]:
                    if autre in vus:
                        continue
                    vus.add(autre)
                    (suivant if autre in caches else couche).append(autre)
        if couche:
            yield couche
        front = suivant


def completer_suppressions(
    systeme: Systeme,
    seuil: int,
    masques: set[Hashable] | None = None,
    modifiables: set[Hashable] | None = None,
    poids: Callable[[Hashable], float] | None = None,
) -> set[Hashable]:
    """Masked publiables such that every sensitive quantity is protected.

    Primary secret: every publiable from 1 to ``seuil``. Then, while a sensitive quantity
    (published or hidden by nature) is not protected (:meth:`Intervalle.protege`), one more
    published quantity is masked: among the nearest ones in the relations (the two nearest
    rings: sharing a relation with it, then with the hidden quantities next to it), the one of
    smallest cost — its value times ``poids`` times its ring — a non-zero one first.

    Parameters
    ----------
    systeme : Systeme
    seuil : int
        ``Territoire.seuil_secret``.
    masques : set, optional
        Quantities already masked (an earlier part of the report).
    modifiables : set, optional
        Publiables that may still be masked (default: every publiable); the others are
        already shown to the reader.
    poids : callable, optional
        Cost multiplier of masking a quantity (default 1): a denominator shown in many tables
        costs more to hide than a numerator.

    Returns
    -------
    set
        Every masked publiable (those given in ``masques`` included).

    Raises
    ------
    cia_lib.erreurs.ErreurCIA
        When no allowed suppression can protect a sensitive quantity (a table shown earlier
        already reveals it): a report must never go out like that.

    Examples
    --------
    >>> s = Systeme()
    >>> for k, v in {"dalo": 3, "autres": 7, "prioritaires": 10}.items():
    ...     s.ajouter(k, v)
    >>> s.relier({"dalo": 1, "autres": 1, "prioritaires": -1})
    >>> sorted(completer_suppressions(s, 5))
    ['autres', 'dalo']
    """
    modifiables = set(systeme.publiables) if modifiables is None else set(modifiables)
    poids = poids or (lambda _k: 1.0)
    masques = set(masques or ()) | {k for k in systeme.publiables & modifiables if est_sensible(systeme.valeurs[k], seuil)}
    non_publies = set(systeme.valeurs) - systeme.publiables
    a_verifier = sorted(sensibles(systeme, seuil), key=repr)
    index = _index_relations(systeme)
    while a_verifier:
        caches = masques | non_publies
        proteges = _proteges(systeme, caches, [k for k in a_verifier if k in caches], seuil)
        fragiles = [k for k in a_verifier if k in caches and not proteges[k]]
        fragiles += [k for k in a_verifier if k not in caches]
        if not fragiles:
            return masques
        for cible in fragiles:
            if cible not in caches:
                if cible not in modifiables:
                    raise ErreurCIA(f"secret statistique : un petit effectif est déjà publié par un tableau précédent ({cible!r}).")
                masques.add(cible)
                continue
            couches = []  # the two nearest rings that hold a quantity still allowed to be masked
            for couche in _voisins(systeme, cible, caches, index):
                couche = [k for k in couche if k in modifiables and k not in masques]
                if couche:
                    couches.append(couche)
                    if len(couches) == 2:
                        break
            if not couches:
                raise ErreurCIA(f"secret statistique : aucun masquage complémentaire possible pour {cible!r}.")
            candidats = [(k, distance) for distance, c in enumerate(couches, start=1) for k in c]
            choix, _ = min(candidats, key=lambda kd: (systeme.valeurs[kd[0]] == 0,
                                                       systeme.valeurs[kd[0]] * poids(kd[0]) * kd[1], repr(kd[0])))
            masques.add(choix)
            caches = masques | non_publies
        a_verifier = fragiles
    return masques


def retirer_masques_inutiles(
    systeme: Systeme, masques: set[Hashable], seuil: int, modifiables: set[Hashable] | None = None
) -> set[Hashable]:
    """Unmask the complementary suppressions that a reader can recompute exactly anyway.

    Publishing a value already determined by the published ones changes nothing a reader can
    deduce (the feasible set is the same), so such an « s » only hides a figure for nothing.
    Sensitive quantities are never unmasked.

    Examples
    --------
    >>> s = Systeme()
    >>> for k, v in {"a": 3, "b": 7, "e": 6, "t": 16, "c": 8, "w": 8}.items():
    ...     s.ajouter(k, v)
    >>> s.relier({"a": 1, "b": 1, "e": 1, "t": -1})
    >>> s.relier({"c": 1, "w": -1})
    >>> sorted(retirer_masques_inutiles(s, {"a", "b", "e", "c"}, 5))
    ['a', 'b', 'e']
    """
    modifiables = set(masques) if modifiables is None else set(modifiables)
    candidats = sorted((k for k in masques & modifiables if not est_sensible(systeme.valeurs[k], seuil)), key=repr)
    caches = set(masques) | (set(systeme.valeurs) - systeme.publiables)
    return set(masques) - _determines(systeme, caches, candidats)


def audit(systeme: Systeme, masques: set[Hashable], seuil: int) -> dict[Hashable, Intervalle]:
    """Intervals of the sensitive quantities that are *not* protected (empty when all are).

    A sensitive quantity that is published is reported with its exact value as interval.
    """
    caches = set(masques) | (set(systeme.valeurs) - systeme.publiables)
    cibles: Sequence[Hashable] = sorted(sensibles(systeme, seuil), key=repr)
    bornes = intervalles(systeme, caches, [k for k in cibles if k in caches])
    fuites = {k: b for k, b in bornes.items() if not b.protege(seuil)}
    for k in cibles:
        if k not in caches:
            fuites[k] = Intervalle(systeme.valeurs[k], systeme.valeurs[k])
    return fuites
