"""Failures the ledger could not take (the connection to the warehouse was lost as the step failed): kept in a
local file, one per failure, and recorded by the next step run against the same warehouse, so that `warehouse
status` shows the interval as failed, not missing. The folder is $WAREHOUSE_STATE_DIR/unrecorded (default
~/.local/state/warehouse/unrecorded)."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

STAMP = "__datetime__"


def folder() -> Path:
    root = os.environ.get("WAREHOUSE_STATE_DIR") or Path.home() / ".local" / "state" / "warehouse"
    return Path(root) / "unrecorded"


def save(spec: str, target: str, step: dict[str, Any], checks: list[dict[str, Any]]) -> Path:
    """Keep a failed step's ledger rows (written whole, then renamed: never half a file); return where."""
    path = folder() / f"{_prefix(spec, target)}{uuid.uuid4().hex}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps({"step": step, "checks": checks}, default=_encode))
    os.replace(partial, path)
    return path


def pending(spec: str, target: str) -> list[Path]:
    """The failures kept for this spec and warehouse, oldest first."""
    found = folder().glob(f"{_prefix(spec, target)}*.json") if folder().is_dir() else []
    return sorted(found, key=lambda p: p.stat().st_mtime_ns)


def read(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    kept = json.loads(path.read_text(), object_hook=_decode)
    return kept["step"], kept["checks"]


def _prefix(spec: str, target: str) -> str:
    """Files of one spec and one warehouse (its description: the URL without secrets)."""
    return f"{spec}-{hashlib.sha256(target.encode()).hexdigest()[:16]}-"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {STAMP: value.isoformat()}
    raise TypeError(f"cannot keep a {type(value).__name__}")


def _decode(obj: dict[str, Any]) -> Any:
    return datetime.fromisoformat(obj[STAMP]) if set(obj) == {STAMP} else obj
