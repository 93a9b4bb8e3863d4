"""Incidents and maintenance as the bundle holds them: their updates, and their status, times and
activity at any moment, which every output and notification reads from here."""

from __future__ import annotations

import bisect
import hashlib
import operator
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field, model_validator

from checker.ids import stable_id
from checker.strict_model import StrictModel, UtcTime
from checker.vocabulary import (
    ACTIVE_MAINTENANCE_STATUSES,
    OPEN_INCIDENT_STATUSES,
    ComponentStatus,
    Impact,
    IncidentStatus,
    MaintenanceStatus,
    UpdateStatus,
)

_MAINTENANCE_STAGE = {"scheduled": 0, "in_progress": 1, "verifying": 2, "completed": 3}


class IncidentUpdate(StrictModel):
    at: UtcTime
    """When the update was posted (UTC)."""
    status: UpdateStatus
    """The status word of its heading; `update` keeps the previous status."""
    body: str
    """The Markdown as written; the site renders and sanitises it when it builds a page."""

    @model_validator(mode="before")
    @classmethod
    def _without_rendered_html(cls, data: Any) -> Any:
        # Bundles compiled before rendering moved to build time carry each body's HTML too; the
        # builder renders the body again, so such a bundle still loads.
        if isinstance(data, dict) and "html" in data:
            return {key: value for key, value in data.items() if key != "html"}
        return data


class Repeat(StrictModel):
    """How a maintenance window repeats, as the bundle keeps it (see checker.recurrence)."""

    rule: str
    """An RFC 5545 rule with its own end if it has one, e.g. `FREQ=WEEKLY;INTERVAL=2;COUNT=6`."""
    skipped: list[date] = Field(default_factory=list)
    """Dates whose window does not take place."""


class Incident(StrictModel):
    slug: str
    """`<YYYY-MM-DD>-<name>` from the file name; the permanent URL."""
    kind: Literal["incident", "maintenance"]
    """An unplanned incident, or scheduled maintenance."""
    title: str
    """The headline."""
    impact: Impact
    """As given in the file, or derived from the worst component status."""
    components: dict[str, ComponentStatus]
    """Component id -> its status while this is open (in progress, for maintenance)."""
    scheduled_for: UtcTime | None = None
    """Maintenance only: when the window starts."""
    scheduled_until: UtcTime | None = None
    """Maintenance only: when the window ends."""
    updates: list[IncidentUpdate]
    """Newest first."""
    file: str
    """Source file, relative to the site's root."""
    repeat: Repeat | None = Field(default=None, exclude_if=lambda value: value is None)
    """Maintenance only: how its window repeats (checker.recurrence); on the file's own window."""
    series: str | None = Field(default=None, exclude_if=lambda value: value is None)
    """For every window of a repeating maintenance: the slug of the file's own window."""

    @property
    def id(self) -> str:
        return stable_id("incident", self.slug)

    @property
    def created_at(self) -> datetime:
        return self._times()[0]

    @property
    def updated_at(self) -> datetime:
        return self._times()[1]

    @property
    def digest(self) -> str:
        """SHA-256 of everything the incident holds (its JSON), made once per incident object:
        outputs put it in their cache keys, and a site has thousands of incidents."""
        fields = self._field_values()
        cached = self.__dict__.get("_digest")
        if cached is not None and _same(cached[0], fields):
            return cached[1]  # type: ignore[no-any-return]
        digest = hashlib.sha256(self.model_dump_json().encode()).hexdigest()
        self.__dict__["_digest"] = (fields, digest)  # not a field: frozen is fine
        return digest

    def _field_values(self) -> tuple[object, ...]:
        return tuple(self.__dict__[name] for name in type(self).model_fields)

    def _times(self) -> tuple[datetime, datetime, datetime | None, datetime]:
        """(created, updated, resolved, started), made once for these updates and this window:
        every output asks for them, some once per incident per component. Kept with the values
        they were made from, as `_said` is, so a copy with other updates or another window (for
        instance through `model_copy`, which copies the cache) does not reuse them."""
        cached = self.__dict__.get("_times_index")
        if (
            cached is not None
            and cached[0] is self.updates
            and cached[1] is self.kind
            and cached[2] is self.scheduled_for
            and cached[3] is self.scheduled_until
        ):
            return cached[4]  # type: ignore[no-any-return]
        times = [u.at for u in self.updates]
        if times:
            created = min(times)
        else:
            assert self.scheduled_for is not None  # an incident always has an update
            created = self.scheduled_for
        updated = max(times, default=created)
        if self.kind == "maintenance":
            assert self.scheduled_for is not None and self.scheduled_until is not None
            resolved: datetime | None = min(
                [*(u.at for u in self.updates if u.status == "completed"), self.scheduled_until]
            )
            started = min([*(u.at for u in self.updates if u.status == "in_progress"), self.scheduled_for])
        else:
            resolved = min((u.at for u in self.updates if u.status in ("resolved", "postmortem")), default=None)
            started = created
        result = (created, updated, resolved, started)
        # Not a field: frozen is fine.
        self.__dict__["_times_index"] = (self.updates, self.kind, self.scheduled_for, self.scheduled_until, result)
        return result

    def _said(self) -> tuple[list[datetime], list[UpdateStatus]]:
        """Times and statuses of the updates that set a status, oldest first; of updates posted at
        the same moment, the one listed first wins. Kept with the list it was built from: the API
        asks `status_at` for every update, which must not cost O(updates) each time (an incident
        may have thousands), and a copy with other updates must not reuse it."""
        cached = self.__dict__.get("_said_index")
        if cached is not None and cached[0] is self.updates:
            return cached[1], cached[2]
        ordered = sorted(
            ((u.at, -index, u.status) for index, u in enumerate(self.updates) if u.status != "update"),
            key=lambda item: (item[0], item[1]),
        )
        times = [at for at, _, _ in ordered]
        statuses: list[UpdateStatus] = [status for _, _, status in ordered]
        self.__dict__["_said_index"] = (self.updates, times, statuses)  # not a field: frozen is fine
        return times, statuses

    def status_at(self, when: datetime) -> IncidentStatus | MaintenanceStatus:
        """The incident's status at `when`, from its updates (and, for maintenance, the clock)."""
        times, statuses = self._said()
        position = bisect.bisect_right(times, when)
        latest = statuses[position - 1] if position else None
        if self.kind == "incident":
            return latest or "investigating"  # type: ignore[return-value]
        assert self.scheduled_for is not None and self.scheduled_until is not None
        if when < self.scheduled_for:
            clock: MaintenanceStatus = "scheduled"
        elif when < self.scheduled_until:
            clock = "in_progress"
        else:
            clock = "completed"
        # Updates can only move maintenance forward (started early, verifying, completed early).
        if latest in _MAINTENANCE_STAGE and _MAINTENANCE_STAGE[latest] > _MAINTENANCE_STAGE[clock]:
            return latest  # type: ignore[return-value]
        return clock

    def is_active_at(self, when: datetime) -> bool:
        """True while it affects component status: open incident, or maintenance in progress."""
        if self.kind == "incident":
            return self.created_at <= when and self.status_at(when) in OPEN_INCIDENT_STATUSES
        return self.status_at(when) in ACTIVE_MAINTENANCE_STATUSES

    def resolved_at(self) -> datetime | None:
        """When it stopped affecting components (first resolved/completed), if it has."""
        return self._times()[2]

    def started_at(self) -> datetime:
        return self._times()[3]


def models_of(incidents: Iterable[Incident]) -> Iterator[StrictModel]:
    """Every model object the incidents are made of: each incident, its updates and its repeat rule."""
    for incident in incidents:
        yield incident
        yield from incident.updates
        if incident.repeat is not None:
            yield incident.repeat


def _same(old: tuple[object, ...], new: tuple[object, ...]) -> bool:
    """True when each value is the very object it was (not merely equal): what a cache kept on
    a model was made from."""
    return len(old) == len(new) and all(map(operator.is_, old, new))


def active_spans(incident: Incident) -> list[tuple[datetime, datetime | None]]:
    """The [start, end) spans in which `incident.is_active_at` is true (end None: still active).

    Its status changes only at an update's time, or for maintenance at the window's edges, so the
    state at each such moment holds until the next one. Evaluated as `is_active_at` does, with
    the start of an incident (its first update) known here instead of searched for each time.
    Kept on the incident with what it was made from (month reports ask for every component and
    month), so a copy with other updates or another window never reuses it."""
    made_from = (incident.updates, incident.kind, incident.scheduled_for, incident.scheduled_until)
    cached = incident.__dict__.get("_active_spans")
    if cached is not None and _same(cached[0], made_from):
        return list(cached[1])
    spans = _spans(incident)
    incident.__dict__["_active_spans"] = (made_from, tuple(spans))  # not a field: frozen is fine
    return spans


def _spans(incident: Incident) -> list[tuple[datetime, datetime | None]]:
    moments = {u.at for u in incident.updates}
    active: tuple[str, ...]
    if incident.kind == "maintenance":
        assert incident.scheduled_for is not None and incident.scheduled_until is not None
        moments |= {incident.scheduled_for, incident.scheduled_until}
        active = ACTIVE_MAINTENANCE_STATUSES
    else:
        active = OPEN_INCIDENT_STATUSES
    spans: list[tuple[datetime, datetime | None]] = []
    start: datetime | None = None
    for moment in sorted(moments):
        if (incident.status_at(moment) in active) == (start is not None):
            continue
        if start is None:
            start = moment
        else:
            spans.append((start, moment))
            start = None
    if start is not None:
        spans.append((start, None))
    return spans
