"""The plan: a spec's steps and their order, the same for every interval and for both executors
(the Airflow DAG places one task per step; `warehouse run` runs them in order)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from warehouse.compile import Project


class Layer(StrEnum):
    SETUP = "setup"
    STAGE = "stage"
    DIMENSIONS = "dimensions"
    FACTS = "facts"
    CHECKS = "checks"
    FINISH = "finish"


NAMES = {  # a step's name (the Airflow task id, the ledger's `step`) by layer
    Layer.SETUP: "setup",
    Layer.STAGE: "stage_{}",
    Layer.DIMENSIONS: "load_{}",
    Layer.FACTS: "load_{}",
    Layer.CHECKS: "check_{}",
    Layer.FINISH: "finish",
}


@dataclass(frozen=True)
class Step:
    layer: Layer
    subject: str | None = None  # the source or table it works on
    needs: tuple[str, ...] = ()  # names of the steps it runs after

    @property
    def name(self) -> str:
        return NAMES[self.layer].format(self.subject)


def stage(source: str) -> str:
    return NAMES[Layer.STAGE].format(source)


def load(table: str) -> str:
    return NAMES[Layer.FACTS].format(table)


def plan(project: Project, tables: Iterable[str] | None = None) -> list[Step]:
    """Steps for the chosen tables (default all), each after the steps it needs."""
    spec = project.spec
    chosen = list(spec.tables) if tables is None else list(tables)
    unknown = [t for t in chosen if t not in spec.tables]
    if unknown:
        raise ValueError(f"unknown table(s) {', '.join(unknown)} (tables: {', '.join(spec.tables)})")
    chosen = [t for t in spec.tables if t in chosen]  # spec order
    sources = [s for s in spec.sources if any(s in project.sources_of(t) for t in chosen)]
    setup = Step(Layer.SETUP)
    stages = [Step(Layer.STAGE, s, (setup.name,)) for s in sources]
    loads: list[Step] = []
    for name in _in_dependency_order(project, chosen):
        needs = [stage(s) for s in project.sources_of(name)]
        needs += [load(t) for t in project.depends_on(name) if t in chosen]
        layer = Layer.DIMENSIONS if name in spec.dimensions else Layer.FACTS
        loads.append(Step(layer, name, tuple(needs) or (setup.name,)))
    checks = [
        Step(Layer.CHECKS, s.subject, (s.name, *(load(t) for t in project.checks_depend_on(s.subject) if t in chosen)))
        for s in loads
    ]
    finish = Step(Layer.FINISH, None, tuple(s.name for s in checks) or tuple(s.name for s in [setup, *stages]))
    return [setup, *stages, *loads, *checks, finish]


def _in_dependency_order(project: Project, chosen: list[str]) -> list[str]:
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        for dep in project.depends_on(name):
            if dep in chosen:
                visit(dep)
        ordered.append(name)

    for name in chosen:
        visit(name)
    return ordered
