"""Listeners and the anonymous visitor, with the constant runs of their log lines pre-serialised."""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import Enum

from warehouse.sample.log_format import DAY_MS, log_str
from warehouse.sample.vocabulary import FIRST_NAMES, LAST_NAMES, USER_AGENTS, USER_LOCATIONS

LEVELS = ("free", "paid")
MAX_USERS = 10_000


class Owed(Enum):
    """What a user still owes to the level change the sample guarantees (its first two users change level and play
    at both levels). A user that owes something neither logs out nor ends its session."""

    NOTHING = "nothing"
    LEVEL_CHANGE = "level change"  # once it has played twice: view Upgrade/Downgrade, then submit it
    TWO_PLAYS = "two plays"  # at the new level


@dataclass(slots=True, eq=False)
class User:
    """A listener (or the anonymous visitor). See `log_format` for the `*_json` runs."""

    uid: str
    level: int  # index into LEVELS
    auth_name_gender_json: str  # ',"auth":...,"firstName":...,"gender":...,"itemInSession":'
    last_name_json: str  # ',"lastName":...,"length":'
    level_location_json: tuple[str, str]  # ',"level":"free","location":...,"method":"' for each level
    registration_json: str  # '<registration>,"sessionId":'
    agent_uid_json: str  # ',"userAgent":...,"userId":"39"}\n' (the end of the line)
    visitor: bool = False
    busy: bool = False  # in an active session
    plays: int = 0  # plays since the last level change
    owes: Owed = Owed.NOTHING


def make_users(rng: random.Random, events_per_day: int, start_ms: int) -> tuple[list[User], list[float]]:
    """One user per 40 daily events (20 to MAX_USERS), and the cumulative activity weights used to pick who starts a
    session. The first two users carry the awkward names and owe a level change."""
    n_users = min(MAX_USERS, max(20, events_per_day // 40))
    uids = rng.sample(range(2, 4 * n_users + 2), n_users)
    users: list[User] = []
    cum: list[float] = []
    acc = 0.0
    for i, uid_int in enumerate(uids):
        first, gender = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        if i < 2:
            first, gender, last = (("Zoë", "F", "Núñez"), ("Colm", "M", "O'Brien"))[i]
        location = rng.choice(USER_LOCATIONS)
        agent = rng.choice(USER_AGENTS)
        registration = float(start_ms - rng.randint(DAY_MS, 150 * DAY_MS))
        level = 0 if i == 0 else 1 if i == 1 else int(rng.random() < 0.25)
        uid = str(uid_int)
        loc = log_str(location)
        users.append(
            User(
                uid=uid,
                level=level,
                auth_name_gender_json=(
                    f',"auth":"Logged In","firstName":{log_str(first)},"gender":"{gender}","itemInSession":'
                ),
                last_name_json=f',"lastName":{log_str(last)},"length":',
                level_location_json=(
                    f',"level":"free","location":{loc},"method":"',
                    f',"level":"paid","location":{loc},"method":"',
                ),
                registration_json=f'{registration!r},"sessionId":',
                agent_uid_json=f',"userAgent":{log_str(agent)},"userId":"{uid}"}}\n',
                owes=Owed.LEVEL_CHANGE if i < 2 else Owed.NOTHING,
            )
        )
        acc += rng.paretovariate(1.5)
        cum.append(acc)
    return users, cum


def make_visitor() -> User:
    """The anonymous visitor: every logged-out event is its."""
    return User(
        uid="",
        level=0,
        auth_name_gender_json=',"auth":"Logged Out","firstName":null,"gender":null,"itemInSession":',
        last_name_json=',"lastName":null,"length":',
        level_location_json=(',"level":"free","location":null,"method":"',) * 2,
        registration_json='null,"sessionId":',
        agent_uid_json=',"userAgent":null,"userId":""}\n',
        visitor=True,
    )
