"""Write the data dictionary: index.html (the star and every table and source), a page per table and per source,
and one stylesheet. The pages open from the file system; they load nothing but each other and style.css."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from warehouse.docs.erd import layout
from warehouse.docs.lineage import trace
from warehouse.docs.model import Dictionary, gather


def build(spec: Path | str, out: Path | str, target: str | None = None) -> Path:
    """Write the docs of a spec (and, with `target`, the state of its tables there) into `out`; return the
    index page's path."""
    return write(gather(spec, target), Path(out))


def write(project: Dictionary, out: Path) -> Path:
    env = Environment(
        loader=PackageLoader("warehouse.docs", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(project=project, href=lambda name: href(project, name))
    lineage = trace(project)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "sources").mkdir(exist_ok=True)
    (out / "style.css").write_text(files("warehouse.docs").joinpath("templates/style.css").read_text("utf-8"))
    index = out / "index.html"
    index.write_text(env.get_template("index.html").render(root="", diagram=layout(project)), encoding="utf-8")
    references = project.references()
    state = project.state.tables if project.state else {}
    for name, table in project.tables.items():
        page = env.get_template("table.html").render(
            root="../",
            table=table,
            lineage=lineage[name],
            references=[r for r in references if r.table == name],
            state=state.get(name),
        )
        (out / "tables" / f"{name}.html").write_text(page, encoding="utf-8")
    for name, source in project.sources.items():
        staged = f"{project.staging}.{name}"
        feeds: dict[str, list[str]] = {}  # source column → the table columns that come from it
        for table, columns in lineage.items():
            for column, traced in columns.items():
                for origin in traced.sources:
                    if origin.startswith(f"{staged}."):
                        feeds.setdefault(origin.removeprefix(f"{staged}."), []).append(f"{table}.{column}")
        page = env.get_template("source.html").render(
            root="../",
            source=source,
            readers=[t.name for t in project.tables.values() if staged in t.reads],
            feeds=feeds,
        )
        (out / "sources" / f"{name}.html").write_text(page, encoding="utf-8")
    return index


def href(project: Dictionary, name: str) -> str:
    """The page (and row) of `staging.<source>[.<column>]` or `<table>[.<column>]`, relative to index.html."""
    parts = name.split(".")
    if parts[0] == project.staging:
        folder, parts = "sources", parts[1:]
    else:
        folder = "tables"
    page = f"{folder}/{parts[0]}.html"
    return f"{page}#col-{parts[1]}" if len(parts) > 1 else page
