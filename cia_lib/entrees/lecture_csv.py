"""Reading a CSV source file as text: encoding and separator detection, then a vectorised fast
path (pyarrow) for well-formed files and a row-by-row path (:mod:`csv`) for any other file."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import charset_normalizer
import pandas as pd

from cia_lib.erreurs import ErreurFichier

from .fichier_brut import COLONNE_LIGNE, FichierBrut, _tableau, _trier_enregistrements, _verifier_entetes

_UTF8_MULTI = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
"""A multi-byte UTF-8 sequence (an accented letter written in UTF-8)."""
_CONTROLES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


# --------------------------------------------------------------------------- decoding


def detecter_encodage(octets: bytes, fichier="") -> str:
    """Encoding of a CSV file: ``utf-8-sig`` (BOM), ``utf-8`` or ``cp1252``.

    UTF-8 is tried first (strictly); otherwise the bytes must decode as Windows-1252 /
    Latin-1 text without control characters. A file holding both valid UTF-8 accents and
    non-UTF-8 bytes (mixed encodings) is refused with the line of the first bad byte.

    Raises
    ------
    ErreurFichier
        When the bytes are neither (binary file, UTF-16, another charset), or a mix.
    """
    if octets.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        octets.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        premier_mauvais = exc.start
    if _UTF8_MULTI.search(octets):
        # Valid UTF-8 accents AND bytes that are not UTF-8: decoding the whole file as Windows-1252
        # would mangle every accent (« ImmobiliÃ¨re ») — refused, pointing at the first bad byte.
        ligne = octets.count(b"\n", 0, premier_mauvais) + 1
        debut = octets.rfind(b"\n", 0, premier_mauvais) + 1
        colonne = len(octets[debut:premier_mauvais].decode("utf-8", errors="replace")) + 1
        raise ErreurFichier(
            fichier,
            f"encodage mélangé : le fichier est en UTF-8 mais l'octet 0x{octets[premier_mauvais]:02X} ligne "
            f"{ligne}, colonne {colonne} (caractère) n'est pas de l'UTF-8 (sans doute un caractère "
            "Windows-1252 collé) ; corrigez ce caractère ou réenregistrez le fichier en « CSV UTF-8 ».",
        )
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


# --------------------------------------------------------------------------- reading


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
    valeurs_irr, numeros_irr, mal_formees = _trier_enregistrements(
        enregistrements, n, nf if separateur == "," else None)
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
        raise ErreurFichier(nom, f"CSV mal formé près de la ligne {fin_precedente + 1} ({_erreur_csv(exc)}).") \
            from None

    return _tableau(fichier, nom, entetes or [], enregistrements, strict=separateur == ",")


def _erreur_csv(exc: Exception) -> str:
    """French wording of an error of the :mod:`csv` module (its messages are English)."""
    texte = str(exc)
    if "field larger than field limit" in texte:
        return f"champ de plus de {_TAILLE_CHAMP_MAX} caractères : sans doute un guillemet jamais fermé"
    if "unexpected end of data" in texte or "EOF" in texte:
        return "fin du fichier à l'intérieur d'un champ entre guillemets : un guillemet n'est pas fermé"
    if "expected after" in texte:
        return "caractère inattendu après un guillemet fermant : doublez les guillemets dans une valeur (\"\")"
    if "NUL" in texte:
        return "octet nul dans la ligne : fichier binaire ou corrompu"
    if "new-line character seen in unquoted field" in texte:
        return "retour à la ligne isolé dans un champ sans guillemets"
    return "guillemets ou séparateurs mal placés"
