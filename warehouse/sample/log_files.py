"""The log_data files, ``log_data/YYYY/MM/YYYY-MM-DD-events.json``: one JSON object per line, in timestamp order.

The timestamps of a day are stratified samples of a diurnal curve (strictly increasing); each one goes to one of a
small pool of active sessions. The middle day of three or more is missing (no file), and each day has a few pairs
of plays by two users at the same millisecond.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from warehouse.sample.events import EventStream
from warehouse.sample.log_format import DAY_MS
from warehouse.sample.users import User

HOUR_MS = 3_600_000
MEAN_PLAY_GAP_MS = 240_000  # sets how many sessions are active at once

# Relative activity per UTC hour (US listeners: quiet around 08-12 UTC, busy in the US evening).
HOURLY_WEIGHTS = (
    1.3,
    1.2,
    1.0,
    0.8,
    0.6,
    0.5,
    0.4,
    0.35,
    0.3,
    0.3,
    0.35,
    0.45,
    0.6,
    0.8,
    1.0,
    1.15,
    1.25,
    1.3,
    1.35,
    1.4,
    1.45,
    1.45,
    1.4,
    1.35,
)


@dataclass(slots=True)
class LogDays:
    """What the log files hold, day by day (ISO dates)."""

    written: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)  # written under late/ (they arrive after later days loaded)
    events: dict[str, int] = field(default_factory=dict)
    next_song_events: dict[str, int] = field(default_factory=dict)
    logged_out_events: int = 0


def _hour_table() -> tuple[list[float], list[float]]:
    total = sum(HOURLY_WEIGHTS)
    starts, acc = [], 0.0
    for w in HOURLY_WEIGHTS:
        starts.append(acc)
        acc += w / total
    return starts, [w / total for w in HOURLY_WEIGHTS]


def write_log_files(
    out: Path,
    rng: random.Random,
    stream: EventStream,
    *,
    start: date,
    start_ms: int,
    days: int,
    events_per_day: int,
    progress: Callable[[str], None] | None,
    late: bool = False,
) -> LogDays:
    """Write `events_per_day` events for each of `days` days from `start` (at `start_ms`), but the missing day.
    With `late`, the file of the day a third into the range goes under `late/` (it arrives after later days
    loaded: move it into place and load its day again)."""
    n = events_per_day
    concurrent = max(1, min(len(stream.users) // 3, round(n * MEAN_PLAY_GAP_MS / DAY_MS)))
    hour_starts, hour_shares = _hour_table()
    missing_index = days // 2 if days >= 3 else -1
    late_index = days // 3 if late and days >= 4 else -1
    log_days = LogDays()
    active = stream.active
    rand = rng.random
    for day_index in range(days):
        day = start + timedelta(days=day_index)
        iso = day.isoformat()
        if day_index == missing_index:
            log_days.missing.append(iso)
            if progress:
                progress(f"{iso}: missing (no file)")
            continue
        day_ms = start_ms + day_index * DAY_MS
        # The second event of each same-ts pair: two different users play a song at the same millisecond.
        # Pairs are at least 3 events apart, so that each pair has its own timestamp.
        n_pairs = 1 + n // 50_000 if n >= 4 else 0
        step = n // n_pairs if n_pairs else 0
        pair_at = [k * step + 1 + rng.randrange(step - 2) for k in range(n_pairs)]
        pair_at.append(-1)
        next_pair = pair_at.pop(0)
        stream.day_plays = stream.day_logged_out = 0
        half = n // 2
        folder = (
            (out / "late" if day_index == late_index else out) / "log_data" / f"{day.year:04d}" / f"{day.month:02d}"
        )
        if day_index == late_index:  # not on time: a file left there by an earlier sample goes
            log_days.late.append(iso)
            (out / "log_data" / f"{day.year:04d}" / f"{day.month:02d}" / f"{iso}-events.json").unlink(missing_ok=True)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{iso}-events.json", "w", encoding="utf-8", newline="\n") as f:
            buf: list[str] = []
            prev = -1
            first: User | None = None
            for i in range(n):
                if i == next_pair:
                    s = stream.logged_in_session(first)
                    buf.append(stream.event(s, day_ms + prev, True))
                    next_pair = pair_at.pop(0)
                    continue
                # Stratified sample of the diurnal curve: strictly increasing, inside the day.
                x = (i + rand()) / n
                h = bisect_right(hour_starts, x) - 1
                off = min(int((h + (x - hour_starts[h]) / hour_shares[h]) * HOUR_MS), DAY_MS - 1)
                prev = off if off > prev else prev + 1
                if i + 1 == next_pair:
                    s = stream.logged_in_session(None)
                    first = s.user
                    buf.append(stream.event(s, day_ms + prev, True))
                    continue
                if i >= half and not stream.day_logged_out:
                    s = stream.start_session(visitor=True)  # at least one logged-out visitor per day
                else:
                    while len(active) < concurrent:
                        stream.start_session()
                    s = active[int(rand() * len(active))]
                buf.append(stream.event(s, day_ms + prev, False))
                if len(buf) >= 4096:
                    f.writelines(buf)
                    buf.clear()
            f.writelines(buf)
        if prev >= DAY_MS:  # impossible for events_per_day <= MAX_EVENTS_PER_DAY; guard the invariant
            raise RuntimeError(f"{iso}: timestamps overflowed the day")
        log_days.written.append(iso)
        log_days.events[iso] = n
        log_days.next_song_events[iso] = stream.day_plays
        log_days.logged_out_events += stream.day_logged_out
        if progress:
            progress(f"{iso}: {n:,} events")
    return log_days
