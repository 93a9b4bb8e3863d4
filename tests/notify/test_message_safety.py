"""Every message a subscriber receives is well formed: one-click unsubscribe headers that mail
providers accept (checked on the raw bytes), and no control character from content reaching a
header, whether it is caught by `validate` or slips through in an older bundle."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from checker.alerting.mail import MailSettings
from checker.store import LocalStore
from checker.subscriber_settings import SubscribersSettings
from site_builder.content.site import check_site
from site_builder.notify.deliver import notify_subscribers
from site_builder.subscribe import records, tokens
from site_builder.subscribe.records import Subscriber
from tests.helpers import copy_site, fixture

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
SECRET = "s" * 40
ENV = {"TOKEN_SECRET": SECRET}
FIRST = ("2026-11-22T14:05:00+00:00", "investigating", "We are investigating.")
AFTER = NOW + timedelta(minutes=6)
ONE_CLICK = re.compile(
    rb"^List-Unsubscribe: <https://status\.example\.com/unsubscribe\?token=[A-Za-z0-9_.%-]+>\r$", re.MULTILINE
)


def settings(**mail: Any) -> SubscribersSettings:
    return SubscribersSettings(
        token_secret="${TOKEN_SECRET}", email=MailSettings(from_address="Status <status@example.com>", **mail)
    )


def subscribe(store: LocalStore, *addresses: str) -> None:
    for address in addresses:
        sid = tokens.subscriber_id(SECRET, "email", address)
        records.save(
            store, Subscriber(id=sid, kind="email", address=address, status="active", created_at=NOW, confirmed_at=NOW)
        )


def raw_headers(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[0] + b"\r\n"


def assert_one_click(raw: bytes) -> None:
    """What RFC 8058 asks for, on the bytes themselves and through the standard parser."""
    head = raw_headers(raw)
    assert b"=?" not in head.split(b"List-Unsubscribe:", 1)[1].split(b"\r\n", 1)[0]
    assert ONE_CLICK.search(head), head.decode()
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in head
    parsed = message_from_bytes(raw, policy=policy.default)
    assert re.fullmatch(r"<https://status\.example\.com/unsubscribe\?token=\S+>", str(parsed["List-Unsubscribe"]))
    assert parsed.defects == []


def test_list_unsubscribe_is_plain_on_the_smtp_wire(smtp_server, make_bundle, make_incident, tmp_path: Path) -> None:
    raw: list[bytes] = []
    original = smtp_server.mailbox.handle_DATA

    async def keep_raw(server: object, session: object, envelope: Any) -> str:
        raw.append(envelope.original_content)
        return await original(server, session, envelope)

    smtp_server.mailbox.handle_DATA = keep_raw  # type: ignore[method-assign]
    store = LocalStore(tmp_path / "store")
    subscribe(store, "ada@example.com")
    bundle = make_bundle([make_incident("2026-11-22-api-errors", {"api": "partial_outage"}, [FIRST])])
    notify_subscribers(
        bundle,
        store,
        now=AFTER,
        env=ENV,
        settings=settings(backend="smtp", smtp_host=smtp_server.host, smtp_port=smtp_server.port),
    )
    (message,) = raw
    assert_one_click(message)


@mock_aws
def test_list_unsubscribe_is_plain_in_the_ses_raw_message(make_bundle, make_incident, tmp_path: Path) -> None:
    from moto.backends import get_backend

    ses = boto3.client("ses", region_name="eu-west-1")
    ses.verify_email_identity(EmailAddress="status@example.com")
    store = LocalStore(tmp_path / "store")
    subscribe(store, "ada@example.com")
    bundle = make_bundle([make_incident("2026-11-22-api-errors", {"api": "partial_outage"}, [FIRST])])
    notify_subscribers(
        bundle, store, now=AFTER, env=ENV, ses_client=ses, settings=settings(backend="ses", ses_region="eu-west-1")
    )
    (sent,) = get_backend("ses")["123456789012"]["eu-west-1"].sent_messages
    assert_one_click(sent.raw_data.encode())


def test_list_unsubscribe_is_plain_in_the_outbox(make_bundle, make_incident, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    subscribe(store, "ada@example.com")
    bundle = make_bundle([make_incident("2026-11-22-api-errors", {"api": "partial_outage"}, [FIRST])])
    notify_subscribers(
        bundle, store, now=AFTER, env=ENV, settings=settings(backend="outbox", outbox=str(tmp_path / "outbox"))
    )
    (eml,) = (tmp_path / "outbox").glob("*.eml")
    assert_one_click(eml.read_bytes())


def test_control_characters_in_headers_are_validation_errors(tmp_path: Path) -> None:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    config = root / "statuspage.yaml"
    config.write_text(
        config.read_text()
        .replace("name: Fixture", 'name: "Fixture\\r\\nBcc: everyone@example.com"')
        .replace("url: https://status.fixture.test", 'url: "https://status.fixture.test/\\u0000"')
    )
    site, problems = check_site(root, None)
    assert site is None
    assert [str(p) for p in problems] == [
        "statuspage.yaml:2: site.name: contains a carriage return (CR); write it on one line, "
        "without control characters",
        "statuspage.yaml:3: site.url: contains a NUL byte; write it on one line, without control characters",
    ]


def test_a_control_character_in_an_incident_title_is_a_validation_error(tmp_path: Path) -> None:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    incident = root / "incidents" / "2026-11-22-api-errors.md"
    text = incident.read_text()
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    incident.write_text(text.replace(title, 'title: "Errors\\nBcc: everyone@example.com"'))
    _, problems = check_site(root, None)
    assert [str(p) for p in problems] == [
        "incidents/2026-11-22-api-errors.md:2: title: contains a line feed (LF); write it on one "
        "line, without control characters",
    ]


def test_an_older_bundle_with_a_crlf_title_still_mails_everyone_once(
    smtp_server, make_bundle, make_incident, tmp_path: Path
) -> None:
    """A bundle compiled before the rule existed: the title is made safe when sending, and every
    subscriber gets the message on the first build, with no header added and nobody `uncertain`."""
    store = LocalStore(tmp_path / "store")
    addresses = [f"user{i}@example.com" for i in range(5)]
    subscribe(store, *addresses)
    bad = make_incident(
        "2026-11-22-api-errors", {"api": "partial_outage"}, [FIRST], title="Errors\r\nBcc: everyone@example.com"
    )
    config = settings(backend="smtp", smtp_host=smtp_server.host, smtp_port=smtp_server.port)

    first = notify_subscribers(make_bundle([bad]), store, now=AFTER, env=ENV, settings=config)
    second = notify_subscribers(make_bundle([bad]), store, now=AFTER + timedelta(minutes=1), env=ENV, settings=config)

    assert (first.sent, first.uncertain, second.sent, second.uncertain) == (5, 0, 0, 0)
    assert sorted(m["To"] for m in smtp_server.messages) == addresses
    for mail in smtp_server.messages:
        assert mail["Subject"] == "[Example] New incident: Errors Bcc: everyone@example.com"
        assert mail["Bcc"] is None
    assert all(
        envelope[1] == [envelope_to]
        for envelope, envelope_to in zip(
            smtp_server.mailbox.envelopes, [m["To"] for m in smtp_server.messages], strict=True
        )
    )


class _RefusesOne:
    """A mailer whose mail library refuses to write one recipient's message (not a delivery
    refusal: the same would happen on every retry)."""

    def __init__(self, bad: str) -> None:
        self.bad = bad
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        if message["To"] == self.bad:
            raise ValueError("header value refused")
        self.sent.append(message)


def test_one_unwritable_message_never_blocks_the_others(make_bundle, make_incident, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    addresses = [f"user{i}@example.com" for i in range(5)]
    subscribe(store, *addresses)
    mailer = _RefusesOne("user2@example.com")
    bundle = make_bundle([make_incident("2026-11-22-api-errors", {"api": "partial_outage"}, [FIRST])])

    first = notify_subscribers(bundle, store, now=AFTER, env=ENV, settings=settings(), mailer=mailer)
    second = notify_subscribers(
        bundle, store, now=AFTER + timedelta(minutes=1), env=ENV, settings=settings(), mailer=mailer
    )

    assert (first.sent, first.dropped, first.uncertain) == (4, 1, 0)
    assert (second.events, second.sent, second.uncertain) == (0, 0, 0)
    assert sorted(str(m["To"]) for m in mailer.sent) == [a for a in addresses if a != "user2@example.com"]
