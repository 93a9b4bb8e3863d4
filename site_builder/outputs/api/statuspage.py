"""The Atlassian Statuspage v2 JSON API (`api/v2/…`) and our uptime extras (`api/uptime.json`).

Integrators point tools written for Statuspage at these files, so the v2 files carry exactly
Statuspage's keys, in its order, with its enums; what Statuspage has no key for (uptime, latency,
daily bars) goes to `api/uptime.json` and `api/components/<id>.json` instead (those are made in
site_builder.outputs.api.extras).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from checker.ids import stable_id
from checker.incident_model import Incident, IncidentUpdate
from checker.vocabulary import OPEN_STATUSES, ComponentStatus
from site_builder.outputs import Deferred, Unplanned, planned
from site_builder.outputs.api import models as api
from site_builder.outputs.api.extras import extras_files
from site_builder.outputs.api.types import ApiModel
from site_builder.outputs.incident_facts import (
    changes,
    incident_state,
    incident_url,
    page_updated_at,
    published_updates,
)
from site_builder.outputs.markdown import update_text
from site_builder.outputs.view import ComponentView, GroupView, SiteView

LIST_LIMIT = 50
"""Statuspage lists the 50 most recent incidents (plus any older unresolved ones)."""


def render(view: SiteView) -> dict[str, bytes]:
    """Every file under `api/`: site-relative path -> JSON bytes."""
    return {item.path: planned(item).render() for item in plan(view)}


def plan(view: SiteView) -> list[Deferred | Unplanned]:
    """Every file under `api/`, each incident's own file with the key of its inputs, so a rebuild
    renders only the incidents that changed (the lists and extras are always rendered). An
    incident's file is planned by the process that renders it, as its page is (see `Unplanned`)."""
    return ApiRenderer(view).plan()


def timestamp(when: datetime, zone: ZoneInfo) -> str:
    """`when` as Statuspage writes it: in the page's zone, with milliseconds, `Z` for UTC."""
    return when.astimezone(zone).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _last_change(incident: Incident, now: datetime) -> datetime:
    """The latest moment by `now` at which this incident or maintenance changed."""
    return max(changes(incident, now), default=incident.created_at)


def positions(view: SiteView) -> dict[str, int]:
    """Statuspage id of each group and component -> its `position`: groups and ungrouped
    components share one 1-based sequence in page order, and a group numbers its own children
    from 1, as Statuspage does."""
    numbers: dict[str, int] = {}
    for top, entry in enumerate(view.layout, start=1):
        numbers[entry.statuspage_id] = top
        if isinstance(entry, GroupView):
            numbers.update((c.statuspage_id, n) for n, c in enumerate(entry.components, start=1))
    return numbers


class ApiRenderer:
    """Builds the typed response models for one view; each is rendered once and reused."""

    def __init__(self, view: SiteView) -> None:
        self.view = view
        self.site = view.bundle.site
        self.zone = ZoneInfo(self.site.time_zone)
        self.updated_at = page_updated_at(view)
        self.page = api.Page(
            id=self.site.page_id,
            name=self.site.name,
            url=self.site.url,
            time_zone=self.site.time_zone,
            updated_at=self.stamp(self.updated_at),
        )
        self.status = view.status
        self._positions = positions(view)
        self._views = {c.id: c for c in view.components}
        self._order = {c.id: n for n, c in enumerate(view.components)}
        self._components = {c.id: self._component(c) for c in view.components}
        self._incidents: dict[str, api.Incident] = {}
        self._maintenance: dict[str, api.ScheduledMaintenance] = {}
        # Part of each incident file's key: the components it embeds (only those it affects), and
        # the page it names, whose `updated_at` is the incident's own (see `_incident_file`).
        self._component_json = {cid: model.model_dump_json() for cid, model in self._components.items()}
        self._page_json = self.page.model_copy(update={"updated_at": ""}).model_dump_json()

    def stamp(self, when: datetime) -> str:
        return timestamp(when, self.zone)

    # --- files ---

    def plan(self) -> list[Deferred | Unplanned]:
        """The lists, each incident's own file, then the extras. The lists' models are made when
        they are rendered, by the process that renders them (a build renders them on two cores)."""
        view = self.view
        incidents = view.incidents("incident")
        maintenance = sorted(view.incidents("maintenance"), key=_window_start, reverse=True)

        @functools.cache
        def open_() -> frozenset[str]:
            return frozenset(i.slug for i in incidents if i.status_at(view.now) in OPEN_STATUSES)

        def unresolved() -> list[api.Incident]:
            return [self.incident_model(i) for i in incidents if i.slug in open_()]

        def latest() -> list[api.Incident]:
            return [self.incident_model(i) for i in incidents[:LIST_LIMIT]] + [
                self.incident_model(i) for i in incidents[LIST_LIMIT:] if i.slug in open_()
            ]

        def upcoming() -> list[api.ScheduledMaintenance]:
            return [
                self.maintenance_model(m)
                for m in sorted(maintenance, key=_window_start)
                if m.status_at(view.now) == "scheduled"
            ]

        def active() -> list[api.ScheduledMaintenance]:
            return [self.maintenance_model(m) for m in view.active_maintenance]

        lists: dict[str, Callable[[], ApiModel]] = {
            "api/v2/summary.json": lambda: api.SummaryResponse(
                page=self.page,
                components=self.components(),
                incidents=unresolved(),
                scheduled_maintenances=active() + upcoming(),
                status=self.status,
            ),
            "api/v2/status.json": lambda: api.StatusResponse(page=self.page, status=self.status),
            "api/v2/components.json": lambda: api.ComponentsResponse(page=self.page, components=self.components()),
            "api/v2/incidents.json": lambda: api.IncidentsResponse(page=self.page, incidents=latest()),
            "api/v2/incidents/unresolved.json": lambda: api.IncidentsResponse(page=self.page, incidents=unresolved()),
            "api/v2/scheduled-maintenances.json": lambda: api.ScheduledMaintenancesResponse(
                page=self.page, scheduled_maintenances=[self.maintenance_model(m) for m in maintenance[:LIST_LIMIT]]
            ),
            "api/v2/scheduled-maintenances/upcoming.json": lambda: api.ScheduledMaintenancesResponse(
                page=self.page, scheduled_maintenances=upcoming()
            ),
            "api/v2/scheduled-maintenances/active.json": lambda: api.ScheduledMaintenancesResponse(
                page=self.page, scheduled_maintenances=active()
            ),
        }

        # Each group in one process: the lists share the components' and incidents' models, the
        # uptime files each component's figures.
        out: list[Deferred | Unplanned] = [_now(path, model, "the API's lists") for path, model in lists.items()]
        # Incidents first, then maintenance (newest window first): the order files were always made in.
        out += [self._incident_file(i) for i in incidents]
        out += [self._incident_file(m) for m in maintenance]

        extras = extras_files(view, self.page, self.stamp)
        out += [_now(path, model, "the API's uptime files") for path, model in extras]
        return out

    def _incident_file(self, incident: Incident) -> Unplanned:
        """`api/v2/incidents/<id>.json`, planned when it may be rendered."""
        path = f"api/v2/incidents/{incident.id}.json"
        return Unplanned(path, functools.partial(self._planned_incident_file, path, incident), incident.slug)

    def _planned_incident_file(self, path: str, incident: Incident) -> Deferred:
        """`api/v2/incidents/<id>.json`, keyed by everything it shows.

        Its `page.updated_at` is when this incident last changed, not the page: otherwise one new
        update anywhere would rewrite (and upload) the file of every incident ever published.
        """
        updated_at = self.stamp(_last_change(incident, self.view.now))
        # The page's JSON without its `updated_at`, then that value: what `page` below holds.
        inputs = [self._page_json, updated_at, incident_state(incident, self.view.now)]
        for component in self._affected(incident):
            inputs += [self._component_json[component.id], _qualified_name(component)]
        key = hashlib.sha256("\0".join(inputs).encode()).hexdigest()

        def render() -> bytes:
            page = self.page.model_copy(update={"updated_at": updated_at})
            # Made afresh unless a list made it already: kept, every incident's model would stay
            # in memory (and in each garbage collection) until the build ends.
            model: api.Incident | api.ScheduledMaintenance | None = self._incidents.get(
                incident.slug
            ) or self._maintenance.get(incident.slug)
            if model is None:
                model = self.incident(incident) if incident.kind == "incident" else self.maintenance(incident)
            return api.IncidentResponse(page=page, incident=model).model_dump_json().encode()

        return Deferred(path, key, render, shares=incident.slug)

    def incident_model(self, incident: Incident) -> api.Incident:
        """The incident's model, made once however many files show it."""
        if incident.slug not in self._incidents:
            self._incidents[incident.slug] = self.incident(incident)
        return self._incidents[incident.slug]

    def maintenance_model(self, maintenance: Incident) -> api.ScheduledMaintenance:
        """The maintenance's model, made once however many files show it."""
        if maintenance.slug not in self._maintenance:
            self._maintenance[maintenance.slug] = self.maintenance(maintenance)
        return self._maintenance[maintenance.slug]

    # --- components ---

    def components(self) -> list[api.ComponentGroup | api.Component]:
        """Groups and components in Statuspage's order: by position, then page order."""
        entries: list[api.ComponentGroup | api.Component] = []
        for entry in self.view.layout:
            if isinstance(entry, GroupView):
                entries.append(self._group(entry))
                entries.extend(self._components[c.id] for c in entry.components)
            else:
                entries.append(self._components[entry.id])
        return sorted(entries, key=lambda e: e.position)  # stable: page order breaks ties

    def _component(self, component: ComponentView) -> api.Component:
        created, updated = self._component_times(component)
        return api.Component(
            id=component.statuspage_id,
            name=component.component.name,
            status=component.status,
            created_at=self.stamp(created),
            updated_at=self.stamp(updated),
            position=self._positions[component.statuspage_id],
            description=component.component.description,
            showcase=component.component.check is not None,
            start_date=None,
            group_id=component.group_id,
            page_id=self.page.id,
            group=False,
            only_show_if_degraded=False,
        )

    def _group(self, group: GroupView) -> api.ComponentGroup:
        children = [self._components[c.id] for c in group.components]
        return api.ComponentGroup(
            id=group.statuspage_id,
            name=group.name,
            status=group.status,
            created_at=min(c.created_at for c in children),  # same zone: text order is time order
            updated_at=max(c.updated_at for c in children),
            position=self._positions[group.statuspage_id],
            description=None,
            showcase=False,
            start_date=None,
            group_id=None,
            page_id=self.page.id,
            group=True,
            only_show_if_degraded=False,
            components=[c.id for c in sorted(children, key=lambda c: c.position)],
        )

    def _component_times(self, component: ComponentView) -> tuple[datetime, datetime]:
        """The earliest and latest moments the site knows of for this component.

        The bundle records no creation date, so "created" is the first incident or measurement
        that mentions it, and "updated" its latest incident update or measured status change.
        """
        now = self.view.now
        incidents = self.view.incidents_of(component.id)
        starts = [start for i in incidents if (start := i.created_at) <= now]
        changes = [u.at for i in incidents for u in i.updates if u.at <= now]
        measured = component.measured
        if measured is not None:
            first_day = next((b.date for b in measured.bars if b.uptime is not None), None)
            if first_day is not None:
                starts.append(datetime(first_day.year, first_day.month, first_day.day, tzinfo=now.tzinfo))
            if measured.status_since is not None:
                starts.append(measured.status_since)
                changes.append(measured.status_since)
        created = min(starts, default=self.updated_at)
        return created, max([*changes, created])

    # --- incidents and maintenance ---

    def _common(self, incident: Incident) -> dict[str, object]:
        now = self.view.now
        updates = published_updates(incident, now)
        created = min((u.at for u in updates), default=incident.created_at)
        updated = updates[0].at if updates else created
        resolved = incident.resolved_at()
        incident_id = incident.id
        affected = self._affected(incident)
        # The incident's status after each moment something was posted: `before` an update is the
        # status after the latest strictly earlier moment (none before the first update).
        moments = sorted({u.at for u in incident.updates})
        after = {moment: incident.status_at(moment) for moment in moments}
        # Maintenance may have no update at all (the clock alone moves it): then `moments` is empty.
        before = {
            moment: after[previous] if previous is not None else None
            for previous, moment in zip([None, *moments], moments, strict=False)
        }
        return {
            "id": incident_id,
            "name": incident.title,
            "status": incident.status_at(now),
            "created_at": self.stamp(created),
            "updated_at": self.stamp(updated),
            "resolved_at": self.stamp(resolved) if resolved is not None and resolved <= now else None,
            "shortlink": incident_url(self.view, incident),
            "page_id": self.page.id,
            "incident_updates": [
                self._update_fields(incident_id, incident, u, affected, before[u.at], after[u.at]) for u in updates
            ],
            "components": [self._components[c.id] for c in affected],
        }

    def _affected(self, incident: Incident) -> list[ComponentView]:
        """The components the incident declares a status for, in page order."""
        return sorted(
            (self._views[cid] for cid in incident.components if cid in self._views), key=lambda c: self._order[c.id]
        )

    def incident(self, incident: Incident) -> api.Incident:
        now = self.view.now
        monitoring = [u.at for u in incident.updates if u.status == "monitoring" and u.at <= now]
        fields = self._common(incident)
        return api.Incident.model_validate(
            {
                **fields,
                "monitoring_at": self.stamp(min(monitoring)) if monitoring else None,
                "impact": incident.impact,
                "started_at": self.stamp(incident.started_at()),
            }
        )

    def maintenance(self, incident: Incident) -> api.ScheduledMaintenance:
        assert incident.scheduled_for is not None and incident.scheduled_until is not None
        return api.ScheduledMaintenance.model_validate(
            {
                **self._common(incident),
                "monitoring_at": None,
                "impact": incident.impact,
                "started_at": self.stamp(incident.started_at()),
                "scheduled_for": self.stamp(incident.scheduled_for),
                "scheduled_until": self.stamp(incident.scheduled_until),
            }
        )

    def _update_fields(
        self,
        incident_id: str,
        incident: Incident,
        update: IncidentUpdate,
        components: list[ComponentView],
        before: str | None,
        after: str,
    ) -> dict[str, object]:
        """One update (`before` and `after` are the incident's status around it), as plain data:
        validated with the incident it belongs to in one pass, which costs less than a model per
        update and per affected component."""
        at = self.stamp(update.at)
        return {
            "id": stable_id("update", incident.slug, update.at.isoformat(), update.status),
            "status": after,
            "body": update_text(update.body),
            "incident_id": incident_id,
            "created_at": at,
            "updated_at": at,
            "display_at": at,
            "affected_components": [
                {
                    "code": self._components[c.id].id,
                    "name": _qualified_name(c),
                    "old_status": _declared(incident.components[c.id], before),
                    "new_status": _declared(incident.components[c.id], after),
                }
                for c in components
            ],
            "deliver_notifications": True,
            "custom_tweet": None,
            "tweet_id": None,
        }


def _now(path: str, model: Callable[[], ApiModel], shares: str) -> Deferred:
    """A file rendered on every build (no key), from the model `model` makes."""
    return Deferred(path, None, lambda: model().model_dump_json().encode(), shares)


def _window_start(incident: Incident) -> datetime:
    assert incident.scheduled_for is not None
    return incident.scheduled_for


def _qualified_name(component: ComponentView) -> str:
    """Statuspage names a grouped component `Group - Name` in affected_components."""
    group = component.component.group
    return f"{group} - {component.component.name}" if group else component.component.name


def _declared(declared: ComponentStatus, incident_status: str | None) -> ComponentStatus:
    """What an incident in `incident_status` says about a component it declares `declared` for."""
    return declared if incident_status in OPEN_STATUSES else "operational"
