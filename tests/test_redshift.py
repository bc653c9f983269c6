"""Redshift, verified without a cluster: the statement sequence of one interval (golden file), sqlglot round trips,
and what RedshiftTarget sends over a recording connection (manifest, COPY, transactions, secrets)."""

import json
import logging
import os
from datetime import datetime

import pytest
import sqlglot
from helpers import ROOT, SPEC, upload

from warehouse.cli import plan_text
from warehouse.interval import Interval
from warehouse.plan import plan
from warehouse.runner import IntervalRun, Options
from warehouse.spec import load_spec
from warehouse.sql.stage import CopyAuth
from warehouse.targets.redshift import RedshiftTarget

DAY = Interval(datetime(2018, 11, 1), datetime(2018, 11, 2))
GOLDEN = ROOT / "tests" / "golden" / "plan_redshift.sql"
VARS = {"data_root": "s3://sparkify-raw", "staging_root": "s3://sparkify-staging/runs"}
EVENTS = [
    "s3://sparkify-raw/log_data/2018/11/2018-11-01-events.json",
]


@pytest.fixture
def raw(s3):
    upload(s3, "sparkify-raw", ROOT / "tests" / "fixtures" / "golden")
    s3.put_object(Bucket="sparkify-raw", Key="log_data/2018/11/2018-11-01-events.json.bak", Body=b"{}")  # a prefix trap
    s3.create_bucket(Bucket="sparkify-staging", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    return s3


def test_plan_matches_golden_file(raw) -> None:
    options = Options(variables=VARS, s3_client=lambda: raw, tables=["users", "songs", "artists", "time", "songplays"])
    text = plan_text(load_spec(SPEC), DAY, "redshift", options)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text(), f"plan changed: review, then rerun with UPDATE_GOLDEN=1 to accept ({GOLDEN})"


def test_every_golden_statement_round_trips_through_sqlglot_redshift() -> None:
    statements = [s for s in sqlglot.parse(GOLDEN.read_text(), read="redshift") if s is not None]
    assert len(statements) > 40
    for statement in statements:
        text = statement.sql(dialect="redshift")
        assert sqlglot.parse_one(text, read="redshift").sql(dialect="redshift") == text
    copies = [s for s in statements if isinstance(s, sqlglot.exp.Copy)]
    assert len(copies) == 2 and all("MANIFEST" in c.sql(dialect="redshift") for c in copies)
    assert not any("TRUNCATE" in s.sql(dialect="redshift").upper() for s in statements)


class Recording:
    """A DB-API connection that records what it is sent and answers queries with zeros."""

    def __init__(self):
        self.sent: list[str] = []

    def cursor(self):
        return _Cursor(self)

    def commit(self):
        self.sent.append("COMMIT")

    def rollback(self):
        self.sent.append("ROLLBACK")

    def close(self):
        pass


class _Cursor:
    def __init__(self, connection: Recording):
        self.connection, self.rowcount, self.description, self.rows = connection, 0, None, []

    def execute(self, sql: str):
        self.connection.sent.append(sql)
        parsed = sqlglot.parse_one(sql, read="redshift")
        if isinstance(parsed, sqlglot.exp.Select) and "information_schema" not in sql and '"ledger"' not in sql:
            self.description = [(name, None) for name in parsed.named_selects]
            self.rows = [tuple(0 for _ in parsed.named_selects)]
        elif isinstance(parsed, sqlglot.exp.Select):
            self.description, self.rows = [(n, None) for n in parsed.named_selects], []

    def fetchall(self):
        return self.rows

    def close(self):
        pass


def run_interval(raw, auth: CopyAuth) -> Recording:
    connection = Recording()
    target = RedshiftTarget(lambda: connection, "redshift://test", auth, region="us-west-2")
    spec = load_spec(SPEC)
    tables = ["users", "songs", "artists", "time", "songplays"]
    runner = IntervalRun(spec, DAY, target, Options(variables=VARS, s3_client=lambda: raw, tables=tables))
    for step in plan(spec, tables):
        runner.run_step(step)
    return connection


def test_the_copy_loads_exactly_the_manifest_of_the_interval(raw) -> None:
    sent = run_interval(raw, CopyAuth("arn:aws:iam::123456789012:role/loader")).sent
    (copy,) = [s for s in sent if s.startswith('COPY "staging"."events_20181101"')]
    manifest_url = "s3://sparkify-staging/runs/sparkify/manifests/events/20181101.manifest"
    assert f"FROM '{manifest_url}' IAM_ROLE 'arn:aws:iam::123456789012:role/loader'" in copy
    assert "FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'epochmillisecs' REGION 'us-west-2'" in copy
    assert copy.endswith("MANIFEST")
    body = raw.get_object(Bucket="sparkify-staging", Key=manifest_url.split("/", 3)[3])["Body"].read()
    assert [e["url"] for e in json.loads(body)["entries"]] == EVENTS  # not the .bak beside it
    assert "SELECT PG_LAST_COPY_COUNT()" in sent


def test_each_step_commits_once_and_nothing_truncates(raw) -> None:
    sent = run_interval(raw, CopyAuth()).sent
    steps = plan(load_spec(SPEC), ["users", "songs", "artists", "time", "songplays"])
    assert sent.count("COMMIT") == len(steps) and "ROLLBACK" not in sent
    assert not any(s.upper().startswith("TRUNCATE") for s in sent)
    (merge_users,) = [i for i, s in enumerate(sent) if s.startswith('MERGE INTO "users"')]
    assert sent[merge_users - 3].startswith('CREATE TEMPORARY TABLE "users__batch" (LIKE "users")')


def test_keys_reach_the_server_but_never_the_logs(raw, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="warehouse.sql")
    auth = CopyAuth(None, "AKIAEXAMPLEKEY", "secret/Key+123", "session-token-xyz")
    sent = run_interval(raw, auth).sent
    (copy,) = [s for s in sent if s.startswith('COPY "staging"."events_20181101"')]
    assert "SECRET_ACCESS_KEY 'secret/Key+123'" in copy and "SESSION_TOKEN 'session-token-xyz'" in copy
    assert "COPY" in caplog.text
    assert "secret/Key+123" not in caplog.text and "session-token-xyz" not in caplog.text
