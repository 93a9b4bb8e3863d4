"""`maintenance.ics`: every scheduled maintenance window as an RFC 5545 calendar event.

Subscribers add the file to their calendar once and see each window as it is announced, moved or
completed. UIDs derive from the maintenance's id so a calendar updates an event instead of adding a
copy, and DTSTAMP is the maintenance's last change (an update, or its window opening or closing),
never the build time, so equal content gives equal bytes.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from icalendar import Calendar, Event

from checker.bundle import Incident
from site_builder.markdown import update_text
from site_builder.outputs.api import changes, incident_url, page_updated_at, published_updates
from site_builder.view import SiteView

CALENDAR_PATH = "maintenance.ics"


def render(view: SiteView) -> dict[str, bytes]:
    """`maintenance.ics` with one VEVENT per maintenance, soonest window first."""
    site = view.bundle.site
    calendar = Calendar()
    calendar.add("prodid", "-//statusgen//maintenance calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{site.name} maintenance")
    calendar.add("x-wr-timezone", "UTC")
    host = urlsplit(site.url).hostname or "statusgen"
    maintenance = sorted(view.incidents("maintenance"), key=lambda m: (m.scheduled_for, m.slug))
    for item in maintenance:
        calendar.add_component(_event(view, item, host))
    return {CALENDAR_PATH: calendar.to_ical()}


def _event(view: SiteView, maintenance: Incident, host: str) -> Event:
    assert maintenance.scheduled_for is not None and maintenance.scheduled_until is not None
    # Updates and the window's start and end: maintenance without any update still moves on.
    moments = changes(maintenance, view.now)
    changed = moments[-1] if moments else page_updated_at(view)
    status = maintenance.status_at(view.now)
    event = Event()
    event.add("uid", f"{maintenance.id}@{host}")
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    # Calendars replace an event only when its sequence grows: one step per change.
    event.add("sequence", len(moments))
    event.add("dtstart", maintenance.scheduled_for)
    event.add("dtend", maintenance.scheduled_until)
    event.add("summary", maintenance.title)
    names = [c.component.name for c in view.components if c.id in maintenance.components]
    event.add("description", _description(maintenance, view, status, names))
    event.add("url", incident_url(view, maintenance))
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    if names:
        event.add("categories", names)
    return event


def _description(maintenance: Incident, view: SiteView, status: str, names: list[str]) -> str:
    """Current status, the affected components (`names`), then the updates, newest first."""
    lines = [f"Status: {status.replace('_', ' ')}"]
    if names:
        lines.append("Affected: " + ", ".join(names))
    for update in published_updates(maintenance, view.now):
        when = update.at.strftime("%Y-%m-%d %H:%M UTC")
        lines.append("")
        lines.append(f"{when} - {update.status.replace('_', ' ').capitalize()}")
        lines.append(update_text(update.body))
    return "\n".join(lines)
