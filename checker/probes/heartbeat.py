"""The `heartbeat` probe: push monitoring. A job reports in (see checker.heartbeat); the component
is down when the last report is older than `every + grace`."""

from __future__ import annotations

import asyncio
from datetime import datetime

from checker.bundle import HeartbeatCheck
from checker.durations import format_duration
from checker.probes.base import Outcome, ProbeContext


def heartbeat_key(component_id: str) -> str:
    return f"heartbeats/{component_id}.json"


class HeartbeatProbe:
    async def probe(self, check: HeartbeatCheck, context: ProbeContext) -> Outcome:
        record = await asyncio.to_thread(context.store.get_json, heartbeat_key(context.component))
        if not record:
            return Outcome("down", reason="no report yet")
        last = datetime.fromisoformat(record["at"])
        age = (context.now - last).total_seconds()
        if age > check.every + check.grace:
            return Outcome("down", reason=f"no report for {format_duration(age)} "
                           f"(expected every {format_duration(check.every)})")
        return Outcome("up")
