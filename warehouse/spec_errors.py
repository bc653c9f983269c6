"""Pydantic's validation errors as problems a person can act on: placed at the key or value in the YAML file,
naming the allowed keys or values where there is a fixed set."""

from __future__ import annotations

from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from warehouse.yamlfile import KeyPath, Problem, YamlDocument

NAME_PATTERN = r"^[a-z_][a-z0-9_]{0,126}$"


def problem_of(root: type[BaseModel], doc: YamlDocument, error: Any) -> Problem:
    """One pydantic error as a problem at its place in the YAML, with the allowed keys or values."""
    loc = _data_path(doc.data, error["loc"])
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "missing":  # placed on the mapping that lacks it
        return doc.problem(loc, f"missing required key {loc[-1]!r}", at_key=True)
    if kind == "union_tag_invalid":
        tag_path = (*loc, ctx["discriminator"].strip("'"))
        return doc.problem(tag_path, f"{ctx['tag']!r} is not one of: {ctx['expected_tags']}")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(root, error["loc"][:-1])
        hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return doc.problem(loc, f"unknown key {loc[-1]!r}{hint}", at_key=True)
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == NAME_PATTERN:
        return doc.problem(
            loc, f"{error['input']!r} is not a valid name: use lowercase letters, digits and _", at_key=True
        )
    if kind == "literal_error":
        return doc.problem(loc, f"{error['input']!r} is not one of: {ctx['expected'].replace(' or ', ', ')}")
    message = error["msg"].removeprefix("Value error, ")
    return doc.problem(loc, message)


def _data_path(data: Any, loc: tuple) -> KeyPath:
    """Pydantic's error location → the path in the YAML data (dropping union tags and validator names)."""
    path: list[str | int] = []
    for part in loc:
        if part == "[key]":
            continue
        if (isinstance(data, dict) and part in data) or (
            isinstance(data, list) and isinstance(part, int) and part < len(data)
        ):
            data = data[part]
        elif isinstance(data, dict) and part in data.values():
            continue  # a discriminated union's tag
        elif isinstance(part, str) and ("[" in part or part in {"str", "int", "DistKey"}):
            continue  # a validator or union member name
        else:
            data = None
        path.append(part)
    return tuple(path)


def _allowed_keys(root: type[BaseModel], loc: tuple) -> list[str]:
    """The keys a model accepts at a pydantic error location, following the model's annotations."""
    kind: Any = root
    for part in loc:
        kind = _step(kind, part)
        if kind is None:
            return []
    kind = _unwrap_model(kind)
    if not (isinstance(kind, type) and issubclass(kind, BaseModel)):
        return []
    return [field.alias or name for name, field in kind.model_fields.items()]


def _step(kind: Any, part: Any) -> Any:
    kind = _unwrap_model(kind)
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        field = kind.model_fields.get(part) or next((f for f in kind.model_fields.values() if f.alias == part), None)
        return field.annotation if field else None
    origin = get_origin(kind)
    if origin is dict:
        return get_args(kind)[1]
    if origin is list:
        return get_args(kind)[0]
    if origin in (Union, UnionType):
        for member in get_args(kind):
            fields = getattr(member, "model_fields", {})
            tag = fields.get("format")
            if tag is not None and part in get_args(tag.annotation):
                return member
            if getattr(member, "__name__", None) == part:
                return member
    return None


def _unwrap(kind: Any) -> Any:
    while get_origin(kind) is Annotated:
        kind = get_args(kind)[0]
    return kind


def _unwrap_model(kind: Any) -> Any:
    """A union of one model with None or literals → that model."""
    kind = _unwrap(kind)
    if get_origin(kind) in (Union, UnionType):
        models = [m for m in get_args(kind) if isinstance(m, type) and issubclass(m, BaseModel)]
        return models[0] if len(models) == 1 else kind
    return kind
