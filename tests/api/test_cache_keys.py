"""Every cache key covers everything its file's bytes depend on: two moments (or two bundles) that
give a file the same key give it the same bytes. And the values an incident remembers about itself
(its times, its digest) are never those of another incident, a copy included."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.bundle import Bundle
from checker.incident_model import Incident, IncidentUpdate
from checker.summary import Summary
from checker.vocabulary import UpdateStatus
from site_builder.builder.site import _plan
from site_builder.content.site import compile_bundle
from site_builder.outputs import planned


def with_update(bundle: Bundle, slug: str, at: datetime, status: UpdateStatus) -> Bundle:
    update = IncidentUpdate(at=at, status=status, body=f"Posted at {at:%H:%M}.")
    incidents = [
        i.model_copy(update={"updates": [update, *i.updates]}) if i.slug == slug else i for i in bundle.incidents
    ]
    return bundle.model_copy(update={"incidents": incidents})


def moments(bundle: Bundle) -> list[datetime]:
    """The moments at which something changes on the fixture site, and a minute either side."""
    edges: set[datetime] = set()
    for incident in bundle.incidents:
        edges.update(u.at for u in incident.updates)
        edges.update(t for t in (incident.scheduled_for, incident.scheduled_until) if t is not None)
    return sorted({edge + timedelta(minutes=shift) for edge in edges for shift in (-1, 0, 1)})


_START = datetime(2026, 10, 25, tzinfo=UTC)
FIXTURES = Path(__file__).parent.parent / "fixtures" / "api"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
"""The fixtures' `now` (see conftest.py)."""


@functools.cache
def fixture_site() -> tuple[Bundle, Summary]:
    """The fixture site of conftest.py and its summary."""
    return (compile_bundle(FIXTURES / "site"), Summary.model_validate_json((FIXTURES / "summary.json").read_bytes()))


# A moment: an edge of the fixture's timeline (an index into `moments`), or any minute of six
# weeks around it.
MOMENT = st.one_of(
    st.tuples(st.just("edge"), st.integers(0, 10_000)), st.tuples(st.just("minute"), st.integers(0, 46 * 24 * 60))
)


def moment(bundle: Bundle, drawn: tuple[str, int]) -> datetime:
    kind, number = drawn
    if kind == "edge":
        edges = moments(bundle)
        return edges[number % len(edges)]
    return _START + timedelta(minutes=number)


def keyed_files(bundle: Bundle, summary: Summary, now: datetime) -> dict[str, tuple[str, bytes]]:
    """Site path -> (key, bytes) of every file that has a key."""
    items, _ = _plan(bundle, summary, now=now, theme=None)
    files = [planned(item) for item in items]
    return {file.path: (file.key, file.render()) for file in files if file.key is not None}


@settings(max_examples=40, deadline=None)
@given(
    variants=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    first=MOMENT,
    second=st.one_of(st.sampled_from([0, 30]), MOMENT),
)
def test_equal_keys_give_equal_bytes_at_any_two_moments(
    variants: tuple[int, int], first: tuple[str, int], second: int | tuple[str, int]
) -> None:
    """Updates written ahead of time, maintenance windows opening and closing, incidents resolving
    or renamed: whatever moved between two builds, a file whose key did not move has the same
    bytes. The second moment is often the first or half an hour later, where builds share most keys."""
    bundle, summary = fixture_site()  # not fixtures: hypothesis would print them with each example
    ahead = with_update(bundle, "2026-11-22-database-down", NOW + timedelta(hours=1), "resolved")
    renamed = bundle.model_copy(
        update={
            "incidents": [  # content changes, no date moves
                i.model_copy(update={"title": f"{i.title}, renamed"}) for i in bundle.incidents
            ]
        }
    )
    bundles = (bundle, ahead, renamed)
    first_at = moment(bundle, first)
    second_at = first_at + timedelta(minutes=second) if isinstance(second, int) else moment(bundle, second)
    before = keyed_files(bundles[variants[0]], summary, first_at)
    after = keyed_files(bundles[variants[1]], summary, second_at)
    for path, (key, content) in before.items():
        if path in after and after[path][0] == key:
            assert after[path][1] == content, (path, variants, first_at, second_at)


def test_a_new_moment_changes_the_keys_of_the_files_it_changes(bundle: Bundle, summary: Summary, now: datetime) -> None:
    """The other half: the keys are not so coarse that a file changes under an unchanged key,
    checked here where it matters most, when a maintenance window closes by the clock alone."""
    during = keyed_files(bundle, summary, now)
    after = keyed_files(bundle, summary, now + timedelta(hours=2))
    for path in ("maintenance.ics", "incidents/2026-11-22-web-upgrade/index.html"):
        assert during[path][1] != after[path][1]
        assert during[path][0] != after[path][0]


def _times(incident: Incident) -> tuple[datetime, datetime, datetime | None, datetime]:
    """What `Incident` remembers, worked out from scratch."""
    created = min((u.at for u in incident.updates), default=incident.scheduled_for)
    assert created is not None
    updated = max((u.at for u in incident.updates), default=created)
    if incident.kind == "maintenance":
        assert incident.scheduled_for is not None and incident.scheduled_until is not None
        resolved: datetime | None = min(
            [*(u.at for u in incident.updates if u.status == "completed"), incident.scheduled_until]
        )
        started = min([*(u.at for u in incident.updates if u.status == "in_progress"), incident.scheduled_for])
    else:
        resolved = min((u.at for u in incident.updates if u.status in ("resolved", "postmortem")), default=None)
        started = created
    return created, updated, resolved, started


def _remembered(incident: Incident) -> tuple[datetime, datetime, datetime | None, datetime]:
    return incident.created_at, incident.updated_at, incident.resolved_at(), incident.started_at()


def test_an_incident_remembers_its_times_but_a_copy_does_not_reuse_them(bundle: Bundle, now: datetime) -> None:
    for incident in bundle.incidents:
        assert _remembered(incident) == _times(incident)
        earlier = IncidentUpdate(
            at=datetime(2026, 1, 1, tzinfo=UTC),
            status="completed" if incident.kind == "maintenance" else "resolved",
            body="Early.",
        )
        copy = incident.model_copy(update={"updates": [*incident.updates, earlier]})
        assert _remembered(copy) == _times(copy) != _times(incident)
        assert _remembered(incident) == _times(incident)
        if incident.kind == "maintenance":
            assert incident.scheduled_until is not None
            moved = incident.model_copy(update={"scheduled_until": incident.scheduled_until + timedelta(days=1)})
            assert _remembered(moved) == _times(moved)


def test_an_incident_digest_changes_with_any_field_even_in_a_copy(bundle: Bundle) -> None:
    incident = bundle.incidents[0]
    digest = incident.digest
    assert Incident.model_validate_json(incident.model_dump_json()).digest == digest
    changes: list[dict[str, object]] = [
        {"title": "Renamed"},
        {"impact": "none"},
        {"components": {}},
        {"updates": incident.updates[1:]},
        {"file": "incidents/elsewhere.md"},
    ]
    for change in changes:
        assert incident.model_copy(update=change).digest != digest, change
    assert incident.digest == digest
