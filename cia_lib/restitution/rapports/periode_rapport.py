"""Which periods a report may be built for: the calendar, the data coverage, the data themselves.

A report never looks right when it is wrong: before any kernel starts, the runner refuses

- an ambiguous request (``--annee`` without ``--trimestre`` or the reverse);
- a period that has not ended (its last day is today or later), unless the report is asked
  as *provisoire* — then every page says so;
- a period that ends after the data (``jusqu_au`` of the coverage recorded by the import,
  :mod:`cia_lib.entrees.couverture`), except a provisional report of the current period;
- a period with no lease signed and no demand snapshot (an all-zero report).

Every refusal is an :class:`~cia_lib.erreurs.ErreurParametre` (exit code 2) whose French
message gives the dates involved.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cia_lib.calculs.periodes import dernier_trimestre_clos, fin_trimestre
from cia_lib.entrees.couverture import date_couverture, lire_couverture
from cia_lib.erreurs import ErreurParametre


def resoudre_periode_demandee(annee: int | None, trimestre: int | None, aujourd_hui: dt.date) -> tuple[int, int]:
    """(year, quarter) of a quarterly report from the command-line options.

    Neither option: the last quarter completed before ``aujourd_hui``
    (:func:`cia_lib.calculs.periodes.dernier_trimestre_clos`). Both: as given. Only one:
    refused (``--annee 2025`` alone could mean T4, or the quarter of today's date).

    Examples
    --------
    >>> resoudre_periode_demandee(None, None, dt.date(2026, 12, 1))
    (2026, 3)
    >>> resoudre_periode_demandee(2025, 2, dt.date(2026, 12, 1))
    (2025, 2)
    """
    if annee is None and trimestre is None:
        return dernier_trimestre_clos(aujourd_hui)
    if annee is None or trimestre is None:
        donne, manque = ("--annee", "--trimestre") if trimestre is None else ("--trimestre", "--annee")
        raise ErreurParametre(
            f"{donne} sans {manque} est ambigu : donnez les deux (ex. --annee 2025 --trimestre 4), "
            "ou aucun des deux pour le dernier trimestre clos."
        )
    return int(annee), int(trimestre)


def _francais(jour: dt.date) -> str:
    return f"{jour:%d/%m/%Y}"


def phrase_couverture(couverture: dict) -> str:
    """French detail of the coverage for refusal messages.

    Examples
    --------
    >>> phrase_couverture({"jusqu_au": "2026-09-30", "attributions": {"dernier_bail": "2026-09-29"},
    ...                    "demandes": {"dernier_instantane": "2026-09-30"}})
    "données jusqu'au 30/09/2026 (dernier bail : 29/09/2026 ; dernière décision : aucune ; dernier instantané de la demande : 30/09/2026)"
    """
    def jour(iso):
        return _francais(dt.date.fromisoformat(iso)) if iso else "aucune"

    a, d = couverture.get("attributions", {}), couverture.get("demandes", {})
    fin = date_couverture(couverture)
    debut = f"données jusqu'au {_francais(fin)}" if fin else "aucune date dans les données"
    return (f"{debut} (dernier bail : {jour(a.get('dernier_bail'))} ; dernière décision : "
            f"{jour(a.get('derniere_decision'))} ; dernier instantané de la demande : "
            f"{jour(d.get('dernier_instantane'))})")


def activite_periode(donnees, du: dt.date, au: dt.date) -> tuple[int, int]:
    """(leases signed, demand rows of snapshots) dated within [du, au] in a processed folder."""
    import pandas as pd

    dossier = Path(donnees)
    baux = pd.to_datetime(pd.read_parquet(dossier / "attributions.parquet", columns=["date_bail"])["date_bail"])
    chemin = dossier / "demandes.parquet"
    instantanes = (pd.to_datetime(pd.read_parquet(chemin, columns=["date_extraction"])["date_extraction"])
                   if chemin.exists() else pd.Series([], dtype="datetime64[ns]"))
    debut, fin = pd.Timestamp(du), pd.Timestamp(au)
    return int(baux.between(debut, fin).sum()), int(instantanes.between(debut, fin).sum())


def verifier_periode_rapport(annee: int, trimestre: int, donnees, aujourd_hui: dt.date,
                             provisoire: bool = False, libelle: str | None = None) -> dict:
    """Refuse a period the data cannot support (see the module docstring).

    Parameters
    ----------
    annee, trimestre : int
        The report covers 1 January of ``annee`` to the end of ``trimestre``.
    donnees : path-like
        Processed folder (its coverage and tables are read).
    aujourd_hui : datetime.date
    provisoire : bool
        Build the report of a period still running (then it says « provisoire »).
    libelle : str, optional
        Name of the period in messages (default « la période du … au … »).

    Returns
    -------
    dict
        The coverage (:func:`cia_lib.entrees.couverture.lire_couverture`).

    Raises
    ------
    ErreurParametre
    """
    du, au = dt.date(int(annee), 1, 1), fin_trimestre(int(annee), int(trimestre))
    nom = libelle or f"la période du {_francais(du)} au {_francais(au)}"
    couverture = lire_couverture(donnees)
    fin_donnees = date_couverture(couverture)
    en_cours = au >= aujourd_hui
    if du > aujourd_hui:
        raise ErreurParametre(f"{nom} n'a pas commencé (nous sommes le {_francais(aujourd_hui)}).")
    if en_cours and not provisoire:
        raise ErreurParametre(
            f"{nom} n'est pas terminée (elle finit le {_francais(au)}) ; relancez après cette date, "
            "ou ajoutez --provisoire pour un rapport marqué « provisoire » sur chaque page."
        )
    if provisoire and not en_cours:
        raise ErreurParametre(
            f"--provisoire ne s'applique qu'à une période en cours ; {nom} est terminée depuis le "
            f"{_francais(au)} : retirez --provisoire."
        )
    if not en_cours and (fin_donnees is None or fin_donnees < au):
        raise ErreurParametre(
            f"{nom} va au-delà des données : {phrase_couverture(couverture)}. Importez les extraits "
            "qui couvrent la période (cia importer), ou demandez une période couverte."
        )
    baux, demandes = activite_periode(donnees, du, au)
    if baux == 0 and demandes == 0:
        raise ErreurParametre(
            f"{nom} est vide : aucun bail signé et aucune demande dans les données "
            f"({phrase_couverture(couverture)}) ; aucun rapport n'est produit."
        )
    return couverture


STYLE_PROVISOIRE = (
    "background:#8a4b00;color:#fff;font-weight:bold;font-size:1.2em;text-align:center;"
    "padding:8px;margin:0 0 8px 0;border-radius:4px"
)


def html_provisoire(couverture: dict) -> str:
    """The « PROVISOIRE » banner put at the top of every page of a provisional report.

    Examples
    --------
    >>> "PROVISOIRE" in html_provisoire({"jusqu_au": "2026-11-30"})
    True
    """
    import html

    fin = date_couverture(couverture)
    jusqu = f" ; données jusqu'au {_francais(fin)}" if fin else ""
    return (f'<div class="cia-provisoire" style="{STYLE_PROVISOIRE}">RAPPORT PROVISOIRE — la période '
            f"n'est pas terminée{html.escape(jusqu)} : les chiffres changeront</div>")


def marquer_provisoire(nb, couverture: dict):
    """Copy of an executed notebook with the provisional banner as its first output."""
    import copy

    import nbformat

    nb = copy.deepcopy(nb)
    cellule = nbformat.v4.new_code_cell(source="", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": html_provisoire(couverture)})])
    cellule["id"] = "cia-provisoire"  # fixed: the same report twice gives the same page
    nb.cells.insert(0, cellule)
    return nb
