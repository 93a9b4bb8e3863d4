"""The http probe against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler

import pytest
import trustme

from tests.checker.checker_support import LoopbackServer, QuietServer, answer, closed_port, probe_once, reply


@pytest.fixture
def site() -> Iterator[LoopbackServer]:
    def endless(handler: BaseHTTPRequestHandler) -> None:
        # A 1 GB body, streamed: the probe must stop reading long before the end.
        handler.send_response(200)
        handler.send_header("Content-Length", str(1024**3))
        handler.end_headers()
        chunk = b"x" * 65536
        try:
            for _ in range(1024**3 // len(chunk)):
                handler.wfile.write(chunk)
        except OSError:
            pass

    def redirect(handler: BaseHTTPRequestHandler) -> None:
        reply(handler, 302, b"", {"Location": "/ok"})

    def echo(handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode()
        seen = {"method": handler.command, "token": handler.headers.get("X-Token"), "body": body}
        reply(handler, 200, json.dumps(seen).encode())

    running = LoopbackServer(
        {
            "/ok": answer(200, b"all good"),
            "/broken": answer(503, b"sorry"),
            "/health": answer(200, json.dumps({"status": "ok", "db": {"healthy": False}}).encode()),
            "/slow": answer(200, b"late", delay=0.3),
            "/hang": answer(200, b"never", delay=5),
            "/big": endless,
            "/redirect": redirect,
            "/echo": echo,
        }
    )
    yield running
    running.close()


def http(url: str, **options: object) -> dict[str, object]:
    return {"type": "http", "url": url, "timeout": 2, **options}


def test_a_200_is_up_with_its_code_and_latency(site: LoopbackServer) -> None:
    outcome = probe_once(http(site.url("/ok")))
    assert (outcome.status, outcome.code, outcome.reason) == ("up", 200, None)
    assert outcome.latency_ms > 0


def test_an_unexpected_status_is_down_with_a_short_reason(site: LoopbackServer) -> None:
    outcome = probe_once(http(site.url("/broken"), expect_status=[200]))
    assert (outcome.status, outcome.code, outcome.reason) == ("down", 503, "expected 200, got 503")


def test_status_ranges_are_accepted(site: LoopbackServer) -> None:
    assert probe_once(http(site.url("/broken"), expect_status=["500-599"])).status == "up"


def test_body_contains_and_regex(site: LoopbackServer) -> None:
    assert probe_once(http(site.url("/ok"), body_contains="good")).status == "up"
    outcome = probe_once(http(site.url("/ok"), body_contains="healthy"))
    assert outcome.reason == "body did not contain the expected text"
    assert outcome.endpoint_text == "all good"  # the endpoint's words: kept privately only
    assert probe_once(http(site.url("/ok"), body_regex=r"^all\s+go+d$")).status == "up"
    assert probe_once(http(site.url("/ok"), body_regex=r"^bad")).reason == "body did not match the expected pattern"


def test_json_paths_must_equal(site: LoopbackServer) -> None:
    assert probe_once(http(site.url("/health"), json={"status": "ok"})).status == "up"
    outcome = probe_once(http(site.url("/health"), json={"status": "ok", "db.healthy": True}))
    assert (outcome.reason, outcome.endpoint_text) == ("json db.healthy: not the expected value", "false")
    missing = probe_once(http(site.url("/health"), json={"db.replicas": 2}))
    assert missing.reason == "json db.replicas: missing"


def test_redirects_are_followed_unless_told_otherwise(site: LoopbackServer) -> None:
    assert probe_once(http(site.url("/redirect"))).code == 200
    outcome = probe_once(http(site.url("/redirect"), follow_redirects=False))
    assert (outcome.status, outcome.reason) == ("down", "expected 200-299, got 302")


def test_a_slow_answer_is_degraded(site: LoopbackServer) -> None:
    outcome = probe_once(http(site.url("/slow"), degraded_after=0.1))
    assert outcome.status == "degraded"
    assert outcome.reason.startswith("slow: 0.3 s")


def test_a_hanging_server_times_out(site: LoopbackServer) -> None:
    outcome = probe_once(http(site.url("/hang"), timeout=0.5))
    assert (outcome.status, outcome.reason) == ("down", "timeout after 0.5 s")


def test_a_huge_body_is_not_read_into_memory(site: LoopbackServer) -> None:
    tracemalloc.start()
    try:
        outcome = probe_once(http(site.url("/big"), body_contains="needle", timeout=30))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert outcome.reason == "body did not contain the expected text"
    assert peak < 64 * 1024**2  # the endpoint sends a gigabyte; the probe reads a little of it


def test_method_headers_and_body_are_sent_with_secrets_from_the_environment(
    site: LoopbackServer,
) -> None:
    check = http(
        site.url("/echo"),
        method="POST",
        headers={"X-Token": "${API_TOKEN}"},
        body="ping",
        json={"method": "POST", "token": "s3cret", "body": "ping"},
    )
    assert probe_once(check, env={"API_TOKEN": "s3cret"}).status == "up"
    unset = probe_once(check, env={})
    assert unset.reason == "configuration: ${API_TOKEN} is not set"


def test_a_refused_connection_is_down() -> None:
    outcome = probe_once(http(f"http://127.0.0.1:{closed_port()}/"))
    assert (outcome.status, outcome.reason) == ("down", "connection refused")


def test_an_unknown_name_is_a_dns_failure() -> None:
    # The resolver is injected: no test may ask a real DNS server.
    async def unknown(host: str, port: int) -> list[str]:
        raise socket.gaierror(-2, "Name or service not known")

    outcome = probe_once(http("http://api.example.invalid/"), resolve=unknown)
    assert (outcome.status, outcome.reason) == ("down", "DNS: name not found")


def test_a_name_is_connected_to_at_the_address_it_resolves_to(site: LoopbackServer) -> None:
    async def to_loopback(host: str, port: int) -> list[str]:
        assert host == "api.example.test"
        return ["127.0.0.1"]

    outcome = probe_once(http(f"http://api.example.test:{site.port}/ok"), resolve=to_loopback)
    assert (outcome.status, outcome.code) == ("up", 200)


@pytest.fixture
def https_servers(tmp_path: object) -> Iterator[tuple[trustme.CA, dict[str, int]]]:
    """HTTPS servers on loopback: one with a good certificate, one expired, one self-issued."""
    ca = trustme.CA()
    stranger = trustme.CA()  # a CA nobody trusts

    certs = {
        "good": ca.issue_cert("127.0.0.1"),
        "expired": ca.issue_cert(
            "127.0.0.1", not_before=datetime(2026, 1, 1, tzinfo=UTC), not_after=datetime(2026, 10, 1, tzinfo=UTC)
        ),
        "untrusted": stranger.issue_cert("127.0.0.1"),
    }
    servers = []
    ports = {}
    for name, cert in certs.items():

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                reply(self, 200, b"secure")

            def log_message(self, *args: object) -> None:
                pass

        httpd = QuietServer(("127.0.0.1", 0), Handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(httpd)
        ports[name] = httpd.server_address[1]
    yield ca, ports
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def test_https_with_a_trusted_certificate_is_up(https_servers: tuple[trustme.CA, dict[str, int]]) -> None:
    ca, ports = https_servers
    outcome = probe_once(http(f"https://127.0.0.1:{ports['good']}/"), ssl_context=trusting(ca))
    assert (outcome.status, outcome.code) == ("up", 200)


def test_https_with_an_expired_certificate_is_down(https_servers: tuple[trustme.CA, dict[str, int]]) -> None:
    ca, ports = https_servers
    outcome = probe_once(http(f"https://127.0.0.1:{ports['expired']}/"), ssl_context=trusting(ca))
    assert (outcome.status, outcome.reason) == ("down", "TLS: certificate expired")


def test_https_with_an_untrusted_certificate_is_down_unless_verification_is_off(
    https_servers: tuple[trustme.CA, dict[str, int]],
) -> None:
    ca, ports = https_servers
    url = f"https://127.0.0.1:{ports['untrusted']}/"
    outcome = probe_once(http(url), ssl_context=trusting(ca))
    assert outcome.status == "down"
    assert outcome.reason == "TLS: unable to get local issuer certificate"
    assert probe_once(http(url, verify_tls=False), ssl_context=trusting(ca)).status == "up"
