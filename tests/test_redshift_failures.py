"""What a run on Redshift does when something goes wrong, through a connection that behaves like
redshift_connector (tests/redshift_fake.py): bad records, a COPY refused before loading, serialization conflicts,
a MERGE that lost rows, a failure that cannot be recorded."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from helpers import edit, project_copy
from redshift_fake import BadRecord, FakeRedshift, missing_column, serializable_violation, server_error
from redshift_runs import raw_data, redshift_runner

from warehouse.compile import load_project
from warehouse.interval import Interval
from warehouse.plan import Step
from warehouse.results import StepFailed
from warehouse.runner import Retry
from warehouse.sql.ddl import drop_table
from warehouse.steps import IntervalPlan, Options
from warehouse.targets.redshift import MAX_ERRORS, RedshiftError

EVENTS = "s3://sparkify-raw/log_data/2018/11/2018-11-01-events.json"
BAD = BadRecord(EVENTS, 3, "userid", "Invalid digit, Value 'a', Pos 0, Type: Integer", '{"userId": "a"}')
ACCESS_DENIED = server_error(
    "XX000",
    "S3ServiceException:Access Denied,Status 403,Error AccessDenied,Rid 8X1Z,CanRetry 1",
    "\n  -----------------------------------------------\n  error:  S3ServiceException:Access Denied\n"
    "  code:      8001\n  context:   Listing bucket=sparkify-raw prefix=log_data/\n"
    "  -----------------------------------------------\n",
)


@pytest.fixture
def raw(s3):
    raw_data(s3)
    return s3


def steps(runner, *names: str) -> list[Step]:
    return [runner.plan.step(name) for name in names]


def rejecting(tmp_path):
    spec = project_copy(tmp_path)
    edit(spec, "    timeformat: epochmillisecs\n", "    timeformat: epochmillisecs\n    on_bad_rows: reject\n")
    return load_project(spec)


def test_a_copy_refused_before_loading_reports_the_engine_message(raw) -> None:
    connection = FakeRedshift()
    connection.fail(r'^COPY "staging"."events_', ACCESS_DENIED)
    runner = redshift_runner(raw, connection)
    runner.run_step(runner.plan.step("setup"))
    with pytest.raises(StepFailed) as failed:
        runner.run_step(runner.plan.step("stage_events"))
    message = failed.value.result.message
    assert message.startswith("RedshiftError: S3ServiceException:Access Denied,Status 403")
    assert "code:      8001" in message and "{'S'" not in message and "raw_line" not in message
    recorded = [s for s in connection.sent if s.sql.startswith('INSERT INTO "ledger"."steps"')][-1]
    assert recorded.params["status"] == "failed" and recorded.params["message"] == message


def test_a_rejecting_source_without_bad_records_loads(raw, tmp_path) -> None:
    connection = FakeRedshift(copy_rows=[30])
    runner = redshift_runner(raw, connection, rejecting(tmp_path))
    for step in steps(runner, "setup", "stage_events"):
        result = runner.run_step(step)
    assert (result.counts["staged"], result.counts["rejected"]) == (30, 0)


def test_a_rejecting_source_sets_the_bad_records_aside(raw, tmp_path) -> None:
    connection = FakeRedshift(copy_rows=[29], copy_errors=[[BAD]])
    runner = redshift_runner(raw, connection, rejecting(tmp_path))
    for step in steps(runner, "setup", "stage_events"):
        result = runner.run_step(step)
    assert (result.counts["staged"], result.counts["rejected"]) == (29, 1)
    (row,) = [s.params for s in connection.sent if s.sql.startswith('INSERT INTO "ledger"."rejects"')]
    assert (row["url"], row["line"], row["raw"]) == (EVENTS, 3, BAD.raw_line)
    assert row["reason"] == "userid: Invalid digit, Value 'a', Pos 0, Type: Integer"


def test_serverless_reads_the_latest_errors_of_this_session_and_these_objects(raw) -> None:
    """SYS_LOAD_ERROR_DETAIL has no PG_LAST_COPY_ID: rows of another session, of other objects, or of an earlier
    COPY of the same objects are not this COPY's."""
    connection = FakeRedshift(serverless=True, copy_errors=[[BAD]])  # its clock starts at 2018-11-02 01:00
    earlier, later = datetime(2018, 11, 1, 23), datetime(2018, 11, 3)
    connection.logged = [
        {"session": 99, "query": 5, "time": later, "record": BadRecord(EVENTS, 9, "ts", "Invalid timestamp")},
        {"session": connection.pid, "query": 6, "time": earlier, "record": BadRecord(EVENTS, 8, "ts", "old")},
        {"session": connection.pid, "query": 7, "time": later, "record": BadRecord("s3://x/y.json", 1, "a", "b")},
    ]
    runner = redshift_runner(raw, connection)
    runner.run_step(runner.plan.step("setup"))
    with pytest.raises(StepFailed) as failed:
        runner.run_step(runner.plan.step("stage_events"))
    (reject,) = failed.value.__cause__.rejects
    assert (reject.url, reject.line, reject.raw) == (EVENTS, 3, "")  # SYS keeps no raw line
    assert not any("stl_" in s for s in connection.statements)


@pytest.mark.parametrize("failing", [r'^MERGE INTO "songs"', "^COMMIT$"])
def test_a_serialization_conflict_is_run_again_after_a_wait_and_logged(
    raw, failing: str, caplog: pytest.LogCaptureFixture
) -> None:
    connection = FakeRedshift()
    waits: list[float] = []
    runner = redshift_runner(raw, connection, retry=Retry(first_wait=2.0, sleep=waits.append))
    for step in steps(runner, "setup", "stage_songs"):
        runner.run_step(step)
    connection.answer(r'AS "inserted"', [(3, 1)])
    connection.answer(r'AS "merged"', [(4,)])
    connection.fail(failing, serializable_violation(), nth=2 if failing == "^COMMIT$" else 1)  # COMMIT 1: prepare
    with caplog.at_level(logging.WARNING, logger="warehouse.runner"):
        result = runner.run_step(runner.plan.step("load_songs"))
    assert (result.counts["inserted"], result.counts["updated"]) == (3, 1)  # counted once
    assert len(waits) == 1 and 1.0 <= waits[0] <= 2.0
    (logged,) = [r for r in caplog.records if r.name == "warehouse.runner" and r.levelno >= logging.WARNING]
    assert "load_songs" in logged.getMessage() and "1023: Serializable isolation violation" in logged.getMessage()
    assert "attempt 2 of 5" in logged.getMessage()
    rolled_back, published = connection.rolled_back[-1], connection.committed[-1]
    assert rolled_back[0] == published[0] == 'LOCK "ledger"."steps", "songs"'
    assert any(s.startswith('MERGE INTO "songs"') for s in published)


def test_a_conflict_that_persists_fails_the_step_after_the_last_attempt(raw) -> None:
    connection = FakeRedshift()
    waits: list[float] = []
    runner = redshift_runner(raw, connection, retry=Retry(attempts=3, first_wait=1.0, max_wait=1.5, sleep=waits.append))
    for step in steps(runner, "setup", "stage_songs"):
        runner.run_step(step)
    for attempt in range(1, 4):
        connection.fail(r'^MERGE INTO "songs"', serializable_violation(), nth=attempt)
    with pytest.raises(StepFailed) as failed:
        runner.run_step(runner.plan.step("load_songs"))
    assert failed.value.result.message.startswith("RedshiftError: 1023: Serializable isolation violation on table")
    assert len(waits) == 2 and waits[1] <= 1.5
    last = connection.committed[-1]  # the failure, recorded under the ledger's lock
    assert last[0] == 'LOCK "ledger"."steps"' and last[1].startswith('INSERT INTO "ledger"."steps"')
    assert not any(s.startswith('DROP TABLE IF EXISTS "songs__batch"') for s in last)
    assert connection.sent[-1].params["status"] == "failed"
    assert "songs__batch" not in {name for _, name in connection.tables}  # dropped after the failed publish


def test_other_errors_are_not_run_again(raw) -> None:
    connection = FakeRedshift()
    waits: list[float] = []
    runner = redshift_runner(raw, connection, retry=Retry(sleep=waits.append))
    for step in steps(runner, "setup", "stage_songs"):
        runner.run_step(step)
    connection.fail(r'^MERGE INTO "songs"', missing_column("level"))
    with pytest.raises(StepFailed, match='column "level" does not exist'):
        runner.run_step(runner.plan.step("load_songs"))
    assert waits == []


def test_a_merge_that_lost_rows_is_rolled_back(raw) -> None:
    """redshift_connector reports no count for MERGE (-1): the rows merged are counted from the batch table."""
    connection = FakeRedshift()
    runner = redshift_runner(raw, connection)
    for step in steps(runner, "setup", "stage_songs"):
        runner.run_step(step)
    connection.answer(r'AS "inserted"', [(3, 1)])
    connection.answer(r'AS "merged"', [(3,)])
    with pytest.raises(StepFailed, match=r"the table holds 3 row\(s\) of a merged batch of 4: rolled back"):
        runner.run_step(runner.plan.step("load_songs"))
    assert any(s.startswith('MERGE INTO "songs"') for s in connection.rolled_back[-1])


def test_a_failure_that_cannot_be_recorded_is_logged(raw, caplog: pytest.LogCaptureFixture) -> None:
    connection = FakeRedshift()
    runner = redshift_runner(raw, connection)
    runner.run_step(runner.plan.step("setup"))
    connection.fail(r'^COPY "staging"."events_', ACCESS_DENIED)
    connection.fail(r'^INSERT INTO "ledger"."steps"', server_error("53100", "disk full"))
    with caplog.at_level(logging.ERROR, logger="warehouse.runner"), pytest.raises(StepFailed, match="Access Denied"):
        runner.run_step(runner.plan.step("stage_events"))
    (logged,) = [r for r in caplog.records if r.name == "warehouse.runner" and r.levelno >= logging.ERROR]
    assert (
        "stage_events" in logged.getMessage() and "recording that in ledger.steps failed too: " in logged.getMessage()
    )
    assert "disk full" in logged.getMessage()


def test_a_dimension_of_key_columns_only_merges_with_both_clauses(raw, tmp_path) -> None:
    """Redshift's MERGE needs WHEN MATCHED and WHEN NOT MATCHED: with nothing else to update, the key is set to
    itself (the fake checks every statement against tests/redshift_rules.py)."""
    spec = project_copy(tmp_path)
    edit(spec, "    key: [start_time]\n    sort: [start_time]\n",
         "    key: [start_time, hour, day, week, month, year, weekday]\n    sort: [start_time]\n")  # fmt: skip
    connection = FakeRedshift()
    runner = redshift_runner(raw, connection, load_project(spec))
    for step in steps(runner, "setup", "stage_events", "load_time"):
        runner.run_step(step)
    (merge,) = [s for s in connection.statements if s.startswith('MERGE INTO "time"')]
    assert 'WHEN MATCHED THEN UPDATE SET "start_time" = "batch"."start_time" WHEN NOT MATCHED THEN INSERT' in merge


@pytest.mark.slow  # a few seconds of loads: `make test`, not `make test-fast`
def test_an_hourly_interval_stages_into_a_lowercase_table_its_checks_find(raw, tmp_path) -> None:
    """Interval keys of sub-day intervals have a `T` (20181101T0300); Redshift folds names to lowercase, so the
    staging table must be named so for the staged row count check to find it."""
    spec = project_copy(tmp_path)
    edit(spec, 'schedule: "@daily"', 'schedule: "@hourly"')
    hour = Interval(datetime(2018, 11, 1, 3), datetime(2018, 11, 1, 4))
    connection = FakeRedshift()
    runner = redshift_runner(raw, connection, load_project(spec), interval=hour)
    results = [runner.run_step(step) for step in runner.steps]
    assert ("staging", "events_20181101t0300") not in connection.tables  # created, then dropped by finish
    assert any(s.startswith('CREATE TABLE "staging"."events_20181101t0300"') for s in connection.statements)
    (staged,) = [c for r in results for c in r.checks if c.name.startswith("row_count(staged")]
    assert staged.outcome == "passed" and not staged.skipped


def test_a_long_message_in_a_multibyte_script_is_recorded_cut_to_its_column_in_bytes(raw) -> None:
    """ledger.steps.message is VARCHAR(4096), 4096 bytes on Redshift: a message of 7,000 two-byte characters is
    cut to fit (the fake refuses a longer value, as Redshift does), not lost."""
    connection = FakeRedshift()
    runner = redshift_runner(raw, connection)
    runner.run_step(runner.plan.step("setup"))
    connection.fail(r'^COPY "staging"."events_', server_error("XX000", "ошибка доступа " * 500))
    with pytest.raises(StepFailed):
        runner.run_step(runner.plan.step("stage_events"))
    recorded = connection.committed[-1][-1]
    assert recorded.startswith('INSERT INTO "ledger"."steps"')
    message = connection.sent[-1].params["message"]
    assert 4000 < len(message.encode()) <= 4096 and message.endswith("…")
    assert message.startswith("RedshiftError: ошибка доступа")


def test_a_second_setup_reads_the_tables_the_first_created_and_finds_nothing_to_change(raw) -> None:
    """Setup reads SVV_COLUMNS (the fake answers it from its catalog, types named as the catalog names them) and
    the descriptions its COMMENT ON statements wrote (SVV_TABLES' and SVV_COLUMNS' remarks)."""
    connection = FakeRedshift()
    runner = redshift_runner(raw, connection)
    runner.run_step(runner.plan.step("setup"))
    assert connection.remarks[("public", "users", None)] == runner.project.spec.tables["users"].description
    assert connection.remarks[("public", "users", "level")] == "Subscription level: free or paid"
    created = dict(connection.tables)
    result = runner.run_step(runner.plan.step("setup"))
    assert result.status == "success" and connection.tables == created
    assert runner.plan.changes(runner.found) == []


def test_more_bad_records_than_maxerror_fail_the_copy_with_the_engine_message(raw) -> None:
    connection = FakeRedshift(copy_errors=[[BAD] * (MAX_ERRORS + 1)])
    runner = redshift_runner(raw, connection)
    runner.run_step(runner.plan.step("setup"))
    with pytest.raises(StepFailed) as failed:
        runner.run_step(runner.plan.step("stage_events"))
    assert failed.value.result.message == (
        "DataError: Load into table 'events_20181101' failed.  Check 'stl_load_errors' system table for details."
    )


def test_a_rebuilt_dimension_keeps_the_foreign_keys_that_reference_it(raw) -> None:
    """Redshift refuses to drop a table another table's foreign key references (the fake, as DG r_DROP_TABLE.html
    says): the swap of a rebuild drops those keys first and adds them again on the table that took its place."""
    connection = FakeRedshift()
    runner = redshift_runner(raw, connection)
    runner.run_step(runner.plan.step("setup"))
    key = ("public", "songplays", "songplays__user_key__fk")
    assert connection.foreign_keys[key] == ("public", "users")
    with runner.target.transaction(), pytest.raises(RedshiftError, match="other objects depend on it"):
        runner.target.execute(drop_table("users"))

    plan = IntervalPlan(runner.project, runner.interval, runner.target.engine, Options(rebuild="users"))
    with runner.target.transaction():
        for statement in [*plan.shadow_statements(), *plan.swap_statements()]:
            runner.target.execute(statement)
    assert connection.foreign_keys[key] == ("public", "users")
    assert ("public", "users") in connection.tables and ("public", "users__rebuild") not in connection.tables
    assert connection.remarks[("public", "users", "level")] == "Subscription level: free or paid"
