"""The view model: what every output (pages, JSON API, feeds, badges) shows, decided once.

Component status = the worst of what the checker measured and what open incidents declare, and
during maintenance what the window and open incidents declare, the measurement aside (as on
Statuspage; `checker.status.shown_status`); group status = worst child; the overall status
follows Statuspage's rule (`api.models.Status.of_page`). Renderers read this and decide nothing
of their own.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Literal

from checker.bundle import Bundle, Component
from checker.ids import stable_id
from checker.incident_model import Incident
from checker.status import shown_status
from checker.summary import ComponentSummary, Summary
from checker.vocabulary import FAILING_STATUSES, STATUS_LABELS, ComponentStatus, Indicator, worst_status
from site_builder.i18n.codes import SUPPORTED
from site_builder.i18n.marker import N_
from site_builder.i18n.site_languages import SiteLanguages
from site_builder.outputs.api.models import Status

# The vocabulary's labels, marked for the catalogs here: the checker never imports site_builder,
# so checker.vocabulary cannot mark them itself (tests/site/test_vocab_labels.py checks each is).
_TRANSLATED_LABELS = (
    N_("Operational"),
    N_("Degraded Performance"),
    N_("Partial Outage"),
    N_("Major Outage"),
    N_("Under Maintenance"),
)
NO_DATA_LABEL = N_("No Data")
RECENT_DAYS = 14
UPCOMING_DAYS = 30


@dataclass(frozen=True)
class ComponentView:
    component: Component
    status: ComponentStatus
    """Effective status: worst of measured, declared by open incidents, and maintenance."""
    no_data: bool
    """The component has a check but the checker has no recent sample for it: say so, and do not
    pretend it is operational (the JSON API, which has no such value, says operational)."""
    measured: ComponentSummary | None
    """The checker's figures (uptime, bars, latency); None before the first run."""
    group_id: str | None
    position: int
    """1-based position within its group (or among top-level entries), as Statuspage numbers them."""
    affected_by: str | None = None
    """The id of a component this one depends on (`depends_on`, directly or not) that is failing
    too, highest up: the root cause of this one's trouble. None when it is fine, or on its own."""

    @property
    def id(self) -> str:
        return self.component.id

    @property
    def statuspage_id(self) -> str:
        return self.component.statuspage_id

    @property
    def label(self) -> str:
        return NO_DATA_LABEL if self.no_data else STATUS_LABELS[self.status]


@dataclass(frozen=True)
class GroupView:
    name: str
    components: list[ComponentView]
    position: int

    @property
    def statuspage_id(self) -> str:
        return stable_id("group", self.name)

    @property
    def status(self) -> ComponentStatus:
        return worst_status([c.status for c in self.components])

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class SiteView:
    bundle: Bundle
    summary: Summary | None
    now: datetime
    components: list[ComponentView]
    """In configuration order."""
    layout: list[GroupView | ComponentView]
    """Top-level entries in display order: groups (first-seen order) and ungrouped components."""
    status: Status
    """The page's overall status, by Statuspage's rule: the banner, status.json and messages show it."""
    active_incidents: list[Incident] = field(default_factory=list)
    """Unresolved incidents, newest first."""
    active_maintenance: list[Incident] = field(default_factory=list)
    """Maintenance in progress or verifying, soonest first."""
    upcoming_maintenance: list[Incident] = field(default_factory=list)
    """Scheduled maintenance that has not started, soonest first."""
    languages: SiteLanguages = field(default_factory=SiteLanguages)
    """The languages the pages and feeds are built in, with the incidents' translations."""

    @property
    def indicator(self) -> Indicator:
        return self.status.indicator

    @property
    def description(self) -> str:
        return self.status.description

    @property
    def groups(self) -> list[GroupView]:
        return [entry for entry in self.layout if isinstance(entry, GroupView)]

    @cached_property
    def updated_at(self) -> datetime:
        """When anything on the page last changed: the latest check or incident update."""
        times = [u.at for i in self.bundle.incidents for u in i.updates if u.at <= self.now]
        if self.summary is not None:
            times.append(self.summary.generated_at)
        return max(times, default=self.now)

    def component(self, component_id: str) -> ComponentView:
        return next(c for c in self.components if c.id == component_id)

    def incidents(self, kind: Literal["incident", "maintenance"]) -> list[Incident]:
        """Published incidents or maintenance (none dated in the future), newest first."""
        return [i for i in self._published_incidents if i.kind == kind]

    def recent_incidents(self, days: int = RECENT_DAYS) -> list[Incident]:
        """Incidents and maintenance created in the last `days` days, newest first."""
        since = self.now - timedelta(days=days)
        return [i for i in self._published_incidents if i.created_at >= since]

    def incidents_of(self, component_id: str) -> list[Incident]:
        """Published incidents and maintenance that declare a status for the component, newest first."""
        return list(self._by_component.get(component_id, ()))

    # Worked out once per view: every output asks for these lists, some once per component.
    @cached_property
    def _published_incidents(self) -> list[Incident]:
        return [i for i in self.bundle.incidents if is_published(i, self.now)]

    @cached_property
    def _by_component(self) -> dict[str, list[Incident]]:
        index: dict[str, list[Incident]] = {}
        for incident in self._published_incidents:
            for component_id in incident.components:
                index.setdefault(component_id, []).append(incident)
        return index


def is_published(incident: Incident, now: datetime) -> bool:
    """Maintenance is announced as soon as it is in the file; an incident once its first update is due."""
    return incident.kind == "maintenance" or incident.created_at <= now


def stale_after_for(interval: float) -> timedelta:
    """How long after its last check a component's measured status is still shown: two check
    intervals and a margin; after that the page says it has no data."""
    return timedelta(seconds=2 * interval + 30)


def build_view(
    bundle: Bundle, summary: Summary | None, now: datetime, languages: SiteLanguages | None = None
) -> SiteView:
    """Decide every status on the page at `now`; the pages and feeds are made in `languages`
    (by default the site's own language only)."""
    declared = bundle.declared_statuses_at(now)
    in_maintenance = {
        cid for i in bundle.incidents if i.kind == "maintenance" and i.is_active_at(now) for cid in i.components
    }
    stale_after = stale_after_for(bundle.checker.interval)
    views: list[ComponentView] = []
    positions: dict[str | None, int] = {}
    for component in bundle.components:
        measured = summary.component(component.id) if summary else None
        measured_status = None
        if (
            measured is not None
            and measured.status is not None
            and measured.last_checked_at is not None
            and now - measured.last_checked_at <= stale_after
        ):
            measured_status = measured.status
        said = declared.get(component.id)
        no_data = component.check is not None and measured_status is None and said is None
        group_key = component.group
        positions[group_key] = positions.get(group_key, 0) + 1
        views.append(
            ComponentView(
                component=component,
                status=shown_status(
                    measured_status, [said] if said else [], under_maintenance=component.id in in_maintenance
                ),
                no_data=no_data,
                measured=measured,
                group_id=stable_id("group", component.group) if component.group else None,
                position=positions[group_key],
            )
        )
    views = _with_root_causes(bundle, views)
    layout: list[GroupView | ComponentView] = []
    placed: set[str] = set()
    top_position = 0
    for view in views:
        if view.component.group is None:
            top_position += 1
            layout.append(view)
        elif view.component.group not in placed:
            placed.add(view.component.group)
            top_position += 1
            members = [v for v in views if v.component.group == view.component.group]
            layout.append(GroupView(name=view.component.group, components=members, position=top_position))

    active = [i for i in bundle.incidents if i.kind == "incident" and i.is_active_at(now)]
    in_progress = sorted(
        (i for i in bundle.incidents if i.kind == "maintenance" and i.is_active_at(now)), key=lambda i: i.started_at()
    )
    upcoming = sorted(
        (
            i
            for i in bundle.incidents
            if i.kind == "maintenance"
            and i.status_at(now) == "scheduled"
            and i.started_at() - now <= timedelta(days=UPCOMING_DAYS)
        ),
        key=lambda i: i.started_at(),
    )
    return SiteView(
        bundle=bundle,
        summary=summary,
        now=now,
        components=views,
        layout=layout,
        status=Status.of_page([v.status for v in views], [i.impact for i in active], bool(in_progress)),
        active_incidents=active,
        active_maintenance=in_progress,
        upcoming_maintenance=upcoming,
        languages=languages or SiteLanguages(main=bundle.site.language if bundle.site.language in SUPPORTED else "en"),
    )


def _with_root_causes(bundle: Bundle, views: list[ComponentView]) -> list[ComponentView]:
    """`views` with `affected_by` set where a failing component depends on another failing one."""
    failing = {view.id for view in views if view.status in FAILING_STATUSES and not view.no_data}
    if not failing or not any(c.depends_on for c in bundle.components):
        return views
    return [
        dataclasses.replace(view, affected_by=bundle.root_cause(view.id, failing.__contains__))
        if view.id in failing
        else view
        for view in views
    ]
