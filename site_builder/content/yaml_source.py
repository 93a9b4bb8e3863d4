"""YAML loading that remembers where every key came from, so errors can name the line.

Each document is composed once into PyYAML's node tree (by libyaml's C parser where it is
installed); we walk that tree to map every key path to its line and to report what plain loading
silently accepts (duplicate keys), then construct the data from the same tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from checker.errors import Problem

Path = tuple[str | int, ...]
_SURROGATE = re.compile("[\ud800-\udfff]")
# An alias-heavy document ("billion laughs") is small on disk but huge once its aliases are
# expanded, and everything after loading (validation, messages, rendering) walks the expansion:
# refuse a document whose expansion exceeds either bound. A plainly written file never comes near.
MAX_NODES = 200_000
MAX_TEXT = 10_000_000
"""Characters of scalar text, counted once per appearance after aliases are expanded."""
TOO_MANY_NODES = "YAML expands to too many nodes (aliases?); write it out plainly"
TOO_MUCH_TEXT = "YAML expands to too much text (aliases?); write it out plainly"


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


def _without_dates(base: type[yaml.SafeLoader] | type[yaml.CSafeLoader]) -> type[Any]:
    """`base` keeping timestamps as strings: our models parse and check times themselves, and a
    zone-less `2026-11-22 14:05` must be an error, not a silent local time."""
    resolvers = {
        key: [(tag, regexp) for tag, regexp in entries if tag != "tag:yaml.org,2002:timestamp"]
        for key, entries in base.yaml_implicit_resolvers.items()
    }
    return type(f"NoDates{base.__name__}", (base,), {"yaml_implicit_resolvers": resolvers})


_PURE_LOADER = _without_dates(yaml.SafeLoader)
# libyaml parses about ten times faster; PyYAML without it (some platforms' wheels) still works.
_FAST_LOADER = _without_dates(yaml.CSafeLoader) if yaml.__with_libyaml__ else _PURE_LOADER


@dataclass
class _Walk:
    """What walking the node tree finds: lines, problems, and what is left of the budget."""

    file: str
    offset: int
    lines: dict[Path, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    nodes_left: int = MAX_NODES
    text_left: int = MAX_TEXT

    def exhausted(self) -> str | None:
        """The message for a document that expands past a bound, or None."""
        if self.nodes_left <= 0:
            return TOO_MANY_NODES
        if self.text_left <= 0:
            return TOO_MUCH_TEXT
        return None


def load_front_matter(lines: list[str], file: str, missing: str) -> tuple[LocatedYaml | None, int, list[Problem]]:
    """The YAML between the file's first two `---` lines, located for errors, and the index of the
    first line after it; `missing` says what to write when the file does not start with `---`."""
    if not lines or lines[0].strip() != "---":
        return None, 0, [Problem(file, 1, "", missing)]
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if closing is None:
        return None, 0, [Problem(file, 1, "", "front matter is not closed: add a line '---' after it")]
    located, problems = load_yaml("\n".join(lines[1:closing]), file, first_line=2)
    return located, closing + 1, problems


def load_yaml(text: str, file: str, *, first_line: int = 1) -> tuple[LocatedYaml | None, list[Problem]]:
    """Parse `text` (which starts at `first_line` of `file`); on a syntax error, return a Problem."""
    offset = first_line - 1
    try:
        loader, root = _compose(text)
    except yaml.YAMLError as error:
        return None, [_syntax_problem(error, file, first_line)]
    except RecursionError:
        return None, [Problem(file, first_line, "", "invalid YAML: nested too deeply")]
    try:
        walk = _Walk(file, offset)
        if root is not None:
            walk.lines[()] = root.start_mark.line + 1 + offset
            try:
                _walk(root, (), walk)
            except RecursionError:
                walk.problems.append(Problem(file, first_line, "", "invalid YAML: nested too deeply"))
        # Constructed after the walk: constructing merges `<<:` keys into their mapping node.
        data = _construct(loader, root)
    except yaml.YAMLError as error:
        return None, [_syntax_problem(error, file, first_line)]
    except RecursionError:
        return None, [Problem(file, first_line, "", "invalid YAML: nested too deeply")]
    except (ValueError, TypeError, AttributeError, OverflowError):
        # PyYAML's constructors raise these for a value that does not fit an explicit tag
        # (`!!timestamp soon`, `!!int x`) instead of a YAMLError.
        return None, [Problem(file, first_line, "", "invalid YAML: a value does not fit its !!tag; remove the tag")]
    finally:
        loader.dispose()
    too_big = walk.exhausted()
    if too_big is not None:
        # Validating the expanded data would take as long as the expansion: stop here.
        return None, [Problem(file, first_line, "", too_big)]
    return LocatedYaml(data, walk.lines), walk.problems


def _compose(text: str) -> tuple[Any, yaml.Node | None]:
    """A loader and the node tree of `text`'s single document (None for an empty one).

    Where libyaml refuses the text, PyYAML's own parser has the last word: its messages are the
    ones people read (libyaml words them differently), and it reads a few inputs libyaml refuses
    (lone `\\ud83d` escapes, which the walk then explains).
    """
    if _FAST_LOADER is not _PURE_LOADER:
        try:
            loader = _FAST_LOADER(text)  # encodes the text as UTF-8: a lone surrogate fails here
        except UnicodeEncodeError:
            loader = None
        if loader is not None:
            try:
                return loader, loader.get_single_node()
            except yaml.YAMLError:
                loader.dispose()
    loader = _PURE_LOADER(text)
    try:
        return loader, loader.get_single_node()
    except BaseException:
        loader.dispose()
        raise


def _construct(loader: Any, root: yaml.Node | None) -> Any:
    """The Python data of the node tree (aliases share one object, so this stays small)."""
    return None if root is None else loader.construct_document(root)


def _syntax_problem(error: yaml.YAMLError, file: str, first_line: int) -> Problem:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        line = (mark.line + first_line) if mark else first_line
        what = error.problem or "invalid YAML"
        return Problem(file, line, "", f"invalid YAML: {what}{_yaml_hint(what)}")
    return Problem(file, first_line, "", f"invalid YAML: {error}")


def _yaml_hint(problem: str) -> str:
    if "found character '\\t'" in problem:
        return " (indent with spaces, not tabs)"
    if "mapping values are not allowed" in problem:
        return " (a value containing ': ' must be quoted)"
    return ""


def _walk(node: yaml.Node, path: Path, walk: _Walk) -> None:
    """Record the line of every key path under `node`, counting each visit against the budget
    (a node reached through N aliases is visited N times, as the data will be)."""
    walk.nodes_left -= 1
    if walk.nodes_left <= 0 or walk.text_left <= 0:
        return
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*path, key)
            line = key_node.start_mark.line + 1 + walk.offset
            if key in seen:
                walk.problems.append(Problem(walk.file, line, format_path(child), f"duplicate key '{key}'"))
            seen.add(key)
            walk.lines.setdefault(child, line)
            _walk(value_node, child, walk)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            walk.lines.setdefault(child, item.start_mark.line + 1 + walk.offset)
            _walk(item, child, walk)
    elif isinstance(node.value, str):
        walk.text_left -= len(node.value)
        if walk.text_left > 0:
            _check_surrogates(node, path, walk)


def _check_surrogates(node: yaml.Node, path: Path, walk: _Walk) -> None:
    # YAML reads `\ud83d\ude80` (how JSON writes an emoji) as two halves of a character, which no
    # file can hold: the build would fail writing it. Say so here, with the fix.
    found = _SURROGATE.search(node.value)
    if found is not None:
        walk.problems.append(
            Problem(
                walk.file,
                node.start_mark.line + 1 + walk.offset,
                format_path(path),
                f"\\u{ord(found[0]):04x} is half of a character; write the character itself "
                "(or \\U0001F680-style escapes for characters beyond \\uFFFF)",
            )
        )


def format_path(path: Path) -> str:
    """`("components", 2, "check", "url")` -> `components[2].check.url`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
