# Everything runs from .venv, created from nothing by `make install`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DATA := data/sample
DEMO_DB := warehouse.duckdb
airflow_home ?= airflow_home
AIRFLOW_PORT ?= 8080
AIRFLOW_HOME_DIR = $(abspath $(airflow_home))
# `make airflow BACKFILL=2018-11-01:2018-11-30` creates that backfill of the DAG sparkify before Airflow starts (on
# SQLite, Airflow cannot create one while its scheduler runs), and unpauses the DAG once the API server answers (the
# tasks report to it).
BACKFILL ?=
# Airflow in $(airflow_home) (SQLite, unless AIRFLOW__DATABASE__SQL_ALCHEMY_CONN names another database), parsing
# dags/ and plugins/, its scheduler set up for one machine (as tests/airflow/stack.py's LOCAL_SCHEDULER); the DAGs'
# defaults load data/sample (November 2018, nothing scheduled after it) into $(airflow_home)/warehouse.duckdb (a
# DuckDB target: one task per run, in the one-slot pool `duckdb`).
AIRFLOW_ENV = PATH=$(abspath $(BIN)):$$PATH AIRFLOW_HOME=$(AIRFLOW_HOME_DIR) \
	AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags \
	AIRFLOW__CORE__PLUGINS_FOLDER=$(CURDIR)/plugins \
	AIRFLOW__CORE__LOAD_EXAMPLES=False \
	AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME=0.2 \
	AIRFLOW__CORE__PARALLELISM=4 \
	AIRFLOW__API__HOST=127.0.0.1 \
	AIRFLOW__API__PORT=$(AIRFLOW_PORT) \
	AIRFLOW__API__BASE_URL=http://localhost:$(AIRFLOW_PORT) \
	WAREHOUSE_TARGET=warehouse_duckdb \
	AIRFLOW_CONN_WAREHOUSE_DUCKDB=duckdb:///$(AIRFLOW_HOME_DIR)/warehouse.duckdb \
	AIRFLOW_CONN_APP_DB=duckdb:///$(abspath $(DEMO_DATA))/app.duckdb \
	WAREHOUSE_VAR_DATA_ROOT=$(abspath $(DEMO_DATA)) \
	WAREHOUSE_VAR_STAGING_ROOT=$(AIRFLOW_HOME_DIR)/staging \
	WAREHOUSE_END_DATE=2018-11-30

.PHONY: install demo test test-fast golden lint format airflow bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==0.13.8
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -c constraints.txt -e '.[airflow,dev]'
	touch $@

demo: install
	rm -f $(DEMO_DB)
	@echo "== 1/4 A month of Sparkify-shaped sample data in $(DEMO_DATA)"
	$(BIN)/warehouse sample --out $(DEMO_DATA) --days 30 --events-per-day 2000 --seed 7 --late
	@echo "== 2/4 Loading it into $(DEMO_DB), a line per day. Expected warnings, planted by the generator:"
	@echo "   2018-11-16 has no log (the app was down: the day loads empty, so songplays' row count and freshness"
	@echo "   checks warn), 2018-11-11's log is late (it loads empty too, then arrives and loads: its users'"
	@echo "   versions slot into their history), one song file repeats another (its rows merge by key), and on"
	@echo "   some days no account changed in the app's database."
	AIRFLOW_CONN_APP_DB=duckdb:///$(DEMO_DATA)/app.duckdb $(BIN)/warehouse run --spec config/sparkify.yaml \
		--start 2018-11-01 --end 2018-12-01 --target duckdb:///$(DEMO_DB) \
		--var data_root=$(DEMO_DATA) --var staging_root=data/staging
	@echo "   ... the late log arrives: 2018-11-11 loads again"
	cp -r $(DEMO_DATA)/late/log_data/. $(DEMO_DATA)/log_data/
	AIRFLOW_CONN_APP_DB=duckdb:///$(DEMO_DATA)/app.duckdb $(BIN)/warehouse run --spec config/sparkify.yaml \
		--start 2018-11-11 --target duckdb:///$(DEMO_DB) --var data_root=$(DEMO_DATA) --var staging_root=data/staging
	@echo "== 3/4 The data dictionary"
	$(BIN)/warehouse docs --spec config/sparkify.yaml --out data/docs --target duckdb:///$(DEMO_DB)
	@echo "== 4/4 The answers (a user who changed level during the month counts under both levels)"
	$(BIN)/warehouse query --target duckdb:///$(DEMO_DB) sql/reports/top_songs.sql sql/reports/plays_by_level.sql

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# A worker per core (pytest-xdist), each running whole test files (their module-scoped fixtures built once).
test: lint
	$(BIN)/pytest -n auto --dist loadfile

# The inner loop: spec, SQL and DuckDB tests (no PostgreSQL server, no Airflow, nothing slow).
test-fast: lint
	$(BIN)/pytest -n auto --dist loadfile -m "not airflow and not postgres and not slow" --ignore=tests/airflow

# Accept the current plans and DDL as the golden files (review the diff first).
golden: install
	UPDATE_GOLDEN=1 $(BIN)/pytest -q -p no:cacheprovider -k golden tests/test_sql.py tests/test_redshift.py tests/test_schema_changes.py
	$(BIN)/warehouse ddl --target redshift > create_tables.sql
	$(BIN)/warehouse schema > config/spec.schema.json

$(DEMO_DATA)/app.duckdb: | install
	$(BIN)/warehouse sample --out $(DEMO_DATA) --days 30 --events-per-day 2000 --seed 7

airflow: install $(DEMO_DATA)/app.duckdb
	@echo "Starting Airflow in $(airflow_home)/; its URL and login follow once it is up."
	@mkdir -p $(AIRFLOW_HOME_DIR)
	@$(AIRFLOW_ENV) $(BIN)/airflow db migrate > $(AIRFLOW_HOME_DIR)/db-migrate.log
	@$(AIRFLOW_ENV) $(BIN)/airflow pools set duckdb 1 "A DuckDB file accepts one writer at a time" > /dev/null
ifneq ($(BACKFILL),)
	@$(AIRFLOW_ENV) $(BIN)/airflow dags reserialize > $(AIRFLOW_HOME_DIR)/reserialize.log
	-@$(AIRFLOW_ENV) $(BIN)/airflow backfill create --dag-id sparkify \
		--from-date $(firstword $(subst :, ,$(BACKFILL))) --to-date $(lastword $(subst :, ,$(BACKFILL))) \
		2>&1 | tail -n 1
endif
	@( until $(BIN)/python -c "import urllib.request as u; u.urlopen('http://localhost:$(AIRFLOW_PORT)/api/v2/monitor/health')" \
		2>/dev/null; do sleep 2; done; sleep 3; \
	  $(if $(BACKFILL),until $(AIRFLOW_ENV) $(BIN)/airflow dags unpause sparkify > /dev/null 2>&1; do sleep 2; done;) \
	  echo; echo "Airflow is up: http://localhost:$(AIRFLOW_PORT)  login: admin / $$($(BIN)/python -c \
		"import json; print(json.load(open('$(AIRFLOW_HOME_DIR)/simple_auth_manager_passwords.json.generated'))['admin'])")"; \
	  echo "DAG sparkify loads $(DEMO_DATA) into $(airflow_home)/warehouse.duckdb: see README.md, Airflow."; \
	  echo "Ctrl-C stops Airflow."; \
	  echo ) &
	@$(AIRFLOW_ENV) $(BIN)/airflow standalone

bench: install
	$(BIN)/python -m bench.history
	$(BIN)/python -m bench.compare
	$(BIN)/python -m bench.duckdb_load
	$(BIN)/python -m bench.postgres
	$(BIN)/python -m bench.dag_parse
	$(BIN)/python -m bench.airflow_backfill

clean:
	rm -rf $(VENV) data $(DEMO_DB) $(airflow_home)
