"""The RDS source: the app's PostgreSQL (the real server here) extracted to files, then loaded: in full the first
time (every row changed before the interval's end), then by interval."""

import uuid
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from helpers import SPEC, edit, project_copy

from warehouse.compile import compile_spec
from warehouse.interval import Interval
from warehouse.plan import plan
from warehouse.runner import StepRunner, run
from warehouse.sources import database
from warehouse.sources.objects import LocalStore
from warehouse.spec import Spec, load_spec
from warehouse.steps import Options
from warehouse.targets import open_source, open_target
from warehouse.targets.duckdb import DuckDBTarget

TABLES = ["accounts"]


@pytest.fixture
def app(pg_database: str) -> str:
    """The app's database, with accounts whose updated_at is a timestamptz (as apps often have)."""
    with psycopg.connect(pg_database, autocommit=True) as connection:
        connection.execute(
            "CREATE TABLE public.accounts (account_id int PRIMARY KEY, user_id int, plan text, country char(2), "
            "created_at timestamp, updated_at timestamptz)"
        )
    return pg_database


def upsert(app: str, *rows: tuple) -> None:
    with psycopg.connect(app, autocommit=True) as connection, connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO public.accounts VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (account_id) DO UPDATE "
            "SET plan = EXCLUDED.plan, updated_at = EXCLUDED.updated_at",
            rows,
        )


def day(d: int, hour: int = 12) -> str:
    return f"2018-11-{d:02d} {hour:02d}:00:00+00"


def load_days(app: str, warehouse: Path, staging: Path, *days: int) -> list:
    spec = load_spec(SPEC)
    options = Options(variables={"staging_root": str(staging)}, tables=TABLES, connect=lambda _: open_source(app))
    results = []
    with DuckDBTarget(str(warehouse)) as target:
        for d in days:
            results += run(compile_spec(spec), datetime(2018, 11, d), datetime(2018, 11, d + 1), target, options)
    return results


def accounts(warehouse: Path) -> dict[int, tuple]:
    with DuckDBTarget(str(warehouse)) as target:
        _, rows = target.fetch(_sql("SELECT account_id, plan, updated_at FROM accounts"))
    return {row[0]: row[1:] for row in rows}


def test_inserted_updated_and_late_updated_rows(app: str, tmp_path: Path) -> None:
    warehouse, staging = tmp_path / "w.duckdb", tmp_path / "staging"
    upsert(app, (1, 10, "basic", "US", "2018-10-01", day(1)), (2, 20, "basic", "GB", "2018-10-02", day(1, 5)))
    upsert(app, (3, 30, "family", "DE", "2018-10-03", day(1, 23)))
    load_days(app, warehouse, staging, 1)
    assert {k: v[0] for k, v in accounts(warehouse).items()} == {1: "basic", 2: "basic", 3: "family"}

    upsert(app, (2, 20, "premium", "GB", "2018-10-02", day(2)), (4, 40, "basic", "FR", "2018-11-02", day(2, 1)))
    results = load_days(app, warehouse, staging, 2)
    (extract,) = [r for r in results if r.step.name == "stage_accounts"]
    assert extract.counts["extracted"] == 2
    assert {k: v[0] for k, v in accounts(warehouse).items()} == {1: "basic", 2: "premium", 3: "family", 4: "basic"}

    # A late update: committed now, but stamped inside the first interval, which was already loaded.
    upsert(app, (3, 30, "premium", "DE", "2018-10-03", day(1, 23)))
    load_days(app, warehouse, staging, 1)
    loaded = accounts(warehouse)
    assert loaded[3] == ("premium", datetime(2018, 11, 1, 23))
    assert loaded[2] == ("premium", datetime(2018, 11, 2, 12))  # not taken back by rerunning day 1


def test_loading_intervals_out_of_order_gives_the_same_accounts(app: str, tmp_path: Path) -> None:
    upsert(app, (1, 10, "basic", "US", "2018-10-01", day(1)), (2, 20, "family", "GB", "2018-10-02", day(3)))
    upsert(app, (3, 30, "basic", "DE", "2018-10-03", day(2)))
    load_days(app, tmp_path / "in_order.duckdb", tmp_path / "s1", 1, 2, 3)
    load_days(app, tmp_path / "reversed.duckdb", tmp_path / "s2", 3, 2, 1)
    assert accounts(tmp_path / "in_order.duckdb") == accounts(tmp_path / "reversed.duckdb")
    assert len(accounts(tmp_path / "in_order.duckdb")) == 3


def test_a_rerun_replaces_the_interval_extract(app: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database, "ROWS_PER_PART", 2)
    upsert(app, *[(n, n, "basic", "US", "2018-10-01", day(1, n)) for n in range(1, 6)])
    source = load_spec(SPEC).sources["accounts"]
    prefix = str(tmp_path / "extract")
    interval = Interval(datetime(2018, 11, 1), datetime(2018, 11, 2))
    parts, rows = database.extract(source, open_source(app), interval, LocalStore(), prefix, "changes")
    assert (rows, [Path(p.url).name for p in parts]) == (
        5,
        ["part-0000.json.gz", "part-0001.json.gz", "part-0002.json.gz"],
    )
    with psycopg.connect(app, autocommit=True) as connection:
        connection.execute("UPDATE public.accounts SET updated_at = updated_at + interval '1 day' WHERE account_id > 2")
    parts, rows = database.extract(source, open_source(app), interval, LocalStore(), prefix, "changes")
    assert rows == 2
    assert sorted(p.name for p in Path(prefix).iterdir()) == ["part-0000.json.gz"]


def _sql(text: str):
    import sqlglot

    return sqlglot.parse_one(text)


# --- the first load in full, then changes ------------------------------------------------------------------------


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path):
    """The warehouse's URL: a DuckDB file, or a database of its own on the PostgreSQL server."""
    if request.param == "duckdb":
        yield f"duckdb:///{tmp_path / 'w.duckdb'}"
        return
    server = request.getfixturevalue("pg_server")
    name = f"warehouse_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_into(url: str, app: str, staging: Path, *days: int, spec: Spec | None = None, **options) -> list:
    spec = spec or load_spec(SPEC)
    opts = Options(
        variables={"staging_root": str(staging)}, tables=TABLES, connect=lambda _: open_source(app), **options
    )
    results = []
    with open_target(url) as target:
        for d in days:
            results += run(compile_spec(spec), datetime(2018, 11, d), datetime(2018, 11, d + 1), target, opts)
    return results


def in_warehouse(url: str, sql: str) -> list[tuple]:
    with open_target(url) as target:
        return target.fetch(_sql(sql))[1]


def extracts(results: list) -> list[tuple[int, int]]:
    """(day, rows extracted) of each stage step of the accounts."""
    return [(r.interval.start.day, r.counts["extracted"]) for r in results if r.step.name == "stage_accounts"]


def kinds(url: str) -> list[tuple[int, str]]:
    """What the ledger says of each extract: (day, kind), in the order they ran."""
    rows = in_warehouse(
        url,
        "SELECT interval_start, extract_kind FROM ledger.steps WHERE step = 'stage_accounts' AND status = 'success' "
        "ORDER BY started_at",
    )
    return [(start.day, kind) for start, kind in rows]


def test_the_first_load_takes_every_row_changed_before_the_end_of_its_interval(
    app: str, warehouse: str, tmp_path: Path
) -> None:
    upsert(
        app,
        (1, 10, "basic", "US", "2017-06-01", "2017-06-01 08:00:00+00"),  # last changed long before the start date
        (2, 20, "family", "GB", "2018-09-30", "2018-10-31 23:59:59+00"),
        (3, 30, "basic", "DE", "2018-10-03", day(1, 5)),
        (4, 40, "premium", "FR", "2018-11-02", day(2, 1)),  # after the first interval: not in its extract
    )
    staging = tmp_path / "staging"
    first = load_into(warehouse, app, staging, 1)
    assert extracts(first) == [(1, 3)]
    assert sorted(r[0] for r in in_warehouse(warehouse, "SELECT account_id FROM accounts")) == [1, 2, 3]

    upsert(app, (1, 10, "premium", "US", "2017-06-01", day(2, 9)))
    later = load_into(warehouse, app, staging, 2, 3)
    assert extracts(later) == [(2, 2), (3, 0)]  # only each interval's changes
    plans = dict(in_warehouse(warehouse, "SELECT account_id, plan FROM accounts"))
    assert plans == {1: "premium", 2: "family", 3: "basic", 4: "premium"}
    assert kinds(warehouse) == [(1, "full"), (2, "changes"), (3, "changes")]

    refreshed = load_into(warehouse, app, staging, 3, full_refresh=True)
    assert extracts(refreshed) == [(3, 4)]
    assert kinds(warehouse)[-1] == (3, "full")


def test_a_source_with_initial_load_none_extracts_its_intervals_only(app: str, tmp_path: Path) -> None:
    spec_file = project_copy(tmp_path)
    edit(
        spec_file,
        "    incremental_column: updated_at\n",
        "    incremental_column: updated_at\n    initial_load: none\n",
    )
    upsert(
        app,
        (1, 10, "basic", "US", "2017-06-01", "2017-06-01 08:00:00+00"),
        (3, 30, "basic", "DE", "2018-10-03", day(1)),
    )
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    results = load_into(url, app, tmp_path / "staging", 1, spec=load_spec(spec_file))
    assert extracts(results) == [(1, 1)]
    assert in_warehouse(url, "SELECT account_id FROM accounts") == [(3,)]
    assert kinds(url) == [(1, "changes")]


def test_an_extract_never_loaded_leaves_the_next_one_full(app: str, tmp_path: Path) -> None:
    upsert(
        app,
        (1, 10, "basic", "US", "2017-06-01", "2017-06-01 08:00:00+00"),
        (2, 20, "basic", "DE", "2018-10-03", day(2)),
    )
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    project = compile_spec(load_spec(SPEC))
    options = Options(
        variables={"staging_root": str(tmp_path / "staging")}, tables=TABLES, connect=lambda _: open_source(app)
    )
    with open_target(url) as target:  # a run stopped after staging: its rows never reached the accounts
        runner = StepRunner(project, Interval(datetime(2018, 11, 1), datetime(2018, 11, 2)), target, options)
        for step in plan(project, TABLES)[:2]:
            runner.run_step(step)
    assert extracts(load_into(url, app, tmp_path / "staging", 2)) == [(2, 2)]
    assert kinds(url) == [(1, "full"), (2, "full")]
    assert sorted(in_warehouse(url, "SELECT account_id FROM accounts")) == [(1,), (2,)]


def test_a_ledger_made_before_extract_kinds_existed_gains_the_column(app: str, warehouse: str, tmp_path: Path) -> None:
    upsert(
        app,
        (1, 10, "basic", "US", "2017-06-01", "2017-06-01 08:00:00+00"),
        (2, 20, "basic", "DE", "2018-10-03", day(2)),
    )
    load_into(warehouse, app, tmp_path / "staging", 1)
    with open_target(warehouse) as target, target.transaction():  # the ledger as the previous version made it
        target.execute(_sql("ALTER TABLE ledger.steps DROP COLUMN extract_kind"))
    load_into(warehouse, app, tmp_path / "staging", 2)
    assert kinds(warehouse) == [(1, None), (2, "changes")]  # the first load is in the ledger: day 2 is a change


def test_a_full_extract_is_streamed_in_parts(app: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database, "ROWS_PER_PART", 2)
    upsert(app, *[(n, n, "basic", "US", "2018-10-01", f"2018-10-{n:02d} 12:00:00+00") for n in range(1, 6)])
    source = load_spec(SPEC).sources["accounts"]
    interval = Interval(datetime(2018, 11, 1), datetime(2018, 11, 2))
    parts, rows = database.extract(source, open_source(app), interval, LocalStore(), str(tmp_path / "extract"), "full")
    assert (rows, len(parts)) == (5, 3)
    assert (
        database.extract(source, open_source(app), interval, LocalStore(), str(tmp_path / "changes"), "changes")[1] == 0
    )
