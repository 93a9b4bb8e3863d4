"""An incident's active spans are what the month reports, the statuses the incidents declare and
the notifications are made from: they must say exactly when `is_active_at` is true, in order."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.incident_model import Incident, IncidentUpdate, active_spans
from checker.vocabulary import INCIDENT_UPDATE_STATUSES, MAINTENANCE_UPDATE_STATUSES

T0 = datetime(2026, 11, 1, tzinfo=UTC)
LAST_MINUTE = 900


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


@st.composite
def incidents(draw: st.DrawFn) -> Incident:
    """An incident or a maintenance window with up to eight updates at whole minutes, in any
    order and with ties (several updates in one minute)."""
    kind = draw(st.sampled_from(["incident", "maintenance"]))
    statuses = INCIDENT_UPDATE_STATUSES if kind == "incident" else MAINTENANCE_UPDATE_STATUSES
    steps = draw(
        st.lists(st.tuples(st.integers(0, 600), st.sampled_from(statuses)), min_size=kind == "incident", max_size=8)
    )
    window: tuple[datetime | None, datetime | None] = (None, None)
    if kind == "maintenance":
        start = draw(st.integers(0, 600))
        window = (minutes(start), minutes(start + draw(st.integers(1, 300))))
    return Incident(
        slug="2026-11-01-drawn",
        kind=kind,
        title="Drawn",
        impact="maintenance" if kind == "maintenance" else "major",
        components={"api": "under_maintenance" if kind == "maintenance" else "major_outage"},
        scheduled_for=window[0],
        scheduled_until=window[1],
        updates=[IncidentUpdate(at=minutes(at), status=status, body="") for at, status in steps],
        file="incidents/2026-11-01-drawn.md",
    )


@settings(max_examples=400, deadline=None)
@given(incidents())
def test_active_spans_say_exactly_when_an_incident_is_active(incident: Incident) -> None:
    spans = active_spans(incident)

    for (start, end), (later, _) in itertools.pairwise(spans):
        assert end is not None and start < end < later  # in order, apart, only the last open
    # Activity changes only at whole minutes here: each minute and the half-minute after it.
    for half_minutes in range(-10, 2 * LAST_MINUTE):
        at = minutes(half_minutes / 2)
        inside = any(start <= at and (end is None or at < end) for start, end in spans)
        assert inside == incident.is_active_at(at), at
