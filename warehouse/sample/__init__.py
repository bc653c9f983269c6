"""Synthetic Sparkify-shaped raw data, at any scale, with the quirks a loader must survive.

``write_sample(out)`` writes ``out/log_data/YYYY/MM/YYYY-MM-DD-events.json`` (`log_files`),
``out/song_data/A/B/C/TRABC....json`` (`catalogue`) and ``out/expected.json`` (the facts the generator knows, so
that a load can be checked against them). ``write_app_db`` writes a stand-in for the app's database (`app_db`).

Design notes:

* Deterministic: everything comes from one ``random.Random(seed)``; no set is ever iterated and ``hash()`` is
  never used, so the same arguments give byte-identical files.
* Streaming: events are produced in timestamp order, day by day, line by line (`events`). State is
  O(users + songs + active sessions), never O(events).
* Fast: every line is an f-string of pre-serialised runs (per user, per level, per page, per song); only
  ``itemInSession``, ``sessionId`` and ``ts`` are formatted per event (`log_format`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from warehouse.sample.app_db import write_app_db
from warehouse.sample.catalogue import write_song_data
from warehouse.sample.events import EventStream
from warehouse.sample.log_files import write_log_files
from warehouse.sample.users import LEVELS, make_users

__all__ = ["write_app_db", "write_sample"]

MAX_EVENTS_PER_DAY = 10_000_000


def write_sample(
    out: Path,
    *,
    days: int = 30,
    events_per_day: int = 1000,
    seed: int = 0,
    start: date = date(2018, 11, 1),
    songs: int = 1000,
    progress: Callable[[str], None] | None = None,
    late: bool = False,
) -> dict:
    """Write Sparkify-shaped raw data under `out` and return the facts it knows (also written to out/expected.json)."""
    if days < 1:
        raise ValueError("days must be >= 1")
    if not 1 <= events_per_day <= MAX_EVENTS_PER_DAY:
        raise ValueError(f"events_per_day must be between 1 and {MAX_EVENTS_PER_DAY:,}")
    if songs < 1:
        raise ValueError("songs must be >= 1")
    out = Path(out)
    rng = random.Random(seed)
    catalogue = write_song_data(out, rng, songs)
    start_ms = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp() * 1000)
    users, user_cum = make_users(rng, events_per_day, start_ms)
    stream = EventStream(rng, users, user_cum, catalogue)
    log_days = write_log_files(
        out,
        rng,
        stream,
        start=start,
        start_ms=start_ms,
        days=days,
        events_per_day=events_per_day,
        progress=progress,
        late=late,
    )
    levels_seen = stream.levels_seen
    facts = {
        "seed": seed,
        "start": start.isoformat(),
        "days": days,
        "written_days": log_days.written,
        "missing_days": log_days.missing,
        "late_days": log_days.late,
        "events": sum(log_days.events.values()),
        "events_by_day": log_days.events,
        "next_song_events": sum(log_days.next_song_events.values()),
        "next_song_by_day": log_days.next_song_events,
        "logged_out_events": log_days.logged_out_events,
        "users": len(levels_seen),
        "users_with_level_change": sum(1 for mask in levels_seen.values() if mask == 3),
        "level_changes": stream.level_changes,
        "final_level": {uid: LEVELS[lvl] for uid, lvl in sorted(stream.final_level.items())},
        "paid_plays": stream.level_plays[1],
        "free_plays": stream.level_plays[0],
        **catalogue.facts,
        "matched_plays": stream.matched_plays,
        "distinct_play_times": stream.distinct_play_times,
    }
    (out / "expected.json").write_text(json.dumps(facts, sort_keys=True, indent=2) + "\n", encoding="utf-8")
    return facts
