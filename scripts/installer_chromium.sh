#!/usr/bin/env bash
# Installe ce qu'il faut aux tests de rendu des rapports, s'il manque : le navigateur Chromium de
# Debian (pages, PDF) et poppler-utils (pdftoppm : pages du PDF en images, pour vérifier qu'aucune
# page n'est vide ou coupée). Sans apt (ou sans droits root), ne fait rien : les tests navigateur
# seront alors ignorés, sauf en CI (CI=true) où un navigateur absent est une erreur.
set -u
paquets=()
navigateur=""
for b in chromium chromium-browser; do
  if command -v "$b" >/dev/null 2>&1; then navigateur="$b"; break; fi
done
[ -z "$navigateur" ] && paquets+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || paquets+=(poppler-utils)
[ ${#paquets[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Installation de ${paquets[*]} (paquets Debian)…"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${paquets[@]}" >/dev/null \
    && exit 0
  echo "Installation de ${paquets[*]} impossible : les tests navigateur ou PDF seront ignorés (ou échoueront en CI)." >&2
else
  echo "${paquets[*]} absent(s) et apt indisponible : les tests navigateur ou PDF seront ignorés (ou échoueront en CI)." >&2
fi
exit 0
