"""The ledger's rows: every column present, text cut to fit its column in bytes (Redshift sizes VARCHAR in bytes)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlglot import exp

from warehouse import ledger
from warehouse.sql.names import Layout
from warehouse.targets import open_target


@pytest.mark.parametrize("char", ["a", "é", "€", "𝄞"])  # 1 to 4 bytes in UTF-8
def test_text_is_cut_to_its_column_in_bytes_never_within_a_character(char: str) -> None:
    row = ledger.row("rejects", {"reason": char * 2000, "url": "s3://b/k"})
    reason = row["reason"]
    assert len(reason.encode()) <= 1024 and reason.endswith(ledger.ELLIPSIS)
    assert set(reason[:-1]) == {char} and len(reason.encode()) > 1024 - 4 - len(ledger.ELLIPSIS.encode())
    assert row["url"] == "s3://b/k" and row["line"] is None and set(row) == set(ledger.TABLES["rejects"])


def test_text_that_fits_is_kept_whole() -> None:
    assert ledger.row("steps", {"message": "é" * 2048})["message"] == "é" * 2048  # 4096 bytes


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_bound_rows_arrive_as_they_were_sent(engine: str, tmp_path, request: pytest.FixtureRequest) -> None:
    """The ledger's rows are bound values on every engine (DuckDB: one JSON array for all the rows of a
    statement): text in any script, quotes, backslashes, NULLs, numbers and times come back unchanged."""
    url = f"duckdb:///{tmp_path / 'w.duckdb'}" if engine == "duckdb" else request.getfixturevalue("pg_database")
    rows = [
        {"spec": "s", "interval_start": datetime(2018, 11, 1), "interval_end": datetime(2018, 11, 2),
         "source": "events", "url": "s3://b/k.json", "line": line, "reason": reason, "raw": raw,
         "recorded_at": datetime(2018, 11, 2, 3, 4, 5, 678901), "run_id": None}
        for line, reason, raw in [
            (1, "not JSON", '{"a": "emoji 😀, 中文, quote \\" and \\\\"'),
            (2**40, "it's 'quoted'", None),
            (None, "tab\tand\nnewline", "é"),
        ]
    ]  # fmt: skip
    layout = Layout(None, "staging", ledger.SCHEMA, "20181101")
    with open_target(url) as target:
        with target.transaction():
            for statement in ledger.ensure(layout, target.engine, {}):
                target.execute(statement)
            target.execute_many(ledger.record_rejects(layout, "s", "events", datetime(2018, 11, 1))[1], rows)
        names, found = target.fetch(exp.select("*").from_(layout.ledger("rejects")).order_by("reason"))
    assert [dict(zip(names, row, strict=True)) for row in found] == sorted(rows, key=lambda r: r["reason"])
