"""The event stream: sessions of users and visitors, the pages they show, level changes and plays, and the facts
counted on the way."""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, field

from warehouse.sample.catalogue import Catalogue
from warehouse.sample.log_format import (
    ABOUT,
    DOWNGRADE,
    ERROR,
    HELP,
    HOME,
    LOGIN,
    LOGOUT,
    NEXT_SONG,
    SAVE_SETTINGS,
    SETTINGS,
    SUBMIT_DOWNGRADE,
    SUBMIT_UPGRADE,
    UPGRADE,
    Page,
)
from warehouse.sample.users import Owed, User, make_visitor

P_MATCHED = 0.6  # share of plays that refer to a song present in song_data
P_NEXT_SONG = 0.83  # share of logged-in events that are plays (logged-out events are never plays)
P_VISITOR_SESSION = 0.25  # share of new sessions that are logged-out visitors (short sessions)
P_LOGOUT = 0.3  # share of user sessions that end with an explicit Logout
MEAN_SESSION_EVENTS = 30

VIEW_CHANGE = (UPGRADE, DOWNGRADE)  # indexed by the current level
SUBMIT_CHANGE = (SUBMIT_UPGRADE, SUBMIT_DOWNGRADE)
_COMMON_PAGES = ((HOME, 40.0), (SETTINGS, 6.0), (HELP, 5.0), (ABOUT, 3.0), (SAVE_SETTINGS, 1.5), (ERROR, 1.0))
_OTHER_PAGES_BY_LEVEL = (
    (*_COMMON_PAGES, (UPGRADE, 6.0), (SUBMIT_UPGRADE, 0.8)),
    (*_COMMON_PAGES, (DOWNGRADE, 5.0), (SUBMIT_DOWNGRADE, 0.5)),
)
_VISITOR_PAGES = ((HOME, 50.0), (ABOUT, 10.0), (HELP, 10.0), (ERROR, 3.0))


def _cumulative(weighted: tuple[tuple[Page, float], ...]) -> tuple[list[float], list[Page]]:
    total = sum(w for _, w in weighted)
    cum, acc = [], 0.0
    for _, w in weighted:
        acc += w / total
        cum.append(acc)
    cum[-1] = 2.0  # so that bisect never runs off the end
    return cum, [p for p, _ in weighted]


@dataclass(slots=True, eq=False)
class Session:
    """A session of a user or of the visitor, while it is active."""

    sid: str
    user: User
    remaining: int  # events left
    item: int = 0
    pending: list[Page] = field(default_factory=list)  # forced next pages, popped from the end


class EventStream:
    """Log lines one event at a time, from a small pool of active sessions."""

    def __init__(self, rng: random.Random, users: list[User], user_cum: list[float], catalogue: Catalogue) -> None:
        self.rng = rng
        self.users = users
        self.user_cum = user_cum
        self.in_song_data = catalogue.in_song_data
        self.not_in_song_data = catalogue.not_in_song_data
        self.visitor = make_visitor()
        self.active: list[Session] = []
        self.priority = [users[0], users[1]]  # the users that owe a level change get the first sessions
        self.next_sid = rng.randint(1, 500)
        self.other_pages = [_cumulative(w) for w in _OTHER_PAGES_BY_LEVEL]
        self.visitor_pages = _cumulative(_VISITOR_PAGES)
        # facts
        self.levels_seen: dict[str, int] = {}  # uid -> bit mask of levels among its plays
        self.final_level: dict[str, int] = {}
        self.level_plays = [0, 0]
        self.level_changes = 0  # plays at another level than the user's previous play
        self.matched_plays = 0
        self.distinct_play_times = 0
        self.last_play_ts = -1
        self.day_plays = 0
        self.day_logged_out = 0

    def start_session(self, *, logged_in: bool = False, visitor: bool = False) -> Session:
        rng = self.rng
        if visitor:
            user = self.visitor
        elif self.priority and not self.priority[0].busy:
            user = self.priority.pop(0)
        elif not logged_in and rng.random() < P_VISITOR_SESSION:
            user = self.visitor
        else:
            user = self._idle_user()
        if user.visitor:
            remaining = rng.randint(1, 4)
        else:
            user.busy = True
            remaining = 1 + int(rng.expovariate(1.0 / MEAN_SESSION_EVENTS))
        self.next_sid += 1 + (rng.random() < 0.3)
        session = Session(str(self.next_sid), user, remaining)
        self.active.append(session)
        return session

    def _idle_user(self) -> User:
        rng, users, cum = self.rng, self.users, self.user_cum
        for _ in range(30):
            user = users[bisect_right(cum, rng.random() * cum[-1])]
            if not user.busy:
                return user
        offset = rng.randrange(len(users))
        for k in range(len(users)):
            user = users[(offset + k) % len(users)]
            if not user.busy:
                return user
        raise RuntimeError("no idle user")  # cannot happen: active sessions <= users // 3 + 2

    def logged_in_session(self, exclude: User | None) -> Session:
        """An active (or new) session of a logged-in user other than ``exclude``."""
        candidates = [s for s in self.active if not s.user.visitor and s.user is not exclude]
        if candidates:
            return candidates[self.rng.randrange(len(candidates))]
        if exclude is None:
            return self.start_session(logged_in=True)
        was_busy, exclude.busy = exclude.busy, True  # its session may just have ended: keep it out
        try:
            return self.start_session(logged_in=True)
        finally:
            exclude.busy = was_busy

    def event(self, s: Session, ts: int, force_play: bool) -> str:
        """The log line of the next event of session ``s`` at ``ts``; ends the session when it is over."""
        rng = self.rng
        user = s.user
        s.remaining -= 1
        lvl = user.level
        if force_play:
            page = NEXT_SONG
        elif user.visitor:
            if s.remaining <= 0 and rng.random() < 0.6:
                page = LOGIN
            else:
                cum, pages = self.visitor_pages
                page = pages[bisect_right(cum, rng.random())]
        elif s.pending:
            page = s.pending.pop()
        elif user.owes is Owed.LEVEL_CHANGE and user.plays >= 2:
            s.pending.append(SUBMIT_CHANGE[lvl])
            page = VIEW_CHANGE[lvl]
        elif s.remaining <= 0 and user.owes is Owed.NOTHING and rng.random() < P_LOGOUT:
            page = LOGOUT
        elif rng.random() < P_NEXT_SONG:
            page = NEXT_SONG
        else:
            cum, pages = self.other_pages[lvl]
            page = pages[bisect_right(cum, rng.random())]

        if page is NEXT_SONG:
            r = rng.random()
            if r < P_MATCHED:
                pool = self.in_song_data
                self.matched_plays += 1
                r /= P_MATCHED
            else:
                pool = self.not_in_song_data
                r = (r - P_MATCHED) / (1.0 - P_MATCHED)
            song = pool[int(r * r * len(pool))]
            artist, length, title = song.artist_json, song.length_json, song.title_json
            uid = user.uid
            self.day_plays += 1
            self.level_plays[lvl] += 1
            self.levels_seen[uid] = self.levels_seen.get(uid, 0) | (1 << lvl)
            self.level_changes += self.final_level.get(uid, lvl) != lvl
            self.final_level[uid] = lvl
            if ts != self.last_play_ts:
                self.distinct_play_times += 1
                self.last_play_ts = ts
            user.plays += 1
            if user.owes is Owed.TWO_PLAYS and user.plays >= 2:
                user.owes = Owed.NOTHING
        else:
            artist = length = title = "null"
            if page is SUBMIT_UPGRADE or page is SUBMIT_DOWNGRADE:
                user.level = 1 - lvl
                user.plays = 0
                if user.owes is Owed.LEVEL_CHANGE:
                    user.owes = Owed.TWO_PLAYS
        if user.visitor:
            self.day_logged_out += 1

        line = (
            f'{{"artist":{artist}{user.auth_name_gender_json}{s.item}{user.last_name_json}{length}'
            f"{user.level_location_json[lvl]}{page.method_page_json}{user.registration_json}{s.sid}"
            f',"song":{title}{page.status_json}{ts}{user.agent_uid_json}'
        )
        s.item += 1

        if page is LOGOUT or (s.remaining <= 0 and not s.pending and user.owes is Owed.NOTHING):
            if self.active[-1] is s:
                self.active.pop()
            else:
                self.active.remove(s)  # identity comparison (eq=False): cheap, and keeps the order
            user.busy = False
        return line
