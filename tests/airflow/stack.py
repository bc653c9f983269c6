"""The local Airflow of these tests: its environment, a project copy to break, and what a run loaded."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def airflow_config(home: Path, dags: Path) -> dict[str, str]:
    """Airflow in `home`, with a SQLite metadata DB, parsing `dags` (and this repository's plugins)."""
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }


def warehouse_defaults(home: Path, sample: Path, warehouse: Path) -> dict[str, str]:
    """What the DAGs load by default: `sample` into the DuckDB file `warehouse` (as `make airflow` sets up)."""
    return {
        "WAREHOUSE_TARGET": "warehouse_duckdb",
        "AIRFLOW_CONN_WAREHOUSE_DUCKDB": f"duckdb:///{warehouse}",
        "AIRFLOW_CONN_APP_DB": f"duckdb:///{sample}/app.duckdb",
        "WAREHOUSE_VAR_DATA_ROOT": str(sample),
        "WAREHOUSE_VAR_STAGING_ROOT": str(home / "staging"),
    }


def copy_project(dest: Path) -> Path:
    """dags/, config/ and sql/ copied to `dest` (the plugins stay the repository's); returns `dest`."""
    for folder in ("dags", "config", "sql"):
        shutil.copytree(ROOT / folder, dest / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def add_broken_spec(project: Path) -> int:
    """config/broken.yaml: the Sparkify spec named `broken`, with an unknown schedule; and its DAG file.
    Returns the line of the mistake."""
    text = (project / "config" / "sparkify.yaml").read_text().replace("name: sparkify", "name: broken", 1)
    mistake = 'schedule: "@daily"'
    assert text.count(mistake) == 1, f"{mistake!r} is not once in config/sparkify.yaml"
    (project / "config" / "broken.yaml").write_text(text.replace(mistake, 'schedule: "@fortnightly"'))
    (project / "dags" / "broken.py").write_text(
        (project / "dags" / "sparkify.py").read_text().replace('"sparkify"', '"broken"')
    )
    return text[: text.index(mistake)].count("\n") + 1


def loaded(warehouse: Path) -> dict[str, dict[str, int]]:
    """What the warehouse holds, by day: songplays, and (from the ledger) the events staged by finished runs."""
    import duckdb

    queries = {
        "plays": "SELECT CAST(start_time AS DATE), COUNT(*) FROM songplays GROUP BY 1",
        "staged_events": "SELECT CAST(s.interval_start AS DATE), MAX(s.staged) FROM ledger.steps AS s "
        "WHERE s.step = 'stage_events' AND s.status = 'success' AND EXISTS (SELECT 1 FROM ledger.steps AS f "
        "WHERE f.step = 'finish' AND f.status = 'success' AND f.run_id = s.run_id) GROUP BY 1",
    }
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {
            name: {day.isoformat(): int(n) for day, n in connection.execute(sql).fetchall()}
            for name, sql in queries.items()
        }
