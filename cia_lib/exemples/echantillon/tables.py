"""The synthetic tables (the four of the contract and the flux conventions), generated in draw order and formatted as the text of real extracts.

:func:`tables_exemple` seeds one generator and calls the generators in a fixed order
(residences, OPS, demands, attributions, snapshots): that order is what makes the same seed
give the same tables. The text follows the data contract: dates ``JJ/MM/AAAA``, decimal
comma, booleans ``oui``/``non`` (attributions) or ``O``/``N`` (SNE demands).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cia_lib.territoire.config import Territoire

from .attributions import _attributions
from .demandes import _demandes, _instantanes
from .flux import completer_flux
from .menages import _bornes_quartiles
from .ops import _ops
from .parametres import PARAMETRES_DEFAUT, ParametresExemple
from .patrimoine import _residences
from .tirages import _jours


def _generer_tables(territoire: Territoire, graine: int, p: ParametresExemple) -> dict[str, pd.DataFrame]:
    """Raw tables (typed columns) of the synthetic world, from one generator seeded with ``graine``."""
    rng = np.random.default_rng(graine)
    debut, fin = _jours(p.debut), _jours(p.fin)
    annees_fenetre = range(p.debut.year, p.fin.year + 1)
    bandes = _bornes_quartiles(territoire, annees_fenetre)
    reservataires = [(c, s) for c, s in p.reservataires if c in territoire.reservataires]
    codes_res = [c for c, _ in reservataires]
    parts_res = np.array([s for _, s in reservataires])

    residences = _residences(rng, territoire, p)
    ops = _ops(rng, residences, p)
    demandes = _demandes(rng, territoire, graine, p, bandes, codes_res, parts_res)
    attributions = _attributions(rng, demandes, residences, territoire, p, debut, fin, codes_res, parts_res)
    snapshots = _instantanes(demandes, p)
    attributions, conventions = completer_flux(rng, attributions, residences, territoire, p)  # last draws
    return {"attributions": attributions, "demandes": snapshots, "residences": residences, "ops": ops,
            "conventions_flux": conventions}


def _texte_date(valeurs) -> pd.Series:
    serie = pd.Series(pd.to_datetime(valeurs))
    return serie.dt.strftime("%d/%m/%Y").fillna("")


def _texte_nombre(valeurs, decimales: int) -> pd.Series:
    serie = pd.Series(np.asarray(valeurs, dtype=float))
    texte = serie.map(lambda v: "" if np.isnan(v) else f"{v:.{decimales}f}".replace(".", ","))
    return texte


def _texte_booleen(valeurs, vrai: str, faux: str) -> pd.Series:
    return pd.Series(np.where(np.asarray(valeurs, dtype=bool), vrai, faux))


def _tables_texte(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Format the generated tables as the text of real extracts (contract column order)."""
    a = tables["attributions"]
    attributions = pd.DataFrame({
        "id_attribution": a["id_attribution"].to_numpy(),
        "numero_unique": a["numero_unique"].to_numpy(),
        "date_decision": _texte_date(a["decision"]),
        "date_bail": _texte_date(a["bail"]),
        "bailleur": a["bailleur"].to_numpy(),
        "reservataire": a["reservataire"].to_numpy(),
        "code_commune": a["code_commune"].to_numpy(),
        "code_qpv": "",
        "id_residence": a["id_residence"].to_numpy(),
        "typologie": a["typologie_bail"].to_numpy(),
        "ressources_mensuelles": _texte_nombre(a["ressources_mensuelles"], 2),
        "nb_personnes": a["nb_personnes"].astype(int).astype(str).to_numpy(),
        "nb_moins_14": a["nb_moins_14"].astype(int).astype(str).to_numpy(),
        "dalo": _texte_booleen(a["dalo"], "oui", "non"),
        "prioritaire_l441": _texte_booleen(a["prioritaire_l441"], "oui", "non"),
        "mutation": _texte_booleen(a["mutation"], "oui", "non"),
        "relogement_renouvellement": "non",
        "date_depot": _texte_date(a["depot"]),
        "age_titulaire": a["age_titulaire"].astype(str).to_numpy(),
        "composition": a["composition"].to_numpy(),
        "financement": a["financement"].to_numpy(),
        "mutation_interne": _texte_booleen(a["mutation_interne"], "oui", "non"),
        "nom": a["nom"].to_numpy(),
    })
    d = tables["demandes"]
    demandes = pd.DataFrame({
        "date_extraction": _texte_date(d["date_extraction"]),
        "numero_unique": d["numero_unique"].to_numpy(),
        "date_depot": _texte_date(d["depot"]),
        "code_commune_souhaitee": d["commune_souhaitee"].to_numpy(),
        "typologie_souhaitee": d["typologie"].to_numpy(),
        "ressources_mensuelles": _texte_nombre(d["ressources_mensuelles"], 2),
        "nb_personnes": d["nb_personnes"].astype(int).astype(str).to_numpy(),
        "nb_moins_14": d["nb_moins_14"].astype(int).astype(str).to_numpy(),
        "mutation": _texte_booleen(d["mutation"], "O", "N"),
        "dalo": _texte_booleen(d["dalo"], "O", "N"),
        "prioritaire_l441": _texte_booleen(d["prioritaire_l441"], "O", "N"),
        "age_titulaire": d["age_titulaire"].astype(str).to_numpy(),
        "composition": d["composition"].to_numpy(),
        "nom": d["nom"].to_numpy(),
    })
    r = tables["residences"]
    residences = r.assign(
        nb_logements=r["nb_logements"].astype(str),
        annee_mise_en_service=r["annee_mise_en_service"].astype(str),
        latitude=_texte_nombre(r["latitude"], 6).to_numpy(),
        longitude=_texte_nombre(r["longitude"], 6).to_numpy(),
    )
    ops = tables["ops"].astype(str)
    c = tables["conventions_flux"]
    conventions = c.assign(annee=c["annee"].astype(str), part_flux=_texte_nombre(c["part_flux"], 2).to_numpy())
    return {"attributions": attributions, "demandes": demandes, "residences": residences, "ops": ops,
            "conventions_flux": conventions}


def tables_exemple(territoire: Territoire, graine: int = 2024, parametres: ParametresExemple = PARAMETRES_DEFAUT) -> dict[str, pd.DataFrame]:
    """Generate the synthetic tables as the text that will be written (all columns str).

    Parameters
    ----------
    territoire : Territoire
        Communes, bailleurs (and aliases), réservataires, thresholds, UC scale, boundaries.
    graine : int, default 2024
        Seed of ``numpy.random.default_rng``: the same seed gives the same tables.
    parametres : ParametresExemple, optional
        Calibration of the synthetic world.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``attributions``, ``demandes``, ``residences``, ``ops``, ``conventions_flux``; contract columns in order,
        plus a personal column ``nom`` in attributions and demandes (to be dropped at import).

    Raises
    ------
    ErreurSeuilManquant
        When a year of the covered window has no 1st-quartile threshold.
    """
    return _tables_texte(_generer_tables(territoire, int(graine), parametres))
