"""The subscribe endpoint as a visitor meets it: forms, links, limits, and what it never reveals."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from checker.alerting.mail import MailSettings, OutboxMailer
from checker.bundle import BUNDLE_KEY
from checker.store import LocalStore
from checker.subscriber_settings import SubscribersSettings
from site_builder.subscribe import Request, Response, handle_subscribe_request, records, tokens
from site_builder.subscribe.handler import handler

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
SECRET = "x" * 40
ENV = {"TOKEN_SECRET": SECRET}
SETTINGS = SubscribersSettings(
    token_secret="${TOKEN_SECRET}",
    endpoint_url="https://subscribe.example.com",
    email=MailSettings(from_address="Example Status <status@example.com>"),
    per_address_limit=2,
    per_ip_limit=5,
)


class Site:
    def __init__(self, tmp_path: Path, bundle: Any) -> None:
        self.store = LocalStore(tmp_path / "store")
        self.outbox = tmp_path / "outbox"
        self.bundle = bundle
        self.settings = SETTINGS

    def call(
        self,
        method: str,
        path: str,
        query: str = "",
        *,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        ip: str = "198.51.100.1",
        now: datetime = NOW,
    ) -> Response:
        request = Request(method, path, query, body, headers or {}, ip)
        return handle_subscribe_request(
            request,
            bundle=self.bundle,
            store=self.store,
            now=now,
            settings=self.settings,
            env=ENV,
            mailer=OutboxMailer(self.outbox),
        )

    def subscribe(self, ip: str = "198.51.100.1", **form: str) -> Response:
        return self.call(
            "POST",
            "/subscribe",
            body=urlencode(form).encode(),
            headers={"content-type": "application/x-www-form-urlencoded"},
            ip=ip,
        )

    def mails(self) -> list[Any]:
        files = sorted(self.outbox.glob("*.eml")) if self.outbox.exists() else []
        return [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]


@pytest.fixture
def site(tmp_path: Path, make_bundle: Any) -> Site:
    return Site(tmp_path, make_bundle())


def link_in(mail: Any, path: str) -> tuple[str, str]:
    text = mail.get_body(preferencelist=("plain",)).get_content()
    url = re.search(rf"https://subscribe\.example\.com{path}\?\S+", text)[0]
    parts = urlsplit(url)
    return parts.path, parts.query


def test_double_opt_in(site):
    answer = site.subscribe(email="Ada@Example.com", components="api")
    assert answer.status == 202
    assert b"Check your inbox" in answer.body
    (mail,) = site.mails()
    assert mail["To"] == "ada@example.com"
    assert mail["Subject"] == "[Example] Confirm your subscription"
    (record,) = records.all_subscribers(site.store)
    assert (record.status, record.components) == ("pending", ["api"])

    path, query = link_in(mail, "/confirm")
    confirmed = site.call("GET", path, query=query)
    assert confirmed.status == 200
    assert b"You are subscribed to Example status updates" in confirmed.body
    assert records.load(site.store, record.id).status == "active"


def test_same_answer_whether_or_not_subscribed(site):
    first = site.subscribe(email="ada@example.com")
    site.call("GET", *link_in(site.mails()[0], "/confirm"))
    again = site.subscribe(email="ada@example.com")
    stranger = site.subscribe(email="bob@example.com")

    assert first.status == again.status == stranger.status == 202
    assert first.body == again.body == stranger.body
    # An active subscriber gets no new confirmation link, but a note (with its unsubscribe link):
    # the same work as for a stranger, so the time of the answer does not tell them apart either.
    assert sorted((str(m["To"]), str(m["Subject"])) for m in site.mails()) == [
        ("ada@example.com", "[Example] Confirm your subscription"),
        ("ada@example.com", "[Example] You are already subscribed"),
        ("bob@example.com", "[Example] Confirm your subscription"),
    ]
    assert records.load(site.store, tokens.subscriber_id(SECRET, "email", "ada@example.com")).status == "active"


def test_addresses_never_appear_in_store_keys_or_tokens(site):
    site.subscribe(email="ada@example.com")
    _, query = link_in(site.mails()[0], "/confirm")
    keys = list(site.store.list())
    assert keys and not any("ada" in key or "example" in key for key in keys)
    assert "ada" not in query and "example" not in query
    token = query.removeprefix("token=")
    decoded = tokens._unb64(token.split(".")[0]).decode()
    assert "ada" not in decoded


def test_invalid_input_gets_a_clear_message(site):
    bad_email = site.subscribe(email="not an address")
    assert (bad_email.status, b"Enter a valid email address, such as name@example.com.") == (
        400,
        re.search(rb"Enter[^<]*", bad_email.body)[0],
    )
    unknown = site.call(
        "POST",
        "/subscribe",
        body=json.dumps({"email": "ada@example.com", "components": ["api", "cache"]}).encode(),
        headers={"content-type": "application/json"},
    )
    assert (unknown.status, json.loads(unknown.body)) == (400, {"message": "Unknown component 'cache'."})
    both = site.subscribe(email="ada@example.com", webhook="https://hooks.example.com/x")
    assert b"Give either an email address or a webhook URL." in both.body
    assert site.mails() == []


def test_private_webhooks_are_refused(site):
    for url in (
        "http://127.0.0.1:8080/hook",
        "https://10.0.0.5/hook",
        "https://localhost/h",
        "http://hooks.example.com/plain-http",
    ):
        answer = site.subscribe(webhook=url, ip=f"192.0.2.{len(url)}")
        assert answer.status == 400, url
        assert b"The webhook must be a public https:// URL." in answer.body
    ok = site.subscribe(webhook="https://hooks.example.com/status")
    assert ok.status == 202
    (record,) = records.all_subscribers(site.store)
    assert (record.kind, record.status) == ("webhook", "active")


def test_rate_limit_per_ip(site):
    answers = [site.subscribe(email=f"user{i}@example.com").status for i in range(7)]
    assert answers == [202] * 5 + [429] * 2
    assert site.subscribe(email="late@example.com", ip="198.51.100.2").status == 202


def test_rate_limit_per_address_keeps_the_same_answer(site):
    answers = [site.subscribe(email="ada@example.com", ip=f"192.0.2.{i}") for i in range(4)]
    assert {a.status for a in answers} == {202}
    assert len({a.body for a in answers}) == 1
    assert len(site.mails()) == 2  # per_address_limit: no mail bombing through the form


def test_confirm_link_expires_after_a_week(site):
    site.subscribe(email="ada@example.com")
    path, query = link_in(site.mails()[0], "/confirm")
    late = site.call("GET", path, query=query, now=NOW + timedelta(days=7, minutes=1))
    assert late.status == 400
    assert b"This link has expired; subscribe again to get a new one." in late.body


def test_the_confirmation_email_gives_the_configured_expiry(site):
    site.settings = SETTINGS.model_copy(update={"confirm_within": 2 * 86400.0})
    site.subscribe(email="ada@example.com")
    (mail,) = site.mails()
    assert "it expires in 2 d." in mail.get_body(preferencelist=("plain",)).get_content()
    path, query = link_in(mail, "/confirm")
    late = site.call("GET", path, query=query, now=NOW + timedelta(days=2, minutes=1))
    assert late.status == 400


def test_forged_and_cross_purpose_tokens_are_refused(site):
    site.subscribe(email="ada@example.com")
    _, query = link_in(site.mails()[0], "/confirm")
    token = query.removeprefix("token=")
    as_unsubscribe = site.call("POST", "/unsubscribe", query=query)
    assert (as_unsubscribe.status, b"This link is not valid." in as_unsubscribe.body) == (400, True)
    forged = tokens.make_token("y" * 40, tokens.CONFIRM, token.split(".")[0], NOW)
    assert site.call("GET", "/confirm", query=f"token={forged}").status == 400
    assert site.call("GET", "/confirm", query="token=garbage").status == 400


def test_unsubscribe_needs_a_post(site):
    site.subscribe(email="ada@example.com")
    site.call("GET", *link_in(site.mails()[0], "/confirm"))
    (record,) = records.all_subscribers(site.store)
    token = tokens.make_token(SECRET, tokens.UNSUBSCRIBE, record.id, NOW)

    page = site.call("GET", "/unsubscribe", query=f"token={token}")
    assert page.status == 200
    assert b'<form method="post" action="https://subscribe.example.com/unsubscribe?token=' in page.body
    assert records.load(site.store, record.id) is not None  # a link scanner unsubscribes nobody

    one_click = site.call("POST", "/unsubscribe", query=f"token={token}", body=b"List-Unsubscribe=One-Click")
    assert one_click.status == 200
    assert records.load(site.store, record.id) is None
    assert site.call("POST", "/unsubscribe", query=f"token={token}").status == 200


def test_wrong_method_and_unknown_path(site):
    wrong = site.call("GET", "/subscribe")
    assert (wrong.status, wrong.headers["Allow"]) == (405, "POST")
    assert site.call("GET", "/admin").status == 404


def test_missing_secret_answers_503_without_details(site, make_bundle):
    request = Request("POST", "/subscribe", "", b"email=a%40example.com", {}, "198.51.100.1")
    answer = handle_subscribe_request(
        request, bundle=make_bundle(), store=site.store, now=NOW, settings=SETTINGS, env={}
    )
    assert answer.status == 503
    assert b"TOKEN_SECRET" not in answer.body


def test_lambda_function_url_event(tmp_path, monkeypatch):
    fixtures = Path(__file__).parent.parent / "fixtures" / "notify"
    store = LocalStore(tmp_path / "store")
    bundle = json.loads((fixtures / "bundle.json").read_text())
    bundle["subscribers"] = {
        "token_secret": "${TOKEN_SECRET}",
        "email": {"backend": "outbox", "outbox": str(tmp_path / "outbox")},
    }
    store.put_json(BUNDLE_KEY, bundle)
    monkeypatch.setenv("STATUSGEN_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("TOKEN_SECRET", SECRET)
    event = json.loads((fixtures / "function-url-subscribe.json").read_text())

    answer = handler(event, None)

    assert answer["statusCode"] == 202
    assert answer["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert "Check your inbox" in answer["body"]
    (mail,) = (tmp_path / "outbox").glob("*.eml")
    assert "To: ada@example.com" in mail.read_text()
    (record,) = records.all_subscribers(store)
    assert record.components == ["api"]
