"""The probe interface: one async method that turns a check into an Outcome, never an exception."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import httpx

from checker.results import SampleStatus
from checker.store import Store


@dataclass(frozen=True)
class Outcome:
    """What one probe found; the run turns it into a Sample."""

    status: SampleStatus
    latency_ms: float | None = None
    code: int | None = None
    reason: str | None = None


@dataclass
class ProbeContext:
    """Everything a probe may touch, injected so tests use loopback servers and a fixed clock."""

    now: datetime
    component: str
    clients: Mapping[bool, httpx.AsyncClient]
    """Shared HTTP clients keyed by `verify_tls`."""
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


def timeout_reason(seconds: float) -> str:
    return f"timeout after {seconds:.1f} s"
