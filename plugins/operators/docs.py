"""The documentation Airflow shows of a spec's DAG and tasks (Markdown, rendered in the UI), from the spec alone.

Nothing here imports sqlglot or connects to anything: the docs are built at parse time."""

from __future__ import annotations

from collections.abc import Sequence

from warehouse.plan import Step
from warehouse.secrets import mask
from warehouse.spec import Check, Dimension, Fact, FileSource, PostgresSource, Spec

PERIOD = {"@hourly": "hour", "@daily": "day", "@weekly": "week", "@monthly": "month", "@yearly": "year"}


def dag_doc(spec: Spec, target: str) -> str:
    """The spec: what the DAG loads and how, each table with its columns, key and checks, each source."""
    period = PERIOD.get(spec.schedule, f"period of `{spec.schedule}` ({spec.timezone})")
    lines = [
        f"# {spec.name}",
        "",
        spec.description,
        "",
        f"From `{spec.file.name}`. Each run loads one {period}, its data interval, into `{target}` (the trigger "
        "form's *Target*): a scheduled or backfill run the period that starts at its logical date, a manual run "
        f"its data interval as the form gives it. Rerunning a run replaces exactly its interval.",
        "",
        "## Tables",
    ]
    for name, table in spec.tables.items():
        kind = "dimension" if isinstance(table, Dimension) else "fact"
        lines += ["", f"### {name} ({kind})", "", table.description, "", f"Each run {_how_loaded(name, table)}", ""]
        lines += ["| column | type | null | description |", "|---|---|---|---|"]
        for column_name, column in table.columns.items():
            key = " (key)" if column_name in table.key else ""
            nullable = "yes" if column.nullable else "no"
            lines.append(f"| `{column_name}`{key} | {column.type} | {nullable} | {_cell(column.description)} |")
        if table.checks:
            lines += ["", "Checks (each a query whose rows are the failures):", ""]
            lines += [f"- {describe_check(check)}" for check in table.checks]
    lines += ["", "## Sources", ""]
    lines += ["| source | format | location | description |", "|---|---|---|---|"]
    for name, source in spec.sources.items():
        lines.append(f"| `{name}` | {source.format} | {_cell(_location(source))} | {_cell(source.description)} |")
    if spec.vars:
        lines += ["", "Vars (defaults of the trigger form's *Vars*): " + ", ".join(
            f"`{name}` = `{mask(value)}`" for name, value in spec.variables().items()
        )]  # fmt: skip
    return "\n".join(lines) + "\n"


def task_doc(spec: Spec, steps: Sequence[Step], sql: dict[str, str], engine: str) -> str:
    """What a task does: each of its steps, in order, with the SQL it runs for the spec's first interval on
    `engine` (`sql`: by step, as `warehouse plan` prints it; a stage step's statements depend on its objects)."""
    parts = []
    for step in steps:
        parts.append(f"- **{step.name}**: {step_doc(spec, step)}\n")
        shown = " as if it had no object (they are listed when it runs)" if step.layer == "stage" else ""
        parts.append(
            f"\n  Its SQL on {engine} for the spec's first interval{shown}; `warehouse plan --date D` prints any:\n"
        )
        parts.append("\n  ```sql\n" + "".join(f"  {line}\n" for line in sql[step.name].splitlines()) + "  ```\n")
    return "".join(parts)


def step_doc(spec: Spec, step: Step) -> str:
    """What a step does, in a sentence or two."""
    subject = step.subject or ""
    if step.layer == "setup":
        return "creates the schemas, the ledger and every table that does not exist yet."
    if step.layer == "stage":
        source = spec.sources[subject]
        staging = f"`{spec.staging_schema}.{subject}_<interval>`"
        if isinstance(source, PostgresSource):
            return (
                f"extracts the rows of {source.table or 'its query'} (connection `{source.connection}`) whose "
                f"`{source.incremental_column}` falls in the interval to files, and stages them in {staging}."
            )
        if source.partitioned:
            return f"stages the interval's objects of `{mask(source.location)}` in {staging}."
        return f"stages the objects under `{mask(source.location)}` not loaded before in {staging}."
    if step.layer in ("dimensions", "facts"):
        return _how_loaded(subject, spec.tables[subject])
    if step.layer == "checks":
        table = spec.tables[subject]
        scope = " on the interval's rows" if isinstance(table, Fact) else ""
        checks = "; ".join(describe_check(c) for c in table.checks) or "none"
        return f"runs the checks of `{subject}`{scope}: {checks}."
    return "marks the objects the run staged as loaded and drops its staging tables."


def describe_check(check: Check) -> str:
    """`kind` with its options and severity, e.g. "`not_null`: columns user_id, level (error)"."""
    options = check.options.model_dump(exclude={"severity"}, exclude_none=True)
    detail = "; ".join(f"{key} {_value(value)}" for key, value in options.items())
    return f"`{check.kind}`: {detail} ({check.options.severity})"


def _how_loaded(name: str, table: Dimension | Fact) -> str:
    key = ", ".join(table.key)
    if isinstance(table, Fact):
        return (
            f"replaces the interval's rows of `{name}` (`{table.time_column}` in the interval) with the rows of "
            f"`{table.select}`, one per key ({key})."
        )
    if table.load == "replace":
        return f"rebuilds `{name}` from the rows of `{table.select}`, one per key ({key})."
    newest = f" by `{table.latest_by}`" if table.latest_by else ""
    return f"merges the rows of `{table.select}` into `{name}` by its key ({key}); the newest row per key wins{newest}."


def _location(source: FileSource | PostgresSource) -> str:
    if isinstance(source, PostgresSource):
        return f"connection `{source.connection}`: {source.table or 'a query'}"
    return f"`{mask(source.location)}`"


def _value(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def _cell(text: str) -> str:
    """Text for a cell of a Markdown table."""
    return text.replace("|", "\\|").replace("\n", " ")
