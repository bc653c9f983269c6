"""`warehouse docs`: the data dictionary's pages, their lineage and diagram, a target's state, and the index page
drawn by a real headless Chromium with no network."""

from __future__ import annotations

import os
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import SPEC, count, edit, load, project_copy

from warehouse.cli import main
from warehouse.results import StepFailed
from warehouse.spec import load_spec
from warehouse.targets import open_target

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
VOID = {"meta", "link", "br", "img", "input", "hr"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None):
        self.tag, self.attrs, self.parent, self.parts = tag, attrs, parent, []

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())

    def within(self, tag: str, **attrs: str) -> bool:
        node = self.parent
        while node is not None:
            if node.tag == tag and all(node.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                return True
            node = node.parent
        return False


class Page(HTMLParser):
    """Every element of an HTML page with its attributes, its text (nested text included) and its parent."""

    def __init__(self, path: Path):
        super().__init__()
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, self._open[-1] if self._open else None)
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open and self._open.pop().tag != tag:
            pass

    def handle_data(self, data):
        for element in self._open:
            element.parts.append(data)

    def find(self, tag: str, **attrs: str) -> list[Element]:
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [e for e in self.elements if e.tag == tag and all(e.attrs.get(k) == v for k, v in wanted.items())]

    def one(self, tag: str, **attrs: str) -> Element:
        found = self.find(tag, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag}> with {attrs}"
        return found[0]


def build(out: Path, spec: Path = SPEC, target: str | None = None) -> Path:
    assert main(["docs", "--spec", str(spec), "--out", str(out), *(["--target", target] if target else [])]) == 0
    return out


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("docs"))


def test_every_description_is_on_its_pages(docs: Path) -> None:
    spec = load_spec(SPEC)
    index = Page(docs / "index.html")
    for name, table in spec.tables.items():
        assert table.description in index.one("tr", data_table=name).text
        page = Page(docs / "tables" / f"{name}.html")
        assert page.one("p", **{"class": "lead"}).text == table.description
        for column, declared in table.columns.items():
            row = page.one("tr", id=f"col-{column}").text
            assert column in row and declared.type in row and declared.description in row
    for name, source in spec.sources.items():
        assert source.description in index.one("tr", data_source=name).text
        page = Page(docs / "sources" / f"{name}.html")
        assert page.one("p", **{"class": "lead"}).text == source.description
        for column, declared in source.columns.items():
            assert declared.type in page.one("tr", id=f"col-{column}").text


def references(spec) -> list[tuple[str, str]]:
    """(table.column, referenced table.column) of every column of every `references` check of the spec."""
    return [
        (f"{name}.{column}", f"{check.references.to}.{to_column}")
        for name, table in spec.tables.items()
        for check in table.checks
        if check.references
        for column, to_column in zip(
            check.references.columns,
            check.references.to_columns or spec.tables[check.references.to].key,
            strict=True,
        )
    ]


def test_the_diagram_has_a_box_per_table_and_an_edge_per_reference(docs: Path) -> None:
    spec = load_spec(SPEC)
    index = Page(docs / "index.html")
    for name, table in spec.tables.items():
        box = index.one("a", data_table=name)
        assert box.within("svg", **{"class": "erd"})
        for column in table.columns:
            assert index.one("text", data_column=f"{name}.{column}").within("a", data_table=name)
    expected = references(load_spec(SPEC))
    assert expected
    edges = [(e.attrs["data-from"], e.attrs["data-to"]) for e in index.find("path", **{"class": "edge"})]
    assert sorted(edges) == sorted(expected)
    assert ("songplays.user_id", "users.user_id") in edges


def traced(page: Page, column: str, kind: str) -> set[str]:
    """The columns a lineage row links to: its direct `input`s or its ultimate `source`s."""
    links = [e for e in page.find("a") if f"data-{kind}" in e.attrs and e.within("tr", data_column=column)]
    return {e.attrs[f"data-{kind}"] for e in links}


def test_lineage_goes_through_tables_down_to_source_columns(docs: Path) -> None:
    page = Page(docs / "tables" / "songplays.html")
    assert traced(page, "song_id", "input") == {"songs.song_id"}
    assert traced(page, "song_id", "source") == {"staging.songs.song_id"}
    assert traced(page, "start_time", "input") == traced(page, "start_time", "source") == {"staging.events.ts"}
    events = {f"staging.events.{c}" for c in ("sessionid", "iteminsession", "userid")}
    assert traced(page, "songplay_id", "source") == events
    assert traced(Page(docs / "tables" / "songs.html"), "song_id", "input") == {"staging.songs.song_id"}
    assert "songplays.start_time" in Page(docs / "sources" / "events.html").one("tr", id="col-ts").text


def test_links_stay_inside_the_docs_and_resolve(docs: Path) -> None:
    spec = load_spec(SPEC)
    pages = sorted(docs.rglob("*.html"))
    assert len(pages) == 1 + len(spec.tables) + len(spec.sources)
    for path in pages:
        page = Page(path)
        for element in page.elements:
            for attribute in ("href", "src"):
                link = element.attrs.get(attribute)
                if link is None:
                    continue
                assert "://" not in link and not link.startswith("//"), f"{path.name}: {link}"
                file, _, anchor = link.partition("#")
                linked = (path.parent / file).resolve() if file else path
                assert linked.is_file(), f"{path.name}: {link}"
                if anchor and linked.suffix == ".html":
                    assert any(e.attrs.get("id") == anchor for e in Page(linked).elements), f"{path.name}: {link}"


def test_text_from_the_spec_is_escaped(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    hostile = '<script>alert("x")</script> & <b>bold</b>'
    edit(
        spec,
        "description: App users, a version per change of level (the level of their plays from then on).",
        f"description: '{hostile}'",
    )
    edit(spec, "{type: varchar(128), description: First name}", f"{{type: varchar(128), description: '{hostile}'}}")
    docs = build(tmp_path / "docs", spec)
    for path in docs.rglob("*.html"):
        assert "<script>" not in path.read_text(encoding="utf-8"), path
    page = Page(docs / "tables" / "users.html")
    assert page.one("p", **{"class": "lead"}).text == hostile
    assert hostile in page.one("tr", id="col-first_name").text
    assert "&lt;script&gt;" in (docs / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow  # a few seconds of loads: `make test`, not `make test-fast`
def test_with_a_target_each_table_shows_its_rows_loads_and_checks(sample, tmp_path: Path) -> None:
    data_root, _ = sample
    url = f"duckdb:///{tmp_path}/warehouse.duckdb"
    with open_target(url) as target:
        load(SPEC, target, "2018-11-01", "2018-11-03", data_root)
        expected = {name: count(target, f'SELECT COUNT(*) FROM "{name}"') for name in load_spec(SPEC).tables}
    assert all(expected.values())
    docs = build(tmp_path / "docs", target=url)
    index = Page(docs / "index.html")
    for name, rows in expected.items():
        cell = next(e for e in index.find("td") if "data-rows" in e.attrs and e.within("tr", data_table=name))
        assert cell.attrs["data-rows"] == str(rows) and cell.text == f"{rows:,}"
        page = Page(docs / "tables" / f"{name}.html")
        assert page.one("dd", data_rows=str(rows)).text == f"{rows:,}"
        text = page.one("main").text
        assert "2018-11-02 00:00 to 2018-11-03 00:00" in text  # the latest interval loaded
        results = [e.text for e in page.find("span") if "outcome" in e.attrs.get("class", "")]
        assert len(results) == len(load_spec(SPEC).tables[name].checks)
        assert all(r in ("passed", "warned") for r in results)


def test_failed_intervals_and_failed_checks_show(sample, tmp_path: Path) -> None:
    data_root, _ = sample
    spec = project_copy(tmp_path)
    edit(spec, "- accepted_values: {column: level, values: [free, paid]}\n\n  songs:",
         "- accepted_values: {column: level, values: [free]}\n\n  songs:")  # fmt: skip
    url = f"duckdb:///{tmp_path}/warehouse.duckdb"
    with open_target(url) as target, pytest.raises(StepFailed):
        load(spec, target, "2018-11-01", None, data_root)
    docs = build(tmp_path / "docs", spec, url)
    page = Page(docs / "tables" / "users.html")
    failed = page.one("table", **{"class": "list failed"}).text
    assert "2018-11-01 00:00 to 2018-11-02 00:00" in failed and "check_users" in failed
    check = page.one("tr", data_check="accepted_values(level in 1 value(s))").text
    assert "failed" in check and "offending row(s)" in check
    assert Page(docs / "index.html").one("td", **{"class": "bad"}).within("tr", data_table="users")


def test_on_postgresql_with_a_password_in_the_url(sample, pg_database: str, tmp_path: Path, capsys) -> None:
    """The ledger's queries run on PostgreSQL too; the URL's password shows nowhere (the server trusts local
    connections, so any password connects)."""
    data_root, _ = sample
    secret = "s3cret-pw"
    url = pg_database.replace("postgres@", f"postgres:{secret}@", 1)
    assert secret in url
    with open_target(url) as target:
        load(SPEC, target, "2018-11-01", None, data_root)
        rows = count(target, "SELECT COUNT(*) FROM songplays")
    capsys.readouterr()
    docs = build(tmp_path / "docs", target=url)
    printed = capsys.readouterr()
    assert "data dictionary written" in printed.out
    assert secret not in printed.out + printed.err
    for path in docs.rglob("*"):
        if path.is_file():
            assert secret not in path.read_text(encoding="utf-8"), path
    assert "postgres:***@" in (docs / "index.html").read_text(encoding="utf-8")
    page = Page(docs / "tables" / "songplays.html")
    assert page.one("dd", data_rows=str(rows)).text == f"{rows:,}"
    assert [e.text for e in page.find("span") if "outcome" in e.attrs.get("class", "")].count("passed") >= 8


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, offline, with a fresh profile; CI fails (never skips) without it."""
    if not Path(CHROMIUM).is_file():
        message = f"no browser at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=FLAGS, offline=True,
            viewport={"width": 1280, "height": 900},
        )  # fmt: skip
        yield context
        context.close()


def open_page(browser, path: Path):
    """The page at `path`, loaded, and the problems seen: a request off the file system, a failed request, a
    console error, an uncaught exception."""
    page = browser.new_page()
    problems: list[str] = []
    page.on("request", lambda r: r.url.startswith("file://") or problems.append(f"request to {r.url}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"error: {e}"))
    page.goto(path.as_uri(), wait_until="load")
    return page, problems


GEOMETRY = """() => {
  const svg = document.querySelector('svg.erd');
  const box = (e) => { const b = e.getBBox(); return [b.x, b.y, b.width, b.height]; };
  const tables = {};
  for (const a of svg.querySelectorAll('a[data-table]')) {
    const texts = (selector) => [...a.querySelectorAll(selector)].map(box);
    tables[a.dataset.table] = {rect: box(a.querySelector('rect.box')), texts: texts('text'),
                               names: texts('text.column'), types: texts('text.type')};
  }
  const edges = [...svg.querySelectorAll('path.edge')].map((p) => {
    const n = p.getTotalLength(), s = p.getPointAtLength(0), e = p.getPointAtLength(n);
    return {from: p.dataset.from, to: p.dataset.to, length: n, start: [s.x, s.y], end: [e.x, e.y]};
  });
  return {tables, edges};
}"""


@pytest.mark.slow
def test_the_diagram_draws_in_a_headless_browser(docs: Path, browser) -> None:
    spec = load_spec(SPEC)
    page, problems = open_page(browser, docs / "index.html")
    drawn = page.locator("svg.erd").bounding_box()
    assert drawn and drawn["width"] > 300 and drawn["height"] > 200
    for name, table in spec.tables.items():
        box = page.locator(f'svg.erd a[data-table="{name}"]')
        shown = box.bounding_box()
        assert shown and shown["width"] > 0 and shown["height"] > 0, name
        assert all(column in box.text_content() for column in [name, *table.columns])
    geometry = page.evaluate(GEOMETRY)
    rects = {name: t["rect"] for name, t in geometry["tables"].items()}
    assert set(rects) == set(spec.tables)
    names = sorted(rects)
    for i, a in enumerate(names):  # no two boxes overlap
        for b in names[i + 1 :]:
            (ax, ay, aw, ah), (bx, by, bw, bh) = rects[a], rects[b]
            assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay, (a, b)
    for name, table in geometry["tables"].items():  # every label fits in its box with the real font
        x, y, w, h = table["rect"]
        for tx, ty, tw, th in table["texts"]:
            assert x < tx and tx + tw < x + w and y <= ty and ty + th <= y + h, (name, tx, tw, x, w)
        for (nx, _, nw, _), (tx, _, _, _) in zip(table["names"], table["types"], strict=True):
            assert nx + nw + 6 < tx, f"{name}: a column's name runs into its type"
    assert sorted((e["from"], e["to"]) for e in geometry["edges"]) == sorted(references(spec))
    for edge in geometry["edges"]:  # each edge runs from its column's box side to the referenced box's side
        assert edge["length"] > 0
        for (px, py), end in ((edge["start"], edge["from"]), (edge["end"], edge["to"])):
            x, y, w, h = rects[end.split(".")[0]]
            assert min(abs(px - x), abs(px - x - w)) < 0.5 and y < py < y + h, (edge, end)
    assert problems == []
    page.close()


@pytest.mark.slow
def test_every_page_loads_in_a_headless_browser_without_errors(docs: Path, browser) -> None:
    for path in sorted(docs.rglob("*.html")):
        page, problems = open_page(browser, path)
        assert page.locator("h1").inner_text(), path
        assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px", "style.css not applied"
        assert problems == [], path
        page.close()
