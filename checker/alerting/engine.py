"""Deciding which alerts to send, and sending each exactly once, with the state kept in the store.

Each run does two things with `alerts/state.json`:
1. *Plan* (one conditional read-modify-write; checker.alerting.planner): apply the run's
   transitions and the clock to the open outages ("episodes"), queue the messages they call for,
   and lease the due ones to this run. The document's parts are typed models (checker.alerting.state).
   Every queued message has an id derived from (route, component, outage start, event, channel),
   so a retried invocation that replays the same transitions finds its messages already queued or
   done and queues nothing new.
2. *Send* the leased messages in parallel, each channel with its own retries, then record each
   result (checker.alerting.delivery). A message whose run crashed is leased again after
   `LEASE_SECONDS`: team alerts are at-least-once, because a duplicate page is cheaper than a
   missed one.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from checker.alerting.channels import SendContext
from checker.alerting.config import AlertsSettings
from checker.alerting.delivery import send_with_retries, store_outcome
from checker.alerting.events import AlertKind
from checker.alerting.mail import Mailer, MailSettings, open_mailer
from checker.alerting.planner import plan
from checker.alerting.state import ALERT_STATE_KEY, AlertState, QueuedMessage
from checker.store import Store

if TYPE_CHECKING:  # types only: Bundle may carry AlertsSettings; httpx loads where messages are sent
    import httpx

    from checker.bundle import Bundle
    from checker.derived.state import Transition
    from checker.summary import Summary

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
    transitions: Iterable[Transition],
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
    leased = [
        (key, entry) for key, entry in state.queue.items() if entry.lease is not None and entry.lease.owner == owner
    ]
    if not leased:
        return AlertReport()

    def mailer_for(mail: MailSettings) -> Mailer:
        return open_mailer(mail, environment, ses_client=ses_client)

    import httpx  # here, not at the top: most runs have nothing to send

    with httpx.Client(transport=transport, timeout=10.0) as http:
        context = SendContext(http=http, env=environment, mailer_for=mailer_for)

        def deliver(item: tuple[str, QueuedMessage]) -> str | None:
            return send_with_retries(item[1], settings, context, sleep)

        with ThreadPoolExecutor(max_workers=min(8, len(leased))) as pool:
            errors = list(pool.map(deliver, leased))

    report = AlertReport()
    for (key, entry), error in zip(leased, errors, strict=True):
        gave_up = store_outcome(store, key, error, settings, now, owner)
        alert = entry.alert
        delivery = Delivery(entry.channel, alert.kind, alert.component, error is None, error, gave_up)
        if error is not None:
            logger.warning(
                "alert %s about %s via %s failed%s: %s",
                alert.kind,
                alert.component,
                entry.channel,
                " (giving up)" if delivery.gave_up else "",
                error,
            )
        report.deliveries.append(delivery)
    return report
