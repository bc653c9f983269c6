"""A stand-in for the app's PostgreSQL database: a DuckDB file with the accounts of the sample's users."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

PLANS = ("basic", "premium", "family")
COUNTRIES = ("US", "GB", "DE", "FR", "BR", "JP", "IN", "CA")


def write_app_db(path: Path, facts: dict, seed: int = 0) -> dict:
    """A stand-in for the app's PostgreSQL database (a DuckDB file, `duckdb:///path`): `public.accounts`, one
    account per user of the sample, created during the sampled days; some change plan later. Returns facts."""
    import duckdb

    rng = random.Random(seed)
    start = datetime.fromisoformat(facts["start"])
    span = facts["days"] * 86_400 - 1
    rows = []
    for number, user in enumerate(sorted(facts["final_level"], key=int)):
        created = start + timedelta(seconds=rng.randrange(span))
        updated = created + timedelta(seconds=rng.randrange(span - int((created - start).total_seconds()) + 1))
        if rng.random() < 0.7:
            updated = created  # never changed
        rows.append((1000 + number, int(user), rng.choice(PLANS), rng.choice(COUNTRIES), created, updated))
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE SCHEMA public")
        connection.execute(
            "CREATE TABLE public.accounts (account_id INTEGER PRIMARY KEY, user_id INTEGER, plan VARCHAR, "
            "country VARCHAR, created_at TIMESTAMP, updated_at TIMESTAMP)"
        )
        connection.executemany("INSERT INTO public.accounts VALUES (?, ?, ?, ?, ?, ?)", rows)
    by_day: dict[str, int] = {}
    for row in rows:
        by_day[row[5].date().isoformat()] = by_day.get(row[5].date().isoformat(), 0) + 1
    return {"accounts": len(rows), "accounts_by_updated_day": dict(sorted(by_day.items()))}
