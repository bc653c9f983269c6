"""`warehouse`: validate a spec, print its DDL or plan, run intervals, make sample data, query the warehouse."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlglot

from warehouse.compile import Project, load_project
from warehouse.interval import parse_moment
from warehouse.migrate import NEEDS_NO_DDL
from warehouse.printed import changes_text, ddl_text, interval_at, plan_text
from warehouse.results import BUSY_EXIT, Busy, StepFailed, StepResult
from warehouse.runner import StepRunner, found_in, rebuild, reload_stale, run
from warehouse.secrets import MaskingFormatter, mask
from warehouse.spec import Spec, load_spec
from warehouse.sql.transforms import READ_DIALECT
from warehouse.status import status
from warehouse.steps import Options, SchemaDrift
from warehouse.targets import ENGINES, default_target, engine_named, open_target, resolve_url
from warehouse.yamlfile import SpecError

CONFIG = Path("config")
TARGET_HELP = (
    "URL or connection id (default: $WAREHOUSE_<SPEC>_TARGET, $WAREHOUSE_TARGET, else duckdb:///warehouse.duckdb)"
)
SPEC_HELP = "the spec (default: the only one in config/)"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING, stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(MaskingFormatter("%(message)s"))
    try:
        _defaults(args)
        return args.command(args)
    except SpecError as error:
        print(mask(str(error)), file=sys.stderr)
        return 2
    except StepFailed as failed:
        result = failed.result
        print(mask(f"\nFAILED {result.step.name} {result.interval}:\n{result.message}"), file=sys.stderr)
        return 1
    except Busy as busy:
        print(mask(f"busy: {busy}"), file=sys.stderr)
        return BUSY_EXIT
    except (ValueError, FileNotFoundError) as error:
        print(mask(f"error: {error}"), file=sys.stderr)
        return 2


class Parser(argparse.ArgumentParser):
    """argparse, its help and errors masked (they show defaults and the values given)."""

    def _print_message(self, message: str, file=None) -> None:
        super()._print_message(mask(message) if message else message, file)


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="warehouse", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, handler, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(command=handler)
        return sub

    sub = command("validate", _validate, "Check specs and their SQL files; print each problem with file:line:column.")
    sub.add_argument("specs", nargs="*", help="spec files (default: config/*.yaml)")

    command("schema", _schema, "Print the spec's JSON Schema (for editors).")

    sub = command("ddl", _ddl, "Print the CREATE statements of a spec's tables for an engine.")
    sub.add_argument("--spec", type=Path, help=SPEC_HELP)
    sub.add_argument("--target", default="redshift", help=f"an engine ({', '.join(ENGINES)}) or a target URL")

    sub = command("plan", _plan, "Print every step's SQL for the interval that starts at --date.")
    sub.add_argument("--spec", type=Path, help=SPEC_HELP)
    sub.add_argument("--date", required=True, type=parse_moment, help="start of the interval, e.g. 2018-11-01")
    sub.add_argument("--target", default="duckdb", help=f"an engine ({', '.join(ENGINES)}) or a target URL")
    _common_run_args(sub)

    sub = command("run", _run, "Load every interval in [--start, --end) in order.")
    sub.add_argument("--spec", type=Path, help=SPEC_HELP)
    sub.add_argument("--start", required=True, type=parse_moment)
    sub.add_argument("--end", type=parse_moment, help="exclusive (default: one interval after --start)")
    sub.add_argument("--target", help=TARGET_HELP)
    sub.set_defaults(needs_target=True)
    sub.add_argument("-v", "--verbose", action="store_true", help="log every SQL statement")
    sub.add_argument(
        "--steps", action="store_true", help="a line per step (default: per interval, or per step for one)"
    )
    again = sub.add_mutually_exclusive_group()
    again.add_argument("--stale", action="store_true", help="reload only the stale intervals' stale tables")
    again.add_argument("--rebuild", metavar="TABLE", help="rebuild one table over the range and swap it in")
    _common_run_args(sub)

    sub = command(
        "diff", _diff, "Show how the warehouse's tables differ from the spec, the statements, what to reload."
    )
    sub.add_argument("--spec", type=Path, help=SPEC_HELP)
    sub.add_argument("--target", help=TARGET_HELP)
    sub.set_defaults(needs_target=True)

    sub = command("migrate", _migrate, "Apply the differences `warehouse diff` shows (breaking ones with a flag).")
    sub.add_argument("--spec", type=Path, help=SPEC_HELP)
    sub.add_argument("--target", help=TARGET_HELP)
    sub.set_defaults(needs_target=True)
    sub.add_argument("--allow-breaking", action="store_true", help="also renames, drops, narrower types, new keys")
    sub.add_argument("--var", action="append", default=[], metavar="KEY=VALUE", help="override a spec var")

    sub = command(
        "status", _status, "Show which intervals are loaded, stale, failed or missing, and each table's last load."
    )
    sub.add_argument("--spec", type=Path, help=SPEC_HELP)
    sub.add_argument("--target", help=TARGET_HELP)
    sub.set_defaults(needs_target=True)
    sub.add_argument("--start", type=parse_moment, help="default: the spec's start_date")
    sub.add_argument("--end", type=parse_moment, help="default: the end of the latest interval in the ledger")

    sub = command("clean", _clean, "Drop the staging tables that failed or finished intervals left behind.")
    sub.add_argument("--spec", type=Path, help=SPEC_HELP)
    sub.add_argument("--target", help=TARGET_HELP)
    sub.set_defaults(needs_target=True)

    sub = command("sample", _sample, "Write Sparkify-shaped sample data (deterministic for a seed).")
    sub.add_argument("--out", required=True, type=Path)
    sub.add_argument("--days", type=int, default=30)
    sub.add_argument("--events-per-day", type=int, default=1000)
    sub.add_argument("--songs", type=int, default=1000)
    sub.add_argument("--seed", type=int, default=0)
    sub.add_argument("--start", type=lambda s: parse_moment(s).date(), default=datetime(2018, 11, 1).date())
    sub.add_argument(
        "--late",
        action="store_true",
        help="write the log of the day a third into the range under late/ (it arrives late)",
    )

    sub = command("docs", _docs, "Write the data dictionary: static HTML pages that open from the file system.")
    sub.add_argument("--out", required=True, type=Path, help="folder to write index.html and the pages into")
    sub.add_argument("--spec", type=Path, help=SPEC_HELP)
    sub.add_argument("--target", help="URL or connection id: add row counts and the ledger's loads and checks")

    sub = command("query", _query, "Run SELECTs (Redshift SQL, files or text) on a target and print the rows.")
    sub.add_argument("queries", nargs="+", help="SQL files or SQL text")
    sub.add_argument("--spec", type=Path, help=SPEC_HELP + ": only for its default target")
    sub.add_argument("--target", help=TARGET_HELP)
    sub.set_defaults(needs_target=True)
    return parser


def _defaults(args: argparse.Namespace) -> None:
    """The spec when none is given (the only one in config/), and the target of a command that needs one."""
    if "spec" in args and args.spec is None:
        found = sorted(CONFIG.glob("*.yaml"))
        if len(found) != 1:
            names = ", ".join(str(p) for p in found) or "none"
            raise ValueError(f"give --spec: config/ holds {len(found)} spec(s) ({names})")
        args.spec = found[0]
    if getattr(args, "needs_target", False) and args.target is None:
        args.target = default_target(load_spec(args.spec).name)


def _common_run_args(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--var", action="append", default=[], metavar="KEY=VALUE", help="override a spec var")
    sub.add_argument("--tables", help="comma-separated tables to load (default: all)")
    sub.add_argument(
        "--full-refresh",
        action="store_true",
        help="reload every object of prefix sources, extract database ones in full",
    )


def _options(args: argparse.Namespace) -> Options:
    variables = {}
    for item in args.var:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--var {item!r}: expected KEY=VALUE")
        variables[key] = value
    tables = [t.strip() for t in args.tables.split(",")] if getattr(args, "tables", None) else None
    return Options(variables=variables, tables=tables, full_refresh=getattr(args, "full_refresh", False), run_id="cli")


def _validate(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.specs] or sorted(Path("config").glob("*.yaml"))
    failed = 0
    for path in paths:
        try:
            spec = load_project(path).spec
        except SpecError as error:
            print(error, file=sys.stderr)
            failed += 1
            continue
        print(f"{path}: ok ({len(spec.sources)} sources, {len(spec.dimensions)} dimensions, {len(spec.facts)} facts)")
    return 1 if failed else 0


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(Spec.model_json_schema(by_alias=True), indent=2))
    return 0


def _ddl(args: argparse.Namespace) -> int:
    print(ddl_text(load_project(args.spec), engine_named(args.target)), end="")
    return 0


def _plan(args: argparse.Namespace) -> int:
    project = load_project(args.spec)
    interval = interval_at(project, args.date)
    if args.target in ENGINES:
        print(plan_text(project, interval, engine_named(args.target), _options(args)), end="")
        return 0
    with open_target(args.target) as target:
        print(plan_text(project, interval, target.engine, _options(args), target), end="")
    return 0


def _run(args: argparse.Namespace) -> int:
    project = load_project(args.spec)
    options = _options(args)
    end = args.end or interval_at(project, args.start).end
    results: list[StepResult] = []
    with open_target(args.target) as target:
        if args.rebuild and not args.end:  # from the start on: to the end of the latest interval that loaded it
            loaded = [t.latest_interval for t in status(project, target).tables if t.name == args.rebuild]
            end = max([end, *(i.end for i in loaded if i is not None)])
        where = mask(resolve_url(args.target))
        print(f"loading {project.spec.name} into {where}: {args.start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}")
        progress = Progress(args.steps or end <= interval_at(project, args.start).end)
        report = lambda r: (results.append(r), progress(r))  # noqa: E731
        try:
            if args.rebuild:
                rebuild(project, args.rebuild, args.start, end, target, options, report)
            elif args.stale:
                reload_stale(project, args.start, end, target, options, report)
            else:
                run(project, args.start, end, target, options, report)
        finally:
            print(summary(results))
    return 0


def _diff(args: argparse.Namespace) -> int:
    project = load_project(args.spec)
    with open_target(args.target) as target:
        runner = StepRunner(project, interval_at(project, _start(project)), target)
        found = runner.plan.changes(found_in(target, runner.plan))
        where = mask(resolve_url(args.target))
        print(f"{project.spec.name} in {where}: {len(found)} difference(s) from {project.spec.file}")
        print(changes_text(project, target, found, _start(project)))
    return 1 if any(c.kind not in NEEDS_NO_DDL for c in found) else 0


def _migrate(args: argparse.Namespace) -> int:
    project = load_project(args.spec)
    allowed = frozenset({"additive", "rewrite", *(["breaking"] if args.allow_breaking else [])})
    with open_target(args.target) as target:
        runner = StepRunner(project, interval_at(project, _start(project)), target, _options(args))
        try:
            found = runner.migrate(allowed)
        except SchemaDrift as drift:
            print(f"error: {drift}\nbreaking changes need --allow-breaking", file=sys.stderr)
            return 1
        print(f"{project.spec.name}: applied {len(found)} difference(s)")
        print(changes_text(project, target, found, _start(project), statements=False))
    return 0


def _start(project: Project) -> datetime:
    return datetime.combine(project.spec.start_date, datetime.min.time())


SHOWN = ("extracted", "staged", "inserted", "updated", "deleted", "rejected")


class Progress:
    """What `run` prints as it goes: a line per step (`steps`), else a line per interval, once it finished or
    failed; each warning under its line."""

    def __init__(self, steps: bool):
        self.steps, self.done, self.interval = steps, [], None

    def __call__(self, result: StepResult) -> None:
        self.done.append(result)
        if self.steps:
            _line(result.interval, result.step.name, [result], result.seconds, result.status)
            _warnings(result.warnings)
        elif result.step.name == "finish" or result.status != "success":
            name = "interval" if result.status == "success" else result.step.name
            _line(result.interval, name, self.done, sum(r.seconds for r in self.done), result.status)
            _warnings([w for r in self.done for w in r.warnings])
            self.done = []


def _line(interval, name: str, results: list[StepResult], seconds: float, status: str) -> None:
    counts: dict[str, int] = {}
    for result in results:
        for key in (*SHOWN, "objects"):
            counts[key] = counts.get(key, 0) + result.counts.get(key, 0)
    parts = [f"{counts[k]:,} {k}" for k in SHOWN if counts.get(k)]
    if counts.get("objects"):
        parts.append(f"from {counts['objects']:,} object(s)")
    checks = [c for r in results for c in r.checks]
    if checks:
        parts.append(f"{sum(c.passed for c in checks)}/{len(checks)} checks passed")
    failed = "" if status == "success" else f" {status.upper()}"
    print(
        f"{interval.start:%Y-%m-%d %H:%M}  {name:<22} {', '.join(parts) or '-':<52} {seconds:6.2f}s{failed}", flush=True
    )


def _warnings(warnings: list[str]) -> None:
    for warning in warnings:
        print(mask(f"    warning: {warning}"), flush=True)


def summary(results: list[StepResult]) -> str:
    """Rows staged, inserted, updated per table, and checks passed and failed, over all intervals."""
    rows: dict[str, dict[str, int]] = {}
    for r in results:
        if r.step.subject is None:
            continue
        label = f"staging.{r.step.subject}" if r.step.layer == "stage" else r.step.subject
        row = rows.setdefault(label, {})
        for key in ("staged", "inserted", "updated", "deleted", "rejected"):
            row[key] = row.get(key, 0) + r.counts.get(key, 0)
        for check in r.checks:
            outcome = "warned" if check.outcome == "skipped" else check.outcome
            row[outcome] = row.get(outcome, 0) + 1
    header = ["table", "staged", "inserted", "updated", "deleted", "rejected", "checks passed", "warned", "failed"]
    keys = ("staged", "inserted", "updated", "deleted", "rejected", "passed", "warned", "failed")
    body = [[name, *(f"{v.get(k, 0):,}" for k in keys)] for name, v in rows.items()]
    intervals_done = len({r.interval for r in results if r.step.name == "finish" and r.status == "success"})
    return f"\n{intervals_done} interval(s) loaded\n" + format_table(header, body)


def format_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain text table: numbers right-aligned, text left-aligned."""
    numeric = [all(_is_number(row[i]) for row in rows) and bool(rows) for i in range(len(header))]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            str(c).rjust(w) if right else str(c).ljust(w) for c, w, right in zip(cells, widths, numeric, strict=True)
        ).rstrip()

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def _is_number(text: str) -> bool:
    return text.replace(",", "").replace(".", "", 1).lstrip("-").isdigit() or text == "NULL"


def _status(args: argparse.Namespace) -> int:
    project = load_project(args.spec)
    spec = project.spec
    with open_target(args.target) as target:
        found = status(project, target, args.start, args.end)
    print(f"{spec.name} in {mask(resolve_url(args.target))}: {len(found.intervals)} interval(s)")
    rows = []
    for state, runs in _runs(found.intervals):
        first, last = runs[0], runs[-1]
        span = f"{first.interval.start:%Y-%m-%d %H:%M}" + (
            f" .. {last.interval.start:%Y-%m-%d %H:%M}" if len(runs) > 1 else ""
        )
        detail = last.detail or (f"last at {max(r.when for r in runs):%Y-%m-%d %H:%M:%S}" if last.when else "")
        rows.append([state, f"{len(runs):,}", span, detail])
    print(format_table(["state", "intervals", "from .. to (interval start)", "detail"], rows))
    loaded = [i.interval for i in found.intervals if i.state in ("loaded", "stale")]
    if loaded:
        behind = (datetime.now(UTC).replace(tzinfo=None) - loaded[-1].end).days
        span = f"{loaded[0].start:%Y-%m-%d %H:%M} .. {loaded[-1].end:%Y-%m-%d %H:%M}"
        print(f"\nloaded range {span} (UTC); its end is {behind:,} day(s) before now")
    tables = [
        [t.name, f"{t.last_loaded:%Y-%m-%d %H:%M:%S}" if t.last_loaded else "never",
         f"{t.latest_interval.start:%Y-%m-%d %H:%M}" if t.latest_interval else "-", f"{t.inserted:,}", f"{t.updated:,}"]
        for t in found.tables
    ]  # fmt: skip
    print("\n" + format_table(["table", "last loaded (UTC)", "latest interval", "inserted", "updated"], tables))
    rejected = {s: n for s, n in found.rejected.items() if n}
    if rejected:
        print("\nrows set aside in ledger.rejects: " + ", ".join(f"{s} {n:,}" for s, n in rejected.items()))
    if found.staging:
        print(f"\nstaging tables in {spec.staging_schema} (`warehouse clean` drops those left behind):")
        staging = [
            [t.name, f"{t.interval_start:%Y-%m-%d %H:%M}", t.state, "left behind" if t.orphaned else "in use"]
            for t in found.staging
        ]
        print(format_table(["table", "interval start", "its interval", ""], staging))
    return 1 if any(i.state == "failed" for i in found.intervals) else 0


def _clean(args: argparse.Namespace) -> int:
    from warehouse.sql.ddl import drop_table
    from warehouse.status import status

    project = load_project(args.spec)
    spec = project.spec
    with open_target(args.target) as target:
        orphans = status(project, target).orphans
        for orphan in orphans:
            with target.transaction():
                target.execute(drop_table(orphan.name, spec.staging_schema))
            print(f"dropped {spec.staging_schema}.{orphan.name} (its interval {orphan.state})")
    print(f"{len(orphans)} staging table(s) dropped" if orphans else "no staging table left behind")
    return 0


def _runs(states: list) -> list[tuple[str, list]]:
    """Consecutive intervals in the same state, grouped."""
    groups: list[tuple[str, list]] = []
    for state in states:
        if groups and groups[-1][0] == state.state and state.detail == groups[-1][1][-1].detail:
            groups[-1][1].append(state)
        else:
            groups.append((state.state, [state]))
    return groups


def _sample(args: argparse.Namespace) -> int:
    from warehouse.sample import write_app_db, write_sample

    facts = write_sample(
        args.out,
        days=args.days,
        events_per_day=args.events_per_day,
        seed=args.seed,
        start=args.start,
        songs=args.songs,
        progress=lambda line: print(f"  {line}", flush=True),
        late=args.late,
    )
    accounts = write_app_db(args.out / "app.duckdb", facts, seed=args.seed)
    print(
        f"wrote {facts['events']:,} events over {len(facts['written_days'])} day(s) "
        f"(missing: {', '.join(facts['missing_days']) or 'none'}; late, under late/: "
        f"{', '.join(facts['late_days']) or 'none'}), {facts['song_files']:,} song files and "
        f"{accounts['accounts']:,} accounts (app.duckdb, a stand-in for the app's database) to {args.out}"
    )
    return 0


def _docs(args: argparse.Namespace) -> int:
    from warehouse.docs import build

    index = build(args.spec, args.out, args.target)
    print(f"data dictionary written to {args.out}: open {index.resolve().as_uri()}")
    return 0


def _query(args: argparse.Namespace) -> int:
    with open_target(args.target) as target:
        for item in args.queries:
            path = Path(item)
            text = path.read_text(encoding="utf-8") if path.suffix == ".sql" and path.is_file() else item
            title = next((line[2:].strip() for line in text.splitlines() if line.startswith("--")), item)
            for statement in sqlglot.parse(text, read=READ_DIALECT):
                if statement is None:
                    continue
                names, rows = target.fetch(statement)
                print(f"\n{title}\n" + format_table(names, [[_cell(v) for v in row] for row in rows]))
    return 0


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "NULL" if value is None else str(value)


if __name__ == "__main__":
    sys.exit(main())
