"""What an endpoint can do to the checker, against real servers on 127.0.0.1: decompression
bombs, header floods and redirects into internal networks are bounded or refused with a short
reason of ours, and the endpoint's own text never reaches the summary."""

from __future__ import annotations

import asyncio
import json
import ssl
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checker.probes import ProbeContext
from checker.probes.base import ENDPOINT_TEXT_BYTES
from checker.probes.http_client import HttpClient
from checker.probes.http_connection import MAX_BODY_BYTES
from checker.run import probe_once as run_probe
from checker.run import run_checks
from checker.store import LocalStore
from tests.checker.checker_support import T0, make_bundle, probe_once
from tests.faults.hostile_servers import BOMB_BYTES, HostileHttp, bomb

TIMEOUT = 5.0


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileHttp]:
    for layers in (("gzip", "gzip"), ("deflate", "gzip", "gzip")):
        bomb(layers)  # built before any probe, so measuring the probe's memory leaves it out
    server = HostileHttp()
    yield server
    server.close()


async def loopback_names(host: str, port: int) -> list[str]:
    """The tests' resolver: `localhost` is loopback, nothing else resolves (no real DNS)."""
    if host in ("127.0.0.1", "localhost"):
        return ["127.0.0.1"]
    if host[0].isdigit():
        return [host]
    raise OSError(f"{host} is not known to the tests")


def http(url: str, **check: Any) -> dict[str, Any]:
    return {"type": "http", "url": url, "timeout": TIMEOUT, **check}


def probe_measuring_memory(check: dict[str, Any]) -> tuple[Any, int]:
    """(outcome, peak bytes allocated while probing)."""
    parsed = make_bundle([{"id": "api", "name": "API", "check": check}]).components[0].check
    assert parsed is not None
    context = ProbeContext(
        now=T0,
        component="api",
        http=HttpClient(ssl.create_default_context()),
        ssl_context=ssl.create_default_context(),
        store=LocalStore("/nonexistent-store"),
    )
    tracemalloc.start()
    try:
        outcome = asyncio.run(run_probe(parsed, context))
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("path", ["/gzip-bomb", "/triple-bomb"])
def test_a_decompression_bomb_is_decoded_only_as_far_as_the_body_check_looks(
    hostile: HostileHttp,
    path: str,
) -> None:
    outcome, peak = probe_measuring_memory(http(hostile.url(path), body_contains="healthy"))
    # Judged on the first MiB, not timed out: the probe ended on its own, well within its timeout.
    assert (outcome.status, outcome.code, outcome.reason) == ("down", 200, "body did not contain the expected text")
    assert peak < 8 * MAX_BODY_BYTES < BOMB_BYTES


def test_a_bomb_without_a_body_check_is_never_decoded(hostile: HostileHttp) -> None:
    outcome, peak = probe_measuring_memory(http(hostile.url("/gzip-bomb")))
    assert (outcome.status, outcome.code) == ("up", 200)
    assert peak < MAX_BODY_BYTES


def test_an_encoding_the_probe_cannot_decode_is_a_clear_failure(hostile: HostileHttp) -> None:
    outcome = probe_once(http(hostile.url("/brotli"), body_contains="ok"))
    assert (outcome.status, outcome.reason) == ("down", "unsupported content encoding 'br'")


def test_a_flood_of_headers_is_refused(hostile: HostileHttp) -> None:
    outcome = probe_once(http(hostile.url("/many-heads")))
    assert (outcome.status, outcome.reason) == ("down", "more than 100 response headers")


def test_a_redirect_to_another_host_is_refused_unless_allowed(hostile: HostileHttp) -> None:
    check = http(hostile.url("/to-localhost"))
    outcome = probe_once(check, resolve=loopback_names)
    assert (outcome.status, outcome.reason) == ("down", "redirect to another host refused")
    assert outcome.endpoint_text == f"http://localhost:{hostile.server_address[1]}/ok"
    allowed = probe_once({**check, "redirect_hosts": ["localhost"]}, resolve=loopback_names)
    assert (allowed.status, allowed.code) == ("up", 200)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/to-metadata", "redirect to a metadata address refused"),
        ("/to-private", "redirect to a private address refused"),
    ],
)
def test_a_redirect_into_an_internal_network_is_refused_even_to_an_allowed_host(
    hostile: HostileHttp,
    path: str,
    reason: str,
) -> None:
    # The check's own address is loopback, so loopback redirects may follow; metadata and
    # private ranges may not, and nothing is sent there (the refusal comes before connecting).
    outcome = probe_once(http(hostile.url(path), redirect_hosts=["*"]), resolve=loopback_names)
    assert (outcome.status, outcome.reason) == ("down", reason)


def test_the_endpoints_own_text_stays_in_the_run_object(hostile: HostileHttp, tmp_path: Path) -> None:
    bundle = make_bundle(
        [
            {"id": "leaky", "name": "Leaky", "check": http(hostile.url("/huge-body"), body_contains="healthy")},
            {"id": "fine", "name": "Fine", "check": http(hostile.url("/ok"))},
        ]
    )
    store = LocalStore(tmp_path / "data")
    report = run_checks(bundle, store, now=T0, run_id="r1")

    leaky = next(s for s in report.run.samples if s.component == "leaky")
    assert leaky.reason == "body did not contain the expected text"
    assert leaky.endpoint_text is not None and len(leaky.endpoint_text) == ENDPOINT_TEXT_BYTES
    assert "hunter2" in leaky.endpoint_text  # kept privately, for whoever runs the checker
    stored = json.loads((tmp_path / "data" / report.run.key).read_text())
    fine = next(s for s in stored["samples"] if s["component"] == "fine")
    assert "endpoint_text" not in fine  # the run format is unchanged where there is nothing to keep
    summary = (tmp_path / "data" / "summary.json").read_text()
    assert "hunter2" not in summary and "Internal error" not in summary
    assert "body did not contain the expected text" in summary
