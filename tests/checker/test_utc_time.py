"""Times the models read (from JSON, from the parse cache) are in the one `datetime.UTC` zone when
they are in UTC, as a fresh parse gives them: pydantic gives each time a zone object of its own,
and times whose zone objects differ compare (sort, bisect) by asking each for its offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from pydantic import TypeAdapter

from checker.incident_model import Incident
from checker.strict_model import UtcTime
from site_builder.content.site import PARSED_CACHE, load_site
from tests.helpers import copy_site, fixture

READ = TypeAdapter(UtcTime)


def test_a_utc_time_read_from_json_is_in_the_shared_utc_zone() -> None:
    for text in ('"2026-11-22T14:05:00Z"', '"2026-11-22T14:05:00+00:00"', '"2026-11-22T14:05:00.250-00:00"'):
        at = READ.validate_json(text)
        assert at.tzinfo is UTC
        assert at == datetime(2026, 11, 22, 14, 5, tzinfo=UTC) + timedelta(milliseconds=250 if ".250" in text else 0)


def test_other_offsets_and_naive_times_are_kept_as_they_are() -> None:
    at = READ.validate_json('"2026-11-22T16:05:00+02:00"')
    assert at.utcoffset() == timedelta(hours=2)
    assert at.isoformat() == "2026-11-22T16:05:00+02:00"
    naive = READ.validate_python(datetime(2026, 11, 22, 14, 5))
    assert naive.tzinfo is None
    zero_but_named = datetime(2026, 11, 22, 14, 5, tzinfo=timezone(timedelta(0), "GMT"))
    assert READ.validate_python(zero_but_named).tzinfo is UTC  # the same moment, written the same way
    assert READ.validate_python(zero_but_named).isoformat() == zero_but_named.isoformat()


def times(incidents: list[Incident]) -> list[datetime]:
    return [
        at
        for incident in incidents
        for at in (*(u.at for u in incident.updates), incident.scheduled_for, incident.scheduled_until)
        if at is not None
    ]


def test_incidents_read_back_from_the_parse_cache_hold_the_times_a_fresh_parse_gives(tmp_path: Path) -> None:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    parsed = load_site(root, {}).bundle.incidents
    assert (root / PARSED_CACHE).is_file()
    cached = load_site(root, {}).bundle.incidents
    assert cached == parsed
    assert times(cached) == times(parsed)
    assert any(i.scheduled_for is not None for i in cached)  # maintenance's times are checked too
    assert all(at.tzinfo is UTC for at in times(cached))
    assert all(at.tzinfo is UTC for at in times(parsed))
