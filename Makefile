# Atelier CIA — commandes usuelles. `make help` liste les cibles.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CIA := $(VENV)/bin/cia
NOYAU := cia-atelier
EXEMPLE := data/raw/exemple
TRAITEES := data/processed

.DEFAULT_GOAL := help
.PHONY: help installer demo exemple importer rapports test test-rapide lint lab navigateur benchmark benchmark-national nettoyer

help: ## Liste les cibles disponibles
	@grep -E '^[a-z-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-20s %s\n", $$1, $$2}'

$(VENV)/.installe: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check uv || true
	if [ -x $(VENV)/bin/uv ]; then $(VENV)/bin/uv pip install -q --python $(PY) -e ".[dev]"; \
	else $(PY) -m pip install -q -e ".[dev]"; fi
	$(PY) -m ipykernel install --sys-prefix --name $(NOYAU) --display-name "Python (atelier CIA)" >/dev/null
	touch $@

installer: $(VENV)/.installe ## Crée l'environnement .venv, installe le paquet et le noyau Jupyter « cia-atelier »

exemple: installer ## Génère les données fictives dans data/raw/exemple si elles manquent
	@if [ ! -f $(EXEMPLE)/attributions.csv ]; then $(CIA) exemple --destination $(EXEMPLE); \
	else echo "Données fictives déjà présentes dans $(EXEMPLE)"; fi

importer: exemple ## Importe les données fictives vers data/processed
	$(CIA) importer --source $(EXEMPLE) --destination $(TRAITEES)

rapports: importer ## Produit tous les rapports (trimestriels et bilans) dans reports/
	$(CIA) rapport tout

demo: rapports ## (1re commande) Installe tout et construit les rapports de démonstration
	@echo "Rapports de démonstration : reports/index.html"

navigateur: ## Installe Chromium et pdftoppm (paquets Debian) pour les tests de rendu et de PDF, si absents et si apt est disponible
	@bash scripts/installer_chromium.sh

test: installer navigateur ## (2e commande) Installe ce qu'il faut et lance toute la suite de tests
	$(PY) -m pytest

lint: installer ## Vérifie le style (ruff) et le contrat des étages de cia_lib (import-linter)
	$(VENV)/bin/ruff check cia_lib tests benchmarks notebooks
	$(VENV)/bin/lint-imports

test-rapide: installer ## Lance les tests sans les notebooks ni le navigateur
	$(PY) -m pytest -m "not lent and not navigateur"

lab: installer ## Ouvre JupyterLab sur notebooks/ avec le noyau du projet
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

benchmark: installer ## Mesure plancher papermill, trimestriel, bilan et « rapport tout » à la suite et en parallèle (à la demande, hors CI)
	$(PY) benchmarks/rapports.py

benchmark-national: installer ## Mesure import, indicateurs (comparés à DuckDB) et rapports d'un échantillon d'EPCI à l'échelle nationale (≈ 6 min, hors CI)
	$(PY) benchmarks/national.py

nettoyer: ## Supprime les données traitées et les rapports (garde les données brutes)
	rm -rf $(TRAITEES)/* reports/*
	touch $(TRAITEES)/.gitkeep reports/.gitkeep
