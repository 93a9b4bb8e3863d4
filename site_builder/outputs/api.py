"""The Atlassian Statuspage v2 JSON API (`api/v2/…`) and our uptime extras (`api/uptime.json`).

Integrators point tools written for Statuspage at these files, so the v2 files carry exactly
Statuspage's keys, in its order, with its enums; what Statuspage has no key for (uptime, latency,
daily bars) goes to `api/uptime.json` and `api/components/<id>.json` instead.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from checker.bundle import ComponentStatus, Incident, IncidentUpdate, stable_id
from checker.summary import WINDOWS
from site_builder import api_models as api
from site_builder.markdown import plain_text
from site_builder.view import ComponentView, GroupView, SiteView

LIST_LIMIT = 50
"""Statuspage lists the 50 most recent incidents (plus any older unresolved ones)."""
_OPEN = ("investigating", "identified", "monitoring", "in_progress", "verifying")


def render(view: SiteView) -> dict[str, bytes]:
    """Every file under `api/`: site-relative path -> JSON bytes."""
    return ApiRenderer(view).files()


def timestamp(when: datetime, zone: ZoneInfo) -> str:
    """`when` as Statuspage writes it: in the page's zone, with milliseconds, `Z` for UTC."""
    return when.astimezone(zone).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def incident_url(view: SiteView, incident: Incident) -> str:
    """The permanent public address of an incident's page (Statuspage's `shortlink`)."""
    return f"{view.bundle.site.url}/incidents/{incident.slug}/"


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
    changes += [c.measured.status_since for c in view.components
                if c.measured is not None and c.measured.status_since is not None
                and c.measured.status_since <= view.now]
    return max(changes, default=view.updated_at)


def published_updates(incident: Incident, now: datetime) -> list[IncidentUpdate]:
    """Updates due by `now`, newest first: a file may hold updates written ahead of time."""
    return sorted((u for u in incident.updates if u.at <= now), key=lambda u: u.at, reverse=True)


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
        self.status = api.Status(indicator=view.indicator, description=view.description)
        self._components = {c.id: self._component(c) for c in view.components}

    def stamp(self, when: datetime) -> str:
        return timestamp(when, self.zone)

    # --- files ---

    def files(self) -> dict[str, bytes]:
        view = self.view
        components = self.components()
        incidents = [self.incident(i) for i in view.incidents("incident")]
        unresolved = [i for i in incidents if i.status in _OPEN]
        maintenance = sorted(view.incidents("maintenance"), key=_window_start, reverse=True)
        maintenance_models = {m.slug: self.maintenance(m) for m in maintenance}
        upcoming = [maintenance_models[m.slug] for m in sorted(maintenance, key=_window_start)
                    if m.status_at(view.now) == "scheduled"]
        active = [maintenance_models[m.slug] for m in view.active_maintenance]
        latest = incidents[:LIST_LIMIT] + [i for i in incidents[LIST_LIMIT:] if i.status in _OPEN]

        out: dict[str, api.ApiModel] = {
            "api/v2/summary.json": api.SummaryResponse(
                page=self.page, components=components, incidents=unresolved,
                scheduled_maintenances=active + upcoming, status=self.status),
            "api/v2/status.json": api.StatusResponse(page=self.page, status=self.status),
            "api/v2/components.json": api.ComponentsResponse(page=self.page, components=components),
            "api/v2/incidents.json": api.IncidentsResponse(page=self.page, incidents=latest),
            "api/v2/incidents/unresolved.json": api.IncidentsResponse(page=self.page, incidents=unresolved),
            "api/v2/scheduled-maintenances.json": api.ScheduledMaintenancesResponse(
                page=self.page, scheduled_maintenances=list(maintenance_models.values())[:LIST_LIMIT]),
            "api/v2/scheduled-maintenances/upcoming.json": api.ScheduledMaintenancesResponse(
                page=self.page, scheduled_maintenances=upcoming),
            "api/v2/scheduled-maintenances/active.json": api.ScheduledMaintenancesResponse(
                page=self.page, scheduled_maintenances=active),
        }
        for model in incidents:
            out[f"api/v2/incidents/{model.id}.json"] = api.IncidentResponse(page=self.page, incident=model)
        for m_model in maintenance_models.values():
            out[f"api/v2/incidents/{m_model.id}.json"] = api.IncidentResponse(page=self.page, incident=m_model)

        uptime = [self.uptime(c) for c in view.components]
        generated = view.summary.generated_at if view.summary is not None else None
        out["api/uptime.json"] = api.UptimeResponse(
            page=self.page, generated_at=self.stamp(generated) if generated else None, components=uptime)
        for component_view, figures in zip(view.components, uptime, strict=True):
            out[f"api/components/{component_view.id}.json"] = api.ComponentUptimeResponse(
                page=self.page, component=figures)
        return {path: model.model_dump_json().encode() for path, model in out.items()}

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
            position=component.position,
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
            position=group.position,
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
        starts = [i.created_at for i in incidents if i.created_at <= now]
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
        affected = [c for c in self.view.components if c.id in incident.components]
        # The incident's status after each moment something was posted: `before` an update is the
        # status after the latest strictly earlier moment (none before the first update).
        moments = sorted({u.at for u in incident.updates})
        after = {moment: incident.status_at(moment) for moment in moments}
        before = dict(zip(moments, [None, *(after[m] for m in moments[:-1])], strict=True))
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
                self.update(incident_id, incident, u, affected, before[u.at], after[u.at])
                for u in updates
            ],
            "components": [self._components[c.id] for c in affected],
        }

    def incident(self, incident: Incident) -> api.Incident:
        now = self.view.now
        monitoring = [u.at for u in incident.updates if u.status == "monitoring" and u.at <= now]
        fields = self._common(incident)
        return api.Incident.model_validate({
            **fields,
            "monitoring_at": self.stamp(min(monitoring)) if monitoring else None,
            "impact": incident.impact,
            "started_at": self.stamp(incident.started_at()),
        })

    def maintenance(self, incident: Incident) -> api.ScheduledMaintenance:
        assert incident.scheduled_for is not None and incident.scheduled_until is not None
        return api.ScheduledMaintenance.model_validate({
            **self._common(incident),
            "monitoring_at": None,
            "impact": incident.impact,
            "started_at": self.stamp(incident.started_at()),
            "scheduled_for": self.stamp(incident.scheduled_for),
            "scheduled_until": self.stamp(incident.scheduled_until),
        })

    def update(self, incident_id: str, incident: Incident, update: IncidentUpdate,
               components: list[ComponentView], before: str | None, after: str) -> api.IncidentUpdate:
        """One update; `before` and `after` are the incident's status around it."""
        at = self.stamp(update.at)
        return api.IncidentUpdate(
            id=stable_id("update", incident.slug, update.at.isoformat(), update.status),
            status=after,  # type: ignore[arg-type]  # validated against the Literal by pydantic
            body=plain_text(update.html),
            incident_id=incident_id,
            created_at=at,
            updated_at=at,
            display_at=at,
            affected_components=[
                api.AffectedComponent(
                    code=self._components[c.id].id,
                    name=_qualified_name(c),
                    old_status=_declared(incident.components[c.id], before),
                    new_status=_declared(incident.components[c.id], after),
                )
                for c in components
            ],
            deliver_notifications=True,
            custom_tweet=None,
            tweet_id=None,
        )

    # --- extras ---

    def uptime(self, component: ComponentView) -> api.ComponentUptime:
        measured = component.measured
        last_checked = measured.last_checked_at if measured is not None else None
        return api.ComponentUptime(
            id=component.id,
            statuspage_id=component.statuspage_id,
            name=component.component.name,
            status=component.status,
            no_data=component.no_data,
            last_checked_at=self.stamp(last_checked) if last_checked is not None else None,
            uptime={w: api.UptimeWindow(**measured.uptime[w].model_dump())
                    for w in WINDOWS if measured is not None and w in measured.uptime},
            monthly={month: api.UptimeWindow(**figure.model_dump())
                     for month, figure in sorted(measured.monthly.items())} if measured else {},
            latency={w: api.Latency(**measured.latency[w].model_dump())
                     for w in WINDOWS if measured is not None and w in measured.latency},
            days=[api.UptimeDay(date=b.date.isoformat(), uptime=b.uptime, no_data_seconds=b.no_data_seconds,
                                worst_status=b.worst_status, outage_seconds=b.outage_seconds)
                  for b in measured.bars] if measured else [],
            latency_daily=[api.LatencyDay(date=d.date.isoformat(), p50_ms=d.p50_ms, p95_ms=d.p95_ms)
                           for d in measured.latency_daily] if measured else [],
            slo=api.ErrorBudget(**measured.slo.model_dump()) if measured and measured.slo else None,
        )


def _window_start(incident: Incident) -> datetime:
    assert incident.scheduled_for is not None
    return incident.scheduled_for


def _qualified_name(component: ComponentView) -> str:
    """Statuspage names a grouped component `Group - Name` in affected_components."""
    group = component.component.group
    return f"{group} - {component.component.name}" if group else component.component.name


def _declared(declared: ComponentStatus, incident_status: str | None) -> ComponentStatus:
    """What an incident in `incident_status` says about a component it declares `declared` for."""
    return declared if incident_status in _OPEN else "operational"
