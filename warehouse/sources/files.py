"""Which objects of a file source a run stages: the interval's days, or the prefix's objects not loaded yet."""

from __future__ import annotations

from datetime import date
from typing import Any

from warehouse.interval import Interval
from warehouse.sources.objects import ObjectStore, SourceObject
from warehouse.spec import TEMPLATE_DATE_FIELD, FileSource


def location(source: FileSource, variables: dict[str, str], day: date | None = None) -> str:
    fields: dict[str, Any] = dict(variables)
    if day is not None:
        fields[TEMPLATE_DATE_FIELD] = day
    return source.location.format(**fields)


def interval_objects(
    source: FileSource, variables: dict[str, str], interval: Interval, store: ObjectStore
) -> tuple[list[SourceObject], list[str]]:
    """The objects of the interval's days, and the URLs of the days that have none."""
    found, missing = [], []
    for day in interval.days():
        url = location(source, variables, day)
        obj = store.stat(url)
        if obj is None:
            missing.append(url)
        else:
            found.append(obj)
    return found, missing


def new_objects(listed: list[SourceObject], loaded: set[tuple[str, str]]) -> list[SourceObject]:
    """The listed objects whose (url, version) has not been loaded."""
    return [o for o in listed if (o.url, o.version) not in loaded]
