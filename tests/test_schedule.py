"""Schedules: presets or cron expressions read in a timezone; their consecutive ticks are the intervals of
`warehouse run` (the DAG's, the same: tests/airflow/test_dags.py)."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from helpers import edit, project_copy
from test_spec import error_of

from warehouse.cli import main
from warehouse.interval import Interval, Timetable, interval_ending_at, intervals, period_start


def spans(timetable: Timetable, start: str, end: str) -> list[tuple[str, str]]:
    found = intervals(timetable, datetime.fromisoformat(start), datetime.fromisoformat(end))
    return [(f"{i.start:%m-%d %H:%M}", f"{i.end:%m-%d %H:%M}") for i in found]


def test_presets_are_the_periods_they_name() -> None:
    assert spans(Timetable("@weekly"), "2018-11-07", "2018-11-12") == [
        ("11-04 00:00", "11-11 00:00"),
        ("11-11 00:00", "11-18 00:00"),
    ]  # Sundays
    assert spans(Timetable("@monthly"), "2018-11-15", "2019-01-01") == [
        ("11-01 00:00", "12-01 00:00"),
        ("12-01 00:00", "01-01 00:00"),
    ]
    assert spans(Timetable("@hourly"), "2018-11-01 03:30", "2018-11-01 05:00") == [
        ("11-01 03:00", "11-01 04:00"),
        ("11-01 04:00", "11-01 05:00"),
    ]


def test_a_cron_schedule_runs_from_tick_to_tick() -> None:
    three_am = Timetable("0 3 * * *")
    assert spans(three_am, "2018-11-01", "2018-11-02 03:00") == [
        ("10-31 03:00", "11-01 03:00"),
        ("11-01 03:00", "11-02 03:00"),
    ]
    workdays = Timetable("30 6 * * 1-5")  # 2018-11-02 is a Friday
    assert spans(workdays, "2018-11-02 06:30", "2018-11-06") == [
        ("11-02 06:30", "11-05 06:30"),
        ("11-05 06:30", "11-06 06:30"),
    ]
    moment = datetime(2018, 11, 2, 2, 59)
    assert period_start(three_am, moment) == datetime(2018, 11, 1, 3)
    assert interval_ending_at(three_am, moment) == Interval(datetime(2018, 10, 31, 3), datetime(2018, 11, 1, 3))


def test_interval_keys_are_lowercase_names() -> None:
    (interval,) = intervals(Timetable("15 */6 * * *"), datetime(2018, 11, 1, 6, 15), datetime(2018, 11, 1, 7))
    assert interval.key == "20181101t0615"
    assert Interval(datetime(2018, 11, 1), datetime(2018, 11, 2)).key == "20181101"


def test_a_timezone_keeps_ticks_at_their_local_time_when_the_clocks_change() -> None:
    # Paris leaves summer time on 2018-10-28 (03:00 CEST becomes 02:00 CET): that day is 25 hours long.
    paris = Timetable("0 3 * * *", "Europe/Paris")
    assert spans(paris, "2018-10-27 01:00", "2018-10-29") == [
        ("10-27 01:00", "10-28 02:00"),
        ("10-28 02:00", "10-29 02:00"),
    ]
    # 02:30 does not exist on 2018-03-25 in Paris: that tick comes an hour later on the wall clock, as in Airflow.
    skipped = Timetable("30 2 * * *", "Europe/Paris")
    assert spans(skipped, "2018-03-24 01:30", "2018-03-26") == [
        ("03-24 01:30", "03-25 01:30"),
        ("03-25 01:30", "03-26 00:30"),
    ]
    # An hourly cron moves in absolute time: the repeated hour is an interval of its own.
    hourly = Timetable("0 * * * *", "Europe/Paris")
    assert spans(hourly, "2018-10-28 00:00", "2018-10-28 02:00") == [
        ("10-28 00:00", "10-28 01:00"),
        ("10-28 01:00", "10-28 02:00"),
    ]
    assert not paris.whole_days and not Timetable("0 0 * * *", "Europe/Paris").whole_days
    assert Timetable("@daily").whole_days and Timetable("0 0 1 * *").whole_days and not Timetable("@hourly").whole_days


@pytest.mark.parametrize(
    ("schedule", "complaint"),
    [
        ('"@fortnightly"', "'@fortnightly' is not one of: '@hourly', '@daily', '@weekly', '@monthly', '@yearly', nor"),
        ('"61 * * * *"', "'61 * * * *' is not one of"),
        ('"0 3 * * * 0"', "nor a five-field cron expression"),
    ],
)
def test_a_schedule_is_a_preset_or_a_cron_expression(tmp_path: Path, schedule: str, complaint: str) -> None:
    spec = project_copy(tmp_path)
    line = edit(spec, 'schedule: "@daily"', f"schedule: {schedule}")
    (problem,) = error_of(spec).problems
    assert (problem.line, problem.key) == (line, "schedule") and complaint in problem.message


def test_an_unknown_timezone_is_refused(tmp_path: Path) -> None:
    spec = project_copy(tmp_path)
    line = edit(spec, 'schedule: "@daily"', 'schedule: "0 3 * * *"\ntimezone: Mars/Olympus_Mons') + 1
    (problem,) = error_of(spec).problems
    assert (problem.line, problem.key) == (
        line,
        "timezone",
    ) and "unknown timezone 'Mars/Olympus_Mons'" in problem.message


def plays_between(data: Path, start: datetime, end: datetime) -> int:
    """NextSong events in the raw logs with ts in [start, end) (UTC), counted from the files themselves."""
    low, high = (int((t - datetime(1970, 1, 1)).total_seconds() * 1000) for t in (start, end))
    count = 0
    for path in (data / "log_data").rglob("*.json*"):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt") as lines:
            events = [json.loads(line) for line in lines if line.strip()]
        count += sum(e["page"] == "NextSong" and low <= e["ts"] < high for e in events)
    return count


def test_warehouse_run_loads_the_ticks_of_a_cron_schedule(
    sample, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    data, _ = sample
    spec = project_copy(tmp_path)
    edit(spec, 'schedule: "@daily"', 'schedule: "0 3 * * *"')
    warehouse = tmp_path / "w.duckdb"
    common = ["--spec", str(spec), "--var", f"data_root={data}", "--var", f"staging_root={tmp_path}/staging"]
    tables = ["--tables", "users,songs,artists,songplays"]

    assert main(["plan", "--date", "2018-11-02T05:00", *common, *tables]) == 0
    assert "for [2018-11-02 03:00, 2018-11-03 03:00) on duckdb" in capsys.readouterr().out.splitlines()[0]

    run = ["run", "--start", "2018-11-01T03:00", "--end", "2018-11-03T03:00", "--target", f"duckdb:///{warehouse}"]
    assert main([*run, *common, *tables]) == 0
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        loaded = connection.execute(
            "SELECT DISTINCT interval_start, interval_end FROM ledger.steps WHERE step = 'finish' ORDER BY 1"
        ).fetchall()
        first, last, plays = connection.execute(
            "SELECT MIN(start_time), MAX(start_time), COUNT(*) FROM songplays"
        ).fetchone()
        staging = connection.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'staging'")
        assert staging.fetchall() == []  # the interval's staging tables (events_20181101t0300, ...) were dropped
    assert loaded == [
        (datetime(2018, 11, 1, 3), datetime(2018, 11, 2, 3)),
        (datetime(2018, 11, 2, 3), datetime(2018, 11, 3, 3)),
    ]
    assert datetime(2018, 11, 1, 3) <= first and last < datetime(2018, 11, 3, 3)
    assert plays == plays_between(data, datetime(2018, 11, 1, 3), datetime(2018, 11, 3, 3)) > 0
