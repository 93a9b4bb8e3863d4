"""`statusgen gate`: after a deploy, probe one component for a while and fail the pipeline if it
fails more often than allowed, so the pipeline can stop or roll back.

It runs the same probe as the checker (`checker.probes`), so "healthy" means the same thing to the
gate, the page and the alerts. Nothing is written to the store: a gate is not a measurement.
"""

from __future__ import annotations

import asyncio
import difflib
import os
import ssl
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from checker.bundle import Bundle, Component, utc_now
from checker.durations import format_duration
from checker.errors import GateFailed, StatusgenError
from checker.probes import Outcome, ProbeContext
from checker.probes.http_client import HttpClient
from checker.run import probe_with_retries
from checker.store import Store


@dataclass(frozen=True)
class GateProbe:
    """One probe the gate made."""

    at: datetime
    outcome: Outcome

    @property
    def failed(self) -> bool:
        # Degraded (slow) still serves users; only down fails a gate.
        return self.outcome.status == "down"

    def describe(self) -> str:
        latency = "" if self.outcome.latency_ms is None else f" {self.outcome.latency_ms:.0f} ms"
        reason = f" ({self.outcome.reason})" if self.outcome.reason else ""
        return f"{self.at:%H:%M:%S} {self.outcome.status}{latency}{reason}"


@dataclass
class GateResult:
    """What the gate saw; `passed` is False once failures exceed `max_failures`."""

    component: str
    duration: float
    max_failures: int
    probes: list[GateProbe] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return sum(p.failed for p in self.probes)

    @property
    def passed(self) -> bool:
        return self.failures <= self.max_failures

    def summary(self) -> str:
        allowed = f"at most {self.max_failures} allowed"
        counts = f"{self.failures} of {len(self.probes)} probes failed ({allowed})"
        if self.passed:
            return f"gate {self.component}: passed over {format_duration(self.duration)}; {counts}"
        reasons = Counter(p.outcome.reason or "down" for p in self.probes if p.failed)
        listed = "; ".join(f"{reason} ×{n}" for reason, n in reasons.most_common())
        return f"gate {self.component}: FAILED: {counts}: {listed}"


def run_gate(
    bundle: Bundle,
    component_id: str,
    *,
    store: Store,
    duration: float = 300.0,
    max_failures: int = 0,
    every: float = 10.0,
    env: Mapping[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = utc_now,
    on_probe: Callable[[GateProbe], None] | None = None,
) -> GateResult:
    """Probe `component_id` every `every` seconds for `duration` seconds.

    Returns the result when it passed; raises GateFailed (its message is the summary) as soon as
    failures exceed `max_failures`, without waiting for the rest of the duration.
    """
    if duration <= 0 or every <= 0:
        raise StatusgenError("gate: --for and --every must be longer than zero")
    if max_failures < 0:
        raise StatusgenError("gate: --max-failures must not be negative")
    component = _component(bundle, component_id)
    result = GateResult(component=component_id, duration=duration, max_failures=max_failures)
    context_env = os.environ if env is None else env
    tls = ssl_context or ssl.create_default_context()
    started = clock()
    while True:
        probe_started = clock()
        at = now()
        probe = GateProbe(at=at, outcome=asyncio.run(_outcome(component, store, tls, context_env, at)))
        result.probes.append(probe)
        if on_probe is not None:
            on_probe(probe)
        if not result.passed:
            raise GateFailed(result.summary())
        next_probe = probe_started + every
        if next_probe - started >= duration:
            return result
        sleep(max(0.0, next_probe - clock()))


def _component(bundle: Bundle, component_id: str) -> Component:
    ids = [c.id for c in bundle.components]
    if component_id not in ids:
        close = difflib.get_close_matches(component_id, ids, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f" (components: {', '.join(ids)})"
        raise StatusgenError(f"gate: no component {component_id!r}{hint}")
    component = bundle.component(component_id)
    if component.check is None:
        raise StatusgenError(f"gate: component {component_id!r} has no check to run")
    return component


async def _outcome(
    component: Component,
    store: Store,
    ssl_context: ssl.SSLContext,
    env: Mapping[str, str],
    at: datetime,
) -> Outcome:
    """What one gate probe found: the checker's probe with the check's retries, as a run makes it."""
    check = component.check
    assert check is not None  # checked by _component
    context = ProbeContext(
        now=at, component=component.id, http=HttpClient(ssl_context), ssl_context=ssl_context, store=store, env=env
    )
    return await probe_with_retries(check, context)  # the checker's own: bounded, never raises
