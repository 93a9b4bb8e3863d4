"""The whole subscriber flow, end to end: subscribe, confirm, incident, one mail each, unsubscribe."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, message_from_string, policy
from typing import Any
from urllib.parse import urlencode, urlsplit

import boto3
import httpx
import pytest
from moto import mock_aws

from checker.alerting.mail import MailSettings
from checker.errors import DeliveryError
from checker.store import LocalStore
from checker.subscriber_settings import SubscribersSettings
from site_builder.notify.deliver import notify_subscribers
from site_builder.notify.events import notification_events
from site_builder.notify.webhook_target import webhook_target
from site_builder.subscribe import Request, handle_subscribe_request, records, tokens
from site_builder.subscribe.records import Subscriber

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
ENV = {"TOKEN_SECRET": "s" * 40, "SMTP_PASSWORD": "unused"}
BASE = "https://status.example.com"


def settings(**mail: Any) -> SubscribersSettings:
    return SubscribersSettings(
        token_secret="${TOKEN_SECRET}",
        email=MailSettings(from_address="Example Status <status@example.com>", **mail),
        allow_private_webhooks=True,
    )


class Flow:
    """Drives the endpoint and the sender the way the server and `statusgen build` do."""

    def __init__(self, store: LocalStore, bundle: Any, config: SubscribersSettings, **send: Any) -> None:
        self.store, self.bundle, self.config, self.send = store, bundle, config, send

    def http(self, method: str, url: str, body: bytes = b"", now: datetime = NOW) -> Any:
        parts = urlsplit(url)
        request = Request(
            method, parts.path, parts.query, body, {"content-type": "application/x-www-form-urlencoded"}, "198.51.100.9"
        )
        return handle_subscribe_request(
            request,
            bundle=self.bundle,
            store=self.store,
            now=now,
            settings=self.config,
            env=ENV,
            mailer=self.send.get("mailer"),
        )

    def subscribe(self, **form: str) -> Any:
        return self.http("POST", f"{BASE}/subscribe", urlencode(form).encode())

    def publish(self, bundle: Any, now: datetime) -> Any:
        self.bundle = bundle
        return notify_subscribers(bundle, self.store, now=now, settings=self.config, env=ENV, **self.send)


def plain(mail: Any) -> str:
    return str(mail.get_body(preferencelist=("plain",)).get_content())


def confirm_link(text: str) -> str:
    return re.search(rf"{BASE}/confirm\?token=\S+", text)[0]


def api_incident(make_incident: Any, *updates: tuple[str, str, str]) -> Any:
    return make_incident("2026-11-22-api-errors", {"api": "partial_outage"}, list(updates))


FIRST = ("2026-11-22T14:05:00+00:00", "investigating", "We are investigating **errors**.")
SECOND = ("2026-11-22T14:30:00+00:00", "identified", "A database replica failed.")


def test_whole_flow_over_a_real_smtp_server(smtp_server, make_bundle, make_incident, tmp_path):
    config = settings(backend="smtp", smtp_host=smtp_server.host, smtp_port=smtp_server.port)
    flow = Flow(LocalStore(tmp_path / "store"), make_bundle(), config)
    for address, components in (("ada@example.com", "api"), ("bob@example.com", ""), ("cy@example.com", "db")):
        assert flow.subscribe(email=address, components=components).status == 202
    assert [m["To"] for m in smtp_server.messages] == ["ada@example.com", "bob@example.com", "cy@example.com"]
    for mail in smtp_server.messages:
        assert flow.http("GET", confirm_link(plain(mail))).status == 200
    smtp_server.messages.clear()

    report = flow.publish(make_bundle([api_incident(make_incident, FIRST)]), NOW + timedelta(minutes=6))
    again = flow.publish(flow.bundle, NOW + timedelta(minutes=7))  # the next build: nothing new

    assert (report.sent, again.sent) == (2, 0)
    assert sorted(m["To"] for m in smtp_server.messages) == ["ada@example.com", "bob@example.com"]
    ada = next(m for m in smtp_server.messages if m["To"] == "ada@example.com")
    assert ada["Subject"] == "[Example] New incident: Elevated API errors"
    assert ada["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = ada.get_body(preferencelist=("plain",)).get_content()
    assert "We are investigating **errors**." in text
    assert "Affected: API" in text
    assert "Details: https://status.example.com/incidents/2026-11-22-api-errors/" in text
    html = ada.get_body(preferencelist=("html",)).get_content()
    assert "<p>We are investigating <strong>errors</strong>.</p>" in html

    unsubscribe = ada["List-Unsubscribe"].strip("<>")
    assert unsubscribe in text
    assert flow.http("POST", unsubscribe, b"List-Unsubscribe=One-Click").status == 200
    smtp_server.messages.clear()

    flow.publish(make_bundle([api_incident(make_incident, FIRST, SECOND)]), NOW + timedelta(minutes=31))

    assert [m["To"] for m in smtp_server.messages] == ["bob@example.com"]
    assert smtp_server.messages[0]["Subject"] == "[Example] Incident update: Elevated API errors"


@mock_aws
def test_whole_flow_with_ses_and_a_webhook(receiver, make_bundle, make_incident, tmp_path):
    from moto.backends import get_backend

    ses = boto3.client("ses", region_name="eu-west-1")
    ses.verify_email_identity(EmailAddress="status@example.com")
    config = settings(backend="ses", ses_region="eu-west-1")
    flow = Flow(LocalStore(tmp_path / "store"), make_bundle(), config, ses_client=ses)
    sent = get_backend("ses")["123456789012"]["eu-west-1"].sent_messages

    flow.subscribe(email="ada@example.com")  # the confirmation goes out through SES as well
    flow.subscribe(webhook=receiver.url + "/statuspage")
    confirmation = message_from_string(sent[0].raw_data, policy=policy.default)
    assert confirmation["To"] == "ada@example.com"
    assert flow.http("GET", confirm_link(plain(confirmation))).status == 200

    flow.publish(make_bundle([api_incident(make_incident, FIRST)]), NOW + timedelta(minutes=6))

    assert len(sent) == 2 and "Subject: [Example] New incident: Elevated API errors" in sent[1].raw_data
    incident_hook, component_hook = sorted(receiver.requests, key=lambda r: "component" in r.json())
    api_id = flow.bundle.component("api").statuspage_id
    change = component_hook.json()
    assert sorted(change) == ["component", "component_update", "meta", "page"]
    assert change["component_update"] == {
        "id": change["component_update"]["id"],
        "component_id": api_id,
        "created_at": "2026-11-22T14:05:00.000Z",
        "old_status": "operational",
        "new_status": "partial_outage",
    }
    assert (change["component"]["id"], change["component"]["name"], change["component"]["status"]) == (
        api_id,
        "API",
        "partial_outage",
    )
    payload = incident_hook.json()
    assert sorted(payload) == ["incident", "meta", "page"]
    assert payload["meta"]["unsubscribe"].startswith(BASE + "/unsubscribe?token=")
    assert payload["page"] == {
        "id": flow.bundle.site.page_id,
        "status_indicator": "minor",
        "status_description": "Minor Service Outage",
    }
    incident = payload["incident"]
    assert (incident["name"], incident["status"], incident["impact"]) == (
        "Elevated API errors",
        "investigating",
        "major",
    )
    assert incident["shortlink"] == BASE + "/incidents/2026-11-22-api-errors/"
    assert incident["created_at"] == "2026-11-22T14:05:00.000Z"
    assert incident["resolved_at"] is None
    (update,) = incident["incident_updates"]
    assert (update["status"], update["body"], update["created_at"]) == (
        "investigating",
        "We are investigating errors.",
        "2026-11-22T14:05:00.000Z",
    )
    assert [(c["id"], c["name"], c["status"]) for c in incident["components"]] == [(api_id, "API", "partial_outage")]

    # The webhook's own unsubscribe link works like the email one.
    assert flow.http("POST", payload["meta"]["unsubscribe"]).status == 200
    flow.publish(make_bundle([api_incident(make_incident, FIRST, SECOND)]), NOW + timedelta(minutes=31))
    assert len(receiver.requests) == 2 and len(sent) == 3


def test_failing_webhook_is_retried_then_disabled_after_three_days(receiver, make_bundle, make_incident, tmp_path):
    flow = Flow(LocalStore(tmp_path / "store"), make_bundle(), settings())
    flow.subscribe(webhook=receiver.url + "/hook")
    bundle = make_bundle([api_incident(make_incident, FIRST)])
    receiver.respond(500, 503)

    first = flow.publish(bundle, NOW + timedelta(minutes=6))
    soon = flow.publish(bundle, NOW + timedelta(minutes=6, seconds=30))  # backoff: not yet
    later = flow.publish(bundle, NOW + timedelta(minutes=8))
    last = flow.publish(bundle, NOW + timedelta(minutes=11))

    # Two events (the incident, and the component it took to partial_outage) fail, wait, succeed.
    assert (first.failed, soon.failed, soon.sent, later.sent) == (2, 0, 0, 2)
    assert last.events == 0
    assert len(receiver.requests) == 4
    (record,) = records.all_subscribers(flow.store)
    assert record.failing_since is None  # a success clears the failure streak

    receiver.respond(*[500] * 20)
    second = make_bundle([api_incident(make_incident, FIRST, SECOND)])
    for hours in (0, 1, 24, 48, 71, 73):
        flow.publish(second, NOW + timedelta(minutes=31, hours=hours))
    (record,) = records.all_subscribers(flow.store)
    assert record.status == "disabled"


def test_old_history_is_not_mailed_when_notifications_are_turned_on(make_bundle, make_incident, tmp_path):
    flow = Flow(
        LocalStore(tmp_path / "store"), make_bundle(), settings(backend="outbox", outbox=str(tmp_path / "outbox"))
    )
    flow.subscribe(webhook="http://127.0.0.1:9/never-called")
    old = make_incident(
        "2026-11-01-old", {"api": "major_outage"}, [("2026-11-01T10:00:00+00:00", "investigating", "Old news.")]
    )
    report = flow.publish(make_bundle([old]), NOW)
    assert (report.skipped_old, report.sent, report.failed) == (2, 0, 0)  # incident + component


def test_maintenance_events_follow_the_clock(make_bundle, make_incident):
    window = make_incident(
        "2026-11-23-db-upgrade",
        {"db": "under_maintenance"},
        [
            ("2026-11-22T09:00:00+00:00", "scheduled", "We will upgrade the database."),
            ("2026-11-23T02:05:00+00:00", "in_progress", "Started."),
        ],
        kind="maintenance",
        title="Database upgrade",
        scheduled=("2026-11-23T02:00:00+00:00", "2026-11-23T03:00:00+00:00"),
    )
    bundle = make_bundle([window])

    def kinds(at: str) -> list[str]:
        events = notification_events(bundle, datetime.fromisoformat(at))
        return [e.kind for e in events if e.kind != "component_updated"]

    assert kinds("2026-11-22T10:00:00+00:00") == ["maintenance_scheduled"]
    # Once the window has begun, the announcement is no longer news (and is not sent if missed).
    assert kinds("2026-11-23T02:01:00+00:00") == ["maintenance_started"]
    # The in_progress update written after the clock started it is the same event, not a second.
    assert kinds("2026-11-23T03:01:00+00:00") == ["maintenance_started", "maintenance_completed"]
    events = notification_events(bundle, datetime.fromisoformat("2026-11-23T03:01:00+00:00"))
    started = events[0] if events[0].kind == "maintenance_started" else events[1]
    assert started.update is not None and started.update.body == "Started."
    assert [
        (e.component, e.old_status, e.new_status, e.at.isoformat()) for e in events if e.kind == "component_updated"
    ] == [
        ("db", "operational", "under_maintenance", "2026-11-23T02:00:00+00:00"),
        ("db", "under_maintenance", "operational", "2026-11-23T03:00:00+00:00"),
    ]


def test_component_filter_is_checked_against_the_event(make_bundle, make_incident, tmp_path, receiver):
    flow = Flow(LocalStore(tmp_path / "store"), make_bundle(), settings())
    flow.subscribe(webhook=receiver.url + "/db-only", components="db")
    flow.subscribe(webhook=receiver.url + "/api-only", components="api")
    flow.publish(make_bundle([api_incident(make_incident, FIRST)]), NOW + timedelta(minutes=6))
    assert {r.path for r in receiver.requests} == {"/api-only"}


def test_webhook_redirects_are_not_followed(make_bundle, make_incident, tmp_path):
    def redirect(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/"})

    flow = Flow(LocalStore(tmp_path / "store"), make_bundle(), settings(), transport=httpx.MockTransport(redirect))
    flow.subscribe(webhook="http://127.0.0.1:9/hook")
    report = flow.publish(make_bundle([api_incident(make_incident, FIRST)]), NOW + timedelta(minutes=6))
    assert (report.sent, report.failed) == (0, 2)


def test_unconfirmed_addresses_are_forgotten_after_the_link_expires(make_bundle, make_incident, tmp_path):
    flow = Flow(
        LocalStore(tmp_path / "store"), make_bundle(), settings(backend="outbox", outbox=str(tmp_path / "outbox"))
    )
    flow.subscribe(email="never-confirms@example.com")
    assert len(list(records.all_subscribers(flow.store))) == 1
    late = NOW + timedelta(days=8)
    update = ("2026-11-30T13:00:00+00:00", "investigating", "Slow pages.")
    flow.publish(make_bundle([api_incident(make_incident, update)]), late)
    assert list(records.all_subscribers(flow.store)) == []


def test_maintenance_mails_into_the_outbox(make_bundle, make_incident, tmp_path):
    outbox = tmp_path / "outbox"
    flow = Flow(LocalStore(tmp_path / "store"), make_bundle(), settings(backend="outbox", outbox=str(outbox)))
    flow.subscribe(email="ada@example.com")
    (confirmation,) = outbox.glob("*.eml")
    flow.http("GET", confirm_link(plain(message_from_bytes(confirmation.read_bytes(), policy=policy.default))))
    confirmation.unlink()
    window = make_incident(
        "2026-11-23-db-upgrade",
        {"db": "under_maintenance"},
        # Announced as the subscriber confirms (NOW): anything earlier is news from before them.
        [("2026-11-22T14:00:00+00:00", "scheduled", "We will upgrade the database.")],
        kind="maintenance",
        title="Database upgrade",
        scheduled=("2026-11-23T02:00:00+00:00", "2026-11-23T03:00:00+00:00"),
    )
    bundle = make_bundle([window])
    for at in (
        "2026-11-22T14:00:00+00:00",
        "2026-11-23T02:00:30+00:00",
        "2026-11-23T02:30:00+00:00",
        "2026-11-23T03:01:00+00:00",
    ):
        flow.publish(bundle, datetime.fromisoformat(at))

    mails = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in outbox.glob("*.eml")]
    assert sorted(m["Subject"] for m in mails) == [
        "[Example] Maintenance completed: Database upgrade",
        "[Example] Maintenance in progress: Database upgrade",
        "[Example] Scheduled maintenance: Database upgrade",
    ]
    scheduled = next(m for m in mails if "Scheduled" in m["Subject"])
    assert "Scheduled from 2026-11-23 02:00 to 2026-11-23 03:00 UTC" in plain(scheduled)
    assert "We will upgrade the database." in plain(scheduled)


def test_refused_email_is_retried_on_the_next_publish(smtp_server, make_bundle, make_incident, tmp_path):
    config = settings(backend="smtp", smtp_host=smtp_server.host, smtp_port=smtp_server.port)
    flow = Flow(LocalStore(tmp_path / "store"), make_bundle(), config)
    sid = tokens.subscriber_id("s" * 40, "email", "ada@example.com")
    records.save(
        flow.store,
        Subscriber(id=sid, kind="email", address="ada@example.com", status="active", created_at=NOW, confirmed_at=NOW),
    )
    original = smtp_server.mailbox.handle_DATA
    refusals = [1]

    async def refuse_once(server: object, session: object, envelope: Any) -> str:
        if refusals:
            refusals.pop()
            return "451 4.3.0 try again later"
        return await original(server, session, envelope)

    smtp_server.mailbox.handle_DATA = refuse_once  # type: ignore[method-assign]
    bundle = make_bundle([api_incident(make_incident, FIRST)])
    first = flow.publish(bundle, NOW + timedelta(minutes=6))
    second = flow.publish(bundle, NOW + timedelta(minutes=8))

    assert (first.failed, first.sent, second.sent) == (1, 0, 1)
    assert [m["To"] for m in smtp_server.messages] == ["ada@example.com"]


def test_unwritable_outbox_is_a_failed_delivery_not_a_crash(make_bundle, make_incident, tmp_path):
    blocked = tmp_path / "outbox"
    blocked.write_text("a file where the folder should be")
    flow = Flow(LocalStore(tmp_path / "store"), make_bundle(), settings(backend="outbox", outbox=str(blocked)))
    sid = tokens.subscriber_id("s" * 40, "email", "ada@example.com")
    records.save(
        flow.store,
        Subscriber(id=sid, kind="email", address="ada@example.com", status="active", created_at=NOW, confirmed_at=NOW),
    )
    report = flow.publish(make_bundle([api_incident(make_incident, FIRST)]), NOW + timedelta(minutes=6))
    assert (report.sent, report.failed) == (0, 1)


def webhook_subscriber(flow: Flow, url: str) -> None:
    """A webhook accepted earlier (when its name resolved to a public address)."""
    records.save(
        flow.store,
        Subscriber(id="hook", kind="webhook", address=url, status="active", created_at=NOW - timedelta(days=1)),
    )


def test_a_webhook_name_that_now_points_inside_gets_nothing(make_bundle, make_incident, tmp_path, receiver):
    looked_up = []

    def resolve(host: str, port: int) -> list[str]:
        looked_up.append((host, port))
        return ["127.0.0.1"]  # the name was re-pointed at the checker's own network

    port = urlsplit(receiver.url).port
    flow = Flow(
        LocalStore(tmp_path / "store"),
        make_bundle(),
        settings().model_copy(update={"allow_private_webhooks": False}),
        resolve=resolve,
    )
    webhook_subscriber(flow, f"https://hooks.example.test:{port}/hook")
    report = flow.publish(make_bundle([api_incident(make_incident, FIRST)]), NOW + timedelta(minutes=6))
    assert report.sent == 0 and report.failed >= 1
    assert looked_up and looked_up[0] == ("hooks.example.test", port)
    assert receiver.requests == []


def test_a_webhook_goes_to_the_address_that_was_checked(make_bundle, make_incident, tmp_path, receiver):
    port = urlsplit(receiver.url).port
    flow = Flow(LocalStore(tmp_path / "store"), make_bundle(), settings(), resolve=lambda host, port: ["127.0.0.1"])
    webhook_subscriber(flow, f"http://hooks.example.test:{port}/hook")
    report = flow.publish(make_bundle([api_incident(make_incident, FIRST)]), NOW + timedelta(minutes=6))
    assert report.failed == 0 and report.sent >= 1
    assert {r.path for r in receiver.requests} == {"/hook"}
    assert all(r.headers["Host"] == f"hooks.example.test:{port}" for r in receiver.requests)


def test_an_https_webhook_keeps_its_name_for_tls_and_refuses_mixed_answers():
    public = webhook_target(
        "https://hooks.example.com/h", allow_private=False, resolve=lambda host, port: ["93.184.216.34"]
    )
    assert str(public.url) == "https://93.184.216.34/h"
    assert public.headers == {"Host": "hooks.example.com"}
    assert public.extensions == {"sni_hostname": "hooks.example.com"}  # SNI and certificate check
    with pytest.raises(DeliveryError, match="not public"):
        webhook_target(
            "https://hooks.example.com/h",
            allow_private=False,
            resolve=lambda host, port: ["93.184.216.34", "169.254.169.254"],
        )


def test_the_ledger_keeps_what_another_version_wrote_and_resumes_from_it(make_bundle, make_incident, tmp_path):
    """The notification ledger is shared by every version that runs against the store: keys this
    version does not know are read without complaint and survive its writes of the ledger and the
    recipients, and a retry whose marker carries them is still sent, once."""
    outbox = tmp_path / "outbox"
    outbox.write_text("a file where the folder should be")
    store = LocalStore(tmp_path / "store")
    flow = Flow(store, make_bundle(), settings(backend="outbox", outbox=str(outbox)))
    sid = tokens.subscriber_id("s" * 40, "email", "ada@example.com")
    records.save(
        store,
        Subscriber(id=sid, kind="email", address="ada@example.com", status="active", created_at=NOW, confirmed_at=NOW),
    )
    bundle = make_bundle([api_incident(make_incident, FIRST)])
    first = flow.publish(bundle, NOW + timedelta(minutes=6))
    notify = tmp_path / "store" / "private" / "notify"
    documents = sorted(notify.rglob("*.json"))
    # The ledger, each event's recipients (the incident's, and its component change's: nobody, as
    # webhooks alone hear of those) and the one recipient's retry marker.
    kinds = sorted(p.relative_to(notify).parts[0] for p in documents)
    assert kinds == ["events", "events", "ledger.json", "sent"]
    for path in documents:
        document = json.loads(path.read_text())
        document["from_a_later_version"] = {"kept": True}
        path.write_text(json.dumps(document))
    outbox.unlink()

    second = flow.publish(bundle, NOW + timedelta(minutes=8))
    third = flow.publish(bundle, NOW + timedelta(minutes=20))

    assert (first.failed, second.sent, third.sent) == (1, 1, 0)
    assert len(list(outbox.glob("*.eml"))) == 1
    for path in documents:
        document = json.loads(path.read_text())
        if path.relative_to(notify).parts[0] != "sent":
            assert document["from_a_later_version"] == {"kept": True}, path.relative_to(notify)
        times = [v for k, v in document.items() if k in ("at", "first_seen_at", "next_at")]
        assert all(t.endswith("+00:00") for t in times), document
    marker = json.loads(next(p for p in documents if p.relative_to(notify).parts[0] == "sent").read_text())
    assert (marker["state"], marker["at"]) == ("sent", (NOW + timedelta(minutes=8)).isoformat())
