"""A sharded plan: each worker records into its own part of the store, the summary joins the parts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from checker.alerting.config import AlertsSettings
from checker.bundle import BUNDLE_KEY, Bundle
from checker.derived.rebuild import rebuild
from checker.fanout import shard_of
from checker.handler import handle, read_bundle
from checker.run import run_checks
from checker.store import LocalStore
from checker.summary import SUMMARY_KEY, load_summary
from tests.checker.checker_support import T0, LoopbackServer, answer, http_component, make_bundle

SHARDS = 3


@pytest.fixture
def fleet() -> Iterator[tuple[LoopbackServer, Bundle]]:
    server = LoopbackServer({"/ok": answer(200), "/broken": answer(503)})
    components = [http_component(f"c{i}", server.url("/broken" if i % 4 == 0 else "/ok")) for i in range(12)]
    yield server, make_bundle(components, checker={"interval": 60, "shards": SHARDS})
    server.close()


def derived(store: LocalStore) -> dict[str, bytes]:
    """Every file a rebuild makes again, by key."""
    keys = [k for k in store.list() if not k.startswith("runs/") and k != "bundle.json"]
    return {key: stored.data for key in keys if (stored := store.get(key)) is not None}


def test_each_worker_records_only_its_part_and_the_summary_joins_them(
    fleet: tuple[LoopbackServer, Bundle],
    store: LocalStore,
) -> None:
    _, bundle = fleet
    for shard in range(SHARDS):
        report = run_checks(bundle, store, now=T0, run_id=f"t-s{shard}", shard=(shard, SHARDS))
        assert {s.component for s in report.run.samples} == {
            c.id for c in bundle.components if shard_of(c.id, SHARDS) == shard
        }
    # Each part holds its own components' state and nothing else.
    for shard in range(SHARDS):
        state = store.get_json(f"shards/{shard}-of-{SHARDS}/state.json")
        assert state is not None
        assert {shard_of(c, SHARDS) for c in state["components"]} == {shard}
    assert len(list(store.list(f"runs/shards/0-of-{SHARDS}/"))) == 1
    summary = load_summary(store)
    assert summary is not None
    assert sorted(c.id for c in summary.components) == sorted(c.id for c in bundle.components)
    broken = summary.component("c4")
    assert broken is not None and broken.last_reason == "expected 200-299, got 503"


def test_a_part_that_did_not_report_leaves_its_components_without_data(
    fleet: tuple[LoopbackServer, Bundle],
    store: LocalStore,
) -> None:
    _, bundle = fleet
    run_checks(bundle, store, now=T0, run_id="t-s0", shard=(0, SHARDS))
    summary = load_summary(store)
    assert summary is not None
    assert {c.id for c in summary.components} == {c.id for c in bundle.components if shard_of(c.id, SHARDS) == 0}


def test_one_process_checking_a_sharded_plan_records_it_part_by_part(
    fleet: tuple[LoopbackServer, Bundle],
    store: LocalStore,
) -> None:
    _, bundle = fleet
    report = run_checks(bundle, store, now=T0, run_id="local")
    assert [line.component for line in report.components] == [c.id for c in bundle.components]
    assert report.counts == {"up": 9, "degraded": 0, "down": 3}
    assert len(list(store.list("runs/shards/"))) == SHARDS
    summary = load_summary(store)
    assert summary is not None and len(summary.components) == 12
    # The same run id again counts nothing twice.
    again = run_checks(bundle, store, now=T0 + timedelta(seconds=5), run_id="local")
    assert again.duplicate and again.transitions == []
    assert len(list(store.list("runs/shards/"))) == SHARDS


def test_rebuild_of_a_sharded_store_gives_the_same_bytes(
    fleet: tuple[LoopbackServer, Bundle],
    store: LocalStore,
) -> None:
    _, bundle = fleet
    at = T0
    for n in range(3):
        at = T0 + timedelta(minutes=n)
        for shard in range(SHARDS):
            run_checks(bundle, store, now=at, run_id=f"r{n}-s{shard}", shard=(shard, SHARDS))
    live = derived(store)
    assert f"shards/1-of-{SHARDS}/{SUMMARY_KEY}" in live
    for key in live:
        store.delete(key)
    rebuild(bundle, store, now=at)
    assert derived(store) == live


def test_workers_started_as_lambda_would_read_only_their_part_of_the_bundle(
    fleet: tuple[LoopbackServer, Bundle],
    store: LocalStore,
) -> None:
    """Each worker event through the Lambda entry point: its part probed and recorded, and the
    bundle it works from holds its own components only (unless alerts need every component)."""
    _, bundle = fleet
    store.put(BUNDLE_KEY, bundle.model_dump_json().encode())
    for shard in range(SHARDS):
        event = {"statusgen": "check", "run_id": "evt-1", "shard": shard, "shards": SHARDS}
        line = handle(event, None, store=store, env={}, now=T0, log=lambda _: None)
        assert line["components"] == len([c for c in bundle.components if shard_of(c.id, SHARDS) == shard])
        part = read_bundle(store, shard=(shard, SHARDS))
        assert {shard_of(c.id, SHARDS) for c in part.components} == {shard}
    summary = load_summary(store)
    assert summary is not None
    assert sorted(c.id for c in summary.components) == sorted(c.id for c in bundle.components)
    broken = summary.component("c8")
    assert broken is not None and broken.last_reason == "expected 200-299, got 503"

    with_alerts = bundle.model_copy(update={"alerts": AlertsSettings(channels={}, routes=[])})
    store.put(BUNDLE_KEY, with_alerts.model_dump_json().encode())
    assert len(read_bundle(store, shard=(0, SHARDS)).components) == len(bundle.components)
