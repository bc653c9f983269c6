"""End-to-end DuckDB load of generated data, beside DuckDB's own scan of the same files (the ceiling).

    python -m bench.duckdb_load [--events 1000000] [--days 30] [--songs 1000] [--work DIR]

Prints one Markdown table row per measurement (events per second over every event in the log files).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from warehouse.compile import compile_spec
from warehouse.runner import run
from warehouse.sample import write_app_db, write_sample
from warehouse.spec import load_spec
from warehouse.steps import Options
from warehouse.targets import open_source
from warehouse.targets.duckdb import DuckDB, DuckDBTarget

SPEC = Path(__file__).resolve().parent.parent / "config" / "sparkify.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--songs", type=int, default=1000)
    parser.add_argument("--work", type=Path, help="where to write data (default: a temporary directory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = args.work or Path(scratch)
        data = work / "data"
        facts = write_sample(
            data, days=args.days, events_per_day=args.events // (args.days - 1), songs=args.songs, seed=1
        )
        events = facts["events"]
        logs = sorted(str(p) for p in (data / "log_data").rglob("*.json"))
        spec = load_spec(SPEC)
        print(f"{events:,} events in {len(logs)} files, {facts['song_files']:,} song files\n")
        print("| measurement | seconds | events/s |\n|---|---:|---:|")
        _row(
            "DuckDB scan: `SELECT count(*) FROM read_json(files)`",
            events,
            lambda: duckdb.sql(f"SELECT count(*) FROM read_json({logs}, format='newline_delimited')").fetchall(),
        )
        types = {k: DuckDB().column_type(c.datatype).sql("duckdb") for k, c in spec.sources["events"].columns.items()}
        typed = {
            "userId" if k == "userid" else k: ("VARCHAR" if k == "userid" else "BIGINT" if k == "ts" else t)
            for k, t in types.items()
        }
        _row(
            "DuckDB typed read into a table (declared columns)",
            events,
            lambda: duckdb.connect().execute(
                f"CREATE TABLE t AS SELECT * FROM read_json({logs}, format='newline_delimited', columns={typed})"
            ),
        )
        start = datetime.fromisoformat(facts["start"])
        finish = start + timedelta(days=args.days)
        write_app_db(data / "app.duckdb", facts, seed=1)
        options = Options(
            variables={"data_root": str(data), "staging_root": str(work / "staging")},
            connect=lambda _: open_source(f"duckdb:///{data}/app.duckdb"),
        )
        monthly = spec.model_copy(update={"schedule": "@monthly"})
        for label, variant in ((f"{args.days} daily intervals", spec), ("one monthly interval", monthly)):
            with DuckDBTarget(str(work / f"{variant.schedule[1:]}.duckdb")) as target:
                _row(
                    f"`warehouse run`, {label}: stage, dimensions, facts, checks, ledger",
                    events,
                    lambda variant=variant, target=target: run(compile_spec(variant), start, finish, target, options),
                )


def _row(name: str, events: int, work) -> None:
    began = time.perf_counter()
    work()
    seconds = time.perf_counter() - began
    print(f"| {name} | {seconds:.2f} | {events / seconds:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
