"""SNE strike-off extracts read as attributions: only the rows struck off « suite à attribution ».

In the SNE a demand is struck off (« radiée ») once its holder signs a lease, with the motif
``RADATT`` (R441-2-8 CCH); the other motifs (``RADABA`` abandonment, ``RADIRR`` inadmissible,
``RADCON`` unreachable, ``RADREN`` not renewed…) are not attributions. A mapping section
``radiation`` (see ``config/correspondance_sne.yaml``) says which column holds the motif, which
motif is an attribution and which column holds the strike-off date:

.. code-block:: yaml

    attributions:
      radiation:
        motif: "Motif de radiation"
        attribution: RADATT
        date: "Date de radiation"

:func:`filtrer_radiations` keeps the attribution rows of a raw file, counts the others by motif
(set aside, never rejected) and uses the strike-off date as lease date where no lease date is
given. It runs on the raw text table, before the column mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from cia_lib.erreurs import ErreurConfiguration

from .fichier_brut import FichierBrut
from .lecture_parquet import en_texte
from .normalisation import normaliser_colonne, normaliser_valeur

MOTIF_VIDE = "(motif vide)"
"""How a strike-off row without motif is counted."""


@dataclass(frozen=True)
class RegleRadiation:
    """Which rows of a strike-off extract are attributions.

    Attributes
    ----------
    motif : str
        Folded header of the strike-off motif column.
    attributions : tuple of str
        Folded motifs that are attributions (``radatt``).
    date : str or None
        Folded header of the strike-off date, used as ``date_bail`` where that is empty.
    """

    motif: str
    attributions: tuple[str, ...] = ("radatt",)
    date: str | None = None


@dataclass
class ResultatRadiations:
    """What :func:`filtrer_radiations` did to one file.

    Attributes
    ----------
    ecartees : dict of str to int
        Rows set aside, by motif as written (not attributions).
    dates_bail_completees : int
        Attribution rows whose lease date is the strike-off date.
    applique : bool
        False when the file has no motif column (not a strike-off extract: nothing done).
    """

    ecartees: dict[str, int] = field(default_factory=dict)
    dates_bail_completees: int = 0
    applique: bool = False

    @property
    def nb_ecartees(self) -> int:
        """Rows set aside."""
        return sum(self.ecartees.values())


def lire_regle_radiation(section, nom_source: str, table: str) -> RegleRadiation | None:
    """The ``radiation`` section of a mapping table (None when absent).

    Raises
    ------
    ErreurConfiguration
        Not a dictionary, missing ``motif``, or a table other than ``attributions``.
    """
    if section is None:
        return None
    if table != "attributions":
        raise ErreurConfiguration(
            f"{nom_source} : la rubrique « radiation » ne s'applique qu'à la table attributions (pas à {table}).")
    if not isinstance(section, dict) or not section.get("motif"):
        raise ErreurConfiguration(
            f"{nom_source} : la rubrique « radiation » doit donner au moins « motif » (l'en-tête de la colonne "
            "du motif de radiation), et facultativement « attribution » (défaut RADATT) et « date ».")
    attributions = section.get("attribution", "RADATT")
    if isinstance(attributions, str):
        attributions = [attributions]
    date = section.get("date")
    return RegleRadiation(
        motif=normaliser_colonne(str(section["motif"])),
        attributions=tuple(normaliser_valeur(str(a)) for a in attributions),
        date=None if date is None else normaliser_colonne(str(date)),
    )


def _colonne_date_bail(brut: FichierBrut, colonnes_mapping: dict) -> str | None:
    """Folded header of the file's lease-date column (mapped to ``date_bail``, or named so)."""
    for entete in brut.entetes:
        plie = normaliser_colonne(entete)
        cible = colonnes_mapping.get(plie, plie)
        if cible == "date_bail":
            return plie
    return None


def filtrer_radiations(brut: FichierBrut, regle: RegleRadiation,
                       colonnes_mapping: dict | None = None) -> tuple[FichierBrut, ResultatRadiations]:
    """Keep the attribution rows of a strike-off extract; fill the lease date from the strike-off date.

    Parameters
    ----------
    brut : FichierBrut
        Raw file (folded headers as columns).
    regle : RegleRadiation
    colonnes_mapping : dict, optional
        The mapping's folded header -> canonical column (to find the lease-date column).

    Returns
    -------
    (FichierBrut, ResultatRadiations)
        The file restricted to the attribution rows (line numbers kept), and what was set
        aside. A file without the motif column is returned as it is (``applique`` False).

    Examples
    --------
    >>> from pathlib import Path
    >>> lignes = pd.DataFrame({"motif": ["RADATT", "RADABA", "radatt"], "date_rad": ["02/03/2025", "", "05/04/2025"],
    ...                        "date_bail": ["01/03/2025", "", ""], "__ligne__": [2, 3, 4]}, dtype="string")
    >>> brut = FichierBrut(Path("r.csv"), "r.csv", ["Motif", "Date rad", "Date bail"], lignes)
    >>> filtre, res = filtrer_radiations(brut, RegleRadiation("motif", ("radatt",), "date_rad"))
    >>> filtre.lignes["date_bail"].tolist(), res.ecartees, res.dates_bail_completees
    (['01/03/2025', '05/04/2025'], {'RADABA': 1}, 1)
    """
    if regle.motif not in brut.lignes.columns:
        return brut, ResultatRadiations()
    lignes = brut.lignes
    motifs = en_texte(lignes[regle.motif]).fillna("").str.strip()
    garder = motifs.map(normaliser_valeur).isin(regle.attributions).to_numpy(dtype=bool)
    ecartees = motifs[~garder].replace("", MOTIF_VIDE).value_counts(sort=False)
    resultat = ResultatRadiations(ecartees={str(k): int(v) for k, v in sorted(ecartees.items())}, applique=True)
    lignes = lignes.loc[garder].reset_index(drop=True)
    entetes = list(brut.entetes)
    if regle.date is not None and regle.date in lignes.columns:
        dates = en_texte(lignes[regle.date]).fillna("").str.strip()
        colonne = _colonne_date_bail(brut, colonnes_mapping or {})
        if colonne is None:
            colonne = "date_bail"
            bail = pd.Series("", index=lignes.index, dtype="string")
            entetes.append(colonne)
        else:
            bail = en_texte(lignes[colonne]).fillna("").str.strip()
        completer = (bail == "") & (dates != "")
        resultat.dates_bail_completees = int(completer.sum())
        lignes = lignes.assign(**{colonne: bail.where(~completer, dates).astype("string")})
    return replace(brut, entetes=entetes, lignes=lignes), resultat
