"""Where a run's time goes: each step's seconds split into its statements, the loader's own reads of the files and
the rest (Python: building and rendering SQL, the ledger's rows), for the rows of "Beside its anchors".

    python -m bench.profile [--events 1000000] [--days 30] [--target duckdb|postgres]
                            [--run monthly|daily|history] [--top 15]

`monthly` and `daily` load the generated month into a new warehouse; `history` loads the days before the last (not
timed), then profiles the last day onto all of them and day 2 onto a warehouse holding day 1 only, side by side.
Statements are grouped by their text with the numbers taken out (an interval's staging tables share a line).
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.compare import SPEC, Data, load_history
from bench.postgres import scratch_database
from warehouse.compile import Project, compile_spec
from warehouse.runner import StepRunner, run
from warehouse.sources import jsonlines
from warehouse.spec import load_spec
from warehouse.targets.base import Target
from warehouse.targets.duckdb import DuckDBTarget
from warehouse.targets.postgres import PostgresTarget

Times = dict[tuple[str, str], list[float]]  # (step, what) -> seconds of each call
OUTSIDE = "(outside steps)"  # what the runner runs between and after its steps


class Profile:
    """Seconds by step and by statement, collected while `recording()` is open."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = defaultdict(float)
        self.calls: Times = defaultdict(list)
        self.labelling = 0.0  # the profile's own time (rendering labels), left out of the steps' seconds
        self.step = OUTSIDE

    @contextmanager
    def recording(self) -> Iterator[Profile]:
        patched = [
            (StepRunner, "run_step", self._step),
            (Target, "execute", self._statement),
            (Target, "fetch", self._statement),
            (Target, "execute_many", self._statement),
            (Target, "_commit", self._named("COMMIT")),
            (jsonlines, "census", self._named("key census (read of the files)")),
            (jsonlines, "conflicts", self._named("conflicting rows (read of the files)")),
        ]
        saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patched]
        for owner, name, wrap in patched:
            setattr(owner, name, wrap(getattr(owner, name)))
        try:
            yield self
        finally:
            for owner, name, original in saved:
                setattr(owner, name, original)

    def _step(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(runner: StepRunner, step: Any) -> Any:
            self.step, began, self.labelling = step.name, time.perf_counter(), 0.0
            try:
                return original(runner, step)
            finally:
                self.steps[step.name] += time.perf_counter() - began - self.labelling
                self.step = OUTSIDE

        return timed

    def _statement(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(target: Target, statement: Any, *args: Any) -> Any:
            began = time.perf_counter()
            try:
                return original(target, statement, *args)
            finally:
                seconds = time.perf_counter() - began
                self.calls[(self.step, label(target.engine.render(statement)))].append(seconds)
                self.labelling += time.perf_counter() - began - seconds

        return timed

    def _named(self, what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
            def timed(*args: Any) -> Any:
                began = time.perf_counter()
                try:
                    return original(*args)
                finally:
                    seconds = time.perf_counter() - began
                    self.calls[(self.step, what)].append(seconds)

            return timed

        return wrap

    def report(self, title: str, top: int) -> None:
        total = sum(self.steps.values())
        inside: dict[str, float] = defaultdict(float)
        for (step, _), seconds in self.calls.items():
            inside[step] += sum(seconds)
        outside = inside.pop(OUTSIDE, 0.0)
        print(f"\n### {title}: {total:.2f} s in steps\n")
        print("| step | seconds | share | statements and reads | the rest (Python) |\n|---|---:|---:|---:|---:|")
        for step, seconds in sorted(self.steps.items(), key=lambda item: -item[1]):
            rest = seconds - inside[step]
            print(f"| {step} | {seconds:.2f} | {seconds / total:.0%} | {inside[step]:.2f} | {rest:.2f} |")
        kinds: dict[str, list[float]] = defaultdict(list)
        for (step, what), seconds in self.calls.items():
            if step == OUTSIDE:
                continue
            kind = "commits" if what == "COMMIT" else "reads of the files" if "(read" in what else "statements"
            kinds[kind] += seconds
        rest = total - sum(inside.values())
        shares = [f"{k} {len(s):,} ({sum(s):.2f} s, {sum(s) / total:.0%})" for k, s in sorted(kinds.items())]
        print(f"\nIn all: {', '.join(shares)}; the rest (Python) {rest:.2f} s, {rest / total:.0%}.")
        print(f"Outside the steps (not in their seconds): statements and commits {outside:.2f} s.")
        print(f"\nthe {top} largest statements and reads:\n")
        print("| step | statement | calls | seconds | share |\n|---|---|---:|---:|---:|")
        ranked = sorted(self.calls.items(), key=lambda item: -sum(item[1]))
        for (step, what), seconds in ranked[:top]:
            print(f"| {step} | `{what}` | {len(seconds)} | {sum(seconds):.2f} | {sum(seconds) / total:.0%} |")


def label(sql: str) -> str:
    """A statement's text on one line, its numbers (intervals, counts) as N, cut to 110 characters."""
    return re.sub(r"\d+", "N", " ".join(sql.split()))[:110].replace("|", "\\|")


def profiled(project: Project, data: Data, target: Target, start: datetime, end: datetime) -> Profile:
    profile = Profile()
    with profile.recording():
        run(project, start, end, target, data.options)
    return profile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--target", choices=["duckdb", "postgres"], default="duckdb")
    parser.add_argument("--run", choices=["monthly", "daily", "history"], default="monthly")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    spec = load_spec(SPEC)
    project = compile_spec(spec.model_copy(update={"schedule": "@monthly"}) if args.run == "monthly" else spec)
    with tempfile.TemporaryDirectory(prefix="warehouse-profile-") as scratch:
        work = Path(scratch)
        data = Data(work / "data", args.events, args.days)
        print(f"{data.events:,} events, {args.run} on {args.target}")

        @contextmanager
        def target(name: str) -> Iterator[Target]:
            if args.target == "duckdb":
                with DuckDBTarget(str(work / f"{name}.duckdb")) as opened:
                    yield opened
            else:
                with scratch_database(args.server) as url, PostgresTarget.from_url(url) as opened:
                    yield opened

        if args.run != "history":
            with target("warehouse") as into:
                profiled(project, data, into, data.start, data.end).report(args.run, args.top)
            return
        day = timedelta(days=1)
        with target("early") as early, target("late") as late:
            late_day, early_day = load_history(project, data, early, late)
            for _ in range(2):  # the first rerun of each warms what a rerun finds
                late_profile = profiled(project, data, late, late_day, late_day + day)
                early_profile = profiled(project, data, early, early_day, early_day + day)
            late_profile.report(f"day {args.days} onto {args.days - 1} loaded days", args.top)
            early_profile.report("day 2 onto day 1", args.top)


if __name__ == "__main__":
    main()
