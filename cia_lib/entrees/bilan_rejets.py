"""The rejection summary a user can act on, and the rejection threshold of an import.

:func:`resumer_rejets` groups the rejected cells of one table by column and reason, with
the most frequent offending values; :func:`lignes_correspondance` writes the mapping lines
(YAML) that would translate unknown labels; :func:`tables_au_dessus_du_seuil` tells which
tables reject too large a share of their rows for the import to publish them;
:func:`texte_bilan` is the French text printed by the command line.
"""

from __future__ import annotations

import json
import re

import pandas as pd

from . import schema

NB_VALEURS_FREQUENTES = 3
_MASQUEE = "(masquée)"

MOTIFS_LIBELLES = {
    "valeur non autorisée": "categorie",
    "booléen illisible": "booleen",
    "bailleur inconnu": "bailleur",
}
"""Start of the reasons that mean "a label the import does not know" (→ a mapping line)."""


def motif_court(motif: str) -> str:
    """A reason without its details in parentheses (row numbers, values, allowed values).

    Examples
    --------
    >>> motif_court("identifiant id_attribution en double dans le même extrait (lignes 483, 484)")
    'identifiant id_attribution en double dans le même extrait'
    >>> motif_court("nb_menages_ress_inf_20 (99) dépasse nb_menages (30)")
    'nb_menages_ress_inf_20 dépasse nb_menages'
    """
    return re.sub(r"\s*\([^()]*\)", "", str(motif)).strip()


def resumer_rejets(rejets: pd.DataFrame) -> list[dict]:
    """Rejected cells of one table grouped by column and reason, most frequent first.

    Parameters
    ----------
    rejets : pandas.DataFrame
        Columns ``fichier, ligne, colonne, valeur, motif`` (one table).

    Returns
    -------
    list of dict
        ``{"colonne", "motif", "nombre", "valeurs_frequentes": [[valeur, nombre], ...]}``;
        ``nombre`` counts rejected cells (a row may have several). Ties are ordered by column
        then reason, values by count then text: the same rejects always give the same summary.
    """
    if rejets.empty:
        return []
    table = rejets.assign(motif_court=rejets["motif"].map(motif_court), colonne=rejets["colonne"].fillna(""))
    groupes = []
    for (colonne, motif), groupe in table.groupby(["colonne", "motif_court"], sort=True):
        valeurs = groupe["valeur"].fillna("").astype(str)
        valeurs = valeurs[(valeurs != "") & (valeurs != _MASQUEE)]
        comptes = valeurs.value_counts()
        comptes = sorted(comptes.items(), key=lambda vn: (-vn[1], vn[0]))[:NB_VALEURS_FREQUENTES]
        groupes.append({"colonne": colonne, "motif": motif, "nombre": len(groupe),
                        "valeurs_frequentes": [[v, int(n)] for v, n in comptes]})
    return sorted(groupes, key=lambda g: -g["nombre"])


def rejets_par_motif(resume: list[dict]) -> dict[str, int]:
    """``{"colonne : motif": count}`` of a summary (read by the data-quality tables)."""
    return {(f"{g['colonne']} : {g['motif']}" if g["colonne"] else g["motif"]): g["nombre"] for g in resume}


def lignes_correspondance(table: str, rejets: pd.DataFrame, canoniques_bailleurs=()) -> list[str]:
    """YAML lines of a mapping file that would translate the unknown labels of ``table``.

    Each unknown label (réservataire, typologie, composition, boolean, bailleur…) gets one
    line ``"label source": À_COMPLÉTER`` under ``valeurs: <colonne>:``, followed by the
    allowed values as a comment: the import never guesses the canonical value.

    Parameters
    ----------
    table : str
    rejets : pandas.DataFrame
        Rejects of the table (``colonne, valeur, motif``).
    canoniques_bailleurs : iterable of str
        Canonical bailleur names of the territory (shown as the allowed values).

    Returns
    -------
    list of str
        Empty when no label is unknown; else starts with ``<table>:``.
    """
    if rejets.empty:
        return []
    genres = rejets["motif"].map(lambda m: next((g for d, g in MOTIFS_LIBELLES.items() if str(m).startswith(d)), None))
    inconnus = rejets[genres.notna()].assign(genre=genres[genres.notna()])
    if inconnus.empty:
        return []
    lignes = [f"{table}:", "  valeurs:"]
    for colonne, groupe in inconnus.groupby("colonne", sort=True):
        genre = groupe["genre"].iloc[0]
        if genre == "categorie":
            permises = next(c.valeurs for c in schema.colonnes(table) if c.nom == colonne)
        elif genre == "booleen":
            permises = ("oui", "non")
        else:
            permises = tuple(canoniques_bailleurs)
        lignes.append(f"    {colonne}:")
        comptes = groupe["valeur"].fillna("").astype(str).value_counts()
        for valeur, _ in sorted(comptes.items(), key=lambda vn: (-vn[1], vn[0])):
            if valeur:
                lignes.append(f"      {json.dumps(valeur, ensure_ascii=False)}: À_COMPLÉTER"
                              f"  # parmi : {', '.join(permises)}")
    return lignes


def tables_au_dessus_du_seuil(comptes: dict[str, tuple[int, int]], seuil: float) -> list[str]:
    """Tables whose share of rejected rows is above ``seuil``.

    Parameters
    ----------
    comptes : dict of str to (int, int)
        Table -> (rows rejected, rows read).
    seuil : float
        Largest share allowed (0.01 = 1 %).

    Examples
    --------
    >>> tables_au_dessus_du_seuil({"attributions": (4, 781), "ops": (2, 88)}, 0.01)
    ['ops']
    >>> tables_au_dessus_du_seuil({"ops": (1, 100)}, 0.01)  # exactly 1 %: allowed
    []
    """
    return [t for t, (rejetes, lus) in comptes.items() if lus and rejetes > seuil * lus]


def pourcentage(part: float) -> str:
    """French percentage with one decimal (``0,5 %``; ``1 %`` for a whole number).

    Examples
    --------
    >>> pourcentage(0.005), pourcentage(0.01), pourcentage(0.3124)
    ('0,5 %', '1 %', '31,2 %')
    """
    valeur = round(part * 100, 1)
    texte = f"{valeur:.0f}" if valeur == int(valeur) else f"{valeur:.1f}".replace(".", ",")
    return f"{texte} %"


def texte_bilan(bilan: dict) -> str:
    """French text of the rejection summary (console and exception messages).

    Parameters
    ----------
    bilan : dict
        ``rapport["rejets"]`` of an import report (see :func:`cia_lib.entrees.importation.importer`).

    Returns
    -------
    str
        Empty when nothing was rejected and no mapping entry is unused.
    """
    lignes = []
    for table, info in bilan.get("par_table", {}).items():
        if not info["motifs"]:
            continue
        lignes.append(f"  {table} : {info['rejetees']} ligne(s) rejetée(s) sur {info['lues']} "
                      f"({pourcentage(info['part'])} ; seuil {pourcentage(bilan['seuil'])})")
        for groupe in info["motifs"]:
            valeurs = ", ".join(f"« {v} » ({n})" for v, n in groupe["valeurs_frequentes"])
            colonne = groupe["colonne"] or "ligne entière"
            lignes.append(f"    - {colonne} : {groupe['motif']} : {groupe['nombre']}"
                          + (f" ; valeurs les plus fréquentes : {valeurs}" if valeurs else ""))
    if lignes:
        lignes.insert(0, "Rejets par table et par motif :")
    if bilan.get("correspondance_a_ajouter"):
        lignes += ["Libellés inconnus : lignes à ajouter au fichier --correspondance (remplacez À_COMPLÉTER) :",
                   *[f"    {ligne}" for ligne in bilan["correspondance_a_ajouter"]]]
    for table, entetes in bilan.get("correspondances_inutilisees", {}).items():
        lignes.append(f"Correspondance {table} : en-tête(s) absent(s) de tous les fichiers : {', '.join(entetes)}.")
    return "\n".join(lignes)
