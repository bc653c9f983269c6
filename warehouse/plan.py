"""The plan: a spec's steps and their order, the same for every interval and for both executors
(the Airflow DAG places one task per step; `warehouse run` runs them in order)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from warehouse.spec import STAGING, Spec

LAYERS = ("setup", "stage", "dimensions", "facts", "checks", "finish")


@dataclass(frozen=True)
class Step:
    name: str
    layer: str
    subject: str | None  # the source or table it works on
    needs: tuple[str, ...]


def plan(spec: Spec, tables: Iterable[str] | None = None) -> list[Step]:
    """Steps for the chosen tables (default all), each after the steps it needs."""
    chosen = list(spec.tables) if tables is None else list(tables)
    unknown = [t for t in chosen if t not in spec.tables]
    if unknown:
        raise ValueError(f"unknown table(s) {', '.join(unknown)} (tables: {', '.join(spec.tables)})")
    chosen = [t for t in spec.tables if t in chosen]  # spec order
    sources = [s for s in spec.sources if any(f"{STAGING}.{s}" in spec.depends_on(t) for t in chosen)]
    steps = [Step("setup", "setup", None, ())]
    steps += [Step(f"stage_{s}", "stage", s, ("setup",)) for s in sources]
    loads: list[Step] = []
    for name in _in_dependency_order(spec, chosen):
        needs = tuple(
            f"stage_{d.removeprefix(STAGING + '.')}" if d.startswith(STAGING + ".") else f"load_{d}"
            for d in spec.depends_on(name)
            if d.startswith(STAGING + ".") or d in chosen
        )
        layer = "dimensions" if name in spec.dimensions else "facts"
        loads.append(Step(f"load_{name}", layer, name, needs or ("setup",)))
    loaded = {s.subject for s in loads}
    checks = [
        Step(f"check_{s.subject}", "checks", s.subject,
             (s.name, *(f"load_{t}" for t in spec.checks_depend_on(s.subject) if t in loaded)))
        for s in loads
    ]  # fmt: skip
    finish = Step("finish", "finish", None, tuple(s.name for s in checks) or tuple(s.name for s in steps))
    return [*steps, *loads, *checks, finish]


def _in_dependency_order(spec: Spec, chosen: list[str]) -> list[str]:
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        for dep in spec.depends_on(name):
            if dep in chosen:
                visit(dep)
        ordered.append(name)

    for name in chosen:
        visit(name)
    return ordered
