"""The status vocabulary: the words a component, an incident, maintenance and an update can be in,
how bad each component status is, the impact each implies, and how each is named, coloured and
counted as downtime. Everything else reads them here."""

from __future__ import annotations

from typing import Literal, get_args

ComponentStatus = Literal["operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"]
COMPONENT_STATUSES: tuple[ComponentStatus, ...] = (
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
)
IncidentStatus = Literal["investigating", "identified", "monitoring", "resolved", "postmortem"]
MaintenanceStatus = Literal["scheduled", "in_progress", "verifying", "completed"]
MAINTENANCE_STATUSES: tuple[MaintenanceStatus, ...] = get_args(MaintenanceStatus)
UpdateStatus = Literal[
    "investigating",
    "identified",
    "monitoring",
    "update",
    "resolved",
    "postmortem",
    "scheduled",
    "in_progress",
    "verifying",
    "completed",
]
INCIDENT_UPDATE_STATUSES = ("investigating", "identified", "monitoring", "update", "resolved", "postmortem")
MAINTENANCE_UPDATE_STATUSES = ("scheduled", "in_progress", "verifying", "completed", "update")
OPEN_INCIDENT_STATUSES: tuple[IncidentStatus, ...] = ("investigating", "identified", "monitoring")
"""An incident in these is unresolved: the components it declares are in the status it gives them."""
ACTIVE_MAINTENANCE_STATUSES: tuple[MaintenanceStatus, ...] = ("in_progress", "verifying")
"""Maintenance in these is under way: the components it declares are in the status it gives them."""
OPEN_STATUSES: tuple[IncidentStatus | MaintenanceStatus, ...] = OPEN_INCIDENT_STATUSES + ACTIVE_MAINTENANCE_STATUSES
"""An incident or maintenance in these affects the components it declares."""
Impact = Literal["none", "minor", "major", "critical", "maintenance"]
IncidentImpact = Literal["none", "minor", "major", "critical"]
"""The impacts an incident can have (`maintenance` is for maintenance only)."""
IMPACTS = ("none", "minor", "major", "critical")
IMPACT_RANK: dict[str, int] = {impact: rank for rank, impact in enumerate(IMPACTS)}
"""How bad each incident impact is, `none` lowest."""

# How bad each component status is, for "worst of" decisions. Maintenance ranks below outages:
# an outage during a maintenance window is still shown as an outage.
SEVERITY: dict[str, int] = {
    "operational": 0,
    "under_maintenance": 1,
    "degraded_performance": 2,
    "partial_outage": 3,
    "major_outage": 4,
}
_IMPACT_OF_STATUS: dict[str, Impact] = {
    "operational": "none",
    "under_maintenance": "none",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}


OUTAGE_STATUSES: tuple[ComponentStatus, ...] = ("partial_outage", "major_outage")
"""Statuses that are outages (a component is down, not merely slow)."""
DOWNTIME_STATUSES: tuple[ComponentStatus, ...] = ("major_outage", "partial_outage", "degraded_performance")
"""Statuses a measured stretch can count as downtime in (by `checker.downtime_weights`), worst first."""
FAILING_STATUSES: frozenset[ComponentStatus] = frozenset(DOWNTIME_STATUSES)
"""Statuses in which a component is failing its users (whatever weight its downtime has)."""

Indicator = Literal["none", "minor", "major", "critical", "maintenance"]
"""Statuspage's `indicator`: how bad the page, or a component, is."""
INDICATOR_OF_STATUS: dict[ComponentStatus, Indicator] = {
    "operational": "none",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
    "under_maintenance": "maintenance",
}
STATUS_OF_INDICATOR: dict[Indicator, ComponentStatus] = {
    indicator: status for status, indicator in INDICATOR_OF_STATUS.items()
}
"""The component status that stands for an indicator (the page banner's icon)."""

DEFAULT_DOWNTIME_WEIGHTS: dict[ComponentStatus, float] = {
    "major_outage": 1.0,
    "partial_outage": 0.3,
    "degraded_performance": 0.0,
}
"""Share of the time in each status that counts as downtime where `checker.downtime_weights`
does not say otherwise; the other statuses count none."""

STATUS_LABELS: dict[ComponentStatus, str] = {
    "operational": "Operational",
    "degraded_performance": "Degraded Performance",
    "partial_outage": "Partial Outage",
    "major_outage": "Major Outage",
    "under_maintenance": "Under Maintenance",
}
"""Each status's name in English, as the JSON API and the English pages show it; the pages
translate it (the catalogs find it through `site_builder.outputs.view`), and alerts to the on-call
team say it in lower case, mid-sentence."""

# Two palettes, because the colour is used in two ways.
STATUS_COLOURS: dict[ComponentStatus, str] = {
    "operational": "#1a7f37",
    "degraded_performance": "#9a6700",
    "partial_outage": "#bc4c00",
    "major_outage": "#cf222e",
    "under_maintenance": "#0969da",
}
"""Each status's colour on the site (the banner, favicons, link previews, badges): a background
under white text, dark enough for WCAG AA contrast (4.5:1). templates/static/style.css gives the
page the same colours, where a site's own stylesheet can override them."""
DISCORD_COLOURS: dict[ComponentStatus, int] = {
    "operational": 0x2E7D32,
    "degraded_performance": 0xF9A825,
    "partial_outage": 0xEF6C00,
    "major_outage": 0xC62828,
    "under_maintenance": 0x1565C0,
}
"""Each status's colour in a Discord alert (decimal RGB, as Discord wants them): only the embed's
side bar, beside the text rather than under it, so brighter, to stand out in Discord's dark theme."""


def worst_status(statuses: list[ComponentStatus]) -> ComponentStatus:
    """The most severe of `statuses`; operational when there are none."""
    return max(statuses, key=SEVERITY.__getitem__, default="operational")


def derived_impact(statuses: list[ComponentStatus]) -> Impact:
    """Statuspage's impact for an incident from the worst status it declares."""
    return _IMPACT_OF_STATUS[worst_status(statuses)]
