"""Atomic publish: a fault between steps, inside a load, or a killed process never leaves a table half-written,
and the next run succeeds. On DuckDB and PostgreSQL."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import ROOT, SPEC, load, snapshot

from warehouse.compile import compile_spec
from warehouse.interval import parse_moment
from warehouse.results import StepFailed
from warehouse.runner import run
from warehouse.spec import Spec, load_spec
from warehouse.steps import Options
from warehouse.targets import open_source, open_target


@pytest.fixture(params=["duckdb", "postgres"])
def url(request, tmp_path: Path) -> str:
    return f"duckdb:///{tmp_path / 'w.duckdb'}" if request.param == "duckdb" else request.getfixturevalue("pg_database")


@pytest.fixture(scope="module")
def clean(sample, tmp_path_factory: pytest.TempPathFactory) -> tuple[Spec, dict, dict]:
    """The warehouse after day 1 (`before`) and after days 1 and 2 loaded cleanly (`after`), for comparison:
    loaded once, on DuckDB (snapshots are engine-independent)."""
    data, _ = sample
    spec = load_spec(SPEC)
    with open_target(f"duckdb:///{tmp_path_factory.mktemp('clean') / 'clean.duckdb'}") as target:
        load(spec, target, "2018-11-01", None, data)
        before = snapshot(target, spec)
        load(spec, target, "2018-11-02", None, data)
        after = snapshot(target, spec)
    return spec, before, after


@pytest.fixture
def states(sample, url: str, clean: tuple[Spec, dict, dict]) -> tuple[Spec, dict, dict]:
    """`clean`'s spec and snapshots; the target at `url` holds day 1."""
    data, _ = sample
    spec, _, _ = clean
    with open_target(url) as target:
        load(spec, target, "2018-11-01", None, data)
    return clean


def each_table_before_or_after(target, spec, before, after) -> dict[str, str]:
    now = snapshot(target, spec)
    assert all(now[t] in (before[t], after[t]) for t in now), "a table is half-written"
    return {t: "after" if now[t] == after[t] and now[t] != before[t] else "before" for t in now}


@pytest.mark.slow  # a few seconds of loads: `make test`, not `make test-fast`
def test_an_exception_between_steps(sample, url: str, states) -> None:
    data, _ = sample
    spec, before, after = states

    def boom(result):
        if result.step.name == "load_users":
            raise RuntimeError("the worker was lost")

    with open_target(url) as target:
        with pytest.raises(RuntimeError):
            options = Options(variables={"data_root": str(data), "staging_root": f"{data}-staging"},
                              connect=lambda _: open_source(f"duckdb:///{data}/app.duckdb"))  # fmt: skip
            run(
                compile_spec(spec),
                parse_moment("2018-11-02"),
                parse_moment("2018-11-03"),
                target,
                options,
                progress=boom,
            )
        assert each_table_before_or_after(target, spec, before, after)["songplays"] == "before"
        load(spec, target, "2018-11-02", None, data)
        assert snapshot(target, spec) == after


@pytest.mark.slow  # a few seconds of loads: `make test`, not `make test-fast`
def test_a_statement_failing_inside_a_load(sample, url: str, states, monkeypatch: pytest.MonkeyPatch) -> None:
    data, _ = sample
    spec, before, after = states
    with open_target(url) as target:
        original = target.execute

        def failing(statement, params=None):
            text = target.engine.render(statement)
            if text.startswith('INSERT INTO "songplays"'):  # the fact's DELETE of the interval has run
                raise RuntimeError("disk full")
            return original(statement, params)

        monkeypatch.setattr(target, "execute", failing)
        with pytest.raises(StepFailed) as failed:
            load(spec, target, "2018-11-02", None, data)
        assert failed.value.result.step.name == "load_songplays"
        assert "disk full" in failed.value.result.message
        assert each_table_before_or_after(target, spec, before, after)["songplays"] == "before"
        monkeypatch.undo()
        load(spec, target, "2018-11-02", None, data)
        assert snapshot(target, spec) == after


KILLER = """
import os, signal, sys
sys.path.insert(0, {tests!r})
from helpers import SPEC, load
from warehouse.targets import open_source, open_target
from warehouse.targets.base import Target

execute = Target.execute

def killing(self, statement, params=None):
    done = execute(self, statement, params)
    if self.engine.render(statement).startswith('DELETE FROM "songplays"'):
        os.kill(os.getpid(), signal.SIGKILL)  # the interval's rows are deleted, not yet replaced or committed
    return done

Target.execute = killing
with open_target({url!r}) as target:
    load(SPEC, target, "2018-11-02", None, __import__("pathlib").Path({data!r}))
"""


@pytest.mark.slow
def test_a_killed_process(sample, url: str, states, tmp_path: Path) -> None:
    data, _ = sample
    spec, before, after = states
    script = tmp_path / "killer.py"
    script.write_text(textwrap.dedent(KILLER.format(tests=str(ROOT / "tests"), url=url, data=str(data))))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == -9, done.stderr
    with open_target(url) as target:
        assert each_table_before_or_after(target, spec, before, after)["songplays"] == "before"
        load(spec, target, "2018-11-02", None, data)
        assert snapshot(target, spec) == after
