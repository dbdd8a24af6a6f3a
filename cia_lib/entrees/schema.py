"""The canonical tables (DATA_CONTRACT): columns, types, requirement, allowed values.

This module is the single description of the four input tables (plus the optional
``conventions_flux``) and of the processed
Parquet tables. The import validates against it; the indicators rely on it.
"""

from __future__ import annotations

from dataclasses import dataclass

RESERVATAIRES = (
    "etat", "etat_fonctionnaires", "collectivite", "departement", "region",
    "action_logement", "bailleur", "autre",
)
TYPOLOGIES = ("T1", "T2", "T3", "T4", "T5+")
RESERVATAIRES_CONVENTION = tuple(r for r in RESERVATAIRES if r != "bailleur")
"""Contingents a flux convention can name (what they leave is the bailleur's own, ``bailleur``)."""
FINANCEMENTS = ("PLAI", "PLUS", "PLS", "PLI", "autre")
"""Financing of the dwelling (décret 2020-145 lists it in the bailleurs' annual bilans)."""
COMPOSITIONS = (
    "personne_seule", "couple_sans_enfant", "couple_avec_enfants", "famille_monoparentale", "autre",
)

# Logical types -> pandas dtypes of the processed tables.
DTYPES = {
    "texte": "string",
    "commune": "string",
    "categorie": "string",
    "date": "datetime64[ns]",
    "nombre": "Float64",
    "part": "Float64",  # a share in [0, 1], written 0,30 or 30 %
    "entier": "Int64",
    "booleen": "boolean",
}

COLONNE_PSEUDONYME = "id_demandeur"
"""Processed tables carry ``id_demandeur`` (keyed hash) in place of ``numero_unique``."""


@dataclass(frozen=True)
class Colonne:
    """One canonical column."""

    nom: str
    type: str
    requise: bool
    description: str
    valeurs: tuple[str, ...] | None = None
    defaut: object = None  # value used when empty (e.g. nb_moins_14 -> 0)


def _c(nom, type_, requise, description, valeurs=None, defaut=None) -> Colonne:
    return Colonne(nom, type_, requise, description, valeurs, defaut)


TABLES: dict[str, tuple[Colonne, ...]] = {
    "attributions": (
        _c("id_attribution", "texte", True, "identifiant unique de l'attribution"),
        _c("numero_unique", "texte", True, "numéro unique SNE de la demande (pseudonymisé à l'import)"),
        _c("date_decision", "date", True, "date de la décision de la CALEOL"),
        _c("date_bail", "date", False, "date de signature du bail ; vide = pas (encore) de bail"),
        _c("bailleur", "texte", True, "bailleur (nom canonique du territoire, alias admis)"),
        _c("reservataire", "categorie", True, "contingent du logement", RESERVATAIRES),
        _c("code_commune", "commune", True, "code INSEE de la commune du logement"),
        _c("code_qpv", "texte", False, "code du QPV du logement ; vide = hors QPV"),
        _c("id_residence", "texte", False, "identifiant de la résidence"),
        _c("typologie", "categorie", False, "typologie du logement", TYPOLOGIES),
        _c("ressources_mensuelles", "nombre", False, "ressources mensuelles du ménage (euros)"),
        _c("nb_personnes", "entier", True, "nombre de personnes du ménage (au moins 1)"),
        _c("nb_moins_14", "entier", False, "personnes de moins de 14 ans", defaut=0),
        _c("dalo", "booleen", True, "ménage reconnu DALO"),
        _c("prioritaire_l441", "booleen", True, "ménage labellisé prioritaire (PDALHPD / L441-1), hors DALO"),
        _c("mutation", "booleen", True, "demandeur déjà locataire du parc social"),
        _c("relogement_renouvellement", "booleen", False, "relogé au titre du NPNRU/ANRU ou d'une ORCOD", defaut=False),
        _c("date_depot", "date", False, "date de dépôt initial de la demande"),
        _c("age_titulaire", "entier", False, "âge du demandeur à la décision"),
        _c("composition", "categorie", False, "composition familiale", COMPOSITIONS),
        _c("financement", "categorie", False, "financement du logement (PLAI, PLUS, PLS, PLI, autre)", FINANCEMENTS),
        _c("mutation_interne", "booleen", False, "ménage déjà locataire du même bailleur (mutation dans son parc)"),
    ),
    "demandes": (
        _c("date_extraction", "date", True, "date de l'instantané"),
        _c("numero_unique", "texte", True, "numéro unique SNE (pseudonymisé à l'import)"),
        _c("date_depot", "date", True, "date de dépôt initial"),
        _c("code_commune_souhaitee", "commune", True, "commune souhaitée en premier choix"),
        _c("typologie_souhaitee", "categorie", False, "typologie souhaitée", TYPOLOGIES),
        _c("ressources_mensuelles", "nombre", False, "ressources mensuelles (euros)"),
        _c("nb_personnes", "entier", True, "taille du ménage"),
        _c("nb_moins_14", "entier", False, "personnes de moins de 14 ans", defaut=0),
        _c("mutation", "booleen", True, "déjà locataire du parc social"),
        _c("dalo", "booleen", False, "reconnu DALO", defaut=False),
        _c("prioritaire_l441", "booleen", False, "labellisé prioritaire", defaut=False),
        _c("age_titulaire", "entier", False, "âge du demandeur"),
        _c("composition", "categorie", False, "composition familiale", COMPOSITIONS),
    ),
    "residences": (
        _c("id_residence", "texte", True, "identifiant de la résidence"),
        _c("nom_residence", "texte", True, "nom de la résidence"),
        _c("bailleur", "texte", True, "bailleur propriétaire"),
        _c("code_commune", "commune", True, "commune"),
        _c("code_qpv", "texte", False, "code QPV ; vide = hors QPV"),
        _c("nb_logements", "entier", True, "nombre de logements"),
        _c("annee_mise_en_service", "entier", False, "année de première mise en location"),
        _c("latitude", "nombre", False, "latitude WGS84"),
        _c("longitude", "nombre", False, "longitude WGS84"),
    ),
    "ops": (
        _c("annee_ops", "entier", True, "année de l'enquête OPS"),
        _c("id_residence", "texte", True, "résidence"),
        _c("nb_menages", "entier", True, "ménages enquêtés"),
        _c("nb_menages_ress_inf_20", "entier", True, "ménages sous 20 % des plafonds PLUS"),
        _c("nb_menages_ress_inf_40", "entier", True, "ménages sous 40 % des plafonds PLUS"),
        _c("nb_menages_ress_inf_60", "entier", True, "ménages sous 60 % des plafonds PLUS"),
        _c("nb_familles_monoparentales", "entier", True, "familles monoparentales"),
        _c("nb_familles_nombreuses", "entier", False, "ménages avec 3 enfants ou plus"),
        _c("nb_titulaires_65_plus", "entier", False, "titulaires de 65 ans ou plus"),
        _c("nb_menages_apl", "entier", False, "ménages bénéficiaires de l'APL/AL"),
        _c("nb_adultes", "entier", False, "adultes"),
        _c("nb_adultes_sans_emploi", "entier", False, "adultes sans emploi"),
        _c("nb_emmenages_recents", "entier", False, "ménages emménagés depuis moins de 2 ans"),
    ),
    "conventions_flux": (
        _c("bailleur", "texte", True, "bailleur signataire (nom canonique du territoire, alias admis)"),
        _c("reservataire", "categorie", True, "contingent réservataire signataire", RESERVATAIRES_CONVENTION),
        _c("annee", "entier", True, "année du flux couverte par la convention"),
        _c("part_flux", "part", True, "part du flux annuel du bailleur réservée au contingent (0,30 ou 30 %)"),
    ),
}

TABLES_FACULTATIVES = ("conventions_flux",)
"""Tables whose file may be absent from the source folder (everything else works without them)."""

NOMS_TABLES = tuple(t for t in TABLES if t not in TABLES_FACULTATIVES)
"""The four tables every import needs."""

TOUTES_TABLES = tuple(TABLES)

# Columns never written to processed data (matched on the folded header name).
COLONNES_PERSONNELLES = (
    "nom", "prenom", "nom_naissance", "nom_usage", "adresse", "adresse_actuelle", "complement_adresse",
    "code_postal_actuel", "date_naissance", "telephone", "tel", "portable", "email", "courriel",
    "mail", "nir", "numero_securite_sociale", "commentaire", "observations",
)


def colonnes(table: str) -> tuple[Colonne, ...]:
    """Columns of a canonical table."""
    return TABLES[table]


def colonnes_traitees(table: str) -> list[str]:
    """Column names of the processed (Parquet) table, in order."""
    return [COLONNE_PSEUDONYME if c.nom == "numero_unique" else c.nom for c in TABLES[table]]


def dtypes_traites(table: str) -> dict[str, str]:
    """pandas dtypes of the processed table, by column."""
    return {
        (COLONNE_PSEUDONYME if c.nom == "numero_unique" else c.nom): DTYPES[c.type] for c in TABLES[table]
    }
