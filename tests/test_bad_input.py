"""Bad input gets a clear message naming file and line, and nothing is silently lost: the spec chooses between
failing the run and setting bad rows aside in ledger.rejects. On DuckDB and on PostgreSQL (same reader)."""

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from helpers import SPEC, count, edit, load, project_copy

from warehouse.compile import load_project
from warehouse.interval import Interval
from warehouse.plan import plan
from warehouse.results import StepFailed
from warehouse.runner import StepRunner
from warehouse.sources import jsonlines
from warehouse.steps import Options

DAY = "2018-11-01"
LOG = Path("log_data/2018/11/2018-11-01-events.json")


def lines(data: Path) -> list[str]:
    return (data / LOG).read_text().splitlines(keepends=True)


def rewrite(data: Path, number: int, text: str) -> str:
    """Replace line `number` (1-based) of the first day's log; return the line it replaced."""
    content = lines(data)
    old, content[number - 1] = content[number - 1], text
    (data / LOG).write_text("".join(content))
    return old


def next_song_line(data: Path, skip: int = 0) -> int:
    numbers = [i for i, line in enumerate(lines(data), 1) if '"page":"NextSong"' in line]
    return numbers[skip]


def failed(target, data: Path, spec=None) -> str:
    with pytest.raises(StepFailed) as caught:
        load(spec or SPEC, target, DAY, None, data)
    assert caught.value.result.step.name == "stage_events"
    return caught.value.result.message


def test_a_truncated_line(target, data: Path) -> None:
    number = next_song_line(data, 3)
    old = rewrite(data, number, lines(data)[number - 1][:57] + "\n")
    message = failed(target, data)
    assert f"2018-11-01-events.json, line {number}: not valid JSON" in message
    assert json.loads(old)  # the line was fine before


def test_a_line_that_is_not_json(target, data: Path) -> None:
    rewrite(data, 5, "<html>503 Service Unavailable</html>\n")
    assert "2018-11-01-events.json, line 5: not valid JSON" in failed(target, data)


def test_a_value_of_the_wrong_type(target, data: Path) -> None:
    number = next_song_line(data)
    row = json.loads(lines(data)[number - 1])
    rewrite(data, number, json.dumps({**row, "userId": "abc"}) + "\n")
    assert f"line {number}: userid: not a int: 'abc'" in failed(target, data)


def test_a_string_longer_than_its_column_counts_bytes(target, data: Path) -> None:
    first, second = next_song_line(data), next_song_line(data, 1)
    rewrite(data, first, json.dumps({**json.loads(lines(data)[first - 1]), "level": "x" * 17}) + "\n")
    rewrite(data, second, json.dumps({**json.loads(lines(data)[second - 1]), "level": "é" * 9}) + "\n")  # 18 bytes
    message = failed(target, data)
    assert f"line {first}: level: longer than its 16 bytes" in message
    assert f"line {second}: level: longer than its 16 bytes" in message


def test_an_empty_user_id_loads_as_null(target, data: Path) -> None:
    project = load_project(SPEC)
    runner = StepRunner(project, Interval(datetime(2018, 11, 1), datetime(2018, 11, 2)), target,
                        Options(variables={"data_root": str(data)}))  # fmt: skip
    for step in plan(project, ["users"])[:2]:  # setup, stage_events
        runner.run_step(step)
    logged_out = sum('"userId":""' in line for line in lines(data))
    assert logged_out > 0
    assert count(target, "SELECT COUNT(*) FROM staging.events_20181101 WHERE userid IS NULL") == logged_out


def test_an_unexpected_key_is_reported_with_where_it_is(target, data: Path) -> None:
    number = next_song_line(data, 2)
    rewrite(data, number, json.dumps({**json.loads(lines(data)[number - 1]), "deviceType": "tv"}) + "\n")
    results = load(SPEC, target, DAY, None, data)
    (stage,) = [r for r in results if r.step.name == "stage_events"]
    assert any("'deviceType' fills no column" in w and f"line {number}" in w for w in stage.warnings)


def test_duplicated_events_and_objects_are_reported_and_loaded_once(target, data: Path, sample) -> None:
    _, facts = sample
    number = next_song_line(data)
    content = lines(data)
    (data / LOG).write_text("".join([*content, content[number - 1]]))
    song = next((data / "song_data").rglob("*.json"))
    shutil.copy(song, song.with_name("TRCOPYOFASONG00000.json"))
    results = load(SPEC, target, DAY, None, data)
    (fact,) = [r for r in results if r.step.name == "load_songplays"]
    assert fact.counts["duplicates"] == 1 and any("repeat the key" in w for w in fact.warnings)
    (songs,) = [r for r in results if r.step.name == "stage_songs"]
    assert any("TRCOPYOFASONG00000.json" in w and "same content" in w and song.name in w for w in songs.warnings)
    assert count(target, "SELECT COUNT(*) FROM songplays") == facts["next_song_by_day"][DAY]
    assert count(target, "SELECT COUNT(*) FROM songs") == facts["songs"]


def test_rejecting_sets_bad_rows_aside_and_loads_the_rest(target, data: Path, sample, tmp_path: Path) -> None:
    _, facts = sample
    spec = project_copy(tmp_path / "project")
    edit(spec, "    on_missing: empty", "    on_missing: empty\n    on_bad_rows: reject")
    truncated, wrong = next_song_line(data, 1), next_song_line(data, 2)
    rewrite(data, truncated, lines(data)[truncated - 1][:40] + "\n")
    rewrite(data, wrong, json.dumps({**json.loads(lines(data)[wrong - 1]), "sessionId": "x1"}) + "\n")
    rewrite(data, 3, "not json at all\n")
    results = load(spec, target, DAY, None, data)
    (stage,) = [r for r in results if r.step.name == "stage_events"]
    assert stage.counts["rejected"] == 3 and stage.counts["staged"] == facts["events_by_day"][DAY] - 3
    _, rows = target.fetch(_sql("SELECT line, reason FROM ledger.rejects ORDER BY line"))
    assert [r[0] for r in rows] == sorted([3, truncated, wrong])
    assert any("sessionid: not a int: 'x1'" in r[1] for r in rows)
    plays = count(target, "SELECT COUNT(*) FROM songplays")
    assert plays == facts["next_song_by_day"][DAY] - 2 - ('"page":"NextSong"' in lines(data)[2])
    load(spec, target, DAY, None, data)  # a rerun replaces the interval's rejects
    assert count(target, "SELECT COUNT(*) FROM ledger.rejects") == 3
    assert count(target, "SELECT SUM(rejected) FROM ledger.steps WHERE step = 'stage_events'") == 6


def _sql(text: str):
    import sqlglot

    return sqlglot.parse_one(text)


def test_the_key_census_counts_every_key_and_finds_keys_that_differ_only_in_case(tmp_path: Path) -> None:
    """The census behind `match: ignorecase` and the unused-key warnings: every key of every object, the most
    used first (ties by name), lines that are not JSON left to the staging read, and a clash only when one object
    holds two spellings of a key."""
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text('{"userId": 1, "ts": 2}\n{"userId": 3, "ts": 4}\nnot json\n{"ts": 5, "userId": 6}\n')
    second.write_text('{"userid": 7, "ts": 8, "extra": 1}\n')
    assert jsonlines.census([str(first), str(second)], ignorecase=True) == (["ts", "userId", "extra", "userid"], False)
    second.write_text('{"userid": 7, "userId": 8}\n')
    assert jsonlines.census([str(first), str(second)], ignorecase=True)[1]
    assert not jsonlines.census([str(first), str(second)], ignorecase=False)[1]
