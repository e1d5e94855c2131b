# The README's two commands, `make run` and `make test`, do all the set-up themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

export DATA_DIR ?= $(CURDIR)/data
export DUCKDB_PATH ?= $(DATA_DIR)/warehouse/spotify.duckdb
export DBT_PROFILES_DIR ?= $(CURDIR)/dbt
export DO_NOT_TRACK := 1

AIRFLOW_PORT ?= 8080
DOCS_PORT ?= 8081
DASHBOARD_PORT ?= 8501
SANDBOX_PORT ?= 8765

.PHONY: help venv test lint format run extract sandbox dbt-build docs airflow dashboard lock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# The stamp is newer than both requirement files once they are installed, so an up-to-date
# venv is not touched again.
$(STAMP): requirements.txt constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv from the pinned requirements (only when they changed)

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# pytest exits 5 when it collects nothing; that must not fail CI while the suite is small.
test: lint ## Lint, then run the whole test suite
	$(BIN)/pytest; status=$$?; if [ $$status -eq 5 ]; then echo "pytest: no tests collected"; exit 0; fi; exit $$status

run: $(STAMP) ## Run the pipeline end to end (sandbox when no credentials are set)
	$(PY) -m ingestion extract --date $$(date -u +%F)

extract: $(STAMP) ## Extract one day: make extract DATE=YYYY-MM-DD
	$(PY) -m ingestion extract --date $${DATE:-$$(date -u +%F)}

sandbox: $(STAMP) ## Serve the offline Spotify sandbox in the foreground
	$(PY) -m ingestion sandbox --port $(SANDBOX_PORT)

lock: $(STAMP) ## Re-freeze constraints.txt from the current venv
	{ echo "# Full freeze of the tested environment (pip freeze of .venv). Regenerate with 'make lock'."; \
	  $(PY) -m pip freeze --exclude-editable; } > constraints.txt

clean: ## Remove the venv and everything generated under data/
	rm -rf $(VENV) .airflow dbt/target dbt/logs
	find data -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
