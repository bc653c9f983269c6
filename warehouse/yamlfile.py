"""YAML documents that remember the line and column of every key and value."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from warehouse.secrets import mask

KeyPath = tuple[str | int, ...]
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: the same marks, much faster


@dataclass(frozen=True)
class Problem:
    """One mistake in a file, at a place a person can jump to."""

    file: str
    line: int
    column: int
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return mask(f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}")


class SpecError(Exception):
    """One or more problems in a spec or in the SQL files it names."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class YamlDocument:
    """Plain data loaded from YAML plus the position (1-based) of each value and each key."""

    path: str
    data: Any
    values: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def problem(self, path: KeyPath, message: str, *, at_key: bool = False) -> Problem:
        """A problem at `path`, placed on the key (or value) or, failing that, on the nearest parent."""
        probe = path
        while probe:
            spots = (self.keys, self.values) if at_key else (self.values, self.keys)
            for spot in spots:
                if probe in spot:
                    line, column = spot[probe]
                    return Problem(self.path, line, column, dotted(path), message)
            probe = probe[:-1]
        line, column = self.values.get((), (1, 1))
        return Problem(self.path, line, column, dotted(path), message)


def dotted(path: KeyPath) -> str:
    """`('checks', 0, 'unique')` → `checks[0].unique`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def display_path(path: Path) -> str:
    """A path as a person in the working directory would type it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_yaml(path: Path | str, display: str | None = None) -> YamlDocument:
    """Parse one YAML document; syntax errors and duplicate keys raise SpecError with their position."""
    name = display or str(path)
    text = Path(path).read_text(encoding="utf-8")
    loader = Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        raise SpecError([Problem(name, line, column, "", f"YAML syntax error: {message}")]) from None
    finally:
        loader.dispose()
    document = YamlDocument(name, None)
    if node is not None:
        document.data = _convert(node, (), document, loader)
    return document


def _key(node: yaml.Node, loader: Any) -> Any:
    """A mapping key; a word YAML 1.1 reads as a boolean (`on`, `yes`, `off`) stays the word: a spec's keys are
    names (a lookup's `on:`)."""
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:bool":
        return node.value
    return loader.construct_object(node, deep=True)


def _convert(node: yaml.Node, path: KeyPath, doc: YamlDocument, loader: Any) -> Any:
    doc.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _key(key_node, loader)
            child = (*path, key)
            if key in result:
                line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                raise SpecError([Problem(doc.path, line, column, dotted(child), "duplicate key")])
            doc.keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = _convert(value_node, child, doc, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), doc, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)
