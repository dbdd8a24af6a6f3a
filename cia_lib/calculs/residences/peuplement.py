"""First peopling of new programmes (CIA section III.4): profile of the households of the first leases."""

from __future__ import annotations

import pandas as pd

from cia_lib.territoire.config import Territoire

from .parametres import LIBELLES_COMPOSITION, ParametresFragilite, charger_parametres_fragilite
from .placement import _date, baux_periode

# --------------------------------------------------------------------------- first peopling


def _tranches(ages: pd.Series, bornes: tuple[int, ...]) -> tuple[pd.Series, list[str]]:
    """Age band labels in French ("moins de 30 ans", "30 à 49 ans", ..., "65 ans ou plus")."""
    etiquettes = []
    bas = None
    for b in bornes:
        etiquettes.append(f"moins de {b} ans" if bas is None else f"{bas} à {b - 1} ans")
        bas = b
    etiquettes.append(f"{bas} ans ou plus")
    a = pd.to_numeric(ages).astype("Float64")
    sortie = pd.Series("âge non renseigné", index=ages.index, dtype="string")
    limites = [float("-inf"), *bornes, float("inf")]
    for etiquette, lo, hi in zip(etiquettes, limites[:-1], limites[1:], strict=True):
        sortie[((a >= lo) & (a < hi)).fillna(False).astype(bool)] = etiquette
    return sortie, etiquettes


def _profil(baux: pd.DataFrame, bornes: tuple[int, ...]) -> list[dict]:
    """Profile rows (indicateur, modalite, effectif) whose modalities add up to the lease count."""
    n = len(baux)
    q1 = baux["q1"]
    prio = baux["prioritaire"].fillna(False).astype(bool)
    mutation = baux["mutation"].fillna(False).astype(bool)
    compo = baux["composition"].astype("string")
    ages, etiquettes = _tranches(baux["age_titulaire"], bornes)
    lignes = [
        ("1er quartile", "sous le seuil du 1er quartile", int(q1.fillna(False).astype(bool).sum())),
        ("1er quartile", "au-dessus du seuil", int((q1 == False).fillna(False).sum())),  # noqa: E712
        ("1er quartile", "ressources inconnues", int(q1.isna().sum())),
        ("ménages prioritaires", "prioritaires (DALO ou labellisés)", int(prio.sum())),
        ("ménages prioritaires", "non prioritaires", int((~prio).sum())),
        ("mutations", "déjà locataires du parc social", int(mutation.sum())),
        ("mutations", "nouveaux entrants", int((~mutation).sum())),
    ]
    for code, libelle in LIBELLES_COMPOSITION.items():
        lignes.append(("composition familiale", libelle, int((compo == code).fillna(False).sum())))
    lignes.append(("composition familiale", "non renseignée", int(compo.isna().sum())))
    for etiquette in [*etiquettes, "âge non renseigné"]:
        lignes.append(("âge du titulaire", etiquette, int((ages == etiquette).sum())))
    return [{"indicateur": i, "modalite": m, "effectif": e, "total": n} for i, m, e in lignes]


def premier_peuplement(donnees, territoire: Territoire, du, au, parametres: ParametresFragilite | None = None
                       ) -> pd.DataFrame:
    """Profile of the first households of the programmes first let in the period.

    New programmes are the residences whose ``annee_mise_en_service`` is one of the years
    of [du, au]; their first households are the leases signed there in [du, au]. They are
    compared with all the territory's leases of the same period.

    Parameters
    ----------
    donnees : Donnees
        Processed tables (``attributions`` and ``residences`` are used).
    territoire : Territoire
    du, au : date-like
        Period (lease dates, bounds included).
    parametres : ParametresFragilite, optional
        For the age bands (default: :func:`charger_parametres_fragilite`).

    Returns
    -------
    pandas.DataFrame
        Tidy: ``perimetre`` (residence name, ``Ensemble des nouveaux programmes``,
        ``Territoire (tous les baux de la période)``), ``id_residence`` (NA for the two
        aggregates), ``nb_logements``, ``indicateur`` (1er quartile, ménages prioritaires,
        mutations, composition familiale, âge du titulaire), ``modalite``, ``effectif``,
        ``total`` (leases of the perimeter), ``part``. Within one perimeter and indicator
        the modalities add up to ``total``. Empty (same columns) when no programme was first
        let in the period.
    """
    parametres = parametres or charger_parametres_fragilite()
    du, au = _date(du), _date(au)
    baux = baux_periode(donnees.attributions, territoire, du, au)
    res = donnees.residences
    annees = list(range(du.year, au.year + 1))
    nouvelles = res[res["annee_mise_en_service"].isin(annees)].sort_values("id_residence")
    colonnes = ["perimetre", "id_residence", "nb_logements", "indicateur", "modalite", "effectif", "total", "part"]
    if nouvelles.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(colonnes, [
            "string", "string", "Int64", "string", "string", "Int64", "Int64", "Float64"], strict=True)})
    lignes = []
    perimetres = [
        (r.nom_residence, r.id_residence, r.nb_logements, baux[baux["id_residence"] == r.id_residence])
        for r in nouvelles.itertuples(index=False)
    ]
    ids = set(nouvelles["id_residence"])
    perimetres.append(("Ensemble des nouveaux programmes", pd.NA, nouvelles["nb_logements"].sum(),
                       baux[baux["id_residence"].isin(ids).fillna(False)]))
    perimetres.append(("Territoire (tous les baux de la période)", pd.NA, pd.NA, baux))
    for nom, ident, nb_log, sous in perimetres:
        for ligne in _profil(sous, parametres.tranches_age):
            lignes.append({"perimetre": nom, "id_residence": ident, "nb_logements": nb_log, **ligne})
    t = pd.DataFrame(lignes, columns=colonnes[:-1])
    for c, d in (("perimetre", "string"), ("id_residence", "string"), ("indicateur", "string"),
                 ("modalite", "string"), ("nb_logements", "Int64"), ("effectif", "Int64"), ("total", "Int64")):
        t[c] = t[c].astype(d)
    t["part"] = (t["effectif"].astype("Float64") / t["total"].astype("Float64").where(t["total"] > 0)).astype("Float64")
    return t
