"""An edited spec reaches a loaded warehouse, on DuckDB and the PostgreSQL server, for each kind of change: a run
stops before moving data and says why; `warehouse diff` shows the change; `warehouse migrate` makes the catalog
what a fresh setup of the new spec makes, keeping the data; `warehouse status` lists the stale intervals; and
reloading them gives the tables a fresh load under the new spec gives. Redshift: the migration statements of
each kind, as golden files, checked against the Redshift rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import ROOT, assert_golden, count, edit, load, project_copy, snapshot
from redshift_rules import forbidden_in_transaction, violations

from warehouse.catalog import expected, read
from warehouse.cli import main
from warehouse.compile import load_project
from warehouse.migrate import changes, migrations
from warehouse.results import StepFailed
from warehouse.status import status
from warehouse.targets import open_target
from warehouse.targets.redshift import Redshift

pytestmark = pytest.mark.slow
GOLDEN = ROOT / "tests" / "golden" / "migrate_redshift"
DAYS = ("2018-11-01", "2018-11-03")  # two loaded days (the sample's third is missing)


@dataclass(frozen=True)
class Kind:
    """A change to the spec (and its SQL), what `warehouse diff` calls it, and how it is filled afterwards."""

    change: Callable[[Path], None]
    expect: str  # a change kind `warehouse diff` shows
    breaking: bool = False
    rebuild: str | None = None  # a dimension rebuilt instead of its stale intervals reloaded
    kept: str = "SELECT COUNT(*) FROM songplays"  # a query whose answer the migration keeps


def _sql(spec: Path, name: str) -> Path:
    return spec.parent.parent / "sql" / name


def add_dimension_column(spec: Path) -> None:
    edit(spec, "      level: {type: varchar(16), nullable: false, description: \"Subscription level: free or paid\"}\n",
         "      level: {type: varchar(16), nullable: false, description: \"Subscription level: free or paid\"}\n"
         "      location: {type: varchar(256), description: Where the user listens from}\n")  # fmt: skip
    edit(_sql(spec, "dim_users.sql"), "    e.level,\n", "    e.level,\n    e.location,\n")


def add_fact_column(spec: Path) -> None:
    edit(spec, "      session_id: {type: int, nullable: false, encode: az64}\n",
         "      session_id: {type: int, nullable: false, encode: az64}\n"
         "      item_in_session: {type: int, description: Position of the play in its session}\n")  # fmt: skip
    edit(_sql(spec, "fact_songplays.sql"), "    e.sessionid AS session_id,\n",
         "    e.sessionid AS session_id,\n    e.iteminsession AS item_in_session,\n")  # fmt: skip


def widen_varchar(spec: Path) -> None:
    edit(spec, "      first_name: {type: varchar(128), description: First name}",
         "      first_name: {type: varchar(256), description: First name}")  # fmt: skip


def int_to_bigint(spec: Path) -> None:
    edit(spec, "      session_id: {type: int, nullable: false, encode: az64}",
         "      session_id: {type: bigint, nullable: false, encode: az64}")  # fmt: skip


def rename_column(spec: Path) -> None:
    edit(spec, "      location: {type: varchar(256), encode: zstd}",
         "      user_location: {type: varchar(256), encode: zstd, renamed_from: location}")  # fmt: skip
    edit(_sql(spec, "fact_songplays.sql"), "    e.location,\n", "    e.location AS user_location,\n")


def drop_column(spec: Path) -> None:
    edit(spec, "      user_agent: {type: varchar(512), encode: zstd}\n", "")
    edit(_sql(spec, "fact_songplays.sql"), "    e.location,\n    e.useragent AS user_agent\n", "    e.location\n")


def add_referenced_table(spec: Path) -> None:
    edit(
        spec,
        "facts:\n",
        """  levels:
    description: The subscription levels users have played at.
    select: ../sql/dim_levels.sql
    key: [level]
    columns:
      level: {type: varchar(16), nullable: false, description: Subscription level}

facts:
""",
    )
    edit(spec, "      - references: {columns: [artist_id], to: artists}\n",
         "      - references: {columns: [artist_id], to: artists}\n"
         "      - references: {columns: [level], to: levels}\n")  # fmt: skip
    _sql(spec, "dim_levels.sql").write_text(
        "SELECT DISTINCT e.level FROM staging.events AS e WHERE e.page = 'NextSong'\n"
    )


def change_dimension_key(spec: Path) -> None:
    edit(spec, "    key: [account_id]", "    key: [account_id, plan]")
    edit(spec, "      - unique: {columns: [account_id]}\n", "      - unique: {columns: [account_id, plan]}\n")


def change_descriptions(spec: Path) -> None:
    """A table's description changed, a column's changed, another's removed."""
    edit(spec, "    description: App users, a version per change of level (the level of their plays from then on).\n",
         "    description: App users, a version per level.\n")  # fmt: skip
    edit(spec, 'description: "Subscription level: free or paid"}', "description: free or paid (latest)}")
    edit(spec, "      first_name: {type: varchar(128), description: First name}",
         "      first_name: {type: varchar(128)}")  # fmt: skip


USERS, LOCATIONS = "SELECT COUNT(*) FROM users", "SELECT COUNT(user_location) FROM songplays"
KINDS = {
    "add_dimension_column": Kind(add_dimension_column, "add_column", rebuild="users", kept=USERS),
    "add_fact_column": Kind(add_fact_column, "add_column"),
    "widen_varchar": Kind(widen_varchar, "widen_varchar", kept="SELECT COUNT(first_name) FROM users"),
    "int_to_bigint": Kind(int_to_bigint, "widen_type", kept="SELECT SUM(session_id) FROM songplays"),
    "rename_column": Kind(rename_column, "rename_column", breaking=True, kept=LOCATIONS),
    "drop_column": Kind(drop_column, "drop_column", breaking=True),
    "add_referenced_table": Kind(add_referenced_table, "add_table"),
    "change_dimension_key": Kind(change_dimension_key, "change_key", breaking=True, rebuild="accounts",
                                 kept="SELECT COUNT(*) FROM accounts"),
}  # fmt: skip


def require_title(spec: Path) -> None:
    """NOT NULL on a dimension that a fact's foreign key references: a deep copy on Redshift."""
    edit(spec, "      title: {type: varchar(512), description: Song title}",
         "      title: {type: varchar(512), nullable: false, description: Song title}")  # fmt: skip


GOLDEN_KINDS = {
    **KINDS,
    "change_descriptions": Kind(change_descriptions, "description", kept=USERS),
    "require_title": Kind(require_title, "set_not_null", kept="SELECT COUNT(*) FROM songs"),
}


@pytest.fixture(params=["duckdb", "postgres"])
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


def url_for(engine: str, tmp_path: Path, request: pytest.FixtureRequest, name: str) -> str:
    if engine == "duckdb":
        return f"duckdb:///{tmp_path / f'{name}.duckdb'}"
    return request.getfixturevalue("pg_database") if name == "w" else _another_database(request)


def _another_database(request: pytest.FixtureRequest) -> str:
    """A second empty database on the server (the pg_database fixture gives one per test)."""
    import uuid

    import psycopg

    server = request.getfixturevalue("pg_server")
    name = f"warehouse_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    request.addfinalizer(drop)
    return f"{server}/{name}"


def cli(*args: str) -> int:
    return main(list(args))


@pytest.mark.parametrize("kind", KINDS)
def test_a_spec_change_reaches_a_loaded_warehouse(
    kind: str, engine: str, sample, tmp_path: Path, request: pytest.FixtureRequest, capsys, monkeypatch
) -> None:  # fmt: skip
    data, _ = sample
    what = KINDS[kind]
    spec = project_copy(tmp_path)
    url = url_for(engine, tmp_path, request, "w")
    with open_target(url) as target:
        load(spec, target, *DAYS, data)
        before = int(target.scalar(_query(what.kept.replace("user_location", "location"))) or 0)
    what.change(spec)
    project = load_project(spec)
    monkeypatch.setenv("AIRFLOW_CONN_APP_DB", f"duckdb:///{data}/app.duckdb")
    day = ["--spec", str(spec), "--target", url, "--var", f"data_root={data}", "--var", f"staging_root={data}-st"]
    capsys.readouterr()

    # a run stops in setup, before moving data, and says why (a new table alone is simply created; DuckDB declares
    # no varchar length, so a longer one changes nothing there)
    if what.expect != "add_table" and (engine, kind) != ("duckdb", "widen_varchar"):
        with open_target(url) as target, pytest.raises(StepFailed) as failed:
            load(spec, target, "2018-11-04", None, data)
        assert failed.value.result.step.name == "setup" and what.expect.replace("_", " ") in failed.value.result.message
        assert "warehouse migrate" in failed.value.result.message

    # the diff names the change; migrate applies it (breaking ones only with the flag)
    assert cli("diff", "--spec", str(spec), "--target", url) in (0, 1)
    shown = capsys.readouterr().out
    assert what.expect.replace("_", " ") in shown or (engine == "duckdb" and kind == "widen_varchar")
    if what.breaking:
        assert cli("migrate", "--spec", str(spec), "--target", url) == 1
        assert "--allow-breaking" in capsys.readouterr().err
    assert cli("migrate", "--spec", str(spec), "--target", url, "--allow-breaking") == 0

    # the catalog is what a fresh setup makes, and the data is kept
    fresh_url = url_for(engine, tmp_path, request, "fresh")
    with open_target(url) as migrated, open_target(fresh_url) as fresh:
        load(spec, fresh, *DAYS, data)
        schema = migrated.engine.default_schema
        assert (
            _comparable(read(migrated, schema))
            == _comparable(read(fresh, schema))
            == _comparable(expected(project, migrated.engine))
        )
        assert int(migrated.scalar(_query(what.kept)) or 0) == before
        stale = [i for i in status(project, migrated).intervals if i.state == "stale"]
        assert len(stale) == 2 and all(i.stale for i in stale), status(project, migrated).intervals

        # reloading the stale intervals (or rebuilding the dimension) gives what a fresh load gives
        how = ["--rebuild", what.rebuild] if what.rebuild else ["--stale"]
        migrated.close()
        assert cli("run", *day, "--start", DAYS[0], "--end", DAYS[1], *how) == 0
        assert snapshot(migrated, project.spec) == snapshot(fresh, project.spec)
        if what.rebuild:
            assert cli("run", *day, "--start", DAYS[0], "--end", DAYS[1], "--stale") == 0
        assert [i.state for i in status(project, migrated).intervals] == ["loaded", "loaded"]


def test_on_schema_change_migrate_applies_additive_changes_and_loads(sample, tmp_path: Path) -> None:
    data, _ = sample
    spec = project_copy(tmp_path)
    with open_target(f"duckdb:///{tmp_path / 'w.duckdb'}") as target:
        load(spec, target, *DAYS, data)
        add_fact_column(spec)
        edit(spec, "catchup: false\n", "catchup: false\non_schema_change: migrate\n")
        load(spec, target, "2018-11-04", None, data)
        assert count(target, "SELECT COUNT(item_in_session) FROM songplays") > 0
        drop_column(spec)  # breaking: still refused
        with pytest.raises(StepFailed) as failed:
            load(spec, target, "2018-11-04", None, data)
        assert "drop column" in failed.value.result.message


def test_a_description_change_is_applied_by_migrate_and_by_every_run(
    engine: str, sample, tmp_path: Path, request: pytest.FixtureRequest, capsys
) -> None:  # fmt: skip
    """Descriptions are COMMENT ON statements, read back from the catalog: a change is additive, `warehouse
    migrate` applies it, and so does a run's setup (it moves no data), without making any interval stale."""
    data, _ = sample
    spec = project_copy(tmp_path)
    url = url_for(engine, tmp_path, request, "w")
    with open_target(url) as target:
        load(spec, target, *DAYS, data)
        schema = target.engine.default_schema
        users = read(target, schema)["users"]
        assert users.description == "App users, a version per change of level (the level of their plays from then on)."
        assert users.descriptions["level"] == "Subscription level: free or paid"
        assert _described(read(target, schema)) == _described(expected(load_project(spec), target.engine))

        change_descriptions(spec)
        capsys.readouterr()
        assert cli("diff", "--spec", str(spec), "--target", url) == 1
        shown = capsys.readouterr().out
        assert "additive  users: description" in shown and "additive  users.level: description" in shown
        assert "additive  users.first_name: description (First name)" in shown
        assert """COMMENT ON COLUMN "users"."level" IS 'free or paid (latest)'""" in shown
        assert cli("migrate", "--spec", str(spec), "--target", url) == 0
        project = load_project(spec)
        assert _described(read(target, schema)) == _described(expected(project, target.engine))
        assert "first_name" not in read(target, schema)["users"].descriptions
        assert cli("diff", "--spec", str(spec), "--target", url) == 0

        edit(spec, "description: free or paid (latest)}", "description: Level of the latest play}")
        load(spec, target, "2018-11-04", None, data)  # on_schema_change: fail, yet the run applies it
        assert read(target, schema)["users"].descriptions["level"] == "Level of the latest play"
        assert "stale" not in [i.state for i in status(load_project(spec), target).intervals]


def _described(catalog: dict) -> dict:
    return {name: (shape.description, shape.descriptions) for name, shape in _spec_tables(catalog).items()}


def _comparable(catalog: dict) -> dict:
    """Spec tables only, as plain data."""
    described = _described(catalog)
    return {
        name: ({c: (s.type, s.nullable) for c, s in shape.columns.items()}, shape.key, *described[name])
        for name, shape in _spec_tables(catalog).items()
    }


def _spec_tables(catalog: dict) -> dict:
    """A fresh setup has no shadow tables, and an scd2 dimension's runs are not in the spec."""
    return {name: shape for name, shape in catalog.items() if not name.endswith(("__rebuild", "__migrate", "__runs"))}


def _query(sql: str):
    import sqlglot

    return sqlglot.parse_one(sql)


@pytest.mark.parametrize("kind", GOLDEN_KINDS)
def test_redshift_migration_statements_match_golden_files(kind: str, tmp_path: Path) -> None:
    """The statements `warehouse migrate` runs on Redshift for each kind (a golden file), each keeping the Redshift
    rules, and none that cannot run in a transaction block inside one."""
    spec = project_copy(tmp_path)
    old = load_project(spec)
    recorded = {t: old.definition(t) for t in old.spec.tables}
    GOLDEN_KINDS[kind].change(spec)
    new = load_project(spec)
    engine = Redshift()
    found = changes(new, engine, expected(old, engine), recorded)
    lines = [
        "-- Redshift rules relied on: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html (ADD, DROP and",
        "-- RENAME COLUMN in a transaction; ALTER COLUMN TYPE only lengthens a VARCHAR, outside a transaction block);",
        "-- anything else a deep copy in one transaction (CREATE, INSERT ... SELECT, DROP, ALTER TABLE RENAME).",
        *(f"-- {c}" for c in found),
    ]
    for migration in migrations(new, engine, found, None):
        lines.append("-- outside a transaction block" if migration.alone else "-- one transaction")
        for statement in migration.statements:
            sql = engine.render(statement)
            assert violations(sql) == [], sql
            assert migration.alone or forbidden_in_transaction(sql) is None, sql
            lines.append(f"{sql};")
    text = "\n".join(lines) + "\n"
    golden = GOLDEN / f"{kind}.sql"
    assert_golden(text, golden, "migration")
    assert GOLDEN_KINDS[kind].expect in {c.kind for c in found}
