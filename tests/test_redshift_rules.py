"""The Redshift rules checker (tests/redshift_rules.py): each rule passes a statement that keeps it and flags one
that breaks it; then every statement the project sends to Redshift is checked, known defects excepted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import pytest
import sqlglot
from helpers import ROOT, SPEC, upload
from redshift_fake import BadRecord, FakeRedshift
from redshift_rules import (
    forbidden_in_transaction,
    lock_order_conflicts,
    session_violations,
    temporary_tables,
    transaction_violations,
    violations,
)
from sqlglot import exp

from warehouse.compile import load_project
from warehouse.interval import Interval
from warehouse.plan import plan
from warehouse.results import BadInput, StepFailed
from warehouse.runner import StepRunner
from warehouse.sources.batch import Batch
from warehouse.sources.objects import SourceObject
from warehouse.steps import Options
from warehouse.targets.redshift import CopyAuth, Redshift, RedshiftTarget

GOLDEN = ROOT / "tests" / "golden" / "plan_redshift.sql"
DAY = Interval(datetime(2018, 11, 1), datetime(2018, 11, 2))
TABLES = ["users", "songs", "artists", "time", "songplays"]
VARS = {"data_root": "s3://sparkify-raw", "staging_root": "s3://sparkify-staging/runs"}


@dataclass(frozen=True)
class Defect:
    """A current defect the checker flags: `item` is its item in the research note
    (/work/helpers/redshift-notes.md); `where` finds the statement (or, for a transaction, its first statement);
    `rule` is part of what the checker reports."""

    item: str
    scope: str  # "statement" or "transaction"
    where: str
    rule: str


# Defects of warehouse/ that the checker flags today. Fixing one makes its test fail until its entry is removed.
# Fixed: load errors read from the view pair that matches the id at hand (r_STL_LOAD_ERRORS with PG_LAST_COPY_ID,
# SYS_LOAD_ERROR_DETAIL by session and objects on Serverless); every transaction that takes a lock locks every
# table it touches, first, in one order.
KNOWN_DEFECTS: dict[str, Defect] = {}


# --- each rule, kept and broken ---------------------------------------------------------------------------------

KEPT = [
    "SELECT file_name, line_number, column_name, error_message FROM sys_load_error_detail "
    "WHERE query_id = PG_LAST_COPY_ID() ORDER BY file_name",
    "SELECT d.line_number, le.raw_line, le.err_reason FROM stl_loaderror_detail AS d "
    "JOIN stl_load_errors AS le ON d.query = le.query WHERE d.query = PG_LAST_COPY_ID()",
    "SELECT query_id, loaded_rows, error_count FROM sys_load_history WHERE session_id = PG_BACKEND_PID()",
    "SELECT isolation_level FROM stv_db_isolation_level WHERE db_name = 'dev'",
    'SELECT "column", "type", "encoding", distkey, sortkey FROM pg_table_def WHERE tablename = \'users\'',
    "SELECT TRIM(file_name) AS f FROM sys_load_error_detail ORDER BY f",
    "SELECT PG_LAST_COPY_COUNT()",
    'CREATE TABLE "t" ("a" INTEGER NOT NULL ENCODE az64, "b" VARCHAR(65535) ENCODE zstd, "c" DECIMAL(38, 2), '
    '"d" BOOLEAN ENCODE runlength, PRIMARY KEY ("a")) BACKUP NO DISTSTYLE KEY DISTKEY("a") COMPOUND SORTKEY("a")',
    'CREATE TEMPORARY TABLE "t__batch" (LIKE "t")',
    'COPY "s"."t" ("a") FROM \'s3://b/m.manifest\' IAM_ROLE default FORMAT AS JSON \'auto ignorecase\' '
    "TIMEFORMAT 'epochmillisecs' REGION 'us-west-2' MAXERROR 100000 COMPUPDATE OFF STATUPDATE OFF GZIP MANIFEST",
    "COPY \"t\" FROM 's3://b/m' ACCESS_KEY_ID 'AKIA' SECRET_ACCESS_KEY 'secret' SESSION_TOKEN 'token' "
    "FORMAT AS JSON 'auto' MANIFEST",
    'COPY "s"."t" ("a", "b") FROM \'s3://b/m\' IAM_ROLE default FORMAT AS CSV QUOTE AS \'"\' DELIMITER AS \';\' '
    "NULL AS '' IGNOREHEADER AS 1 ENCODING AS UTF16LE TIMEFORMAT 'auto' MAXERROR 100 GZIP MANIFEST",
    "COPY \"s\".\"t\" FROM 's3://b/m' CREDENTIALS 'aws_access_key_id=A;aws_secret_access_key=S' "
    "FORMAT AS PARQUET STATUPDATE OFF MANIFEST",
    'MERGE INTO "t" USING "t__batch" AS "b" ON "t"."a" = "b"."a" WHEN MATCHED THEN UPDATE SET "c" = "b"."c" '
    'WHEN NOT MATCHED THEN INSERT ("a", "c") VALUES ("b"."a", "b"."c")',
    'ALTER TABLE "t" ADD COLUMN "e" VARCHAR(16) ENCODE zstd',
    'ALTER TABLE "t" ALTER COLUMN "b" TYPE VARCHAR(300)',
    'LOCK "t", "s"."u"',
    'UPDATE "t" SET "c" = 1 WHERE "a" = 2',
]


@pytest.mark.parametrize("sql", KEPT)
def test_statements_that_keep_every_rule(sql: str) -> None:
    assert violations(sql) == []


BROKEN = {  # statement -> the rule it breaks (part of the message)
    # system views and functions
    "SELECT raw_line FROM sys_load_error_detail": "sys_load_error_detail has no column 'raw_line'",
    "SELECT e.err_reason FROM sys_load_error_detail AS e": "has no column 'err_reason'",
    "SELECT query FROM stl_loaderror_detail WHERE err_code = 1": "has no column 'err_code'",
    "SELECT isolation FROM stv_db_isolation_level": "has no column 'isolation'",
    "SELECT loaded FROM sys_load_history": "has no column 'loaded'",
    "SELECT * FROM svl_statementtext": "svl_statementtext is not in SYSTEM_VIEWS",
    "SELECT PG_LAST_COPY_ID(1)": "pg_last_copy_id takes 0 argument(s)",
    "SELECT PG_TERMINATE_BACKEND(1)": "pg_terminate_backend is not in SYSTEM_FUNCTIONS",
    # names
    'SELECT 1 FROM "Users"': "'Users' is not lowercase ASCII",
    f'CREATE TABLE "{"x" * 128}" ("a" INTEGER)': "longer than 127 bytes",
    "SELECT 1 FROM t AS open": "'open' is a reserved word",
    # COPY
    "COPY t FROM 's3://b/m' IAM_ROLE default MANIFEST REGION 'us-west-2'": "flag MANIFEST is followed by REGION",
    "COPY t FROM 's3://b/m' IAM_ROLE default ACCESS_KEY_ID 'a' SECRET_ACCESS_KEY 's'": "exactly one authorization",
    "COPY t FROM 's3://b/m' JSON 'auto'": "exactly one authorization form, found none",
    "COPY t FROM 's3://b/m' ACCESS_KEY_ID 'a' JSON 'auto'": "ACCESS_KEY_ID and SECRET_ACCESS_KEY go together",
    "COPY t FROM 's3://b/m' IAM_ROLE default SESSION_TOKEN 't'": "SESSION_TOKEN only with ACCESS_KEY_ID",
    "COPY t FROM 's3://b/prefix/' IAM_ROLE default JSON 'auto' MANIFEST": "FROM must name one manifest object",
    "COPY t FROM 's3://b/m' IAM_ROLE default JSON 'ignorecase'": "FORMAT AS JSON 'ignorecase'",
    "COPY t FROM 's3://b/m' IAM_ROLE default TIMEFORMAT 'EPOCHMILLISECS'": "case-sensitive",
    "COPY t FROM 's3://b/m' IAM_ROLE default MAXERROR 100001": "MAXERROR 100001",
    "COPY t FROM 's3://b/m' IAM_ROLE default BOGUS 1": "BOGUS is not a COPY option",
    "COPY t FROM 's3://b/m' IAM_ROLE default TIMEFORMAT": "TIMEFORMAT needs a value",
    "COPY t FROM 's3://b/m' IAM_ROLE default GZIP BZIP2": "at most one of",
    "COPY t FROM 's3://b/m' IAM_ROLE default FORMAT AS CSV JSON 'auto'": "one data format, found CSV, JSON",
    "COPY t FROM 's3://b/m' IAM_ROLE default DELIMITER ',' QUOTE '\"' CSV": "QUOTE belongs to CSV",
    "COPY t FROM 's3://b/m' IAM_ROLE default FORMAT AS CSV IGNOREHEADER 'yes'": "IGNOREHEADER takes a number",
    "COPY t FROM 's3://b/m' IAM_ROLE default FORMAT AS CSV ENCODING LATIN1": "ENCODING is one of",
    "COPY t FROM 's3://b/m' IAM_ROLE default FORMAT AS PARQUET MAXERROR 10": "does not take MAXERROR",
    "COPY t FROM 's3://b/m' IAM_ROLE default FORMAT AS PARQUET REGION 'us-west-2'": "does not take REGION",
    "COPY t FROM 's3://b/m' ACCESS_KEY_ID 'a' SECRET_ACCESS_KEY 's' FORMAT AS PARQUET": "does not take ACCESS_KEY_ID",
    "COPY t (a, b) FROM 's3://b/m' IAM_ROLE default FORMAT AS PARQUET MANIFEST": "no column list",
    # CREATE TABLE
    'CREATE TABLE "t" ("a" INTEGER) DISTSTYLE EVERYWHERE': "DISTSTYLE EVERYWHERE is not one of",
    'CREATE TABLE "t" ("a" INTEGER) DISTSTYLE KEY': "DISTSTYLE KEY needs a DISTKEY column",
    'CREATE TABLE "t" ("a" INTEGER) DISTSTYLE ALL DISTKEY("a")': "DISTSTYLE must be KEY or not set",
    'CREATE TABLE "t" ("a" INTEGER) DISTKEY("b")': "DISTKEY column 'b' is not a column",
    'CREATE TABLE "t" ("a" INTEGER) SORTKEY("b")': "SORTKEY column 'b' is not a column",
    'CREATE TABLE "t" ("a" VARCHAR(16) ENCODE az64)': "AZ64 does not support VARCHAR",
    'CREATE TABLE "t" ("a" BOOLEAN ENCODE bytedict)': "BYTEDICT does not support BOOLEAN",
    'CREATE TABLE "t" ("a" CHAR(2) ENCODE text255)': "TEXT255 does not support CHAR",
    'CREATE TABLE "t" ("a" SMALLINT ENCODE mostly16)': "MOSTLY16 does not support SMALLINT",
    'CREATE TABLE "t" ("a" INTEGER ENCODE gzip9)': "GZIP9 is not a compression encoding",
    'CREATE TABLE "t" ("a" TEXT)': "becomes VARCHAR(256)",
    'CREATE TABLE "t" ("a" VARCHAR(65536))': "VARCHAR length is 1 to 65535",
    'CREATE TABLE "t" ("a" CHAR(4097))': "CHAR length is 1 to 4096",
    'CREATE TABLE "t" ("a" DECIMAL(39, 2))': "DECIMAL precision is at most 38",
    'CREATE TABLE "t" ("a" TINYINT)': "Redshift has no type",
    'CREATE TEMPORARY TABLE "s"."t" ("a" INTEGER)': "a temporary table cannot name a schema",
    'CREATE TABLE "t" (LIKE "u") DISTSTYLE ALL': "CREATE TABLE ... LIKE inherits",
    'CREATE TABLE "t" ("a" INTEGER, "b" INTEGER) INTERLEAVED SORTKEY("a", "b")': "opaque Command",
    # MERGE
    'MERGE INTO "t" AS "x" USING "s" ON "x"."a" = "s"."a" WHEN MATCHED THEN DELETE '
    'WHEN NOT MATCHED THEN INSERT ("a") VALUES ("s"."a")': "target is a table without an alias",
    'WITH "c" AS (SELECT 1 AS "a") MERGE INTO "t" USING "c" ON "t"."a" = "c"."a" WHEN MATCHED THEN DELETE '
    'WHEN NOT MATCHED THEN INSERT ("a") VALUES ("c"."a")': "cannot have a WITH clause",
    'MERGE INTO "t" USING (SELECT 1 AS "a") AS "s" ON "t"."a" = "s"."a" WHEN MATCHED THEN DELETE '
    'WHEN NOT MATCHED THEN INSERT ("a") VALUES ("s"."a")': "the source is a table, not a subquery",
    'MERGE INTO "t" USING "s" ON "t"."a" = "s"."a" WHEN NOT MATCHED THEN INSERT ("a") VALUES ("s"."a")': (
        "one WHEN MATCHED and one WHEN NOT MATCHED"
    ),
    'MERGE INTO "t" USING "s" ON "t"."a" > "s"."a" WHEN MATCHED THEN DELETE '
    'WHEN NOT MATCHED THEN INSERT ("a") VALUES ("s"."a")': "equal predicates",
    'MERGE INTO "t" USING "s" ON "t"."a" = "s"."a" WHEN MATCHED THEN UPDATE SET "t"."b" = "s"."b" '
    'WHEN NOT MATCHED THEN INSERT ("a") VALUES ("s"."a")': "UPDATE SET names columns without their table",
    'MERGE INTO "t" USING "s" ON "t"."a" = "s"."a" WHEN MATCHED THEN DELETE '
    'WHEN NOT MATCHED THEN INSERT VALUES ("s"."a")': "INSERT without a column list",
    'MERGE INTO "t" USING "s" ON "t"."a" = "s"."a" REMOVE DUPLICATES': "sqlglot cannot parse",
    # ALTER TABLE
    'ALTER TABLE "t" ALTER COLUMN "a" TYPE BIGINT': "only changes the size of a VARCHAR",
    'ALTER TABLE "t" ADD COLUMN "a" INTEGER PRIMARY KEY': "cannot add a key, REFERENCES or IDENTITY",
}


@pytest.mark.parametrize(("sql", "rule"), BROKEN.items(), ids=list(BROKEN.values()))
def test_statements_that_break_a_rule(sql: str, rule: str) -> None:
    found = violations(sql)
    assert any(rule in v for v in found), found


TRANSACTION_BREAKERS = {
    "VACUUM t": "VACUUM cannot run inside a transaction block",
    "ALTER TABLE t APPEND FROM s": "ALTER TABLE APPEND",
    'ALTER TABLE "t" ALTER COLUMN "b" TYPE VARCHAR(300)': "ALTER COLUMN ... TYPE",
    "CREATE DATABASE d": "CREATE DATABASE",
    "DROP DATABASE d": "DROP DATABASE",
    "ALTER DATABASE d ISOLATION LEVEL SNAPSHOT": "isolation level",
    "truncate t": "TRUNCATE commits the transaction",
    "COMMIT": "ends the transaction",
    "CREATE EXTERNAL TABLE s.t (a INT) STORED AS PARQUET LOCATION 's3://b/'": "external tables",
}


@pytest.mark.parametrize(("sql", "rule"), TRANSACTION_BREAKERS.items())
def test_statements_that_cannot_run_in_a_transaction(sql: str, rule: str) -> None:
    reason = forbidden_in_transaction(sql)
    assert reason is not None and rule in reason


@pytest.mark.parametrize("sql", ['ALTER TABLE "t" ADD COLUMN "c" INTEGER', 'DELETE FROM "t"', 'LOCK "t"', *KEPT[7:10]])
def test_statements_that_can_run_in_a_transaction(sql: str) -> None:
    assert forbidden_in_transaction(sql) is None


def test_a_transaction_locks_every_table_it_touches_first() -> None:
    kept = ['LOCK "t", "s"."u"', 'CREATE TEMPORARY TABLE "b" (LIKE "t")', 'INSERT INTO "b" SELECT * FROM "s"."u"',
            'DELETE FROM "t" USING "b" WHERE "t"."a" = "b"."a"', 'DROP TABLE IF EXISTS "b"']  # fmt: skip
    assert transaction_violations(kept) == []
    assert transaction_violations(kept[1:]) == []  # no LOCK: the lock advice does not apply
    unlocked = transaction_violations(['LOCK "t"', *kept[1:]])
    assert len(unlocked) == 1 and "s.u without locking it" in unlocked[0]
    late = transaction_violations([kept[1], kept[0], *kept[2:]])
    assert any("at the start of the transaction" in v for v in late)
    assert transaction_violations(["TRUNCATE t", 'INSERT INTO "t" SELECT 1'])[0].startswith("statement 1: ")


def test_a_session_table_is_its_own() -> None:
    prepare = ['CREATE TEMPORARY TABLE "b" (LIKE "t")', 'INSERT INTO "b" SELECT * FROM "s"."u"']
    publish = ['LOCK "t"', 'DELETE FROM "t" USING "b" WHERE "t"."a" = "b"."a"', 'DROP TABLE IF EXISTS "b"']
    assert temporary_tables(prepare) == ["b"]
    assert session_violations([prepare, publish]) == []
    assert transaction_violations(publish) != []  # b is another session's, as far as this transaction shows
    assert "transaction 2: " in session_violations([prepare[1:], publish])[0]


def test_transactions_lock_tables_in_one_order() -> None:
    assert lock_order_conflicts([['LOCK "a", "b"'], ['LOCK "a"', 'LOCK "b"']]) == []
    (conflict,) = lock_order_conflicts([['LOCK "a", "b"'], ['LOCK "b"', 'LOCK "a"']])
    assert "transactions 1 and 2" in conflict


# --- what the project sends -------------------------------------------------------------------------------------


def _defects(scope: str, text: str) -> list[Defect]:
    return [d for d in KNOWN_DEFECTS.values() if d.scope == scope and re.search(d.where, text)]


def _assert_only_known(scope: str, text: str, found: list[str], seen: set[str]) -> None:
    expected = _defects(scope, text)
    for defect in expected:
        assert any(defect.rule in v for v in found), f"known defect no longer flagged, remove it: {defect}"
        seen.add(defect.rule)
    unexpected = [v for v in found if not any(d.rule in v for d in expected)]
    assert not unexpected, f"{text[:200]}\nbreaks: {unexpected}"


def library_statements() -> list[str]:
    """Statements RedshiftTarget sends that the golden plan does not show."""
    events = load_project(SPEC).spec.sources["events"]
    rejecting = events.model_copy(update={"on_bad_rows": "reject"})
    table = exp.to_table("staging.events_20181101")
    keys = CopyAuth(None, "AKIAEXAMPLE", "secret", "token")
    gzipped = Batch("events", rejecting, [SourceObject("s3://b/x.json.gz", 1, "v")], "s3://b/m.manifest")
    plain = Batch("events", events, [SourceObject("s3://b/x.json", 1, "v")], "s3://b/m.manifest")
    serverless = Redshift(CopyAuth(), serverless=True)
    statements = [
        Redshift(CopyAuth(), "us-west-2").copy(table, gzipped),
        Redshift(keys).copy(table, plain),
        serverless.load_errors(["s3://b/log_data/2018/11/2018-11-01-events.json", "s3://b/log_data/2018/11/x.json"]),
        Redshift(CopyAuth()).load_errors(["s3://b/x.json"]),
    ]
    return [s.sql(dialect="redshift") for s in statements]


def test_every_statement_sent_to_redshift_keeps_the_rules_but_the_known_defects() -> None:
    plans = sorted(GOLDEN.parent.glob("plan_redshift*.sql"))  # the Sparkify plan and the merged facts' one
    assert GOLDEN in plans and len(plans) > 1
    golden = [s.sql(dialect="redshift") for p in plans for s in sqlglot.parse(p.read_text(), read="redshift") if s]
    seen: set[str] = set()
    for sql in [*golden, *library_statements()]:
        _assert_only_known("statement", sql, violations(sql), seen)
    missing = [d for d in KNOWN_DEFECTS.values() if d.scope == "statement" and d.rule not in seen]
    assert not missing, f"known defects no statement shows any more, remove them: {missing}"


@pytest.fixture
def raw(s3):
    upload(s3, "sparkify-raw", ROOT / "tests" / "fixtures" / "golden")
    s3.create_bucket(Bucket="sparkify-staging", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    return s3


def _runner(raw, connection: FakeRedshift) -> StepRunner:
    target = RedshiftTarget(Redshift(CopyAuth(), "us-west-2"), lambda: connection, "redshift://test")
    return StepRunner(load_project(SPEC), DAY, target, Options(variables=VARS, s3_client=lambda: raw, tables=TABLES))


@pytest.mark.slow  # a few seconds of loads: `make test`, not `make test-fast`
def test_every_transaction_of_an_interval_keeps_the_rules_but_the_known_defects(raw) -> None:
    connection = FakeRedshift()  # it also checks each statement against the rules
    runner = _runner(raw, connection)
    for step in plan(load_project(SPEC), TABLES):
        runner.run_step(step)
    assert connection.committed and not connection.rolled_back
    seen: set[str] = set()
    session: list[str] = []
    for statements in connection.committed:
        _assert_only_known("transaction", statements[0], transaction_violations(statements, session), seen)
        session += temporary_tables(statements)
    assert any(s.startswith("LOCK ") for statements in connection.committed for s in statements)
    assert lock_order_conflicts(connection.committed) == []
    missing = [d for d in KNOWN_DEFECTS.values() if d.scope == "transaction" and d.rule not in seen]
    assert not missing, f"known defects no transaction shows any more, remove them: {missing}"


def test_a_refused_copy_reports_the_rows_redshift_recorded(raw) -> None:
    """A bad record of the interval's log: COPY sets it aside, the step reads it back from STL_LOAD_ERRORS in the
    COPY's own transaction and fails naming it (on_bad_rows: fail). Before, the step read a column SYS views lack."""
    url = "s3://sparkify-raw/log_data/2018/11/2018-11-01-events.json"
    bad = BadRecord(url, 3, "userid", "Invalid digit, Value 'a', Pos 0, Type: Integer", '{"userId": "a"}')
    connection = FakeRedshift(copy_errors=[[bad]])
    connection.logged = [  # the same file's errors, from another session: not this COPY's
        {"session": 7, "query": 3, "time": DAY.start, "record": BadRecord(url, 9, "ts", "Invalid timestamp")}
    ]
    runner = _runner(raw, connection)
    setup, stage_events = plan(load_project(SPEC), TABLES)[:2]
    runner.run_step(setup)
    with pytest.raises(StepFailed) as failed:
        runner.run_step(stage_events)
    assert isinstance(failed.value.__cause__, BadInput)
    (reject,) = failed.value.__cause__.rejects
    assert (reject.url, reject.line, reject.reason) == (
        url,
        3,
        "userid: Invalid digit, Value 'a', Pos 0, Type: Integer",
    )
    assert reject.raw == '{"userId": "a"}'
    assert f"{url}, line 3: userid: Invalid digit" in failed.value.result.message


@pytest.mark.slow  # a few seconds of loads: `make test`, not `make test-fast`
def test_every_transaction_of_a_merged_fact_keeps_the_rules_but_the_known_defects(s3) -> None:
    orders = ROOT / "tests" / "fixtures" / "orders" / "orders.yaml"
    upload(s3, "shop-raw", orders.parent / "data")
    s3.create_bucket(Bucket="shop-warehouse", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    connection = FakeRedshift()
    target = RedshiftTarget(Redshift(CopyAuth(), "us-west-2"), lambda: connection, "redshift://test")
    project = load_project(orders)
    variables = {"data_root": "s3://shop-raw", "staging_root": "s3://shop-warehouse/staging"}
    runner = StepRunner(project, DAY, target, Options(variables=variables, s3_client=lambda: s3))
    for step in plan(project):
        runner.run_step(step)
    assert len(connection.committed) >= len(plan(project)) and not connection.rolled_back
    for statements in connection.committed:
        _assert_only_known("transaction", statements[0], transaction_violations(statements), set())
    assert lock_order_conflicts(connection.committed) == []
