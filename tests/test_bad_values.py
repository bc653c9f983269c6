"""Bad input of every kind (issue 12), on DuckDB and PostgreSQL, in both on_bad_rows modes: `fail` names the file,
line and reason; `reject` loads the rest and sets each bad record aside in ledger.rejects with its file, line,
reason and raw text, and the records loaded plus those set aside are the records of the input."""

import gzip
import json
from pathlib import Path

import pytest
from helpers import count, edit, load, project_copy
from sqlglot import exp

from warehouse.results import BadInput, StepFailed

DAY = "2018-11-01"
LOG = Path("log_data/2018/11/2018-11-01-events.json")


@pytest.fixture(params=["fail", "reject"])
def spec(request, tmp_path: Path) -> Path:
    """The project with the events' and songs' on_bad_rows set to the mode."""
    spec = project_copy(tmp_path / "project")
    edit(spec, "    on_missing: empty", f"    on_missing: empty\n    on_bad_rows: {request.param}")
    edit(
        spec,
        '    location: "{data_root}/song_data/"',
        f'    location: "{{data_root}}/song_data/"\n    on_bad_rows: {request.param}',
    )
    return spec


def log_lines(data: Path) -> list[bytes]:
    return (data / LOG).read_bytes().splitlines(keepends=True)


def plays(data: Path, skip: int = 0) -> int:
    """The line number of a NextSong event."""
    return [i for i, line in enumerate(log_lines(data), 1) if b'"page":"NextSong"' in line][skip]


def changed(data: Path, number: int, **values) -> None:
    """Rewrite line `number` of the day's log with some keys set to the given JSON texts (written verbatim)."""
    record = json.loads(log_lines(data)[number - 1])
    for key in values:
        record.pop(key, None)
    text = json.dumps(record)[:-1] + "".join(f', "{k}": {v}' for k, v in values.items()) + "}\n"
    replace(data, number, text.encode())


def replace(data: Path, number: int, line: bytes) -> None:
    content = log_lines(data)
    content[number - 1] = line
    (data / LOG).write_bytes(b"".join(content))


def records(data: Path) -> int:
    return sum(1 for line in log_lines(data) if line.strip())


def outcome(spec: Path, target, data: Path, expected: dict[int | None, str], total: int, source: str = "events"):
    """Load the day: with `fail`, the stage step fails naming each (file, line, reason); with `reject`, it loads,
    and ledger.rejects holds each with its raw text, and staged + rejected records == `total`."""
    mode = "reject" if "on_bad_rows: reject" in spec.read_text() else "fail"
    step = f"stage_{source}"
    if mode == "fail":
        with pytest.raises(StepFailed) as caught:
            load(spec, target, DAY, None, data)
        assert caught.value.result.step.name == step
        message = caught.value.result.message
        for line, reason in sorted(expected.items(), key=lambda item: item[0] or 0)[: BadInput.SHOWN]:
            where = f"{LOG.name}, line {line}: " if line else f"{LOG.name}: "
            assert any(where in text and reason in text for text in message.splitlines()), message
        return None
    results = load(spec, target, DAY, None, data)
    (stage,) = [r for r in results if r.step.name == step]
    assert stage.counts["staged"] + stage.counts["rejected"] == total
    query = exp.select("url", "line", "reason", "raw").from_(exp.table_("rejects", db="ledger"))
    _, rows = target.fetch(query.where(exp.column("source").eq(exp.Literal.string(source))))
    found = {line: (url, reason, raw) for url, line, reason, raw in rows}
    assert set(found) == set(expected)
    for line, reason in expected.items():
        url, text, raw = found[line]
        assert url.endswith(LOG.name) and reason in text
        if line is not None:
            assert raw, f"line {line} has no raw text"
    return stage


def test_integers_and_epochs_follow_redshift_copy(spec: Path, target, data: Path) -> None:
    """COPY refuses a fraction, hexadecimal, digit separators or an exponent in an integer column, and a fraction
    in an epoch, where a cast would round or parse them (item 1); an epoch out of range names its line (item 7)."""
    lines = [plays(data, i) for i in range(8)]
    changed(data, lines[0], userId='"1.5"')
    changed(data, lines[1], userId='"0x1A"')
    changed(data, lines[2], userId='"2_6"')
    changed(data, lines[3], sessionId="583.5")
    changed(data, lines[4], itemInSession="7.4")
    changed(data, lines[5], ts="1542280826796.6")
    changed(data, lines[6], ts="100000000000000000")
    changed(data, lines[7], status='"1e3"')
    expected = {
        lines[0]: "userid: not a int: '1.5'",
        lines[1]: "userid: not a int: '0x1A'",
        lines[2]: "userid: not a int: '2_6'",
        lines[3]: "sessionid: not a int: '583.5'",
        lines[4]: "iteminsession: not a int: '7.4'",
        lines[5]: "ts: not a integer epoch: '1542280826796.6'",
        lines[6]: "ts: out of range: '100000000000000000'",
        lines[7]: "status: not a int: '1e3'",
    }
    outcome(spec, target, data, expected, records(data))


def test_nul_in_a_string_and_in_the_line(spec: Path, target, data: Path) -> None:
    """\\u0000 is refused by every engine at staging (item 5); a NUL byte in the line is not JSON, and its raw
    text goes into ledger.rejects (item 4)."""
    escaped, raw = plays(data, 0), plays(data, 1)
    changed(data, escaped, firstName='"Ka\\u0000ylee"')
    replace(data, raw, log_lines(data)[raw - 1].replace(b'"page"', b'"pa\x00ge"'))
    expected = {escaped: "firstname: holds a NUL character", raw: "not valid JSON: Invalid control character"}
    outcome(spec, target, data, expected, records(data))


def test_invalid_utf8_names_its_own_line(spec: Path, target, data: Path) -> None:
    """Item 6: the line is counted on bytes, so the line reported is the line that holds the bad byte."""
    number = plays(data, 20)
    replace(data, number, log_lines(data)[number - 1].replace(b'"level":"', b'"level":"\xff\xfe'))
    outcome(spec, target, data, {number: "not valid UTF-8"}, records(data))


def test_keys_differing_only_in_case_name_their_line(spec: Path, target, data: Path) -> None:
    """Item 9: USERID beside userId (match: ignorecase) is a bad row with its file and line."""
    number = plays(data, 2)
    changed(data, number, USERID='"7"')
    outcome(spec, target, data, {number: "differ only in case"}, records(data))


def test_a_day_written_as_one_json_array_counts_its_records(spec: Path, target, data: Path) -> None:
    """Item 3: the array is refused with what it holds; `reject` counts its records, not one line."""
    objects = [json.loads(line) for line in log_lines(data)]
    (data / LOG).write_text(json.dumps(objects) + "\n")
    stage = outcome(spec, target, data, {1: f"a JSON array of {len(objects)} record(s)"}, len(objects))
    assert stage is None or stage.counts["rejected"] == len(objects)


def test_a_compressed_object_must_be_named_gz(spec: Path, target, data: Path) -> None:
    """Item 11 (and 4): gzip data under a .json name is refused as a whole, its records counted."""
    total = records(data)
    (data / LOG).write_bytes(gzip.compress((data / LOG).read_bytes()))
    outcome(spec, target, data, {None: "compressed object: name it .gz"}, total)


def test_an_empty_object_is_named(spec: Path, target, data: Path) -> None:
    """Item 11: an empty day's log stages nothing, and says so."""
    (data / LOG).write_bytes(b"")
    results = load(spec, target, DAY, None, data)
    (stage,) = [r for r in results if r.step.name == "stage_events"]
    assert stage.counts["staged"] == 0
    assert any(LOG.name in w and "empty object" in w for w in stage.warnings)


def test_gz_objects_are_read(spec: Path, target, data: Path, sample) -> None:
    """Item 11: a song file compressed and named .gz loads as it did."""
    _, facts = sample
    song = next((data / "song_data").rglob("*.json"))
    song.with_name(song.name + ".gz").write_bytes(gzip.compress(song.read_bytes()))
    song.unlink()
    load(spec, target, DAY, None, data)
    assert count(target, "SELECT COUNT(*) FROM songs") == facts["songs"]


def test_a_play_without_a_required_value_is_a_bad_row_at_staging(spec: Path, target, data: Path) -> None:
    """Item 8: a play whose user or time is empty cannot fill songplays or time: refused where file and line are
    known, naming the column, instead of failing a later step with a bare NOT NULL error."""
    no_user, no_time = plays(data, 0), plays(data, 1)
    changed(data, no_user, userId='""')
    changed(data, no_time, ts="null")
    expected = {no_user: "userid: NULL, but songplays.user_id need a value", no_time: "ts: NULL"}
    outcome(spec, target, data, expected, records(data))


def test_rows_outside_the_interval_reach_no_table(spec: Path, target, data: Path, sample) -> None:
    """Item 2: a play of the next day in this day's log is deleted at staging, with a warning naming how many and
    where; it adds no play, no time row and does not update its user."""
    _, facts = sample
    number = plays(data, 0)
    moved = json.loads(log_lines(data)[number - 1])["ts"] + 2 * 86_400_000
    changed(data, number, ts=str(moved))
    results = load(spec, target, DAY, None, data)
    (stage,) = [r for r in results if r.step.name == "stage_events"]
    assert stage.counts["outside_interval"] == 1
    assert any(w.startswith("1 row(s) of ") and LOG.name in w and "fall outside" in w for w in stage.warnings)
    assert count(target, "SELECT COUNT(*) FROM songplays") == facts["next_song_by_day"][DAY] - 1
    assert count(target, "SELECT COUNT(*) FROM time WHERE start_time >= '2018-11-02'") == 0
    assert count(target, "SELECT COUNT(*) FROM users WHERE updated_at >= '2018-11-02'") == 0


def test_two_song_files_with_one_song_id_and_different_titles_are_named(spec: Path, target, data: Path) -> None:
    """Item 12: the songs dimension keeps one row per song_id; two files that disagree are named in a warning."""
    song = sorted((data / "song_data").rglob("*.json"))[0]
    record = json.loads(song.read_text())
    other = song.with_name("TRSAMEIDOTHERTITLE.json")
    other.write_text(json.dumps({**record, "title": record["title"] + " (remix)"}) + "\n")
    results = load(spec, target, DAY, None, data)
    (stage,) = [r for r in results if r.step.name == "stage_songs"]
    (warning,) = [w for w in stage.warnings if w.startswith("songs: ")]
    assert f"song_id {record['song_id']!r}" in warning and song.name in warning and other.name in warning
