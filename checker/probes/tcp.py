"""The `tcp` check: its settings (`TcpCheck`) and its probe, which passes when the port accepts a
connection within the timeout. Validating a site imports this module for `TcpCheck`, so asyncio is
imported in the probe itself (see checker.probes)."""

from __future__ import annotations

import contextlib
import time
from typing import Literal

from pydantic import Field

from checker.probes.base import CheckBase, Outcome, ProbeContext, judge_latency, timeout_reason
from checker.probes.http import connection_reason


class TcpCheck(CheckBase):
    type: Literal["tcp"]
    host: str
    """Host name or address to connect to."""
    port: int = Field(ge=1, le=65535)
    """TCP port."""


class TcpProbe:
    async def probe(self, check: TcpCheck, context: ProbeContext) -> Outcome:
        import asyncio

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


PROBE = TcpProbe()
"""How a `tcp` check is measured (`checker.probes` finds it here by the check's `type:`)."""
