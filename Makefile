# Everything runs from .venv, created from nothing by `make install`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DATA := data/sample
DEMO_DB := warehouse.duckdb

.PHONY: install demo test lint format airflow bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==0.13.8
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt -e '.[airflow,dev]'
	touch $@

demo: install
	rm -f $(DEMO_DB)
	$(BIN)/warehouse sample --out $(DEMO_DATA) --days 30 --events-per-day 2000 --seed 7
	AIRFLOW_CONN_APP_DB=duckdb:///$(DEMO_DATA)/app.duckdb $(BIN)/warehouse run --spec config/sparkify.yaml \
		--start 2018-11-01 --end 2018-12-01 --target duckdb:///$(DEMO_DB) \
		--var data_root=$(DEMO_DATA) --var staging_root=data/staging
	$(BIN)/warehouse query --target duckdb:///$(DEMO_DB) sql/reports/top_songs.sql sql/reports/plays_by_level.sql

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python -m bench.duckdb_load

clean:
	rm -rf $(VENV) data $(DEMO_DB) airflow_home
