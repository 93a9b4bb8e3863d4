"""`maintenance.ics`: every scheduled maintenance window as an RFC 5545 calendar event.

Subscribers add the file to their calendar once and see each window as it is announced, moved or
completed. UIDs derive from the maintenance's id so a calendar updates an event instead of adding a
copy, and DTSTAMP is the maintenance's last change (an update, or its window opening or closing),
never the build time, so equal content gives equal bytes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from checker.incident_model import Incident
from site_builder.i18n.languages import Language, language
from site_builder.outputs import Deferred
from site_builder.outputs.incident_facts import (
    changes,
    incident_state,
    incident_url,
    page_updated_at,
    published_updates,
)
from site_builder.outputs.markdown import update_text
from site_builder.outputs.pages.incident_data import UPDATE_LABELS
from site_builder.outputs.view import SiteView

if TYPE_CHECKING:  # icalendar is imported when the calendar is rendered: a rebuild rarely renders it
    from icalendar import Alarm, Event

CALENDAR_PATH = "maintenance.ics"
REMINDER_SECONDS = 3600.0
"""How long before a window the calendar reminds, unless subscribers are reminded earlier or later."""


def plan(view: SiteView) -> list[Deferred]:
    """`maintenance.ics`, keyed by everything `render` reads: the site's name and address and, for
    each maintenance, its content and state at `now`, its changes so far and its components' names
    (and when one has not changed yet, the page's last change, which then dates it)."""
    reminder = view.bundle.subscribers.maintenance_reminder if view.bundle.subscribers else None
    inputs: list[object] = [view.bundle.site.name, view.bundle.site.url, reminder]
    if view.languages.main != "en":  # its words come from the main language's catalog
        inputs += [view.languages.main, _language(view).catalog.digest]
    for item in _maintenance(view):
        moments = changes(item, view.now)
        inputs += [incident_state(item, view.now), [t.isoformat() for t in moments], _names(view, item)]
        if not moments:
            inputs.append(page_updated_at(view).isoformat())
    key = hashlib.sha256(json.dumps(inputs).encode()).hexdigest()
    return [Deferred(CALENDAR_PATH, key, lambda: render(view)[CALENDAR_PATH])]


def render(view: SiteView) -> dict[str, bytes]:
    """`maintenance.ics` with one VEVENT per maintenance, soonest window first, in the site's main
    language."""
    from icalendar import Calendar

    site = view.bundle.site
    _ = _language(view).gettext
    calendar = Calendar()
    calendar.add("prodid", "-//statusgen//maintenance calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("%(name)s maintenance") % {"name": site.name})
    calendar.add("x-wr-timezone", "UTC")
    host = urlsplit(site.url).hostname or "statusgen"
    for item in _maintenance(view):
        if item.series is not None and item.slug != item.series:
            continue  # a later window of a repeating maintenance: its first one's rule holds it
        calendar.add_component(_event(view, item, host))
    return {CALENDAR_PATH: calendar.to_ical()}


def _language(view: SiteView) -> Language:
    return language(view.languages.main)


def _maintenance(view: SiteView) -> list[Incident]:
    return sorted(view.incidents("maintenance"), key=lambda m: (m.scheduled_for, m.slug))


def _names(view: SiteView, maintenance: Incident) -> list[str]:
    """The names of the components the maintenance affects, in page order."""
    return [c.component.name for c in view.components if c.id in maintenance.components]


def _event(view: SiteView, maintenance: Incident, host: str) -> Event:
    from icalendar import Event

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
    names = _names(view, maintenance)
    event.add("description", _description(maintenance, view, status, names))
    event.add("url", incident_url(view, maintenance))
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    if names:
        event.add("categories", names)
    if maintenance.repeat is not None:
        # One event for the whole series, as calendars expect; the page lists each window.
        from icalendar import vRecur

        event.add("rrule", vRecur.from_ical(maintenance.repeat.rule))
        for day in maintenance.repeat.skipped:
            start = maintenance.scheduled_for
            event.add("exdate", start.replace(year=day.year, month=day.month, day=day.day))
    event.add_component(_alarm(view, maintenance))
    return event


def _alarm(view: SiteView, maintenance: Incident) -> Alarm:
    """A reminder before the window, as long before as subscribers are reminded (1 h unless
    `subscribers.maintenance_reminder` says otherwise)."""
    from icalendar import Alarm

    settings = view.bundle.subscribers
    before = settings.maintenance_reminder if settings and settings.maintenance_reminder else REMINDER_SECONDS
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", _language(view).gettext("%(title)s starts soon") % {"title": maintenance.title})
    alarm.add("trigger", -timedelta(seconds=before))
    return alarm


def _description(maintenance: Incident, view: SiteView, status: str, names: list[str]) -> str:
    """Current status, the affected components (`names`), then the updates, newest first."""
    _ = _language(view).gettext
    lines = [_("Status: %(status)s") % {"status": _(UPDATE_LABELS[status]).lower()}]
    if names:
        lines.append(_("Affected: %(components)s") % {"components": ", ".join(names)})
    for update in published_updates(maintenance, view.now):
        when = update.at.strftime("%Y-%m-%d %H:%M UTC")
        lines.append("")
        lines.append(f"{when} - {_(UPDATE_LABELS[update.status])}")
        lines.append(update_text(update.body))
    return "\n".join(lines)
