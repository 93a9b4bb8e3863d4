"""YAML loading that remembers where every key came from, so errors can name the line.

PyYAML's composer keeps the position of each node; we walk that tree once to build a map from key
path to line, and report what plain loading silently accepts (duplicate keys).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from checker.errors import Problem

Path = tuple[str | int, ...]
_SURROGATE = re.compile("[\ud800-\udfff]")
# An alias-heavy document ("billion laughs") is small on disk but huge when walked; stop early.
_MAX_NODES = 200_000


@dataclass
class LocatedYaml:
    """Parsed YAML data with the line of every key path (1-based, relative to the whole file)."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int:
        """The line of `path`, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


class _NoDatesLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as strings: our models parse and check times themselves,
    and a zone-less `2026-11-22 14:05` must be an error, not a silent local time."""


_NoDatesLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str, file: str, *, first_line: int = 1) -> tuple[LocatedYaml | None, list[Problem]]:
    """Parse `text` (which starts at `first_line` of `file`); on a syntax error, return a Problem."""
    offset = first_line - 1
    try:
        root = yaml.compose(text, Loader=_NoDatesLoader)
        data = yaml.load(text, Loader=_NoDatesLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = (mark.line + 1 + offset) if mark else first_line
        what = error.problem or "invalid YAML"
        return None, [Problem(file, line, "", f"invalid YAML: {what}{_yaml_hint(what)}")]
    except yaml.YAMLError as error:
        return None, [Problem(file, first_line, "", f"invalid YAML: {error}")]
    except RecursionError:
        return None, [Problem(file, first_line, "", "invalid YAML: nested too deeply")]
    except (ValueError, TypeError, AttributeError, OverflowError):
        # PyYAML's constructors raise these for a value that does not fit an explicit tag
        # (`!!timestamp soon`, `!!int x`) instead of a YAMLError.
        return None, [Problem(file, first_line, "", "invalid YAML: a value does not fit its !!tag; remove the tag")]
    located = LocatedYaml(data)
    problems: list[Problem] = []
    if root is not None:
        located.lines[()] = root.start_mark.line + 1 + offset
        budget = [_MAX_NODES]
        try:
            _walk(root, (), located.lines, problems, file, offset, budget)
        except RecursionError:
            problems.append(Problem(file, first_line, "", "invalid YAML: nested too deeply"))
        if budget[0] <= 0:
            # Validating the expanded data would take as long as the expansion: stop here.
            too_big = "YAML expands to too many nodes (aliases?); write it out plainly"
            return None, [Problem(file, first_line, "", too_big)]
    return located, problems


def _yaml_hint(problem: str) -> str:
    if "found character '\\t'" in problem:
        return " (indent with spaces, not tabs)"
    if "mapping values are not allowed" in problem:
        return " (a value containing ': ' must be quoted)"
    return ""


def _walk(
    node: yaml.Node,
    path: Path,
    lines: dict[Path, int],
    problems: list[Problem],
    file: str,
    offset: int,
    budget: list[int],
) -> None:
    budget[0] -= 1
    if budget[0] <= 0:
        return
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*path, key)
            line = key_node.start_mark.line + 1 + offset
            if key in seen:
                problems.append(Problem(file, line, format_path(child), f"duplicate key '{key}'"))
            seen.add(key)
            lines.setdefault(child, line)
            _walk(value_node, child, lines, problems, file, offset, budget)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines.setdefault(child, item.start_mark.line + 1 + offset)
            _walk(item, child, lines, problems, file, offset, budget)
    elif isinstance(node.value, str) and _SURROGATE.search(node.value):
        # YAML reads `\ud83d\ude80` (how JSON writes an emoji) as two halves of a character, which
        # no file can hold: the build would fail writing it. Say so here, with the fix.
        half = ord(_SURROGATE.search(node.value)[0])  # type: ignore[index]
        problems.append(Problem(file, node.start_mark.line + 1 + offset, format_path(path),
                                f"\\u{half:04x} is half of a character; write the character itself "
                                "(or \\U0001F680-style escapes for characters beyond \\uFFFF)"))


def format_path(path: Path) -> str:
    """`("components", 2, "check", "url")` -> `components[2].check.url`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
