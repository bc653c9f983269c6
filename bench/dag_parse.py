"""Parse time of a spec's DAG file, above importing Airflow itself: the Sparkify spec and a generated spec of
200 tables, each parsed by Airflow's DagBag in a new process (as the DAG processor and every task do).

    python -m bench.dag_parse [--runs 3] [--tables 200]

Prints a Markdown table: the median over the runs, with the spec cache warm (every parse but the first after an
edit) and cold (the first parse after the spec or a SQL file changed: the SQL checks run with sqlglot).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json, sys, time
from pathlib import Path
begun = time.perf_counter()
from airflow.dag_processing.dagbag import BundleDagBag
folder, name = Path(sys.argv[1]), sys.argv[2]
BundleDagBag(dag_folder=folder / "noop.py", bundle_path=folder, bundle_name="bench")  # Airflow's own first-use costs
started = time.perf_counter()
bag = BundleDagBag(dag_folder=folder / f"{name}.py", bundle_path=folder, bundle_name="bench")
seconds = time.perf_counter() - started
assert not bag.import_errors, bag.import_errors
(dag,) = bag.dags.values()
print(json.dumps({"seconds": seconds, "airflow": started - begun, "tasks": len(dag.tasks),
                  "sqlglot": "sqlglot" in sys.modules}))
"""
NOOP = '"""A trivial Airflow DAG."""\nfrom airflow.sdk import DAG\n\ndag = DAG("noop", schedule=None)\n'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="parses per measurement (the median is shown)")
    parser.add_argument("--tables", type=int, default=200, help="tables of the generated spec")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dag-parse-") as scratch:
        work = Path(scratch)
        for folder in ("dags", "config", "sql"):
            shutil.copytree(ROOT / folder, work / folder, ignore=shutil.ignore_patterns("__pycache__"))
        (work / "dags" / "noop.py").write_text(NOOP)
        write_wide_spec(work, "wide", args.tables)
        env = os.environ | {
            "AIRFLOW_HOME": str(work / "airflow"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        }
        print("| DAG file | tables | tasks | parse, spec cache warm | parse, cache cold (after an edit) | aim |")
        print("|---|---:|---:|---:|---:|---|")
        airflow = []
        for name, tables, aim in (("sparkify", None, "< 100 ms"), ("wide", args.tables, "< 1 s")):
            warm, cold = [], []
            for _ in range(args.runs):
                cache = work / "cache"
                shutil.rmtree(cache, ignore_errors=True)
                cold.append(_parse(work / "dags", name, env | {"WAREHOUSE_CACHE_DIR": str(cache)}))
                warm.append(_parse(work / "dags", name, env | {"WAREHOUSE_CACHE_DIR": str(cache)}))
            assert not any(w["sqlglot"] for w in warm), "a parse with a warm cache imported sqlglot"
            airflow += warm + cold
            label = f"`{name}.py`" + (" (generated)" if tables else "")
            print(
                f"| {label} | {tables or _tables(work / 'config' / 'sparkify.yaml')} | {warm[0]['tasks']} "
                f"| {_ms(warm)} | {_ms(cold)} | {aim} |"
            )
        print(f"\nNot counted: importing Airflow and parsing a trivial DAG first, {_ms(airflow, 'airflow')}.")


def _parse(folder: Path, name: str, env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(folder), name], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.splitlines()[-1])


def _ms(measurements: list[dict], key: str = "seconds") -> str:
    return f"{statistics.median(m[key] for m in measurements) * 1000:,.0f} ms"


def _tables(spec: Path) -> int:
    from warehouse.spec import load_spec

    return len(load_spec(spec).tables)


def write_wide_spec(project: Path, name: str, tables: int, sources: int = 10) -> None:
    """config/<name>.yaml with `tables` tables (a tenth of them facts, each joining two dimensions) over
    `sources` JSON sources, their SQL files, and the spec's DAG file."""
    source_columns = {"id": "bigint", "code": "varchar(64)", "label": "varchar(256)", "amount": "double precision"}
    key = "{type: bigint, nullable: false}"
    lines = [f"name: {name}", 'schedule: "@daily"', "start_date: 2018-11-01", "vars: {data_root: /tmp/data}"]
    lines.append("sources:")
    for s in range(sources):
        lines += [
            f"  s{s}:",
            "    format: json",
            f'    location: "{{data_root}}/s{s}/{{day:%Y-%m-%d}}.json"',
            "    columns: {" + ", ".join(f"{c}: {t}" for c, t in {**source_columns, "ts": "timestamp"}.items()) + "}",
        ]
    facts = max(1, tables // 10)
    dimensions = tables - facts
    lines.append("dimensions:")
    for d in range(dimensions):
        select = f"SELECT s.id, s.code, s.label, s.amount FROM staging.s{d % sources} AS s WHERE s.id IS NOT NULL"
        lines += _table(project, name, f"d{d}", select, {**source_columns, "id": key}, ["id"])
    lines.append("facts:")
    for f in range(facts):
        first, second = f % dimensions, (f + 1) % dimensions
        select = (
            f"SELECT e.id, e.ts, a.code AS first_code, b.code AS second_code, e.amount FROM staging.s{f % sources} "
            f"AS e LEFT JOIN d{first} AS a ON a.id = e.id LEFT JOIN d{second} AS b ON b.id = e.id"
        )
        columns = {"id": key, "ts": "timestamp", "first_code": "varchar(64)", "second_code": "varchar(64)",
                   "amount": "double precision"}  # fmt: skip
        lines += [*_table(project, name, f"f{f}", select, columns, ["id"]), "    time_column: ts"]
    (project / "config" / f"{name}.yaml").write_text("\n".join(lines) + "\n")
    (project / "dags" / f"{name}.py").write_text(
        f'"""Airflow DAG `{name}`."""\n\nfrom warehouse_dags import spec_dag\n\ndag = spec_dag("{name}")\n'
    )


def _table(project: Path, spec: str, table: str, select: str, columns: dict[str, str], key: list[str]) -> list[str]:
    (project / "sql" / f"{spec}_{table}.sql").write_text(select + "\n")
    return [
        f"  {table}:",
        f"    select: ../sql/{spec}_{table}.sql",
        f"    key: [{', '.join(key)}]",
        "    columns: {" + ", ".join(f"{c}: {t}" for c, t in columns.items()) + "}",
        "    checks:",
        f"      - not_null: {{columns: [{', '.join(key)}]}}",
        f"      - unique: {{columns: [{', '.join(key)}]}}",
    ]


if __name__ == "__main__":
    main()
