"""`summary.json`: everything the site builder needs from the checker, small and precomputed.

Updated after every run at O(components) cost; recomputed from `runs/` by `statusgen rollup
--rebuild`. Uptime figures are ratios in [0, 1] (the page formats them); None means *no data*.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from checker.bundle import ComponentStatus

SUMMARY_KEY = "summary.json"
Window = Literal["24h", "7d", "30d", "90d"]
WINDOWS: tuple[Window, ...] = ("24h", "7d", "30d", "90d")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UptimeFigure(_Model):
    """Uptime over one window, with what it is made of, so the page can be honest about gaps."""

    uptime: float | None
    """1 − weighted downtime / observed time; None when nothing was observed."""
    observed_seconds: float
    """Time covered by samples (maintenance excluded)."""
    downtime_seconds: float
    """Weighted downtime (major 1.0, partial 0.3 by default)."""
    no_data_seconds: float
    """Time in the window with no sample, left out of the denominator."""


class DayBar(_Model):
    """One of the 90 daily bars."""

    date: date
    uptime: float | None
    """None when the day has no data at all."""
    no_data_seconds: float
    worst_status: ComponentStatus | None
    """The worst status seen that day (measured or declared); None with no data."""
    outage_seconds: float
    """Seconds in partial or major outage that day (unweighted)."""


class LatencyFigure(_Model):
    """Response-time percentiles over a window, from merged histograms."""

    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    samples: int


class DailyLatency(_Model):
    date: date
    p50_ms: float | None
    p95_ms: float | None


class ComponentSummary(_Model):
    id: str
    status: ComponentStatus | None
    """Measured status after flap control; None when the checker has no recent data
    (or the component has no check). Incidents and maintenance are applied by the builder."""
    status_since: datetime | None
    """When the measured status last changed."""
    last_checked_at: datetime | None
    last_latency_ms: float | None
    last_reason: str | None
    """Why the last sample was not up, when it was not."""
    uptime: dict[Window, UptimeFigure]
    monthly: dict[str, UptimeFigure]
    """`YYYY-MM` -> uptime for that calendar month, for the last 12 months that have data."""
    bars: list[DayBar]
    """90 days, oldest first, ending today (UTC)."""
    latency: dict[Window, LatencyFigure]
    latency_daily: list[DailyLatency]
    """90 days, oldest first: the data of the response-time sparkline and chart."""


class Summary(_Model):
    format: Literal[1] = 1
    generated_at: datetime
    """When the checker last updated it."""
    interval: float
    """The check interval in seconds."""
    components: list[ComponentSummary]

    def component(self, component_id: str) -> ComponentSummary | None:
        return next((c for c in self.components if c.id == component_id), None)
