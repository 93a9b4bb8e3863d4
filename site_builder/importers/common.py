"""What every importer produces (`ImportedSite`), and the conversions they share: plain text to
Markdown, times, and reading fields with errors that name the file and the key."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Required, TypedDict

from checker.errors import StatusgenError


class ImportedCheck(TypedDict, total=False):
    """A `check:` section for statuspage.yaml: the keys of the checker's `http` and `tcp` checks
    (`checker.probes`) that an importer sets. Plain data rather than the check models, so the file
    gets only the keys the source had."""

    type: Required[Literal["http", "tcp"]]
    url: str
    method: str
    expect_status: list[int | str]
    headers: dict[str, str]
    body: str
    verify_tls: bool
    host: str
    port: int
    degraded_after: float


@dataclass(frozen=True)
class ImportedComponent:
    key: str
    """How the source refers to it (a Statuspage id, a cState system name, an Upptime slug)."""
    name: str
    """Shown on the page."""
    group: str | None = None
    """Group name; groups show in the order they first appear."""
    description: str | None = None
    """One line under the name."""
    check: ImportedCheck | None = None
    """A `check:` section for statuspage.yaml, when the source measured the component."""
    preferred_id: str | None = None
    """The id to give it when free (Upptime's slug); otherwise one is made from the name."""


@dataclass(frozen=True)
class ImportedUpdate:
    at: datetime
    """When it was posted (aware)."""
    status: str
    """A status word of the file format (investigating … postmortem, scheduled … completed, update)."""
    body: str
    """Markdown."""


@dataclass
class ImportedIncident:
    key: str
    """The source's id or file name, to order incidents made on the same day deterministically."""
    title: str
    kind: str
    """`incident` or `maintenance`."""
    created_at: datetime
    """Dates the file name (for maintenance: the start of the window)."""
    components: dict[str, str] = field(default_factory=dict)
    """Component key (as in ImportedComponent.key) -> status while open."""
    impact: str | None = None
    """Written when the source says it; otherwise the page derives it from the components."""
    scheduled_for: datetime | None = None
    scheduled_until: datetime | None = None
    updates: list[ImportedUpdate] = field(default_factory=list)


@dataclass
class ImportedSite:
    source: str
    """The tool's name, for the header of statuspage.yaml and the summary line."""
    name: str
    url: str | None = None
    time_zone: str | None = None
    description: str | None = None
    components: list[ImportedComponent] = field(default_factory=list)
    incidents: list[ImportedIncident] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What was left out and why, one line each (printed by the command)."""


def fail(where: str, message: str) -> StatusgenError:
    """The one-line error for bad input: `where` names the file and the key."""
    return StatusgenError(f"{where}: {message}")


def text_field(data: dict[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    """`data[key]` as text (numbers are accepted and written out); None when absent or null."""
    value = data.get(key)
    if value is None:
        if required:
            raise fail(f"{where}.{key}" if where else key, "is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise fail(f"{where}.{key}" if where else key, f"expected text, got {type(value).__name__}")
    return str(value)


def one_line(text: str) -> str:
    """Whitespace (newlines, tabs, control characters) folded into single spaces."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", text).split())


def parse_iso(text: str, where: str) -> datetime:
    """An ISO 8601 time with a zone (Statuspage, Upptime), as UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise fail(where, f"'{text}' is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise fail(where, f"'{text}' has no time zone")
    return value.astimezone(UTC)


def format_time(when: datetime) -> str:
    """A heading or front-matter time: minutes, plus seconds and milliseconds only when the source
    has them, so imported updates keep their order and re-importing writes the same text."""
    when = when.astimezone(UTC)
    text = when.strftime("%Y-%m-%d %H:%M")
    if when.second or when.microsecond:
        text += when.strftime(":%S")
    if when.microsecond:
        text += f".{when.microsecond // 1000:03d}"
    return text + " UTC"


_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}*_~'\""
# Characters with a meaning anywhere in a line of Markdown (links, emphasis, code, HTML, entities,
# tables, strikethrough); `_` between letters is left alone, as CommonMark never treats it there.
_INLINE = re.compile(r"[\\`*\[\]<>&|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# What starts a block at the beginning of a line: headings, quotes, lists, thematic breaks,
# setext underlines, fences and numbered lists.
_BLOCK_START = re.compile(r"^[#>+=-]")
_NUMBERED = re.compile(r"^(\d+)([.)])")


def plain_text_to_markdown(text: str) -> str:
    """Plain text (Statuspage update bodies) as Markdown that renders to the same words and lines.

    Every character that Markdown would read as markup is escaped, so nothing in the text becomes a
    tag, a link or a new update heading; a line break stays a line break (a backslash at the end of
    the line) and a blank line a new paragraph. Addresses become explicit links, as Statuspage shows
    them.
    """
    paragraphs: list[list[str]] = [[]]
    for raw_line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw_line.replace("\t", " ").strip()
        if not line:
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        paragraphs[-1].append(_escape_line(line))
    blocks = ["\\\n".join(lines) for lines in paragraphs if lines]
    return "\n\n".join(blocks)


def _escape_line(line: str) -> str:
    out: list[str] = []
    position = 0
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(_URL_TRAILING)
        if "(" in url and url.count("(") > url.count(")") and match.group(0)[len(url) :].startswith(")"):
            url += ")"
        out.append(_escape_inline(line[position : match.start()]))
        target = url if "://" in url else f"https://{url}"
        out.append(f"<{target}>" if target == url else f"[{_escape_inline(url)}](<{target}>)")
        position = match.start() + len(url)
    out.append(_escape_inline(line[position:]))
    escaped = _NUMBERED.sub(r"\1\\\2", "".join(out))
    return "\\" + escaped if _BLOCK_START.match(escaped) else escaped


def _escape_inline(text: str) -> str:
    return _INLINE.sub(lambda m: "\\" + m.group(0), text)
