"""What subscribers are told about: one event per incident update and per maintenance stage, and
(for webhooks, as Statuspage sends them) one per change of a component's declared status."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from checker.bundle import Bundle
from checker.ids import stable_id
from checker.incident_model import Incident, IncidentUpdate
from checker.vocabulary import ComponentStatus

EventKind = Literal[
    "incident_created",
    "incident_updated",
    "incident_resolved",
    "maintenance_scheduled",
    "maintenance_reminder",
    "maintenance_started",
    "maintenance_updated",
    "maintenance_completed",
    "component_updated",
]


@dataclass(frozen=True)
class NotificationEvent:
    id: str
    """Stable across builds: derived from the incident and the update (or the maintenance stage)."""
    kind: EventKind
    incident: Incident
    update: IncidentUpdate | None
    """The update this event announces; None for a maintenance stage reached by the clock."""
    at: datetime
    """When it happened (the update's time, or the clock time of the maintenance stage)."""
    component: str | None = None
    """component_updated only: the component whose declared status changed (because of `incident`)."""
    old_status: ComponentStatus | None = None
    new_status: ComponentStatus | None = None

    @property
    def components(self) -> list[str]:
        return [self.component] if self.component else list(self.incident.components)


def notification_events(bundle: Bundle, now: datetime) -> list[NotificationEvent]:
    """Every event that has happened by `now`, oldest first."""
    events: list[NotificationEvent] = []
    remind = bundle.subscribers.maintenance_reminder if bundle.subscribers else None
    for incident in bundle.incidents:
        if incident.kind == "incident":
            events += _incident_events(incident, now)
        else:
            events += _maintenance_events(incident, now)
            if remind:
                events += _reminder(incident, now, remind)
    events += _component_events(bundle, events)
    return sorted(events, key=lambda e: (e.at, e.id))


def _component_events(bundle: Bundle, events: list[NotificationEvent]) -> list[NotificationEvent]:
    """A component_updated event wherever an incident or maintenance event changed the status
    the page declares for one of its components (the worst of everything open at that time)."""
    changes: dict[tuple[str, datetime], NotificationEvent] = {}
    timelines: dict[str, tuple[list[datetime], list[ComponentStatus | None]]] = {}
    for event in events:
        for component in event.incident.components:
            # The declared status changes only at the moments of its timeline: any other event
            # leaves it as it was, and the one before a change holds until just before it.
            if component not in timelines:
                timelines[component] = bundle.declared_timeline(component)
            times, statuses = timelines[component]
            position = bisect.bisect_left(times, event.at)
            if position == len(times) or times[position] != event.at:
                continue
            old = (statuses[position - 1] if position else None) or "operational"
            new = statuses[position] or "operational"
            if old != new and (component, event.at) not in changes:
                event_id = stable_id("notify", "component", component, event.at.isoformat(), new)
                changes[(component, event.at)] = NotificationEvent(
                    event_id,
                    "component_updated",
                    event.incident,
                    None,
                    event.at,
                    component=component,
                    old_status=old,
                    new_status=new,
                )
    return list(changes.values())


def _incident_events(incident: Incident, now: datetime) -> list[NotificationEvent]:
    updates = sorted((u for u in incident.updates if u.at <= now), key=lambda u: u.at)
    events = []
    resolved = False
    incident_id = incident.id  # derived by hashing: once, not once per update
    for index, update in enumerate(updates):
        kind: EventKind = "incident_updated"
        if index == 0:
            kind = "incident_created"
        elif update.status in ("resolved", "postmortem") and not resolved:
            kind = "incident_resolved"
        resolved = resolved or update.status in ("resolved", "postmortem")
        event_id = stable_id("notify", incident_id, update.at.isoformat(), update.status)
        events.append(NotificationEvent(event_id, kind, incident, update, update.at))
    return events


def _maintenance_events(incident: Incident, now: datetime) -> list[NotificationEvent]:
    """Scheduled (when the file appears), started, completed; other updates as updates.

    Started and completed have ids of their own stage, not of the update that says so, so an
    `in_progress` update written after the clock already started the window is not sent twice.
    """
    stage_updates = {"in_progress": "maintenance_started", "completed": "maintenance_completed"}
    first = min((u.at for u in incident.updates), default=now)
    started, ended = incident.started_at(), incident.resolved_at()
    events = []
    if now < started:  # announcing a window that has already begun would be news from the past
        opening = [u for u in incident.updates if u.at == first and u.status not in stage_updates]
        events.append(
            NotificationEvent(
                stable_id("notify", incident.id, "scheduled"),
                "maintenance_scheduled",
                incident,
                opening[0] if opening else None,
                min(first, now),
            )
        )
    for stage, when in (("maintenance_started", started), ("maintenance_completed", ended)):
        if when is not None and when <= now:
            said = [u for u in incident.updates if stage_updates.get(u.status) == stage]
            update = min(said, key=lambda u: u.at) if said else None
            events.append(NotificationEvent(stable_id("notify", incident.id, stage), stage, incident, update, when))  # type: ignore[arg-type]
    for update in incident.updates:
        if update.at <= now and update.status not in stage_updates and update.at > first:
            event_id = stable_id("notify", incident.id, update.at.isoformat(), update.status)
            events.append(NotificationEvent(event_id, "maintenance_updated", incident, update, update.at))
    return events


def _reminder(incident: Incident, now: datetime, before: float) -> list[NotificationEvent]:
    """`before` seconds ahead of a window (each window of a repeating maintenance): one reminder,
    due from then until the window starts (after that it would be news from the past)."""
    started = incident.started_at()
    due = started - timedelta(seconds=before)
    if not due <= now < started:
        return []
    return [
        NotificationEvent(stable_id("notify", incident.id, "reminder"), "maintenance_reminder", incident, None, due)
    ]
