"""The update sections of an incident file: each `## <time> <status>` heading and the text under
it, and the times authors may write in headings and front matter."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime, timedelta, timezone

from checker.errors import Problem
from checker.vocabulary import INCIDENT_UPDATE_STATUSES, MAINTENANCE_UPDATE_STATUSES
from site_builder.content.problems import suggest

_HEADING = re.compile(r"^##(?!#)\s*(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


def parse_time(text: str) -> datetime:
    """A time with a zone: ISO 8601 (`2026-11-22T14:05Z`) or `2026-11-22 14:05 UTC` / `+01:00` /
    `Europe/Paris`. Raises ValueError with the accepted forms when it cannot."""
    text = text.strip()
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(\S*)", text)
    if not match:
        raise ValueError(f"'{text}' is not a time; write it as 2026-11-22 14:05 UTC or 2026-11-22T14:05:00Z")
    day, clock, zone = match.groups()
    try:
        naive = datetime.fromisoformat(f"{day}T{clock.zfill(5) if len(clock) == 4 else clock}")
    except ValueError:
        raise ValueError(f"'{text}' is not a valid date and time") from None
    if not zone:
        raise ValueError(f"'{text}' has no time zone; add one, e.g. '{day} {clock} UTC'")
    return _with_zone(naive, zone, text).astimezone(UTC)


def _with_zone(naive: datetime, zone: str, text: str) -> datetime:
    if zone.upper() in ("Z", "UTC", "GMT"):
        return naive.replace(tzinfo=UTC)
    offset = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", zone)
    if offset:
        sign = 1 if offset[1] == "+" else -1
        delta = timedelta(hours=int(offset[2]), minutes=int(offset[3]))
        if delta >= timedelta(hours=24):
            raise ValueError(f"'{text}' has an invalid offset '{zone}'")
        return naive.replace(tzinfo=timezone(sign * delta))
    try:
        return naive.replace(tzinfo=zoneinfo.ZoneInfo(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"'{text}': unknown time zone '{zone}' (use UTC, an offset such as +01:00, or a name such as Europe/Paris)"
        ) from None


def update_sections(
    lines: list[str], start: int, rel: str, problems: list[Problem]
) -> list[tuple[int, str, list[str]]]:
    """(line number, heading text, body lines) of each `## ` heading from line index `start` on,
    headings inside fenced code left alone; text before the first heading is a Problem."""
    sections: list[tuple[int, str, list[str]]] = []
    in_fence = False
    for index in range(start, len(lines)):
        line = lines[index]
        if _FENCE.match(line):
            in_fence = not in_fence
        heading_match = None if in_fence else _HEADING.match(line)
        if heading_match:
            sections.append((index + 1, heading_match[1], []))
        elif sections:
            sections[-1][2].append(line)
        elif line.strip():
            problems.append(
                Problem(
                    rel,
                    index + 1,
                    "",
                    "text before the first update heading; start each "
                    "update with '## 2026-11-22 14:05 UTC investigating'",
                )
            )
            break
    return sections


def parse_heading(
    heading: str, line_number: int, rel: str, allowed: tuple[str, ...], problems: list[Problem]
) -> tuple[datetime, str] | None:
    """The time and status of an update heading, or None with its Problems added."""
    words = heading.rsplit(None, 1)
    if len(words) < 2:
        problems.append(
            Problem(
                rel,
                line_number,
                "",
                f"update heading '## {heading}' needs a time and a status, "
                "e.g. '## 2026-11-22 14:05 UTC investigating'",
            )
        )
        return None
    when_text, status = words[0], words[1].lower()
    problem_count = len(problems)
    if status not in allowed:
        problems.append(Problem(rel, line_number, "", _status_message(words[1], status, allowed)))
    try:
        at = parse_time(when_text)
    except ValueError as error:
        problems.append(Problem(rel, line_number, "", str(error)))
    return (at, status) if len(problems) == problem_count else None


def _status_message(written: str, status: str, allowed: tuple[str, ...]) -> str:
    message = f"'{written}' is not an update status here{suggest(status, allowed)} (one of: {', '.join(allowed)})"
    if status in MAINTENANCE_UPDATE_STATUSES:
        message += "; it is a maintenance status: add 'type: maintenance' for planned work"
    elif status in INCIDENT_UPDATE_STATUSES:
        message += "; it is an incident status"
    return message
