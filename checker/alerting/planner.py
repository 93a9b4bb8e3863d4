"""Planning team alerts: the messages a run's transitions and the clock call for, each queued once."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from checker.alerting.config import AlertRoute, AlertsSettings, BurnRateAlerts, route_key
from checker.alerting.events import Alert, AlertKind
from checker.alerting.state import AlertState, BurnEpisode, Episode, Lease, QueuedMessage
from checker.ids import stable_id
from checker.vocabulary import SEVERITY, ComponentStatus

LEASE_SECONDS = 300.0
"""How long a run owns the messages it is sending; after that another run may send them."""
DONE_KEPT = timedelta(days=7)
"""How long ids of delivered messages are remembered (a retry arrives within minutes)."""

if TYPE_CHECKING:  # types only: Bundle may carry AlertsSettings
    from checker.bundle import Bundle
    from checker.derived.state import Transition
    from checker.incident_model import Incident
    from checker.summary import ComponentSummary, Summary


def plan(
    state: AlertState,
    transitions: list[Transition],
    bundle: Bundle,
    settings: AlertsSettings,
    now: datetime,
    owner: str,
    summary: Summary | None = None,
) -> None:
    """Apply the transitions and the clock to `state` (in place): queue the messages they call
    for, and lease the due ones to `owner`. Depends on nothing else, as `update_json` requires."""
    routes = {route_key(i, r): r for i, r in enumerate(settings.routes)}
    planner = _Planner(bundle, state, now)
    for change in transitions:
        planner.apply(change, routes)
    planner.forget_removed_routes(routes)
    planner.find_root_causes()
    for key, episode in list(state.episodes.items()):
        planner.advance(key, episode, routes[key.split("|", 1)[0]])
    if summary is not None and settings.slo is not None:
        planner.plan_burns(summary, settings.slo)
    _lease_due(state.queue, owner, now)
    _forget_old_deliveries(state.done, now)


def _lease_due(queue: dict[str, QueuedMessage], owner: str, now: datetime) -> None:
    """Lease to `owner` every message that is due and that no other run is sending."""
    for entry in queue.values():
        free = entry.lease is None or entry.lease.until <= now
        if free and entry.next_at <= now:
            entry.lease = Lease(owner=owner, until=now + timedelta(seconds=LEASE_SECONDS))


def _forget_old_deliveries(done: dict[str, datetime], now: datetime) -> None:
    for key, when in list(done.items()):
        if when < now - DONE_KEPT:
            del done[key]


class _Planner:
    """Applies transitions and the clock to the episodes of one state, and queues one message per
    channel for what they call for, skipping ids already queued or done."""

    def __init__(self, bundle: Bundle, state: AlertState, now: datetime) -> None:
        self.bundle = bundle
        self.state = state
        self.now = now
        self.names = {c.id: c.name for c in bundle.components}

    # -- outages: transitions

    def apply(self, change: Transition, routes: dict[str, AlertRoute]) -> None:
        """Open, change or close the episode of every route that covers the component."""
        for name, route in routes.items():
            if route.components and change.component not in route.components:
                continue
            key = f"{name}|{change.component}"
            episode = self.state.episodes.get(key)
            is_outage = SEVERITY[change.new] >= SEVERITY[route.min_status]
            if is_outage and episode is None:
                self._open(key, change)
            elif is_outage and episode is not None and episode.status != change.new:
                self._change(key, episode, route, change)
            elif not is_outage and episode is not None:
                self._close(key, episode, route, change)

    def _open(self, key: str, change: Transition) -> None:
        self.state.episodes[key] = Episode(
            opened_at=change.at,
            status=change.new,
            previous=change.old,
            reason=change.reason,
            fired=[],
            reminders=0,
            silenced=_in_maintenance(self.bundle, change.component, change.at),
        )

    def _change(self, key: str, episode: Episode, route: AlertRoute, change: Transition) -> None:
        """Still an outage, but better or worse: told to whoever heard of it."""
        episode.previous, episode.status, episode.reason = episode.status, change.new, change.reason
        if episode.fired and not episode.silenced:
            self.enqueue(key, episode, route, "changed", f"changed:{change.at.isoformat()}", at=change.at)

    def _close(self, key: str, episode: Episode, route: AlertRoute, change: Transition) -> None:
        """Over: whoever heard of it hears it recovered."""
        if episode.fired:
            episode.previous, episode.status, episode.reason = episode.status, change.new, None
            self.enqueue(key, episode, route, "recovered", f"recovered:{change.at.isoformat()}", at=change.at)
        del self.state.episodes[key]

    # -- outages: root causes

    def find_root_causes(self) -> None:
        """Mark each outage whose component depends (directly or not) on another component this
        same route tracks an outage of: that one, highest up, is its root cause. Recomputed every
        run, so when the root recovers and a dependent is still failing, the dependent's own
        alert goes out on this run."""
        tracked: dict[str, set[str]] = {}
        for key in self.state.episodes:
            route, component = key.split("|", 1)
            tracked.setdefault(route, set()).add(component)
        for key, episode in self.state.episodes.items():
            route, component = key.split("|", 1)
            episode.caused_by = self.bundle.root_cause(component, tracked[route].__contains__)

    def affected_by(self, route: str, root: str) -> list[str]:
        """Names of the components whose outage on `route` has `root` as its cause."""
        return [
            self.names.get(key.split("|", 1)[1], key)
            for key, episode in self.state.episodes.items()
            if episode.caused_by == root and key.startswith(f"{route}|")
        ]

    # -- outages: the clock

    def forget_removed_routes(self, routes: dict[str, AlertRoute]) -> None:
        """A route removed from the config takes its outages with it."""
        for key in [k for k in self.state.episodes if k.split("|", 1)[0] not in routes]:
            del self.state.episodes[key]

    def advance(self, key: str, episode: Episode, route: AlertRoute) -> None:
        """Fire the levels that are due and the reminder, unless the outage is silenced by
        maintenance or acknowledged by an incident."""
        component = key.split("|", 1)[1]
        episode.silenced = _in_maintenance(self.bundle, component, self.now)
        if episode.silenced or acknowledging_incident(self.bundle, component, episode.status, self.now):
            return
        if episode.caused_by is not None:
            return  # the root cause's alerts tell of this one
        age = (self.now - episode.opened_at).total_seconds()
        fired_now = self._fire_due_levels(key, episode, route, age)
        if episode.fired:
            self._remind(key, episode, route, age, fired_now=fired_now)

    def _fire_due_levels(self, key: str, episode: Episode, route: AlertRoute, age: float) -> bool:
        """Tell the levels whose delay has passed; True when one fired."""
        fired_now = False
        for index, level in enumerate(route.all_levels()):
            if index not in episode.fired and level.after <= age:
                kind: AlertKind = "escalated" if episode.fired else "triggered"
                episode.fired.append(index)
                # Named by the delay, not by the route's own numbering: two routes that tell the
                # same channel at the same delay make one message (see queue_alert).
                self.enqueue(key, episode, route, kind, f"after{level.after:g}", at=self.now, levels=[index])
                fired_now = True
        return fired_now

    def _remind(self, key: str, episode: Episode, route: AlertRoute, age: float, *, fired_now: bool) -> None:
        """Repeat the alert to the channels told, once per `remind_every` the outage lasts."""
        if not route.remind_every:
            return
        count = int(age // route.remind_every)
        if fired_now:
            episode.reminders = count  # a fresh alert is its own reminder
        elif count > episode.reminders:
            episode.reminders = count
            self.enqueue(key, episode, route, "reminder", f"remind{count}", at=self.now)

    # -- error budgets

    def plan_burns(self, summary: Summary, slo: BurnRateAlerts) -> None:
        """Open and close burn-rate episodes from the summary's error-budget figures."""
        if self.state.burns is None:
            self.state.burns = {}
        burns = self.state.burns
        for component in summary.components:
            if component.slo is None or (slo.components and component.id not in slo.components):
                continue
            self._burn(burns, component, "fast", component.slo.fast_burn, slo.fast)
            self._burn(burns, component, "slow", component.slo.slow_burn, slo.slow)

    def _burn(
        self, burns: dict[str, BurnEpisode], component: ComponentSummary, speed: str, firing: bool, channels: list[str]
    ) -> None:
        """Open or close the episode of one burn-rate rule (`speed`) for one component."""
        key = f"slo-{speed}|{component.id}"
        episode = burns.get(key)
        if firing and episode is None and channels:
            if _in_maintenance(self.bundle, component.id, self.now):
                return
            burns[key] = BurnEpisode(opened_at=self.now)
            self.enqueue_burn(key, self.now, "triggered", component, channels, speed)
        elif not firing and episode is not None:
            self.enqueue_burn(key, episode.opened_at, "recovered", component, channels, speed)
            del burns[key]

    # -- messages

    def enqueue(
        self,
        key: str,
        episode: Episode,
        route: AlertRoute,
        kind: AlertKind,
        event: str,
        *,
        at: datetime,
        levels: list[int] | None = None,
    ) -> None:
        route_name, component = key.split("|", 1)
        opened = episode.opened_at
        all_levels = route.all_levels()
        chosen = levels if levels is not None else episode.fired
        channels = list(dict.fromkeys(c for i in sorted(chosen) for c in all_levels[i].channels))
        alert = Alert(
            kind=kind,
            component=component,
            component_name=self.names.get(component, component),
            status=episode.status,
            previous_status=episode.previous,
            started_at=opened,
            at=at,
            duration_seconds=max(0.0, (at - opened).total_seconds()),
            reason=episode.reason,
            route=route_name,
            level=max(chosen, default=0),
            dedup_key="statusgen-" + stable_id("alert", route_name, component, opened.isoformat()),
            site_name=self.bundle.site.name,
            page_url=self.bundle.site.url + "/",
            affected=self.affected_by(route_name, component),
        )
        self.queue_alert(component, opened, event, channels, alert)

    def enqueue_burn(
        self,
        key: str,
        opened: datetime,
        kind: AlertKind,
        component: ComponentSummary,
        channels: list[str],
        speed: str,
    ) -> None:
        slo = component.slo
        assert slo is not None
        alert = Alert(
            kind=kind,
            component=component.id,
            component_name=self.names.get(component.id, component.id),
            status=component.status or "operational",
            previous_status=None,
            started_at=opened,
            at=self.now,
            duration_seconds=max(0.0, (self.now - opened).total_seconds()),
            reason=None,
            route="slo",
            level=0,
            dedup_key="statusgen-" + stable_id("burn", speed, component.id, opened.isoformat()),
            site_name=self.bundle.site.name,
            page_url=self.bundle.site.url + "/",
            burn="fast" if speed == "fast" else "slow",
            burn_rate=slo.burn_rates.get("1h" if speed == "fast" else "6h"),
            budget_left=slo.remaining_ratio,
            objective=slo.target,
        )
        self.queue_alert(key, opened, kind, channels, alert)

    def queue_alert(self, scope: str, opened: datetime, event: str, channels: list[str], alert: Alert) -> None:
        """One message per channel per event, with an id that a replay of the event reproduces.

        For outages `scope` is the component alone, not the route: every route that matches asks
        for its channels, and a channel two routes name gets the message once (routes add
        channels, they do not repeat them).
        """
        for channel in channels:
            identity = "|".join((scope, opened.isoformat(), event, channel))
            message_id = hashlib.sha256(identity.encode()).hexdigest()[:32]
            if message_id in self.state.queue or message_id in self.state.done:
                continue
            self.state.queue[message_id] = QueuedMessage(
                channel=channel,
                alert=alert,
                created_at=self.now,
                next_at=self.now,
                attempts=0,
            )


def _in_maintenance(bundle: Bundle, component: str, when: datetime) -> bool:
    return any(i.kind == "maintenance" and component in i.components and i.is_active_at(when) for i in bundle.incidents)


def acknowledging_incident(bundle: Bundle, component: str, status: ComponentStatus, when: datetime) -> Incident | None:
    """The open incident that acknowledges an outage of `component` at `status`, if any: one that
    declares that status or worse for it means a person is on it. One that declares a milder
    status acknowledges only that: an incident about a partial outage must not silence a new
    major one."""
    return next(
        (
            i
            for i in bundle.incidents
            if i.kind == "incident"
            and i.is_active_at(when)
            and SEVERITY[i.components.get(component, "operational")] >= SEVERITY[status]
        ),
        None,
    )
