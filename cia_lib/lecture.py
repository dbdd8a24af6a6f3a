"""Reading raw input files: discovery, encoding and separator detection, column mapping.

Every cell is read as **text** (never guessed as a number, so INSEE codes keep their
leading zeros); typing happens later in :mod:`cia_lib.validation`. Each row keeps the line
number it had in its source file (header = line 1; for a spreadsheet, the sheet's row
number) so that rejections can point the user at the right line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer
import pandas as pd

from . import schema
from .config import lire_yaml
from .erreurs import ErreurConfiguration, ErreurFichier

EXTENSIONS = (".csv", ".xlsx", ".parquet")
COLONNE_LIGNE = "__ligne__"
"""Name of the column holding each row's line number in its source file."""

_CONTROLES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def normaliser_colonne(nom) -> str:
    """Fold a column header: lower case, no accents, words joined by ``_``.

    Examples
    --------
    >>> normaliser_colonne("Numéro unique")
    'numero_unique'
    >>> normaliser_colonne("  Date de signature du bail ")
    'date_de_signature_du_bail'
    >>> normaliser_colonne("nb_moins_14")
    'nb_moins_14'
    """
    texte = unicodedata.normalize("NFKD", str(nom)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", texte).strip("_")


def normaliser_valeur(valeur) -> str:
    """Fold a cell value for value mappings: trimmed, lower case, no accents.

    Examples
    --------
    >>> normaliser_valeur(" Préfecture ")
    'prefecture'
    """
    texte = unicodedata.normalize("NFKD", str(valeur)).encode("ascii", "ignore").decode()
    return " ".join(texte.lower().split())


_MOTS_VIDES = {"de", "du", "des", "d", "la", "le", "les", "l", "en", "a", "au"}
_DEBUTS_PERSONNELS = {"nom", "prenom", "prenoms", "adresse", "telephone", "tel", "portable", "email", "e",
                      "courriel", "mail", "nir"}


def est_colonne_personnelle(nom) -> bool:
    """True for a header holding personal data (names, addresses, birth date, phone, e-mail, NIR…).

    Compares the folded header, without French small words, to
    :data:`cia_lib.schema.COLONNES_PERSONNELLES`; any header starting with one of their
    words (``nom_du_demandeur``, ``telephone_portable``…) or mentioning a birth counts too.
    Canonical columns (such as ``nom_residence``) are checked before this.

    Examples
    --------
    >>> [est_colonne_personnelle(n) for n in ["Date de naissance", "Nom du demandeur", "E-mail", "Nombre de personnes"]]
    [True, True, True, False]
    """
    mots = [m for m in normaliser_colonne(nom).split("_") if m and m not in _MOTS_VIDES]
    if not mots:
        return False
    personnelles = {"_".join(m for m in normaliser_colonne(c).split("_") if m not in _MOTS_VIDES)
                    for c in schema.COLONNES_PERSONNELLES}
    return ("_".join(mots) in personnelles or mots[0] in _DEBUTS_PERSONNELS
            or any(m in ("naissance", "nir", "courriel", "email", "mail", "telephone") for m in mots))


# --------------------------------------------------------------------------- mapping YAML


@dataclass(frozen=True)
class CorrespondanceTable:
    """How one table's source files translate to the canonical table.

    Attributes
    ----------
    fichier : str
        Base name of the source files (without extension), default the table name.
    feuille : str or None
        Sheet to read in an XLSX workbook (None = first sheet).
    colonnes : dict
        Folded source header -> canonical column name, or None to ignore the column.
    valeurs : dict
        Canonical column -> {folded source value -> replacement text}.
    """

    fichier: str
    feuille: str | None = None
    colonnes: dict[str, str | None] = field(default_factory=dict)
    valeurs: dict[str, dict[str, str]] = field(default_factory=dict)


def _texte_valeur(valeur) -> str:
    """Replacement value of a mapping as text (YAML booleans become oui/non)."""
    if valeur is None:
        return ""
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    return str(valeur)


def charger_correspondance(source=None) -> dict[str, CorrespondanceTable]:
    """Load a column/value mapping (YAML file, dict, or None for the canonical layout).

    The YAML has one section per table (``attributions``, ``demandes``, ``residences``,
    ``ops``), each with optional keys ``fichier``, ``feuille``, ``colonnes`` (source
    header -> canonical name, or ``null`` to ignore) and ``valeurs`` (canonical column ->
    {source value -> canonical value}). Headers and values are compared folded (case,
    accents and punctuation ignored).

    Parameters
    ----------
    source : path-like, dict or None

    Returns
    -------
    dict of str to CorrespondanceTable
        One entry for each of the four tables.

    Raises
    ------
    ErreurConfiguration
        Unreadable YAML, unknown table, unknown canonical column.
    """
    nom_source = "correspondance"
    if source is None:
        brut = {}
    elif isinstance(source, dict):
        brut = source
    else:
        nom_source = str(source)
        brut = lire_yaml(Path(source), "fichier de correspondance")

    inconnues = sorted(set(brut) - set(schema.NOMS_TABLES))
    if inconnues:
        raise ErreurConfiguration(
            f"{nom_source} : table(s) inconnue(s) {', '.join(inconnues)} ; "
            f"tables possibles : {', '.join(schema.NOMS_TABLES)}."
        )
    resultat = {}
    for table in schema.NOMS_TABLES:
        section = brut.get(table) or {}
        if not isinstance(section, dict):
            raise ErreurConfiguration(f"{nom_source} : la rubrique « {table} » doit être un dictionnaire.")
        canoniques = {c.nom for c in schema.colonnes(table)}
        colonnes: dict[str, str | None] = {}
        for entete, cible in (section.get("colonnes") or {}).items():
            if cible is not None and str(cible) not in canoniques:
                raise ErreurConfiguration(
                    f"{nom_source} : table {table}, « {entete} » pointe vers la colonne inconnue "
                    f"« {cible} » (colonnes possibles : {', '.join(c.nom for c in schema.colonnes(table))})."
                )
            colonnes[normaliser_colonne(entete)] = None if cible is None else str(cible)
        valeurs: dict[str, dict[str, str]] = {}
        for colonne, table_valeurs in (section.get("valeurs") or {}).items():
            if str(colonne) not in canoniques:
                raise ErreurConfiguration(
                    f"{nom_source} : table {table}, correspondance de valeurs pour la colonne "
                    f"inconnue « {colonne} »."
                )
            if not isinstance(table_valeurs, dict):
                raise ErreurConfiguration(
                    f"{nom_source} : table {table}, « valeurs » de {colonne} doit être un dictionnaire."
                )
            valeurs[str(colonne)] = {
                normaliser_valeur(_texte_valeur(k)): _texte_valeur(v) for k, v in table_valeurs.items()
            }
        feuille = section.get("feuille")
        resultat[table] = CorrespondanceTable(
            fichier=str(section.get("fichier") or table),
            feuille=None if feuille is None else str(feuille),
            colonnes=colonnes,
            valeurs=valeurs,
        )
    return resultat


# --------------------------------------------------------------------------- discovery


def trouver_fichiers(dossier: Path, base: str) -> list[Path]:
    """Source files of one table in ``dossier``, sorted by name (= chronological order).

    A table's files are ``<base>.csv|.xlsx``, ``<base>_<suffixe>.csv|.xlsx`` directly in the
    folder, or the same names inside sub-folders (one sub-folder per extract). Names are
    compared case-insensitively; Office lock files (``~$…``) are skipped.

    Returns
    -------
    list of pathlib.Path
        Sorted by path relative to ``dossier``.
    """
    base = base.lower()

    def convient(p: Path) -> bool:
        if not p.is_file() or p.suffix.lower() not in EXTENSIONS or p.name.startswith("~$"):
            return False
        tige = p.stem.lower()
        return tige == base or tige.startswith(base + "_")

    trouves = [p for p in dossier.iterdir() if convient(p)]
    for sous in dossier.iterdir():
        if sous.is_dir() and not sous.name.startswith("."):
            trouves += [p for p in sous.iterdir() if convient(p)]
    return sorted(trouves, key=lambda p: p.relative_to(dossier).as_posix())


# --------------------------------------------------------------------------- decoding


def detecter_encodage(octets: bytes, fichier="") -> str:
    """Encoding of a CSV file: ``utf-8-sig`` (BOM), ``utf-8`` or ``cp1252``.

    UTF-8 is tried first (strictly); otherwise the bytes must decode as Windows-1252 /
    Latin-1 text without control characters.

    Raises
    ------
    ErreurFichier
        When the bytes are neither (binary file, UTF-16, another charset).
    """
    if octets.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        octets.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        texte = octets.decode("cp1252")
        if not _CONTROLES.search(texte):
            return "cp1252"
    except UnicodeDecodeError:
        pass
    meilleur = charset_normalizer.from_bytes(octets).best()
    probable = f" (encodage probable : {meilleur.encoding})" if meilleur is not None else ""
    raise ErreurFichier(
        fichier,
        "encodage illisible : le fichier n'est ni en UTF-8 ni en Windows-1252/Latin-1"
        f"{probable}. Enregistrez-le en « CSV UTF-8 ».",
    )


def detecter_separateur(entete: str) -> str:
    r"""Field separator of a CSV from its header line: the most frequent of ``;``, ``,`` and tab.

    Examples
    --------
    >>> detecter_separateur("a;b;c")
    ';'
    >>> detecter_separateur("a,b,c")
    ','
    >>> detecter_separateur("a\tb")
    '\t'
    """
    comptes = {sep: entete.count(sep) for sep in (";", ",", "\t")}
    meilleur = max(comptes, key=lambda sep: comptes[sep])  # ties: the first (";")
    return meilleur if comptes[meilleur] else ","


# --------------------------------------------------------------------------- raw reading


@dataclass
class FichierBrut:
    """A source file read as text.

    Attributes
    ----------
    chemin : pathlib.Path
    nom : str
        Name shown to the user (path relative to the source folder).
    entetes : list of str
        Headers as written in the file.
    lignes : pandas.DataFrame
        One string column per header (folded name) plus ``__ligne__``.
    lignes_mal_formees : list of (int, int)
        (line, number of fields) of rows with more fields than the header.
    """

    chemin: Path
    nom: str
    entetes: list[str]
    lignes: pd.DataFrame
    lignes_mal_formees: list[tuple[int, int]] = field(default_factory=list)


def _verifier_entetes(nom: str, entetes: list) -> tuple[list[str], list[str]]:
    """Headers as written (trailing empty ones dropped) and folded; checks empty and duplicate ones."""
    entetes = ["" if e is None else str(e).strip() for e in entetes]
    while entetes and entetes[-1] == "":
        entetes.pop()
    if not entetes:
        raise ErreurFichier(nom, "fichier vide : aucune ligne d'en-tête.")
    return entetes, _plier_entetes(nom, entetes)


def _plier_entetes(nom: str, entetes: list[str]) -> list[str]:
    """Folded header names; a French error for an empty or a duplicated header."""
    plies = [normaliser_colonne(e) for e in entetes]
    vides = [str(i + 1) for i, p in enumerate(plies) if not p]
    if vides:
        raise ErreurFichier(nom, f"en-tête vide en position {', '.join(vides)}.")
    doublons = sorted({p for p in plies if plies.count(p) > 1})
    if doublons:
        raise ErreurFichier(nom, "colonnes en double dans l'en-tête", doublons)
    return plies


def _trier_enregistrements(enregistrements, n: int) -> tuple[list[list[str]], list[int], list[tuple[int, int]]]:
    """Rows of ``n`` stripped cells, their line numbers, and the malformed rows (line, fields).

    Blank rows are skipped; a row with more fields than the header is malformed when one of
    the extra fields is not blank (otherwise the extra fields are dropped); a shorter row is
    padded with empty cells.
    """
    valeurs, numeros, mal_formees = [], [], []
    for numero, champs in enregistrements:
        champs = ["" if c is None else c for c in champs]
        if all(str(c).strip() == "" for c in champs):
            continue  # blank line
        if len(champs) > n and any(str(c).strip() for c in champs[n:]):
            mal_formees.append((numero, len(champs)))
            continue
        champs = (list(champs) + [""] * n)[:n]
        valeurs.append([str(c).strip() for c in champs])
        numeros.append(numero)
    return valeurs, numeros, mal_formees


def _tableau(fichier: Path, nom: str, entetes: list, enregistrements: list[tuple[int, list]]) -> FichierBrut:
    entetes, plies = _verifier_entetes(nom, entetes)
    valeurs, numeros, mal_formees = _trier_enregistrements(enregistrements, len(entetes))
    if not valeurs and not mal_formees:
        raise ErreurFichier(nom, "fichier vide : aucune ligne de données sous l'en-tête.")
    lignes = pd.DataFrame(valeurs, columns=plies, dtype="string") if valeurs else pd.DataFrame(
        {p: pd.Series(dtype="string") for p in plies}
    )
    lignes[COLONNE_LIGNE] = pd.array(numeros, dtype="Int64")
    return FichierBrut(fichier, nom, entetes, lignes, mal_formees)


_BLANCS = re.compile(rb"[ \t\n\r\x0b\x0c]*")
_TAILLE_CHAMP_MAX = csv.field_size_limit()
"""Longest field the :mod:`csv` module accepts (longer ones: the slow reader reports the error)."""


def _lire_csv_rapide(fichier: Path, nom: str, octets: bytes, encodage: str) -> FichierBrut | None:
    """Vectorised reading of a well-formed CSV (pyarrow), or None to use the row-by-row reader.

    Gives exactly what the :mod:`csv` row-by-row reader gives (same cells, line numbers,
    malformed rows, errors) for the files it accepts: header on line 1, no NUL byte, no bare
    carriage return, and quotes only where the CSV standard puts them (a field starts with
    an opening quote, a closing quote ends the field, ``""`` inside a quoted field). Any other
    file (rare and small in practice: hand-edited or broken exports) returns None, so that
    the row-by-row reader handles it and reports its errors.

    The quote characters are located with numpy: a newline preceded by an even number of
    quotes ends a record, which gives each record's first line number without reading rows
    in Python. Rows whose number of fields differs from the header (too short, too long or
    blank) are re-read one by one with the :mod:`csv` module and sorted like the slow reader.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    if encodage == "utf-8":
        donnees = octets
    elif encodage == "utf-8-sig":
        donnees = octets[3:]
    else:
        donnees = octets.decode(encodage).encode("utf-8")
    if not donnees or donnees[:1] in (b"\n", b"\r") or b"\x00" in donnees:
        return None
    nb_cr = donnees.count(b"\r")
    if nb_cr and nb_cr != donnees.count(b"\r\n"):
        return None
    octs = np.frombuffer(donnees, dtype=np.uint8)
    premiere_fin = donnees.find(b"\n")
    if premiere_fin < 0:
        return None  # header only
    separateur = detecter_separateur(donnees[:premiere_fin].decode("utf-8"))
    sep = ord(separateur)

    guillemets = np.flatnonzero(octs == ord('"'))
    if len(guillemets):
        if len(guillemets) % 2:
            return None  # a quote left open (or a quote inside an unquoted field)
        ouvrants, fermants = guillemets[0::2], guillemets[1::2]
        avant = octs[np.maximum(ouvrants - 1, 0)]
        ok_ouvrants = (ouvrants == 0) | (avant == sep) | (avant == 10) | (avant == ord('"'))
        apres = octs[np.minimum(fermants + 1, len(octs) - 1)]
        ok_fermants = ((fermants == len(octs) - 1) | (apres == sep) | (apres == 10) | (apres == 13)
                       | (apres == ord('"')))
        if not (ok_ouvrants.all() and ok_fermants.all()):
            return None
        del avant, apres, ok_ouvrants, ok_fermants
    sauts = np.flatnonzero(octs == 10)
    hors_guillemets = np.searchsorted(guillemets, sauts) % 2 == 0
    multiligne = not hors_guillemets.all()
    rang_fins = np.flatnonzero(hors_guillemets)  # rank among every newline of the record-ending ones
    fins = sauts[rang_fins]
    del guillemets, hors_guillemets
    if len(fins) == 0:
        return None  # header only: the row-by-row reader gives the right message

    # Records: the header (ends at fins[0]), then one after each record-ending newline.
    debuts = fins + 1
    arrets = np.append(fins[1:], len(donnees))
    if debuts[-1] == len(donnees):
        debuts, arrets, rang_fins = debuts[:-1], arrets[:-1], rang_fins[:-1]
    longueurs = arrets - debuts
    if longueurs.size and (longueurs.max() > _TAILLE_CHAMP_MAX or fins[0] > _TAILLE_CHAMP_MAX):
        return None
    vides = (longueurs == 0) | ((longueurs == 1) & (octs[np.minimum(debuts, len(octs) - 1)] == 13))
    numeros_lignes = (rang_fins + 2)[~vides]  # first physical line of each non-empty record
    debuts, arrets = debuts[~vides], arrets[~vides]
    del longueurs, vides, sauts, rang_fins

    entete_texte = donnees[:fins[0]].decode("utf-8")
    try:
        champs_entete = next(csv.reader(io.StringIO(entete_texte, newline=""), delimiter=separateur, strict=True),
                             [])
    except csv.Error:
        return None
    if not champs_entete or all(not c.strip() for c in champs_entete):
        return None
    entetes, plies = _verifier_entetes(nom, champs_entete)
    n, nf = len(entetes), len(champs_entete)
    if len(numeros_lignes) == 0:
        raise ErreurFichier(nom, "fichier vide : aucune ligne de données sous l'en-tête.")

    noms = [f"c{i}" for i in range(nf)]
    tampon = pa.py_buffer(donnees)[int(fins[0]) + 1:]

    def lire(fils: bool, gestionnaire):
        return pacsv.read_csv(
            pa.BufferReader(tampon),
            read_options=pacsv.ReadOptions(column_names=noms, use_threads=fils, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=separateur, quote_char='"', double_quote=True, escape_char=False,
                newlines_in_values=multiligne, ignore_empty_lines=True, invalid_row_handler=gestionnaire),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in noms},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )

    irregulieres: list = []

    def noter(ligne):
        irregulieres.append((ligne.number, ligne.text))
        return "skip"

    try:
        table = lire(True, noter)
        if irregulieres:  # row numbers are only known when reading on one thread
            irregulieres.clear()
            table = lire(False, noter)
    except pa.ArrowException:
        return None
    if table.num_rows + len(irregulieres) != len(numeros_lignes):
        return None

    # Rows with another number of fields: re-read each one with the csv module.
    garder = np.ones(len(numeros_lignes), dtype=bool)
    enregistrements = []
    for rang, texte in irregulieres:
        if rang is None or not 1 <= rang <= len(numeros_lignes):
            return None
        debut, arret = int(debuts[rang - 1]), int(arrets[rang - 1])
        brut = donnees[debut:arret].decode("utf-8")
        if brut.rstrip("\r") != texte.rstrip("\r"):
            return None
        try:
            champs = next(csv.reader(io.StringIO(brut, newline=""), delimiter=separateur, strict=True), [])
        except csv.Error:
            return None
        garder[rang - 1] = False
        enregistrements.append((int(numeros_lignes[rang - 1]), champs))
    valeurs_irr, numeros_irr, mal_formees = _trier_enregistrements(enregistrements, n)
    numeros = numeros_lignes[garder]

    # pyarrow releases the GIL: the columns are stripped in parallel (str.strip semantics).
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as executeur:
        colonnes = list(executeur.map(pc.utf8_trim_whitespace, table.columns))
    del table
    if colonnes:
        pleines = [pc.not_equal(c, "") for c in colonnes]
        non_vide = pleines[0]
        for p in pleines[1:]:
            non_vide = pc.or_(non_vide, p)
        en_trop = None
        for p in pleines[n:]:
            en_trop = p if en_trop is None else pc.or_(en_trop, p)
        del pleines
        if en_trop is not None:
            en_trop = pc.and_(non_vide, en_trop)
            if pc.any(en_trop).as_py():
                masque = en_trop.to_numpy(zero_copy_only=False)
                mal_formees += [(int(x), nf) for x in numeros[masque]]
                non_vide = pc.and_(non_vide, pc.invert(en_trop))
        if not pc.all(non_vide).as_py():
            masque = non_vide.to_numpy(zero_copy_only=False)
            numeros = numeros[masque]
            colonnes = [pc.filter(c, non_vide) for c in colonnes]
    mal_formees.sort(key=lambda x: x[0])
    if not len(numeros) and not valeurs_irr and not mal_formees:
        raise ErreurFichier(nom, "fichier vide : aucune ligne de données sous l'en-tête.")

    vers_pandas = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype()}.get
    lignes = pd.DataFrame({p: pd.Series(c.to_pandas(types_mapper=vers_pandas), dtype="string")
                           for p, c in zip(plies, colonnes[:n])})
    lignes[COLONNE_LIGNE] = pd.array(numeros, dtype="Int64")
    if valeurs_irr:
        autres = pd.DataFrame(valeurs_irr, columns=plies, dtype="string")
        autres[COLONNE_LIGNE] = pd.array(numeros_irr, dtype="Int64")
        lignes = (pd.concat([lignes, autres], ignore_index=True)
                  .sort_values(COLONNE_LIGNE, kind="mergesort").reset_index(drop=True))
    return FichierBrut(fichier, nom, entetes, lignes, mal_formees)


def lire_csv(fichier: Path, nom: str | None = None) -> FichierBrut:
    """Read a CSV file as text (encoding and separator detected).

    Well-formed files are read by pyarrow (vectorised, national extracts in seconds); any
    other file by the :mod:`csv` module row by row, with the same result and its precise
    errors (see :func:`_lire_csv_rapide`).

    Parameters
    ----------
    fichier : pathlib.Path
    nom : str, optional
        Name used in messages (default: the file name).

    Raises
    ------
    ErreurFichier
        Empty file, unreadable encoding, malformed quoting.
    """
    nom = nom or fichier.name
    octets = fichier.read_bytes()
    if _BLANCS.fullmatch(octets):  # same as ``not octets.strip()``, without copying the file
        raise ErreurFichier(nom, "fichier vide.")
    encodage = detecter_encodage(octets, nom)
    rapide = _lire_csv_rapide(fichier, nom, octets, encodage)
    if rapide is not None:
        return rapide
    return _lire_csv_ligne_a_ligne(fichier, nom, octets, encodage)


def _lire_csv_ligne_a_ligne(fichier: Path, nom: str, octets: bytes, encodage: str) -> FichierBrut:
    """Row-by-row reading with the :mod:`csv` module (any file, with its precise errors)."""
    texte = octets.decode(encodage)
    premiere = texte.lstrip("\r\n").split("\n", 1)[0]
    separateur = detecter_separateur(premiere)
    lecteur = csv.reader(io.StringIO(texte, newline=""), delimiter=separateur, strict=True)
    enregistrements = []
    entetes = None
    fin_precedente = 0
    try:
        for champs in lecteur:
            debut = fin_precedente + 1
            fin_precedente = lecteur.line_num
            if entetes is None:
                if not champs or all(not c.strip() for c in champs):
                    continue
                entetes = champs
                if debut != 1:
                    raise ErreurFichier(nom, f"l'en-tête doit être sur la ligne 1 (trouvé ligne {debut}).")
                continue
            enregistrements.append((debut, champs))
    except csv.Error as exc:
        raise ErreurFichier(nom, f"CSV mal formé près de la ligne {fin_precedente + 1} ({exc}).") from None
    return _tableau(fichier, nom, entetes or [], enregistrements)


def _cellule_texte(valeur) -> str:
    """Text of a spreadsheet cell (numbers without a spurious ``.0``, dates in ISO)."""
    if valeur is None:
        return ""
    if isinstance(valeur, bool):
        return "vrai" if valeur else "faux"
    if isinstance(valeur, dt.datetime):
        if valeur.time() == dt.time(0, 0):
            return valeur.date().isoformat()
        return valeur.isoformat(sep=" ")
    if isinstance(valeur, dt.date):
        return valeur.isoformat()
    if isinstance(valeur, float) and valeur.is_integer():
        return str(int(valeur))
    return str(valeur)


def lire_xlsx(fichier: Path, nom: str | None = None, feuille: str | None = None) -> FichierBrut:
    """Read one sheet of an XLSX workbook as text (first sheet unless ``feuille`` is given).

    Raises
    ------
    ErreurFichier
        Unreadable workbook, unknown sheet, empty sheet.
    """
    from zipfile import BadZipFile

    import openpyxl  # imported lazily: only needed for spreadsheets

    nom = nom or fichier.name
    try:
        classeur = openpyxl.load_workbook(fichier, read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ErreurFichier(nom, f"classeur Excel illisible ({type(exc).__name__}).") from None
    try:
        if feuille is None:
            onglet = classeur.worksheets[0]
        elif feuille in classeur.sheetnames:
            onglet = classeur[feuille]
        else:
            raise ErreurFichier(
                nom, f"feuille « {feuille} » introuvable (feuilles : {', '.join(classeur.sheetnames)})."
            )
        entetes = None
        enregistrements = []
        for numero, ligne in enumerate(onglet.iter_rows(values_only=True), start=1):
            textes = [_cellule_texte(v) for v in ligne]
            if entetes is None:
                if all(t.strip() == "" for t in textes):
                    continue
                if numero != 1:
                    raise ErreurFichier(nom, f"l'en-tête doit être sur la ligne 1 (trouvé ligne {numero}).")
                entetes = textes
                continue
            enregistrements.append((numero, textes))
    finally:
        classeur.close()
    return _tableau(fichier, nom, entetes or [], enregistrements)


def texte_arrow(colonne):
    """Text of a Parquet (Arrow) column, the way a CSV export writes it, trimmed.

    Dates ``AAAA-MM-JJ`` (a time of day other than midnight is kept), booleans
    ``true``/``false``, numbers without a spurious ``.0``, missing values as empty cells.

    Parameters
    ----------
    colonne : pyarrow.Array or pyarrow.ChunkedArray

    Returns
    -------
    pyarrow.Array or pyarrow.ChunkedArray of string
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    type_ = colonne.type
    if pa.types.is_dictionary(type_):
        colonne = colonne.cast(type_.value_type)
        type_ = colonne.type
    if pa.types.is_timestamp(type_):
        jours = pc.cast(colonne, pa.date32())
        minuit = pc.all(pc.equal(pc.cast(jours, type_), colonne)).as_py()
        texte = (pc.cast(jours, pa.string()) if minuit in (True, None)
                 else pc.strftime(colonne, format="%Y-%m-%d %H:%M:%S"))
    elif pa.types.is_date(type_):
        texte = pc.cast(colonne, pa.string())  # ISO AAAA-MM-JJ
    elif pa.types.is_floating(type_):
        entiers = pc.equal(colonne, pc.round(colonne))
        texte = pc.if_else(entiers, pc.cast(pc.cast(colonne, pa.int64(), safe=False), pa.string()),
                           pc.cast(colonne, pa.string()))
    else:
        texte = pc.cast(colonne, pa.string())
    return pc.utf8_trim_whitespace(pc.fill_null(texte, ""))


def _serie_texte(texte) -> pd.Series:
    import pyarrow as pa

    return pd.Series(texte.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get), dtype="string")


def en_texte(s: pd.Series) -> pd.Series:
    """A column of a source file as text: typed Parquet cells written as :func:`texte_arrow` does.

    Parameters
    ----------
    s : pandas.Series
        Text column, or a typed column kept by :func:`lire_parquet` (``typee=True``).

    Returns
    -------
    pandas.Series of string
        Same index.
    """
    if isinstance(s.dtype, pd.ArrowDtype):
        import pyarrow as pa

        texte = _serie_texte(texte_arrow(pa.array(s.array)))
        texte.index = s.index
        texte.name = s.name
        return texte
    return s.astype("string")


def _type_conserve(type_) -> bool:
    """Arrow types kept as they are by ``lire_parquet(typee=True)``: dates, numbers, booleans."""
    import pyarrow as pa

    return (pa.types.is_date(type_) or pa.types.is_integer(type_) or pa.types.is_floating(type_)
            or pa.types.is_boolean(type_))


def lire_parquet(fichier: Path, nom: str | None = None, typee: bool = False) -> FichierBrut:
    """Read a Parquet source file as text, like a CSV (vectorised: no loop over rows).

    Each column is turned into text the way a CSV export writes it (see
    :func:`texte_arrow`). Row numbers (``__ligne__``) count the data rows from 1, since a
    Parquet file has no header line.

    Parameters
    ----------
    fichier : pathlib.Path
    nom : str, optional
        Name used in messages (default: the file name).
    typee : bool
        Keep the date, number and boolean columns in their Arrow type (``pandas.ArrowDtype``)
        instead of text: :func:`cia_lib.validation.typer_colonnes` reads them directly, with
        the same result as from their text (:func:`en_texte` gives that text when needed).

    Raises
    ------
    ErreurFichier
        Unreadable file, no column, or no row.
    """
    import pyarrow as pa  # imported lazily: only needed for Parquet sources
    import pyarrow.parquet as pq

    nom = nom or fichier.name
    try:
        table = pq.read_table(fichier)
    except (OSError, pa.ArrowException) as exc:
        raise ErreurFichier(nom, f"fichier Parquet illisible ({type(exc).__name__}).") from None
    if table.num_columns == 0:
        raise ErreurFichier(nom, "fichier vide : aucune colonne.")
    if table.num_rows == 0:
        raise ErreurFichier(nom, "fichier vide : aucune ligne de données.")
    entetes = [str(c).strip() for c in table.column_names]
    plies = _plier_entetes(nom, entetes)
    colonnes = {}
    for pli, colonne in zip(plies, table.columns):
        if typee and _type_conserve(colonne.type):
            colonnes[pli] = pd.Series(pd.arrays.ArrowExtensionArray(colonne.combine_chunks()))
        else:
            colonnes[pli] = _serie_texte(texte_arrow(colonne))
    lignes = pd.DataFrame(colonnes)
    lignes[COLONNE_LIGNE] = pd.array(range(1, table.num_rows + 1), dtype="Int64")
    return FichierBrut(fichier, nom, entetes, lignes, [])


def lire_fichier(fichier: Path, nom: str | None = None, feuille: str | None = None,
                 typee: bool = False) -> FichierBrut:
    """Read a CSV, XLSX or Parquet source file as text (see :func:`lire_csv`,
    :func:`lire_xlsx`, :func:`lire_parquet`; ``typee`` is passed to :func:`lire_parquet`)."""
    if fichier.suffix.lower() == ".parquet":
        return lire_parquet(fichier, nom, typee=typee)
    if fichier.suffix.lower() == ".xlsx":
        return lire_xlsx(fichier, nom, feuille)
    return lire_csv(fichier, nom)


# --------------------------------------------------------------------------- mapping


@dataclass
class TableSource:
    """A source file mapped onto a canonical table (still text).

    Attributes
    ----------
    nom : str
        File name shown to the user.
    donnees : pandas.DataFrame
        Canonical columns present in the file (strings, values mapped; typed Arrow columns when
        read with ``typee=True``) plus ``__ligne__``.
    colonnes_ignorees : list of str
        Unknown headers (as written in the file).
    colonnes_personnelles : list of str
        Personal headers dropped (as written in the file).
    colonnes_absentes : list of str
        Optional canonical columns missing from the file.
    lignes_mal_formees : list of (int, int)
    """

    nom: str
    donnees: pd.DataFrame
    colonnes_ignorees: list[str]
    colonnes_personnelles: list[str]
    colonnes_absentes: list[str]
    lignes_mal_formees: list[tuple[int, int]] = field(default_factory=list)


def appliquer_correspondance(table: str, brut: FichierBrut, corresp: CorrespondanceTable) -> TableSource:
    """Rename columns to canonical names, apply value mappings, drop personal/unknown columns.

    Raises
    ------
    ErreurFichier
        Required canonical columns missing, or two source columns mapped to the same one.
    """
    canoniques = [c.nom for c in schema.colonnes(table)]
    renommage: dict[str, str] = {}
    ignorees, personnelles_vues = [], []
    for entete in brut.entetes:
        plie = normaliser_colonne(entete)
        if plie in corresp.colonnes:
            cible = corresp.colonnes[plie]
            if cible is None:
                continue  # explicitly ignored by the mapping
        elif plie in canoniques:
            cible = plie
        elif est_colonne_personnelle(entete):
            personnelles_vues.append(entete)
            continue
        else:
            ignorees.append(entete)
            continue
        if cible in renommage.values():
            autres = [e for e in brut.entetes if renommage.get(normaliser_colonne(e)) == cible]
            raise ErreurFichier(
                brut.nom, f"plusieurs colonnes correspondent à « {cible} »", [*autres, entete]
            )
        renommage[plie] = cible

    presentes = set(renommage.values())
    manquantes = [c.nom for c in schema.colonnes(table) if c.requise and c.nom not in presentes]
    if manquantes:
        raise ErreurFichier(
            brut.nom,
            "colonnes obligatoires manquantes ; ajoutez-les ou déclarez leur correspondance "
            "dans un fichier --correspondance",
            manquantes,
        )
    donnees = brut.lignes[[*renommage, COLONNE_LIGNE]].rename(columns=renommage)
    for colonne, table_valeurs in corresp.valeurs.items():
        if colonne in donnees.columns:
            donnees[colonne] = en_texte(donnees[colonne])  # values are mapped as text
            pliees = donnees[colonne].fillna("").map(normaliser_valeur)
            remplacees = pliees.map(table_valeurs)
            donnees[colonne] = remplacees.where(remplacees.notna(), donnees[colonne]).astype("string")
    absentes = [c for c in canoniques if c not in presentes]
    return TableSource(brut.nom, donnees.reset_index(drop=True), ignorees, personnelles_vues, absentes,
                       brut.lignes_mal_formees)
