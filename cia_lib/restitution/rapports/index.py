"""``reports/index.html``: the French list of every report produced, self-contained."""

from __future__ import annotations

import html
import json
import os
import tempfile
from pathlib import Path

from cia_lib.calculs.periodes import rang_trimestre

from .registre import (
    DOSSIER_COMPARAISON,
    DOSSIER_ECHECS,
    FICHIER_ECHEC,
    FICHIER_EXCEL,
    FICHIER_MANIFESTE,
    est_dossier_epci,
    lire_nom_dossier,
)

TITRES_NOTEBOOKS = {
    "suivi_trimestriel": "Suivi trimestriel",
    "bilan_annuel": "Bilan annuel",
    "cartes": "Cartes",
    "residences_sensibles": "Résidences sensibles",
    "comparaison_epci": "Comparaison des EPCI",
    "fiches_communes": "Fiches des communes",
    "fiches_bailleurs": "Fiches des bailleurs",
}


def _lister_dans(racine: Path, prefixe: str) -> list[dict]:
    trouves = []
    for dossier in racine.iterdir() if racine.exists() else []:
        if not dossier.is_dir() or (info := lire_nom_dossier(dossier.name)) is None:
            continue
        rapport, annee, trimestre = info
        manifeste = {}
        if (dossier / FICHIER_MANIFESTE).exists():
            try:
                manifeste = json.loads((dossier / FICHIER_MANIFESTE).read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                manifeste = {}
        ordre = {nom: i for i, nom in enumerate(manifeste.get("notebooks", []))}
        pages = sorted((p.name for p in dossier.glob("*.html")), key=lambda n: (ordre.get(n[:-5], 99), n))
        entree = {
            "dossier": f"{prefixe}/{dossier.name}" if prefixe else dossier.name,
            "rapport": rapport,
            "annee": annee,
            "trimestre": trimestre,
            "pages": pages,
            "excel": (dossier / FICHIER_EXCEL).exists(),
            "mode": manifeste.get("parametres", {}).get("mode", "?"),
            "fictives": bool(manifeste.get("donnees_fictives", False)),
            "provisoire": bool(manifeste.get("provisoire", False)),
        }
        trouves.append(_situer(entree, prefixe, manifeste.get("epci")))
    return trouves + _echecs_dans(racine, prefixe)


def _situer(entree: dict, prefixe: str, epci: dict | None) -> dict:
    """Mark an index entry as the comparison or as one EPCI's report (multi-EPCI runs)."""
    if prefixe == DOSSIER_COMPARAISON:
        entree["comparaison"] = True
    elif prefixe:
        entree["epci"] = {"siren": prefixe, "nom": str((epci or {}).get("nom", prefixe))}
    return entree


def _echecs_dans(racine: Path, prefixe: str) -> list[dict]:
    """Reports whose last production failed (``echec/<période>/echec.json``)."""
    trouves = []
    for chemin in sorted((racine / DOSSIER_ECHECS).glob(f"*/{FICHIER_ECHEC}")):
        if (info := lire_nom_dossier(chemin.parent.name)) is None:
            continue
        try:
            echec = json.loads(chemin.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            echec = {}
        rapport, annee, trimestre = info
        entree = {
            "dossier": f"{prefixe}/{DOSSIER_ECHECS}/{chemin.parent.name}" if prefixe
            else f"{DOSSIER_ECHECS}/{chemin.parent.name}",
            "rapport": rapport, "annee": annee, "trimestre": trimestre, "pages": [], "excel": False,
            "mode": "–", "fictives": False, "echec": str(echec.get("raison", "raison inconnue")),
        }
        trouves.append(_situer(entree, prefixe, echec.get("epci")))
    return trouves


def lister_rapports(dossier_rapports: Path) -> list[dict]:
    """Reports found under ``dossier_rapports`` (bilans first, most recent first).

    Single-EPCI reports sit in ``<période>/``; a multi-EPCI run writes each EPCI's in
    ``<SIREN>/<période>/`` and the comparison in ``comparaison-epci/<période>/``.

    Returns
    -------
    list of dict
        ``{"dossier", "rapport", "annee", "trimestre", "pages", "excel", "mode", "fictives"}``
        (``dossier`` relative to ``dossier_rapports``), plus ``"epci": {"siren", "nom"}`` for
        an EPCI's report of a multi-EPCI run and ``"comparaison": True`` for a comparison;
        ``"provisoire": True`` for a provisional report; a report whose last production failed
        is listed too, with ``"echec"`` (the French reason) and no page.
        Comparisons first, then EPCIs by name, each with bilans first, most recent first.
    """
    racine = Path(dossier_rapports)
    trouves = _lister_dans(racine, "")
    for dossier in sorted(racine.iterdir()) if racine.exists() else []:
        if dossier.is_dir() and (est_dossier_epci(dossier.name) or dossier.name == DOSSIER_COMPARAISON):
            trouves += _lister_dans(dossier, dossier.name)

    def cle(r):
        groupe = (0, "") if r.get("comparaison") else (1, "") if "epci" not in r else (2, r["epci"]["nom"])
        return (*groupe, r["rapport"] != "bilan", -r["annee"], -r["trimestre"])

    trouves.sort(key=cle)
    return trouves


def _ligne_html(r: dict) -> str:
    if r["rapport"] == "bilan":
        libelle = f"Bilan annuel {r['annee']}"
    else:
        rang = rang_trimestre(r["trimestre"])
        libelle = f"Suivi {r['annee']}, {rang} trimestre"
    liens = " · ".join(
        f'<a href="{html.escape(r["dossier"])}/{html.escape(p)}">'
        f"{html.escape(TITRES_NOTEBOOKS.get(p[:-5], p[:-5]))}</a>"
        for p in r["pages"]
    )
    if r["excel"]:
        liens += f' · <a href="{html.escape(r["dossier"])}/{FICHIER_EXCEL}">tableaux Excel</a>'
    marque = " <span class=\"fictif\">données fictives</span>" if r["fictives"] else ""
    if r.get("provisoire"):
        marque += " <span class=\"provisoire\">provisoire</span>"
    if "echec" in r:
        return (f"<tr class=\"echec\"><td>{html.escape(libelle)}</td><td><strong>NON PRODUIT</strong> (échec de "
                f"la dernière production : {html.escape(r['echec'])})</td><td>–</td><td>–</td></tr>")
    return (
        f"<tr><td>{html.escape(libelle)}{marque}</td><td>{liens or '–'}</td>"
        f"<td>{html.escape(r['mode'])}</td>"
        f'<td><a href="{html.escape(r["dossier"])}/{FICHIER_MANIFESTE}">manifeste</a></td></tr>'
    )


def _table_html(lignes: list[str]) -> str:
    return (
        "<table><thead><tr><th>Rapport</th><th>Pages</th><th>Mode de lecture</th><th>Traçabilité</th></tr>"
        f"</thead><tbody>{''.join(lignes)}</tbody></table>"
    )


def html_index(rapports: list[dict]) -> str:
    """The index page (pure function; inline CSS, no script, no external resource)."""
    fictives = any(r["fictives"] for r in rapports)
    avertissement = (
        '<p class="bandeau">DONNÉES FICTIVES — ces rapports sont construits sur un exemple généré.</p>'
        if fictives
        else ""
    )
    vide = "<p>Aucun rapport n'a encore été produit (commande : <code>cia rapport tout</code>).</p>"
    simples = [r for r in rapports if "epci" not in r and not r.get("comparaison")]
    comparaisons = [r for r in rapports if r.get("comparaison")]
    epcis: dict[str, list[dict]] = {}
    for r in rapports:
        if "epci" in r:
            epcis.setdefault(r["epci"]["siren"], []).append(r)
    if not comparaisons and not epcis:
        tableau = _table_html([_ligne_html(r) for r in simples]) if simples else vide
    else:
        parties = []
        if comparaisons:
            parties.append('<h2 id="comparaison-epci">Comparaison des EPCI</h2>'
                           + _table_html([_ligne_html(r) for r in comparaisons]))
        if epcis:
            sommaire = " · ".join(
                f'<a href="#epci-{html.escape(s)}">{html.escape(liste[0]["epci"]["nom"])}</a>'
                for s, liste in epcis.items()
            )
            parties.append(f'<p class="sommaire">EPCI : {sommaire}</p>')
            for s, liste in epcis.items():
                parties.append(f'<h2 id="epci-{html.escape(s)}">{html.escape(liste[0]["epci"]["nom"])} '
                               f'<span class="siren">(SIREN {html.escape(s)})</span></h2>'
                               + _table_html([_ligne_html(r) for r in liste]))
        if simples:
            parties.append("<h2>Autres rapports</h2>" + _table_html([_ligne_html(r) for r in simples]))
        tableau = "\n".join(parties)
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rapports de suivi de la CIA</title>
<style>
body{{font-family:sans-serif;margin:2em auto;max-width:60em;color:#1b1b1b}}
h1{{color:#1f3b73}}
table{{border-collapse:collapse;width:100%}}
th{{background:#1f3b73;color:#fff;text-align:left;padding:6px 8px}}
td{{padding:5px 8px;border-bottom:1px solid #d6dce8}}
.bandeau{{background:#b00020;color:#fff;font-weight:bold;padding:8px;text-align:center;border-radius:4px}}
.fictif{{font-size:0.8em;color:#b00020}}
.provisoire{{font-size:0.8em;color:#8a4b00;font-weight:bold}}
tr.echec td{{color:#b00020}}
h2{{color:#1f3b73;margin-top:1.5em}}
.siren{{font-size:0.7em;color:#555;font-weight:normal}}
</style>
</head>
<body>
{avertissement}
<h1>Rapports de suivi de la Convention Intercommunale d'Attribution</h1>
<p>Bilans annuels (présentés en CIL) puis suivis trimestriels. Mode « diffusion » : petits effectifs
masqués, partageable ; mode « analyste » : usage interne uniquement.</p>
{tableau}
</body>
</html>
"""


def droits_ordinaires(dossier: bool = False) -> int:
    """Permissions an ordinary ``open()``/``mkdir()`` would give under the current umask
    (0644 / 0755 with the usual umask 022); ``mkstemp``/``mkdtemp`` create 0600 / 0700."""
    masque = os.umask(0)
    os.umask(masque)
    return (0o777 if dossier else 0o666) & ~masque


def ecrire_atomique(chemin: Path, texte: str) -> None:
    """Write a text file atomically (temporary file in the same folder, then rename), with
    the same permissions as every other file of the reports (:func:`droits_ordinaires`)."""
    chemin = Path(chemin)
    fd, temporaire = tempfile.mkstemp(dir=chemin.parent, prefix=f".{chemin.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, droits_ordinaires())
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(texte)
        os.replace(temporaire, chemin)
    except BaseException:
        Path(temporaire).unlink(missing_ok=True)
        raise


def rafraichir_index(dossier_rapports: Path) -> Path:
    """Rewrite ``index.html`` from the reports present; return its path."""
    dossier_rapports = Path(dossier_rapports)
    dossier_rapports.mkdir(parents=True, exist_ok=True)
    chemin = dossier_rapports / "index.html"
    ecrire_atomique(chemin, html_index(lister_rapports(dossier_rapports)))
    return chemin
