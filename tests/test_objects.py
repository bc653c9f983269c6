"""Local objects: a prefix's files are hashed once per size and modification time."""

import hashlib
import os
from pathlib import Path

from warehouse.sources.objects import LocalStore


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def test_a_listed_file_is_hashed_again_only_when_its_size_or_time_changes(tmp_path: Path) -> None:
    song = tmp_path / "song_data" / "a.json"
    song.parent.mkdir()
    song.write_bytes(b'{"a": 1}\n')
    listed = LocalStore().list(str(tmp_path / "song_data"))
    assert [(o.url, o.version) for o in listed] == [(str(song), _md5(b'{"a": 1}\n'))]
    stamp = song.stat().st_mtime_ns
    song.write_bytes(b'{"a": 2}\n')  # same size; the same time: taken as unchanged, not read again
    os.utime(song, ns=(stamp, stamp))
    assert LocalStore().list(str(tmp_path / "song_data"))[0].version == _md5(b'{"a": 1}\n')
    os.utime(song, ns=(stamp + 10**9, stamp + 10**9))  # a new time: hashed again
    assert LocalStore().list(str(tmp_path / "song_data"))[0].version == _md5(b'{"a": 2}\n')
    song.write_bytes(b'{"a": 10}\n')  # a new size
    os.utime(song, ns=(stamp, stamp))
    assert LocalStore().list(str(tmp_path / "song_data"))[0].version == _md5(b'{"a": 10}\n')
