"""Whole runs against loopback servers and a folder store: statuses, transitions, rollups, summary."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler

import pytest

from checker.derived.closed import CLOSED_KEY, make_closed_days
from checker.derived.daily import DayRollup, day_key
from checker.derived.history import HISTORY_KEY, History
from checker.derived.rebuild import rebuild
from checker.derived.state import STATE_KEY, State
from checker.derived.summary_build import summary_bytes
from checker.run import run_checks
from checker.store import LocalStore
from checker.summary import SUMMARY_KEY, load_summary
from tests.checker.checker_support import (
    T0,
    LoopbackServer,
    Route,
    answer,
    closed_port,
    http_component,
    make_bundle,
)


class Switch:
    """An endpoint whose answer the test flips between runs."""

    def __init__(self) -> None:
        self.code = 200

    def __call__(self, handler: object) -> None:
        answer(self.code)(handler)  # type: ignore[arg-type]


@pytest.fixture
def api() -> Iterator[tuple[LoopbackServer, Switch]]:
    switch = Switch()
    running = LoopbackServer({"/api": switch, "/ok": answer(200), "/hang": answer(200, delay=5)})
    yield running, switch
    running.close()


def minute(n: int) -> object:
    return T0 + timedelta(minutes=n)


def test_a_run_stores_its_samples_and_a_summary(api: tuple[LoopbackServer, Switch], store: LocalStore) -> None:
    server, _ = api
    bundle = make_bundle([http_component("api", server.url("/api")), http_component("web", server.url("/missing"))])
    report = run_checks(bundle, store, now=T0, run_id="first")
    assert [(s.component, s.status, s.reason) for s in report.run.samples] == [
        ("api", "up", None),
        ("web", "down", "expected 200-299, got 404"),
    ]
    assert store.get_json(report.run.key)["id"] == "first"
    # One failure is not an outage yet.
    assert report.rows()[1] == ("web", "operational", "down", report.rows()[1][3], "expected 200-299, got 404")
    assert report.lines()[0].split() == ["COMPONENT", "STATUS", "PROBE", "LATENCY", "REASON"]
    assert report.lines()[-1].startswith("1 up, 0 degraded, 1 down in ")
    summary = load_summary(store)
    assert summary is not None and summary.generated_at == T0
    assert [c.status for c in summary.components] == ["operational", "operational"]


def test_transitions_follow_flap_control_and_say_how_long_the_old_status_lasted(
    api: tuple[LoopbackServer, Switch],
    store: LocalStore,
) -> None:
    server, switch = api
    bundle = make_bundle([http_component("api", server.url("/api"))])
    seen = []
    for n, code in enumerate([200, 500, 500, 500, 200, 200]):
        switch.code = code
        report = run_checks(bundle, store, now=minute(n), run_id=f"run-{n}")
        seen += [(n, t.old, t.new, t.previous_lasted_seconds, t.reason) for t in report.transitions]
    assert seen == [
        (2, "operational", "major_outage", 120.0, "expected 200-299, got 500"),
        (4, "major_outage", "operational", 120.0, None),
    ]
    summary = load_summary(store)
    assert summary is not None
    today = summary.components[0].bars[-1]
    assert today.outage_seconds == 120  # from the second failure to the first success
    assert summary.components[0].status_since == minute(4)


def test_a_retried_invocation_counts_once_and_reports_no_transition_again(
    api: tuple[LoopbackServer, Switch],
    store: LocalStore,
) -> None:
    server, switch = api
    bundle = make_bundle([http_component("api", server.url("/api"))], checker={"interval": 60, "failure_threshold": 1})
    run_checks(bundle, store, now=minute(0), run_id="a")
    switch.code = 500
    first = run_checks(bundle, store, now=minute(1), run_id="b")
    day_before = store.get(day_key("2026-11-20"))
    again = run_checks(bundle, store, now=minute(1), run_id="b")
    assert len(first.transitions) == 1
    assert again.duplicate and again.transitions == []
    # The first attempt may have died before alerting: its transitions are handed on again.
    assert again.transitions_to_alert == first.transitions
    assert store.get(day_key("2026-11-20")) == day_before
    assert len(list(store.list("runs/"))) == 2
    assert "already recorded" in again.lines()[-1]


def test_a_hanging_endpoint_does_not_hold_up_the_others(api: tuple[LoopbackServer, Switch], store: LocalStore) -> None:
    server, _ = api
    bundle = make_bundle(
        [
            http_component("slow", server.url("/hang"), timeout=0.5),
            *[http_component(f"ok-{i}", server.url("/ok")) for i in range(5)],
            http_component("gone", f"http://127.0.0.1:{closed_port()}/"),
        ]
    )
    report = run_checks(bundle, store, now=T0)
    statuses = {s.component: (s.status, s.reason) for s in report.run.samples}
    assert statuses["slow"] == ("down", "timeout after 0.5 s")
    assert statuses["gone"] == ("down", "connection refused")
    # The slow probe ended at its own 0.5 s deadline (its reason says so), not after the 5 s hang.
    assert all(statuses[f"ok-{i}"] == ("up", None) for i in range(5))


def test_probes_that_answered_slowest_last_time_start_first(store: LocalStore) -> None:
    arrivals: list[str] = []

    def noted(name: str, delay: float = 0.0) -> Route:
        def route(handler: BaseHTTPRequestHandler) -> None:
            arrivals.append(name)
            answer(200, delay=delay)(handler)

        return route

    server = LoopbackServer(
        {
            "/fast": noted("fast"),
            "/hang": noted("hang", delay=2),
            "/slow": noted("slow", delay=0.2),
            "/new": noted("new"),
        }
    )
    try:
        components = [
            http_component("fast", server.url("/fast")),
            http_component("hang", server.url("/hang"), timeout=0.5),
            http_component("slow", server.url("/slow")),
        ]
        # One probe at a time, so requests arrive in the order the probes start.
        first = make_bundle(components, checker={"interval": 60, "concurrency": 1})
        run_checks(first, store, now=T0, run_id="first")
        assert arrivals == ["fast", "hang", "slow"]
        arrivals.clear()
        second = make_bundle(
            [*components, http_component("new", server.url("/new"))], checker={"interval": 60, "concurrency": 1}
        )
        report = run_checks(second, store, now=T0 + timedelta(minutes=1), run_id="second")
    finally:
        server.close()
    # The timed-out probe starts first, then by last latency; a component never probed goes last.
    assert arrivals == ["hang", "slow", "fast", "new"]
    # The stored run still lists its samples in the order of statuspage.yaml.
    assert [s.component for s in report.run.samples] == ["fast", "hang", "slow", "new"]


def test_retries_within_a_run_hide_a_single_failure(store: LocalStore) -> None:
    calls = []

    def flaky(handler: object) -> None:
        calls.append(1)
        answer(500 if len(calls) == 1 else 200)(handler)  # type: ignore[arg-type]

    server = LoopbackServer({"/flaky": flaky})
    try:
        bundle = make_bundle([http_component("api", server.url("/flaky"), retries=1)])
        report = run_checks(bundle, store, now=T0)
    finally:
        server.close()
    assert report.run.samples[0].status == "up"
    assert len(calls) == 2


def test_an_offline_checker_records_no_data_not_downtime(api: tuple[LoopbackServer, Switch], store: LocalStore) -> None:
    server, switch = api
    online = {"interval": 60, "connectivity_url": server.url("/ok")}
    offline = {"interval": 60, "connectivity_url": f"http://127.0.0.1:{closed_port()}/"}
    component = http_component("api", server.url("/api"))
    run_checks(make_bundle([component], checker=online), store, now=minute(0), run_id="r0")
    switch.code = 500  # what an offline checker sees must not count
    for n in range(1, 11):
        report = run_checks(make_bundle([component], checker=offline), store, now=minute(n), run_id=f"r{n}")
        assert report.run.offline and report.transitions == []
    summary = load_summary(store)
    assert summary is not None
    figure = summary.components[0].uptime["24h"]
    assert figure.downtime_seconds == 0
    assert figure.observed_seconds == 120  # the last sample covers at most two intervals
    assert summary.components[0].status is None  # nothing recent to go by


def test_an_open_incident_counts_as_downtime_even_when_probes_pass(
    api: tuple[LoopbackServer, Switch],
    store: LocalStore,
) -> None:
    server, _ = api
    incident = {
        "slug": "2026-11-20-api-errors",
        "kind": "incident",
        "title": "API errors",
        "impact": "critical",
        "components": {"api": "major_outage"},
        "file": "incidents/2026-11-20-api-errors.md",
        "updates": [
            {"at": minute(10).isoformat(), "status": "resolved", "body": "", "html": ""},  # type: ignore[attr-defined]
            {"at": minute(0).isoformat(), "status": "investigating", "body": "", "html": ""},  # type: ignore[attr-defined]
        ],
    }
    bundle = make_bundle([http_component("api", server.url("/api"))], incidents=[incident])
    for n in range(0, 30, 5):
        run_checks(bundle, store, now=minute(n), run_id=f"r{n}")
    summary = load_summary(store)
    assert summary is not None
    figure = summary.components[0].uptime["24h"]
    assert figure.downtime_seconds == 600
    assert summary.components[0].bars[-1].worst_status == "major_outage"


def test_concurrent_runs_lose_no_update(api: tuple[LoopbackServer, Switch], store: LocalStore) -> None:
    server, _ = api
    bundle = make_bundle([http_component(f"c{i}", server.url("/ok")) for i in range(3)])
    errors: list[BaseException] = []

    def one(n: int) -> None:
        try:
            run_checks(bundle, LocalStore(store.root), now=minute(n), run_id=f"par-{n}")
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    state = store.get_json(STATE_KEY)
    assert State.model_validate(state).applied_ids() == {f"par-{n}" for n in range(6)}
    day = store.get_json(day_key("2026-11-20"))
    assert sorted(day["runs"]) == [f"par-{n}" for n in range(6)]
    assert day["components"]["c0"]["samples"] == {"up": 6}


def test_rebuild_gives_the_same_summary_byte_for_byte(api: tuple[LoopbackServer, Switch], store: LocalStore) -> None:
    server, switch = api
    bundle = make_bundle(
        [http_component("api", server.url("/api"), degraded_after=5), {"id": "docs", "name": "Docs"}],
        checker={"interval": 3600, "retention_days": 30},
    )
    # Hourly runs across three days, with an outage that spans midnight.
    start = T0.replace(hour=20)
    for n in range(40):
        switch.code = 500 if 2 <= n <= 6 else 200
        run_checks(bundle, store, now=start + timedelta(hours=n), run_id=f"h{n}")
    incremental = store.get(SUMMARY_KEY)
    assert incremental is not None
    # The closed days kept for the runs are what the history gives, and give the same summary.
    state = State.model_validate(store.get_json(STATE_KEY))
    history = History.model_validate(store.get_json(HISTORY_KEY))
    now = start + timedelta(hours=39)
    closed = make_closed_days(bundle, history, now.date())
    assert closed.model_dump(mode="json") == store.get_json(CLOSED_KEY)
    open_days = {d: DayRollup.model_validate(store.get_json(day_key(d))) for d in state.open_days}
    assert summary_bytes(bundle, state, closed, open_days, now=now) == incremental.data
    for key in [*store.list("rollups/"), STATE_KEY, SUMMARY_KEY]:
        store.delete(key)
    rebuilt = rebuild(bundle, store, now=start + timedelta(hours=39))
    assert store.get(SUMMARY_KEY) == incremental
    bars = {b.date.isoformat(): b for b in rebuilt.components[0].bars}
    # Down from 22:00; an outage from the second failure (23:00) to the first success (03:00).
    assert bars["2026-11-20"].outage_seconds == 3600
    assert bars["2026-11-21"].outage_seconds == 3 * 3600


def test_old_runs_are_pruned_but_rollups_are_kept(api: tuple[LoopbackServer, Switch], store: LocalStore) -> None:
    server, _ = api
    bundle = make_bundle([http_component("api", server.url("/api"))], checker={"interval": 86400, "retention_days": 2})
    for n in range(5):
        run_checks(bundle, store, now=T0 + timedelta(days=n), run_id=f"d{n}")
    days = {key.split("/")[1:4][0] + key.split("/")[2] + key.split("/")[3] for key in store.list("runs/")}
    assert days == {"20261122", "20261123", "20261124"}
    assert store.get(day_key("2026-11-20")) is not None
    summary = rebuild(bundle, store, now=T0 + timedelta(days=4))
    bars = {b.date.isoformat(): b for b in summary.components[0].bars}
    assert bars["2026-11-21"].uptime == 1.0  # from the kept rollup, its runs long gone


def test_regions_need_a_quorum_and_a_broken_region_does_not_decide(
    api: tuple[LoopbackServer, Switch],
    store: LocalStore,
) -> None:
    server, _ = api
    broken = f"http://127.0.0.1:{closed_port()}/api"
    regions = {"interval": 60, "regions": ["eu-west-1", "us-east-1", "ap-south-1"], "failure_threshold": 1}
    good = make_bundle([http_component("api", server.url("/api"))], checker=regions)
    # The same component seen through a region whose network cannot reach it.
    cut_off = make_bundle([http_component("api", broken)], checker=regions)
    for n in range(3):
        run_checks(cut_off, store, now=minute(n), region="eu-west-1", run_id=f"eu-{n}")
        run_checks(good, store, now=minute(n) + timedelta(seconds=10), region="us-east-1", run_id=f"us-{n}")
        run_checks(good, store, now=minute(n) + timedelta(seconds=20), region="ap-south-1", run_id=f"ap-{n}")
    summary = load_summary(store)
    assert summary is not None and summary.components[0].status == "operational"
    # Now a second region loses it too: two of three is a quorum.
    for n in range(3, 5):
        run_checks(cut_off, store, now=minute(n), region="eu-west-1", run_id=f"eu-{n}")
        run_checks(cut_off, store, now=minute(n) + timedelta(seconds=10), region="us-east-1", run_id=f"us-{n}")
    summary = load_summary(store)
    assert summary is not None and summary.components[0].status == "major_outage"


def test_two_regions_must_agree(api: tuple[LoopbackServer, Switch], store: LocalStore) -> None:
    server, _ = api
    regions = {"interval": 60, "regions": ["eu-west-1", "us-east-1"], "failure_threshold": 1}
    good = make_bundle([http_component("api", server.url("/api"))], checker=regions)
    cut_off = make_bundle([http_component("api", f"http://127.0.0.1:{closed_port()}/")], checker=regions)
    for n in range(3):
        run_checks(cut_off, store, now=minute(n), region="eu-west-1", run_id=f"eu-{n}")
        run_checks(good, store, now=minute(n) + timedelta(seconds=5), region="us-east-1", run_id=f"us-{n}")
    summary = load_summary(store)
    assert summary is not None and summary.components[0].status == "operational"


def test_shards_split_the_plan_and_the_summary_takes_whichever_reported(
    api: tuple[LoopbackServer, Switch],
    store: LocalStore,
) -> None:
    server, _ = api
    bundle = make_bundle(
        [http_component(f"c{i}", server.url("/ok")) for i in range(12)], checker={"interval": 60, "shards": 3}
    )
    probed = []
    for shard in (0, 2):  # shard 1 never reports
        report = run_checks(bundle, store, now=T0, run_id=f"t-s{shard}", shard=(shard, 3))
        probed += [s.component for s in report.run.samples]
    assert len(probed) == len(set(probed)) < 12
    summary = load_summary(store)
    assert summary is not None
    known = {c.id for c in summary.components if c.status == "operational"}
    assert known == set(probed)
    assert json.loads(json.dumps(sorted(known)))  # every reported shard's components are there
