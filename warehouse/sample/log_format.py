"""The shape of a log line: how its strings are serialised, its time unit, and what each page puts in it.

A line is written as runs of JSON serialised once (per page here, per user in `users`, per song in `catalogue`),
with only `itemInSession`, `sessionId` and `ts` formatted per event. A page's or user's run `<fields>_json` holds
the fields it names and ends with the next key: `last_name_json` is ``,"lastName":"Smith","length":``. A song's
runs are values only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

DAY_MS = 86_400_000  # `ts` and `registration` are epoch milliseconds


def log_str(value: str | None) -> str:
    """A string as the PHP-style log writer serialises it: raw UTF-8, slashes escaped."""
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False).replace("/", "\\/")


@dataclass(frozen=True, slots=True)
class Page:
    """A page of the app, with its runs of the log line."""

    name: str
    method_page_json: str  # 'GET","page":"Home","registration":'
    status_json: str  # ',"status":200,"ts":'


def _page(name: str, method: str, status: int) -> Page:
    return Page(name, f'{method}","page":"{name}","registration":', f',"status":{status},"ts":')


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
