"""Artists and songs: the song_data files, and the songs that plays refer to (in song_data or not).

Song files imitate Python's ``json.dumps`` (``", "`` / ``": "`` separators, non-ASCII as ``\\u00e9`` escapes).
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass
from pathlib import Path

from warehouse.sample.log_format import log_str
from warehouse.sample.vocabulary import (
    ARTIST_LOCATIONS,
    ARTIST_PATTERNS,
    FIRST_NAMES,
    LAST_NAMES,
    TITLE_ADJECTIVES,
    TITLE_NOUNS,
    TITLE_PATTERNS,
)

ID_CHARS = string.ascii_uppercase + string.digits


@dataclass(frozen=True, slots=True)
class Song:
    """A song as a play writes it into a log line: its runs of JSON."""

    artist_json: str
    title_json: str
    length_json: str


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The songs that plays pick from, most popular first, and the facts of song_data."""

    in_song_data: list[Song]
    not_in_song_data: list[Song]
    facts: dict


@dataclass(slots=True)
class _Artist:
    artist_id: str
    name: str
    location: str
    latitude: float | None
    longitude: float | None


def _song(title: str, artist: str, duration: float) -> Song:
    return Song(log_str(artist), log_str(title), repr(duration))


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
        value = prefix + "".join(rng.choices(ID_CHARS, k=length))
        if value not in used:
            used.add(value)
            return value


def write_song_data(out: Path, rng: random.Random, n_songs: int) -> Catalogue:
    """Write ``out/song_data/A/B/C/TRABC....json`` (one song per file, one song in two files)."""
    names = _Names(rng)
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
    in_song_data: list[Song] = []
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
        in_song_data.append(_song(title, artist.name, duration))

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
    others = [_song(names.take("Hoppípolla"), other_artists[0], 268.38159)]
    others.append(_song(names.take("Back In Black"), other_artists[1], 255.73832))
    while len(others) < n_other:
        artist_name = other_artists[rng.randrange(len(other_artists))]
        others.append(_song(names.new(TITLE_PATTERNS), artist_name, _five_decimals(rng, 60.0, 600.0)))

    # Popularity order: the special songs first (most played), the rest shuffled.
    tail = in_song_data[1:]
    rng.shuffle(tail)
    other_tail = others[1:]
    rng.shuffle(other_tail)
    facts = {
        "song_files": n_songs + 1,
        "songs": n_songs,
        "artists": n_artists,
        "duplicate_song_id": records[duplicate]["song_id"],
    }
    return Catalogue(in_song_data[:1] + tail, others[:1] + other_tail, facts)
