"""Synthetic Sparkify-shaped raw data, at any scale, with the quirks a loader must survive.

``write_sample(out)`` writes ``out/log_data/YYYY/MM/YYYY-MM-DD-events.json`` (one JSON object per line),
``out/song_data/A/B/C/TRABC....json`` (one JSON object per file) and ``out/expected.json`` (the facts the
generator knows, so that a load can be checked against them).

Design notes:

* Deterministic: everything comes from one ``random.Random(seed)``; no set is ever iterated and ``hash()`` is
  never used, so the same arguments give byte-identical files.
* Streaming: events are produced in timestamp order, day by day, line by line.  The timestamps of a day are
  stratified samples of a diurnal curve (strictly increasing), and each one is given to one of a small pool
  of active sessions.  State is O(users + songs + active sessions), never O(events).
* Fast: every line is an f-string of pre-serialised pieces (per user, per level, per page, per song); only
  ``itemInSession``, ``sessionId`` and ``ts`` are formatted per event.
* Log lines imitate the PHP-style JSON of the original logs: compact separators and escaped slashes
  (``Mozilla\\/5.0``); non-ASCII text is written as raw UTF-8.  Song files imitate Python's ``json.dumps``
  (``", "`` / ``": "`` separators, non-ASCII as ``\\u00e9`` escapes).
"""

from __future__ import annotations

import json
import random
import string
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

__all__ = ["LOG_KEYS", "SONG_KEYS", "write_sample"]

LOG_KEYS = (
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
)
SONG_KEYS = (
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
)

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MAX_EVENTS_PER_DAY = 10_000_000
MAX_USERS = 10_000
LEVELS = ("free", "paid")

P_MATCHED = 0.6  # share of plays that refer to a song present in song_data
P_NEXT_SONG = 0.83  # share of logged-in events that are plays (logged-out events are never plays)
P_VISITOR_SESSION = 0.25  # share of new sessions that are logged-out visitors (short sessions)
P_LOGOUT = 0.3  # share of user sessions that end with an explicit Logout
MEAN_SESSION_EVENTS = 30
MEAN_PLAY_GAP_MS = 240_000  # sets how many sessions are active at once
SONG_ID_CHARS = string.ascii_uppercase + string.digits

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


# --------------------------------------------------------------------------------------------- vocabulary

FIRST_NAMES = (
    ("Walter", "M"),
    ("Kaylee", "F"),
    ("Ryan", "M"),
    ("Sylvie", "F"),
    ("Jacob", "M"),
    ("Layla", "F"),
    ("Tegan", "F"),
    ("Lily", "F"),
    ("Chloe", "F"),
    ("Jayden", "M"),
    ("Aleena", "F"),
    ("Kevin", "M"),
    ("Rylan", "M"),
    ("Mohammad", "M"),
    ("Jordyn", "F"),
    ("Cierra", "F"),
    ("Matthew", "M"),
    ("Ava", "F"),
    ("Dominick", "M"),
    ("Avery", "F"),
    ("Noah", "M"),
    ("Wyatt", "M"),
    ("Anabelle", "F"),
    ("Colm", "M"),
    ("Zoë", "F"),
    ("José", "M"),
    ("Renée", "F"),
    ("Björn", "M"),
    ("Sara", "F"),
    ("Emily", "F"),
    ("Theodore", "M"),
    ("Maia", "F"),
    ("Liam", "M"),
    ("Harper", "F"),
    ("Elijah", "M"),
    ("Jaleah", "F"),
)
LAST_NAMES = (
    "Frye",
    "Summers",
    "Smith",
    "Cruz",
    "Garza",
    "Fuller",
    "Levine",
    "Koch",
    "Cuevas",
    "Graham",
    "Lynch",
    "Montgomery",
    "Hogan",
    "Harrell",
    "Williams",
    "Jones",
    "Klein",
    "Brown",
    "Ponce",
    "Miller",
    "Morrison",
    "Núñez",
    "O'Brien",
    "Ødegaard",
    "Ramírez",
    "Zhang",
    "Nguyen",
    "Patel",
    "Kowalski",
    "Schmidt",
    "Lee",
)
USER_LOCATIONS = (
    "San Francisco-Oakland-Hayward, CA",
    "Portland-South Portland, ME",
    "Lansing-East Lansing, MI",
    "Atlanta-Sandy Springs-Roswell, GA",
    "Chicago-Naperville-Elgin, IL-IN-WI",
    "Waterloo-Cedar Falls, IA",
    "New York-Newark-Jersey City, NY-NJ-PA",
    "Tampa-St. Petersburg-Clearwater, FL",
    "Red Bluff, CA",
    "Houston-The Woodlands-Sugar Land, TX",
    "Los Angeles-Long Beach-Anaheim, CA",
    "Salinas, CA",
    "Seattle-Tacoma-Bellevue, WA",
    "Phoenix-Mesa-Scottsdale, AZ",
    "Birmingham-Hoover, AL",
    "Janesville-Beloit, WI",
    "Winston-Salem, NC",
    "Detroit-Warren-Dearborn, MI",
    "Marinette, WI-MI",
    "Santa Maria-Santa Barbara, CA",
    "Mayagüez, PR",
    "Boston-Cambridge-Newton, MA-NH",
)
USER_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/36.0.1985.143 Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:31.0) Gecko/20100101 Firefox/31.0",
    '"Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.143 Safari/537.36"',
    "Mozilla/5.0 (iPhone; CPU iPhone OS 7_1_2 like Mac OS X) AppleWebKit/537.51.2 (KHTML, like Gecko) "
    "Version/7.0 Mobile/11D257 Safari/9537.53",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu Chromium/36.0.1985.125 "
    "Chrome/36.0.1985.125 Safari/537.36",
    "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; WOW64; Trident/6.0)",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
    '"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.77.4 (KHTML, like Gecko) '
    'Version/7.0.5 Safari/537.77.4"',
)
ARTIST_LOCATIONS = (
    ("Chicago, IL", 41.88415, -87.63241),
    ("London, England", 51.50632, -0.12714),
    ("New York, NY", 40.71455, -74.00712),
    ("Detroit, MI", 42.33168, -83.04792),
    ("California - LA", 34.05349, -118.24532),
    ("Nashville, TN", 36.16778, -86.77836),
    ("Reykjavík, Iceland", 64.13548, -21.89541),
    ("Montréal, Québec, Canada", 45.51228, -73.55439),
    ("Kingston, Jamaica", 17.99702, -76.79358),
    ("Houston, TX", 29.76045, -95.36978),
    ("Seattle, WA", 47.60356, -122.32944),
    ("Berlin, Germany", 52.51607, 13.37698),
    ("São Paulo, Brazil", -23.56288, -46.65449),
    ("Dublin, Ireland", 53.34376, -6.24953),
    ("Atlanta, GA", 33.74831, -84.39111),
    ("Stockholm, Sweden", 59.33217, 18.06243),
    ("Paris, France", 48.85692, 2.34121),
    ("Toronto, Ontario, Canada", 43.64856, -79.38533),
    ("Memphis, TN", 35.14968, -90.04892),
    ("Hamtramck, MI", 42.39801, -83.05523),
)
TITLE_ADJECTIVES = (
    "Midnight",
    "Broken",
    "Golden",
    "Silent",
    "Electric",
    "Lonely",
    "Wild",
    "Burning",
    "Frozen",
    "Hidden",
    "Crazy",
    "Sweet",
    "Bitter",
    "Lost",
    "Endless",
    "Fading",
    "Blue",
    "Velvet",
    "Paper",
    "Neon",
    "Hollow",
    "Restless",
    "Secret",
    "Crimson",
    "Gentle",
    "Savage",
    "Distant",
    "Holy",
    "Rusty",
    "Little",
)
TITLE_NOUNS = (
    "Heart",
    "Train",
    "River",
    "Highway",
    "Dream",
    "Fire",
    "Rain",
    "Summer",
    "Night",
    "Stranger",
    "Angel",
    "Mirror",
    "Thunder",
    "Ocean",
    "Road",
    "Garden",
    "Love",
    "Shadow",
    "Window",
    "Sky",
    "City",
    "Diamond",
    "Memory",
    "Letter",
    "Storm",
    "Radio",
    "Island",
    "Kiss",
    "Horizon",
    "Echo",
    "Bridge",
    "Lullaby",
)
TITLE_PATTERNS = (
    "{a} {n}",
    "{n} of the {n2}",
    "The {a} {n}",
    "{a} {n} (Live)",
    "Don't Leave My {n}",
    "{n} in the {n2}",
    "{a} {n} (Remix)",
    "Ain't No {n}",
)
ARTIST_PATTERNS = ("The {a} {n}s", "{f} {l}", "{n} & The {n2}s", "DJ {a} {n}", "{a} {n}", "{f} {l} Trio")


# ---------------------------------------------------------------------------------------------- structures


@dataclass(slots=True)
class _Song:
    """A song as a play refers to it, with the log-line fragments pre-serialised."""

    title: str
    artist: str
    duration: float
    artist_json: str = ""
    title_json: str = ""
    length_json: str = ""


@dataclass(slots=True)
class _Artist:
    artist_id: str
    name: str
    location: str
    latitude: float | None
    longitude: float | None


@dataclass(slots=True, eq=False)
class _User:
    """A listener (or the anonymous visitor), with the constant parts of its log lines pre-serialised."""

    uid: str
    level: int  # index into LEVELS
    p1: str  # ',"auth":...,"itemInSession":'
    p2: str  # ',"lastName":...,"length":'
    p3: tuple[str, str]  # ',"level":"free","location":...,"method":"' for each level
    p4: str  # '<registration>,"sessionId":'
    p5: str  # ',"userAgent":...,"userId":"39"}\n'
    visitor: bool = False
    busy: bool = False
    plays: int = 0  # plays since the last level change
    sticky: int = 0  # 1: must change level (after 2 plays); 2: must play twice more; 0: free to go


@dataclass(slots=True, eq=False)
class _Session:
    sid: str
    user: _User
    remaining: int
    item: int = 0
    pending: list[_Page] = field(default_factory=list)  # forced next pages, popped from the end


@dataclass(frozen=True, slots=True)
class _Page:
    name: str
    mid: str  # 'GET","page":"Home","registration":'
    st: str  # ',"status":200,"ts":'


def _page(name: str, method: str, status: int) -> _Page:
    return _Page(name, f'{method}","page":"{name}","registration":', f',"status":{status},"ts":')


NEXT_SONG = _page("NextSong", "PUT", 200)
HOME = _page("Home", "GET", 200)
LOGOUT = _page("Logout", "PUT", 307)
LOGIN = _page("Login", "PUT", 307)
SETTINGS = _page("Settings", "GET", 200)
HELP = _page("Help", "GET", 200)
ABOUT = _page("About", "GET", 200)
UPGRADE = _page("Upgrade", "GET", 200)
DOWNGRADE = _page("Downgrade", "GET", 200)
SUBMIT_UPGRADE = _page("Submit Upgrade", "PUT", 307)
SUBMIT_DOWNGRADE = _page("Submit Downgrade", "PUT", 307)
SAVE_SETTINGS = _page("Save Settings", "PUT", 307)
ERROR = _page("Error", "GET", 404)
VIEW_CHANGE = (UPGRADE, DOWNGRADE)  # indexed by the current level
SUBMIT_CHANGE = (SUBMIT_UPGRADE, SUBMIT_DOWNGRADE)

_COMMON_PAGES = ((HOME, 40.0), (SETTINGS, 6.0), (HELP, 5.0), (ABOUT, 3.0), (SAVE_SETTINGS, 1.5), (ERROR, 1.0))
_OTHER_PAGES_BY_LEVEL = (
    (*_COMMON_PAGES, (UPGRADE, 6.0), (SUBMIT_UPGRADE, 0.8)),
    (*_COMMON_PAGES, (DOWNGRADE, 5.0), (SUBMIT_DOWNGRADE, 0.5)),
)
_VISITOR_PAGES = ((HOME, 50.0), (ABOUT, 10.0), (HELP, 10.0), (ERROR, 3.0))


def _cumulative(weighted: tuple[tuple[_Page, float], ...]) -> tuple[list[float], list[_Page]]:
    total = sum(w for _, w in weighted)
    cum, acc = [], 0.0
    for _, w in weighted:
        acc += w / total
        cum.append(acc)
    cum[-1] = 2.0  # so that bisect never runs off the end
    return cum, [p for p, _ in weighted]


def _log_str(value: str | None) -> str:
    """A string as the PHP-style log writer serialises it: raw UTF-8, slashes escaped."""
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False).replace("/", "\\/")


def _five_decimals(rng: random.Random, low: float, high: float) -> float:
    """A float whose repr has exactly five decimals (like 218.93179)."""
    n = rng.randint(int(low * 100_000), int(high * 100_000))
    if n % 10 == 0:
        n += 1
    return n / 100_000


class _Names:
    """Unique names from small word lists, with a numbered fallback so that uniqueness is guaranteed."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()  # membership only, never iterated

    def take(self, name: str) -> str:
        self.used.add(name)
        return name

    def new(self, patterns: tuple[str, ...]) -> str:
        rng = self.rng
        for _ in range(20):
            name = rng.choice(patterns).format(
                a=rng.choice(TITLE_ADJECTIVES),
                n=rng.choice(TITLE_NOUNS),
                n2=rng.choice(TITLE_NOUNS),
                f=rng.choice(FIRST_NAMES)[0],
                l=rng.choice(LAST_NAMES),
            )
            if name not in self.used:
                return self.take(name)
        base, n = name, 2
        while f"{base} {n}" in self.used:
            n += 1
        return self.take(f"{base} {n}")


def _unique_id(rng: random.Random, used: set[str], prefix: str, length: int) -> str:
    while True:
        value = prefix + "".join(rng.choices(SONG_ID_CHARS, k=length))
        if value not in used:
            used.add(value)
            return value


# --------------------------------------------------------------------------------------------- song_data


def _write_song_data(
    out: Path, rng: random.Random, n_songs: int, names: _Names
) -> tuple[list[_Song], list[_Song], dict]:
    """Write song_data; return (songs in song_data, songs not in song_data, facts), both by popularity."""
    n_artists = max(1, round(n_songs / 3))
    ids: set[str] = set()
    artists: list[_Artist] = []
    for i in range(n_artists):
        name = names.take("Beyoncé") if i == 0 else names.new(ARTIST_PATTERNS)
        loc, lat, lon = rng.choice(ARTIST_LOCATIONS)
        r = (0.0, 0.3, 0.9)[i - 1] if 1 <= i <= 3 else rng.random()  # each variant at least once
        if r < 0.15:
            loc, latitude, longitude = "", None, None
        elif r < 0.5:
            latitude, longitude = None, None
        else:
            latitude = round(lat + rng.uniform(-0.05, 0.05), 5)
            longitude = round(lon + rng.uniform(-0.05, 0.05), 5)
        artists.append(_Artist(_unique_id(rng, ids, "AR", 16), name, loc, latitude, longitude))

    records: list[dict] = []
    catalogue: list[_Song] = []
    for i in range(n_songs):
        if i < n_artists:
            artist = artists[i]
        elif i == n_artists:
            artist = artists[0]  # at least one artist with several songs
        else:
            artist = artists[rng.randrange(n_artists)]
        if i == 0:
            title = names.take('I Didn\'t Say "Goodbye"')
        elif i == 1:
            title = names.take("24/7 Love Song")
        else:
            title = names.new(TITLE_PATTERNS)
        duration = _five_decimals(rng, 60.0, 600.0)
        year = 0 if i == 0 or rng.random() < 0.4 else rng.randint(1960, 2018)
        record = {
            "num_songs": 1,
            "artist_id": artist.artist_id,
            "artist_latitude": artist.latitude,
            "artist_longitude": artist.longitude,
            "artist_location": artist.location,
            "artist_name": artist.name,
            "song_id": _unique_id(rng, ids, "SO", 16),
            "title": title,
            "duration": duration,
            "year": year,
        }
        records.append(record)
        catalogue.append(_Song(title, artist.name, duration))

    duplicate = rng.randrange(n_songs)
    dirs: set[str] = set()
    for i, record in enumerate(records):
        text = json.dumps(record)
        for _ in range(2 if i == duplicate else 1):
            track = _unique_id(rng, ids, "TR" + "".join(rng.choices(string.ascii_uppercase, k=3)), 13)
            folder = out / "song_data" / track[2] / track[3] / track[4]
            if str(folder) not in dirs:
                folder.mkdir(parents=True, exist_ok=True)
                dirs.add(str(folder))
            (folder / f"{track}.json").write_text(text, encoding="utf-8")

    # Songs that are played but are not in song_data: titles and artists that song_data never uses.
    n_other = max(20, n_songs)
    other_artists = [names.take("Sigur Rós"), names.take("AC/DC")]
    other_artists += [names.new(ARTIST_PATTERNS) for _ in range(max(5, n_other // 3) - 2)]
    others = [_Song(names.take("Hoppípolla"), other_artists[0], 268.38159)]
    others.append(_Song(names.take("Back In Black"), other_artists[1], 255.73832))
    while len(others) < n_other:
        artist_name = other_artists[rng.randrange(len(other_artists))]
        others.append(_Song(names.new(TITLE_PATTERNS), artist_name, _five_decimals(rng, 60.0, 600.0)))

    for song in (*catalogue, *others):
        song.artist_json = _log_str(song.artist)
        song.title_json = _log_str(song.title)
        song.length_json = repr(song.duration)
    # Popularity order: the special songs first (most played), the rest shuffled.
    head, tail = catalogue[:1], catalogue[1:]
    rng.shuffle(tail)
    other_tail = others[1:]
    rng.shuffle(other_tail)
    facts = {
        "song_files": n_songs + 1,
        "songs": n_songs,
        "artists": n_artists,
        "duplicate_song_id": records[duplicate]["song_id"],
    }
    return head + tail, others[:1] + other_tail, facts


# -------------------------------------------------------------------------------------------------- users


def _make_users(rng: random.Random, n_users: int, start_ms: int) -> tuple[list[_User], list[float]]:
    """The user population and the cumulative activity weights used to pick who starts a session."""
    uids = rng.sample(range(2, 4 * n_users + 2), n_users)
    users: list[_User] = []
    cum: list[float] = []
    acc = 0.0
    for i, uid_int in enumerate(uids):
        first, gender = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        if i < 2:  # the most visible users (see `priority`) carry the awkward names
            first, gender, last = (("Zoë", "F", "Núñez"), ("Colm", "M", "O'Brien"))[i]
        location = rng.choice(USER_LOCATIONS)
        agent = rng.choice(USER_AGENTS)
        registration = float(start_ms - rng.randint(DAY_MS, 150 * DAY_MS))
        level = 0 if i == 0 else 1 if i == 1 else int(rng.random() < 0.25)
        uid = str(uid_int)
        loc = _log_str(location)
        users.append(
            _User(
                uid=uid,
                level=level,
                p1=f',"auth":"Logged In","firstName":{_log_str(first)},"gender":"{gender}","itemInSession":',
                p2=f',"lastName":{_log_str(last)},"length":',
                p3=(
                    f',"level":"free","location":{loc},"method":"',
                    f',"level":"paid","location":{loc},"method":"',
                ),
                p4=f'{registration!r},"sessionId":',
                p5=f',"userAgent":{_log_str(agent)},"userId":"{uid}"}}\n',
                sticky=1 if i < 2 else 0,  # users 0 and 1 are guaranteed to change level
            )
        )
        acc += rng.paretovariate(1.5)
        cum.append(acc)
    return users, cum


VISITOR = _User(
    uid="",
    level=0,
    p1=',"auth":"Logged Out","firstName":null,"gender":null,"itemInSession":',
    p2=',"lastName":null,"length":',
    p3=(',"level":"free","location":null,"method":"',) * 2,
    p4='null,"sessionId":',
    p5=',"userAgent":null,"userId":""}\n',
    visitor=True,
)


# ------------------------------------------------------------------------------------------------- events


class _Events:
    """The event stream: sessions, pages, levels, plays, and the facts counted while writing."""

    def __init__(self, rng: random.Random, users: list[_User], user_cum: list[float], catalogue, others):
        self.rng = rng
        self.users = users
        self.user_cum = user_cum
        self.catalogue = catalogue
        self.others = others
        self.active: list[_Session] = []
        self.priority = [users[0], users[1]]  # the guaranteed level changers get the first sessions
        self.next_sid = rng.randint(1, 500)
        self.other_pages = [_cumulative(w) for w in _OTHER_PAGES_BY_LEVEL]
        self.visitor_pages = _cumulative(_VISITOR_PAGES)
        # facts
        self.levels_seen: dict[str, int] = {}  # uid -> bit mask of levels among its plays
        self.final_level: dict[str, int] = {}
        self.level_plays = [0, 0]
        self.matched = 0
        self.distinct_ts = 0
        self.last_play_ts = -1
        self.day_plays = 0
        self.day_logged_out = 0

    def start_session(self, *, logged_in: bool = False, visitor: bool = False) -> _Session:
        rng = self.rng
        if visitor:
            user = VISITOR
        elif self.priority and not self.priority[0].busy:
            user = self.priority.pop(0)
        elif not logged_in and rng.random() < P_VISITOR_SESSION:
            user = VISITOR
        else:
            user = self._idle_user()
        if user.visitor:
            remaining = rng.randint(1, 4)
        else:
            user.busy = True
            remaining = 1 + int(rng.expovariate(1.0 / MEAN_SESSION_EVENTS))
        self.next_sid += 1 + (rng.random() < 0.3)
        session = _Session(str(self.next_sid), user, remaining)
        self.active.append(session)
        return session

    def _idle_user(self) -> _User:
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

    def logged_in_session(self, exclude: _User | None) -> _Session:
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

    def event(self, s: _Session, ts: int, force_play: bool) -> str:
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
        elif user.sticky == 1 and user.plays >= 2:
            s.pending.append(SUBMIT_CHANGE[lvl])
            page = VIEW_CHANGE[lvl]
        elif s.remaining <= 0 and user.sticky == 0 and rng.random() < P_LOGOUT:
            page = LOGOUT
        elif rng.random() < P_NEXT_SONG:
            page = NEXT_SONG
        else:
            cum, pages = self.other_pages[lvl]
            page = pages[bisect_right(cum, rng.random())]

        if page is NEXT_SONG:
            r = rng.random()
            if r < P_MATCHED:
                pool = self.catalogue
                self.matched += 1
                r /= P_MATCHED
            else:
                pool = self.others
                r = (r - P_MATCHED) / (1.0 - P_MATCHED)
            song = pool[int(r * r * len(pool))]
            artist, length, title = song.artist_json, song.length_json, song.title_json
            uid = user.uid
            self.day_plays += 1
            self.level_plays[lvl] += 1
            self.levels_seen[uid] = self.levels_seen.get(uid, 0) | (1 << lvl)
            self.final_level[uid] = lvl
            if ts != self.last_play_ts:
                self.distinct_ts += 1
                self.last_play_ts = ts
            user.plays += 1
        else:
            artist = length = title = "null"
            if page is SUBMIT_UPGRADE or page is SUBMIT_DOWNGRADE:
                user.level = 1 - lvl
                user.plays = 0
                if user.sticky == 1:
                    user.sticky = 2
        if user.visitor:
            self.day_logged_out += 1

        line = (
            f'{{"artist":{artist}{user.p1}{s.item}{user.p2}{length}{user.p3[lvl]}{page.mid}{user.p4}'
            f'{s.sid},"song":{title}{page.st}{ts}{user.p5}'
        )
        s.item += 1

        if user.sticky == 2 and user.plays >= 2:
            user.sticky = 0
        if page is LOGOUT or (s.remaining <= 0 and not s.pending and user.sticky == 0):
            if self.active[-1] is s:
                self.active.pop()
            else:
                self.active.remove(s)  # identity comparison (eq=False): cheap, and keeps the order
            user.busy = False
        return line


def _hour_table() -> tuple[list[float], list[float]]:
    total = sum(HOURLY_WEIGHTS)
    starts, acc = [], 0.0
    for w in HOURLY_WEIGHTS:
        starts.append(acc)
        acc += w / total
    return starts, [w / total for w in HOURLY_WEIGHTS]


# ---------------------------------------------------------------------------------------------------- API


def write_sample(
    out: Path,
    *,
    days: int = 30,
    events_per_day: int = 1000,
    seed: int = 0,
    start: date = date(2018, 11, 1),
    songs: int = 1000,
    progress: Callable[[str], None] | None = None,
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
    names = _Names(rng)
    catalogue, others, song_facts = _write_song_data(out, rng, songs, names)

    start_ms = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp() * 1000)
    n_users = min(MAX_USERS, max(20, events_per_day // 40))
    users, user_cum = _make_users(rng, n_users, start_ms)
    gen = _Events(rng, users, user_cum, catalogue, others)
    concurrent = max(1, min(n_users // 3, round(events_per_day * MEAN_PLAY_GAP_MS / DAY_MS)))
    hour_starts, hour_shares = _hour_table()
    missing_index = days // 2 if days >= 3 else -1

    written_days: list[str] = []
    missing_days: list[str] = []
    events_by_day: dict[str, int] = {}
    next_song_by_day: dict[str, int] = {}
    logged_out = 0
    n = events_per_day
    active = gen.active
    rand = rng.random
    for day_index in range(days):
        day = start + timedelta(days=day_index)
        iso = day.isoformat()
        if day_index == missing_index:
            missing_days.append(iso)
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
        gen.day_plays = gen.day_logged_out = 0
        half = n // 2
        folder = out / "log_data" / f"{day.year:04d}" / f"{day.month:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{iso}-events.json", "w", encoding="utf-8", newline="\n") as f:
            buf: list[str] = []
            prev = -1
            first: _User | None = None
            for i in range(n):
                if i == next_pair:
                    s = gen.logged_in_session(first)
                    buf.append(gen.event(s, day_ms + prev, True))
                    next_pair = pair_at.pop(0)
                    continue
                # Stratified sample of the diurnal curve: strictly increasing, inside the day.
                x = (i + rand()) / n
                h = bisect_right(hour_starts, x) - 1
                off = min(int((h + (x - hour_starts[h]) / hour_shares[h]) * HOUR_MS), DAY_MS - 1)
                prev = off if off > prev else prev + 1
                if i + 1 == next_pair:
                    s = gen.logged_in_session(None)
                    first = s.user
                    buf.append(gen.event(s, day_ms + prev, True))
                    continue
                if i >= half and not gen.day_logged_out:
                    s = gen.start_session(visitor=True)  # at least one logged-out visitor per day
                else:
                    while len(active) < concurrent:
                        gen.start_session()
                    s = active[int(rand() * len(active))]
                buf.append(gen.event(s, day_ms + prev, False))
                if len(buf) >= 4096:
                    f.writelines(buf)
                    buf.clear()
            f.writelines(buf)
        if prev >= DAY_MS:  # impossible for events_per_day <= MAX_EVENTS_PER_DAY; guard the invariant
            raise RuntimeError(f"{iso}: timestamps overflowed the day")
        written_days.append(iso)
        events_by_day[iso] = n
        next_song_by_day[iso] = gen.day_plays
        logged_out += gen.day_logged_out
        if progress:
            progress(f"{iso}: {n:,} events")

    levels_seen = gen.levels_seen
    facts = {
        "seed": seed,
        "start": start.isoformat(),
        "days": days,
        "written_days": written_days,
        "missing_days": missing_days,
        "events": sum(events_by_day.values()),
        "events_by_day": events_by_day,
        "next_song_events": sum(next_song_by_day.values()),
        "next_song_by_day": next_song_by_day,
        "logged_out_events": logged_out,
        "users": len(levels_seen),
        "users_with_level_change": sum(1 for mask in levels_seen.values() if mask == 3),
        "final_level": {uid: LEVELS[lvl] for uid, lvl in sorted(gen.final_level.items())},
        "paid_plays": gen.level_plays[1],
        "free_plays": gen.level_plays[0],
        **song_facts,
        "matched_plays": gen.matched,
        "distinct_play_times": gen.distinct_ts,
    }
    (out / "expected.json").write_text(json.dumps(facts, sort_keys=True, indent=2) + "\n", encoding="utf-8")
    return facts


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
