"""The `heartbeat` check: push monitoring. A job reports in (see checker.heartbeat); the component
is down when the last report is older than `every + grace`. Validating a site imports this module
for `HeartbeatCheck`, so asyncio is imported in the probe itself (see checker.probes)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from checker.durations import Duration, format_duration
from checker.probes.base import CheckBase, Outcome, ProbeContext


class HeartbeatCheck(CheckBase):
    type: Literal["heartbeat"]
    every: Duration
    """How often the job reports in."""
    grace: Duration = 0.0
    """Extra time allowed before a missing report counts as down."""
    token: str
    """Secret the job sends; use a `${NAME}` reference."""


def heartbeat_key(component_id: str) -> str:
    return f"heartbeats/{component_id}.json"


class HeartbeatProbe:
    async def probe(self, check: HeartbeatCheck, context: ProbeContext) -> Outcome:
        import asyncio

        record = await asyncio.to_thread(context.store.get_json, heartbeat_key(context.component))
        if not record:
            return Outcome("down", reason="no report yet")
        last = datetime.fromisoformat(record["at"])
        age = (context.now - last).total_seconds()
        if age > check.every + check.grace:
            return Outcome(
                "down", reason=f"no report for {format_duration(age)} (expected every {format_duration(check.every)})"
            )
        return Outcome("up")


PROBE = HeartbeatProbe()
"""How a `heartbeat` check is measured (`checker.probes` finds it here by the check's `type:`)."""
