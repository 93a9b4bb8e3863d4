"""`summary.json`: everything the site builder needs from the checker, small and precomputed.

Updated after every run at O(components) cost; recomputed from `runs/` by `statusgen rollup
--rebuild`. Uptime figures are ratios in [0, 1] (the page formats them); None means *no data*.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field, PrivateAttr, ValidationError

from checker.errors import StoreError
from checker.store.base import Store
from checker.strict_model import StoredModel
from checker.vocabulary import ComponentStatus

SUMMARY_KEY = "summary.json"
Window = Literal["24h", "7d", "30d", "90d"]
WINDOWS: tuple[Window, ...] = ("24h", "7d", "30d", "90d")
WINDOW_SECONDS: dict[Window, float] = {"24h": 86400.0, "7d": 7 * 86400.0, "30d": 30 * 86400.0, "90d": 90 * 86400.0}


class UptimeFigure(StoredModel):
    """Uptime over one window, with what it is made of, so the page can be honest about gaps."""

    uptime: float | None
    """1 − weighted downtime / observed time; None when nothing was observed."""
    observed_seconds: float
    """Time covered by samples (maintenance excluded)."""
    downtime_seconds: float
    """Weighted downtime (major 1.0, partial 0.3 by default)."""
    no_data_seconds: float
    """Time in the window with no sample, left out of the denominator."""


class DayBar(StoredModel):
    """One of the 90 daily bars."""

    date: date
    uptime: float | None
    """None when the day has no data at all."""
    no_data_seconds: float
    worst_status: ComponentStatus | None
    """The worst status seen that day (measured or declared); None with no data."""
    outage_seconds: float
    """Seconds in partial or major outage that day (unweighted)."""


class LatencyFigure(StoredModel):
    """Response-time percentiles over a window, from merged histograms."""

    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    samples: int


class DailyLatency(StoredModel):
    date: date
    p50_ms: float | None
    p95_ms: float | None


class SloFigure(StoredModel):
    """Error budget of a component's objective, and how fast it is being spent."""

    target: float
    """Objective in percent, e.g. 99.9."""
    window_seconds: float
    """The rolling window the objective is measured over."""
    uptime: float | None
    """Uptime over that window; None with no data."""
    allowed_seconds: float
    """Weighted downtime the objective allows over the observed part of the window."""
    spent_seconds: float
    """Weighted downtime so far in the window."""
    remaining_seconds: float
    """allowed − spent; negative when the objective is missed."""
    remaining_ratio: float | None
    """remaining / allowed (1.0 untouched, 0 spent, below 0 overspent); None with no data."""
    burn_rates: dict[str, float | None]
    """`1h`, `6h`, `3d` -> downtime ratio in that window / allowed ratio (1.0 spends the budget
    exactly over the whole window); None when the window has no data."""
    fast_burn: bool
    """1 h burn ≥ 14.4 and 6 h burn ≥ 6: page someone (the SRE workbook's multiwindow rule)."""
    slow_burn: bool
    """3 d burn ≥ 1 and 6 h burn ≥ 1: open a ticket."""


class ComponentSummary(StoredModel):
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
    slo: SloFigure | None = None
    """Only for components that declare `slo`."""


class Summary(StoredModel):
    format: Literal[1] = 1
    generated_at: datetime
    """When the checker last updated it."""
    interval: float
    """The check interval in seconds."""
    components: list[ComponentSummary]
    parts: list[str] = Field(default=[], exclude_if=lambda parts: not parts)
    """A sharded checker's `summary.json` holds no components but the keys of its parts' summaries
    (one per shard, see checker.fanout), joined by `load_summary`; absent otherwise."""

    _index: tuple[list[ComponentSummary], dict[str, ComponentSummary]] | None = PrivateAttr(default=None)
    """`components` by id, with the list it was made from (a copy with other components re-indexes)."""

    def component(self, component_id: str) -> ComponentSummary | None:
        # Indexed once: the builder asks for every component, which must not be O(n) each.
        if self._index is None or self._index[0] is not self.components:
            self._index = (self.components, {c.id: c for c in self.components})
        return self._index[1].get(component_id)


def load_summary(store: Store) -> Summary | None:
    """The summary in `store`, or None before the first run.

    Raises StoreError, naming the file and the fix, when the summary cannot be read."""
    summary = _read_summary(store, SUMMARY_KEY)
    if summary is None or not summary.parts:
        return summary
    # A sharded checker: each part's components, from the part written by its own worker; a part
    # not written yet leaves its components out (no data).
    parts = [part for part in (_read_summary(store, key) for key in summary.parts) if part is not None]
    return Summary(
        generated_at=max((p.generated_at for p in parts), default=summary.generated_at),
        interval=summary.interval,
        components=[c for p in parts for c in p.components],
    )


def _read_summary(store: Store, key: str) -> Summary | None:
    stored = store.get(key)
    if stored is None:
        return None
    try:
        return Summary.model_validate_json(stored.data)
    except ValidationError as error:
        first = error.errors()[0]["msg"] if error.errors() else "unreadable"
        raise StoreError(
            f"{store.location}/{key} cannot be read ({first}); the next "
            "`statusgen check` writes it again, or run `statusgen rollup --rebuild`"
        ) from None
