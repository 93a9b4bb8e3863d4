"""What every probe type shares: the settings of every check (`CheckBase`), and the probe
interface, one async method that turns a check into an Outcome, never an exception.

Validating a site imports this module (see checker.probes), so the runtime types it names (the
HTTP client, ssl, the store) are imported for annotations only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import Field

from checker.durations import Duration
from checker.strict_model import StrictModel

if TYPE_CHECKING:
    import ssl

    from checker.probes.http_client import HttpClient
    from checker.results import SampleStatus
    from checker.store import Store
    from checker.vocabulary import ComponentStatus

ENDPOINT_TEXT_BYTES = 1024
"""How much of an endpoint's own text is kept (privately, in the run object) to explain a failure."""


class CheckBase(StrictModel):
    """The settings every check has, whatever its `type:`."""

    timeout: Duration = 10.0
    """Seconds before the probe gives up and records the component as down."""
    degraded_after: Duration | None = None
    """A response slower than this many seconds counts as degraded_performance."""
    retries: int = Field(default=0, ge=0, le=5)
    """Extra attempts within one run before a failure counts."""
    failure_threshold: int | None = Field(default=None, ge=1)
    """Consecutive down runs before the component shows major_outage; default from `checker`."""
    success_threshold: int | None = Field(default=None, ge=1)
    """Consecutive up runs before it shows operational again; default from `checker`."""


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
    stated: ComponentStatus | None = None
    """The component's status as another status page states it (`statuspage` checks): taken as
    the component's status exactly, instead of deciding one from up, degraded and down."""


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


@runtime_checkable
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
