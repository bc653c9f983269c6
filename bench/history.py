"""Type 2 history's cost: the Sparkify spec (users scd2 on level, songplays looking up the version valid at play
time) against the same spec with users as scd1 (one row per user, no lookup), loading the same generated data
into DuckDB.

    python -m bench.history [--events 1000000] [--days 30] [--repeat 3] [--work DIR]

For each schedule, runs the two variants one after the other, `--repeat` times, each into a new database file, and
prints a Markdown table row per schedule: the median ratio of the whole runs (scd2 over scd1), every ratio, and the
median seconds of each side, whole runs and the users and songplays loads alone.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from warehouse.compile import compile_spec
from warehouse.runner import run
from warehouse.sample import write_app_db, write_sample
from warehouse.spec import Spec, load_spec
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
    parser.add_argument("--repeat", type=int, default=3)
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
        print("| schedule | scd2 / scd1, median | each run | scd2 (s) | scd1 (s) | users + songplays loads (s) |")
        print("|---|---:|---|---:|---:|---:|")
        runs = iter(range(1_000_000))

        def timed(spec: Spec) -> tuple[float, float]:
            """A whole run into a new database file, and its users and songplays loads alone."""
            with DuckDBTarget(str(work / f"run-{next(runs)}.duckdb")) as target:
                began = time.perf_counter()
                results = run(compile_spec(spec), start, finish, target, options)
                seconds = time.perf_counter() - began
            return seconds, sum(r.seconds for r in results if r.step.name in ("load_users", "load_songplays"))

        for schedule in ("@monthly", "@daily"):
            scd2, scd1 = (variants[name].model_copy(update={"schedule": schedule}) for name in ("scd2", "scd1"))
            pairs = [(timed(scd2), timed(scd1)) for _ in range(args.repeat)]
            ratios = [new[0] / old[0] for new, old in pairs]
            median = [statistics.median(side) for side in zip(*(new + old for new, old in pairs), strict=True)]
            print(
                f"| {schedule} | {statistics.median(ratios):.2f} | {', '.join(f'{r:.2f}' for r in ratios)} | "
                f"{median[0]:.2f} | {median[2]:.2f} | {median[1]:.2f} / {median[3]:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
