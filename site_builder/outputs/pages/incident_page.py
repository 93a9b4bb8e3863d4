"""An incident's or maintenance's own page, `incidents/<slug>/`: its updates, components and duration."""

from __future__ import annotations

from typing import Any

from checker.incident_model import Incident
from site_builder.outputs import Deferred
from site_builder.outputs.pages.base import Pages
from site_builder.outputs.pages.formatting import format_duration, month_key, month_label
from site_builder.outputs.pages.incident_data import (
    IMPACT_LABELS,
    UPDATE_LABELS,
    clip,
    incident_href,
    resolved,
    update_data,
)
from site_builder.view import STATUS_LABELS

_IMPACT_INDICATORS = {"none": "minor", "minor": "minor", "major": "major", "critical": "critical"}


def incident(pages: Pages, incident: Incident) -> Deferred:
    now = pages.view.now
    path = incident_href(incident)
    status = incident.status_at(now)
    data = pages.frame(path, f"{incident.title} · {pages.view.bundle.site.name} Status")
    affected = []
    for component_id, declared in incident.components.items():
        if component_id in pages.components:
            affected.append({"name": pages.components[component_id].component.name,
                             "href": f"components/{component_id}/index.html",
                             "code": declared, "label": STATUS_LABELS[declared]})
    start = incident.started_at()
    end = resolved(incident, now)
    if incident.kind == "maintenance":
        assert incident.scheduled_for is not None and incident.scheduled_until is not None
        duration = format_duration((incident.scheduled_until - incident.scheduled_for).total_seconds())
    elif end is not None:
        duration = f"{format_duration((end - start).total_seconds())} (resolved)"
    else:
        duration = "Ongoing"
    key = month_key(pages.start(incident), pages.clock)
    data.update(
        title=incident.title,
        kind=incident.kind,
        impact="maintenance" if incident.kind == "maintenance" else incident.impact,
        impact_label=IMPACT_LABELS[incident.impact],
        status_label=UPDATE_LABELS[status],
        start=incident.scheduled_for,
        end=incident.scheduled_until,
        started=start,
        resolved=end,
        duration=duration,
        affected=affected,
        updates=[update_data(u) for u in incident.updates if u.at <= now],
        month=key,
        month_label=month_label(key),
        page_description=_incident_description(pages, incident, status, affected),
        og_image=pages.og_image(_incident_indicator(incident, status)),
        og_image_alt=f"{_summary_line(incident)}: {UPDATE_LABELS[status]}",
    )
    return pages.deferred(path, "incident.html", data)


def _incident_description(pages: Pages, incident: Incident, status: str, affected: list[dict[str, Any]]) -> str:
    clock = pages.clock
    names = ", ".join(a["name"] for a in affected)
    if incident.kind == "maintenance" and incident.scheduled_for and incident.scheduled_until:
        window = f"{clock.text(incident.scheduled_for)} \u2013 {clock.text(incident.scheduled_until)}"
        text = (f"Scheduled maintenance ({UPDATE_LABELS[status].lower()})" + (f" on {names}" if names else "")
                + f", {window}.")
    else:
        text = f"{UPDATE_LABELS[status]}: {IMPACT_LABELS[incident.impact].lower()} impact"
        text += f" on {names}." if names else "."
    latest = pages.latest(incident)
    if latest is not None:
        text += f" Latest update: {pages.update_line(latest)}"
    return clip(text, 300)


def _incident_indicator(incident: Incident, status: str) -> str:
    """The status picture of an incident's link preview: its impact while open, green once over."""
    if status in ("resolved", "postmortem", "completed"):
        return "none"
    if incident.kind == "maintenance":
        return "maintenance" if status in ("in_progress", "verifying") else "none"
    return _IMPACT_INDICATORS[incident.impact]


def _summary_line(incident: Incident) -> str:
    kind = "Scheduled maintenance" if incident.kind == "maintenance" else "Incident"
    return f"{kind}: {incident.title}"
