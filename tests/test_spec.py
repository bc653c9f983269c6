"""A spec mistake is reported with the file, line and column, and the key or name at fault."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SPEC, edit, project_copy

from warehouse.compile import load_project
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
    assert "allowed: format, description, location, match" in problem.message


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
    assert problem.line == line and "'json', 'postgres'" in problem.message


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
