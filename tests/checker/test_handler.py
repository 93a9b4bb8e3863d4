"""The Lambda handler with real sample events (tests/fixtures/checker/*.json)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from checker.bundle import BUNDLE_KEY, Bundle
from checker.errors import StoreError
from checker.handler import handle
from checker.store import LocalStore
from checker.summary import load_summary
from tests.checker.checker_support import T0, LoopbackServer, answer, fixture_json, http_component, make_bundle

CONTEXT = SimpleNamespace(
    aws_request_id="c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
    invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:statusgen-checker",
)


def publish(store: LocalStore, bundle: Bundle) -> None:
    store.put_json(BUNDLE_KEY, bundle.model_dump(mode="json", by_alias=True))


def test_a_scheduled_event_runs_the_checks_and_logs_one_line_and_metrics(
    store: LocalStore,
) -> None:
    server = LoopbackServer({"/ok": answer(200), "/bad": answer(500)})
    try:
        publish(
            store, make_bundle([http_component("api", server.url("/ok")), http_component("web", server.url("/bad"))])
        )
        logged: list[str] = []
        result = handle(
            fixture_json("eventbridge-scheduled.json"),
            CONTEXT,
            store=store,
            env={"AWS_REGION": "eu-west-1"},
            now=T0,
            log=logged.append,
        )
    finally:
        server.close()
    line, metrics = (json.loads(text) for text in logged)
    assert line["event"] == "run"
    assert line["run_id"] == "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa"  # the event id: same on retry
    assert (line["region"], line["up"], line["down"], line["components"]) == ("eu-west-1", 1, 1, 2)
    assert result == line
    emf = metrics["_aws"]["CloudWatchMetrics"][0]
    assert [m["Name"] for m in emf["Metrics"]] == ["Runs", "Failures", "Duration"]
    assert (metrics["Runs"], metrics["Failures"], metrics["Region"]) == (1, 1, "eu-west-1")
    assert metrics["_aws"]["Timestamp"] == int(T0.timestamp() * 1000)
    assert load_summary(store) is not None


def test_a_retried_scheduled_event_counts_once(store: LocalStore) -> None:
    server = LoopbackServer({"/ok": answer(200)})
    try:
        publish(store, make_bundle([http_component("api", server.url("/ok"))]))
        event = fixture_json("eventbridge-scheduled.json")
        logged: list[str] = []
        handle(event, CONTEXT, store=store, env={}, now=T0, log=logged.append)
        handle(event, CONTEXT, store=store, env={}, now=T0, log=logged.append)
    finally:
        server.close()
    assert [json.loads(text).get("duplicate") for text in logged[::2]] == [False, True]
    assert len(list(store.list("runs/"))) == 1


def test_a_missing_bundle_or_store_is_a_clear_error(store: LocalStore) -> None:
    with pytest.raises(StoreError, match=r"bundle\.json is missing: CI writes it on each merge"):
        handle({}, CONTEXT, store=store, env={})
    with pytest.raises(StoreError, match=r"^STATUSGEN_STORE is not set"):
        handle({}, CONTEXT, env={})


def test_with_shards_the_scheduled_event_starts_one_worker_per_shard(store: LocalStore) -> None:
    server = LoopbackServer({"/ok": answer(200)})
    try:
        bundle = make_bundle(
            [http_component(f"c{i}", server.url("/ok")) for i in range(8)], checker={"interval": 60, "shards": 2}
        )
        publish(store, bundle)
        started: list[dict[str, Any]] = []
        result = handle(
            fixture_json("eventbridge-scheduled.json"),
            CONTEXT,
            store=store,
            env={},
            now=T0,
            invoke=started.append,
            log=lambda _: None,
        )
        assert result["dispatched"] == 2
        assert [e["shard"] for e in started] == [0, 1]
        # Each worker event, handled as Lambda would, checks its own part.
        probed = []
        for event in started:
            line = handle(event, CONTEXT, store=store, env={}, now=T0, log=lambda _: None)
            probed.append(line["components"])
    finally:
        server.close()
    assert sum(probed) == 8
    assert len(list(store.list("runs/"))) == 2


def test_a_heartbeat_request_is_recorded_with_the_right_token(store: LocalStore) -> None:
    heartbeat = {"type": "heartbeat", "every": "1h", "token": "${BACKUP_TOKEN}"}
    publish(store, make_bundle([{"id": "backup", "name": "Backup", "check": heartbeat}]))
    event = fixture_json("function-url-heartbeat.json")
    env = {"BACKUP_TOKEN": "t0ken"}
    assert handle(event, CONTEXT, store=store, env=env, now=T0) == {"statusCode": 204}
    assert store.get_json("heartbeats/backup.json") == {"at": T0.isoformat()}
    event["headers"]["authorization"] = "Bearer wrong"
    assert handle(event, CONTEXT, store=store, env=env, now=T0)["statusCode"] == 403
    event["rawPath"] = "/elsewhere"
    assert handle(event, CONTEXT, store=store, env=env, now=T0)["statusCode"] == 404
