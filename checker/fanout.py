"""Fan-out for large fleets: the plan split into `checker.shards` parts, one worker invocation each.

A component's shard is derived from its id, so it stays on the same worker from run to run (its
flap counts and timeline do not depend on which worker measured it). The dispatcher only starts
the workers. Each shard is a *part* of the store (`PartStore`): its runs under
`runs/shards/<i>-of-<n>/`, its state, rollups and summary under `shards/<i>-of-<n>/`, made from
its own runs and components only, so a worker's update costs O(its components) and workers
never contend for a file. `summary.json` then names the parts (`Summary.parts`) instead of
holding the components, and `load_summary` joins them: each part is written by one worker only,
so workers running at the same time cannot undo each other, and a part that did not report
leaves its components with no data, not down.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any

from checker.bundle import Bundle, Component
from checker.store.base import Store, StoredObject, dump_json
from checker.summary import SUMMARY_KEY

PART_RUNS_PREFIX = "runs/shards/"
"""Where the parts' runs are: inside `runs/`, so the retention of raw runs covers them."""

Invoke = Callable[[dict[str, Any]], None]
"""Starts one worker with this event (in Lambda: an asynchronous invoke of the same function)."""


def shard_of(component_id: str, shards: int) -> int:
    digest = hashlib.sha256(component_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") % shards


def components_of_shard(bundle: Bundle, shard: int, shards: int) -> list[Component]:
    return [c for c in bundle.components if shard_of(c.id, shards) == shard]


def part_name(shard: int, shards: int) -> str:
    return f"{shard}-of-{shards}"


def part_bundle(bundle: Bundle, shard: int, shards: int) -> Bundle:
    """The bundle as one part sees it: its components only, as a plan of one shard."""
    checker = bundle.checker.model_copy(update={"shards": 1})
    return bundle.model_copy(update={"checker": checker, "components": components_of_shard(bundle, shard, shards)})


class PartStore(Store):
    """One part of a sharded store, seen as a whole store: `runs/…` is `runs/shards/<part>/…`
    (so the retention of `runs/` covers it) and every other key `shards/<part>/…`."""

    def __init__(self, store: Store, shard: int, shards: int) -> None:
        self.store = store
        self.part = part_name(shard, shards)
        self._runs = f"{PART_RUNS_PREFIX}{self.part}/"
        self._others = f"shards/{self.part}/"

    def _key(self, key: str) -> str:
        if key.startswith("runs/"):
            return self._runs + key.removeprefix("runs/")
        return self._others + key

    @property
    def location(self) -> str:
        return f"{self.store.location}/{self._others.rstrip('/')}"

    def get(self, key: str) -> StoredObject | None:
        return self.store.get(self._key(key))

    def put(
        self,
        key: str,
        data: bytes,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
        content_type: str = "application/json",
    ) -> str:
        return self.store.put(
            self._key(key), data, if_match=if_match, if_none_match=if_none_match, content_type=content_type
        )

    def list(self, prefix: str = "") -> Iterator[str]:
        keys = []
        if prefix.startswith("runs/") or "runs/".startswith(prefix):
            runs = self.store.list(self._runs + prefix.removeprefix("runs/"))
            keys += ["runs/" + key.removeprefix(self._runs) for key in runs]
        if not prefix.startswith("runs/"):
            keys += [key.removeprefix(self._others) for key in self.store.list(self._others + prefix)]
        return iter(sorted(keys))

    def delete(self, key: str) -> None:
        self.store.delete(self._key(key))


def parts_summary(bundle: Bundle) -> bytes:
    """`summary.json` of a sharded store: the keys of the parts' summaries, no components. It
    depends on the settings only (the parts carry their own `generated_at`; this one is the
    epoch), so workers and a rebuild write the same bytes."""
    shards = bundle.checker.shards
    parts = [f"shards/{part_name(index, shards)}/{SUMMARY_KEY}" for index in range(shards)]
    return dump_json(
        {
            "format": 1,
            "generated_at": "1970-01-01T00:00:00Z",
            "interval": bundle.checker.interval,
            "components": [],
            "parts": parts,
        }
    )


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
        client.invoke(FunctionName=function_name, InvocationType="Event", Payload=json.dumps(event).encode())

    return invoke
