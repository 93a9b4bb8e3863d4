"""What every output (API, feeds, calendar) shows of incidents alike: addresses, updates due, changes, cache keys."""

from __future__ import annotations

from datetime import datetime

from checker.incident_model import Incident, IncidentUpdate
from site_builder.outputs.view import SiteView


def incident_state(incident: Incident, now: datetime) -> str:
    """Everything about `incident` that an output shows at `now`: its whole content, plus what the
    clock decides (which updates are published yet, its status, whether it is resolved).

    Two moments with the same state give the same bytes for the incident, so this is the
    incident's part of a cache key. Its content enters as the digest of its JSON (`Incident.digest`,
    made once per incident however many files show it).
    """
    resolved = incident.resolved_at()
    due = "".join("1" if u.at <= now else "0" for u in incident.updates)
    closed = resolved is not None and resolved <= now
    return f"{incident.digest}\0{incident.status_at(now)}\0{due}\0{closed}"


def incident_url(view: SiteView, incident: Incident, prefix: str = "") -> str:
    """The permanent public address of an incident's page (Statuspage's `shortlink`); with a
    language's `prefix` (`de/`), of its page in that language."""
    return f"{view.bundle.site.url}/{prefix}incidents/{incident.slug}/"


def page_updated_at(view: SiteView) -> datetime:
    """When something the page shows last changed: an incident update, a maintenance window opening
    or closing, or a measured status change.

    Not the checker's last run: that moves every minute and would make every file of the API
    (one per incident) differ on each build, so each publish would upload all of them again.
    """
    changes = [u.at for i in view.bundle.incidents for u in i.updates if u.at <= view.now]
    # Maintenance also starts and ends by the clock, without an update.
    for item in view.bundle.incidents:
        if item.kind == "maintenance":
            ends = item.resolved_at()
            changes += [t for t in (item.started_at(), ends) if t is not None and t <= view.now]
    changes += [
        c.measured.status_since
        for c in view.components
        if c.measured is not None and c.measured.status_since is not None and c.measured.status_since <= view.now
    ]
    return max(changes, default=view.updated_at)


def changes(incident: Incident, now: datetime) -> list[datetime]:
    """The moments by `now` at which this incident or maintenance changed, oldest first: its
    published updates and, for maintenance, the start and end of the window, which move it
    without an update (a maintenance file may have no update at all)."""
    moments = {u.at for u in incident.updates if u.at <= now}
    if incident.kind == "maintenance":
        moments.update(t for t in (incident.started_at(), incident.resolved_at()) if t is not None and t <= now)
    return sorted(moments)


def published_updates(incident: Incident, now: datetime) -> list[IncidentUpdate]:
    """Updates due by `now`, newest first: a file may hold updates written ahead of time."""
    return sorted((u for u in incident.updates if u.at <= now), key=lambda u: u.at, reverse=True)
