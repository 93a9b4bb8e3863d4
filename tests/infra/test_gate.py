"""`statusgen gate`: probes a real loopback server on a simulated clock (no real waiting)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from checker.bundle import Bundle
from checker.errors import GateFailed, StatusgenError
from checker.store import LocalStore
from site_builder.deploy.gate import GateProbe, GateResult, run_gate

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "infra" / "gate-bundle.json"


class Service:
    """A loopback HTTP service answering each request with the next code of `codes`."""

    def __init__(self, codes: list[int]) -> None:
        self.codes = codes
        self.requests = 0
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                code = service.codes[min(service.requests, len(service.codes) - 1)]
                service.requests += 1
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/health"


@pytest.fixture
def serve() -> Iterator[Callable[[list[int]], Service]]:
    started: list[Service] = []

    def start(codes: list[int]) -> Service:
        service = Service(codes)
        threading.Thread(target=service.server.serve_forever, daemon=True).start()
        started.append(service)
        return service

    yield start
    for service in started:
        service.server.shutdown()
        service.server.server_close()


class FakeClock:
    """Monotonic seconds that move only when the gate sleeps."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        self.seconds += seconds

    def now(self) -> datetime:
        return datetime(2026, 11, 22, 15, 0, tzinfo=UTC) + timedelta(seconds=self.seconds)


def bundle() -> Bundle:
    return Bundle.model_validate(json.loads(FIXTURE.read_text()))


def gate(url: str, tmp_path: Path, clock: FakeClock, component: str = "api", **options: Any) -> GateResult:
    return run_gate(
        bundle(),
        component,
        store=LocalStore(tmp_path),
        env={"GATE_URL": url},
        clock=clock,
        sleep=clock.sleep,
        now=clock.now,
        **options,
    )


def test_healthy_component_passes_after_probing_for_the_whole_duration(
    serve: Callable[[list[int]], Service], tmp_path: Path
) -> None:
    service = serve([200])
    clock = FakeClock()
    seen: list[GateProbe] = []
    result = gate(service.url, tmp_path, clock, duration=300.0, every=10.0, on_probe=seen.append)

    assert service.requests == 30
    assert [p.at.strftime("%H:%M:%S") for p in seen[:3]] == ["15:00:00", "15:00:10", "15:00:20"]
    assert result.passed
    assert result.summary() == ("gate api: passed over 5 min; 0 of 30 probes failed (at most 0 allowed)")
    assert not list(tmp_path.iterdir())  # a gate measures nothing into the store


def test_failures_within_the_allowance_pass(serve: Callable[[list[int]], Service], tmp_path: Path) -> None:
    service = serve([200, 503, 200])
    result = gate(service.url, tmp_path, FakeClock(), duration=60.0, every=10.0, max_failures=1)
    assert result.summary() == ("gate api: passed over 1 min; 1 of 6 probes failed (at most 1 allowed)")


def test_too_many_failures_stop_the_gate_at_once_with_the_reasons(
    serve: Callable[[list[int]], Service], tmp_path: Path
) -> None:
    service = serve([200, 503, 503, 200])
    with pytest.raises(GateFailed) as failed:
        gate(service.url, tmp_path, FakeClock(), duration=300.0, every=10.0, max_failures=1)

    assert str(failed.value) == ("gate api: FAILED: 2 of 3 probes failed (at most 1 allowed): expected 200, got 503 ×2")
    assert service.requests == 3


def test_an_unreachable_service_fails_with_a_readable_reason(tmp_path: Path) -> None:
    closed = "http://127.0.0.1:9/health"  # the discard port: nothing listens on loopback
    with pytest.raises(GateFailed, match=r"1 of 1 probes failed .*: connection refused ×1$"):
        gate(closed, tmp_path, FakeClock(), duration=30.0, every=10.0)


def test_a_misspelt_component_is_named_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(StatusgenError) as error:
        gate("http://127.0.0.1:9/", tmp_path, FakeClock(), component="apii")
    assert str(error.value) == "gate: no component 'apii'; did you mean 'api'?"


def test_a_component_without_a_check_cannot_gate(tmp_path: Path) -> None:
    with pytest.raises(StatusgenError) as error:
        gate("http://127.0.0.1:9/", tmp_path, FakeClock(), component="support")
    assert str(error.value) == "gate: component 'support' has no check to run"
