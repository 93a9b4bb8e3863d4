"""The public subscribe endpoint under attack: malformed and oversized bodies, header injection in
addresses, forged, expired and replayed tokens, enumeration, and a flood from one IP. Each gets a
correct 4xx (never a 500 or a traceback), limits hold, and no address leaks into answers, store
keys, logs or the built site."""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from checker.alerting.mail import MailSettings, OutboxMailer
from checker.bundle import Bundle
from checker.subscriber_settings import SubscribersSettings
from site_builder.builder.site import build_site
from site_builder.content.site import compile_bundle
from site_builder.subscribe import Request, Response, handle_subscribe_request, records, tokens
from tests.helpers import fixture

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
SECRET = "hardening-token-secret-0123456789abcdef"
ENV = {"TOKEN_SECRET": SECRET}
ATTACKS = json.loads(fixture("faults", "subscribe-attacks.json").read_text(encoding="utf-8"))
PER_IP = 10
SETTINGS = SubscribersSettings(
    token_secret="${TOKEN_SECRET}",
    endpoint_url="https://subscribe.example.test",
    email=MailSettings(from_address="Status <status@example.test>"),
    per_address_limit=2,
    per_ip_limit=PER_IP,
)


class Endpoint:
    def __init__(self, tmp_path: Path) -> None:
        from checker.store import LocalStore

        self.root = tmp_path
        self.store = LocalStore(tmp_path / "store")
        self.outbox = tmp_path / "outbox"
        self.bundle: Bundle = compile_bundle(fixture("faults", "site"))
        self.answers: list[Response] = []

    def call(
        self,
        method: str,
        path: str,
        query: str = "",
        *,
        body: bytes = b"",
        content_type: str = "application/x-www-form-urlencoded",
        ip: str = "198.51.100.7",
        now: datetime = NOW,
    ) -> Response:
        request = Request(method, path, query, body, {"content-type": content_type}, ip)
        answer = handle_subscribe_request(
            request,
            bundle=self.bundle,
            store=self.store,
            now=now,
            settings=SETTINGS,
            env=ENV,
            mailer=OutboxMailer(self.outbox),
        )
        self.answers.append(answer)
        return answer

    def subscribe(self, email: str, *, ip: str = "198.51.100.7", now: datetime = NOW) -> Response:
        return self.call("POST", "/subscribe", body=urlencode({"email": email}).encode(), ip=ip, now=now)

    def mails(self) -> list[EmailMessage]:
        files = sorted(self.outbox.glob("*.eml")) if self.outbox.exists() else []
        return [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]  # type: ignore[misc]

    def token_in(self, mail: EmailMessage, path: str) -> str:
        body = mail.get_body(preferencelist=("plain",))
        assert body is not None
        for word in body.get_content().split():
            if word.startswith(f"https://subscribe.example.test{path}?"):
                return parse_qs(urlsplit(word).query)["token"][0]
        raise AssertionError(f"no {path} link in the mail")


@pytest.fixture
def endpoint(tmp_path: Path) -> Endpoint:
    return Endpoint(tmp_path)


def fresh_ip(number: int) -> str:
    return f"203.0.113.{number % 250 + 1}"


@pytest.mark.parametrize("case", ATTACKS["malformed"], ids=lambda c: c["body"][:40])
def test_malformed_bodies_are_refused_with_a_message(endpoint: Endpoint, case: dict[str, Any]) -> None:
    answer = endpoint.call("POST", "/subscribe", body=case["body"].encode(), content_type=case["type"])
    assert answer.status == case["status"]
    assert b"Traceback" not in answer.body and answer.body.strip()
    assert endpoint.mails() == [] and list(records.all_subscribers(endpoint.store)) == []


@pytest.mark.parametrize("size", [16 * 1024 + 1, 10 * 1024 * 1024])
def test_oversized_bodies_are_refused_before_parsing(endpoint: Endpoint, size: int) -> None:
    body = b"email=a%40example.com&x=" + b"a" * size
    assert endpoint.call("POST", "/subscribe", body=body).status == 413
    big_json = b'{"email": "a@example.com", "x": "' + b"a" * size + b'"}'
    assert endpoint.call("POST", "/subscribe", body=big_json, content_type="application/json").status == 413


@pytest.mark.parametrize("address", ATTACKS["header_injection"])
def test_header_injection_in_addresses_never_adds_a_recipient_or_header(endpoint: Endpoint, address: str) -> None:
    answer = endpoint.subscribe(address)
    mails = endpoint.mails()
    if any(c in address for c in "\r\n\u2028\u0085\x00,;<>") or "%0d" in address or "=?" in address:
        assert answer.status == 400
        assert mails == []
        return
    # Anything accepted must be one plain address that gets one confirmation and nothing else.
    assert answer.status in (202, 400)
    for mail in mails:
        assert mail["Bcc"] is None and mail["Cc"] is None
        assert len(mail.get_all("To", [])) == 1 and "," not in str(mail["To"])
        assert str(mail["Subject"]) == f"[{endpoint.bundle.site.name}] Confirm your subscription"


def test_forged_expired_replayed_and_cross_purpose_tokens_are_refused(endpoint: Endpoint) -> None:
    assert endpoint.subscribe("ada@example.org").status == 202
    (mail,) = endpoint.mails()
    confirm = endpoint.token_in(mail, "/confirm")
    sid = tokens.subscriber_id(SECRET, "email", "ada@example.org")
    other_secret = tokens.make_token("another-secret-of-enough-length-0123456789", tokens.CONFIRM, sid, NOW)
    payload, signature = confirm.split(".")
    forged_payload = (
        base64.urlsafe_b64encode(f"confirm:{'0' * 32}:{int(NOW.timestamp())}".encode()).rstrip(b"=").decode()
        + "."
        + signature
    )
    refused = {
        "random": "aGVsbG8.d29ybGQ",
        "empty": "",
        "no signature": payload,
        "extra part": f"{confirm}.x",
        "flipped signature": f"{payload}.{signature[::-1]}",
        "other secret": other_secret,
        "someone else's id": forged_payload,
        "unsubscribe token": tokens.make_token(SECRET, tokens.UNSUBSCRIBE, sid, NOW),
        "not base64": "%%%.***",
        "huge": "A" * 100_000 + "." + "B" * 100_000,
    }
    for name, token in refused.items():
        answer = endpoint.call("GET", "/confirm", urlencode({"token": token}))
        assert answer.status == 400, name
    assert [s.status for s in records.all_subscribers(endpoint.store)] == ["pending"]

    late = endpoint.call("GET", "/confirm", urlencode({"token": confirm}), now=NOW + timedelta(days=8))
    assert (late.status, b"expired" in late.body) == (400, True)
    assert endpoint.call("GET", "/confirm", urlencode({"token": confirm})).status == 200
    assert endpoint.call("GET", "/confirm", urlencode({"token": confirm})).status == 200  # replay: no change

    unsubscribe = tokens.make_token(SECRET, tokens.UNSUBSCRIBE, sid, NOW)
    bystander = endpoint.subscribe("bob@example.org", ip=fresh_ip(1))
    assert bystander.status == 202
    for _ in range(2):  # a replayed one-click unsubscribe removes nothing else
        assert endpoint.call("POST", "/unsubscribe", urlencode({"token": unsubscribe})).status == 200
    assert [s.address for s in records.all_subscribers(endpoint.store)] == ["bob@example.org"]
    # The confirm link of a removed subscriber does not bring it back.
    gone = endpoint.call("GET", "/confirm", urlencode({"token": confirm}))
    assert gone.status == 400 and records.load(endpoint.store, sid) is None


def test_answers_do_not_tell_whether_an_address_is_subscribed(endpoint: Endpoint) -> None:
    assert endpoint.subscribe("known@example.org", ip=fresh_ip(1)).status == 202
    (mail,) = endpoint.mails()
    endpoint.call("GET", "/confirm", urlencode({"token": endpoint.token_in(mail, "/confirm")}))
    answers = {
        "active": endpoint.subscribe("known@example.org", ip=fresh_ip(2)),
        "new": endpoint.subscribe("stranger@example.org", ip=fresh_ip(3)),
        "pending": endpoint.subscribe("stranger@example.org", ip=fresh_ip(4)),
        "over its limit": endpoint.subscribe("stranger@example.org", ip=fresh_ip(5)),
        "case and spaces": endpoint.subscribe("  KNOWN@Example.org ", ip=fresh_ip(6)),
    }
    shapes = {(a.status, a.body, tuple(sorted(a.headers.items()))) for a in answers.values()}
    assert len(shapes) == 1, {name: a.status for name, a in answers.items()}
    unknown, known = (
        tokens.make_token(SECRET, tokens.UNSUBSCRIBE, tokens.subscriber_id(SECRET, "email", a), NOW)
        for a in ("x@y.org", "known@example.org")
    )
    page = [endpoint.call("GET", "/unsubscribe", urlencode({"token": t})) for t in (unknown, known)]
    assert page[0].status == page[1].status == 200
    assert page[0].body.replace(urlencode({"token": unknown}).encode()[6:], b"") == page[1].body.replace(
        urlencode({"token": known}).encode()[6:], b""
    )


def test_a_thousand_requests_from_one_ip_are_held_to_its_limit(endpoint: Endpoint) -> None:
    statuses = [endpoint.subscribe(f"user{n}@example.org", now=NOW + timedelta(seconds=n)).status for n in range(1000)]
    assert statuses[:PER_IP] == [202] * PER_IP
    assert statuses[PER_IP:] == [429] * (1000 - PER_IP)
    assert len(endpoint.mails()) == PER_IP
    assert len(list(records.all_subscribers(endpoint.store))) == PER_IP
    assert endpoint.subscribe("other@example.org", ip=fresh_ip(9), now=NOW + timedelta(seconds=1000)).status == 202
    # The window is an hour of accepted requests: refused ones do not keep the IP locked out.
    assert endpoint.subscribe("later@example.org", now=NOW + timedelta(seconds=3601)).status == 202


def test_no_address_leaks_to_answers_store_keys_logs_or_the_site(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    addresses = [f"person{n}@leak-check.example.org" for n in range(12)]
    for n, address in enumerate(addresses):
        endpoint.subscribe(address, ip=fresh_ip(n % 3))  # some over the IP limit, some accepted
        endpoint.subscribe(address, ip=fresh_ip(100 + n))  # again: pending, then over its limit
    for mail in endpoint.mails()[:4]:
        endpoint.call("GET", "/confirm", urlencode({"token": endpoint.token_in(mail, "/confirm")}))
    assert len(list(records.all_subscribers(endpoint.store))) > 5

    site = endpoint.root / "site"
    shutil.copytree(fixture("faults", "site"), site)
    out = endpoint.root / "public"
    build_site(endpoint.bundle, None, out, now=NOW, theme=site)
    built = "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    said = b"".join(a.body for a in endpoint.answers).decode() + caplog.text
    keys = " ".join(endpoint.store.list(""))
    for address in addresses:
        local = address.split("@")[0]
        assert local not in said, "an answer or log names an address"
        assert local not in keys, "a store key names an address"
        assert local not in built, "the site names an address"


@pytest.mark.parametrize(
    "address", ["nul\x00@example.org", "del\x7f@example.org", "bell\x07@example.org", "c1\x9b@example.org"]
)
def test_control_characters_in_addresses_are_refused(endpoint: Endpoint, address: str) -> None:
    answer = endpoint.subscribe(address)
    assert answer.status == 400
    assert endpoint.mails() == [] and list(records.all_subscribers(endpoint.store)) == []


def forged(payload: str) -> str:
    """A token nobody signed: any payload, with a signature of the right length."""
    return base64.urlsafe_b64encode(payload.encode()).rstrip(b"=").decode() + "." + "A" * 27


FORGED = {
    "huge time": forged(f"confirm:{'0' * 32}:{'9' * 400}"),
    "negative time": forged(f"confirm:{'0' * 32}:-99999999999999"),
    "missing fields": forged("confirm"),
    "not utf-8": base64.urlsafe_b64encode(b"\xff\xfe:\x00").rstrip(b"=").decode() + ".AAAA",
}


@pytest.mark.parametrize("name", sorted(FORGED))
def test_forged_tokens_are_refused_before_anything_reads_them(endpoint: Endpoint, name: str) -> None:
    for method, path in (("GET", "/confirm"), ("GET", "/unsubscribe"), ("POST", "/unsubscribe")):
        answer = endpoint.call(method, path, urlencode({"token": FORGED[name]}))
        assert (answer.status, b"This link is not valid." in answer.body) == (400, True)


def test_a_forged_token_gets_a_400_from_the_lambda_handler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.bundle import BUNDLE_KEY
    from checker.store import LocalStore
    from site_builder.subscribe.handler import handler

    bundle = compile_bundle(fixture("faults", "site")).model_copy(update={"subscribers": SETTINGS})
    LocalStore(tmp_path / "store").put_json(BUNDLE_KEY, bundle.model_dump(mode="json", by_alias=True))
    monkeypatch.setenv("STATUSGEN_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("TOKEN_SECRET", SECRET)
    event = json.loads(fixture("notify", "function-url-subscribe.json").read_text())
    event.update(
        rawPath="/confirm", rawQueryString=urlencode({"token": FORGED["huge time"]}), body="", isBase64Encoded=False
    )
    event["requestContext"]["http"]["method"] = "GET"
    answer = handler(event, None)
    assert answer["statusCode"] == 400
    event.update(rawPath="/subscribe", body="not base64!", isBase64Encoded=True)
    event["requestContext"]["http"]["method"] = "POST"
    assert handler(event, None)["statusCode"] == 400


class CountingStore:
    """Wraps a store and records each operation with the kind of key it touched."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.operations: list[tuple[str, str]] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)
        if name not in ("get", "put", "delete", "list"):
            return method

        def counted(key: str = "", *args: Any, **kwargs: Any) -> Any:
            self.operations.append((name, key.split("/")[1] if "/" in key else key))
            return method(key, *args, **kwargs)

        return counted


def test_known_and_unknown_addresses_cost_the_same_work(endpoint: Endpoint) -> None:
    """Timing cannot tell subscribers apart when every case does the same store operations and
    hands one message to the mailer (bench/subscribe_load.py --timing measures the times)."""
    assert endpoint.subscribe("active@example.org", ip=fresh_ip(1)).status == 202
    (mail,) = endpoint.mails()
    endpoint.call("GET", "/confirm", urlencode({"token": endpoint.token_in(mail, "/confirm")}))
    assert endpoint.subscribe("pending@example.org", ip=fresh_ip(2)).status == 202
    counting = CountingStore(endpoint.store)
    endpoint.store = counting  # type: ignore[assignment]
    work = {}
    for n, (case, address) in enumerate(
        (("active", "active@example.org"), ("pending", "pending@example.org"), ("new", "new@example.org"))
    ):
        before = len(endpoint.mails())
        counting.operations.clear()
        assert endpoint.subscribe(address, ip=fresh_ip(10 + n)).status == 202
        work[case] = (list(counting.operations), len(endpoint.mails()) - before)
    assert work["active"] == work["pending"] == work["new"]
    assert work["new"][1] == 1


# --- the real `statusgen serve` --------------------------------------------------------------------


class Served:
    """`statusgen serve` started as a user starts it, in a copy of a page with subscriptions."""

    def __init__(self, root: Path, process: subprocess.Popen[bytes], port: int) -> None:
        self.root, self.process, self.port = root, process, port

    def raw(self, request: bytes) -> bytes:
        """Send `request` as is and return everything the server answers before it closes."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as connection:
            connection.sendall(request)
            connection.shutdown(socket.SHUT_WR)
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)

    def local(self, link: str) -> str:
        """A link from a mail, pointed at this server (mails use the page's public address)."""
        parts = urlsplit(link)
        return f"http://127.0.0.1:{self.port}{parts.path}?{parts.query}"

    def mails(self) -> list[EmailMessage]:
        return [
            message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
            for p in sorted((self.root / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        ]

    def stop(self) -> str:
        """Stop the server as Ctrl+C does; its whole stderr (the access log)."""
        self.process.send_signal(signal.SIGINT)
        _, stderr = self.process.communicate(timeout=30)
        return stderr.decode()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    root = tmp_path / "site"
    shutil.copytree(fixture("notify", "serve-site"), root)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "statusgen"), "serve", "--root", ".", "--port", str(port)],
        cwd=root,
        env={**os.environ, "STATUSGEN_TOKEN_SECRET": SECRET},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = Served(root, process, port)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, process.communicate()[1].decode()
            time.sleep(0.05)
    try:
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.parametrize("length", [b"-1", b"abc", b"1e3", b"5, 5"])
def test_serve_answers_a_bad_content_length_with_400(served: Served, length: bytes) -> None:
    answer = served.raw(
        b"POST /subscribe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
        + length
        + b"\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nemail=a%40example.org"
    )
    assert answer.startswith(b"HTTP/1.0 400 "), answer[:200]
    assert served.mails() == []
    # The server is still answering (no thread stuck, nothing crashed).
    assert (
        httpx.post(f"http://127.0.0.1:{served.port}/subscribe", data={"email": "b@example.org"}, timeout=10).status_code
        == 202
    )
    assert "Traceback" not in served.stop()


def test_serve_refuses_a_forged_token_and_logs_no_token(served: Served) -> None:
    base = f"http://127.0.0.1:{served.port}"
    forged_answer = httpx.get(f"{base}/confirm", params={"token": FORGED["huge time"]}, timeout=10)
    assert forged_answer.status_code == 400

    assert httpx.post(f"{base}/subscribe", data={"email": "ada@example.org"}, timeout=10).status_code == 202
    (confirmation,) = served.mails()
    confirm = next(
        w
        for w in confirmation.get_body(("plain",)).get_content().split()  # type: ignore[union-attr]
        if "/confirm?token=" in w
    )
    assert httpx.get(served.local(confirm), timeout=10).status_code == 200
    assert httpx.post(f"{base}/subscribe", data={"email": "ada@example.org"}, timeout=10).status_code == 202
    already = served.mails()[-1]
    unsubscribe = next(
        w
        for w in already.get_body(("plain",)).get_content().split()  # type: ignore[union-attr]
        if "/unsubscribe?token=" in w
    )
    assert httpx.get(served.local(unsubscribe), timeout=10).status_code == 200
    assert httpx.post(served.local(unsubscribe), content=b"List-Unsubscribe=One-Click", timeout=10).status_code == 200

    log = served.stop()
    assert "/confirm" in log and "/unsubscribe" in log  # the access log is on
    for token in (FORGED["huge time"], confirm.split("token=")[1], unsubscribe.split("token=")[1]):
        assert token not in log and token[:20] not in log
    assert "Traceback" not in log
