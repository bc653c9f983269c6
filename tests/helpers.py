"""Helpers shared by tests: a project copy to break on purpose, table snapshots, loads."""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from warehouse.compile import compile_spec
from warehouse.interval import parse_moment
from warehouse.runner import run
from warehouse.spec import Spec, load_spec
from warehouse.steps import Options
from warehouse.targets import open_source
from warehouse.targets.base import Target

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "config" / "sparkify.yaml"


def assert_golden(text: str, golden: Path, what: str = "plan") -> None:
    """`text` equals the golden file; with UPDATE_GOLDEN=1 the text is written there instead (review the diff)."""
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert text == golden.read_text(), f"{what} changed: review, then rerun with UPDATE_GOLDEN=1 to accept ({golden})"


def project_copy(tmp: Path) -> Path:
    """A copy of config/ and sql/ to edit; returns the spec's path."""
    shutil.copytree(ROOT / "config", tmp / "config")
    shutil.copytree(ROOT / "sql", tmp / "sql")
    return tmp / "config" / "sparkify.yaml"


def edit(path: Path, old: str, new: str) -> int:
    """Replace `old` (which must occur once) by `new`; return the 1-based line where it starts."""
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new))
    return text[: text.index(old)].count("\n") + 1


def load(spec: Spec | Path, target: Target, start: str, end: str | None, data_root: Path, **options) -> list:
    """Run [start, end) (end None: the one day from start) on the sample at `data_root`: its files, its
    app.duckdb as the app database, and a staging location beside it."""
    spec = spec if isinstance(spec, Spec) else load_spec(spec)
    variables = {"data_root": str(data_root), "staging_root": f"{data_root}-staging"}
    opts = Options(variables=variables, connect=lambda _: open_source(f"duckdb:///{data_root}/app.duckdb"), **options)
    begin = parse_moment(start)
    return run(compile_spec(spec), begin, parse_moment(end) if end else begin + timedelta(days=1), target, opts)


def _canonical(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, float | Decimal):
        return repr(float(value))
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value)


def snapshot(target: Target, spec: Spec) -> dict[str, tuple[int, str]]:
    """Each table's row count and an order-independent checksum of its contents (engine-independent)."""
    from sqlglot import exp

    result = {}
    for name, table in spec.tables.items():
        ref = exp.Table(this=exp.to_identifier(name, quoted=True))
        query = exp.select(*(exp.column(c, quoted=True) for c in table.column_names)).from_(ref)
        _, rows = target.fetch(query)
        lines = sorted("\t".join(_canonical(v) for v in row) for row in rows)
        result[name] = (len(rows), hashlib.sha256("\n".join(lines).encode()).hexdigest())
    return result


def count(target: Target, sql: str) -> int:
    import sqlglot

    return int(target.scalar(sqlglot.parse_one(sql)))


def upload(client, bucket: str, folder: Path) -> None:
    """Every file under `folder`, at the same relative key in `bucket` (created if needed)."""
    if bucket not in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            client.upload_file(str(path), bucket, str(path.relative_to(folder)))
