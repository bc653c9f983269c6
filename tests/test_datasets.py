"""Datasets named by the OpenLineage naming scheme, for each engine and source kind, and a load's column lineage
(what the operators report to OpenLineage, tested end to end in tests/airflow/test_openlineage.py)."""

from __future__ import annotations

import socket
from pathlib import Path

from helpers import SPEC

from warehouse import datasets
from warehouse.compile import load_project
from warehouse.results import CheckResult

REDSHIFT = "redshift://loader:secret@analytics.abc123.us-west-2.redshift.amazonaws.com:5439/dev?iam_role=default"
APP_DB = "postgresql://reader:secret@app-db.example.com/app"


def test_tables_are_named_by_the_naming_scheme_on_every_engine(tmp_path: Path) -> None:
    assert datasets.table(REDSHIFT, None, "songplays") == datasets.Dataset(
        "redshift://analytics.us-west-2:5439", "dev.public.songplays"
    )
    serverless = "redshift://u:p@etl.123456789012.eu-west-1.redshift-serverless.amazonaws.com/dev"
    assert datasets.table(serverless, "dw", "users").namespace == "redshift://etl.eu-west-1:5439"
    assert datasets.table(APP_DB.replace("/app", ":6432/analytics"), "dw", "users") == datasets.Dataset(
        "postgres://app-db.example.com:6432", "analytics.dw.users"
    )
    file = tmp_path / "warehouse.duckdb"
    found = datasets.table(f"duckdb:///{file}", None, "songs")
    assert found == datasets.Dataset(f"duckdb://{socket.gethostname()}{file.resolve()}", "warehouse.main.songs")
    assert found.asset_uri == f"{found.namespace}/warehouse/main/songs"
    assert "secret" not in str(datasets.table(REDSHIFT, None, "t")) + str(datasets.table(APP_DB, None, "t"))


def test_sources_are_their_location_prefix_or_their_database_table() -> None:
    project = load_project(SPEC)
    s3 = datasets.source(project, "events", {"data_root": "s3://udacity-dend"}, lambda _: APP_DB)
    assert s3 == datasets.Dataset("s3://udacity-dend", "log_data")
    local = datasets.source(project, "songs", {"data_root": "/data/raw"}, lambda _: APP_DB)
    assert local == datasets.Dataset("file", "/data/raw/song_data")
    accounts = datasets.source(project, "accounts", {}, lambda connection: {"app_db": APP_DB}[connection])
    assert accounts == datasets.Dataset("postgres://app-db.example.com:5432", "app.public.accounts")


def test_a_load_reads_its_sources_and_tables_column_by_column() -> None:
    project = load_project(SPEC)
    load = datasets.load(project, "songplays", REDSHIFT, {"data_root": "s3://udacity-dend"}, lambda _: APP_DB)
    songs, events = datasets.table(REDSHIFT, None, "songs"), datasets.Dataset("s3://udacity-dend", "log_data")
    assert load.output == datasets.table(REDSHIFT, None, "songplays")
    assert load.columns["song_id"] == [(songs, "song_id")]
    assert load.columns["start_time"] == [(events, "ts")]
    assert set(load.inputs) == {d for fields in load.columns.values() for d, _ in fields} == {songs, events}


def test_checks_are_assertions_that_fail_with_their_rows_and_name_their_column() -> None:
    project = load_project(SPEC)
    results = [
        CheckResult("songplays", "references(song_id → songs)", "error", failures=0),
        CheckResult("songplays", "unique(songplay_id)", "error", failures=2),
        CheckResult("songplays", "row_count(min=1)", "warn", failures=1),
        CheckResult("songplays", "freshness(start_time within 1d)", "warn", failures=0, skipped="no staged rows"),
    ]
    assert datasets.assertions(project, "songplays", results) == [
        datasets.Assertion("references(song_id → songs)", True, "error", "song_id"),
        datasets.Assertion("unique(songplay_id)", False, "error", "songplay_id"),
        datasets.Assertion("row_count(min=1)", False, "warn", None),
    ]
