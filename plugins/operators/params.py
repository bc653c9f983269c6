"""The trigger form of a warehouse DAG (typed params) and what a run's params choose."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from airflow.sdk import Param

from warehouse.spec import Spec

RUN_PARAMS = ("tables", "full_refresh", "target")
# The target refuses a URL with user:password@. JSON Schema states that only as a pattern, and a refusal quotes the
# rule that failed: `not` a schema named in words makes Airflow's message read "... should not be valid under
# {'$ref': '#/$defs/a URL with a password: ...'}" rather than quote the regex (which only its dump of the schema
# below that line shows). Validated by the API server too, with the JSON Schema alone (no code of ours).
WITH_PASSWORD = "a URL with a password: give an Airflow connection id, or the URL without its password"
NO_PASSWORD = {"not": {"$ref": f"#/$defs/{WITH_PASSWORD}"}, "$defs": {WITH_PASSWORD: {"pattern": "://[^/@]*:[^/@]*@"}}}


def trigger_params(spec: Spec, target: str) -> dict[str, Param]:
    """Params for the trigger form: what to load, where, and the spec's vars (defaults: spec, then environment)."""
    if urlsplit(target).password:
        raise ValueError(f"{spec.file}: the default target has a password: name an Airflow connection instead")
    clashes = sorted(set(spec.vars) & set(RUN_PARAMS))
    if clashes:
        raise ValueError(f"{spec.file}: vars {', '.join(clashes)} clash with the DAG's own params: rename them")
    tables = list(spec.tables)
    return {
        "tables": Param(
            tables,
            type="array",
            items={"type": "string", "enum": tables},
            examples=tables,
            minItems=1,
            uniqueItems=True,
            title="Tables",
            description="Tables to load (default: all). The steps of the other tables are skipped.",
        ),
        "full_refresh": Param(
            False,
            type="boolean",
            title="Full refresh",
            description="Reload every object of prefix sources (e.g. all song files) and rebuild the dimensions "
            "that only they feed.",
        ),
        "target": Param(
            target,
            type="string",
            minLength=1,
            title="Target",
            description="Airflow connection id of the warehouse, or a URL without a password "
            "(e.g. duckdb:////abs/path/warehouse.duckdb).",
            **NO_PASSWORD,
        ),
        **{
            name: Param(value, type="string", title=name, description=f"The spec's var `{name}`.", section="Vars")
            for name, value in spec.variables().items()
        },
    }


@dataclass(frozen=True)
class Choices:
    """What a run's params ask for, checked against the spec."""

    tables: list[str] | None  # None: every table
    full_refresh: bool


def choices(spec: Spec, params: Mapping[str, Any]) -> Choices:
    """Read a run's params (absent ones take their defaults; the run's conf may add others, which are refused);
    raise ValueError on what the form cannot check."""
    unknown = sorted(set(params) - set(RUN_PARAMS) - set(spec.vars))
    if unknown:
        raise ValueError(
            f"unknown param(s) {', '.join(unknown)} (params: {', '.join([*RUN_PARAMS, *spec.vars])}); a run loads "
            "its data interval: give a window as the run's data interval (the trigger form's Data Interval, "
            "`data_interval_start` and `data_interval_end` in the REST API), or backfill it"
        )
    tables = params.get("tables") or list(spec.tables)
    wrong = [t for t in tables if t not in spec.tables]
    if wrong:
        raise ValueError(f"unknown table(s) {', '.join(wrong)} (tables: {', '.join(spec.tables)})")
    everything = set(tables) == set(spec.tables)
    return Choices(None if everything else list(tables), bool(params.get("full_refresh")))
