"""Turn pydantic's validation errors into Problems a person can act on: file, line, key path, a
plain message, and for a misspelt name the nearest valid one."""

from __future__ import annotations

import difflib
import re
import subprocess
import types
import typing
from collections.abc import Sequence
from pathlib import Path as FilePath
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from checker.errors import Problem
from site_builder.content.yaml_source import LocatedYaml, Path, format_path


def suggest(word: str, options: Sequence[str]) -> str:
    """`; did you mean 'x'?` when one option is close to `word`, else an empty string."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def one_of(options: Sequence[str]) -> str:
    return ", ".join(options)


def github_annotation(problem: Problem, prefix: str = "") -> str:
    """`problem` as a GitHub Actions `::error` line; `prefix` (see `repository_prefix`) turns its
    site-relative file into the repository-relative path GitHub places annotations by."""
    file = _escape_property(prefix + problem.file)
    where = f"file={file},line={problem.line}" if problem.line else f"file={file}"
    title = f",title={_escape_property(problem.key)}" if problem.key else ""
    return f"::error {where}{title}::{_escape_data(problem.message)}"


def repository_prefix(root: FilePath) -> str:
    """The site's folder relative to the repository's root (the git top-level around `root`, or the
    current directory outside git), as `sub/` or ``; `` when the site lies outside it."""
    folder = root.resolve()
    top = _git_toplevel(folder) or FilePath.cwd().resolve()
    try:
        relative = folder.relative_to(top)
    except ValueError:
        return ""
    return "" if relative == FilePath() else relative.as_posix() + "/"


def _git_toplevel(folder: FilePath) -> FilePath | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None  # no git, or no such folder: the current directory is the root
    top = result.stdout.strip()
    return FilePath(top).resolve() if result.returncode == 0 and top else None


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def problems_from_error(
    error: ValidationError,
    model: type[BaseModel],
    located: LocatedYaml,
    file: str,
    *,
    base: Path = (),
) -> list[Problem]:
    """One Problem per error in `error`, raised by validating `located.data` as `model`.

    `base` is prefixed to every key path, for documents nested in a larger one (front matter).
    """
    problems = []
    for details in error.errors():
        data_path = _data_path(located.data, details["loc"])
        message, at = _message(details, model, data_path)
        key = format_path((*base, *at))
        problems.append(Problem(file, located.line_of(at), key, message))
    return problems


def _data_path(data: Any, loc: tuple[int | str, ...]) -> Path:
    """pydantic's location with the union tags it inserts (`check.http.url`) left out."""
    path: list[str | int] = []
    for part in loc:
        present = (
            part in data
            if isinstance(data, dict)
            else (isinstance(data, list) and isinstance(part, int) and part < len(data))
        )
        if present:
            data = data[part]
            path.append(part)
        elif isinstance(data, dict) and part == loc[-1] and isinstance(part, str):
            path.append(part)  # a missing key: name it (union tags are skipped)
        # Below a scalar nothing more can be located.
    return tuple(path)


def _message(details: ErrorDetails, model: type[BaseModel], path: Path) -> tuple[str, Path]:
    kind = details["type"]
    ctx = details.get("ctx", {})
    value = details.get("input")
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        options = _keys_of(_type_at(model, details["loc"][:-1]))
        hint = suggest(key, options) or (f" (valid keys: {one_of(options)})" if options else "")
        return f"unknown key '{key}'{hint}", path
    if kind == "missing":
        key = str(details["loc"][-1])
        return f"missing required key '{key}'", path[:-1] if path and path[-1] == key else path
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return _not_one_of(value, options), path
    if kind == "union_tag_invalid":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected_tags", "")))
        tag = ctx.get("tag", value)
        owner = f"{path[-1]} " if path and isinstance(path[-1], str) else ""
        return (
            f"unknown {owner}type '{tag}'{suggest(str(tag), options)} (one of: {one_of(options)})",
            (*path, "type"),
        )
    if kind == "union_tag_not_found":
        options = _tags_at(model, details["loc"])
        return f"missing required key 'type' (one of: {one_of(options)})", path
    if kind in ("value_error", "assertion_error"):
        text = str(ctx.get("error", details["msg"]))
        return text, path
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping (key: value), got {_describe(value)}", path
    if kind == "list_type":
        return f"expected a list, got {_describe(value)}", path
    if kind in ("string_type",):
        return f"expected text, got {_describe(value)}", path
    return f"{details['msg'][0].lower()}{details['msg'][1:]} (got {_describe(value)})", path


def _not_one_of(value: Any, options: list[str]) -> str:
    return f"'{value}' is not allowed here{suggest(str(value), options)} (one of: {one_of(options)})"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --- finding the model at a location, for the list of valid keys -----------------------------


def _unwrap(tp: Any) -> list[Any]:
    """The concrete alternatives of a type: Optional, unions and Annotated taken apart."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin is typing.Union or origin is types.UnionType:
        out = []
        for arg in typing.get_args(tp):
            out.extend(_unwrap(arg))
        return [t for t in out if t is not type(None)]
    return [tp]


def _tag_of(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("type")
    if field is None or typing.get_origin(field.annotation) is not Literal:
        return None
    return str(typing.get_args(field.annotation)[0])


def _type_at(root: Any, loc: tuple[int | str, ...]) -> Any:
    tp: Any = root
    for part in loc:
        candidates = _unwrap(tp)
        models = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        tagged = [m for m in models if _tag_of(m) == part]
        if tagged:
            tp = tagged[0]
            continue
        next_tp = None
        for candidate in candidates:
            origin = typing.get_origin(candidate)
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                for name, field in candidate.model_fields.items():
                    if part in (name, field.alias):
                        next_tp = field.annotation
            elif origin in (list, tuple) and isinstance(part, int):
                next_tp = typing.get_args(candidate)[0]
            elif origin is dict:
                next_tp = typing.get_args(candidate)[1]
            if next_tp is not None:
                break
        if next_tp is None:
            return None
        tp = next_tp
    return tp


def _keys_of(tp: Any) -> list[str]:
    for candidate in _unwrap(tp):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return [field.alias or name for name, field in candidate.model_fields.items()]
    return []


def _tags_at(root: Any, loc: tuple[int | str, ...]) -> list[str]:
    tp = _type_at(root, loc)
    models = [c for c in _unwrap(tp) if isinstance(c, type) and issubclass(c, BaseModel)]
    return [tag for m in models if (tag := _tag_of(m))]
