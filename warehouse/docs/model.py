"""What the data dictionary shows, as plain data: tables, sources, checks and (optionally) the target's state.

`gather` is the only place that calls the rest of the warehouse library; everything else in `warehouse.docs`
works on what it returns.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warehouse.docs.state import TargetState, read_state

SQL_DIALECT = "redshift"  # the spec's SQL files are Redshift SQL (README "SQL files")


def gather(spec_path: Path | str, target: str | None = None) -> Dictionary:
    """Load the spec (raising its SpecError) and turn it into plain data; with `target` (a URL or connection id),
    also read each table's row count and the ledger's record of its loads and checks."""
    from warehouse.compile import load_project
    from warehouse.ledger import SCHEMA as LEDGER_SCHEMA
    from warehouse.secrets import mask
    from warehouse.spec import STAGING
    from warehouse.targets import open_target, resolve_url

    compiled = load_project(spec_path)
    spec = compiled.spec
    raw = spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    tables = {}
    for name, table in spec.tables.items():
        kind = "fact" if name in spec.facts else "dimension"
        tables[name] = _table(
            name,
            kind,
            raw["facts" if kind == "fact" else "dimensions"][name],
            select_file=os.path.normpath(spec.resolve(table.select)),
            select_text=spec.resolve(table.select).read_text(encoding="utf-8"),
            select_sql=compiled.select(name).sql(dialect=SQL_DIALECT),
            reads=compiled.depends_on(name),
            check_names=[c.label for c in table.checks],
            check_sql=[spec.resolve(c.sql.query).read_text(encoding="utf-8") if c.sql else "" for c in table.checks],
        )
    dictionary = Dictionary(
        name=spec.name,
        description=spec.description,
        spec_file=str(spec.file),
        schedule=spec.schedule,
        staging=STAGING,
        tables=tables,
        sources={name: _source(name, item) for name, item in raw["sources"].items()},
    )
    if target is not None:
        with open_target(target) as opened:
            dictionary.state = read_state(
                dictionary.name,
                list(tables),
                spec.warehouse_schema,
                LEDGER_SCHEMA,
                opened.fetch,
                opened.table_exists,
                where=mask(resolve_url(target)),
            )
    return dictionary


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    type: str
    nullable: bool
    description: str
    encode: str = ""


@dataclass(frozen=True)
class Reference:
    """One column pair of a `references` check: `table.column` must be a value of `to_table.to_column`."""

    table: str
    column: str
    to_table: str
    to_column: str

    @property
    def origin(self) -> str:
        return f"{self.table}.{self.column}"

    @property
    def target(self) -> str:
        return f"{self.to_table}.{self.to_column}"


@dataclass(frozen=True)
class CheckDoc:
    kind: str
    name: str  # as the ledger records it, e.g. `references(user_id → users)`
    severity: str
    options: dict[str, Any]
    sql: str = ""  # the query file of an `sql` check

    def describe(self, key_of: dict[str, list[str]]) -> str:
        """The check as a sentence; `key_of` gives each table's key (a reference's default columns)."""
        return _SENTENCES[self.kind](self.options, key_of)


@dataclass
class TableDoc:
    name: str
    kind: str  # fact | dimension
    description: str
    columns: list[ColumnDoc]
    key: list[str]
    distribution: str
    sort: list[str]
    loading: list[tuple[str, str]]  # how runs load it: (setting, value)
    checks: list[CheckDoc]
    select_file: str
    select_text: str  # the file as written
    select_sql: str  # the validated SELECT, identifiers quoted (what lineage reads)
    reads: list[str]  # `staging.<source>` and table names, as the SELECT reads them

    def column(self, name: str) -> ColumnDoc:
        return next(c for c in self.columns if c.name == name)


@dataclass
class SourceDoc:
    name: str
    format: str
    description: str
    location: str
    settings: list[tuple[str, str]]
    columns: list[ColumnDoc]


@dataclass
class Dictionary:
    name: str
    description: str
    spec_file: str
    schedule: str
    staging: str  # the schema name by which SELECTs read a source's staged rows
    tables: dict[str, TableDoc]
    sources: dict[str, SourceDoc]
    state: TargetState | None = None

    @property
    def facts(self) -> list[TableDoc]:
        return [t for t in self.tables.values() if t.kind == "fact"]

    @property
    def dimensions(self) -> list[TableDoc]:
        return [t for t in self.tables.values() if t.kind == "dimension"]

    @property
    def key_of(self) -> dict[str, list[str]]:
        return {name: table.key for name, table in self.tables.items()}

    def references(self) -> list[Reference]:
        """Every column pair of every `references` check, in spec order."""
        found = []
        for table in self.tables.values():
            for check in table.checks:
                if check.kind == "references":
                    to = check.options["to"]
                    to_columns = check.options.get("to_columns") or self.tables[to].key
                    found += [
                        Reference(table.name, c, to, t)
                        for c, t in zip(check.options["columns"], to_columns, strict=True)
                    ]
        return found


def _columns(raw: dict[str, dict[str, Any]]) -> list[ColumnDoc]:
    return [
        ColumnDoc(name, c["type"], c["nullable"], c.get("description", ""), c.get("encode", ""))
        for name, c in raw.items()
    ]


def _table(
    name: str,
    kind: str,
    raw: dict[str, Any],
    select_file: str,
    select_text: str,
    select_sql: str,
    reads: list[str],
    check_names: list[str],
    check_sql: list[str],
) -> TableDoc:
    distribution = raw["distribution"]
    checks = []
    for check, label, sql in zip(raw["checks"], check_names, check_sql, strict=True):
        ((kind_of, options),) = check.items()
        checks.append(CheckDoc(kind_of, label, options.pop("severity"), options, sql))
    settings = ("load", "latest_by") if kind == "dimension" else ("load", "time_column", "latest_by")
    return TableDoc(
        name=name,
        kind=kind,
        description=raw.get("description", ""),
        columns=_columns(raw["columns"]),
        key=raw["key"],
        distribution=f"key ({distribution['key']})" if isinstance(distribution, dict) else distribution,
        sort=raw["sort"],
        loading=[(s, str(raw[s])) for s in settings if s in raw],
        checks=checks,
        select_file=select_file,
        select_text=select_text,
        select_sql=select_sql,
        reads=reads,
    )


def _source(name: str, raw: dict[str, Any]) -> SourceDoc:
    shown = ("format", "description", "location", "columns")
    where = raw.get("location") or f"{raw['connection']}: {raw.get('table') or raw.get('query')}"
    return SourceDoc(
        name=name,
        format=raw["format"],
        description=raw.get("description", ""),
        location=where,
        settings=[(k, str(v)) for k, v in raw.items() if k not in shown],
        columns=_columns(raw["columns"]),
    )


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _row_count(o: dict[str, Any], key_of: dict[str, list[str]]) -> str:
    parts = []
    if "min" in o:
        parts.append(f"at least {o['min']:,} row(s)")
    if "max" in o:
        parts.append(f"at most {o['max']:,} row(s)")
    if "staged" in o:
        staged = o["staged"]
        where = f" where {staged['where']}" if staged.get("where") else ""
        within = f", within {staged['tolerance']:.0%}" if staged.get("tolerance") else ""
        parts.append(f"as many rows as the interval's staged {staged['source']}{where}{within}")
    return "; ".join(parts) or "any number of rows"


def _references(o: dict[str, Any], key_of: dict[str, list[str]]) -> str:
    to_columns = o.get("to_columns") or key_of[o["to"]]
    return f"every non-NULL {_listed(o['columns'])} has a match in {o['to']} ({_listed(to_columns)})"


_SENTENCES = {
    "row_count": _row_count,
    "not_null": lambda o, _: f"{_listed(o['columns'])} {'is' if len(o['columns']) == 1 else 'are'} never NULL",
    "unique": lambda o, _: f"no two rows share {_listed(o['columns'])}",
    "references": _references,
    "accepted_values": lambda o, _: f"{o['column']} is one of: {', '.join(str(v) for v in o['values'])}",
    "freshness": lambda o, _: f"the newest {o['column']} is at most {o['max_age']} before the interval's end",
    "sql": lambda o, _: f"the query {o['query']} returns no rows",
    "history": lambda o, _: "versions do not overlap, each valid_to is the next valid_from, one current per key",
}
