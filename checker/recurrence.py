"""Maintenance that repeats: the `repeat:` of a maintenance file, turned into its occurrences.

`repeat:` is an RFC 5545 recurrence rule (`FREQ=WEEKLY;BYDAY=SU;COUNT=10`) or a readable form,
`every week`, `every 2 weeks`, `every day`, `every month`, optionally as a mapping with `until`,
`count` and `except` (dates to skip). The file's own window is the first occurrence; each other
one is a maintenance of its own (its own page, API entry and notifications, as Statuspage lists
them), named `<file's name>-<YYYY-MM-DD>`, with the file's updates moved by the same amount as the
window, so an announcement written a week before the first window goes out a week before each.

A rule without an end covers `HORIZON_DAYS` from the first window; none yields more than
`MAX_OCCURRENCES`. Rules more frequent than daily are refused: maintenance is not a heartbeat.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from checker.incident_model import Incident, Repeat

MAX_OCCURRENCES = 500
HORIZON_DAYS = 2 * 366
_READABLE = re.compile(r"^every\s+(?:(\d+)\s+)?(day|week|month|year)s?$")
_FREQ = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}
_ALLOWED_FREQ = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}


def parse_repeat(value: object, parse_time: Callable[[str], datetime]) -> Repeat:
    """`repeat:` as written (a string or a mapping); ValueError with what is accepted.
    `parse_time` reads `until:` as incident files write times."""
    if isinstance(value, str):
        value = {"every": value} if value.strip().lower().startswith("every") else {"rule": value}
    if not isinstance(value, dict):
        raise ValueError("write a rule such as 'every week' or 'FREQ=WEEKLY;BYDAY=SU'")
    unknown = set(value) - {"every", "rule", "until", "count", "except"}
    if unknown:
        raise ValueError(f"unknown key {sorted(unknown)[0]!r} (keys: every, rule, until, count, except)")
    if ("every" in value) == ("rule" in value):
        raise ValueError("give either every: (e.g. 'week', '2 weeks') or rule: (an RFC 5545 RRULE)")
    if "every" in value:
        text = str(value["every"]).strip().lower()
        text = text if text.startswith("every") else f"every {text}"
        match = _READABLE.match(text)
        if match is None:
            raise ValueError(f"{value['every']!r}: write every day, every 2 weeks, every month or every year")
        parts = [f"FREQ={_FREQ[match[2]]}"] + ([f"INTERVAL={int(match[1])}"] if match[1] and int(match[1]) > 1 else [])
    else:
        parts = [p for p in str(value["rule"]).strip().removeprefix("RRULE:").split(";") if p]
    if "until" in value:
        given = value["until"]
        # A date alone means the whole of that day (UTC); a time needs its zone, as everywhere.
        day = given if isinstance(given, date) and not isinstance(given, datetime) else _date(str(given))
        until = (
            datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)
            if day is not None
            else parse_time(str(given)).astimezone(UTC)
        )
        parts.append(f"UNTIL={until:%Y%m%dT%H%M%SZ}")
    if "count" in value:
        count = value["count"]
        if not isinstance(count, int) or count < 1:
            raise ValueError("count must be a whole number of windows, at least 1")
        parts.append(f"COUNT={count}")
    rule = ";".join(parts)
    _check_rule(rule)
    skipped = value.get("except", [])
    if not isinstance(skipped, list):
        raise ValueError("except: is a list of dates, e.g. [2026-12-27]")
    try:
        days = sorted({d if isinstance(d, date) else date.fromisoformat(str(d)) for d in skipped})
    except ValueError:
        raise ValueError("except: holds dates such as 2026-12-27") from None
    return Repeat(rule=rule, skipped=days)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _check_rule(rule: str) -> None:
    from dateutil.rrule import rrulestr

    fields = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    if fields.get("FREQ") not in _ALLOWED_FREQ:
        raise ValueError(f"{rule!r}: FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")
    if "UNTIL" in fields and "COUNT" in fields:
        raise ValueError(f"{rule!r}: give until or count, not both")
    try:
        rrulestr(rule, dtstart=datetime(2026, 1, 1, tzinfo=UTC))
    except (ValueError, TypeError) as error:
        raise ValueError(f"{rule!r} is not a recurrence rule: {error}") from None


def occurrences(incident: Incident) -> list[Incident]:
    """`incident` and the other windows of its repeat, in time order (just `[incident]` when it
    does not repeat)."""
    repeat = incident.repeat
    if repeat is None:
        return [incident]
    from dateutil.rrule import rrulestr

    start, end = incident.scheduled_for, incident.scheduled_until
    assert start is not None and end is not None
    horizon = start + timedelta(days=HORIZON_DAYS)
    # The file's own window is the first, whether or not the rule would list its start.
    found = [incident.model_copy(update={"series": incident.slug})]
    for when in rrulestr(repeat.rule, dtstart=start):
        if len(found) >= MAX_OCCURRENCES or when > horizon:
            break
        if when <= start or when.date() in repeat.skipped:
            continue
        shift = when - start
        found.append(
            incident.model_copy(
                update={
                    "slug": f"{incident.slug}-{when:%Y-%m-%d}",
                    "scheduled_for": when,
                    "scheduled_until": end + shift,
                    "updates": [u.model_copy(update={"at": u.at + shift}) for u in incident.updates],
                    "repeat": None,
                    "series": incident.slug,
                }
            )
        )
    return found
