"""An incident as the templates see it: its labels, its link, its line in a list, its updates."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from checker.incident_model import Incident, IncidentUpdate
from site_builder.markdown import UpdateBody

UPDATE_LABELS = {
    "investigating": "Investigating", "identified": "Identified", "monitoring": "Monitoring",
    "update": "Update", "resolved": "Resolved", "postmortem": "Postmortem",
    "scheduled": "Scheduled", "in_progress": "In progress", "verifying": "Verifying",
    "completed": "Completed",
}
IMPACT_LABELS = {"none": "None", "minor": "Minor", "major": "Major", "critical": "Critical",
                 "maintenance": "Maintenance"}


def incident_href(incident: Incident) -> str:
    return f"incidents/{incident.slug}/index.html"


def incident_start(incident: Incident) -> datetime:
    return incident.scheduled_for if incident.scheduled_for is not None else incident.created_at


def resolved(incident: Incident, now: datetime) -> datetime | None:
    """When the incident was resolved, if it was by `now` (a file may hold updates dated later)."""
    end = incident.resolved_at()
    return end if end is not None and end <= now else None


def update_data(update: IncidentUpdate) -> dict[str, Any]:
    return {"label": UPDATE_LABELS[update.status], "at": update.at, "html": UpdateBody(update.body)}


def incident_item(incident: Incident, now: datetime, start: datetime) -> dict[str, Any]:
    """An incident as a line in a list; `start` is `incident_start(incident)`."""
    end = incident.scheduled_until if incident.kind == "maintenance" else resolved(incident, now)
    return {
        "href": incident_href(incident),
        "title": incident.title,
        "kind": incident.kind,
        "impact": "maintenance" if incident.kind == "maintenance" else incident.impact,
        "impact_label": IMPACT_LABELS[incident.impact],
        "status_label": UPDATE_LABELS[incident.status_at(now)],
        "start": start,
        "end": end,
    }


_MARKUP = re.compile(r"!?\[([^\]]*)\]\([^)]*\)"                            # a link: its text
                     r"|<(?:script|style|iframe)\b.*?</(?:script|style|iframe)\s*>|<[^>]+>"  # HTML
                     r"|[*_`#>|~]+|^\s*(?:[-+]|\d+\.)\s+",                     # emphasis, lists
                     re.MULTILINE | re.DOTALL | re.IGNORECASE)


def plain_text(markdown: str) -> str:
    """An update's Markdown as one line of plain text, for a meta description (cheap: no render)."""
    text = _MARKUP.sub(lambda m: m.group(1) or " ", markdown)
    return " ".join(html.unescape(text).split())


def clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"
