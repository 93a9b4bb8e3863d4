"""The `statuspage` check: real Statuspage v2 responses (captured from public pages, copied into
tests/fixtures/api/statuspage) served on 127.0.0.1, read as a provider's components."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from checker.derived.state import STATE_KEY, State
from checker.run import run_checks
from checker.store import LocalStore
from checker.summary import load_summary
from tests.checker.checker_support import T0, LoopbackServer, answer, make_bundle, probe_once, reply
from tests.helpers import fixture

CAPTURED = fixture("api", "statuspage")


def serve_file(name: str) -> object:
    body = (CAPTURED / name).read_bytes()
    return lambda handler: reply(handler, 200, body, {"Content-Type": "application/json"})


@pytest.fixture
def pages() -> Iterator[LoopbackServer]:
    routes = {
        f"/{name}": serve_file(name)
        for name in (
            "github-components.json",
            "coinbase-components.json",
            "qualys-components.json",
            "instructure-summary.json",
        )
    }
    routes["/github/api/v2/components.json"] = serve_file("github-components.json")
    routes["/broken.json"] = answer(200, b"<html>maintenance</html>")
    routes["/failing.json"] = answer(503, b"try later")
    running = LoopbackServer(routes)  # type: ignore[arg-type]
    yield running
    running.close()


def check(url: str, component: str) -> dict[str, object]:
    return {"type": "statuspage", "url": url, "component": component, "timeout": 2}


@pytest.mark.parametrize(
    ("page", "component", "sample", "stated"),
    [
        ("github-components.json", "Git Operations", "up", "operational"),
        ("github-components.json", "8l4ygp009s5s", "up", "operational"),  # the same one, by id
        ("coinbase-components.json", "Digital Currencies", "down", "partial_outage"),
        ("coinbase-components.json", "Horizen", "up", "under_maintenance"),
        ("qualys-components.json", "US Platform 3", "up", "under_maintenance"),
        ("instructure-summary.json", "Website", "degraded", "degraded_performance"),
    ],
)
def test_the_stated_status_is_taken_exactly(
    pages: LoopbackServer, page: str, component: str, sample: str, stated: str
) -> None:
    outcome = probe_once(check(pages.url(f"/{page}"), component))
    assert (outcome.status, outcome.stated) == (sample, stated)
    assert outcome.latency_ms is None  # the status page's own speed is not the component's


def test_a_major_outage_and_its_reason_are_ours(pages: LoopbackServer) -> None:
    listed = json.loads((CAPTURED / "qualys-components.json").read_text())["components"]
    major = next(c for c in listed if c["status"] == "major_outage")
    outcome = probe_once(check(pages.url("/qualys-components.json"), major["id"]))
    assert (outcome.status, outcome.stated, outcome.reason) == ("down", "major_outage", "provider reports major outage")


def test_a_page_address_reads_its_components_file(pages: LoopbackServer) -> None:
    outcome = probe_once(check(pages.url("/github"), "API Requests"))
    assert (outcome.status, outcome.stated) == ("up", "operational")


@pytest.mark.parametrize(
    ("path", "component", "reason"),
    [
        ("/github-components.json", "Telepathy", "component not found on the status page"),
        ("/instructure-summary.json", "Canvas", "several components on the status page have this name: give its id"),
        ("/broken.json", "Git Operations", "status page did not answer JSON"),
        ("/failing.json", "Git Operations", "status page answered 503"),
    ],
)
def test_what_cannot_be_read_is_down_with_our_reason(
    pages: LoopbackServer, path: str, component: str, reason: str
) -> None:
    outcome = probe_once(check(pages.url(path), component))
    assert (outcome.status, outcome.stated, outcome.reason) == ("down", None, reason)


def test_the_component_shows_the_providers_status_from_the_first_run(pages: LoopbackServer, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    bundle = make_bundle(
        [
            {
                "id": "payments-provider",
                "name": "Payments provider",
                "check": check(pages.url("/coinbase-components.json"), "Digital Currencies"),
            },
            {"id": "scanner", "name": "Scanner", "check": check(pages.url("/qualys-components.json"), "US Platform 3")},
        ]
    )
    report = run_checks(bundle, store, now=T0, run_id="first")
    run_checks(bundle, store, now=T0 + timedelta(minutes=1), run_id="second")
    state = State.model_validate(store.get_json(STATE_KEY))
    # No flap control delays it: the provider decided, and its word is taken as it is.
    assert [(t.component, t.new) for t in report.transitions] == [
        ("payments-provider", "partial_outage"),
        ("scanner", "under_maintenance"),
    ]
    assert state.components["payments-provider"].status == "partial_outage"
    summary = load_summary(store)
    assert summary is not None
    assert {c.id: c.status for c in summary.components} == {
        "payments-provider": "partial_outage",
        "scanner": "under_maintenance",
    }


def test_validate_names_a_missing_component() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="component"):
        make_bundle([{"id": "up", "name": "Up", "check": {"type": "statuspage", "url": "https://example.com"}}])
