"""Tests for warehouse.sample: format, determinism, facts (recounted from the files) and quirks."""

from __future__ import annotations

import json
import re
import tracemalloc
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path

import pytest

from warehouse.sample import write_sample

# Written out here rather than imported, so that the test checks the module against the format reference.
LOG_KEYS = [
    "artist",
    "auth",
    "firstName",
    "gender",
    "itemInSession",
    "lastName",
    "length",
    "level",
    "location",
    "method",
    "page",
    "registration",
    "sessionId",
    "song",
    "status",
    "ts",
    "userAgent",
    "userId",
]
SONG_KEYS = [
    "num_songs",
    "artist_id",
    "artist_latitude",
    "artist_longitude",
    "artist_location",
    "artist_name",
    "song_id",
    "title",
    "duration",
    "year",
]
PAGES = {
    "NextSong",
    "Home",
    "Logout",
    "Login",
    "Settings",
    "Help",
    "About",
    "Upgrade",
    "Downgrade",
    "Submit Upgrade",
    "Submit Downgrade",
    "Save Settings",
    "Error",
}
ARGS = {"days": 5, "events_per_day": 300, "seed": 3, "songs": 50}
TRACK_RE = re.compile(r"TR([A-Z])([A-Z])([A-Z])[A-Z0-9]{13}\.json")
LOG_NAME_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})-events\.json")


class Sample:
    """A generated sample, parsed once."""

    def __init__(self, out: Path, facts: dict, progress: list[str]) -> None:
        self.out = out
        self.facts = facts
        self.progress = progress
        self.log_files = sorted((out / "log_data").rglob("*.json"))
        self.song_files = sorted((out / "song_data").rglob("*.json"))
        self.events_by_file: dict[Path, list[dict]] = {}
        self.key_orders: set[tuple[str, ...]] = set()
        for path in self.log_files:
            rows = []
            for line in path.read_text(encoding="utf-8").splitlines():
                pairs = json.loads(line, object_pairs_hook=list)
                self.key_orders.add(tuple(k for k, _ in pairs))
                rows.append(dict(pairs))
            self.events_by_file[path] = rows
        self.events = [e for rows in self.events_by_file.values() for e in rows]
        self.plays = [e for e in self.events if e["page"] == "NextSong"]
        self.songs = [json.loads(p.read_text(encoding="utf-8"), object_pairs_hook=list) for p in self.song_files]


def _generate(out: Path, **kwargs) -> Sample:
    progress: list[str] = []
    facts = write_sample(out, progress=progress.append, **kwargs)
    return Sample(out, facts, progress)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Sample:
    return _generate(tmp_path_factory.mktemp("sample") / "out", **ARGS)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------------------ determinism


def test_same_seed_gives_identical_bytes(sample, tmp_path):
    again = tmp_path / "again"
    write_sample(again, **ARGS)
    first, second = _tree(sample.out), _tree(again)
    assert sorted(first) == sorted(second)
    for name, content in first.items():
        assert content == second[name], name


def test_different_seed_gives_different_content(sample, tmp_path):
    other = tmp_path / "other"
    write_sample(other, **{**ARGS, "seed": ARGS["seed"] + 1})
    first, second = _tree(sample.out), _tree(other)
    assert first["expected.json"] != second["expected.json"]
    log = "log_data/2018/11/2018-11-01-events.json"
    assert first[log] != second[log]
    assert {n for n in first if n.startswith("song_data")} != {n for n in second if n.startswith("song_data")}


# ------------------------------------------------------------------------------------------------ format


def test_log_files_layout(sample):
    start = date(2018, 11, 1)
    assert [p.relative_to(sample.out).as_posix() for p in sample.log_files] == [
        f"log_data/2018/11/2018-11-0{d}-events.json" for d in (1, 2, 4, 5)
    ]
    for path in sample.log_files:
        raw = path.read_bytes()
        assert raw.endswith(b"\n") and not raw.endswith(b"\n\n")
        assert raw.count(b"\n") == ARGS["events_per_day"]
        m = LOG_NAME_RE.fullmatch(path.name)
        assert m and path.parent.name == m[2] and path.parent.parent.name == m[1]
        assert date(int(m[1]), int(m[2]), int(m[3])) >= start


def test_log_lines_have_the_18_keys_in_order(sample):
    assert sample.key_orders == {tuple(LOG_KEYS)}


def test_log_values_have_the_sparkify_types(sample):
    for path, rows in sample.events_by_file.items():
        day = date.fromisoformat(path.name[:10])
        day_start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)
        previous_ts = 0
        for e in rows:
            assert type(e["ts"]) is int and day_start <= e["ts"] < day_start + 86_400_000
            assert e["ts"] >= previous_ts  # files are in ts order, like the originals
            previous_ts = e["ts"]
            assert type(e["sessionId"]) is int and type(e["itemInSession"]) is int
            assert type(e["status"]) is int and type(e["userId"]) is str
            assert e["page"] in PAGES
            assert e["method"] in ("GET", "PUT")
            assert e["level"] in ("free", "paid")
            if e["page"] == "NextSong":
                assert type(e["length"]) is float and type(e["song"]) is str and type(e["artist"]) is str
            else:
                assert e["length"] is None and e["song"] is None and e["artist"] is None
            if e["page"] == "Error":
                assert e["status"] == 404
            elif e["page"] in ("Logout", "Login") or e["page"].startswith("Submit"):
                assert e["status"] == 307
            else:
                assert e["status"] in (200, 307)
            if e["userId"] == "":
                assert e["auth"] == "Logged Out" and e["level"] == "free" and e["page"] != "NextSong"
                for key in ("firstName", "lastName", "gender", "location", "registration", "userAgent"):
                    assert e[key] is None
            else:
                assert e["auth"] == "Logged In" and e["userId"].isdigit()
                assert type(e["registration"]) is float and e["registration"] < day_start
                assert e["gender"] in ("M", "F")
                for key in ("firstName", "lastName", "location", "userAgent"):
                    assert type(e[key]) is str and e[key]


def test_log_text_looks_like_the_original(sample):
    raw = sample.log_files[0].read_text(encoding="utf-8")
    first = raw.splitlines()[0]
    assert first.startswith('{"artist":') and '": ' not in first and '", "' not in first  # compact
    assert '"userAgent":"Mozilla\\/5.0' in raw  # PHP-style escaped slashes
    assert re.search(r'"registration":\d{13}\.0,', raw)


def test_song_files_layout_and_content(sample):
    assert len(sample.song_files) == ARGS["songs"] + 1
    for path, pairs in zip(sample.song_files, sample.songs, strict=True):
        m = TRACK_RE.fullmatch(path.name)
        assert m, path.name
        assert path.relative_to(sample.out).parts[:4] == ("song_data", m[1], m[2], m[3])
        assert [k for k, _ in pairs] == SONG_KEYS
        song = dict(pairs)
        assert song["num_songs"] == 1
        assert re.fullmatch(r"AR[A-Z0-9]{16}", song["artist_id"])
        assert re.fullmatch(r"SO[A-Z0-9]{16}", song["song_id"])
        assert type(song["duration"]) is float and re.fullmatch(r"\d+\.\d{1,5}", repr(song["duration"]))
        assert type(song["year"]) is int and (song["year"] == 0 or 1950 <= song["year"] <= 2025)
        assert type(song["artist_location"]) is str
        assert (song["artist_latitude"] is None) == (song["artist_longitude"] is None)
        text = path.read_text(encoding="utf-8")
        assert text.startswith('{"num_songs": 1, "artist_id": ') and text.count("{") == 1
    years = [dict(p)["year"] for p in sample.songs]
    assert 0 in years and any(years)
    assert any(dict(p)["artist_latitude"] is None for p in sample.songs)
    assert any(dict(p)["artist_latitude"] is not None for p in sample.songs)
    assert any(dict(p)["artist_location"] == "" for p in sample.songs)


def test_artist_fields_are_consistent(sample):
    by_artist: dict[str, set] = defaultdict(set)
    for pairs in sample.songs:
        s = dict(pairs)
        fields = (s["artist_name"], s["artist_location"], s["artist_latitude"], s["artist_longitude"])
        by_artist[s["artist_id"]].add(fields)
    assert all(len(v) == 1 for v in by_artist.values())
    names = [next(iter(v))[0] for v in by_artist.values()]
    assert len(names) == len(set(names))
    per_artist = Counter(dict(p)["artist_id"] for p in sample.songs)
    assert max(per_artist.values()) >= 3


# ------------------------------------------------------------------------------------------------- facts


def _level_changes(plays: list[dict]) -> int:
    """Plays at another level than the user's previous play (in time order)."""
    previous: dict[str, str] = {}
    changes = 0
    for e in sorted(plays, key=lambda e: e["ts"]):
        changes += previous.get(e["userId"], e["level"]) != e["level"]
        previous[e["userId"]] = e["level"]
    return changes


def _recount(s: Sample) -> dict:
    """Every fact, recomputed from the files alone."""
    songs = [dict(p) for p in s.songs]
    events_by_day = {p.name[:10]: len(rows) for p, rows in s.events_by_file.items()}
    next_song_by_day = {p.name[:10]: sum(e["page"] == "NextSong" for e in rows) for p, rows in s.events_by_file.items()}
    levels = defaultdict(set)
    latest: dict[str, tuple[int, str]] = {}
    for e in s.plays:
        levels[e["userId"]].add(e["level"])
        if e["userId"] not in latest or e["ts"] > latest[e["userId"]][0]:
            latest[e["userId"]] = (e["ts"], e["level"])
    catalogue = {(x["title"], x["artist_name"], x["duration"]) for x in songs}
    song_id_files = Counter(x["song_id"] for x in songs)
    start = date.fromisoformat(s.facts["start"])
    all_days = [date.fromordinal(start.toordinal() + i).isoformat() for i in range(s.facts["days"])]
    return {
        "seed": ARGS["seed"],
        "start": "2018-11-01",
        "days": ARGS["days"],
        "written_days": sorted(events_by_day),
        "missing_days": [d for d in all_days if d not in events_by_day],
        "late_days": [],  # written under late/ only with --late
        "events": len(s.events),
        "events_by_day": events_by_day,
        "next_song_events": len(s.plays),
        "next_song_by_day": next_song_by_day,
        "logged_out_events": sum(e["userId"] == "" for e in s.events),
        "users": len({e["userId"] for e in s.plays if e["userId"]}),
        "users_with_level_change": sum(len(v) > 1 for v in levels.values()),
        "level_changes": _level_changes(s.plays),
        "final_level": {uid: level for uid, (_, level) in latest.items()},
        "paid_plays": sum(e["level"] == "paid" for e in s.plays),
        "free_plays": sum(e["level"] == "free" for e in s.plays),
        "song_files": len(songs),
        "songs": len(song_id_files),
        "artists": len({x["artist_id"] for x in songs}),
        "matched_plays": sum((e["song"], e["artist"], e["length"]) in catalogue for e in s.plays),
        "distinct_play_times": len({e["ts"] for e in s.plays}),
        "duplicate_song_id": next(sid for sid, n in song_id_files.items() if n == 2),
    }


def test_facts_match_a_recount_of_the_files(sample):
    written = json.loads((sample.out / "expected.json").read_text(encoding="utf-8"))
    assert written == sample.facts
    recount = _recount(sample)
    assert sorted(written) == sorted(recount)
    for key, value in recount.items():
        assert written[key] == value, key


def test_expected_json_is_sorted_and_indented(sample):
    text = (sample.out / "expected.json").read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2) + "\n"


def test_facts_have_plausible_proportions(sample):
    f = sample.facts
    assert f["events"] == 4 * ARGS["events_per_day"]
    assert 0.7 < f["next_song_events"] / f["events"] < 0.9
    assert 0.45 < f["matched_plays"] / f["next_song_events"] < 0.75
    assert 0 < f["logged_out_events"] / f["events"] < 0.1
    assert f["paid_plays"] > 0 and f["free_plays"] > 0
    assert f["songs"] == ARGS["songs"] and f["song_files"] == ARGS["songs"] + 1
    assert 10 <= f["artists"] <= 25


def test_progress_reports_each_day(sample):
    assert sample.progress == [
        "2018-11-01: 300 events",
        "2018-11-02: 300 events",
        "2018-11-03: missing (no file)",
        "2018-11-04: 300 events",
        "2018-11-05: 300 events",
    ]


# ------------------------------------------------------------------------------------------------ quirks


def test_missing_day(sample):
    assert sample.facts["missing_days"] == ["2018-11-03"]
    assert not (sample.out / "log_data/2018/11/2018-11-03-events.json").exists()
    assert sample.facts["days"] == 5 and len(sample.facts["written_days"]) == 4


def test_users_change_level(sample):
    levels = defaultdict(set)
    for e in sample.plays:
        levels[e["userId"]].add(e["level"])
    assert sample.facts["users_with_level_change"] >= 2
    assert sum(len(v) == 2 for v in levels.values()) == sample.facts["users_with_level_change"]


def test_level_is_the_level_at_the_moment(sample):
    """A user's level only changes right after one of its Submit Upgrade / Submit Downgrade events."""
    by_user = defaultdict(list)
    for e in sample.events:
        if e["userId"]:
            by_user[e["userId"]].append(e)
    directions = set()
    for rows in by_user.values():
        rows.sort(key=lambda e: e["ts"])
        for before, after in pairwise(rows):
            assert before["ts"] < after["ts"]  # one user never has two events at the same ts
            if before["page"] == "Submit Upgrade":
                assert (before["level"], after["level"]) == ("free", "paid")
                directions.add("up")
            elif before["page"] == "Submit Downgrade":
                assert (before["level"], after["level"]) == ("paid", "free")
                directions.add("down")
            else:
                assert before["level"] == after["level"]
    assert directions == {"up", "down"}


def test_logged_out_events(sample):
    logged_out = [e for e in sample.events if e["userId"] == ""]
    assert logged_out and len(logged_out) == sample.facts["logged_out_events"]
    assert {e["page"] for e in logged_out} <= {"Home", "Login", "About", "Help", "Error"}
    days_with_logged_out = {datetime.fromtimestamp(e["ts"] / 1000, UTC).date() for e in logged_out}
    assert len(days_with_logged_out) == len(sample.log_files)


def test_duplicated_song_file(sample):
    contents = Counter(p.read_bytes() for p in sample.song_files)
    twice = [content for content, n in contents.items() if n == 2]
    assert len(twice) == 1 and max(contents.values()) == 2
    assert json.loads(twice[0])["song_id"] == sample.facts["duplicate_song_id"]
    files = [p.name for p in sample.song_files if p.read_bytes() == twice[0]]
    assert len(set(files)) == 2


def test_matched_and_unmatched_plays(sample):
    songs = [dict(p) for p in sample.songs]
    catalogue = {(s["title"], s["artist_name"], s["duration"]) for s in songs}
    titles = {s["title"] for s in songs}
    artists = {s["artist_name"] for s in songs}
    matched = [e for e in sample.plays if (e["song"], e["artist"], e["length"]) in catalogue]
    unmatched = [e for e in sample.plays if (e["song"], e["artist"], e["length"]) not in catalogue]
    assert matched and unmatched
    for e in unmatched:  # songs outside song_data share neither title nor artist with it
        assert e["song"] not in titles and e["artist"] not in artists
    # A matched play carries the exact same float text as the song file.
    raw = "\n".join(p.read_text(encoding="utf-8") for p in sample.log_files)
    for e in matched[:20]:
        assert f'"length":{e["length"]!r},' in raw


def test_same_ts_for_two_users_every_day(sample):
    for rows in sample.events_by_file.values():
        users_by_ts = defaultdict(list)
        for e in rows:
            if e["page"] == "NextSong":
                users_by_ts[e["ts"]].append(e["userId"])
        shared = [uids for uids in users_by_ts.values() if len(uids) > 1]
        assert shared
        assert all(len(set(uids)) == len(uids) for uids in users_by_ts.values())
    assert sample.facts["distinct_play_times"] < sample.facts["next_song_events"]


def test_non_next_song_pages(sample):
    pages = Counter(e["page"] for e in sample.events)
    assert len(pages) >= 8
    assert {"Home", "Logout", "Login", "Submit Upgrade", "Submit Downgrade"} <= set(pages)
    assert pages["NextSong"] == max(pages.values())


def test_sessions(sample):
    keys = [(e["sessionId"], e["itemInSession"]) for e in sample.events]
    assert len(keys) == len(set(keys))
    sessions = defaultdict(list)
    for e in sample.events:
        sessions[e["sessionId"]].append(e)
    for rows in sessions.values():
        assert len({e["userId"] for e in rows}) == 1
        rows.sort(key=lambda e: e["ts"])
        assert [e["itemInSession"] for e in rows] == list(range(len(rows)))
        assert all(e["page"] != "Logout" for e in rows[:-1])


def test_special_text(sample):
    songs = [dict(p) for p in sample.songs]
    assert any(s["artist_name"] == "Beyoncé" for s in songs)
    assert any("'" in s["title"] and '"' in s["title"] for s in songs)
    song_text = "".join(p.read_text(encoding="utf-8") for p in sample.song_files)
    assert "Beyonc\\u00e9" in song_text  # song files: Python json.dumps style
    raw = b"".join(p.read_bytes() for p in sample.log_files)
    assert "Beyoncé".encode() in raw  # log files: raw UTF-8
    assert any(e["lastName"] == "Núñez" and e["firstName"] == "Zoë" for e in sample.events)
    assert any(e["lastName"] == "O'Brien" for e in sample.events)


# ----------------------------------------------------------------------------------- arguments and scale


def test_small_runs_have_no_missing_day(tmp_path):
    facts = write_sample(tmp_path / "two", days=2, events_per_day=50, songs=1)
    assert facts["missing_days"] == [] and len(facts["written_days"]) == 2
    assert facts["song_files"] == 2 and facts["songs"] == 1 and facts["artists"] == 1
    assert len(list((tmp_path / "two" / "song_data").rglob("*.json"))) == 2


def test_other_start_and_month_boundary(tmp_path):
    out = tmp_path / "dec"
    facts = write_sample(out, days=3, events_per_day=20, songs=5, start=date(2018, 12, 31))
    assert facts["written_days"] == ["2018-12-31", "2019-01-02"] and facts["missing_days"] == ["2019-01-01"]
    assert (out / "log_data/2019/01/2019-01-02-events.json").exists()


@pytest.mark.parametrize("kwargs", [{"days": 0}, {"events_per_day": 0}, {"songs": 0}, {"events_per_day": 10**9}])
def test_bad_arguments(tmp_path, kwargs):
    with pytest.raises(ValueError):
        write_sample(tmp_path, **kwargs)


def test_memory_does_not_grow_with_events(tmp_path):
    def peak(days: int) -> int:
        tracemalloc.start()
        try:
            write_sample(tmp_path / f"d{days}", days=days, events_per_day=1500, songs=20)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(2), peak(12)
    assert large < 1.5 * small + 512 * 1024
