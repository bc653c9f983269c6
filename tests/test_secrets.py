"""No password, secret key or session token appears in what a run writes: its output and logs, its error
messages, the ledger, or the files it stages."""

import gzip
import os
import subprocess
import sys
from pathlib import Path

import psycopg
from helpers import SPEC

PASSWORD = "Pg-pa55word-7f3e"
AWS_SECRET = "aws/Secret+Key-9d2c"
AWS_TOKEN = "session-token-41b8"


def test_a_run_writes_no_secret_anywhere(sample, pg_database: str, tmp_path: Path) -> None:
    data, _ = sample
    broken = tmp_path / "data"
    subprocess.run(["cp", "-r", str(data), str(broken)], check=True)
    log = broken / "log_data/2018/11/2018-11-02-events.json"
    log.write_text(log.read_text() + "this line is not JSON\n")  # so that the run also fails, with a message
    url = pg_database.replace("postgresql://postgres@", f"postgresql://postgres:{PASSWORD}@")  # trust auth: accepted
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "AKIASECRETTEST",
        "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
        "AWS_SESSION_TOKEN": AWS_TOKEN,
        "AIRFLOW_CONN_APP_DB": f"duckdb:///{broken}/app.duckdb",
        "AIRFLOW_CONN_WAREHOUSE_TEST": url,
    }
    written = []
    for target in (url, "warehouse_test"):
        done = subprocess.run(
            [sys.executable, "-m", "warehouse.cli", "run", "-v", "--spec", str(SPEC), "--start", "2018-11-01",
             "--end", "2018-11-03", "--target", target, "--var", f"data_root={broken}",
             "--var", f"staging_root={tmp_path / 'staging'}"],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 1, done.stderr[-2000:]
        assert "2018-11-02-events.json, line" in done.stderr  # the failure is explained...
        assert "postgres:***@" in done.stdout  # ...and the target named, masked
        written += [done.stdout, done.stderr]
    with psycopg.connect(pg_database) as connection:
        for table in ("steps", "checks", "rejects", "objects"):
            written += [repr(row) for row in connection.execute(f"SELECT * FROM ledger.{table}").fetchall()]
    staged = [p for p in (tmp_path / "staging").rglob("*") if p.is_file()]
    assert staged  # the accounts extracts
    written += [(gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()).decode() for p in staged]
    everything = "\n".join(written)
    assert "INSERT INTO" in everything and "stage_events" in everything  # the SQL log and the ledger are there
    for secret in (PASSWORD, AWS_SECRET, AWS_TOKEN):
        assert secret not in everything
