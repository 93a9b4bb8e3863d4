"""The `tcp` probe: the port accepts a connection within the timeout."""

from __future__ import annotations

import asyncio
import contextlib
import time

from checker.bundle import TcpCheck
from checker.probes.base import Outcome, ProbeContext, judge_latency, timeout_reason
from checker.probes.http import connection_reason


class TcpProbe:
    async def probe(self, check: TcpCheck, context: ProbeContext) -> Outcome:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(check.timeout):
                _, writer = await asyncio.open_connection(check.host, check.port)
        except TimeoutError:
            return Outcome("down", reason=timeout_reason(check.timeout))
        except OSError as error:
            return Outcome("down", reason=connection_reason(error))
        latency_ms = (time.perf_counter() - started) * 1000
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return Outcome(judge_latency(latency_ms, check.degraded_after), latency_ms=latency_ms)
