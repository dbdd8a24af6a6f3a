"""HTML texts of the map tooltips and popups (communes, QPV) and the period of a table."""

from __future__ import annotations

import html

import pandas as pd

from .classement import classer_communes
from .formats import _format_date, _format_taux, _nombre, format_entier, format_pourcentage
from .styles import INDICATEURS, _indicateur


def _periode(tableau: pd.DataFrame) -> str | None:
    if tableau is None or not {"du", "au"} <= set(tableau.columns) or tableau.empty:
        return None
    du = next((d for d in map(_format_date, tableau["du"]) if d), None)
    au = next((d for d in map(_format_date, tableau["au"]) if d), None)
    return f"du {du} au {au}" if du and au else None


def texte_commune(ligne: dict, indicateur: str, periode: bool = False) -> str:
    """HTML text of a commune's tooltip: name, counts, rate, interval, target, class.

    Parameters
    ----------
    ligne : dict
        A row of :func:`classer_communes` joined with the commune (``code``, ``nom``).
    indicateur : str
    periode : bool, default False
        Add the period (popups).

    Returns
    -------
    str
        HTML (names escaped); figures in French format, masked ones as « secret statistique ».
    """
    ind = _indicateur(indicateur)
    e = html.escape
    lignes = [f"<b>{e(str(ligne['nom']))}</b> ({e(str(ligne['code']))})"]
    if ind.part:
        lignes.append(f"{e(ind.denominateur)} : {format_entier(ligne.get('denominateur'))}")
        lignes.append(f"{e(ind.numerateur)} : {format_entier(ligne.get('numerateur'))}")
    else:
        lignes.append(f"{e(ind.numerateur)} : {format_entier(ligne.get('numerateur'))}")
        lignes.append(f"{e(ind.denominateur)} : {format_entier(ligne.get('denominateur'))}")
    if ligne["classe"] != "sans_objet":
        taux = f"{ind.taux} : {_format_taux(ligne.get('taux'), ind.part)}"
        if not ind.part and _nombre(ligne.get("taux")) is not None:
            taux += " demandes par bail"
        bas, haut = ligne.get("ic_bas"), ligne.get("ic_haut")
        if ind.part and _nombre(bas) is not None and _nombre(haut) is not None:
            taux += f" (IC à 95 % : {format_pourcentage(bas)} à {format_pourcentage(haut)})"
        lignes.append(e(taux).replace("&#x27;", "'"))
    cible = _nombre(ligne.get("cible"))
    if cible is not None and ind.part:
        lignes.append(f"Cible : {format_pourcentage(cible)}")
    lignes.append(f"<i>{e(str(ligne['libelle_classe']))}</i>")
    if periode:
        du, au = _format_date(ligne.get("du")), _format_date(ligne.get("au"))
        if du and au:
            lignes.append(f"Période : du {du} au {au}")
    return "<br>".join(lignes)


def _texte_qpv(qpv: dict, communes_noms: dict, tableau: pd.DataFrame | None) -> str:
    """HTML tooltip of a QPV: code, name, commune and the in-QPV indicator when known."""
    e = html.escape
    lignes = [f"<b>QPV {e(str(qpv['code_qp']))}</b>", e(str(qpv["lib_qp"])),
              f"Commune : {e(communes_noms.get(str(qpv['insee_com']), str(qpv['insee_com'])))}"]
    ind = INDICATEURS["hors_q1_en_qpv"]
    ligne, portee = None, ""
    if tableau is not None and not tableau.empty:
        t = tableau[tableau["indicateur"].astype("string") == "hors_q1_en_qpv"]
        niveau = t["niveau"].astype("string") if "niveau" in t.columns else pd.Series("", index=t.index)
        cle = t["cle"].astype("string")
        du_qpv = t[(niveau == "qpv") & (cle == str(qpv["code_qp"]))]
        de_commune = t[(niveau == "commune") & (cle == str(qpv["insee_com"]))]
        if not du_qpv.empty:
            ligne = du_qpv.iloc[0].to_dict()
        elif not de_commune.empty:
            ligne, portee = de_commune.iloc[0].to_dict(), " (tous les QPV de la commune)"
    if ligne is None or _nombre(ligne.get("denominateur")) == 0:
        lignes.append("Aucun bail signé en QPV sur la période")
        return "<br>".join(lignes)
    lignes.append(f"{ind.denominateur}{portee} : {format_entier(ligne.get('denominateur'))}")
    lignes.append(f"{ind.numerateur} : {format_entier(ligne.get('numerateur'))}")
    lignes.append(f"Part : {format_pourcentage(ligne.get('taux'))}")
    if _nombre(ligne.get("cible")) is not None:
        classe = classer_communes(pd.DataFrame([{**ligne, "niveau": "commune", "indicateur": "hors_q1_en_qpv"}]),
                                  "hors_q1_en_qpv")
        lignes.append(f"Cible : {format_pourcentage(ligne.get('cible'))} — "
                      f"<i>{e(classe['libelle_classe'].iloc[0])}</i>")
    return "<br>".join(lignes)
