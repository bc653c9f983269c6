"""Type 2 history's cost: the Sparkify spec (users scd2 on level, songplays looking up the version valid at play
time) against the same spec with users as scd1 (one row per user, no lookup), loading the same generated data
into DuckDB.

    python -m bench.history [--events 1000000] [--days 30] [--work DIR]

Prints one Markdown table row per variant and schedule: the whole run, and the users and songplays loads alone.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from warehouse.compile import compile_spec
from warehouse.runner import run
from warehouse.sample import write_app_db, write_sample
from warehouse.spec import load_spec
from warehouse.steps import Options
from warehouse.targets import open_source
from warehouse.targets.duckdb import DuckDBTarget

ROOT = Path(__file__).resolve().parent.parent
SCD1 = [  # the Sparkify spec's history, undone: (pattern, replacement)
    (r"    (history|tracked|surrogate_key): .*\n", ""),
    (r"      user_key: \{type: bigint.*\n", ""),
    (r"      - references: \{columns: \[user_key\].*\n", ""),
    (r"    lookups:\n(      - dimension: users\n)(        .*\n)+", ""),
    (r"unique: \{columns: \[user_id, valid_from\]\}", "unique: {columns: [user_id]}"),
]


def scd1_spec(work: Path) -> Path:
    """A copy of the Sparkify spec whose users dimension keeps one row per user."""
    shutil.copytree(ROOT / "config", work / "config")
    shutil.copytree(ROOT / "sql", work / "sql")
    path = work / "config" / "sparkify.yaml"
    text = path.read_text()
    for pattern, new in SCD1:
        text, found = re.subn(pattern, new, text)
        assert found, pattern
    path.write_text(text)
    (work / "sql" / "reports" / "plays_by_level.sql").unlink()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--work", type=Path, help="where to write data (default: a temporary directory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = args.work or Path(scratch)
        data = work / "data"
        facts = write_sample(data, days=args.days, events_per_day=args.events // (args.days - 1), songs=1000, seed=1)
        write_app_db(data / "app.duckdb", facts, seed=1)
        start = datetime.fromisoformat(facts["start"])
        finish = start + timedelta(days=args.days)
        options = Options(
            variables={"data_root": str(data), "staging_root": str(work / "staging")},
            connect=lambda _: open_source(f"duckdb:///{data}/app.duckdb"),
        )
        variants = {"scd2": load_spec(ROOT / "config" / "sparkify.yaml"), "scd1": load_spec(scd1_spec(work))}
        print(f"{facts['events']:,} events, {facts['users']} users, {facts['level_changes']} level changes\n")
        print("| users | schedule | whole run (s) | users + songplays loads (s) |\n|---|---|---:|---:|")
        for schedule in ("@monthly", "@daily"):
            for name, spec in variants.items():
                variant = spec.model_copy(update={"schedule": schedule})
                with DuckDBTarget(str(work / f"{name}{schedule[1:]}.duckdb")) as target:
                    began = time.perf_counter()
                    results = run(compile_spec(variant), start, finish, target, options)
                    seconds = time.perf_counter() - began
                loads = sum(r.seconds for r in results if r.step.name in ("load_users", "load_songplays"))
                print(f"| {name} | {schedule} | {seconds:.2f} | {loads:.2f} |", flush=True)


if __name__ == "__main__":
    main()
