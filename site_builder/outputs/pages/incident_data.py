"""An incident as the templates see it: its labels, its link, its line in a list, its updates."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from checker.incident_model import Incident, IncidentUpdate
from site_builder.i18n.languages import Language
from site_builder.i18n.marker import N_
from site_builder.i18n.site_languages import Words
from site_builder.outputs.markdown import UpdateBody

# In English; each page shows them in its language.
UPDATE_LABELS = {
    "investigating": N_("Investigating"),
    "identified": N_("Identified"),
    "monitoring": N_("Monitoring"),
    "update": N_("Update"),
    "resolved": N_("Resolved"),
    "postmortem": N_("Postmortem"),
    "scheduled": N_("Scheduled"),
    "in_progress": N_("In progress"),
    "verifying": N_("Verifying"),
    "completed": N_("Completed"),
}
IMPACT_LABELS = {
    "none": N_("None"),
    "minor": N_("Minor"),
    "major": N_("Major"),
    "critical": N_("Critical"),
    "maintenance": N_("Maintenance"),
}


def incident_href(incident: Incident) -> str:
    return f"incidents/{incident.slug}/index.html"


def incident_start(incident: Incident) -> datetime:
    return incident.scheduled_for if incident.scheduled_for is not None else incident.created_at


def resolved(incident: Incident, now: datetime) -> datetime | None:
    """When the incident was resolved, if it was by `now` (a file may hold updates dated later)."""
    end = incident.resolved_at()
    return end if end is not None and end <= now else None


def update_data(update: IncidentUpdate, language: Language, body: tuple[str, str | None]) -> dict[str, Any]:
    """An update as the templates show it; `body` is its text in the page's language and, when
    that is the original's, the original's language."""
    return {
        "label": language.gettext(UPDATE_LABELS[update.status]),
        "at": update.at,
        "html": UpdateBody(body[0]),
        "lang": body[1],
    }


def incident_item(
    incident: Incident, now: datetime, start: datetime, language: Language, words: Words
) -> dict[str, Any]:
    """An incident as a line in a list; `start` is `incident_start(incident)`, `words` its title
    in the page's language."""
    end = incident.scheduled_until if incident.kind == "maintenance" else resolved(incident, now)
    return {
        "href": incident_href(incident),
        "title": words.title,
        "title_lang": words.title_lang,
        "kind": incident.kind,
        "impact": "maintenance" if incident.kind == "maintenance" else incident.impact,
        "impact_label": language.gettext(IMPACT_LABELS[incident.impact]),
        "status_label": language.gettext(UPDATE_LABELS[incident.status_at(now)]),
        "start": start,
        "end": end,
    }


_MARKUP = re.compile(
    r"!?\[([^\]]*)\]\([^)]*\)"  # a link: its text
    r"|<(?:script|style|iframe)\b.*?</(?:script|style|iframe)\s*>|<[^>]+>"  # HTML
    r"|[*_`#>|~]+|^\s*(?:[-+]|\d+\.)\s+",  # emphasis, lists
    re.MULTILINE | re.DOTALL | re.IGNORECASE,
)


_READ_FOR_TEXT = 4000
"""Of an update's Markdown, the characters its line of plain text is made from. Descriptions show
at most 300, and `_MARKUP` costs the square of the length of a run it cannot match (a megabyte
of `[` took minutes): a bounded prefix keeps it to milliseconds."""


def plain_text(markdown: str) -> str:
    """The start of an update's Markdown as one line of plain text, for a meta description
    (cheap: no render)."""
    text = _MARKUP.sub(lambda m: m.group(1) or " ", markdown[:_READ_FOR_TEXT])
    return " ".join(html.unescape(text).split())


def clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"
