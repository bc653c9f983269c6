"""The ledger's rows: every column present, text cut to fit its column in bytes (Redshift sizes VARCHAR in bytes)."""

from __future__ import annotations

import pytest

from warehouse import ledger


@pytest.mark.parametrize("char", ["a", "é", "€", "𝄞"])  # 1 to 4 bytes in UTF-8
def test_text_is_cut_to_its_column_in_bytes_never_within_a_character(char: str) -> None:
    row = ledger.row("rejects", {"reason": char * 2000, "url": "s3://b/k"})
    reason = row["reason"]
    assert len(reason.encode()) <= 1024 and reason.endswith(ledger.ELLIPSIS)
    assert set(reason[:-1]) == {char} and len(reason.encode()) > 1024 - 4 - len(ledger.ELLIPSIS.encode())
    assert row["url"] == "s3://b/k" and row["line"] is None and set(row) == set(ledger.TABLES["rejects"])


def test_text_that_fits_is_kept_whole() -> None:
    assert ledger.row("steps", {"message": "é" * 2048})["message"] == "é" * 2048  # 4096 bytes
