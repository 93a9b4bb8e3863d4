"""One typed model per published JSON shape: the Statuspage v2 API, our uptime extras, badges.

Field order is the order of Statuspage's own responses (clients that compare bytes or print keys
see the same thing), and every model forbids unknown keys, so the same classes serve as the strict
decoder the tests read the output back with.

The figures inside the extras are modelled in site_builder.outputs.api.figures; the strict base
model and the checked string types every model uses, in site_builder.outputs.api.types.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from checker.vocabulary import (
    IMPACT_RANK,
    ComponentStatus,
    Impact,
    IncidentImpact,
    IncidentStatus,
    Indicator,
    MaintenanceStatus,
)
from site_builder.i18n.marker import N_
from site_builder.outputs.api.figures import ComponentUptime
from site_builder.outputs.api.types import ApiModel, Day, StatuspageId, Timestamp

# --- Statuspage v2 -------------------------------------------------------------------------------


class Page(ApiModel):
    """`page`: the head of every Statuspage v2 response."""

    id: StatuspageId
    """The page's id, derived from its public URL."""
    name: str
    """The site name from `statuspage.yaml`."""
    url: str
    """Public address of the status page."""
    time_zone: str
    """IANA zone of the page; every timestamp in the response is written in it."""
    updated_at: Timestamp
    """When anything on the page last changed (latest check or incident update)."""


class Status(ApiModel):
    """`status`: the overall indicator and its wording."""

    indicator: Indicator
    """none, minor, major, critical, or maintenance."""
    description: str
    """Statuspage's words for the page's state, e.g. "All Systems Operational"."""

    @classmethod
    def of_page(
        cls, components: Sequence[ComponentStatus], open_incident_impacts: Sequence[str], maintenance_in_progress: bool
    ) -> Status:
        """Statuspage's top-level status, from the statuses of the page's components (groups left
        out: they only repeat their children) and, when every component is operational, the
        impacts of its unresolved incidents. The rule, with the sources it follows, is in
        docs/api.md ("status")."""
        count = len(components)
        for status, every, some, fewest in _COMPONENT_RULES:
            matching = sum(1 for c in components if c == status)
            if matching:
                return every if matching == count >= fewest else some
        impact = max((IMPACT_RANK.get(i, 0) for i in open_incident_impacts), default=0)
        if impact:
            return _INCIDENT_STATUS[impact]
        if maintenance_in_progress or "under_maintenance" in components:
            return cls(indicator="maintenance", description=N_("Service Under Maintenance"))
        return cls(indicator="none", description=N_("All Systems Operational"))


# Statuspage's words, in English in the API; the pages show them in their language.
_MAJOR_SYSTEM_OUTAGE = Status(indicator="critical", description=N_("Major System Outage"))
_PARTIAL_SYSTEM_OUTAGE = Status(indicator="major", description=N_("Partial System Outage"))
_MINOR_SERVICE_OUTAGE = Status(indicator="minor", description=N_("Minor Service Outage"))
_COMPONENT_RULES: tuple[tuple[ComponentStatus, Status, Status, int], ...] = (
    # worst status present: the page's status when every component is in it (and the page has at
    # least that many components), and when only some are
    ("major_outage", _MAJOR_SYSTEM_OUTAGE, _PARTIAL_SYSTEM_OUTAGE, 1),
    ("partial_outage", _PARTIAL_SYSTEM_OUTAGE, _MINOR_SERVICE_OUTAGE, 1),
    # A page of one degraded component reads "Partially Degraded Service".
    (
        "degraded_performance",
        Status(indicator="minor", description=N_("Degraded System Service")),
        Status(indicator="minor", description=N_("Partially Degraded Service")),
        2,
    ),
)
"""The top-level status while any component is degraded or out, checked worst first."""
_INCIDENT_STATUS = {1: _MINOR_SERVICE_OUTAGE, 2: _PARTIAL_SYSTEM_OUTAGE, 3: _MAJOR_SYSTEM_OUTAGE}
"""The top-level status of an unresolved incident on a page whose components are all operational."""


class _ComponentFields(ApiModel):
    """The fields components and groups share, in Statuspage's order."""

    id: StatuspageId
    """Stable id of the component (or of the group, derived from its name)."""
    name: str
    """Shown name."""
    status: ComponentStatus
    """Effective status; a group has its worst child's."""
    created_at: Timestamp
    """Earliest time the site knows of this component."""
    updated_at: Timestamp
    """When its status last changed, as far as the site knows."""
    position: int
    """1-based order within its group, or among top-level entries."""
    description: str | None
    """The one-line description, or null."""
    showcase: bool
    """True when the page shows its uptime bars (it has a check)."""
    start_date: Day | None
    """Always null: the site does not record when a component was started."""
    group_id: StatuspageId | None
    """Id of the group it belongs to, or null."""
    page_id: StatuspageId
    """The page's id."""
    group: bool
    """True for a component group."""
    only_show_if_degraded: bool
    """Always false: every component is shown."""


class Component(_ComponentFields):
    """One component, as in `components.json`."""

    group: Literal[False]
    """Always false for a component."""


class ComponentGroup(_ComponentFields):
    """A component group: `group: true` and its children's ids."""

    group: Literal[True]
    """Always true for a group."""
    components: list[StatuspageId]
    """Ids of the group's components, in position order."""


class AffectedComponent(ApiModel):
    """One component an incident update touched, with its status before and after."""

    code: StatuspageId
    """The component's id."""
    name: str
    """`Group - Name` for a grouped component, else its name."""
    old_status: ComponentStatus
    """What this incident declared for it just before the update."""
    new_status: ComponentStatus
    """What this incident declares for it after the update."""


class IncidentUpdate(ApiModel):
    """One update of an incident or maintenance, newest first in `incident_updates`."""

    id: StatuspageId
    """Stable id derived from the incident's slug and the update's time."""
    status: IncidentStatus | MaintenanceStatus
    """The incident's status after this update (an `update` heading keeps the previous one)."""
    body: str
    """The update's text, without markup."""
    incident_id: StatuspageId
    """The incident's id."""
    created_at: Timestamp
    """When the update was posted."""
    updated_at: Timestamp
    """Same as created_at: updates are not edited after the fact."""
    display_at: Timestamp
    """Same as created_at."""
    affected_components: list[AffectedComponent]
    """Components of the incident with their status before and after this update."""
    deliver_notifications: bool
    """Always true: subscribers are told of every update."""
    custom_tweet: None
    """Always null."""
    tweet_id: None
    """Always null."""


class Incident(ApiModel):
    """An unplanned incident, as in `incidents.json`."""

    id: StatuspageId
    """Stable id derived from the file's slug."""
    name: str
    """The headline."""
    status: IncidentStatus
    """Status at build time."""
    created_at: Timestamp
    """Time of the first update."""
    updated_at: Timestamp
    """Time of the latest published update."""
    monitoring_at: Timestamp | None
    """Time of the first `monitoring` update, or null."""
    resolved_at: Timestamp | None
    """Time of the first `resolved` (or postmortem) update, or null while open."""
    impact: IncidentImpact
    """As given in the file, or derived from the worst component status it declares."""
    shortlink: str
    """The incident's page on this site."""
    started_at: Timestamp
    """When the incident started (its first update)."""
    page_id: StatuspageId
    """The page's id."""
    incident_updates: list[IncidentUpdate]
    """Published updates, newest first."""
    components: list[Component]
    """The components it affects, in page order, with their current status."""


class ScheduledMaintenance(ApiModel):
    """Planned maintenance, as in `scheduled-maintenances.json`."""

    id: StatuspageId
    """Stable id derived from the file's slug."""
    name: str
    """The headline."""
    status: MaintenanceStatus
    """scheduled → in_progress → (verifying) → completed, by the clock and the updates."""
    created_at: Timestamp
    """Time of the first update (or the window's start when it has none)."""
    updated_at: Timestamp
    """Time of the latest published update."""
    monitoring_at: Timestamp | None
    """Always null for maintenance."""
    resolved_at: Timestamp | None
    """When it completed (early completion or the end of the window), once that has passed."""
    impact: Impact
    """`maintenance` unless the file says otherwise."""
    shortlink: str
    """The maintenance page on this site."""
    started_at: Timestamp
    """Start of the window, or an earlier `in_progress` update."""
    page_id: StatuspageId
    """The page's id."""
    incident_updates: list[IncidentUpdate]
    """Published updates, newest first."""
    components: list[Component]
    """The components it affects, in page order, with their current status."""
    scheduled_for: Timestamp
    """Start of the window."""
    scheduled_until: Timestamp
    """End of the window."""


class StatusResponse(ApiModel):
    """`api/v2/status.json`."""

    page: Page
    status: Status


class ComponentsResponse(ApiModel):
    """`api/v2/components.json`: groups and components, by position."""

    page: Page
    components: list[ComponentGroup | Component]


class IncidentsResponse(ApiModel):
    """`api/v2/incidents.json` (the latest 50) and `incidents/unresolved.json`, newest first."""

    page: Page
    incidents: list[Incident]


class IncidentResponse(ApiModel):
    """`api/v2/incidents/<id>.json`: one incident or maintenance with its whole timeline."""

    page: Page
    incident: Incident | ScheduledMaintenance


class ScheduledMaintenancesResponse(ApiModel):
    """`api/v2/scheduled-maintenances.json` (latest 50), `/upcoming.json`, `/active.json`."""

    page: Page
    scheduled_maintenances: list[ScheduledMaintenance]


class SummaryResponse(ApiModel):
    """`api/v2/summary.json`: components, unresolved incidents, upcoming and active maintenance."""

    page: Page
    components: list[ComponentGroup | Component]
    incidents: list[Incident]
    scheduled_maintenances: list[ScheduledMaintenance]
    status: Status


# --- our extras (not part of Statuspage) ---------------------------------------------------------


class ComponentUptimeResponse(ApiModel):
    """`api/components/<id>.json`."""

    page: Page
    component: ComponentUptime


class UptimeResponse(ApiModel):
    """`api/uptime.json`: every component's measured figures."""

    page: Page
    generated_at: Timestamp | None
    """When the checker last updated its summary; null when there is no data yet."""
    components: list[ComponentUptime]


class ShieldsEndpoint(ApiModel):
    """A shields.io endpoint badge (`badges/<id>/<name>.json`)."""

    schemaVersion: Literal[1]
    """Always 1."""
    label: str
    """Left-hand text."""
    message: str
    """Right-hand text."""
    color: str
    """Colour of the right-hand side (a CSS hex colour)."""
