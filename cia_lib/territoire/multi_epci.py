"""Several territories in one run: a list of EPCIs, every EPCI of a département, or all of them.

A multi-EPCI territory file holds the settings shared by every EPCI (réservataires, objectifs,
echelle_uc, seuil_secret, bailleurs…) and says which EPCIs to follow, with one of::

    epcis: ["249500455", "200056380"]   # an explicit list of SIREN
    departement: "95"                   # every EPCI of the thresholds table seated in the 95
    epcis: toutes                       # every EPCI of the thresholds table (national level)

Each EPCI's communes come from the commune → EPCI reference table
(``data/reference/communes_france.csv``), its name and quartile thresholds from the
thresholds table (``seuils_quartiles``). A plain single-EPCI file (``epci: {siren: …}``)
gives a list of one :class:`~cia_lib.territoire.config.Territoire`.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from cia_lib.erreurs import ErreurConfiguration

from . import chemins
from .config import SeuilsQuartiles, Territoire, charger_territoire, lire_yaml, normaliser_nom

COMMUNES_FRANCE = Path("data/reference/communes_france.csv")
"""Default commune → EPCI reference table (relative to the project root)."""

MOTS_TOUTES = ("toutes", "tous", "france", "national")


# --------------------------------------------------------------------------- reference tables


def departement_de_commune(codes: pd.Series) -> pd.Series:
    """Département code of INSEE commune codes: 3 characters overseas (``97x``), else 2.

    Examples
    --------
    >>> import pandas as pd
    >>> departement_de_commune(pd.Series(["95313", "2A004", "97411"])).tolist()
    ['95', '2A', '974']
    """
    codes = codes.astype("string")
    return codes.str[:2].where(~codes.str.startswith("97"), codes.str[:3]).astype("string")


@lru_cache(maxsize=4)
def _lire_communes(chemin: str) -> pd.DataFrame:
    source = Path(chemin)
    if not source.exists():
        raise ErreurConfiguration(f"{source} : table de référence des communes introuvable.")
    table = pd.read_csv(source, dtype="string", keep_default_na=False, na_values=[""])
    manquantes = {"code_commune", "nom_commune", "siren_epci"} - set(table.columns)
    if manquantes:
        raise ErreurConfiguration(
            f"{source} : colonnes manquantes dans la table des communes : {', '.join(sorted(manquantes))}."
        )
    # The ``departement`` column of the packaged table is not the INSEE code: derive it.
    table["departement"] = departement_de_commune(table["code_commune"])
    return table[["code_commune", "nom_commune", "departement", "siren_epci"]]


def lire_communes_france(chemin=None) -> pd.DataFrame:
    """The commune → EPCI reference table, every code read as text.

    Parameters
    ----------
    chemin : path-like, optional
        CSV with ``code_commune, nom_commune, siren_epci`` (default
        ``data/reference/communes_france.csv``).

    Returns
    -------
    pandas.DataFrame
        Columns ``code_commune, nom_commune, departement, siren_epci`` (strings; the
        département is derived from the commune code).

    Raises
    ------
    ErreurConfiguration
        Missing file or columns.
    """
    return _lire_communes(str(chemins.resoudre(chemin or COMMUNES_FRANCE))).copy()


@lru_cache(maxsize=4)
def _lire_seuils(chemin: str) -> pd.DataFrame:
    source = Path(chemin)
    if not source.exists():
        raise ErreurConfiguration(f"{source} : tableau des seuils de quartiles introuvable.")
    table = pd.read_csv(source, dtype={"siren_epci": "string", "departement": "string", "nom_epci": "string"})
    manquantes = {"annee", "siren_epci", "q1_annuel_uc"} - set(table.columns)
    if manquantes:
        raise ErreurConfiguration(
            f"{source} : colonnes manquantes dans le tableau des seuils : {', '.join(sorted(manquantes))}."
        )
    if "departement" in table:
        # "95 - Val-d'Oise" -> "95"
        table["code_departement"] = table["departement"].str.split(" - ").str[0].str.strip()
    return table


def lire_tableau_seuils(chemin) -> pd.DataFrame:
    """The national thresholds table (``annee, siren_epci, q1_annuel_uc``…), SIREN as text,
    plus ``code_departement`` ("95") when the table has a ``departement`` column."""
    return _lire_seuils(str(chemin)).copy()


def siren_des_communes(codes: pd.Series, territoires: list[Territoire]) -> pd.Series:
    """SIREN of the EPCI (among ``territoires``) of each commune code; NA outside them.

    Parameters
    ----------
    codes : pandas.Series of str
        INSEE commune codes.
    territoires : list of Territoire

    Returns
    -------
    pandas.Series of string, same index as ``codes``.
    """
    # Factorise first: the mapping is then done once per distinct commune (fast on millions of rows).
    indices, uniques = pd.factorize(codes.astype("string"))
    correspondance = table_commune_epci(territoires)
    sirens = np.array([correspondance.get(c) for c in uniques] + [None], dtype=object)
    return pd.Series(pd.array(sirens[indices], dtype="string"), index=codes.index)


def table_commune_epci(territoires: list[Territoire]) -> dict[str, str]:
    """Mapping commune code → SIREN for a list of territories.

    Raises
    ------
    ErreurConfiguration
        A commune belongs to two of the territories.
    """
    correspondance: dict[str, str] = {}
    for t in territoires:
        for code in t.communes:
            if correspondance.get(code, t.siren) != t.siren:
                raise ErreurConfiguration(
                    f"la commune {code} appartient à deux territoires ({correspondance[code]} et {t.siren})."
                )
            correspondance[code] = t.siren
    return correspondance


def territoire_de_commune(code_commune: str, territoires: list[Territoire]) -> Territoire | None:
    """The territory (among ``territoires``) holding a commune, or None.

    Examples
    --------
    >>> from cia_lib.territoire.config import charger_territoire
    >>> t = charger_territoire()
    >>> territoire_de_commune("95313", [t]).siren
    '249500455'
    >>> territoire_de_commune("75056", [t]) is None
    True
    """
    for t in territoires:
        if str(code_commune) in t.communes:
            return t
    return None


# --------------------------------------------------------------------------- loading


def _seuils_epci(table: pd.DataFrame) -> dict[str, dict[int, SeuilsQuartiles]]:
    def flottant(v):
        return None if v is None or pd.isna(v) else float(v)

    resultat: dict[str, dict[int, SeuilsQuartiles]] = {}
    for ligne in table.itertuples(index=False):
        resultat.setdefault(str(ligne.siren_epci), {})[int(ligne.annee)] = SeuilsQuartiles(
            annee=int(ligne.annee), q1=float(ligne.q1_annuel_uc),
            q2=flottant(getattr(ligne, "q2_annuel_uc", None)), q3=flottant(getattr(ligne, "q3_annuel_uc", None)),
        )
    return resultat


def _liste_sirens(brut: dict, source: Path, seuils: pd.DataFrame) -> list[str]:
    epcis = brut.get("epcis")
    departement = brut.get("departement")
    if epcis is not None and departement is not None:
        raise ErreurConfiguration(f"{source} : « epcis » et « departement » sont incompatibles : choisissez l'un.")
    if isinstance(epcis, str) and normaliser_nom(epcis) in MOTS_TOUTES:
        return list(dict.fromkeys(seuils["siren_epci"].dropna()))
    if epcis is not None:
        if not isinstance(epcis, list) or not epcis:
            raise ErreurConfiguration(
                f"{source} : « epcis » doit être une liste de SIREN (ex. [\"249500455\"]) ou « toutes »."
            )
        sirens = [str(s).strip() for s in epcis]
        for s in sirens:
            if not (s.isdigit() and len(s) == 9):
                raise ErreurConfiguration(f"{source} : SIREN d'EPCI invalide « {s} » (9 chiffres attendus).")
        doublons = sorted({s for s in sirens if sirens.count(s) > 1})
        if doublons:
            raise ErreurConfiguration(f"{source} : EPCI en double dans « epcis » : {', '.join(doublons)}.")
        return sirens
    code = str(departement).strip()
    if len(code) == 1:
        code = "0" + code
    if "code_departement" not in seuils:
        raise ErreurConfiguration(f"{source} : le tableau des seuils n'a pas de colonne « departement ».")
    sirens = list(dict.fromkeys(seuils.loc[seuils["code_departement"] == code, "siren_epci"]))
    if not sirens:
        raise ErreurConfiguration(
            f"{source} : aucun EPCI du département « {code} » dans le tableau des seuils."
        )
    return sirens


def charger_territoires(chemin=None, *, communes_france=None) -> list[Territoire]:
    """Load a territory file listing one or several EPCIs.

    Parameters
    ----------
    chemin : path-like, optional
        Territory YAML (default ``$CIA_TERRITOIRE`` or ``config/territoire.yaml``). Either a
        single-EPCI file (``epci: {siren: …}``) or a multi-EPCI file with ``epcis: [SIREN…]``,
        ``epcis: toutes`` or ``departement: "95"`` and the shared settings.
    communes_france : path-like, optional
        Commune → EPCI reference table (default: the file's ``communes_france`` entry, else
        ``data/reference/communes_france.csv``).

    Returns
    -------
    list of Territoire
        In the order of the file (``epcis``) or of the thresholds table. With
        ``epcis: toutes``, EPCIs of the thresholds table without any commune in the
        reference table (the établissements publics territoriaux of the Métropole du Grand
        Paris, for instance) are left out.

    Raises
    ------
    ErreurConfiguration
        Missing file or section, unknown SIREN (not in the commune table), an EPCI without
        any threshold, conflicting selections.
    """
    source = chemins.chemin_territoire(chemin)
    brut = lire_yaml(source, "fichier de territoire")
    if "epcis" not in brut and "departement" not in brut:
        return [charger_territoire(source)]

    # The shared settings are checked by the single-EPCI loader on a stand-in EPCI (the first
    # one), then copied for every EPCI with its own name, communes and thresholds.
    chemin_seuils = brut.get("seuils_quartiles")
    if not chemin_seuils:
        raise ErreurConfiguration(f"{source} : la rubrique « seuils_quartiles » est obligatoire.")
    seuils_chemin = chemins.resoudre(chemin_seuils)
    if not seuils_chemin.exists() and (source.parent / chemin_seuils).exists():
        seuils_chemin = source.parent / chemin_seuils
    table_seuils = lire_tableau_seuils(seuils_chemin)
    sirens = _liste_sirens(brut, source, table_seuils)
    tout_le_pays = isinstance(brut.get("epcis"), str)

    ref_chemin = communes_france or brut.get("communes_france") or COMMUNES_FRANCE
    ref = chemins.resoudre(ref_chemin)
    if not ref.exists() and (source.parent / str(ref_chemin)).exists():
        ref = source.parent / str(ref_chemin)
    communes = lire_communes_france(ref)
    par_epci = {s: g for s, g in communes.dropna(subset=["siren_epci"]).groupby("siren_epci", sort=False)}
    seuils = _seuils_epci(table_seuils[table_seuils["siren_epci"].isin(sirens)])
    noms = table_seuils.drop_duplicates("siren_epci").set_index("siren_epci")

    if tout_le_pays:
        sirens = [s for s in sirens if s in par_epci]
    for s in sirens:
        if s not in par_epci:
            raise ErreurConfiguration(
                f"{source} : EPCI inconnu « {s} » : aucune commune de {Path(ref).name} ne lui est rattachée."
            )
        if not seuils.get(s):
            raise ErreurConfiguration(
                f"{seuils_chemin} : aucun seuil pour l'EPCI {s} ; il n'est pas dans le tableau des seuils "
                "des EPCI soumis à la loi (les seuils ne sont jamais devinés)."
            )

    # Stand-in single-EPCI file: validates every shared setting with the usual messages.
    premier = sirens[0]
    modele_brut = {k: v for k, v in brut.items() if k not in ("epcis", "departement", "communes_france")}
    modele_brut["epci"] = {"siren": premier}
    modele_brut["communes"] = dict(zip(par_epci[premier]["code_commune"], par_epci[premier]["nom_commune"]))
    modele_brut["seuils_quartiles"] = str(seuils_chemin)
    for cle in ("contours_communes", "contours_qpv"):
        valeur = modele_brut.get(cle)
        if valeur and not chemins.resoudre(valeur).exists() and (source.parent / valeur).exists():
            modele_brut[cle] = str(source.parent / valeur)
    modele = _charger_depuis_dict(modele_brut, source)

    territoires = []
    for s in sirens:
        g = par_epci[s]
        nom = str(noms.at[s, "nom_epci"]) if "nom_epci" in noms and s in noms.index else s
        dep = g["departement"].mode().iloc[0]
        if "code_departement" in noms and s in noms.index and pd.notna(noms.at[s, "code_departement"]):
            dep = str(noms.at[s, "code_departement"])
        territoires.append(dataclasses.replace(
            modele, siren=s, nom=nom, nom_court=nom, departement=dep,
            communes=dict(zip(g["code_commune"].tolist(), g["nom_commune"].tolist())),
            seuils=seuils[s], contours_communes=modele.contours_communes if len(sirens) == 1 else None,
        ))
    return territoires


def _charger_depuis_dict(brut: dict, source: Path) -> Territoire:
    """Run :func:`charger_territoire` on an in-memory YAML (errors still name ``source``)."""
    import tempfile

    with tempfile.TemporaryDirectory() as dossier:
        fichier = Path(dossier) / source.name
        fichier.write_text(yaml.safe_dump(brut, allow_unicode=True), encoding="utf-8")
        try:
            t = charger_territoire(fichier)
        except ErreurConfiguration as exc:
            raise ErreurConfiguration(str(exc).replace(str(fichier), str(source))) from None
    return dataclasses.replace(t, source=source)


def territoire_ensemble(territoires: list[Territoire], siren: str = "000000000", nom: str | None = None) -> Territoire:
    """One Territoire covering every commune of ``territoires`` (for a national import).

    The import checks communes, bailleurs and that every lease year has a threshold: the
    union keeps every year known for at least one EPCI (with the value of the first EPCI
    that has it, which only serves that check). Indicators always use each EPCI's own
    thresholds, and :func:`~cia_lib.calculs.indicateurs.multi.tableau_multi_epci` stops with a
    French error naming the EPCI when one of its lease years has none.

    Raises
    ------
    ErreurConfiguration
        Empty list, or a commune in two territories.
    """
    if not territoires:
        raise ErreurConfiguration("aucun territoire à réunir.")
    table_commune_epci(territoires)
    premier = territoires[0]
    seuils: dict = {}
    communes: dict[str, str] = {}
    for t in territoires:
        communes.update(t.communes)
        for annee, valeur in t.seuils.items():
            seuils.setdefault(annee, valeur)
    return dataclasses.replace(
        premier, siren=siren, nom=nom or f"Ensemble de {len(territoires)} EPCI",
        nom_court=nom or f"{len(territoires)} EPCI", communes=communes,
        seuils=dict(sorted(seuils.items())), contours_communes=None,
    )


def parametres_communs(territoire: Territoire) -> tuple:
    """The settings every EPCI of a multi-EPCI run must share (used to check a list)."""
    return (
        tuple(sorted((k, r.libelle, r.cible) for k, r in territoire.reservataires.items())),
        tuple(territoire.reservataires), tuple(sorted(territoire.objectifs.items())),
        territoire.echelle_uc, territoire.effectif_minimum, territoire.delai_anormalement_long_mois,
        territoire.bailleurs_libres, tuple(territoire.bailleurs.items()), tuple(sorted(territoire._alias.items())),
    )


def est_multi_epci(chemin=None) -> bool:
    """True when a territory file lists several EPCIs (``epcis:`` or ``departement:``).

    Raises
    ------
    ErreurConfiguration
        Missing or unreadable file.
    """
    source = chemins.chemin_territoire(chemin)
    brut = lire_yaml(source, "fichier de territoire")
    return "epcis" in brut or "departement" in brut


def dict_territoire(territoire: Territoire) -> dict:
    """The single-EPCI YAML content describing ``territoire`` (inverse of
    :func:`~cia_lib.territoire.config.charger_territoire`; paths written absolute)."""
    brut: dict = {
        "epci": {"siren": territoire.siren, "nom": territoire.nom, "nom_court": territoire.nom_court,
                 "departement": territoire.departement},
        "communes": dict(territoire.communes),
    }
    if territoire.bailleurs_libres and not territoire.bailleurs:
        brut["bailleurs"] = "libre"
    else:
        brut["bailleurs"] = {k: list(v) for k, v in territoire.bailleurs.items()}
        if territoire.bailleurs_libres:
            brut["bailleurs_libres"] = True
    brut["reservataires"] = {
        code: {"libelle": r.libelle, "cible": r.cible} for code, r in territoire.reservataires.items()
    }
    brut["objectifs"] = dict(territoire.objectifs)
    brut["echelle_uc"] = dataclasses.asdict(territoire.echelle_uc)
    brut["seuils_quartiles"] = str(Path(territoire.chemin_seuils).resolve())
    for cle in ("contours_communes", "contours_qpv"):
        valeur = getattr(territoire, cle)
        brut[cle] = None if valeur is None else str(Path(valeur).resolve())
    brut["seuil_secret"] = territoire.seuil_secret
    brut["effectif_minimum"] = territoire.effectif_minimum
    brut["delai_anormalement_long_mois"] = territoire.delai_anormalement_long_mois
    return brut


def ecrire_territoire_epci(territoire: Territoire, chemin) -> Path:
    """Write a single-EPCI territory file for one EPCI of a multi-EPCI file.

    Reloading it with :func:`~cia_lib.territoire.config.charger_territoire` gives the same Territoire
    (except ``source``). The report runner writes one per EPCI so that every notebook keeps
    its single-EPCI ``territoire`` parameter.

    Parameters
    ----------
    territoire : Territoire
        One element of :func:`charger_territoires`.
    chemin : path-like
        YAML file to write (parent folders created).

    Returns
    -------
    pathlib.Path
        ``chemin``.
    """
    chemin = Path(chemin)
    chemin.parent.mkdir(parents=True, exist_ok=True)
    origine = f" (tiré de {territoire.source})" if territoire.source else ""
    entete = (f"# Territoire de l'EPCI {territoire.siren} — {territoire.nom}{origine}.\n"
              "# Fichier écrit par « cia rapport » : ne pas modifier à la main.\n")
    texte = yaml.safe_dump(dict_territoire(territoire), allow_unicode=True, sort_keys=False)
    chemin.write_text(entete + texte, encoding="utf-8")
    return chemin


__all__ = [
    "charger_territoires", "est_multi_epci", "dict_territoire", "ecrire_territoire_epci",
    "lire_communes_france", "lire_tableau_seuils", "siren_des_communes",
    "table_commune_epci", "territoire_de_commune", "territoire_ensemble", "departement_de_commune",
    "parametres_communs", "COMMUNES_FRANCE",
]
