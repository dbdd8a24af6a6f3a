#!/usr/bin/env bash
# Installe le navigateur Chromium de Debian pour les tests de rendu des rapports, s'il manque.
# Sans apt (ou sans droits root), ne fait rien : les tests navigateur seront alors ignorés,
# sauf en CI (CI=true) où un navigateur absent est une erreur.
set -u
for b in chromium chromium-browser; do
  if command -v "$b" >/dev/null 2>&1; then exit 0; fi
done
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Installation de Chromium (paquet Debian)…"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    && exit 0
  echo "Installation de Chromium impossible : les tests navigateur seront ignorés (ou échoueront en CI)." >&2
else
  echo "Chromium absent et apt indisponible : les tests navigateur seront ignorés (ou échoueront en CI)." >&2
fi
exit 0
