"""`warehouse`: validate a spec, print its DDL or plan, run intervals, make sample data, query the warehouse."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlglot
from sqlglot import exp

from warehouse.interval import Interval, intervals, parse_moment
from warehouse.plan import Step
from warehouse.results import StepFailed, StepResult
from warehouse.runner import DialectOnly, IntervalRun, Options, run
from warehouse.sources.database import as_json_source, extract_query
from warehouse.sources.files import interval_objects, location
from warehouse.sources.objects import store_for
from warehouse.spec import JsonSource, PostgresSource, Spec, load_spec
from warehouse.sql.checks import check_name
from warehouse.sql.dialects import DIALECTS
from warehouse.sql.stage import stage_preview
from warehouse.sql.transforms import READ_DIALECT
from warehouse.targets import DEFAULT_URL, open_target, redact_url, resolve_url
from warehouse.yamlfile import SpecError

DEFAULT_SPEC = "config/sparkify.yaml"
SCHEMES = {"duckdb": "duckdb", "postgresql": "postgres", "postgres": "postgres", "redshift": "redshift"}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(message)s",
        stream=sys.stderr,
    )
    try:
        return args.command(args)
    except SpecError as error:
        print(error, file=sys.stderr)
        return 2
    except StepFailed as failed:
        print(f"\nFAILED {failed.result.step.name} {failed.result.interval}:\n{failed.result.message}", file=sys.stderr)
        return 1
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="warehouse", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, handler, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(command=handler)
        return sub

    sub = command("validate", _validate, "Check specs and their SQL files; print each problem with file:line:column.")
    sub.add_argument("specs", nargs="*", help="spec files (default: config/*.yaml)")

    command("schema", _schema, "Print the spec's JSON Schema (for editors).")

    sub = command("ddl", _ddl, "Print the CREATE statements of a spec's tables for an engine.")
    sub.add_argument("--spec", default=DEFAULT_SPEC)
    sub.add_argument("--target", default="redshift", help=f"a dialect ({', '.join(DIALECTS)}) or a target URL")

    sub = command("plan", _plan, "Print every step's SQL for the interval that starts at --date.")
    sub.add_argument("--spec", default=DEFAULT_SPEC)
    sub.add_argument("--date", required=True, type=parse_moment, help="start of the interval, e.g. 2018-11-01")
    sub.add_argument("--target", default="duckdb", help=f"a dialect ({', '.join(DIALECTS)}) or a target URL")
    _common_run_args(sub)

    sub = command("run", _run, "Load every interval in [--start, --end) in order.")
    sub.add_argument("--spec", default=DEFAULT_SPEC)
    sub.add_argument("--start", required=True, type=parse_moment)
    sub.add_argument("--end", type=parse_moment, help="exclusive (default: one interval after --start)")
    sub.add_argument("--target", default=DEFAULT_URL, help="URL or connection id (default: %(default)s)")
    sub.add_argument("-v", "--verbose", action="store_true", help="log every SQL statement")
    _common_run_args(sub)

    sub = command("status", _status, "Show which intervals are loaded, failed or missing, and each table's last load.")
    sub.add_argument("--spec", default=DEFAULT_SPEC)
    sub.add_argument("--target", default=DEFAULT_URL)
    sub.add_argument("--start", type=parse_moment, help="default: the spec's start_date")
    sub.add_argument("--end", type=parse_moment, help="default: the end of the latest interval in the ledger")

    sub = command("sample", _sample, "Write Sparkify-shaped sample data (deterministic for a seed).")
    sub.add_argument("--out", required=True, type=Path)
    sub.add_argument("--days", type=int, default=30)
    sub.add_argument("--events-per-day", type=int, default=1000)
    sub.add_argument("--songs", type=int, default=1000)
    sub.add_argument("--seed", type=int, default=0)
    sub.add_argument("--start", type=lambda s: parse_moment(s).date(), default=datetime(2018, 11, 1).date())

    sub = command("query", _query, "Run SELECTs (Redshift SQL, files or text) on a target and print the rows.")
    sub.add_argument("queries", nargs="+", help="SQL files or SQL text")
    sub.add_argument("--target", default=DEFAULT_URL)
    return parser


def _common_run_args(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--var", action="append", default=[], metavar="KEY=VALUE", help="override a spec var")
    sub.add_argument("--tables", help="comma-separated tables to load (default: all)")
    sub.add_argument("--full-refresh", action="store_true", help="reload every object of prefix sources")


def _options(args: argparse.Namespace) -> Options:
    variables = {}
    for item in args.var:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--var {item!r}: expected KEY=VALUE")
        variables[key] = value
    tables = [t.strip() for t in args.tables.split(",")] if args.tables else None
    return Options(variables=variables, tables=tables, full_refresh=args.full_refresh, run_id="cli")


def _dialect(target: str) -> str:
    if target in DIALECTS:
        return target
    scheme = resolve_url(target).split("://", 1)[0]
    if scheme not in SCHEMES:
        raise ValueError(f"unknown target {target!r}: give a dialect ({', '.join(DIALECTS)}) or a URL")
    return SCHEMES[scheme]


def _validate(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.specs] or sorted(Path("config").glob("*.yaml"))
    failed = 0
    for path in paths:
        try:
            spec = load_spec(path)
        except SpecError as error:
            print(error, file=sys.stderr)
            failed += 1
            continue
        print(f"{path}: ok ({len(spec.sources)} sources, {len(spec.dimensions)} dimensions, {len(spec.facts)} facts)")
    return 1 if failed else 0


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(Spec.model_json_schema(by_alias=True), indent=2))
    return 0


def ddl_text(spec: Spec, dialect: str) -> str:
    """The CREATE statements of a spec (schemas, ledger, tables), as `create_tables.sql` holds them."""
    start = datetime.combine(spec.start_date, datetime.min.time())
    runner = IntervalRun(spec, _interval_at(spec, start), DialectOnly(dialect))
    header = f"-- Generated by `warehouse ddl --spec {spec.file} --target {dialect}`: do not edit.\n"
    return header + "".join(f"\n{s.render(dialect, pretty=True)};\n" for s in runner.setup_statements())


def _ddl(args: argparse.Namespace) -> int:
    print(ddl_text(load_spec(args.spec), _dialect(args.target)), end="")
    return 0


def _plan(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    print(plan_text(spec, _interval_at(spec, args.date), _dialect(args.target), _options(args)), end="")
    return 0


def plan_text(spec: Spec, interval: Interval, dialect: str, options: Options) -> str:
    """Every step of one interval with its SQL, as `warehouse plan` prints it."""
    runner = IntervalRun(spec, interval, DialectOnly(dialect), options)
    out = [f"-- plan of {spec.name} for {interval} on {dialect}\n"]
    for step in runner.steps:
        out.append(f"\n-- step {step.name} ({step.layer}){' after ' + ', '.join(step.needs) if step.needs else ''}\n")
        notes, statements = _step_sql(runner, step)
        out += [f"-- {note}\n" for note in notes]
        out += [f"{sql.sql(dialect=dialect, pretty=True)};\n" for sql in statements]
    return "".join(out)


def _step_sql(runner: IntervalRun, step: Step) -> tuple[list[str], list[exp.Expression]]:
    """A step's notes (objects, extract, check names) and statements, for the plan."""
    spec, interval, dialect = runner.spec, runner.interval, runner.dialect
    if step.layer == "checks":
        checks = runner.check_queries(step.subject)
        return [f"check {i + 1}: {check_name(c)}" for i, (c, _) in enumerate(checks)], [q for _, q in checks]
    if step.layer != "stage":
        chosen = {"setup": runner.setup_statements, "finish": runner.finish_statements}.get(step.layer)
        return [], [s.sql for s in (chosen() if chosen else runner.load_statements(step.subject))]
    source = spec.sources[step.subject]
    if isinstance(source, PostgresSource):
        prefix = runner.extract_prefix(step.subject)
        query = extract_query(source, interval).sql(dialect="postgres")
        notes = [f"extract from {source.connection} to {prefix}/part-NNNN.json.gz: {query}"]
        source, urls = as_json_source(source, prefix), [f"{prefix}/part-0000.json.gz"]
    else:
        urls = _object_urls(source, runner)
        notes = [f"{len(urls)} object(s)", *(f"  {url}" for url in urls)]
    table = runner.layout.staging(step.subject)
    return notes, stage_preview(dialect, table, source, urls, runner.manifest_url(step.subject))


def _interval_at(spec: Spec, moment: datetime) -> Interval:
    (interval,) = intervals(spec.schedule, moment, moment + timedelta(microseconds=1))
    return interval


def _object_urls(source: JsonSource, runner: IntervalRun) -> list[str]:
    """The objects a run would stage (for a prefix source: all, as the ledger of loaded ones is not read)."""
    variables, interval = runner.variables, runner.interval
    store = store_for(location(source, variables, interval.start.date()), runner.options.s3_client)
    try:
        if source.partitioned:
            return [o.url for o in interval_objects(source, variables, interval, store)[0]]
        return [o.url for o in store.list(location(source, variables))]
    except Exception as error:  # e.g. no AWS credentials: the plan still shows the SQL
        return [f"<objects not listed: {type(error).__name__}: {error}>"]


def _run(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    options = _options(args)
    end = args.end or _interval_at(spec, args.start).end
    results: list[StepResult] = []
    with open_target(args.target) as target:
        where = redact_url(resolve_url(args.target))
        print(f"loading {spec.name} into {where}: {args.start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}")
        try:
            run(spec, args.start, end, target, options, progress=lambda r: (results.append(r), _progress(r)))
        finally:
            print(summary(results))
    return 0


def _progress(result: StepResult) -> None:
    counts = result.counts
    shown = ("extracted", "staged", "inserted", "updated", "deleted", "rejected")
    parts = [f"{counts[k]:,} {k}" for k in shown if counts.get(k)]
    if "objects" in counts:
        parts.append(f"from {counts['objects']:,} object(s)")
    if result.checks:
        passed = sum(c.passed for c in result.checks)
        parts.append(f"{passed}/{len(result.checks)} checks passed")
    status = "" if result.status == "success" else f" {result.status.upper()}"
    when = f"{result.interval.start:%Y-%m-%d %H:%M}"
    line = f"{when}  {result.step.name:<22} {', '.join(parts) or '-':<52} {result.seconds:6.2f}s{status}"
    print(line, flush=True)
    for warning in result.warnings:
        print(f"    warning: {warning}", flush=True)


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
    from warehouse.status import status

    spec = load_spec(args.spec)
    with open_target(args.target) as target:
        found = status(spec, target, args.start, args.end)
    print(f"{spec.name} in {redact_url(resolve_url(args.target))}: {len(found.intervals)} interval(s)")
    rows = []
    for state, runs in _runs(found.intervals):
        first, last = runs[0], runs[-1]
        span = f"{first.interval.start:%Y-%m-%d %H:%M}" + (
            f" .. {last.interval.start:%Y-%m-%d %H:%M}" if len(runs) > 1 else ""
        )
        detail = last.detail or (f"last at {max(r.when for r in runs):%Y-%m-%d %H:%M:%S}" if last.when else "")
        rows.append([state, f"{len(runs):,}", span, detail])
    print(format_table(["state", "intervals", "from .. to (interval start)", "detail"], rows))
    loaded = [i.interval for i in found.intervals if i.state == "loaded"]
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
    return 1 if any(i.state == "failed" for i in found.intervals) else 0


def _runs(states: list) -> list[tuple[str, list]]:
    """Consecutive intervals in the same state, grouped."""
    groups: list[tuple[str, list]] = []
    for state in states:
        if groups and groups[-1][0] == state.state and not state.detail and not groups[-1][1][-1].detail:
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
    )
    accounts = write_app_db(args.out / "app.duckdb", facts, seed=args.seed)
    print(
        f"wrote {facts['events']:,} events over {len(facts['written_days'])} day(s) "
        f"(missing: {', '.join(facts['missing_days']) or 'none'}), {facts['song_files']:,} song files and "
        f"{accounts['accounts']:,} accounts (app.duckdb, a stand-in for the app's database) to {args.out}"
    )
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
