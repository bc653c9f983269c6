"""The RDS source: the app's PostgreSQL (the real server here) extracted by interval to files, then loaded."""

from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from helpers import SPEC

from warehouse.compile import compile_spec
from warehouse.interval import Interval
from warehouse.runner import run
from warehouse.sources import database
from warehouse.sources.objects import LocalStore
from warehouse.spec import load_spec
from warehouse.steps import Options
from warehouse.targets import open_source
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
    parts, rows = database.extract(source, open_source(app), interval, LocalStore(), prefix)
    assert (rows, [Path(p.url).name for p in parts]) == (
        5,
        ["part-0000.json.gz", "part-0001.json.gz", "part-0002.json.gz"],
    )
    with psycopg.connect(app, autocommit=True) as connection:
        connection.execute("UPDATE public.accounts SET updated_at = updated_at + interval '1 day' WHERE account_id > 2")
    parts, rows = database.extract(source, open_source(app), interval, LocalStore(), prefix)
    assert rows == 2
    assert sorted(p.name for p in Path(prefix).iterdir()) == ["part-0000.json.gz"]


def _sql(text: str):
    import sqlglot

    return sqlglot.parse_one(text)
