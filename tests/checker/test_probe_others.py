"""The tcp, dns, tls and heartbeat probes against real servers on 127.0.0.1."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import dns.message
import dns.rcode
import dns.rrset
import pytest
import trustme

from checker.errors import HeartbeatRejected
from checker.heartbeat import record_heartbeat
from checker.store import LocalStore
from tests.checker.checker_support import T0, closed_port, make_bundle, probe_once

# --- tcp --------------------------------------------------------------------------------------


def test_tcp_is_up_when_the_port_accepts() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        outcome = probe_once({"type": "tcp", "host": "127.0.0.1", "port": port})
    assert outcome.status == "up"
    assert outcome.latency_ms is not None


def test_tcp_is_down_when_nothing_listens() -> None:
    outcome = probe_once({"type": "tcp", "host": "127.0.0.1", "port": closed_port()})
    assert (outcome.status, outcome.reason) == ("down", "connection refused")


# --- dns --------------------------------------------------------------------------------------

ZONE = {("api.example.test.", "A"): ["10.0.0.7"], ("example.test.", "MX"): ["10 mail.example.test."]}


@pytest.fixture
def dns_server() -> Iterator[str]:
    """A tiny authoritative DNS server on 127.0.0.1 (UDP), answering from ZONE."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            question = query.question[0]
            name, kind = question.name.to_text(), dns.rdatatype.to_text(question.rdtype)
            if (name, kind) in ZONE:
                response.answer.append(dns.rrset.from_text_list(name, 60, "IN", kind, ZONE[(name, kind)]))
            elif not any(n == name for n, _ in ZONE):
                response.set_rcode(dns.rcode.NXDOMAIN)
            sock.sendto(response.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join()
    sock.close()


def test_dns_resolves(dns_server: str) -> None:
    outcome = probe_once({"type": "dns", "name": "api.example.test", "resolver": dns_server})
    assert outcome.status == "up"


def test_dns_checks_the_expected_value(dns_server: str) -> None:
    good = {"type": "dns", "name": "api.example.test", "resolver": dns_server, "expect": ["10.0.0.7"]}
    assert probe_once(good).status == "up"
    outcome = probe_once({**good, "expect": ["10.0.0.8"]})
    assert (outcome.reason, outcome.endpoint_text) == ("DNS: the answer did not include an expected value", "10.0.0.7")
    mx = {
        "type": "dns",
        "name": "example.test",
        "record_type": "MX",
        "resolver": dns_server,
        "expect": ["10 mail.example.test"],
    }
    assert probe_once(mx).status == "up"


def test_dns_reports_a_missing_name_and_a_missing_record(dns_server: str) -> None:
    missing = probe_once({"type": "dns", "name": "nope.example.test", "resolver": dns_server})
    assert (missing.status, missing.reason) == ("down", "DNS: name not found")
    no_aaaa = probe_once({"type": "dns", "name": "api.example.test", "record_type": "AAAA", "resolver": dns_server})
    assert no_aaaa.reason == "DNS: no AAAA record"


def test_dns_times_out_when_the_server_is_silent() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        outcome = probe_once(
            {"type": "dns", "name": "api.example.test", "timeout": 0.3, "resolver": f"127.0.0.1:{port}"}
        )
    assert (outcome.status, outcome.reason) == ("down", "timeout after 0.3 s")


# --- tls --------------------------------------------------------------------------------------


@pytest.fixture
def tls_ports() -> Iterator[tuple[trustme.CA, dict[str, int]]]:
    """TLS servers on loopback with certificates of various ages."""
    ca = trustme.CA()
    self_signed = trustme.CA()
    certs = {
        "fresh": ca.issue_cert("localhost", not_after=datetime(2027, 6, 1, tzinfo=UTC)),
        "expired": ca.issue_cert(
            "localhost", not_before=datetime(2026, 1, 1, tzinfo=UTC), not_after=datetime(2026, 10, 1, tzinfo=UTC)
        ),
        "untrusted": self_signed.issue_cert("localhost"),
    }
    listeners = []
    stop = threading.Event()
    ports = {}
    for name, cert in certs.items():
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.1)
        listeners.append(listener)
        ports[name] = listener.getsockname()[1]

        def serve(listener: socket.socket = listener, context: ssl.SSLContext = context) -> None:
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except (TimeoutError, OSError):
                    continue
                try:
                    conn.settimeout(2)
                    with context.wrap_socket(conn, server_side=True) as tls:
                        tls.recv(1)
                except (OSError, ssl.SSLError):
                    conn.close()

        threading.Thread(target=serve, daemon=True).start()
    yield ca, ports
    stop.set()
    for listener in listeners:
        listener.close()


def tls_check(port: int, **options: object) -> dict[str, object]:
    return {"type": "tls", "host": "localhost", "port": port, "timeout": 3, **options}


def trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def test_tls_days_left_decide_the_status(tls_ports: tuple[trustme.CA, dict[str, int]]) -> None:
    ca, ports = tls_ports
    context = trusting(ca)
    expires = datetime(2027, 6, 1, tzinfo=UTC)
    check = tls_check(ports["fresh"], warn_days=14, min_days=3)
    assert probe_once(check, ssl_context=context, now=expires - timedelta(days=30)).status == "up"
    warned = probe_once(check, ssl_context=context, now=expires - timedelta(days=10))
    assert (warned.status, warned.reason) == ("degraded", "TLS: certificate expires in 10 days")
    close = probe_once(check, ssl_context=context, now=expires - timedelta(days=2))
    assert (close.status, close.reason) == ("down", "TLS: certificate expires in 2 days")


def test_tls_names_the_day_an_expired_certificate_ran_out(
    tls_ports: tuple[trustme.CA, dict[str, int]],
) -> None:
    ca, ports = tls_ports
    outcome = probe_once(tls_check(ports["expired"]), ssl_context=trusting(ca))
    assert (outcome.status, outcome.reason) == ("down", "TLS: certificate expired 2026-10-01")


def test_tls_rejects_a_certificate_from_an_unknown_issuer(
    tls_ports: tuple[trustme.CA, dict[str, int]],
) -> None:
    ca, ports = tls_ports
    outcome = probe_once(tls_check(ports["untrusted"]), ssl_context=trusting(ca))
    assert (outcome.status, outcome.reason) == ("down", "TLS: unable to get local issuer certificate")


# --- heartbeat --------------------------------------------------------------------------------

HEARTBEAT = {"type": "heartbeat", "every": "5m", "grace": "1m", "token": "${BACKUP_TOKEN}"}


def test_a_heartbeat_within_its_period_is_up(tmp_path: object) -> None:
    store = LocalStore(str(tmp_path))
    bundle = make_bundle([{"id": "backup", "name": "Backup", "check": HEARTBEAT}])
    env = {"BACKUP_TOKEN": "t0ken"}
    record_heartbeat(bundle, store, "backup", "t0ken", now=T0, env=env)
    fresh = probe_once(HEARTBEAT, store=store, now=T0 + timedelta(minutes=6), component="backup")
    assert fresh.status == "up"
    late = probe_once(HEARTBEAT, store=store, now=T0 + timedelta(minutes=7), component="backup")
    assert (late.status, late.reason) == ("down", "no report for 7 min (expected every 5 min)")


def test_a_component_that_never_reported_is_down(tmp_path: object) -> None:
    outcome = probe_once(HEARTBEAT, store=LocalStore(str(tmp_path)), component="backup")
    assert (outcome.status, outcome.reason) == ("down", "no report yet")


def test_a_heartbeat_with_the_wrong_token_is_rejected(tmp_path: object) -> None:
    store = LocalStore(str(tmp_path))
    bundle = make_bundle([{"id": "backup", "name": "Backup", "check": HEARTBEAT}])
    with pytest.raises(HeartbeatRejected, match=r"^backup: wrong token$"):
        record_heartbeat(bundle, store, "backup", "guess", now=T0, env={"BACKUP_TOKEN": "t0ken"})
    with pytest.raises(HeartbeatRejected, match=r"^no heartbeat check named 'other'$"):
        record_heartbeat(bundle, store, "other", "t0ken", now=T0, env={"BACKUP_TOKEN": "t0ken"})
    assert store.get("heartbeats/backup.json") is None
