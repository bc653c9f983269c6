"""The project beside its anchors, in one sitting, alternating runs: the table of BENCHMARKS.md ("Beside its anchors").

    python -m bench.compare [--events 1000000] [--days 30] [--repeat 3] [--large-events 10000000]
                            [--server postgresql://postgres@127.0.0.1:5432] [--no-dlt] [--no-postgres]

Each row times the project and its anchor one after the other, `--repeat` times, and prints the median ratio
(and every ratio). The anchors load the same generated log files:
- DuckDB's own typed `read_json` of the files into a table of a new database file;
- dlt loading each day's file into DuckDB (a pipeline run per day), in its own virtualenv (`.venv-dlt`, created
  here from `bench/dlt-requirements.txt`: dlt is not a dependency of the project);
- the PostgreSQL server's COPY of the same rows as CSV from the client (what psql's `\\copy` sends), the CSV
  written beforehand.
The history rows load the days before (not timed), then run one day again and again, alternating: the last day
onto all the others (the "project" column) and day 2 onto day 1 (the "anchor" column); the ratio is the first over
the second. The process's peak resident memory is printed last.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import psycopg

from bench.postgres import scratch_database
from warehouse.compile import Project, compile_spec
from warehouse.runner import run
from warehouse.sample import write_app_db, write_sample
from warehouse.sources import jsonlines
from warehouse.spec import load_spec
from warehouse.sql.ddl import create_schema, create_table
from warehouse.sql.names import table
from warehouse.steps import Options
from warehouse.targets import open_source
from warehouse.targets.base import Target
from warehouse.targets.duckdb import DuckDB, DuckDBTarget
from warehouse.targets.postgres import Postgres, PostgresTarget, copy_from_stdin, csv_export

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "config" / "sparkify.yaml"
DLT_VENV = ROOT / ".venv-dlt"
DLT_LOAD = """
import json, sys, time
import dlt
database, files = sys.argv[1], sys.argv[2:]
pipeline = dlt.pipeline("bench", destination=dlt.destinations.duckdb(database), dataset_name="raw",
                        pipelines_dir=database + ".pipelines")
def pages(path):
    with open(path) as lines:
        page = []
        for line in lines:
            page.append(json.loads(line))
            if len(page) == 10_000:
                yield page
                page = []
        yield page
began = time.perf_counter()
for path in files:
    pipeline.run(dlt.resource(pages(path), name="events", write_disposition="append"))
print(time.perf_counter() - began)
"""


class Data:
    """Generated Sparkify data: its log files, the options a run needs, its interval."""

    def __init__(self, root: Path, events: int, days: int):
        self.root = root
        facts = write_sample(root, days=days, events_per_day=events // (days - 1), songs=1000, seed=1)
        write_app_db(root / "app.duckdb", facts, seed=1)
        self.events = facts["events"]
        self.logs = sorted(str(p) for p in (root / "log_data").rglob("*.json"))
        self.start = datetime.fromisoformat(facts["start"])
        self.end = self.start + timedelta(days=days)
        self.options = Options(
            variables={"data_root": str(root), "staging_root": str(root / "staging")},
            connect=lambda _: open_source(f"duckdb:///{root}/app.duckdb"),
        )


def timed(work: Callable[[], object]) -> float:
    began = time.perf_counter()
    work()
    return time.perf_counter() - began


def row(name: str, pairs: list[tuple[float, float]], ratio: Callable[[float, float], float], unit: str = "") -> None:
    """A table row: the median ratio, every ratio, and the median seconds of each side."""
    ratios = [ratio(mine, anchor) for mine, anchor in pairs]
    shown = ", ".join(f"{r:.2f}" for r in ratios)
    mine, anchor = (statistics.median(side) for side in zip(*pairs, strict=True))
    print(f"| {name} | {statistics.median(ratios):.2f}{unit} | {shown} | {mine:.2f} | {anchor:.2f} |", flush=True)


def faster(mine: float, anchor: float) -> float:
    """The anchor's time over the project's: above 1 when the project is faster."""
    return anchor / mine


def slower(mine: float, anchor: float) -> float:
    """The project's time over the anchor's (history rows: the later day over the earlier one)."""
    return mine / anchor


def alternate(project: Callable[[], float], anchor: Callable[[], float], repeat: int) -> list[tuple[float, float]]:
    """Run the project, then its anchor, `repeat` times: the seconds of each pair."""
    return [(project(), anchor()) for _ in range(repeat)]


def run_into(target_of: Callable[[], Target], project: Project, data: Data) -> float:
    with target_of() as target:
        return timed(lambda: run(project, data.start, data.end, target, data.options))


def duckdb_rows(data: Data, work: Path, repeat: int, dlt: bool) -> None:
    spec = load_spec(SPEC)
    daily, monthly = compile_spec(spec), compile_spec(spec.model_copy(update={"schedule": "@monthly"}))
    types = {k: DuckDB().column_type(c.datatype).sql("duckdb") for k, c in spec.sources["events"].columns.items()}
    typed = {
        "userId" if k == "userid" else k: ("VARCHAR" if k == "userid" else "BIGINT" if k == "ts" else t)
        for k, t in types.items()
    }
    count = iter(range(1_000_000))

    def fresh() -> str:
        return str(work / f"db-{next(count)}.duckdb")

    def raw() -> float:
        with duckdb.connect(fresh()) as connection:
            read = f"read_json({data.logs}, format='newline_delimited', columns={typed})"
            return timed(lambda: connection.execute(f"CREATE TABLE events AS SELECT * FROM {read}"))

    def project(compiled: Project) -> Callable[[], float]:
        return lambda: run_into(lambda: DuckDBTarget(fresh()), compiled, data)

    row("DuckDB, one monthly interval vs DuckDB's own `read_json` into a table",
        alternate(project(monthly), raw, repeat), faster)  # fmt: skip
    row("DuckDB, daily intervals vs the same raw read",
        alternate(project(daily), raw, repeat), faster)  # fmt: skip
    if dlt:
        loads = _dlt(data, fresh)
        row("vs dlt loading the same files into DuckDB (daily): times faster",
            alternate(project(daily), loads, repeat), faster, "x")  # fmt: skip


def _dlt(data: Data, fresh: Callable[[], str]) -> Callable[[], float]:
    if not (DLT_VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(DLT_VENV)], check=True)
        requirements = ROOT / "bench" / "dlt-requirements.txt"
        uv = Path(sys.executable).parent / "uv"
        subprocess.run([str(uv), "pip", "install", "--quiet", "--python", str(DLT_VENV / "bin" / "python"),
                        "-r", str(requirements)], check=True)  # fmt: skip

    def load() -> float:
        done = subprocess.run(
            [str(DLT_VENV / "bin" / "python"), "-c", DLT_LOAD, fresh(), *data.logs],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        return float(done.stdout.strip().splitlines()[-1])

    return load


def postgres_rows(data: Data, work: Path, server: str, repeat: int) -> None:
    spec = load_spec(SPEC)
    daily, monthly = compile_spec(spec), compile_spec(spec.model_copy(update={"schedule": "@monthly"}))
    source = spec.sources["events"]
    csv = work / "events.csv"
    found = {"userId", "firstName", "lastName", "itemInSession", "sessionId", "userAgent"}
    keys, _ = jsonlines.json_keys(source, found)
    duckdb.sql(csv_export(jsonlines.rows(source, data.logs, keys), str(csv)).sql("duckdb"))

    def raw() -> float:
        with scratch_database(server) as url, psycopg.connect(url) as connection:
            connection.execute(create_schema("staging").sql("postgres"))
            connection.execute(create_table("events", source.columns, Postgres(), schema="staging").sql("postgres"))
            statement = copy_from_stdin(table("events", "staging"), list(source.columns)).sql("postgres")

            def copy_in() -> None:
                with connection.cursor() as cursor, csv.open("rb") as rows, cursor.copy(statement) as copy:
                    while chunk := rows.read(1 << 20):
                        copy.write(chunk)
                connection.commit()

            return timed(copy_in)

    def project(compiled: Project) -> Callable[[], float]:
        def load() -> float:
            with scratch_database(server) as url:
                return run_into(lambda: PostgresTarget.from_url(url), compiled, data)

        return load

    row("PostgreSQL, one monthly interval vs the server's raw COPY of the same rows",
        alternate(project(monthly), raw, repeat), faster)  # fmt: skip
    row("PostgreSQL, daily intervals vs the same raw COPY",
        alternate(project(daily), raw, repeat), faster)  # fmt: skip


def load_history(project: Project, data: Data, early: Target, late: Target) -> tuple[datetime, datetime]:
    """Load day 1 into `early` and every day but the last into `late` (not timed); the days each reruns: the last
    day onto every day before it vs day 2 onto day 1, the same work with more history."""
    day, last = timedelta(days=1), data.end - timedelta(days=1)
    run(project, data.start, data.start + day, early, data.options)
    run(project, data.start, last, late, data.options)
    return last, data.start + day


def history_row(name: str, data: Data, target_of: Callable[[str], Target], repeat: int) -> None:
    """The last day onto every day before it vs day 2 onto day 1."""
    project, day = compile_spec(load_spec(SPEC)), timedelta(days=1)
    with target_of("early") as early, target_of("late") as late:
        late_day, early_day = load_history(project, data, early, late)

        def again(target: Target, start: datetime) -> Callable[[], float]:
            return lambda: timed(lambda: run(project, start, start + day, target, data.options))

        row(name, alternate(again(late, late_day), again(early, early_day), repeat), slower)


def history_rows(args: argparse.Namespace, data: Data, work: Path) -> None:
    history_row(f"DuckDB, day {args.days} onto the days before vs day 2 onto day 1, {data.events:,} events",
                data, lambda name: DuckDBTarget(str(work / f"history-{name}.duckdb")), args.repeat)  # fmt: skip
    if args.postgres:
        with scratch_database(args.server) as early, scratch_database(args.server) as late:
            urls = {"early": early, "late": late}
            history_row(f"PostgreSQL, the same at {data.events:,} events", data,
                        lambda name: PostgresTarget.from_url(urls[name]), args.repeat)  # fmt: skip
    if args.large_events:
        large = Data(work / "large", args.large_events, args.days)
        history_row(f"DuckDB, the same at {large.events:,} events", large,
                    lambda name: DuckDBTarget(str(work / f"large-{name}.duckdb")), args.repeat)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--large-events", type=int, default=10_000_000, help="the second DuckDB history row (0: none)")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--no-dlt", dest="dlt", action="store_false")
    parser.add_argument("--no-postgres", dest="postgres", action="store_false")
    parser.add_argument("--rows", default="duckdb,postgres,history", help="which rows (comma-separated)")
    args = parser.parse_args()
    rows = set(args.rows.split(","))
    with tempfile.TemporaryDirectory(prefix="warehouse-bench-") as scratch:
        work = Path(scratch)
        data = Data(work / "data", args.events, args.days)
        print(f"{data.events:,} events in {len(data.logs)} files, {args.repeat} run(s) of each side, alternating\n")
        print("| | median ratio | each run | project, s | anchor, s |\n|---|---:|---|---:|---:|")
        if "duckdb" in rows:
            duckdb_rows(data, work, args.repeat, args.dlt)
        if args.postgres and "postgres" in rows:
            postgres_rows(data, work, args.server, args.repeat)
        if "history" in rows:
            history_rows(args, data, work)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory of this process: {peak:,.0f} MiB", flush=True)


if __name__ == "__main__":
    main()
