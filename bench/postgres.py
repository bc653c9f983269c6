"""PostgreSQL: the end-to-end load beside the server's raw COPY of the same rows, and the RDS extract.

    python -m bench.postgres [--server postgresql://postgres@127.0.0.1:5432] [--events 1000000]

Prints Markdown tables. Uses throwaway databases on the server.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import tracemalloc
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import psycopg

from warehouse.compile import compile_spec
from warehouse.interval import Interval
from warehouse.runner import run
from warehouse.sample import write_app_db, write_sample
from warehouse.sources import database, jsonlines
from warehouse.sources.objects import LocalStore
from warehouse.spec import load_spec
from warehouse.sql.ddl import create_schema, create_table
from warehouse.sql.names import table
from warehouse.steps import Options
from warehouse.targets import open_source
from warehouse.targets.postgres import Postgres, PostgresTarget, copy_from_stdin, csv_export

SPEC = Path(__file__).resolve().parent.parent / "config" / "sparkify.yaml"


@contextmanager
def scratch_database(server: str):
    name = f"warehouse_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load(server: str, events: int, days: int) -> None:
    spec = load_spec(SPEC)
    with tempfile.TemporaryDirectory() as work:
        data = Path(work) / "data"
        facts = write_sample(data, days=days, events_per_day=events // (days - 1), songs=1000, seed=1)
        write_app_db(data / "app.duckdb", facts, seed=1)
        total = facts["events"]
        logs = sorted(str(p) for p in (data / "log_data").rglob("*.json"))
        source = spec.sources["events"]
        csv = Path(work) / "events.csv"
        keys, _ = jsonlines.json_keys(
            source, {"userId", "firstName", "lastName", "itemInSession", "sessionId", "userAgent"}
        )
        duckdb.sql(csv_export(jsonlines.rows(source, logs, keys), str(csv)).sql("duckdb"))
        print(f"{total:,} events in {len(logs)} files\n\n| measurement | seconds | events/s | share of raw COPY |")
        print("|---|---:|---:|---:|")
        with scratch_database(server) as url, psycopg.connect(url) as connection:
            connection.execute(create_schema("staging").sql("postgres"))
            connection.execute(create_table("events", source.columns, Postgres(), schema="staging").sql("postgres"))
            began = time.perf_counter()
            statement = copy_from_stdin(table("events", "staging"), list(source.columns)).sql("postgres")
            with connection.cursor() as cursor, csv.open("rb") as rows, cursor.copy(statement) as copy:
                while chunk := rows.read(1 << 20):
                    copy.write(chunk)
            connection.commit()
            ceiling = time.perf_counter() - began
        _row("server's raw COPY of the staged rows (CSV, no parsing of JSON)", total, ceiling, ceiling)
        start = datetime.fromisoformat(facts["start"])
        options = Options(variables={"data_root": str(data), "staging_root": f"{work}/staging"},
                          connect=lambda _: open_source(f"duckdb:///{data}/app.duckdb"))  # fmt: skip
        for label, variant in (("one monthly interval", spec.model_copy(update={"schedule": "@monthly"})),
                               (f"{days} daily intervals", spec)):  # fmt: skip
            with scratch_database(server) as url, PostgresTarget.from_url(url) as target:
                began = time.perf_counter()
                run(compile_spec(variant), start, start + timedelta(days=days), target, options)
                _row(f"`warehouse run`, {label}: stage, dimensions, facts, checks, ledger", total,
                     time.perf_counter() - began, ceiling)  # fmt: skip


def extract(server: str) -> None:
    source = load_spec(SPEC).sources["accounts"]
    interval = Interval(datetime(2018, 11, 1), datetime(2018, 11, 2))
    print("\n| RDS extract | rows | seconds | rows/s | peak Python heap | peak RSS growth |")
    print("|---|---:|---:|---:|---:|---:|")
    for rows in (100_000, 1_000_000, 3_000_000):
        with scratch_database(server) as url, tempfile.TemporaryDirectory() as work:
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(
                    "CREATE TABLE public.accounts AS SELECT n AS account_id, n AS user_id, 'premium' AS plan, "
                    "'US' AS country, timestamp '2018-10-01' AS created_at, "
                    f"timestamptz '2018-11-01 00:00:00+00' + (n % 86400) * interval '1 second' AS updated_at "
                    f"FROM generate_series(1, {rows}) n"
                )
            began = time.perf_counter()
            parts, extracted = database.extract(source, open_source(url), interval, LocalStore(), f"{work}/timed")
            seconds = time.perf_counter() - began
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            tracemalloc.start()  # a second pass: tracing slows Python several times over
            database.extract(source, open_source(url), interval, LocalStore(), f"{work}/traced")
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
            print(f"| {len(parts)} part(s) | {extracted:,} | {seconds:.2f} | {extracted / seconds:,.0f} | "
                  f"{peak / 2**20:.1f} MiB | {growth / 1024:.1f} MiB |", flush=True)  # fmt: skip


def _row(name: str, events: int, seconds: float, ceiling: float) -> None:
    print(f"| {name} | {seconds:.2f} | {events / seconds:,.0f} | {ceiling / seconds:.0%} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    load(args.server, args.events, args.days)
    extract(args.server)


if __name__ == "__main__":
    main()
