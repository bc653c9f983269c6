"""A spec mistake is reported with the file, line and column, and the key or name at fault."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, SPEC, edit, project_copy

from warehouse.compile import compile_spec, load_project
from warehouse.spec import Spec
from warehouse.yamlfile import SpecError


def error_of(spec: Path) -> SpecError:
    with pytest.raises(SpecError) as caught:
        load_project(spec)
    return caught.value


def where(message: str) -> tuple[str, int, int]:
    found = re.match(r"(.+?):(\d+):(\d+): ", message)
    assert found, f"no file:line:column in {message!r}"
    return found.group(1), int(found.group(2)), int(found.group(3))


def test_the_sparkify_spec_is_valid() -> None:
    project = load_project(SPEC)
    assert list(project.spec.dimensions) == ["users", "songs", "artists", "time", "accounts"]
    assert project.depends_on("songplays") == ["staging.events", "songs", "artists"]


def test_a_spec_changed_in_memory_compiles_to_its_own_project() -> None:
    """The compiled project follows the spec as it is, not only its file: a copy with another schedule (as the
    benchmarks make) plans monthly intervals, and the original still plans daily ones."""
    spec = load_project(SPEC).spec
    daily = compile_spec(spec)
    monthly = compile_spec(spec.model_copy(update={"schedule": "@monthly"}))
    assert (daily.spec.schedule, monthly.spec.schedule) == (spec.schedule, "@monthly")
    assert daily is compile_spec(spec)


def test_bad_yaml_syntax_names_file_and_line(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(spec, "      artist: varchar(512)\n", "      artist: [varchar(512)\n")
    error = error_of(spec)
    file, at, _ = where(str(error))
    assert file.endswith("sparkify.yaml") and line <= at <= line + 2
    assert "YAML syntax error" in str(error)


def test_unknown_key_lists_allowed_keys(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(spec, "    key: [user_id]\n", "    key: [user_id]\n    histroy: scd2\n") + 1
    (problem,) = error_of(spec).problems
    assert (problem.line, problem.column, problem.key) == (line, 5, "dimensions.users.histroy")
    assert "unknown key 'histroy'" in problem.message
    assert "allowed: description, select, key, columns" in problem.message


def test_unknown_key_inside_a_source_of_a_given_format(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(spec, "    match: ignorecase", "    matching: ignorecase")
    (problem,) = error_of(spec).problems
    assert (problem.line, problem.key) == (line, "sources.events.matching")
    assert "allowed: format, description, location, on_missing, on_bad_rows, columns, match" in problem.message


def test_wrong_type(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(spec, "retries: 1", "retries: many")
    (problem,) = error_of(spec).problems
    assert (problem.line, problem.column, problem.key) == (line, 10, "retries")
    assert "integer" in problem.message


def test_value_outside_a_fixed_set_lists_the_choices(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(spec, "    distribution: all\n    sort: [user_id]", "    distribution: everywhere\n    sort: [user_id]")
    problems = error_of(spec).problems
    assert any(p.line == line and "'auto', 'even', 'all'" in p.message for p in problems), problems


def test_unknown_source_format_lists_formats(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(spec, "    format: postgres", "    format: mysql")
    (problem,) = error_of(spec).problems
    assert problem.line == line and "'json', 'csv', 'parquet', 'postgres'" in problem.message


def test_missing_key_column(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(spec, "    key: [user_id]", "    key: [userid]")
    problem = error_of(spec).problems[0]  # (the references to users' key are broken too)
    assert (problem.line, problem.key) == (line, "dimensions.users.key[0]")
    assert "key column 'userid' is not one of: user_id, first_name" in problem.message


def test_key_columns_cannot_be_null(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(spec, "      song_id: {type: varchar(32), nullable: false,", "      song_id: {type: varchar(32),")
    (problem,) = error_of(spec).problems
    assert (problem.line, problem.key) == (line, "dimensions.songs.columns.song_id")
    assert "key column 'song_id' must be nullable: false" in problem.message


def test_missing_required_key(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(spec, "    select: ../sql/dim_songs.sql\n", "")
    (problem,) = error_of(spec).problems
    assert problem.key == "dimensions.songs.select" and "missing required key 'select'" in problem.message
    assert problem.line == line - 2  # the mapping that lacks it


def test_bad_column_type(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(spec, "      gender: varchar(16)\n", "      gender: varchar\n")
    (problem,) = error_of(spec).problems
    assert (problem.line, problem.key) == (line, "sources.events.columns.gender.type")
    assert "needs a length" in problem.message


def test_unknown_template_field(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(spec, "{data_root}/song_data/", "{data_rot}/song_data/")
    (problem,) = error_of(spec).problems
    assert (
        problem.line == line
        and "template field 'data_rot' is not one of: data_root, staging_root, day" in problem.message
    )


def test_unknown_column_in_sql_file(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(tmp_path / "sql" / "dim_users.sql", "    e.gender,", "    e.gendre AS gender,")
    (problem,) = error_of(spec).problems
    assert problem.file.endswith("sql/dim_users.sql")
    assert (problem.line, problem.column) == (line, 7)
    assert "unknown column 'gendre'" in problem.message


def test_unknown_table_in_sql_file(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(tmp_path / "sql" / "fact_songplays.sql", "    FROM songs AS s", "    FROM song AS s")
    (problem,) = error_of(spec).problems
    assert problem.file.endswith("sql/fact_songplays.sql") and problem.line == line
    assert "unknown table 'song'" in problem.message


def test_sql_file_selecting_an_undeclared_column(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(tmp_path / "sql" / "dim_songs.sql", "    s.duration\n", "    s.duration,\n    s.num_songs\n") + 1
    (problem,) = error_of(spec).problems
    assert problem.line == line and "selects 'num_songs', which is not a column of songs" in problem.message


def test_sql_syntax_error(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(tmp_path / "sql" / "dim_time.sql", "FROM staging.events AS e", "FROM staging.events AS e WHERE (")
    (problem,) = error_of(spec).problems
    assert problem.file.endswith("dim_time.sql") and problem.line >= line


def test_tables_reading_each_other_is_a_cycle(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    edit(
        tmp_path / "sql" / "dim_songs.sql",
        "FROM staging.songs AS s",
        "FROM staging.songs AS s JOIN artists AS a ON a.artist_id = s.artist_id",
    )
    edit(
        tmp_path / "sql" / "dim_artists.sql",
        "FROM staging.songs AS s",
        "FROM staging.songs AS s JOIN songs AS x ON x.song_id = s.song_id",
    )
    messages = str(error_of(spec))
    assert "tables depend on each other: songs → artists → songs" in messages


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    edit(spec, "retries: 1", "retries: many")
    edit(spec, "catchup: false", "catchup: maybe")
    assert len(error_of(spec).problems) == 2


def test_validate_command_prints_problems_and_fails(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(spec, "    key: [song_id]", "    key: [id]")
    done = subprocess.run(
        [sys.executable, "-m", "warehouse.cli", "validate", str(spec)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert f"sparkify.yaml:{line}:11: dimensions.songs.key[0]: key column 'id'" in done.stderr


def test_schema_command_prints_the_json_schema() -> None:
    done = subprocess.run([sys.executable, "-m", "warehouse.cli", "schema"], capture_output=True, text=True, check=True)
    schema = json.loads(done.stdout)
    assert {"name", "sources", "dimensions", "facts", "schema"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("varchar(abc)", "the length must be a number of bytes from 1 to 65535"),
        ("varchar(70000)", "the length must be a number of bytes from 1 to 65535"),
        ("decimal(50,2)", "precision from 1 to 38"),
        ("int(11)", "int takes no length or precision"),
    ],
)
def test_types_redshift_would_refuse(tmp_path: Path, written: str, says: str) -> None:
    spec = project_copy(tmp_path)
    line = edit(spec, "      gender: varchar(16)\n", f"      gender: {written}\n")
    (problem,) = error_of(spec).problems
    assert (problem.line, problem.column, problem.key) == (line, 15, "sources.events.columns.gender.type")
    assert says in problem.message


def test_a_time_column_that_is_not_a_time(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(spec, "    time_column: start_time\n", "    time_column: location\n")
    (problem,) = error_of(spec).problems
    assert (problem.line, problem.column, problem.key) == (line, 18, "facts.songplays.time_column")
    assert "use a date or timestamp" in problem.message


def test_a_reference_between_values_of_different_kinds(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(spec, "      - references: {columns: [artist_id], to: artists}\n",
                "      - references: {columns: [session_id], to: artists}\n")  # fmt: skip
    (problem,) = error_of(spec).problems
    position = (spec.read_text().splitlines()[line - 1 :: -1]).index("    checks:") - 1  # the check's index in its list
    assert (problem.line, problem.key) == (line, f"facts.songplays.checks[{position}].references")
    assert "session_id (INTEGER) cannot match artists.artist_id (VARCHAR(32))" in problem.message


def test_an_encoding_its_column_type_refuses(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    written = "      song_id: {type: varchar(32), description: NULL when the song is not in the catalogue, encode: "
    line = edit(spec, written + "zstd}", written + "az64}")
    (problem,) = error_of(spec).problems
    assert (problem.line, problem.key) == (line, "facts.songplays.columns.song_id.encode")
    assert "az64 does not take a varchar(32) column" in problem.message


def test_a_select_expression_whose_type_does_not_fit_its_column(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    sql = spec.parent.parent / "sql" / "dim_users.sql"
    line = edit(sql, "    e.userid AS user_id,\n", "    e.firstname AS user_id,\n")
    (problem,) = error_of(spec).problems
    assert (Path(problem.file).name, problem.line) == ("dim_users.sql", line)
    assert "selects 'user_id' as text" in problem.message and "declared int" in problem.message


def test_a_name_too_long_for_what_the_loader_derives_from_it(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    long = "s" * 120
    line = edit(spec, "  songs:\n    description: Song metadata", f"  {long}:\n    description: Song metadata")
    problems = error_of(spec).problems
    assert any(p.line == line and p.key == f"sources.{long}" and "at most 113 bytes" in p.message for p in problems)


def test_every_mistake_in_one_pass(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    name_line = edit(spec, "    key: [artist_id]", "    key: [artist]")
    type_line = edit(spec, "      gender: varchar(16)\n", "      gender: varchar(70000)\n")
    sql = spec.parent.parent / "sql" / "dim_time.sql"
    sql_line = edit(sql, "EXTRACT(HOUR FROM e.ts) AS hour", "EXTRACT(HOUR FROM e.tss) AS hour")
    problems = error_of(spec).problems
    assert {p.line for p in problems if p.file.endswith("sparkify.yaml")} >= {name_line, type_line}
    assert any(p.file.endswith("dim_time.sql") and p.line == sql_line for p in problems)


def test_the_json_schema_describes_every_property_and_accepts_the_shipped_specs() -> None:
    """What editors see (config/spec.schema.json, associated with config/*.yaml by .vscode/settings.json and the
    specs' modeline): the file is current, every property says what it is, and the shipped specs raise no error
    (YAML as an editor reads it: dates are strings)."""
    import jsonschema
    import yaml

    schema = json.loads((ROOT / "config" / "spec.schema.json").read_text())
    assert schema == Spec.model_json_schema(by_alias=True), "config/spec.schema.json is stale: run `make golden`"
    undescribed = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            undescribed.extend(f"{where}.{k}" for k, v in node.get("properties", {}).items() if "description" not in v)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    walk(schema, "")
    assert undescribed == []

    class EditorLoader(yaml.SafeLoader):
        pass

    def core(tag: str, regex: re.Pattern) -> re.Pattern:  # YAML 1.2's booleans, as editors read them: `on` is a word
        return re.compile("^(?:true|True|TRUE|false|False|FALSE)$") if tag == "tag:yaml.org,2002:bool" else regex

    EditorLoader.yaml_implicit_resolvers = {
        first: [(tag, core(tag, regex)) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    validator = jsonschema.Draft202012Validator(schema)
    for spec in sorted((ROOT / "config").glob("*.yaml")):
        errors = [
            f"{list(e.path)}: {e.message}" for e in validator.iter_errors(yaml.load(spec.read_text(), EditorLoader))
        ]
        assert errors == [], spec
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text())
    assert settings["yaml.schemas"] == {"./config/spec.schema.json": "config/*.yaml"}


def test_settings_from_the_environment_can_be_per_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from warehouse.spec import load_spec
    from warehouse.targets import default_target

    spec = project_copy(tmp_path)
    other = spec.with_name("other.yaml")
    other.write_text(spec.read_text().replace("name: sparkify", "name: other", 1))
    monkeypatch.setenv("WAREHOUSE_VAR_DATA_ROOT", "/every/spec")
    monkeypatch.setenv("WAREHOUSE_OTHER_VAR_DATA_ROOT", "/other/only")
    monkeypatch.setenv("WAREHOUSE_TARGET", "duckdb:///every.duckdb")
    monkeypatch.setenv("WAREHOUSE_OTHER_TARGET", "duckdb:///other.duckdb")
    assert load_spec(spec).variables()["data_root"] == "/every/spec"
    assert load_spec(other).variables()["data_root"] == "/other/only"
    assert (default_target("sparkify"), default_target("other")) == ("duckdb:///every.duckdb", "duckdb:///other.duckdb")


def test_the_spec_defaults_to_the_only_one_and_asks_when_there_are_several(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from warehouse.cli import main

    spec = project_copy(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["ddl", "--target", "duckdb"]) == 0
    assert 'CREATE TABLE IF NOT EXISTS "songplays"' in capsys.readouterr().out
    spec.with_name("other.yaml").write_text(spec.read_text().replace("name: sparkify", "name: other", 1))
    assert main(["ddl", "--target", "duckdb"]) == 2
    assert "give --spec: config/ holds 2 spec(s)" in capsys.readouterr().err
