"""Fan-out for large fleets: the plan split into `checker.shards` parts, one worker invocation each.

A component's shard is derived from its id, so it stays on the same worker from run to run (its
flap counts and timeline do not depend on which worker measured it). The dispatcher only starts
the workers; each worker writes its own run object, and the state and rollups take whichever
shards reported (a shard that did not report leaves its components with no data, not down).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from checker.bundle import Bundle, Component

Invoke = Callable[[dict[str, Any]], None]
"""Starts one worker with this event (in Lambda: an asynchronous invoke of the same function)."""


def shard_of(component_id: str, shards: int) -> int:
    digest = hashlib.sha256(component_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") % shards


def components_of_shard(bundle: Bundle, shard: int, shards: int) -> list[Component]:
    return [c for c in bundle.components if shard_of(c.id, shards) == shard]


def worker_events(run_id: str, shards: int) -> list[dict[str, Any]]:
    """One event per worker; each worker's run id is derived, so a retried dispatch repeats ids."""
    return [
        {"statusgen": "check", "run_id": f"{run_id}-s{index}", "shard": index, "shards": shards}
        for index in range(shards)
    ]


def dispatch(run_id: str, shards: int, invoke: Invoke) -> list[dict[str, Any]]:
    """Start every worker; returns the events sent."""
    events = worker_events(run_id, shards)
    for event in events:
        invoke(event)
    return events


def lambda_invoker(function_name: str, client: Any | None = None) -> Invoke:
    """An Invoke that starts the worker as an asynchronous invocation of `function_name`."""
    if client is None:
        import boto3  # only the dispatcher needs it

        client = boto3.client("lambda")

    def invoke(event: dict[str, Any]) -> None:
        client.invoke(FunctionName=function_name, InvocationType="Event",
                      Payload=json.dumps(event).encode())

    return invoke
