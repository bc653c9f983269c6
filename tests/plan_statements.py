"""Comparing what `warehouse plan` prints with what a run executed: statements without their layout, in order."""

from __future__ import annotations

import re

NOW = re.compile(r"'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+'")  # a timestamp taken when the statement ran


def normalized(sql: str) -> str:
    """A statement without comments, whitespace or a trailing `;` (pretty and compact forms compare equal)."""
    lines = [line for line in sql.strip().splitlines() if not line.lstrip().startswith("--")]
    return NOW.sub("'<now>'", re.sub(r"\s+", "", "\n".join(lines)).removesuffix(";"))


def planned(text: str) -> list[str]:
    """The statements of a printed plan."""
    return [n for n in (normalized(part) for part in text.split(";\n")) if n]


def in_order(executed: list[str], plan: list[str]) -> None:
    """Assert that each executed statement is in the plan, after the one before it (a statement run once per row
    of its parameters counts once)."""
    position = 0
    for statement in map(normalized, executed):
        if position and plan[position - 1] == statement:
            continue
        try:
            position = plan.index(statement, position) + 1
        except ValueError:
            raise AssertionError(f"executed but not in the plan after statement {position}:\n{statement}") from None
