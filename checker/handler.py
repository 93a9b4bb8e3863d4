"""The Lambda entry point `checker.handler.handler`: parse the event, call one function, log.

- EventBridge scheduled event -> one run (or, with `checker.shards` > 1, start the workers);
- a worker event from the dispatcher (`{"statusgen": "check", "shard": i, …}`) -> one shard's run;
- a Function URL request `POST /heartbeat/<component>` with the job's token -> record a heartbeat.
Each run logs one JSON line with counts and duration, and one CloudWatch Embedded Metric Format
line (runs, failures, duration). boto3 is imported only when S3 or Lambda is actually used.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from checker.bundle import BUNDLE_KEY, Bundle
from checker.errors import HeartbeatRejected, StoreError
from checker.fanout import Invoke, dispatch, lambda_invoker, shard_of
from checker.heartbeat import record_heartbeat
from checker.run import run_checks
from checker.run_report import RunReport
from checker.store import Store, open_store
from checker.summary import load_summary

STORE_VARIABLE = "STATUSGEN_STORE"
METRICS_NAMESPACE = "statusgen"


@dataclass(frozen=True)
class StoredBundle:
    """`bundle.json` as one invocation read it, once: the bundle its run works from and, when that
    holds only a shard's components, the bytes the whole bundle is validated from when needed."""

    bundle: Bundle
    """What the run works from (see `read_bundle`)."""
    source: bytes | None = None
    """bundle.json as read, kept only when `bundle` is a shard's part of it."""

    def whole(self) -> Bundle:
        """Every component: `bundle` itself, or validated from the bytes already read (the rebuild
        of a sharded worker needs the whole site, and bundle.json is megabytes for a large fleet)."""
        return self.bundle if self.source is None else Bundle.model_validate_json(self.source)


@dataclass(frozen=True)
class RunOutcome:
    """One run, or one shard's part of a run: the figures of its log line, and its bundle."""

    run_id: str
    region: str
    components: int
    """Components probed."""
    up: int
    degraded: int
    down: int
    transitions: int
    """Status changes this run reported."""
    offline: bool
    """The checker itself was offline: the run recorded no data."""
    duplicate: bool
    """A retried invocation of a run already recorded."""
    duration_ms: int
    stored: StoredBundle
    """The bundle the run worked from; a shard's worker reads only its own components (unless
    alerts are configured), and `stored.whole()` gives every one without reading bundle.json again."""
    shard: tuple[int, int] | None = None
    """(index, count) when this was one worker of a sharded run."""

    @property
    def bundle(self) -> Bundle:
        """The bundle the run worked from (only a shard's components for most workers)."""
        return self.stored.bundle

    def response(self) -> dict[str, Any]:
        """The run's log line, which is also what the Lambda returns."""
        return {
            "event": "run",
            "run_id": self.run_id,
            "region": self.region,
            "components": self.components,
            "up": self.up,
            "degraded": self.degraded,
            "down": self.down,
            "transitions": self.transitions,
            "offline": self.offline,
            "duplicate": self.duplicate,
            "duration_ms": self.duration_ms,
        }


@dataclass(frozen=True)
class DispatchOutcome:
    """The scheduled event of a sharded checker: one worker started per shard."""

    run_id: str
    workers: int

    def response(self) -> dict[str, Any]:
        return {"dispatched": self.workers, "run_id": self.run_id}


@dataclass(frozen=True)
class HttpOutcome:
    """The answer to a Function URL request (a heartbeat)."""

    status_code: int
    body: str | None = None

    def response(self) -> dict[str, Any]:
        """The Function URL response."""
        answer: dict[str, Any] = {"statusCode": self.status_code}
        if self.body is not None:
            answer["body"] = self.body
        return answer


Outcome = RunOutcome | DispatchOutcome | HttpOutcome
"""What one invocation did."""


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """AWS Lambda entry: the store comes from STATUSGEN_STORE (`s3://bucket/prefix`)."""
    return handle(event, context)


def handle(event: Mapping[str, Any], context: Any, **options: Any) -> dict[str, Any]:
    """`handler` with its I/O injectable (the options of `outcome_of`): what the Lambda returns."""
    return outcome_of(event, context, **options).response()


def outcome_of(
    event: Mapping[str, Any],
    context: Any,
    *,
    store: Store | None = None,
    env: Mapping[str, str] | None = None,
    now: datetime | None = None,
    invoke: Invoke | None = None,
    log: Callable[[str], None] = print,
    **run_options: Any,
) -> Outcome:
    """What handling `event` did, as a typed outcome (parameters as for `handle`)."""
    env = os.environ if env is None else env
    store = store or store_from_env(env)
    now = now or datetime.now(UTC)
    worker = event.get("statusgen") == "check"
    shard = (int(event["shard"]), int(event["shards"])) if worker else None
    stored = read_stored_bundle(store, shard=shard)
    bundle = stored.bundle
    if "rawPath" in event and "requestContext" in event:
        return _heartbeat(event, bundle, store, env=env, now=now)
    region = env.get("AWS_REGION", "local")
    request_id = str(getattr(context, "aws_request_id", "") or "local")
    started = time.perf_counter()
    if worker:
        run_id = str(event["run_id"])
    else:
        # The scheduled event's id is the same when EventBridge or Lambda retries it: the run id.
        run_id = str(event.get("id") or request_id)
        if bundle.checker.shards > 1:
            starter = invoke or lambda_invoker(str(getattr(context, "invoked_function_arn", "")))
            events = dispatch(run_id, bundle.checker.shards, starter)
            log(
                json.dumps(
                    {
                        "event": "dispatch",
                        "run_id": run_id,
                        "workers": len(events),
                        "duration_ms": round((time.perf_counter() - started) * 1000),
                    }
                )
            )
            return DispatchOutcome(run_id=run_id, workers=len(events))
    report = run_checks(bundle, store, now=now, region=region, run_id=run_id, env=env, shard=shard, **run_options)
    _send_alerts(report, bundle, store, env=env, now=now, log=log)
    outcome = _run_outcome(report, stored, shard)
    _log_run(outcome, log, now=now)
    return outcome


def _send_alerts(
    report: RunReport,
    bundle: Bundle,
    store: Store,
    *,
    env: Mapping[str, str],
    now: datetime,
    log: Callable[[str], None],
) -> None:
    """Team alerts after every run (escalations and reminders go by the clock, not only on
    transitions); a failing channel is logged, never raised, so it cannot fail the run."""
    if bundle.alerts is None:
        return
    from checker.alerting import send_alerts  # only sites with alerts pay for the import

    sent = send_alerts(report.transitions_to_alert, bundle, store, now=now, env=env, summary=load_summary(store))
    log(
        json.dumps(
            {
                "event": "alerts",
                "run_id": report.run.id,
                "deliveries": len(sent.deliveries),
                "failures": len(sent.failures),
            }
        )
    )


def store_from_env(env: Mapping[str, str]) -> Store:
    """The store a function is configured with (`STATUSGEN_STORE`)."""
    location = env.get(STORE_VARIABLE)
    if not location:
        raise StoreError(f"{STORE_VARIABLE} is not set (e.g. s3://my-bucket/status)")
    return open_store(location)


def read_bundle(store: Store, *, shard: tuple[int, int] | None = None) -> Bundle:
    """The stored bundle; for a worker of `shard=(index, count)`, only that shard's components
    (validating all of a large fleet's would cost each worker as much as its own part), unless
    alerts are configured: those look at every component."""
    return read_stored_bundle(store, shard=shard).bundle


def read_stored_bundle(store: Store, *, shard: tuple[int, int] | None = None) -> StoredBundle:
    """`read_bundle`, keeping the bytes when the bundle is only a shard's part, so the whole one
    can be had without reading bundle.json again."""
    stored = store.get(BUNDLE_KEY)
    if stored is None:
        raise StoreError(f"{store.location}/{BUNDLE_KEY} is missing: CI writes it on each merge")
    if shard is not None:
        data = orjson.loads(stored.data)
        if isinstance(data, dict) and data.get("alerts") is None and isinstance(data.get("components"), list):
            index, count = shard
            data["components"] = [
                c for c in data["components"] if not isinstance(c, dict) or shard_of(str(c.get("id")), count) == index
            ]
            return StoredBundle(Bundle.model_validate(data), source=stored.data)
    # Validated from the bytes: for a large fleet, a third faster than parsing first.
    return StoredBundle(Bundle.model_validate_json(stored.data))


def _run_outcome(report: RunReport, stored: StoredBundle, shard: tuple[int, int] | None) -> RunOutcome:
    counts = report.counts
    return RunOutcome(
        run_id=report.run.id,
        region=report.run.region,
        components=len(report.run.samples),
        up=counts["up"],
        degraded=counts["degraded"],
        down=counts["down"],
        transitions=len(report.transitions),
        offline=report.run.offline,
        duplicate=report.duplicate,
        duration_ms=round(report.duration_seconds * 1000),
        stored=stored,
        shard=shard,
    )


def _log_run(outcome: RunOutcome, log: Callable[[str], None], *, now: datetime) -> None:
    log(json.dumps(outcome.response()))
    log(
        json.dumps(
            {
                "_aws": {
                    "Timestamp": int(now.timestamp() * 1000),
                    "CloudWatchMetrics": [
                        {
                            "Namespace": METRICS_NAMESPACE,
                            "Dimensions": [["Region"]],
                            "Metrics": [
                                {"Name": "Runs", "Unit": "Count"},
                                {"Name": "Failures", "Unit": "Count"},
                                {"Name": "Duration", "Unit": "Milliseconds"},
                            ],
                        }
                    ],
                },
                "Region": outcome.region,
                "Runs": 1,
                "Failures": outcome.down,
                "Duration": outcome.duration_ms,
            }
        )
    )


def _heartbeat(
    event: Mapping[str, Any], bundle: Bundle, store: Store, *, env: Mapping[str, str], now: datetime
) -> HttpOutcome:
    path = str(event.get("rawPath", ""))
    parts = [p for p in path.split("/") if p]
    if len(parts) != 2 or parts[0] != "heartbeat":
        return HttpOutcome(404, "not found")
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    token = headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not token:
        token = str((event.get("queryStringParameters") or {}).get("token", ""))
    try:
        record_heartbeat(bundle, store, parts[1], token, now=now, env=env)
    except HeartbeatRejected:
        # Same answer for an unknown component and a wrong token: nothing to probe for.
        return HttpOutcome(403, "rejected")
    return HttpOutcome(204)
