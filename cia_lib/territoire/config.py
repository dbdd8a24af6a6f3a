"""Territory configuration: loaded once from YAML at the edge, then passed as plain values.

Every fact the indicators need (targets, UC scale, thresholds, communes, bailleurs,
réservataire contingents, masking threshold) lives in the territory file; no function
of the library hard-codes any of them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from cia_lib.erreurs import ErreurConfiguration, ErreurSeuilManquant, message_systeme

from . import chemins


@dataclass(frozen=True)
class EchelleUC:
    """Consumption-unit scale (default 1 / 0.5 / 0.3, children under 14)."""

    premier_adulte: float = 1.0
    autre_personne: float = 0.5
    enfant: float = 0.3
    age_seuil_enfant: int = 14


@dataclass(frozen=True)
class Reservataire:
    """A réservataire category with its target share of priority households (None = no own target)."""

    code: str
    libelle: str
    cible: float | None


@dataclass(frozen=True)
class SeuilsQuartiles:
    """Resource thresholds per UC per year (euros), from the ministerial arrêtés."""

    annee: int
    q1: float
    q2: float | None = None
    q3: float | None = None


@dataclass(frozen=True)
class Territoire:
    """Everything the workbench needs to know about one EPCI.

    Build it with :func:`charger_territoire`; functions receive it (or just the fields they
    need) as arguments.
    """

    siren: str
    nom: str
    nom_court: str
    departement: str
    communes: dict[str, str]
    bailleurs: dict[str, tuple[str, ...]]
    reservataires: dict[str, Reservataire]
    objectifs: dict[str, float]
    echelle_uc: EchelleUC
    seuils: dict[int, SeuilsQuartiles]
    chemin_seuils: Path
    contours_communes: Path | None
    contours_qpv: Path | None
    seuil_secret: int = 5
    effectif_minimum: int = 10
    delai_anormalement_long_mois: int = 36
    seuil_rejets: float = 0.01
    """Largest share of a table's rows the import may reject and still publish (``seuil_rejets``)."""
    source: Path | None = None
    _alias: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    bailleurs_libres: bool = False
    """Open bailleur list (``bailleurs: libre``, département/national level): a name that is
    not a configured alias is its own canonical name instead of being unknown."""

    def seuil_q1(self, annee: int) -> float:
        """Return the 1st-quartile threshold (€/UC/year) of ``annee``.

        Raises
        ------
        ErreurSeuilManquant
            When the year has no threshold in the table: it is never guessed.
        """
        try:
            return self.seuils[int(annee)].q1
        except KeyError:
            raise ErreurSeuilManquant(int(annee), self.siren, self.chemin_seuils) from None

    def bailleur_canonique(self, nom: str | None) -> str | None:
        """Return the canonical name of a bailleur given any of its aliases, or None."""
        if nom is None or (isinstance(nom, float) and pd.isna(nom)):
            return None
        canonique = self._alias.get(normaliser_nom(str(nom)))
        if canonique is None and self.bailleurs_libres and str(nom).strip():
            return str(nom).strip()
        return canonique

    def libelle_reservataire(self, code: str) -> str:
        """French label of a réservataire category (the code itself when unknown)."""
        r = self.reservataires.get(code)
        return r.libelle if r else code


def normaliser_nom(nom: str) -> str:
    """Fold a name for alias matching: lower case, no accents, only letters and digits.

    Examples
    --------
    >>> normaliser_nom("Immobilière  3F")
    'immobiliere3f'
    >>> normaliser_nom("OPH du Val-d'Oise")
    'ophduvaldoise'
    """
    sans_accents = unicodedata.normalize("NFKD", nom).encode("ascii", "ignore").decode()
    return "".join(c for c in sans_accents.lower() if c.isalnum())


def lire_seuils(chemin: Path, siren: str) -> dict[int, SeuilsQuartiles]:
    """Read the thresholds table (annee, siren_epci, q1_annuel_uc, ...) for one EPCI.

    Parameters
    ----------
    chemin : pathlib.Path
        CSV with columns ``annee, siren_epci, q1_annuel_uc`` (``q2_annuel_uc``,
        ``q3_annuel_uc`` optional).
    siren : str
        SIREN of the EPCI.

    Returns
    -------
    dict of int to SeuilsQuartiles
    """
    if not chemin.exists():
        raise ErreurConfiguration(f"{chemin} : tableau des seuils de quartiles introuvable.")
    table = pd.read_csv(chemin, dtype={"siren_epci": "string"})
    manquantes = {"annee", "siren_epci", "q1_annuel_uc"} - set(table.columns)
    if manquantes:
        raise ErreurConfiguration(
            f"{chemin} : colonnes manquantes dans le tableau des seuils : {', '.join(sorted(manquantes))}."
        )
    lignes = table[table["siren_epci"] == siren]
    resultat = {}
    for ligne in lignes.itertuples(index=False):
        q2 = getattr(ligne, "q2_annuel_uc", None)
        q3 = getattr(ligne, "q3_annuel_uc", None)
        resultat[int(ligne.annee)] = SeuilsQuartiles(
            annee=int(ligne.annee),
            q1=float(ligne.q1_annuel_uc),
            q2=None if q2 is None or pd.isna(q2) else float(q2),
            q3=None if q3 is None or pd.isna(q3) else float(q3),
        )
    return resultat


def lire_yaml(source: Path, description: str) -> dict:
    """Read a configuration YAML file whose top level is a mapping.

    Parameters
    ----------
    source : pathlib.Path
    description : str
        What the file is, in French, for the messages (« fichier de territoire »…).

    Returns
    -------
    dict
        The mapping (empty for an empty file).

    Raises
    ------
    ErreurConfiguration
        Missing file, unreadable YAML or encoding, top level that is not a mapping.
    """
    source = Path(source)
    if not source.exists():
        raise ErreurConfiguration(f"{source} : {description} introuvable.")
    try:
        brut = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError:
        raise ErreurConfiguration(f"{source} : {description} illisible : encodage UTF-8 attendu.") from None
    except yaml.YAMLError as exc:
        marque = getattr(exc, "problem_mark", None)
        ou = f" ligne {marque.line + 1}, colonne {marque.column + 1}" if marque is not None else ""
        raise ErreurConfiguration(
            f"{source} : YAML illisible{ou} (indentation, deux-points ou guillemets à vérifier)."
        ) from None
    except IsADirectoryError:
        raise ErreurConfiguration(f"{source} : {description} attendu, c'est un dossier.") from None
    except OSError as exc:
        raise ErreurConfiguration(f"{source} : {description} illisible ({message_systeme(exc)}).") from None
    if not isinstance(brut, dict):
        raise ErreurConfiguration(f"{source} : {description} mal formé (une table « clé: valeur » est attendue).")
    return brut


def lire_part(valeur, nom: str, erreur=ErreurConfiguration) -> float:
    """A share between 0 and 1 written ``0.01``, ``0,01`` or ``1 %`` (territory file, command line).

    Parameters
    ----------
    valeur : str or float
    nom : str
        What the share is (named in the message).
    erreur : type, default ErreurConfiguration
        Exception raised with the French message.

    Examples
    --------
    >>> lire_part("1%", "seuil"), lire_part("0,05", "seuil"), lire_part(0.5, "seuil")
    (0.01, 0.05, 0.5)
    """
    texte = str(valeur).strip().replace(",", ".").replace(" ", "")
    try:
        part = float(texte[:-1]) / 100 if texte.endswith("%") else float(texte)
    except ValueError:
        part = -1.0
    if not 0 <= part <= 1:
        raise erreur(f"{nom} : une part entre 0 et 1 (ex. 0.01) ou un pourcentage (ex. 1 %) est attendu, "
                     f"pas « {valeur} ».")
    return part


def _exiger(donnees: dict, cle: str, source: Path):
    if cle not in donnees or donnees[cle] in (None, "", {}):
        raise ErreurConfiguration(f"{source} : la rubrique « {cle} » est obligatoire.")
    return donnees[cle]


def charger_territoire(chemin=None) -> Territoire:
    """Load and check a territory YAML file.

    Parameters
    ----------
    chemin : path-like, optional
        Territory file; default ``$CIA_TERRITOIRE`` or ``config/territoire.yaml``.
        Relative paths inside the file are resolved from the project root, then from the
        file's own folder.

    Returns
    -------
    Territoire

    Raises
    ------
    ErreurConfiguration
        Missing file or section, malformed commune code, bad target value.
    """
    source = chemins.chemin_territoire(chemin)
    brut = lire_yaml(source, "fichier de territoire")

    epci = _exiger(brut, "epci", source)
    siren = str(_exiger(epci, "siren", source)).strip()
    if not (siren.isdigit() and len(siren) == 9):
        raise ErreurConfiguration(f"{source} : SIREN d'EPCI invalide « {siren} » (9 chiffres attendus).")

    communes = {str(k): str(v) for k, v in _exiger(brut, "communes", source).items()}
    for code in communes:
        if len(code) != 5:
            raise ErreurConfiguration(
                f"{source} : code commune « {code} » invalide (5 caractères attendus, entre guillemets)."
            )

    bailleurs_bruts = _exiger(brut, "bailleurs", source)
    # ``bailleurs: libre`` (département/national level): any name is accepted as its own
    # canonical name; ``bailleurs_libres: true`` does the same beside a list of aliases.
    bailleurs_libres = bool(brut.get("bailleurs_libres", False))
    if isinstance(bailleurs_bruts, str):
        if normaliser_nom(bailleurs_bruts) != "libre":
            raise ErreurConfiguration(
                f"{source} : rubrique « bailleurs » invalide (liste de bailleurs ou « libre » attendu)."
            )
        bailleurs_bruts, bailleurs_libres = {}, True
    bailleurs = {str(k): tuple(str(a) for a in (v or [])) for k, v in bailleurs_bruts.items()}
    alias: dict[str, str] = {}
    for canonique, autres in bailleurs.items():
        for nom in (canonique, *autres):
            cle = normaliser_nom(nom)
            if cle in alias and alias[cle] != canonique:
                raise ErreurConfiguration(f"{source} : l'alias « {nom} » désigne deux bailleurs.")
            alias[cle] = canonique

    reservataires = {}
    for code, valeur in _exiger(brut, "reservataires", source).items():
        valeur = valeur or {}
        cible = valeur.get("cible")
        if cible is not None and not (0 <= float(cible) <= 1):
            raise ErreurConfiguration(f"{source} : cible du réservataire « {code} » hors de [0 ; 1].")
        reservataires[str(code)] = Reservataire(
            str(code), str(valeur.get("libelle", code)), None if cible is None else float(cible)
        )

    objectifs = {str(k): float(v) for k, v in _exiger(brut, "objectifs", source).items()}
    for cle in ("q1_hors_qpv", "hors_q1_en_qpv", "prioritaires_total"):
        if cle not in objectifs:
            raise ErreurConfiguration(f"{source} : objectif « {cle} » manquant dans « objectifs ».")

    echelle = EchelleUC(**(brut.get("echelle_uc") or {}))

    def chemin_config(valeur) -> Path | None:
        if not valeur:
            return None
        candidat = chemins.resoudre(valeur)
        if not candidat.exists() and (source.parent / valeur).exists():
            candidat = source.parent / valeur
        return candidat

    chemin_seuils = chemin_config(_exiger(brut, "seuils_quartiles", source))
    seuils = lire_seuils(chemin_seuils, siren)
    if not seuils:
        raise ErreurConfiguration(f"{chemin_seuils} : aucun seuil pour l'EPCI {siren}.")

    return Territoire(
        siren=siren,
        nom=str(epci.get("nom", siren)),
        nom_court=str(epci.get("nom_court", epci.get("nom", siren))),
        departement=str(epci.get("departement", "")),
        communes=communes,
        bailleurs=bailleurs,
        reservataires=reservataires,
        objectifs=objectifs,
        echelle_uc=echelle,
        seuils=seuils,
        chemin_seuils=chemin_seuils,
        contours_communes=chemin_config(brut.get("contours_communes")),
        contours_qpv=chemin_config(brut.get("contours_qpv")),
        seuil_secret=int(brut.get("seuil_secret", 5)),
        effectif_minimum=int(brut.get("effectif_minimum", 10)),
        delai_anormalement_long_mois=int(brut.get("delai_anormalement_long_mois", 36)),
        seuil_rejets=lire_part(brut.get("seuil_rejets", 0.01), f"{source} : seuil_rejets"),
        source=source,
        _alias=alias,
        bailleurs_libres=bailleurs_libres,
    )
