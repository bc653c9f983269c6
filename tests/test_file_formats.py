"""CSV and Parquet sources, on DuckDB and the PostgreSQL server: the shop's order changes (tests/fixtures/orders),
written as CSV (with other delimiters, gzip-compressed, in UTF-16) or Parquet from the JSON fixture, load the same
rows as the JSON; a bad CSV record is named by file and line, and set aside with `on_bad_rows: reject`; Parquet's
columns fill the source's by position."""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
import sqlglot
from helpers import ROOT, edit
from plan_statements import in_order, planned
from test_spec import error_of

from warehouse.cli import main
from warehouse.compile import compile_spec
from warehouse.results import StepFailed, StepResult
from warehouse.runner import run
from warehouse.spec import load_spec
from warehouse.steps import Options
from warehouse.targets import open_target

ORDERS = ROOT / "tests" / "fixtures" / "orders" / "orders.yaml"
CHANGES = ORDERS.parent / "data" / "orders"
COLUMNS = ["order_id", "customer_id", "status", "amount", "ordered_at", "updated_at"]
TYPES = ["INTEGER", "INTEGER", "VARCHAR", "DECIMAL(10,2)", "TIMESTAMP", "TIMESTAMP"]
JSON_SOURCE = '    format: json\n    location: "{data_root}/orders/{day:%Y-%m-%d}.json"'


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'w.duckdb'}"
    return request.getfixturevalue("pg_database")


def changes() -> dict[str, list[dict]]:
    """The JSON fixture's records, by file stem (the day)."""
    return {f.stem: [json.loads(line) for line in f.read_text().splitlines()] for f in sorted(CHANGES.glob("*.json"))}


def write_csv(folder: Path, suffix: str = ".csv", delimiter: str = ",", encoding: str = "utf-8") -> None:
    """The fixture's days as CSV with a header: the same records, fields in the source's column order."""
    folder.mkdir(parents=True)
    for day, records in changes().items():
        text = io.StringIO()
        writer = csv.writer(text, delimiter=delimiter, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([record[c] for c in COLUMNS] for record in records)
        data = text.getvalue().encode(encoding)
        (folder / f"{day}{suffix}").write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)


def write_parquet(folder: Path, names: list[str] = COLUMNS) -> None:
    """The fixture's days as Parquet files, typed, with the columns named `names` (in the source's order)."""
    folder.mkdir(parents=True)
    with duckdb.connect() as connection:
        for day, records in changes().items():
            rows = ", ".join(
                "(" + ", ".join(f"CAST('{r[c]}' AS {t})" for c, t in zip(COLUMNS, TYPES, strict=True)) + ")"
                for r in records
            )
            names_sql = ", ".join(f'"{n}"' for n in names)
            connection.execute(f"COPY (SELECT * FROM (VALUES {rows}) AS v({names_sql})) TO '{folder / day}.parquet'")


def project(tmp: Path, source: str) -> Path:
    """A copy of the orders spec whose source is `source` (its format, location and options)."""
    shutil.copytree(ORDERS.parent / "sql", tmp / "sql")
    spec = tmp / "orders.yaml"
    shutil.copy(ORDERS, spec)
    edit(spec, JSON_SOURCE, source)
    return spec


def load_days(spec: Path, url: str, data: Path, days: tuple[int, ...] = (1, 2, 3, 4)) -> list[StepResult]:
    compiled = compile_spec(load_spec(spec))
    options = Options(variables={"data_root": str(data), "staging_root": str(data.parent / "staging")})
    results = []
    with open_target(url) as target:
        for d in days:
            results += run(compiled, datetime(2018, 11, d), datetime(2018, 11, d + 1), target, options)
    return results


def contents(url: str) -> dict[str, list[tuple]]:
    with open_target(url) as target:
        return {
            table: target.fetch(sqlglot.parse_one(f"SELECT * FROM {table} ORDER BY order_id"))[1]
            for table in ("orders", "order_status")
        }


def staged(results: list[StepResult]) -> list[int]:
    return [r.counts["staged"] for r in results if r.step.name == "stage_order_changes"]


@pytest.fixture(scope="module")
def from_json(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, list[tuple]], list[int]]:
    """The tables as the JSON fixture loads them (into DuckDB), and each day's staged count: loaded once."""
    url = f"duckdb:///{tmp_path_factory.mktemp('json') / 'json.duckdb'}"
    results = load_days(ORDERS, url, ORDERS.parent / "data")
    return contents(url), staged(results)


FORMATS = {  # source (format and options) → how its files are written
    "csv": ('    format: csv\n    location: "{data_root}/orders/{day:%Y-%m-%d}.csv"', write_csv),
    "csv-semicolon-gzip": (
        '    format: csv\n    delimiter: ";"\n    location: "{data_root}/orders/{day:%Y-%m-%d}.csv.gz"',
        lambda folder: write_csv(folder, ".csv.gz", delimiter=";"),
    ),
    "csv-utf16": (
        '    format: csv\n    encoding: utf16le\n    location: "{data_root}/orders/{day:%Y-%m-%d}.csv"',
        lambda folder: write_csv(folder, encoding="utf-16-le"),
    ),
    "parquet": ('    format: parquet\n    location: "{data_root}/orders/{day:%Y-%m-%d}.parquet"', write_parquet),
    "parquet-other-names": (  # columns fill the source's by position, whatever their names
        '    format: parquet\n    location: "{data_root}/orders/{day:%Y-%m-%d}.parquet"',
        lambda folder: write_parquet(folder, [f"c{i}" for i in range(len(COLUMNS))]),
    ),
}


@pytest.mark.parametrize("kind", list(FORMATS))
def test_csv_and_parquet_load_the_same_rows_as_the_json(warehouse: str, kind: str, tmp_path: Path, from_json) -> None:
    source, write = FORMATS[kind]
    write(tmp_path / "data" / "orders")
    results = load_days(project(tmp_path / "project", source), warehouse, tmp_path / "data")
    tables, counts = from_json
    assert staged(results) == counts
    assert contents(warehouse) == tables


BAD_CSV = '''order_id,customer_id,status,amount,ordered_at,updated_at
1,10,placed,19.99,2018-11-01 09:00:00,2018-11-01 09:00:00
x,10,paid,19.99,2018-11-01 09:00:00,2018-11-01 10:00:00
2,20,"placed, ""gift""",5.00,2018-11-01 12:00:00,2018-11-01 12:00:00

3,10,lost,42.50,2018-11-01 15:00:00
4,30,"placed
by phone",7.25,2018-11-01 16:00:00,2018-11-01 16:00:00
5,40,placed,1.00,not a time,2018-11-01 17:00:00
6,40,placed,2.00,2018-11-01 18:00:00,2018-11-01 18:00:00
'''
BAD_LINES = {  # line: the start of the reason
    3: "order_id: not a int: 'x'",
    6: "5 field(s) where the source has 6 column(s)",  # after a blank line, skipped
    9: "ordered_at: not a timestamp: 'not a time'",
}
CSV_SOURCE = '    format: csv\n    location: "{data_root}/orders/{day:%Y-%m-%d}.csv"'


@pytest.fixture
def bad_csv(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "orders"
    folder.mkdir(parents=True)
    (folder / "2018-11-01.csv").write_text(BAD_CSV)
    return folder / "2018-11-01.csv"


def test_a_bad_csv_record_fails_the_run_naming_file_and_line(warehouse: str, tmp_path: Path, bad_csv: Path) -> None:
    with pytest.raises(StepFailed) as caught:
        load_days(project(tmp_path / "project", CSV_SOURCE), warehouse, tmp_path / "data", (1,))
    message = caught.value.result.message
    for line, reason in BAD_LINES.items():
        assert f"{bad_csv}, line {line}: {reason}" in message, message
    assert "line 7" not in message and "line 4" not in message  # quoted delimiters, quotes and line breaks are fine


def test_bad_csv_records_are_set_aside_and_the_rest_loads(warehouse: str, tmp_path: Path, bad_csv: Path) -> None:
    spec = project(tmp_path / "project", CSV_SOURCE + "\n    on_bad_rows: reject")
    results = load_days(spec, warehouse, tmp_path / "data", (1,))
    (stage,) = [r for r in results if r.step.name == "stage_order_changes"]
    assert stage.counts["staged"] == 4 and stage.counts["rejected"] == 3  # 7 records in all
    with open_target(warehouse) as target:
        _, rows = target.fetch(sqlglot.parse_one("SELECT url, line, reason, raw FROM ledger.rejects ORDER BY line"))
        _, ids = target.fetch(sqlglot.parse_one("SELECT order_id, status FROM orders ORDER BY order_id"))
    assert [(url, line) for url, line, _, _ in rows] == [(str(bad_csv), line) for line in BAD_LINES]
    assert all(reason.startswith(BAD_LINES[line]) for _, line, reason, _ in rows)
    assert rows[1][3] == "3,10,lost,42.50,2018-11-01 15:00:00\n"
    assert ids == [(1, "placed"), (2, 'placed, "gift"'), (4, "placed\nby phone"), (6, "placed")]


def test_a_csv_null_string_loads_as_null_in_every_column(warehouse: str, tmp_path: Path) -> None:
    folder = tmp_path / "data" / "orders"
    folder.mkdir(parents=True)
    (folder / "2018-11-01.csv").write_text(
        "1|10|NA|NA|2018-11-01 09:00:00|2018-11-01 09:00:00\n2|20||5.00|2018-11-01 12:00:00|2018-11-01 12:00:00\n"
    )
    source = CSV_SOURCE + '\n    header: false\n    delimiter: "|"\n    null_as: NA'
    spec = project(tmp_path / "project", source)
    for after in ("amount", "updated_at"):  # both tables' status may be NULL
        required = f"status: {{type: varchar(16), nullable: false}}\n      {after}"
        edit(spec, required, f"status: varchar(16)\n      {after}")
    edit(spec, "not_null: {columns: [order_id, customer_id, status]}", "not_null: {columns: [order_id]}")
    load_days(spec, warehouse, tmp_path / "data", (1,))
    with open_target(warehouse) as target:
        _, rows = target.fetch(sqlglot.parse_one("SELECT order_id, status, amount FROM orders ORDER BY order_id"))
    assert [(r[0], r[1], None if r[2] is None else float(r[2])) for r in rows] == [(1, None, None), (2, "", 5.0)]


def test_a_parquet_file_with_another_number_of_columns_is_refused(tmp_path: Path) -> None:
    write_parquet(tmp_path / "data" / "orders")
    spec = project(tmp_path / "project", FORMATS["parquet"][0])
    edit(spec, "      updated_at: timestamp\n\nfacts:", "      updated_at: timestamp\n      note: date\n\nfacts:")
    with pytest.raises(StepFailed) as caught:
        load_days(spec, f"duckdb:///{tmp_path / 'w.duckdb'}", tmp_path / "data", (1,))
    message = caught.value.result.message
    assert "2018-11-01.parquet: 6 column(s) where the source has 7" in message
    assert "copy-usage_notes-copy-from-columnar.html" in message


def test_a_parquet_value_its_column_refuses_fails_the_run_naming_file_and_row(warehouse: str, tmp_path: Path) -> None:
    folder = tmp_path / "data" / "orders"
    write_parquet(folder)
    with duckdb.connect() as connection:  # the third row's status outgrows varchar(16)
        day = folder / "2018-11-01.parquet"
        connection.execute(
            f"COPY (SELECT * REPLACE (CASE WHEN order_id = 2 THEN 'placed, and paid for' ELSE status END AS status) "
            f"FROM read_parquet('{day}')) TO '{day}'"
        )
    with pytest.raises(StepFailed) as caught:
        load_days(project(tmp_path / "project", FORMATS["parquet"][0]), warehouse, tmp_path / "data", (1,))
    assert f"{day}, line 3: status: longer than its 16 bytes: 'placed, and paid for'" in caught.value.result.message


def test_a_csv_prefix_stages_the_objects_not_loaded_before(warehouse: str, tmp_path: Path, from_json) -> None:
    write_csv(tmp_path / "data" / "orders")
    spec = project(tmp_path / "project", '    format: csv\n    location: "{data_root}/orders/"')
    first = load_days(spec, warehouse, tmp_path / "data", (4,))  # every object is new
    again = load_days(spec, warehouse, tmp_path / "data", (5,))  # none is
    assert staged(first) == [sum(from_json[1])] and staged(again) == [0]
    assert contents(warehouse) == from_json[0]


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ('    delimiter: ";;"', "delimiter"),
        ('    quote: "\'"\n    delimiter: "\'"', "`delimiter` and `quote` must differ"),
        ("    encoding: latin1", "utf8"),
        ("    on_bad_rows: reject", "fail"),
    ],
)
def test_file_source_options_are_checked(tmp_path: Path, option: str, expected: str) -> None:
    source = FORMATS["parquet"][0] if "on_bad_rows" in option else CSV_SOURCE
    spec = project(tmp_path / "project", f"{source}\n{option}")
    assert expected in str(error_of(spec))


@pytest.mark.parametrize("kind", ["csv-utf16", "parquet"])
def test_the_plan_shows_the_query_a_run_reads_the_files_with(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture, caplog: pytest.LogCaptureFixture
) -> None:
    """UTF-16 CSV is read from UTF-8 copies and Parquet by each file's column names: the plan reads the files too,
    so that what it prints is what the run executes."""
    source, write = FORMATS[kind]
    write(tmp_path / "data" / "orders")
    spec = str(project(tmp_path / "project", source))
    day = ["--spec", spec, "--var", f"data_root={tmp_path / 'data'}", "--var", f"staging_root={tmp_path}/staging"]
    assert main(["plan", "--date", "2018-11-02", "--target", "duckdb", *day]) == 0
    plan = planned(capsys.readouterr().out)
    caplog.set_level(logging.INFO, logger="warehouse.sql")
    assert main(["run", "--start", "2018-11-02", "--target", f"duckdb:///{tmp_path / 'w.duckdb'}", "-v", *day]) == 0
    executed = [r.getMessage() for r in caplog.records if r.name == "warehouse.sql"]
    assert any("READ_CSV" in s.upper() or "READ_PARQUET" in s.upper() for s in executed)
    in_order(executed, plan)
