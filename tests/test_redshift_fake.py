"""The fake Redshift connection (tests/redshift_fake.py) behaves like redshift_connector where the loader needs it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import redshift_connector
from redshift_connector.core import Connection
from redshift_fake import BadRecord, FakeRedshift, load_error, missing_column, serializable_violation, server_error

COPY = "COPY \"staging\".\"events\" FROM 's3://b/events.manifest' IAM_ROLE default FORMAT AS JSON 'auto' MANIFEST"
MERGE = (
    'MERGE INTO "users" USING "users__batch" AS "b" ON "users"."id" = "b"."id" WHEN MATCHED THEN UPDATE SET '
    '"level" = "b"."level" WHEN NOT MATCHED THEN INSERT ("id", "level") VALUES ("b"."id", "b"."level")'
)
STL_ERRORS = (
    "SELECT filename, line_number, TRIM(colname) AS c, TRIM(err_reason) AS r FROM stl_load_errors "
    "WHERE query = PG_LAST_COPY_ID() ORDER BY filename, line_number"
)
SYS_ERRORS = "SELECT query_id, TRIM(file_name) AS f FROM sys_load_error_detail WHERE session_id = PG_BACKEND_PID()"
BAD = BadRecord("s3://b/events.json", 3, "userid", "Invalid digit, Value 'a', Pos 0, Type: Integer", '{"userId": "a"}')
USERS = {("public", "users"): "BASE TABLE"}


def run(connection: FakeRedshift, sql: str, params=None) -> tuple[int, list | None, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount, cursor.description, cursor.fetchall()


def test_it_records_each_statement_with_its_parameters_and_transaction() -> None:
    connection = FakeRedshift()
    assert run(connection, 'INSERT INTO "t" ("a") VALUES (%s)', (1,))[0] == 1
    run(connection, 'DELETE FROM "t" WHERE "a" = %s', (2,))
    connection.commit()
    run(connection, 'UPDATE "t" SET "a" = 3')
    connection.rollback()
    assert [(s.params, s.transaction) for s in connection.sent] == [((1,), 1), ((2,), 1), (None, 2)]
    assert connection.committed == [connection.statements[:2]] and connection.rolled_back == [connection.statements[2:]]


def test_a_statement_that_breaks_a_redshift_rule_is_refused_with_the_rule() -> None:
    connection = FakeRedshift()
    with pytest.raises(AssertionError, match="exactly one authorization form"):
        run(connection, "COPY \"t\" FROM 's3://b/m' FORMAT AS JSON 'auto' MANIFEST")
    assert connection.sent == []


def test_copy_counts_its_rows_merge_counts_none() -> None:
    connection = FakeRedshift(copy_rows=[42])
    assert run(connection, "SELECT PG_LAST_COPY_ID(), PG_LAST_COPY_COUNT()")[2] == ([-1, 0],)
    assert run(connection, COPY)[0] == 42
    ((copy_id, count),) = run(connection, "SELECT PG_LAST_COPY_ID(), PG_LAST_COPY_COUNT()")[2]
    assert copy_id > 0 and count == 42
    assert run(connection, MERGE)[0] == -1
    assert run(connection, 'CREATE TABLE "x" ("a" INTEGER)')[0] == -1


def test_the_nth_matching_statement_fails_and_aborts_its_transaction() -> None:
    connection = FakeRedshift(tables=dict(USERS))
    connection.fail(r"^MERGE INTO", serializable_violation(), nth=2)
    run(connection, MERGE)
    connection.commit()
    run(connection, 'LOCK "users"')
    with pytest.raises(redshift_connector.ProgrammingError) as failed:
        run(connection, MERGE)
    assert (failed.value.args[0]["C"], failed.value.args[0]["M"]) == ("XX000", "1023")
    with pytest.raises(redshift_connector.ProgrammingError) as aborted:
        run(connection, 'DELETE FROM "users"')
    assert aborted.value.args[0]["C"] == "25P02"
    connection.commit()  # COMMIT of an aborted transaction rolls it back
    assert connection.rolled_back == [['LOCK "users"', MERGE, 'DELETE FROM "users"']]
    run(connection, MERGE)  # a new transaction, and the failure happened once
    connection.commit()
    assert len(connection.committed) == 2


def test_a_copy_sets_bad_records_aside_up_to_maxerror_and_records_them() -> None:
    connection = FakeRedshift(copy_rows=[7], copy_errors=[[BAD], [BAD]])
    run(connection, COPY.replace("MANIFEST", "MAXERROR 10 MANIFEST"))
    copy_id = run(connection, "SELECT PG_LAST_COPY_ID()")[2][0][0]
    _, description, rows = run(connection, STL_ERRORS)
    assert [d[0] for d in description] == ["filename", "line_number", "c", "r"]
    ((filename, line, column, reason),) = rows
    assert filename == BAD.file_name.ljust(256) and (line, column, reason) == (3, "userid", BAD.error_message)
    ((sys_id, file_name),) = run(connection, SYS_ERRORS)[2]
    assert sys_id != copy_id and file_name == BAD.file_name  # SYS numbers queries apart from STL
    connection.commit()
    with pytest.raises(redshift_connector.ProgrammingError, match="stl_load_errors"):
        run(connection, COPY)  # MAXERROR 0: one bad record fails it
    connection.rollback()
    assert run(connection, "SELECT PG_LAST_COPY_COUNT()")[2] == ([0],)
    assert run(connection, "SELECT PG_LAST_COPY_ID()")[2][0][0] > copy_id  # failed on its data: the id moved
    assert len(run(connection, SYS_ERRORS)[2]) == 2


def test_a_copy_rolled_back_leaves_the_last_copy_id_as_it_was() -> None:
    connection = FakeRedshift(copy_rows=[3, 4])
    run(connection, COPY)
    connection.commit()
    before = run(connection, "SELECT PG_LAST_COPY_ID(), PG_LAST_COPY_COUNT()")[2]
    run(connection, COPY)
    connection.rollback()
    assert run(connection, "SELECT PG_LAST_COPY_ID(), PG_LAST_COPY_COUNT()")[2] == before


def test_serverless_has_no_stl_views() -> None:
    connection = FakeRedshift(serverless=True)
    with pytest.raises(redshift_connector.ProgrammingError, match='relation "stl_load_errors" does not exist'):
        run(connection, STL_ERRORS)
    connection.rollback()
    assert run(connection, SYS_ERRORS)[2] == ()


def test_the_catalog_rolls_back_with_its_transaction() -> None:
    connection = FakeRedshift()
    run(connection, 'CREATE TABLE "staging"."events_x" ("a" INTEGER)')
    connection.commit()
    query = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'staging'"
    assert run(connection, query)[2] == (["events_x"],)
    run(connection, 'DROP TABLE IF EXISTS "staging"."events_x"')
    run(connection, 'CREATE TEMPORARY TABLE "b" (LIKE "u")')
    connection.rollback()
    assert run(connection, query)[2] == (["events_x"],)
    with pytest.raises(redshift_connector.ProgrammingError, match="already exists"):
        run(connection, 'CREATE TABLE "staging"."events_x" ("a" INTEGER)')
    connection.rollback()
    with pytest.raises(redshift_connector.ProgrammingError, match='relation "users" does not exist'):
        run(connection, 'LOCK "staging"."events_x", "users"')


def test_a_commit_can_lose_a_serialization_conflict() -> None:
    connection = FakeRedshift(tables=dict(USERS))
    connection.fail("^COMMIT$", serializable_violation())
    run(connection, 'LOCK "users"')
    with pytest.raises(redshift_connector.ProgrammingError) as failed:
        connection.commit()
    assert failed.value.args[0]["M"] == "1023"
    assert connection.rolled_back == [['LOCK "users"']] and not connection.committed


def test_a_copy_refused_before_loading_keeps_the_last_copy_id() -> None:
    connection = FakeRedshift()
    connection.fail(r"^COPY", server_error("XX000", "S3ServiceException:Access Denied,Status 403"))
    with pytest.raises(redshift_connector.ProgrammingError):
        run(connection, COPY)
    connection.rollback()
    assert run(connection, "SELECT PG_LAST_COPY_ID()")[2] == ([-1],)


def test_queries_answer_as_an_empty_database_unless_scripted() -> None:
    connection = FakeRedshift()
    assert run(connection, "SELECT 1 FROM information_schema.tables WHERE table_name = 'x'")[2] == ()
    connection.answer(r"information_schema\.tables", [(1,)])
    assert run(connection, "SELECT 1 FROM information_schema.tables WHERE table_name = 'x'")[2] == ([1],)
    assert run(connection, 'SELECT COUNT(*) AS "n", MAX("a") AS "m" FROM "t"')[2] == ([0, None],)
    assert run(connection, 'SELECT "a" FROM "t"')[2] == ()
    assert run(connection, 'SELECT "a", COUNT(*) AS "n" FROM "t" GROUP BY "a"')[2] == ()


@pytest.mark.parametrize(
    "error", [load_error("t"), serializable_violation(), missing_column("raw_line"), server_error("28000", "x")]
)
def test_errors_are_what_the_driver_builds_from_the_server_response(error) -> None:
    """The driver's own handler, fed the fields of the fake's error, builds the same class and argument."""
    fields = error.args[0]
    data = b"".join(key.encode() + value.encode() + b"\x00" for key, value in fields.items()) + b"\x00"
    received = SimpleNamespace(error=None)
    Connection.handle_ERROR_RESPONSE(received, data, None)
    assert type(received.error) is type(error) and received.error.args == error.args
