"""Every key of statuspage.yaml is documented where a reader looks for it: in the table of its own
section (docs/configuration.md, and docs/notifications.md for `alerts` and `subscribers`). A key a
user cannot look up is a key they cannot use."""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from site_builder.content.config import SiteConfig

DOCS = Path(__file__).parents[2] / "docs"


def models_under(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[type[BaseModel]]:
    seen = set() if seen is None else seen
    if model in seen:
        return seen
    seen.add(model)
    for field in model.model_fields.values():
        for candidate in _flatten(field.annotation):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                models_under(candidate, seen)
    return seen


def _flatten(tp: object) -> list[object]:
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType, typing.Annotated, list, dict, tuple) or args:
        out: list[object] = []
        for arg in args:
            out.extend(_flatten(arg))
        return out
    return [tp]


@dataclass(frozen=True)
class Place:
    """Where a model's keys are documented: in `doc`, the section under the heading `heading`, the
    table that follows the paragraph starting with `after` (the section's first table when `after`
    is empty); with `row`, the keys are written out in that table's row for the key `row`."""

    doc: str
    heading: str
    after: str = ""
    row: str | None = None


CONFIGURATION, NOTIFICATIONS = "configuration.md", "notifications.md"
CHECK = "`components[].check`"
PLACES: dict[str, Place] = {
    "SiteConfig": Place(CONFIGURATION, "Top level"),
    "SiteSettings": Place(CONFIGURATION, "`site`"),
    "CheckerSettings": Place(CONFIGURATION, "`checker`"),
    "Component": Place(CONFIGURATION, "`components[]`"),
    "SiteComponent": Place(CONFIGURATION, "`components[]`"),
    "InternalSettings": Place(CONFIGURATION, "`internal`"),
    "Slo": Place(CONFIGURATION, "`components[]`", row="slo"),
    "CheckBase": Place(CONFIGURATION, CHECK, after="Common to every type"),
    "AlertsSettings": Place(NOTIFICATIONS, "Keys", after="`alerts`:"),
    "AlertRoute": Place(NOTIFICATIONS, "Keys", after="A route"),
    "AlertLevel": Place(NOTIFICATIONS, "Keys", after="A route", row="levels"),
    "BurnRateAlerts": Place(NOTIFICATIONS, "Keys", after="`alerts.slo`"),
    "SubscribersSettings": Place(NOTIFICATIONS, "Subscribers"),
    "MailSettings": Place(NOTIFICATIONS, "Subscribers", after="Email keys"),
}
"""By model name. Each check type has its own place (the table after `type: <type>`
in the check section) and each alert channel its row of the channel table: see `place_of`."""


def type_of(model: type[BaseModel]) -> str | None:
    """The `type:` a check or channel model is chosen by, if it is one."""
    field = model.model_fields.get("type")
    args = typing.get_args(field.annotation) if field is not None else ()
    return args[0] if len(args) == 1 and isinstance(args[0], str) else None


def is_check(model: type[BaseModel]) -> bool:
    return any(base.__name__ == "CheckBase" for base in model.__mro__[1:])


def place_of(model: type[BaseModel]) -> Place | None:
    kind = type_of(model)
    if model.__name__ in PLACES:
        return PLACES[model.__name__]
    if kind is not None and is_check(model):
        return Place(CONFIGURATION, CHECK, after=f"`type: {kind}`")
    if kind is not None:
        return Place(NOTIFICATIONS, "Channels", row=kind)
    return None


def keys_of(model: type[BaseModel]) -> set[str]:
    """The model's keys that its own place documents: not those of a base documented elsewhere
    (a check's common keys, the email channel's mail keys), nor `type` (the section's own)."""
    inherited = {
        key
        for base in model.__mro__[1:]
        if isinstance(base, type) and issubclass(base, BaseModel) and base.__name__ in PLACES
        for key in _keys(base)
    }
    return _keys(model) - inherited - {"type"}


def _keys(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


Block = tuple[str, list[str]]
"""("table", rows) or ("text", lines) or ("code", lines): a section's parts, in order."""


def sections(doc: str) -> dict[str, list[Block]]:
    """Every section of a page by its heading's text, as blocks."""
    out: dict[str, list[Block]] = {}
    blocks: list[Block] = out.setdefault("", [])
    fenced = False
    for line in (DOCS / doc).read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
            kind = "code"
        elif fenced:
            kind = "code"
        elif line.startswith("#"):
            heading = line.lstrip("#").strip()
            assert heading not in out, f"{doc}: two sections are called {heading!r}"
            blocks = out.setdefault(heading, [])
            continue
        elif not line.strip():
            blocks.append(("gap", []))
            continue
        else:
            kind = "table" if line.startswith("|") else "text"
        if blocks and blocks[-1][0] == kind:
            blocks[-1][1].append(line)
        else:
            blocks.append((kind, [line]))
    return {heading: [b for b in found if b[0] != "gap"] for heading, found in out.items()}


def cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def code_words(text: str) -> set[str]:
    """What is written as code in `text`: each `word`, and each key of a `{key: value}` example."""
    spans = re.findall(r"`([^`]+)`", text)
    keys = {key for span in spans for key in re.findall(r"[{,]\s*([A-Za-z_]\w*):", span)}
    return {span.rstrip(":") for span in spans} | keys


def documented(place: Place) -> set[str] | str:
    """The keys documented at `place`, or why it cannot be found."""
    where = f"{place.doc} § {place.heading}"
    blocks = sections(place.doc).get(place.heading)
    if blocks is None:
        return f"{where}: no such section"
    if place.after:
        start = next(
            (n for n, (kind, lines) in enumerate(blocks) if kind == "text" and lines[0].startswith(place.after)), None
        )
        if start is None:
            return f"{where}: no paragraph starting {place.after!r}"
        if start + 1 >= len(blocks) or blocks[start + 1][0] != "table":
            return f"{where}: no table after the paragraph starting {place.after!r}"
        table = blocks[start + 1][1]
    else:
        table = next((lines for kind, lines in blocks if kind == "table"), [])
        if not table:
            return f"{where}: no table"
    header, rows = cells(table[0]), [cells(row) for row in table[2:]]  # [1] is the header's rule
    if place.row is None:
        return {row[0].strip("`").rstrip(":") for row in rows if row[0].startswith("`")}
    found = [row for row in rows if row[0].strip("`").rstrip(":") == place.row]
    if not found:
        return f"{where}: no row for `{place.row}`"
    # The keys are listed in the `keys` column (channels) or spelt out in the `meaning` one.
    column = header.index("keys") if "keys" in header else header.index("meaning")
    return code_words(found[0][column])


def test_every_configuration_key_is_documented_in_its_own_sections_table() -> None:
    missing = []
    for model in sorted(models_under(SiteConfig), key=lambda m: m.__name__):
        place = place_of(model)
        if place is None:
            missing.append(f"{model.__name__}: no place in the docs (add it to PLACES)")
            continue
        found = documented(place)
        if isinstance(found, str):
            missing.append(f"{model.__name__}: {found}")
            continue
        where = f"{place.doc} § {place.heading}" + (f", row `{place.row}`" if place.row else "")
        missing += [f"{model.__name__}.{key}: not in {where}" for key in sorted(keys_of(model) - found)]
    assert missing == []


def test_every_check_type_is_named_in_the_check_section() -> None:
    """`type` is documented once for every check, in the common table, which lists every type."""
    common = [cells(row) for kind, lines in sections(CONFIGURATION)[CHECK] if kind == "table" for row in lines[2:]]
    type_row = next(row for row in common if row[0] == "`type`")
    kinds = {type_of(model) for model in models_under(SiteConfig) if is_check(model)}
    assert kinds and {kind for kind in kinds if f"`{kind}`" not in type_row[2]} == set()
