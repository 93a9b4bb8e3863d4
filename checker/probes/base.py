"""The probe interface: one async method that turns a check into an Outcome, never an exception."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from checker.probes.http_client import HttpClient
from checker.results import SampleStatus
from checker.store import Store


@dataclass(frozen=True)
class Outcome:
    """What one probe found; the run turns it into a Sample."""

    status: SampleStatus
    latency_ms: float | None = None
    code: int | None = None
    reason: str | None = None
    """Ours, short, public: `expected 200-299, got 503`. Never the endpoint's own text."""
    endpoint_text: str | None = None
    """The endpoint's own words that explain a failure (a body, a TXT record), at most 1 KB:
    kept in the private run object only, never on the page, the feeds or the summary."""


@dataclass
class ProbeContext:
    """Everything a probe may touch, injected so tests use loopback servers and a fixed clock."""

    now: datetime
    component: str
    http: HttpClient
    """The run's HTTP client (TLS contexts and resolver; it keeps no connections)."""
    ssl_context: ssl.SSLContext
    """Trust store for TLS checks (the system's by default)."""
    store: Store
    env: Mapping[str, str] = field(default_factory=dict)
    """Where `${NAME}` references are resolved."""


class Probe(Protocol):
    async def probe(self, check: Any, context: ProbeContext) -> Outcome:
        """Measure `check` once; every failure is an Outcome with a short human reason."""
        ...


def judge_latency(latency_ms: float, degraded_after: float | None) -> SampleStatus:
    if degraded_after is not None and latency_ms > degraded_after * 1000:
        return "degraded"
    return "up"


def slow_reason(latency_ms: float, degraded_after: float | None) -> str:
    return f"slow: {latency_ms / 1000:.1f} s (degraded after {degraded_after:g} s)"


def timeout_reason(seconds: float) -> str:
    return f"timeout after {seconds:.1f} s"
