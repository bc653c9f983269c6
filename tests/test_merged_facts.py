"""Facts merged by key: a shop's orders, whose status changes after the day they were placed (an accumulating
snapshot, tests/fixtures/orders), on DuckDB and the PostgreSQL server. Each order is held once, in its newest
row, whatever order the days load in; a fact without a time column loads by key; checks see the rows the run
merged."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
import sqlglot
from helpers import ROOT, edit
from test_spec import error_of

from warehouse.compile import compile_spec
from warehouse.results import StepResult
from warehouse.runner import run
from warehouse.spec import load_spec
from warehouse.steps import Options
from warehouse.targets import open_target

ORDERS = ROOT / "tests" / "fixtures" / "orders" / "orders.yaml"
DATA = ORDERS.parent / "data"
NEWEST = {  # order: (status, ordered_at, updated_at) of its last change in data/orders/
    1: ("delivered", datetime(2018, 11, 1, 9), datetime(2018, 11, 4, 16)),
    2: ("cancelled", datetime(2018, 11, 1, 12), datetime(2018, 11, 4, 17)),
    3: ("cancelled", datetime(2018, 11, 1, 15), datetime(2018, 11, 3, 12)),
    4: ("placed", datetime(2018, 11, 2, 8), datetime(2018, 11, 2, 8)),
    5: ("placed", datetime(2018, 11, 4, 18), datetime(2018, 11, 4, 18)),
}


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'w.duckdb'}"
    return request.getfixturevalue("pg_database")


def load_days(url: str, days: tuple[int, ...], staging: Path) -> list[StepResult]:
    project = compile_spec(load_spec(ORDERS))
    options = Options(variables={"data_root": str(DATA), "staging_root": str(staging)})
    results = []
    with open_target(url) as target:
        for d in days:
            results += run(project, datetime(2018, 11, d), datetime(2018, 11, d + 1), target, options)
    return results


def query(url: str, sql: str) -> list[tuple]:
    with open_target(url) as target:
        return target.fetch(sqlglot.parse_one(sql))[1]


def orders(url: str) -> dict[int, tuple]:
    found = query(url, "SELECT order_id, status, ordered_at, updated_at FROM orders")
    assert len(found) == len({row[0] for row in found}), f"an order is held twice: {found}"
    return {row[0]: tuple(row[1:]) for row in found}


def step(results: list[StepResult], name: str, day: int) -> StepResult:
    (found,) = [r for r in results if r.step.name == name and r.interval.start.day == day]
    return found


@pytest.mark.parametrize("days", [(1, 2, 3, 4), (4, 3, 2, 1), (3, 1, 4, 2)], ids=lambda d: "".join(map(str, d)))
def test_each_order_is_held_once_in_its_newest_row_whatever_order_the_days_load_in(
    warehouse: str, days: tuple[int, ...], tmp_path: Path
) -> None:
    load_days(warehouse, days, tmp_path / "staging")
    assert orders(warehouse) == NEWEST
    status = query(warehouse, "SELECT order_id, status, updated_at FROM order_status")  # no time column: by key
    assert {row[0]: tuple(row[1:]) for row in status} == {k: (s, u) for k, (s, _, u) in NEWEST.items()}
    load_days(warehouse, (2,), tmp_path / "staging")  # a rerun of an old day takes nothing back
    assert orders(warehouse) == NEWEST


def test_a_day_merges_its_changes_into_orders_placed_on_other_days(warehouse: str, tmp_path: Path) -> None:
    results = load_days(warehouse, (1, 2, 3), tmp_path / "staging")
    assert step(results, "load_orders", 1).counts == {"inserted": 3, "updated": 0}  # order 1: its newest of two
    day3 = step(results, "load_orders", 3)
    assert (day3.counts, day3.warnings) == ({"inserted": 0, "updated": 2}, [])  # orders placed on 1 November
    assert orders(warehouse)[1] == ("shipped", datetime(2018, 11, 1, 9), datetime(2018, 11, 3, 11))
    staging = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'staging'"
    assert query(warehouse, staging) == []  # the merged rows were dropped with the staged ones


def test_checks_of_a_merged_fact_see_the_rows_the_run_merged(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"

    def accepted_status(day: int) -> int:
        results = load_days(url, (day,), tmp_path / "staging")
        (check,) = [c for c in step(results, "check_orders", day).checks if c.name.startswith("accepted_values")]
        return check.failures

    assert accepted_status(1) == 1  # order 3 is 'lost' (severity warn)
    assert accepted_status(2) == 0  # day 2 merged orders 2 and 4 only ...
    assert orders(url)[3][0] == "lost"  # ... though order 3 is still 'lost'
    assert accepted_status(3) == 0
    assert orders(url)[3][0] == "cancelled"


def test_a_fact_replaced_by_time_needs_a_time_column(tmp_path: Path) -> None:
    shutil.copytree(ORDERS.parent, tmp_path / "orders")
    spec = tmp_path / "orders" / "orders.yaml"
    line = (
        edit(spec, "    key: [order_id]\n    latest_by: updated_at\n", "    key: [order_id]\n    load: replace\n") + 1
    )
    (problem,) = error_of(spec).problems
    assert (problem.line, problem.key) == (line, "facts.order_status.load")
    assert "needs a time_column (or load: merge, by key)" in problem.message


def test_a_merged_fact_rebuilt_into_its_shadow_is_checked_there(tmp_path: Path) -> None:
    from warehouse.runner import rebuild

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    load_days(url, (1, 2), tmp_path / "staging")
    options = Options(variables={"data_root": str(DATA), "staging_root": str(tmp_path / "staging")})
    with open_target(url) as target:
        results = rebuild(compile_spec(load_spec(ORDERS)), "orders", datetime(2018, 11, 1), datetime(2018, 11, 5),
                          target, options)  # fmt: skip
    checked = [c for r in results if r.step.name == "check_orders" for c in r.checks]
    assert len(checked) == 12 and not any(c.skipped for c in checked)
    assert [c.failures for c in checked if c.name.startswith("accepted_values")] == [1, 0, 0, 0]
    assert orders(url) == NEWEST
