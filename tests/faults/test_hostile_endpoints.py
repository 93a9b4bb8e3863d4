"""One run against endpoints that misbehave in every way we know on loopback: each gives a clear
down reason within its timeout and the run completes; and a checker whose own network is gone
records no data and raises no alert storm."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from checker.alerting import AlertsSettings, send_alerts
from checker.bundle import Bundle
from checker.run import run_checks
from checker.store import LocalStore
from checker.summary import load_summary
from tests.faults.faults_support import T0, TOTALS, Endpoints
from tests.faults.hostile_servers import HostileHttp, NxDomainDns, SilentDns, wrong_name_tls

TIMEOUT = 1.0


def http(url: str, **check: Any) -> dict[str, Any]:
    return {"type": "http", "url": url, "timeout": TIMEOUT, **check}


@pytest.fixture
def hostile() -> Iterator[HostileHttp]:
    server = HostileHttp()
    yield server
    server.close()


@pytest.fixture
def wrong_name() -> Iterator[tuple[HostileHttp, Any]]:
    server_context, client_context = wrong_name_tls()
    server = HostileHttp(tls=server_context)
    yield server, client_context
    server.close()


@pytest.fixture
def resolvers() -> Iterator[tuple[str, str]]:
    missing, silent = NxDomainDns(), SilentDns()
    yield missing.address, silent.address
    missing.close()
    silent.close()


def test_each_hostile_endpoint_is_down_with_a_clear_reason_and_the_run_completes(
    hostile: HostileHttp,
    wrong_name: tuple[HostileHttp, Any],
    resolvers: tuple[str, str],
    tmp_path: Path,
) -> None:
    tls_server, trust = wrong_name
    missing, silent = resolvers
    expected = {
        "slowloris": (http(hostile.url("/slowloris")), "timeout after 1.0 s"),
        "trickle": (http(hostile.url("/trickle"), body_contains="ready"), "timeout after 1.0 s"),
        "endless": (http(hostile.url("/endless"), body_contains="ready"), "body did not contain the expected text"),
        "garbage": (http(hostile.url("/garbage")), "connection closed without a valid response"),
        "huge-head": (http(hostile.url("/huge-head")), "response headers too large"),
        "loop": (http(hostile.url("/loop-a")), "too many redirects"),
        "reset": (http(hostile.url("/reset")), "connection reset"),
        "silent": (http(hostile.url("/silent")), "timeout after 1.0 s"),
        "wrong-name": (
            http(tls_server.url("/ok")),
            "TLS: IP address mismatch, certificate is not valid for '127.0.0.1'.",
        ),
        "nxdomain": (
            {"type": "dns", "name": "nothing.example.test", "resolver": missing, "timeout": TIMEOUT},
            "DNS: name not found",
        ),
        "dns-silent": (
            {"type": "dns", "name": "api.example.test", "resolver": silent, "timeout": TIMEOUT},
            "timeout after 1.0 s",
        ),
        "tls-wrong-name": (
            {"type": "tls", "host": "127.0.0.1", "port": tls_server.server_address[1], "timeout": TIMEOUT},
            None,
        ),
        "healthy": (http(hostile.url("/ok")), None),
    }
    bundle = Bundle.model_validate(
        {
            "site": {"name": "Hostile"},
            "checker": {"interval": 60},
            "incidents": [],
            "components": [{"id": cid, "name": cid, "check": check} for cid, (check, _) in expected.items()],
        }
    )
    report = run_checks(bundle, LocalStore(tmp_path / "data"), now=T0, ssl_context=trust)

    reasons = {s.component: (s.status, s.reason) for s in report.run.samples}
    assert set(reasons) == set(expected)
    for component, (_, reason) in expected.items():
        status, got = reasons[component]
        if component == "healthy":
            assert status == "up", got
        elif component == "tls-wrong-name":
            assert status == "down" and got is not None and "mismatch" in got.lower(), got
        else:
            assert (component, status, got) == (component, "down", reason)
    TOTALS["hostile endpoints probed"] += len(expected) - 1


class Receiver:
    """Collects webhook posts on loopback (the team's alert channel)."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.server = Endpoints()
        outer = self

        def do_POST(handler: BaseHTTPRequestHandler) -> None:
            length = int(handler.headers.get("Content-Length", 0))
            outer.posts.append(json.loads(handler.rfile.read(length)))
            handler.send_response(204)
            handler.end_headers()

        self.server.httpd.RequestHandlerClass.do_POST = do_POST  # type: ignore[attr-defined]

    def close(self) -> None:
        self.server.close()


def test_the_checkers_own_network_gone_is_no_data_and_no_alert_storm(tmp_path: Path) -> None:
    site = Endpoints()
    receiver = Receiver()
    store = LocalStore(tmp_path / "data")
    try:
        components = [
            {"id": name, "name": name, "check": http(site.url(name))} for name in ("api", "web", "db", "search")
        ]
        bundle = Bundle.model_validate(
            {
                "site": {"name": "Offline"},
                "incidents": [],
                "components": components,
                "checker": {"interval": 60, "failure_threshold": 1, "connectivity_url": site.url("connectivity")},
            }
        )
        alerts = AlertsSettings.model_validate(
            {
                "channels": {"team": {"type": "webhook", "url": receiver.server.url("team")}},
                "routes": [{"name": "all", "channels": ["team"]}],
            }
        )

        def run(minute: int) -> Any:
            when = T0 + timedelta(minutes=minute)
            report = run_checks(bundle, store, now=when, run_id=f"r{minute}")
            send_alerts(report.transitions, bundle, store, now=when, settings=alerts)
            return report

        for minute in range(3):
            assert run(minute).transitions == []
        # The network goes: the connectivity probe and every endpoint fail together.
        site.codes = dict.fromkeys(("api", "web", "db", "search", "connectivity"), 503)
        offline = [run(minute) for minute in range(3, 13)]
        site.codes = {}
        back = run(13)
    finally:
        site.close()
        receiver.close()

    assert all(r.run.offline and r.transitions == [] for r in offline)
    assert back.transitions == [] and not back.run.offline
    assert receiver.posts == []
    summary = load_summary(store)
    assert summary is not None
    for component in summary.components:
        assert component.status == "operational"
        day = component.uptime["24h"]
        assert day.downtime_seconds == 0
        assert day.no_data_seconds > 0
        assert day.uptime == 1.0
    TOTALS["offline runs (network gone)"] += len(offline)
