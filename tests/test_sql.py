"""SQL built per dialect: golden files, sqlglot round trips, and create_tables.sql kept in sync."""

from datetime import datetime
from pathlib import Path

import pytest
import sqlglot
from helpers import ROOT, SPEC, assert_golden
from sqlglot import exp

from warehouse.compile import load_project
from warehouse.interval import Interval
from warehouse.plan import Layer
from warehouse.printed import ddl_text, plan_text
from warehouse.sql.statement import Statement
from warehouse.steps import IntervalPlan, Options
from warehouse.targets import engine_named

GOLDEN = ROOT / "tests" / "golden"
DATA = "tests/fixtures/golden"
DAY = Interval(datetime(2018, 11, 1), datetime(2018, 11, 2))
STAGING_DIALECTS = ["duckdb", "postgres"]


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # object paths in the plans are relative to the repository


@pytest.mark.parametrize("dialect", STAGING_DIALECTS)
def test_plan_matches_golden_file(dialect: str) -> None:
    text = plan_text(load_project(SPEC), DAY, engine_named(dialect), Options(variables={"data_root": DATA}))
    golden = GOLDEN / f"plan_{dialect}.sql"
    assert_golden(text, golden)


@pytest.mark.parametrize("dialect", ["redshift", "postgres", "duckdb"])
def test_every_statement_round_trips_through_sqlglot(dialect: str) -> None:
    plan = IntervalPlan(load_project(SPEC), DAY, engine_named(dialect))
    statements = [
        action.sql
        for step in plan.steps
        if step.layer != Layer.STAGE
        for action in plan.build(step).actions
        if isinstance(action, Statement)
    ]
    for statement in statements:
        text = statement.sql(dialect=dialect)
        assert sqlglot.parse_one(text, read=dialect).sql(dialect=dialect) == text


@pytest.mark.parametrize("dialect", ["redshift", "postgres", "duckdb"])
def test_rendering_leaves_every_statement_as_it_was(dialect: str) -> None:
    """Engines render statements without copying them first (`Engine.render`): sqlglot's generator must not
    change any of them, or a statement rendered twice (logged, then run) would differ."""
    engine = engine_named(dialect)
    plan = IntervalPlan(load_project(SPEC), DAY, engine)
    actions = [a for step in plan.steps if step.layer != Layer.STAGE for a in plan.build(step).actions]
    statements = [a for a in actions if isinstance(a, Statement)]
    assert len(statements) > 50
    for statement in statements:
        pristine = statement.sql.copy()
        first = engine.render(statement)
        assert statement.sql == pristine and engine.render(statement, pretty=True) and engine.render(statement) == first


def test_create_tables_sql_is_the_generated_redshift_ddl() -> None:
    expected = ddl_text(load_project(Path("config/sparkify.yaml")), engine_named("redshift"))
    assert (ROOT / "create_tables.sql").read_text() == expected, (
        "create_tables.sql is stale: run `warehouse ddl --target redshift > create_tables.sql`"
    )


@pytest.mark.parametrize("dialect", STAGING_DIALECTS)
def test_ddl_matches_golden_file(dialect: str) -> None:
    """Redshift's DDL is create_tables.sql; the other engines' are golden files."""
    text = ddl_text(load_project(Path("config/sparkify.yaml")), engine_named(dialect))
    golden = GOLDEN / f"ddl_{dialect}.sql"
    assert_golden(text, golden, "DDL")


@pytest.mark.parametrize("dialect", ["redshift", "postgres", "duckdb"])
def test_ddl_comments_on_every_described_table_and_column(dialect: str) -> None:
    project = load_project(Path("config/sparkify.yaml"))
    engine = engine_named(dialect)
    text = (ROOT / "create_tables.sql").read_text() if dialect == "redshift" else ddl_text(project, engine)
    statements = [sqlglot.parse_one(s, read=dialect) for s in text.split(";\n") if "COMMENT ON" in s]
    found = {
        (c.this.table, c.this.name) if isinstance(c.this, exp.Column) else (c.this.name, None): c.expression.name
        for c in statements
    }
    wanted = {}
    for name, table in project.spec.tables.items():
        wanted |= {(name, None): table.description} if table.description else {}
        wanted |= {(name, c): col.description for c, col in table.columns.items() if col.description}
    assert wanted and found == wanted


def test_redshift_ddl_has_layout_and_the_others_do_not() -> None:
    project = load_project(SPEC)
    redshift, postgres = ddl_text(project, engine_named("redshift")), ddl_text(project, engine_named("postgres"))
    assert 'DISTKEY("user_id")' in redshift and 'COMPOUND SORTKEY("start_time")' in redshift
    assert "ENCODE az64" in redshift and 'PRIMARY KEY ("songplay_id")' in redshift
    assert "DIST" not in postgres and "SORTKEY" not in postgres and "ENCODE" not in postgres
