"""Telling subscribers: after a publish, send every new update, once per subscriber.

The ledger in the store is described in site_builder.notify.ledger. Only subscribers who confirmed
no later than an event are chosen to hear of it: a first pass never mails anyone the past. Each
recipient's marker is *written before sending* with a create-only write. Two runs can never both
claim a recipient, and a run that crashes mid-send leaves a `sending` marker that the next run will
not resend: a crash can cost at most the messages in flight at that moment (one per worker), never
a duplicate and never the rest. Duplicates are the worse failure here: they go to the public and
they train people to ignore or unsubscribe. A definite failure (SMTP refusal, non-2xx, timeout)
becomes `retry` with backoff.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from checker.alerting.mail import Mailer, open_mailer
from checker.backoff import delay
from checker.bundle import Bundle
from checker.errors import DeliveryError, PreconditionFailed
from checker.secrets import expand_text
from checker.store import Store
from checker.subscriber_settings import SubscribersSettings
from checker.summary import Summary
from site_builder.notify.events import NotificationEvent, notification_events
from site_builder.notify.ledger import (
    EVENTS_PREFIX,
    LEDGER_KEY,
    SENT_PREFIX,
    DeliveryMarker,
    Ledger,
    LedgerEntry,
    Recipients,
)
from site_builder.notify.messages import update_email, webhook_payload
from site_builder.notify.webhook_target import Resolver, system_resolver, webhook_target
from site_builder.subscribe import records, tokens
from site_builder.subscribe.endpoint import unsubscribe_url
from site_builder.subscribe.records import Subscriber

if TYPE_CHECKING:
    import httpx

EMAIL_ATTEMPTS = 5
"""Tries before an email that the server keeps refusing is dropped."""
_MAX_WAIT = 6 * 3600.0

Outcome = Literal["sent", "skipped", "dropped", "disabled", "uncertain", "failed", "waiting", "earlier"]
"""`earlier`: a previous run already finished this recipient; `waiting`: a retry not due yet."""
_FINAL = {"sent", "skipped", "dropped", "disabled", "uncertain", "earlier"}

logger = logging.getLogger("statusgen.notify")


@dataclass
class NotifyReport:
    """What one notification pass did; subscribers appear only as counts, never by address."""

    sent: int = 0
    failed: int = 0
    """Deliveries that failed this time and will be retried on a later run."""
    dropped: int = 0
    disabled: int = 0
    """Webhook subscribers disabled after failing for `webhook_disable_after`."""
    uncertain: int = 0
    """Recipients claimed by a run that crashed while sending; not resent (see module docs)."""
    skipped_old: int = 0
    """Events older than `max_event_age` when first seen: recorded, not sent."""
    events: int = 0
    """Events processed this run."""

    def __str__(self) -> str:
        counts = {
            "sent": self.sent,
            "to retry": self.failed,
            "dropped": self.dropped,
            "disabled": self.disabled,
            "uncertain": self.uncertain,
        }
        said = ", ".join(f"{n} {name}" for name, n in counts.items() if n or name == "sent")
        old = f"; {self.skipped_old} old event(s) recorded unsent" if self.skipped_old else ""
        return f"subscribers: {said} for {self.events} new event(s){old}"


def notify_subscribers(
    bundle: Bundle,
    store: Store,
    *,
    now: datetime,
    settings: SubscribersSettings | None = None,
    summary: Summary | None = None,
    env: Mapping[str, str] | None = None,
    mailer: Mailer | None = None,
    transport: httpx.BaseTransport | None = None,
    resolve: Resolver = system_resolver,
    ses_client: Any = None,
    workers: int = 8,
) -> NotifyReport:
    """Send what is new in `bundle` since the ledger was last written; see the module docs.

    `settings` default to the bundle's `subscribers`; `summary` (the checker's) makes the page
    status in webhooks include measured outages; `mailer` replaces the configured email backend;
    `resolve` looks up webhook host names (see webhook_target).
    """
    if settings is None:
        settings = bundle.subscribers
    report = NotifyReport()
    if settings is None or not settings.enabled:
        return report
    environment = os.environ if env is None else env
    secret = tokens.check_secret(expand_text(settings.token_secret, environment, "subscribers.token_secret"))
    base = settings.endpoint_base(bundle.site.url, environment)
    ledger = Ledger.model_validate(store.get_json(LEDGER_KEY) or {}).events
    todo = [e for e in notification_events(bundle, now) if e.id not in ledger or not ledger[e.id].done]
    old = [e for e in todo if e.id not in ledger and (now - e.at).total_seconds() > settings.max_event_age]
    if old:
        _mark(store, {e.id: True for e in old}, now)
        report.skipped_old = len(old)
    fresh = [e for e in todo if e not in old]
    if not fresh:
        return report

    active: list[Subscriber] | None = None

    def subscribers() -> list[Subscriber]:
        nonlocal active
        if active is None:
            everyone = list(records.all_subscribers(store))
            _forget_unconfirmed(store, everyone, now, settings.confirm_within)
            active = [s for s in everyone if s.status == "active"]
        return active

    import httpx  # here, not at the top: most builds have nothing new to send

    the_mailer = mailer or open_mailer(settings.email, environment, ses_client=ses_client)
    with httpx.Client(transport=transport, timeout=settings.webhook_timeout, follow_redirects=False) as http:
        for event in fresh:
            job = _EventJob(bundle, summary, store, settings, event, now, secret, base, the_mailer, http, resolve)
            recipients = _recipients(store, event, subscribers, now)
            with ThreadPoolExecutor(max_workers=max(1, min(workers, len(recipients) or 1))) as pool:
                outcomes = list(pool.map(job.deliver, recipients))
            for outcome in outcomes:
                if outcome == "failed":
                    report.failed += 1
                elif outcome in ("sent", "dropped", "disabled", "uncertain"):
                    setattr(report, outcome, getattr(report, outcome) + 1)
            _mark(store, {event.id: all(o in _FINAL for o in outcomes)}, now)
            report.events += 1
    return report


def _recipients(
    store: Store,
    event: NotificationEvent,
    subscribers: Callable[[], list[Subscriber]],
    now: datetime,
) -> list[str]:
    key = f"{EVENTS_PREFIX}{event.id}.json"
    known = store.get_json(key)
    if known is not None:
        return Recipients.model_validate(known).recipients
    # Component changes go to webhooks only, as on Statuspage: email subscribers already get the
    # incident itself, and a second mail per component would be noise. Nobody hears of what
    # happened before they subscribed, however late this pass sees it (subscriptions just turned
    # on, a first build, a new clone): news from before then is the past to them.
    chosen = sorted(
        s.id
        for s in subscribers()
        if s.wants(event.components)
        and (s.kind == "webhook" or event.kind != "component_updated")
        and s.subscribed_at <= event.at
    )
    record = Recipients(kind=event.kind, incident=event.incident.slug, first_seen_at=now, recipients=chosen)
    try:
        store.put_json(key, record.model_dump(mode="json"), if_none_match=True)
    except PreconditionFailed:  # another run fixed the list first: use theirs
        theirs = store.get_json(key)
        return chosen if theirs is None else Recipients.model_validate(theirs).recipients
    return chosen


def _forget_unconfirmed(store: Store, subscribers: list[Subscriber], now: datetime, confirm_within: float) -> None:
    """Delete pending records whose confirmation link has expired: an address nobody confirmed
    is not kept. Done here, where the list is read anyway, rather than in a job of its own."""
    for subscriber in subscribers:
        age = (now - subscriber.created_at).total_seconds()
        if subscriber.status == "pending" and age > confirm_within:
            records.delete(store, subscriber.id)


def _mark(store: Store, done: dict[str, bool], now: datetime) -> None:
    def change(current: Any) -> Any:
        ledger = Ledger.model_validate(current or {})
        for event_id, finished in done.items():
            entry = ledger.events.get(event_id)
            if entry is None:
                ledger.events[event_id] = LedgerEntry(first_seen_at=now, done=finished)
            else:
                entry.done = finished
        return ledger.model_dump(mode="json")

    store.update_json(LEDGER_KEY, change)


@dataclass
class _EventJob:
    bundle: Bundle
    summary: Summary | None
    store: Store
    settings: SubscribersSettings
    event: NotificationEvent
    now: datetime
    secret: str
    base: str
    mailer: Mailer
    http: httpx.Client
    resolve: Resolver

    def deliver(self, subscriber_id: str) -> Outcome:
        """Claim, send and record one recipient's message; never raises for a delivery error."""
        key = f"{SENT_PREFIX}{self.event.id}/{subscriber_id}.json"
        attempts = 0
        existing = self.store.get(key)
        try:
            if existing is None:
                self._set(key, DeliveryMarker(state="sending", at=self.now), if_none_match=True)
            else:
                marker = DeliveryMarker.model_validate(existing.json())
                if marker.state == "sending":
                    return "uncertain"
                if marker.state != "retry":
                    return "earlier"
                if marker.next_at is not None and marker.next_at > self.now:
                    return "waiting"
                attempts = marker.attempts or 0
                claimed = marker.model_copy(update={"state": "sending", "at": self.now})
                self._set(key, claimed, if_match=existing.etag)
        except PreconditionFailed:
            return "uncertain"  # another run claimed it a moment ago and is sending it
        subscriber = records.load(self.store, subscriber_id)
        if subscriber is None or subscriber.status != "active":
            self._set(key, DeliveryMarker(state="skipped"))
            return "skipped"
        try:
            self._send(subscriber)
        except DeliveryError as error:
            return self._failed(key, subscriber, attempts + 1, error)
        except Exception as error:  # one unwritable message must not stop the rest
            # Not a refusal by the other side but a message that cannot be written (content that
            # slipped past validation, a bug): it would fail the same way on every retry, so this
            # recipient's copy is dropped with a log line and everyone else is still sent theirs.
            logger.error(
                "notify %s: the message to subscriber %s could not be written (%s); dropped",
                self.event.id,
                subscriber.id,
                type(error).__name__,
            )
            self._set(key, DeliveryMarker(state="dropped", reason="unwritable"))
            return "dropped"
        self._set(key, DeliveryMarker(state="sent", at=self.now))
        if subscriber.failing_since is not None:
            records.save(self.store, subscriber.model_copy(update={"failing_since": None}))
        return "sent"

    def _send(self, subscriber: Subscriber) -> None:
        link = unsubscribe_url(self.base, self.secret, subscriber.id, self.now)
        if subscriber.kind == "email":
            self.mailer.send(
                update_email(
                    self.bundle,
                    self.event,
                    from_address=self.settings.email.from_address,
                    to=subscriber.address,
                    unsubscribe_url=link,
                    message_id=f"{self.event.id}.{subscriber.id}",
                )
            )
            return
        payload = {**self.webhook_body, "meta": {**self.webhook_body["meta"], "unsubscribe": link}}
        target = webhook_target(
            subscriber.address, allow_private=self.settings.allow_private_webhooks, resolve=self.resolve
        )
        import httpx  # loaded by now: `notify_subscribers` made the client

        try:
            response = self.http.post(
                target.url,
                json=payload,
                extensions=target.extensions,
                headers={"User-Agent": "statusgen-webhook", **target.headers},
            )
        except httpx.HTTPError as error:
            raise DeliveryError(f"webhook: no answer: {type(error).__name__}") from error
        if not response.is_success:
            raise DeliveryError(f"webhook: answered {response.status_code}")

    @cached_property
    def webhook_body(self) -> dict[str, Any]:
        """The event's webhook body, rendered once (only the unsubscribe link differs)."""
        return webhook_payload(self.bundle, self.event, "", self.summary)

    def _failed(self, key: str, subscriber: Subscriber, attempts: int, error: DeliveryError) -> Outcome:
        logger.warning("notify %s: delivery to subscriber %s failed: %s", self.event.id, subscriber.id, error)
        if subscriber.kind == "webhook":
            since = subscriber.failing_since or self.now
            if (self.now - since).total_seconds() >= self.settings.webhook_disable_after:
                records.save(self.store, subscriber.model_copy(update={"status": "disabled"}))
                self._set(key, DeliveryMarker(state="disabled", attempts=attempts))
                logger.warning(
                    "notify: webhook subscriber %s disabled after failing since %s", subscriber.id, since.isoformat()
                )
                return "disabled"
            if subscriber.failing_since is None:
                records.save(self.store, subscriber.model_copy(update={"failing_since": self.now}))
        elif attempts >= EMAIL_ATTEMPTS:
            self._set(key, DeliveryMarker(state="dropped", attempts=attempts))
            return "dropped"
        wait = delay(attempts - 1, base=60.0, cap=_MAX_WAIT)
        next_at = self.now + timedelta(seconds=wait)
        self._set(key, DeliveryMarker(state="retry", attempts=attempts, next_at=next_at))
        return "failed"

    def _set(
        self, key: str, marker: DeliveryMarker, *, if_none_match: bool = False, if_match: str | None = None
    ) -> None:
        self.store.put_json(key, marker.model_dump(mode="json"), if_none_match=if_none_match, if_match=if_match)
