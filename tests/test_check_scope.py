"""A dimension's checks read the rows whose key the run's load touched (`scope: keys`, the default) or every row
(`scope: table`), on DuckDB and the PostgreSQL server: day 1 is loaded, day 2 runs up to its checks (its touched
keys still kept), rows are broken, then its check step runs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import sqlglot
from helpers import SPEC, edit, load, project_copy

from warehouse.compile import load_project
from warehouse.interval import Interval
from warehouse.plan import Layer
from warehouse.results import StepFailed, StepResult
from warehouse.runner import StepRunner
from warehouse.sql.statement import Statement
from warehouse.steps import IntervalPlan, Options
from warehouse.targets import open_source, open_target
from warehouse.targets.base import Target
from warehouse.targets.duckdb import DuckDB

DAY2 = Interval(datetime(2018, 11, 2), datetime(2018, 11, 3))


@pytest.fixture(params=["duckdb", "postgres"])
def target(request: pytest.FixtureRequest, sample, tmp_path: Path):
    """A warehouse with day 1 loaded and day 2 run up to its checks."""
    data, _ = sample
    url = f"duckdb:///{tmp_path / 'w.duckdb'}" if request.param == "duckdb" else request.getfixturevalue("pg_database")
    with open_target(url) as opened:
        load(SPEC, opened, "2018-11-01", None, data)
        runner = StepRunner(load_project(SPEC), DAY2, opened, options(data))
        for step in runner.steps:
            if step.layer == Layer.CHECKS:
                break
            runner.run_step(step)
        yield opened


def options(data: Path) -> Options:
    variables = {"data_root": str(data), "staging_root": f"{data}-staging"}
    return Options(variables=variables, connect=lambda _: open_source(f"duckdb:///{data}/app.duckdb"))


def check(target: Target, data: Path, table: str, spec: Path = SPEC) -> StepResult:
    """Day 2's check step of the table: its result, failed or not."""
    runner = StepRunner(load_project(spec), DAY2, target, options(data))
    (step,) = [s for s in runner.steps if s.name == f"check_{table}"]
    try:
        return runner.run_step(step)
    except StepFailed as failed:
        return failed.result


def failures(result: StepResult, label: str) -> tuple[int, list[tuple]]:
    (outcome,) = [c for c in result.checks if c.name == label]
    return outcome.failures, outcome.sample


def values(target: Target, sql: str) -> list:
    return [row[0] for row in target.fetch(sqlglot.parse_one(sql, read="postgres"))[1]]


def tamper(target: Target, *statements: str) -> None:
    with target.transaction():
        for sql in statements:
            target.execute(sqlglot.parse_one(sql, read="postgres"))


def keys(target: Target, table: str, key: str, count: int = 2, real: str = "TRUE") -> tuple[list, list]:
    """Keys day 2's load touched and keys it did not (`count` of each, smallest first) among the rows `real`."""
    touched = f"SELECT {key} FROM staging.{table}__keys_20181102"
    inside = values(target, f"{touched} ORDER BY 1 LIMIT {count}")
    outside = f"SELECT DISTINCT {key} FROM {table} WHERE {real} AND {key} IS NOT NULL AND {key} NOT IN ({touched})"
    found = inside, values(target, f"{outside} ORDER BY 1 LIMIT {count}")
    assert [len(k) for k in found] == [count, count], found
    return found


def scoped(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the project whose spec has `old` replaced by `new`."""
    spec = project_copy(tmp_path / f"project{len(list(tmp_path.glob('project*')))}")
    edit(spec, old, new)
    return spec


def test_an_scd2_dimension_checks_the_versions_of_the_keys_it_touched(target, sample, tmp_path: Path) -> None:
    data, _ = sample
    (touched, touched_too), (untouched, untouched_too) = keys(target, "users", "user_id", real="NOT is_inferred")
    versions = {
        u: values(target, f"SELECT COUNT(*) FROM users WHERE user_id = {u}")[0] for u in (touched_too, untouched_too)
    }
    tamper(
        target,
        f"UPDATE users SET level = 'gold' WHERE is_current AND user_id IN ({touched}, {untouched})",
        f"UPDATE users SET is_current = false WHERE is_current AND user_id IN ({touched_too}, {untouched_too})",
    )
    result = check(target, data, "users")
    found, shown = failures(result, "accepted_values(level in 2 value(s))")
    assert (found, [row[0] for row in shown]) == (1, [touched])
    assert failures(result, "history(valid_from, valid_to, is_current)")[0] == versions[touched_too]

    users = "valid_from]}\n      - accepted_values: {column: level, values: [free, paid]"
    spec = scoped(tmp_path, users, f"{users}, scope: table}}\n      - history: {{scope: table")
    result = check(target, data, "users", spec)
    found, shown = failures(result, "accepted_values(level in 2 value(s))")
    assert (found, sorted(row[0] for row in shown)) == (2, sorted([touched, untouched]))
    assert failures(result, "history(valid_from, valid_to, is_current)")[0] == sum(versions.values())


def test_an_upserted_dimension_checks_the_keys_it_merged(target, sample, tmp_path: Path) -> None:
    data, _ = sample
    (touched, other), (untouched, untouched_too) = keys(target, "accounts", "account_id")
    tamper(
        target,
        f"INSERT INTO accounts SELECT * FROM accounts WHERE account_id IN ({touched}, {untouched})",
        f"UPDATE accounts SET plan = 'gold' WHERE account_id IN ({other}, {untouched_too})",
    )
    result = check(target, data, "accounts")
    assert failures(result, "unique(account_id)") == (1, [(touched, 2)])
    found, shown = failures(result, "accepted_values(plan in 3 value(s))")
    assert (found, [row[0] for row in shown]) == (1, [other])

    spec = scoped(tmp_path, "- unique: {columns: [account_id]}", "- unique: {columns: [account_id], scope: table}")
    assert failures(check(target, data, "accounts", spec), "unique(account_id)") == (
        2,
        sorted([(touched, 2), (untouched, 2)]),
    )


def test_unique_without_the_key_sees_repeats_of_a_touched_row_anywhere(target, sample, tmp_path: Path) -> None:
    data, _ = sample
    (touched, _), (untouched, untouched_too) = keys(target, "accounts", "account_id")
    moment, names = (
        "CAST('2000-01-01 00:00:00' AS TIMESTAMP)",
        "account_id, user_id, plan, country, created_at, updated_at",
    )
    tamper(
        target,
        f"UPDATE accounts SET country = 'ZZ', created_at = {moment} WHERE account_id IN ({touched}, {untouched})",
        f"UPDATE accounts SET country = 'YY', created_at = {moment} WHERE account_id = {untouched_too}",
        f"INSERT INTO accounts ({names}) SELECT -1, {names.partition(', ')[2]} FROM accounts WHERE account_id = "
        f"{untouched_too}",  # another row, of a key not touched either
    )
    rule, whole = (
        "- unique: {columns: [country, created_at]}",
        "- unique: {columns: [country, created_at], scope: table}",
    )
    spec = scoped(tmp_path, "- unique: {columns: [account_id]}", f"- unique: {{columns: [account_id]}}\n      {rule}")
    found, shown = failures(check(target, data, "accounts", spec), "unique(country, created_at)")
    assert (found, [row[0] for row in shown]) == (1, ["ZZ"])  # the YY pair has no key day 2 touched
    spec = scoped(tmp_path, "- unique: {columns: [account_id]}", f"- unique: {{columns: [account_id]}}\n      {whole}")
    found, shown = failures(check(target, data, "accounts", spec), "unique(country, created_at)")
    assert (found, [row[0] for row in shown]) == (2, ["YY", "ZZ"])


def test_a_fact_takes_no_scope_of_keys(tmp_path: Path) -> None:
    spec = scoped(tmp_path, "- unique: {columns: [songplay_id]}", "- unique: {columns: [songplay_id], scope: keys}")
    with pytest.raises(Exception, match="scope: keys is for dimensions"):
        load_project(spec)


@pytest.mark.parametrize(("rebuilt", "keys_read"), [(None, True), ("users", False), ("songs", True)])
def test_a_rebuild_checks_every_row(rebuilt: str | None, keys_read: bool) -> None:
    plan = IntervalPlan(load_project(SPEC), DAY2, DuckDB(), Options(rebuild=rebuilt))
    built = plan.build(plan.step("check_users"))
    statements = [a.sql.sql() for a in built.publish if isinstance(a, Statement)]
    assert any("users__keys_20181102" in s for s in statements) == keys_read
