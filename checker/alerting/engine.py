"""Deciding which alerts to send, and sending each exactly once, with the state kept in the store.

Each run does two things with `alerts/state.json`:
1. *Plan* (one conditional read-modify-write): apply the run's transitions and the clock to the
   open outages ("episodes"), queue the messages they call for, and lease the due ones to this run.
   Every queued message has an id derived from (route, component, outage start, event, channel),
   so a retried invocation that replays the same transitions finds its messages already queued or
   done and queues nothing new.
2. *Send* the leased messages in parallel, each channel with its own retries, then record each
   result. A message whose run crashed is leased again after `LEASE_SECONDS`: team alerts are
   at-least-once, because a duplicate page is cheaper than a missed one.
"""

from __future__ import annotations

import copy
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
from checker.alerting.config import AlertRoute, AlertsSettings, alerts_settings, route_key
from checker.alerting.events import Alert, AlertKind, StatusChange
from checker.alerting.mail import Mailer, MailSettings, open_mailer
from checker.errors import StatusgenError
from checker.ids import stable_id
from checker.store import Store
from checker.vocabulary import SEVERITY, ComponentStatus

ALERT_STATE_KEY = "alerts/state.json"
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
    settings = settings if settings is not None else alerts_settings(getattr(bundle, "alerts", None))
    if settings is None or not (settings.routes or settings.slo):
        return AlertReport()
    environment = os.environ if env is None else env
    owner = uuid.uuid4().hex
    changes = sorted(transitions, key=lambda t: t.at)
    current = store.get_json(ALERT_STATE_KEY)
    if current is not None and plan(current, changes, bundle, settings, now, owner, summary) == current:
        return AlertReport()  # nothing happened and nothing is due: spare the write
    state = store.update_json(
        ALERT_STATE_KEY,
        lambda current: plan(current, changes, bundle, settings, now, owner, summary),
    )
    leased = [
        (key, entry)
        for key, entry in state["queue"].items()
        if entry.get("lease", {}).get("owner") == owner
    ]
    if not leased:
        return AlertReport()

    def mailer_for(mail: MailSettings) -> Mailer:
        return open_mailer(mail, environment, ses_client=ses_client)

    import httpx  # here, not at the top: most runs have nothing to send

    with httpx.Client(transport=transport, timeout=10.0) as http:
        context = SendContext(http=http, env=environment, mailer_for=mailer_for)

        def deliver(item: tuple[str, dict[str, Any]]) -> str | None:
            return _deliver(item[1], settings, context, sleep)

        with ThreadPoolExecutor(max_workers=min(8, len(leased))) as pool:
            errors = list(pool.map(deliver, leased))

    report = AlertReport()
    for (key, entry), error in zip(leased, errors, strict=True):
        outcome: dict[str, bool] = {}

        def change(current: dict[str, Any] | None, key: str = key, error: str | None = error,
                   outcome: dict[str, bool] = outcome) -> dict[str, Any]:
            return record(current, key, error, settings, now, owner, outcome)

        store.update_json(ALERT_STATE_KEY, change)
        alert = entry["alert"]
        delivery = Delivery(entry["channel"], alert["kind"], alert["component"], error is None,
                            error, outcome.get("gave_up", False))
        if error is not None:
            logger.warning("alert %s about %s via %s failed%s: %s", alert["kind"],
                           alert["component"], entry["channel"],
                           " (giving up)" if delivery.gave_up else "", error)
        report.deliveries.append(delivery)
    return report


def plan(
    current: dict[str, Any] | None,
    transitions: list[StatusChange],
    bundle: Bundle,
    settings: AlertsSettings,
    now: datetime,
    owner: str,
    summary: Summary | None = None,
) -> dict[str, Any]:
    """The new alert state: `current` with the transitions and the clock applied, the messages
    they call for queued, and the due ones leased to `owner`. Pure, as `update_json` requires."""
    state: dict[str, Any] = copy.deepcopy(current) if current else {}
    episodes: dict[str, dict[str, Any]] = state.setdefault("episodes", {})
    queue: dict[str, dict[str, Any]] = state.setdefault("queue", {})
    done: dict[str, str] = state.setdefault("done", {})
    routes = {route_key(i, r): r for i, r in enumerate(settings.routes)}
    planner = _Planner(bundle, queue, done, now)

    for change in transitions:
        for name, route in routes.items():
            if route.components and change.component not in route.components:
                continue
            key = f"{name}|{change.component}"
            episode = episodes.get(key)
            is_outage = SEVERITY[change.new] >= SEVERITY[route.min_status]
            if is_outage and episode is None:
                episodes[key] = {
                    "opened_at": change.at.isoformat(), "status": change.new,
                    "previous": change.old, "reason": change.reason, "fired": [], "reminders": 0,
                    "silenced": _in_maintenance(bundle, change.component, change.at),
                }
            elif is_outage and episode is not None and episode["status"] != change.new:
                episode.update(previous=episode["status"], status=change.new, reason=change.reason)
                if episode["fired"] and not episode["silenced"]:
                    event = f"changed:{change.at.isoformat()}"
                    planner.enqueue(key, episode, route, "changed", event, at=change.at)
            elif not is_outage and episode is not None:
                if episode["fired"]:
                    episode.update(previous=episode["status"], status=change.new, reason=None)
                    planner.enqueue(key, episode, route, "recovered",
                                    f"recovered:{change.at.isoformat()}", at=change.at)
                del episodes[key]

    for key, episode in list(episodes.items()):
        route_name, component = key.split("|", 1)
        if route_name not in routes:  # the route was removed from the config: forget its outages
            del episodes[key]
            continue
        route = routes[route_name]
        episode["silenced"] = _in_maintenance(bundle, component, now)
        if episode["silenced"] or _acknowledged(bundle, component, episode["status"], now):
            continue
        age = (now - datetime.fromisoformat(episode["opened_at"])).total_seconds()
        fired_now = False
        for index, level in enumerate(route.all_levels()):
            if index not in episode["fired"] and level.after <= age:
                kind: AlertKind = "escalated" if episode["fired"] else "triggered"
                episode["fired"].append(index)
                # Named by the delay, not by the route's own numbering: two routes that tell the
                # same channel at the same delay make one message (see queue_alert).
                planner.enqueue(key, episode, route, kind, f"after{level.after:g}", at=now,
                                levels=[index])
                fired_now = True
        if route.remind_every and episode["fired"]:
            count = int(age // route.remind_every)
            if fired_now:
                episode["reminders"] = count  # a fresh alert is its own reminder
            elif count > episode["reminders"]:
                episode["reminders"] = count
                planner.enqueue(key, episode, route, "reminder", f"remind{count}", at=now)

    if summary is not None and settings.slo is not None:
        _plan_burns(state.setdefault("burns", {}), summary, settings, planner)

    for entry in queue.values():
        lease = entry.get("lease")
        free = lease is None or datetime.fromisoformat(lease["until"]) <= now
        if free and datetime.fromisoformat(entry["next_at"]) <= now:
            entry["lease"] = {"owner": owner,
                              "until": (now + timedelta(seconds=LEASE_SECONDS)).isoformat()}
    for key, when in list(done.items()):
        if datetime.fromisoformat(when) < now - DONE_KEPT:
            del done[key]
    return state


def record(
    current: dict[str, Any] | None,
    key: str,
    error: str | None,
    settings: AlertsSettings,
    now: datetime,
    owner: str,
    outcome: dict[str, bool],
) -> dict[str, Any]:
    """The state after the message `key` was sent (error None) or failed; pure but for `outcome`."""
    state: dict[str, Any] = (
        copy.deepcopy(current) if current else {"episodes": {}, "queue": {}, "done": {}}
    )
    entry = state["queue"].get(key)
    if entry is None or entry.get("lease", {}).get("owner") != owner:
        return state  # our lease ran out and another run has taken the message over
    if error is None:
        del state["queue"][key]
        state["done"][key] = now.isoformat()
        return state
    entry["attempts"] += 1
    entry.pop("lease")
    created = datetime.fromisoformat(entry["created_at"])
    if (now - created).total_seconds() >= settings.give_up_after:
        del state["queue"][key]
        outcome["gave_up"] = True
    else:
        wait = min(60.0 * 2 ** (entry["attempts"] - 1), _MAX_WAIT)
        entry["next_at"] = (now + timedelta(seconds=wait)).isoformat()
    return state


class _Planner:
    """Builds alerts for episodes and queues one message per channel, skipping known ids."""

    def __init__(
        self,
        bundle: Bundle,
        queue: dict[str, dict[str, Any]],
        done: dict[str, str],
        now: datetime,
    ) -> None:
        self.bundle = bundle
        self.queue = queue
        self.done = done
        self.now = now
        self.names = {c.id: c.name for c in bundle.components}

    def enqueue(
        self,
        key: str,
        episode: dict[str, Any],
        route: AlertRoute,
        kind: AlertKind,
        event: str,
        *,
        at: datetime,
        levels: list[int] | None = None,
    ) -> None:
        route_name, component = key.split("|", 1)
        opened = datetime.fromisoformat(episode["opened_at"])
        all_levels = route.all_levels()
        chosen = levels if levels is not None else episode["fired"]
        channels = list(dict.fromkeys(c for i in sorted(chosen) for c in all_levels[i].channels))
        status: ComponentStatus = episode["status"]
        alert = Alert(
            kind=kind,
            component=component,
            component_name=self.names.get(component, component),
            status=status,
            previous_status=episode["previous"],
            started_at=opened,
            at=at,
            duration_seconds=max(0.0, (at - opened).total_seconds()),
            reason=episode["reason"],
            route=route_name,
            level=max(chosen, default=0),
            dedup_key="statusgen-" + stable_id("alert", route_name, component, opened.isoformat()),
            site_name=self.bundle.site.name,
            page_url=self.bundle.site.url + "/",
        )
        self.queue_alert(component, episode["opened_at"], event, channels, alert)

    def enqueue_burn(
        self, key: str, opened_at: str, kind: AlertKind, component: ComponentSummary,
        channels: list[str], speed: str,
    ) -> None:
        slo = component.slo
        assert slo is not None
        opened = datetime.fromisoformat(opened_at)
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
            dedup_key="statusgen-" + stable_id("burn", speed, component.id, opened_at),
            site_name=self.bundle.site.name,
            page_url=self.bundle.site.url + "/",
            burn="fast" if speed == "fast" else "slow",
            burn_rate=slo.burn_rates.get("1h" if speed == "fast" else "6h"),
            budget_left=slo.remaining_ratio,
            objective=slo.target,
        )
        self.queue_alert(key, opened_at, kind, channels, alert)

    def queue_alert(
        self, scope: str, opened_at: str, event: str, channels: list[str], alert: Alert
    ) -> None:
        """One message per channel per event, with an id that a replay of the event reproduces.

        For outages `scope` is the component alone, not the route: every route that matches asks
        for its channels, and a channel two routes name gets the message once (routes add
        channels, they do not repeat them).
        """
        for channel in channels:
            identity = "|".join((scope, opened_at, event, channel))
            message_id = hashlib.sha256(identity.encode()).hexdigest()[:32]
            if message_id in self.queue or message_id in self.done:
                continue
            self.queue[message_id] = {
                "channel": channel,
                "alert": alert.model_dump(mode="json"),
                "created_at": self.now.isoformat(),
                "next_at": self.now.isoformat(),
                "attempts": 0,
            }


def _plan_burns(
    burns: dict[str, dict[str, Any]], summary: Summary, settings: AlertsSettings,
    planner: _Planner,
) -> None:
    """Open and close burn-rate episodes from the summary's error-budget figures."""
    assert settings.slo is not None
    covered = settings.slo.components
    for component in summary.components:
        if component.slo is None or (covered and component.id not in covered):
            continue
        rules = (("fast", component.slo.fast_burn, settings.slo.fast),
                 ("slow", component.slo.slow_burn, settings.slo.slow))
        for speed, firing, channels in rules:
            key = f"slo-{speed}|{component.id}"
            episode = burns.get(key)
            if firing and episode is None and channels:
                if _in_maintenance(planner.bundle, component.id, planner.now):
                    continue
                burns[key] = {"opened_at": planner.now.isoformat()}
                planner.enqueue_burn(key, burns[key]["opened_at"], "triggered", component,
                                     channels, speed)
            elif not firing and episode is not None:
                planner.enqueue_burn(key, episode["opened_at"], "recovered", component,
                                     channels, speed)
                del burns[key]


def _deliver(
    entry: dict[str, Any],
    settings: AlertsSettings,
    context: SendContext,
    sleep: Callable[[float], None],
) -> str | None:
    """Send one queued message with retries; the last error, or None when it was delivered."""
    config = settings.channels.get(entry["channel"])
    if config is None:
        return f"channel {entry['channel']!r} is no longer in alerts.channels"
    alert = Alert.model_validate(entry["alert"])
    kind = CHANNELS[config.type]
    error = ""
    for attempt in range(settings.retry_attempts):
        try:
            kind.send(config, alert, context)
            return None
        except StatusgenError as problem:
            error = str(problem)
        except Exception as problem:  # a bug in one channel must not stop the others
            error = f"{entry['channel']}: {type(problem).__name__}"
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
