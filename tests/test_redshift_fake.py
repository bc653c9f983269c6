"""The fake Redshift connection (tests/redshift_fake.py) behaves like redshift_connector where the loader needs it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import redshift_connector
from redshift_connector.core import Connection
from redshift_fake import FakeRedshift, load_error, missing_column, serializable_violation, server_error

COPY = "COPY \"staging\".\"events\" FROM 's3://b/events.manifest' IAM_ROLE default FORMAT AS JSON 'auto' MANIFEST"
MERGE = (
    'MERGE INTO "users" USING "users__batch" AS "b" ON "users"."id" = "b"."id" WHEN MATCHED THEN UPDATE SET '
    '"level" = "b"."level" WHEN NOT MATCHED THEN INSERT ("id", "level") VALUES ("b"."id", "b"."level")'
)
ERRORS = (
    "SELECT file_name, line_number, column_name, error_message FROM sys_load_error_detail "
    "WHERE query_id = PG_LAST_COPY_ID() ORDER BY file_name, line_number"
)


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
    connection = FakeRedshift()
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


def test_a_copy_refused_for_its_data_leaves_rows_in_the_load_error_views() -> None:
    connection = FakeRedshift(copy_rows=[7])
    connection.load_errors = [
        {"file_name": "s3://b/events.json", "line_number": 3, "column_name": "userid", "error_message": "Invalid digit"}
    ]
    run(connection, COPY)
    loaded_id = run(connection, "SELECT PG_LAST_COPY_ID()")[2][0][0]
    connection.fail(r"^COPY", load_error("events"))
    with pytest.raises(redshift_connector.ProgrammingError, match="stl_load_errors"):
        run(connection, COPY)
    connection.rollback()
    assert run(connection, "SELECT PG_LAST_COPY_COUNT()")[2] == ([0],)
    assert run(connection, "SELECT PG_LAST_COPY_ID()")[2][0][0] > loaded_id
    _, description, rows = run(connection, ERRORS)
    assert [d[0] for d in description] == ["file_name", "line_number", "column_name", "error_message"]
    assert rows == (["s3://b/events.json", 3, "userid", "Invalid digit"],)


def test_a_copy_refused_before_loading_keeps_the_last_copy_id() -> None:
    connection = FakeRedshift()
    connection.fail(r"^COPY", server_error("XX000", "S3ServiceException:Access Denied,Status 403"))
    with pytest.raises(redshift_connector.ProgrammingError):
        run(connection, COPY)
    connection.rollback()
    assert run(connection, "SELECT PG_LAST_COPY_ID()")[2] == ([-1],)


def test_queries_answer_as_an_empty_database_unless_scripted() -> None:
    connection = FakeRedshift()
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
