"""The star as a diagram: a box per table listing its columns (key first), facts in the centre, dimensions on
either side next to the fact columns that reference them, and an edge per column of every `references` check.

Only geometry is computed here; `templates/erd.html` draws it as inline SVG. Text is 12px monospace, so a
label's width follows from its length."""

from __future__ import annotations

from dataclasses import dataclass, field
from math import inf

from warehouse.docs.model import Dictionary, TableDoc

CHAR = 7.3  # width of one character of 12px DejaVu Sans Mono (0.6 em), with a little room for other monospace fonts
ROW = 18  # height of a column's row
HEADER = 26  # height of the table name's band
PAD = 10  # space inside a box, left and right
GUTTER = 22  # room for the PK / FK marker
GAP = 150  # between columns of boxes, where edges run
SPACE = 28  # between boxes of a column
MARGIN = 16
CURVE = 48  # how far an edge leaves a box's side before it bends
RADIUS = 5  # of a box's corners
BASELINE = 4  # from a row's centre to its text's baseline


@dataclass(frozen=True)
class Row:
    name: str
    type: str
    y: float  # the row's vertical centre
    key: bool
    references: bool  # the column is checked against another table


@dataclass
class Box:
    table: str
    kind: str
    width: float
    height: float
    rows: list[Row] = field(default_factory=list)
    x: float = 0.0
    y: float = 0.0
    keys: int = 0  # how many rows (the first ones) are the key

    @property
    def centre(self) -> float:
        return self.x + self.width / 2

    @property
    def band(self) -> str:
        """The header band: a path with the box's rounded top corners."""
        r, x, y = RADIUS, self.x, self.y
        corners = f"a{r},{r} 0 0 1 {r},{-r} h{self.width - 2 * r} a{r},{r} 0 0 1 {r},{r}"
        return f"M{x},{y + HEADER} v{r - HEADER} {corners} v{HEADER - r} z"

    @property
    def title_y(self) -> float:
        return self.y + HEADER / 2 + BASELINE

    @property
    def divider_y(self) -> float:
        """Under the key's rows."""
        return self.y + HEADER + self.keys * ROW + 1

    @property
    def text_x(self) -> float:
        return self.x + PAD

    @property
    def column_x(self) -> float:
        return self.x + PAD + GUTTER

    @property
    def end_x(self) -> float:
        return self.x + self.width - PAD

    def baseline(self, row: Row) -> float:
        return self.y + row.y + BASELINE

    def row_y(self, column: str) -> float:
        return self.y + next(r.y for r in self.rows if r.name == column)


@dataclass(frozen=True)
class Edge:
    origin: str  # table.column holding the reference
    target: str  # table.column referenced
    path: str  # SVG path data


@dataclass
class Diagram:
    width: float
    height: float
    boxes: list[Box]
    edges: list[Edge]


def layout(project: Dictionary) -> Diagram:
    """Place the tables and route the references between them."""
    references = project.references()
    referencing = {(r.table, r.column) for r in references}
    boxes = {t.name: _box(t, referencing) for t in project.tables.values()}
    facts = [boxes[t.name] for t in project.facts]
    _stack(facts, 0.0)
    left, right = _sides([boxes[t.name] for t in project.dimensions], facts, references, boxes)
    widths = [max((b.width for b in column), default=0.0) for column in (left, facts, right)]
    height = max(_height(column) for column in (left, facts, right))
    starts = [MARGIN, MARGIN + widths[0] + GAP, MARGIN + widths[0] + GAP + widths[1] + GAP]
    for column, start, width, align in zip((left, facts, right), starts, widths, (1.0, 0.5, 0.0), strict=True):
        _stack(column, MARGIN + (height - _height(column)) / 2)
        for box in column:
            box.x = start + (width - box.width) * align  # left boxes hug the centre, right boxes too
    total_width = starts[2] + widths[2] + MARGIN
    edges = [
        Edge(r.origin, r.target, _path(boxes[r.table], r.column, boxes[r.to_table], r.to_column, total_width / 2))
        for r in references
    ]
    return Diagram(round(total_width), round(height + 2 * MARGIN), list(boxes.values()), edges)


def _box(table: TableDoc, referencing: set[tuple[str, str]]) -> Box:
    ordered = [table.column(k) for k in table.key] + [c for c in table.columns if c.name not in table.key]
    longest = max(len(c.name) + 2 + len(c.type) for c in ordered)
    width = max(GUTTER + longest * CHAR, (len(table.name) + 2 + len(table.kind)) * CHAR) + 2 * PAD
    rows = [
        Row(c.name, c.type, HEADER + (i + 0.5) * ROW, c.name in table.key, (table.name, c.name) in referencing)
        for i, c in enumerate(ordered)
    ]
    return Box(table.name, table.kind, round(width), HEADER + len(rows) * ROW + 6, rows, keys=len(table.key))


def _stack(column: list[Box], top: float) -> None:
    for box in column:
        box.y = top
        top += box.height + SPACE


def _height(column: list[Box]) -> float:
    return sum(b.height for b in column) + SPACE * max(len(column) - 1, 0)


def _sides(dimensions: list[Box], facts: list[Box], references, boxes: dict[str, Box]) -> tuple[list, list]:
    """Dimensions split into a left and a right column of about equal height, each placed in the order of the
    fact rows it is linked to, so that edges rarely cross; a dimension linked to no fact goes next to a dimension
    it is linked to, if any, else last."""
    in_centre = {b.table for b in facts}

    def anchor(box: Box) -> float:
        ys = [boxes[r.table].row_y(r.column) for r in references if r.to_table == box.table and r.table in in_centre]
        ys += [
            boxes[r.to_table].row_y(r.to_column) for r in references if r.table == box.table and r.to_table in in_centre
        ]
        return sum(ys) / len(ys) if ys else inf

    left: list[Box] = []
    right: list[Box] = []
    side_of: dict[str, list[Box]] = {}
    for box in sorted(dimensions, key=anchor):  # stable: spec order among equals
        linked = [
            r.to_table if r.table == box.table else r.table for r in references if box.table in (r.table, r.to_table)
        ]
        beside = [side_of[name] for name in linked if name in side_of]
        balanced = left if _height(left) <= _height(right) else right
        side = beside[0] if anchor(box) == inf and beside else balanced
        side.append(box)
        side_of[box.table] = side
    return left, right


def _path(a: Box, column: str, b: Box, to_column: str, middle: float) -> str:
    """A curve from a's row to b's row, leaving and entering each box on the side that faces the other (both on
    the side that faces the diagram's middle when they share a column)."""
    ya, yb = a.row_y(column), b.row_y(to_column)
    if b.x >= a.x + a.width:
        xa, xb, da, db = a.x + a.width, b.x, 1, -1
    elif b.x + b.width <= a.x:
        xa, xb, da, db = a.x, b.x + b.width, -1, 1
    else:
        side = 1 if a.centre <= middle else -1
        xa = a.x + a.width if side > 0 else a.x
        xb = b.x + b.width if side > 0 else b.x
        da = db = side
    bend = max(CURVE, abs(xb - xa) / 2)
    return f"M{xa:.1f},{ya:.1f} C{xa + da * bend:.1f},{ya:.1f} {xb + db * bend:.1f},{yb:.1f} {xb:.1f},{yb:.1f}"
