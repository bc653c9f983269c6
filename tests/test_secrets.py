"""No password, secret key or session token appears in what a run writes: its output and logs, its error
messages, the ledger, or the files it stages."""

import gzip
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from helpers import SPEC, edit, project_copy

from warehouse.cli import main
from warehouse.secrets import mask

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
    for target in (url, "warehouse_test", f"{pg_database}?password={PASSWORD}"):
        done = subprocess.run(
            [sys.executable, "-m", "warehouse.cli", "run", "-v", "--spec", str(SPEC), "--start", "2018-11-01",
             "--end", "2018-11-03", "--target", target, "--var", f"data_root={broken}",
             "--var", f"staging_root={tmp_path / 'staging'}"],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 1, done.stderr[-2000:]
        assert "2018-11-02-events.json, line" in done.stderr  # the failure is explained...
        assert "postgres:***@" in done.stdout or "password=***" in done.stdout  # ...and the target named, masked
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


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"postgresql://loader:{PASSWORD}@db:5432/dw", "postgresql://loader:***@db:5432/dw"),
        (f"postgresql://loader@db/dw?sslmode=require&password={PASSWORD}", "postgresql://loader@db/dw?sslmode=require&password=***"),
        (f"redshift://h/dev?iam_role=default&aws_secret_access_key={AWS_SECRET}&token={AWS_TOKEN}",
         "redshift://h/dev?iam_role=default&aws_secret_access_key=***&token=***"),
        (f"https://hooks.example.com/x?client_secret={AWS_SECRET}#top", "https://hooks.example.com/x?client_secret=***#top"),
        (f"host=db user=loader password={PASSWORD} dbname=dw", "host=db user=loader password=*** dbname=dw"),
        (f"CREDENTIALS 'aws_access_key_id=AKIA;aws_secret_access_key={AWS_SECRET};token={AWS_TOKEN}'",
         "CREDENTIALS 'aws_access_key_id=AKIA;aws_secret_access_key=***;token=***'"),
        (f"PWD='{PASSWORD}'", "PWD='***'"),
    ],
)  # fmt: skip
def test_mask_hides_each_form_of_credential(text: str, masked: str) -> None:
    assert mask(text) == masked


@pytest.mark.parametrize(
    "text",
    ["duckdb:///warehouse.duckdb", "duckdb:////abs/warehouse.duckdb", "s3://udacity-dend/log_data/2018/11",
     "postgresql://db:5432/dw (mail oncall@example.com)", "songplays: not_null(user_id) failed"],
)  # fmt: skip
def test_mask_leaves_text_without_credentials_alone(text: str) -> None:
    assert mask(text) == text


def test_help_and_errors_mask_the_default_target(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("WAREHOUSE_TARGET", f"postgresql://loader:{PASSWORD}@db/dw?password={PASSWORD}")
    monkeypatch.setenv("WAREHOUSE_SPARKIFY_TARGET", f"mysql://loader:{PASSWORD}@db/dw?token={AWS_TOKEN}")
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    with pytest.raises(SystemExit):
        main(["run", "--spec", str(SPEC), "--start", f"postgresql://loader:{PASSWORD}@db/dw"])  # argparse refuses
    assert main(["status", "--spec", str(SPEC)]) == 2  # the default target's scheme is refused, by name
    out, err = capsys.readouterr()
    assert "--target" in out and "invalid parse_moment value: 'postgresql://loader:***@db/dw'" in err
    assert "unsupported target scheme 'mysql' in mysql://loader:***@db/dw?token=***" in err
    assert PASSWORD not in out + err and AWS_TOKEN not in out + err


def test_a_validation_message_masks_the_value_it_quotes(tmp_path: Path, capsys) -> None:
    spec = project_copy(tmp_path)
    line = edit(spec, 'schedule: "@daily"', f'schedule: "postgresql://u:{PASSWORD}@h/db?password={PASSWORD}"')
    assert main(["validate", str(spec)]) == 1
    err = capsys.readouterr().err
    assert f"sparkify.yaml:{line}:11: schedule: 'postgresql://u:***@h/db?password=***' is not one of" in err
    assert PASSWORD not in err


def test_status_masks_a_password_given_as_a_query_parameter(pg_database: str, capsys) -> None:
    url = f"{pg_database}?password={PASSWORD}"  # trust auth: accepted
    assert main(["status", "--spec", str(SPEC), "--target", url]) == 0
    out = capsys.readouterr().out
    assert f"sparkify in {pg_database}?password=***: " in out and PASSWORD not in out
