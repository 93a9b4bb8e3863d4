"""What the checker measured, as our JSON extras publish it: uptime windows, daily bars, latency, error budget."""

from __future__ import annotations

from pydantic import Field

from checker.vocabulary import ComponentStatus
from site_builder.outputs.api.types import ApiModel, Day, StatuspageId, Timestamp


class UptimeWindow(ApiModel):
    """Uptime over one window, with the parts it is computed from."""

    uptime: float | None
    """Ratio in [0, 1]; null when the window has no observation at all."""
    observed_seconds: float
    """Time covered by samples (maintenance left out)."""
    downtime_seconds: float
    """Weighted downtime (major outage 1.0, partial 0.3 by default)."""
    no_data_seconds: float
    """Time in the window without any sample, left out of the ratio."""


class UptimeDay(ApiModel):
    """One daily bar."""

    date: Day
    """The UTC day."""
    uptime: float | None
    """Ratio in [0, 1]; null with no data that day."""
    no_data_seconds: float
    """Seconds of that day without a sample."""
    worst_status: ComponentStatus | None
    """Worst status seen or declared that day; null with no data."""
    outage_seconds: float
    """Seconds in partial or major outage (unweighted)."""


class Latency(ApiModel):
    """Response-time percentiles over one window."""

    p50_ms: float | None
    """Median, in milliseconds; null without samples."""
    p95_ms: float | None
    """95th percentile, in milliseconds."""
    p99_ms: float | None
    """99th percentile, in milliseconds."""
    samples: int
    """Number of samples behind the figures."""


class LatencyDay(ApiModel):
    """Response time of one UTC day."""

    date: Day
    p50_ms: float | None
    p95_ms: float | None


class ErrorBudget(ApiModel):
    """A component's objective (`slo` in `statuspage.yaml`) and how fast its budget is spent."""

    target: float
    """Objective in percent, e.g. 99.9."""
    window_seconds: float
    """The rolling window the objective is measured over."""
    uptime: float | None
    """Uptime over that window; null with no data."""
    allowed_seconds: float
    """Weighted downtime the objective allows over the observed part of the window."""
    spent_seconds: float
    """Weighted downtime so far in the window."""
    remaining_seconds: float
    """allowed − spent; negative when the objective is missed."""
    remaining_ratio: float | None
    """remaining / allowed (1 untouched, 0 spent, below 0 overspent); null with no data."""
    burn_rates: dict[str, float | None]
    """`1h`, `6h`, `3d` -> how many times faster than allowed the budget is being spent."""
    fast_burn: bool
    """1 h burn ≥ 14.4 and 6 h burn ≥ 6."""
    slow_burn: bool
    """3 d burn ≥ 1 and 6 h burn ≥ 1."""


class ComponentUptime(ApiModel):
    """What the checker measured for one component (`api/components/<id>.json`, `api/uptime.json`)."""

    id: str
    """The component's id from `statuspage.yaml` (also its URL slug)."""
    statuspage_id: StatuspageId
    """Its id in the Statuspage v2 files."""
    name: str
    """Shown name."""
    status: ComponentStatus
    """Effective status, as in `components.json`."""
    no_data: bool
    """True when it has a check but the checker has no recent sample."""
    last_checked_at: Timestamp | None
    """When the checker last measured it."""
    uptime: dict[str, UptimeWindow]
    """`24h`, `7d`, `30d`, `90d` -> uptime; empty before the first run."""
    monthly: dict[str, UptimeWindow]
    """`YYYY-MM` -> uptime for that calendar month."""
    latency: dict[str, Latency]
    """`24h`, `7d`, `30d`, `90d` -> response-time percentiles."""
    days: list[UptimeDay]
    """The 90 daily bars, oldest first."""
    latency_daily: list[LatencyDay]
    """Daily response time, oldest first."""
    slo: ErrorBudget | None
    """Error budget, for components that declare an objective; else null."""
    affected_by: str | None = Field(default=None, exclude_if=lambda value: value is None)
    """While it is failing because a component it depends on (`depends_on`) fails too: that
    component's id, the root cause. Left out otherwise."""
