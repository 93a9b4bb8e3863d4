"""Deciding which alerts to send, and sending each exactly once, with the state kept in the store.

Each run does two things with `alerts/state.json`:
1. *Plan* (one conditional read-modify-write): apply the run's transitions and the clock to the
   open outages ("episodes"), queue the messages they call for, and lease the due ones to this run.
   The document's parts are typed models (checker.alerting.state).
   Every queued message has an id derived from (route, component, outage start, event, channel),
   so a retried invocation that replays the same transitions finds its messages already queued or
   done and queues nothing new.
2. *Send* the leased messages in parallel, each channel with its own retries, then record each
   result. A message whose run crashed is leased again after `LEASE_SECONDS`: team alerts are
   at-least-once, because a duplicate page is cheaper than a missed one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from checker.alerting.channels import CHANNELS, SendContext
from checker.alerting.config import AlertRoute, AlertsSettings, BurnRateAlerts, route_key
from checker.alerting.events import Alert, AlertKind, StatusChange
from checker.alerting.mail import Mailer, MailSettings, open_mailer
from checker.alerting.state import (
    ALERT_STATE_KEY,
    AlertState,
    BurnEpisode,
    Episode,
    Lease,
    QueuedMessage,
)
from checker.errors import StatusgenError
from checker.ids import stable_id
from checker.store import Store
from checker.vocabulary import SEVERITY, ComponentStatus

LEASE_SECONDS = 300.0
"""How long a run owns the messages it is sending; after that another run may send them."""
DONE_KEPT = timedelta(days=7)
"""How long ids of delivered messages are remembered (a retry arrives within minutes)."""
_MAX_WAIT = 3600.0

if TYPE_CHECKING:  # types only: Bundle may carry AlertsSettings; httpx loads where messages are sent
    import httpx

    from checker.bundle import Bundle
    from checker.summary import ComponentSummary, Summary

logger = logging.getLogger("statusgen.alerts")


@dataclass(frozen=True)
class Delivery:
    """The outcome of one message to one channel in this run."""

    channel: str
    kind: AlertKind
    component: str
    delivered: bool
    error: str | None = None
    gave_up: bool = False
    """True when the message was dropped after `give_up_after` of failures."""


@dataclass
class AlertReport:
    """What `send_alerts` did, for the run's log."""

    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def failures(self) -> list[Delivery]:
        return [d for d in self.deliveries if not d.delivered]


def send_alerts(
    transitions: Iterable[StatusChange],
    bundle: Bundle,
    store: Store,
    *,
    now: datetime,
    settings: AlertsSettings | None = None,
    summary: Summary | None = None,
    transport: httpx.BaseTransport | None = None,
    env: Mapping[str, str] | None = None,
    ses_client: Any = None,
    sleep: Callable[[float], None] = time.sleep,
) -> AlertReport:
    """Alert the team about `transitions` (and escalations/reminders that are due at `now`).

    Call it after every run, also with no transitions: escalations and reminders are driven by the
    clock. `settings` defaults to the bundle's `alerts`. With `summary`, error-budget burn-rate
    alerts are sent too. Never raises for a failing channel; the failures are in the report (and
    logged) and retried on the next run.
    """
    settings = settings if settings is not None else bundle.alerts
    if settings is None or not (settings.routes or settings.slo):
        return AlertReport()
    environment = os.environ if env is None else env
    owner = uuid.uuid4().hex
    changes = sorted(transitions, key=lambda t: t.at)

    def planned(current: Any | None) -> dict[str, Any]:
        state = AlertState.load(current)
        plan(state, changes, bundle, settings, now, owner, summary)
        return state.dump()

    current = store.get_json(ALERT_STATE_KEY)
    if current is not None and planned(current) == current:
        return AlertReport()  # nothing happened and nothing is due: spare the write
    state = AlertState.load(store.update_json(ALERT_STATE_KEY, planned))
    leased = [(key, entry) for key, entry in state.queue.items()
              if entry.lease is not None and entry.lease.owner == owner]
    if not leased:
        return AlertReport()

    def mailer_for(mail: MailSettings) -> Mailer:
        return open_mailer(mail, environment, ses_client=ses_client)

    import httpx  # here, not at the top: most runs have nothing to send

    with httpx.Client(transport=transport, timeout=10.0) as http:
        context = SendContext(http=http, env=environment, mailer_for=mailer_for)

        def deliver(item: tuple[str, QueuedMessage]) -> str | None:
            return _deliver(item[1], settings, context, sleep)

        with ThreadPoolExecutor(max_workers=min(8, len(leased))) as pool:
            errors = list(pool.map(deliver, leased))

    report = AlertReport()
    for (key, entry), error in zip(leased, errors, strict=True):
        gave_up = _store_outcome(store, key, error, settings, now, owner)
        alert = entry.alert
        delivery = Delivery(entry.channel, alert.kind, alert.component, error is None, error, gave_up)
        if error is not None:
            logger.warning("alert %s about %s via %s failed%s: %s", alert.kind, alert.component,
                           entry.channel, " (giving up)" if delivery.gave_up else "", error)
        report.deliveries.append(delivery)
    return report


def plan(
    state: AlertState,
    transitions: list[StatusChange],
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


def record(
    state: AlertState,
    key: str,
    error: str | None,
    settings: AlertsSettings,
    now: datetime,
    owner: str,
) -> bool:
    """Record in `state` (in place) that the message `key` was sent (error None) or failed;
    True when it failed for `give_up_after` and was dropped."""
    entry = state.queue.get(key)
    if entry is None or entry.lease is None or entry.lease.owner != owner:
        return False  # our lease ran out and another run has taken the message over
    if error is None:
        del state.queue[key]
        state.done[key] = now
        return False
    entry.attempts += 1
    entry.lease = None
    if (now - entry.created_at).total_seconds() >= settings.give_up_after:
        del state.queue[key]
        return True
    wait = min(60.0 * 2 ** (entry.attempts - 1), _MAX_WAIT)
    entry.next_at = now + timedelta(seconds=wait)
    return False


def _store_outcome(
    store: Store, key: str, error: str | None, settings: AlertsSettings, now: datetime, owner: str
) -> bool:
    """Record the outcome of message `key` in the store; True when the message was dropped."""
    gave_up = False

    def recorded(current: Any | None) -> dict[str, Any]:
        nonlocal gave_up
        state = AlertState.load(current)
        gave_up = record(state, key, error, settings, now, owner) or gave_up
        return state.dump()

    store.update_json(ALERT_STATE_KEY, recorded)
    return gave_up


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

    def apply(self, change: StatusChange, routes: dict[str, AlertRoute]) -> None:
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

    def _open(self, key: str, change: StatusChange) -> None:
        self.state.episodes[key] = Episode(
            opened_at=change.at, status=change.new, previous=change.old, reason=change.reason,
            fired=[], reminders=0, silenced=_in_maintenance(self.bundle, change.component, change.at),
        )

    def _change(self, key: str, episode: Episode, route: AlertRoute, change: StatusChange) -> None:
        """Still an outage, but better or worse: told to whoever heard of it."""
        episode.previous, episode.status, episode.reason = episode.status, change.new, change.reason
        if episode.fired and not episode.silenced:
            self.enqueue(key, episode, route, "changed", f"changed:{change.at.isoformat()}",
                         at=change.at)

    def _close(self, key: str, episode: Episode, route: AlertRoute, change: StatusChange) -> None:
        """Over: whoever heard of it hears it recovered."""
        if episode.fired:
            episode.previous, episode.status, episode.reason = episode.status, change.new, None
            self.enqueue(key, episode, route, "recovered", f"recovered:{change.at.isoformat()}",
                         at=change.at)
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
        return [self.names.get(key.split("|", 1)[1], key) for key, episode in self.state.episodes.items()
                if episode.caused_by == root and key.startswith(f"{route}|")]

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
        if episode.silenced or _acknowledged(self.bundle, component, episode.status, self.now):
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
                self.enqueue(key, episode, route, kind, f"after{level.after:g}", at=self.now,
                             levels=[index])
                fired_now = True
        return fired_now

    def _remind(self, key: str, episode: Episode, route: AlertRoute, age: float, *,
                fired_now: bool) -> None:
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

    def _burn(self, burns: dict[str, BurnEpisode], component: ComponentSummary, speed: str,
              firing: bool, channels: list[str]) -> None:
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
        self, key: str, opened: datetime, kind: AlertKind, component: ComponentSummary,
        channels: list[str], speed: str,
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

    def queue_alert(
        self, scope: str, opened: datetime, event: str, channels: list[str], alert: Alert
    ) -> None:
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
                channel=channel, alert=alert, created_at=self.now, next_at=self.now, attempts=0,
            )


def _deliver(
    entry: QueuedMessage,
    settings: AlertsSettings,
    context: SendContext,
    sleep: Callable[[float], None],
) -> str | None:
    """Send one queued message with retries; the last error, or None when it was delivered."""
    config = settings.channels.get(entry.channel)
    if config is None:
        return f"channel {entry.channel!r} is no longer in alerts.channels"
    kind = CHANNELS[config.type]
    error = ""
    for attempt in range(settings.retry_attempts):
        try:
            kind.send(config, entry.alert, context)
            return None
        except StatusgenError as problem:
            error = str(problem)
        except Exception as problem:  # a bug in one channel must not stop the others
            error = f"{entry.channel}: {type(problem).__name__}"
        if attempt + 1 < settings.retry_attempts:
            sleep(settings.retry_backoff * 2**attempt)
    return error


def _in_maintenance(bundle: Bundle, component: str, when: datetime) -> bool:
    return any(
        i.kind == "maintenance" and component in i.components and i.is_active_at(when)
        for i in bundle.incidents
    )


def _acknowledged(bundle: Bundle, component: str, status: ComponentStatus, when: datetime) -> bool:
    """An open incident that declares `status` or worse for the component means a person is on
    it. One that declares a milder status acknowledges only that: an incident about a partial
    outage must not silence a new major one."""
    return any(
        i.kind == "incident" and i.is_active_at(when)
        and SEVERITY[i.components.get(component, "operational")] >= SEVERITY[status]
        for i in bundle.incidents
    )
