"""The status vocabulary: the words a component, an incident, maintenance and an update can be in,
how bad each component status is, and the impact each implies. Everything else reads them here."""

from __future__ import annotations

from typing import Literal

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
Impact = Literal["none", "minor", "major", "critical", "maintenance"]
IMPACTS = ("none", "minor", "major", "critical")

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


def worst_status(statuses: list[ComponentStatus]) -> ComponentStatus:
    """The most severe of `statuses`; operational when there are none."""
    return max(statuses, key=SEVERITY.__getitem__, default="operational")


def derived_impact(statuses: list[ComponentStatus]) -> Impact:
    """Statuspage's impact for an incident from the worst status it declares."""
    return _IMPACT_OF_STATUS[worst_status(statuses)]
