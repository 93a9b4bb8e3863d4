"""Computing `summary.json` from the state, the history of closed days and the open days.

It reads nothing but its arguments, so the per-run path and `rollup --rebuild` give the same bytes
for the same data and clock. The cost is bounded by the windows (90 days in detail, 12 months),
never by how long the checker has been running.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic_core import to_jsonable_python

from checker.bundle import Bundle, Component
from checker.daily import (
    CLOSED_WINDOWS,
    DAY_SECONDS,
    ComponentDay,
    DayRollup,
    History,
    MonthTally,
    component_day_tally,
    day_start,
    downtime_weights,
)
from checker.histogram import add_counts, counts_of, quantiles
from checker.slo import slo_figure
from checker.state import State
from checker.store.base import dump_json
from checker.summary import WINDOWS, Summary
from checker.uptime import Segment, Tally, declared_segments

WINDOW_SECONDS = {"24h": 86400.0, "7d": 7 * 86400.0, "30d": 30 * 86400.0, "90d": 90 * 86400.0}
BAR_DAYS = 90
MONTHS = 12


def compute_summary(
    bundle: Bundle, state: State, history: History, open_days: Mapping[str, DayRollup], *,
    now: datetime,
) -> Summary:
    return Summary.model_validate_json(summary_bytes(bundle, state, history, open_days, now=now))


def summary_bytes(
    bundle: Bundle, state: State, history: History, open_days: Mapping[str, DayRollup], *,
    now: datetime,
) -> bytes:
    """`summary.json` exactly as stored, built from plain data without a model per daily bar
    (which would cost more than everything else for a large fleet)."""
    days: dict[str, dict[str, ComponentDay]] = dict(history.days)
    for name, rollup in open_days.items():
        days[name] = rollup.components
    today = now.date().isoformat()
    # History caches (daily percentiles, merged closed days) hold when made for today and no
    # earlier day is still open.
    cached: set[str] | None = None
    if history.as_of == today and all(name >= today for name in open_days):
        cached = {name for name in history.days if name not in open_days}
    first_day = day_start(date.fromisoformat(min(days))) if days else now.timestamp()
    components = [
        _ComponentFigures(bundle, component, state, days, history, cached, first_day, now).summary()
        for component in bundle.components
    ]
    data = {"format": 1, "generated_at": _stamp(now), "interval": bundle.checker.interval,
            "components": components}
    return dump_json(data)


class _ComponentFigures:
    """All figures of one component; day tallies are computed once and reused by every window."""

    def __init__(self, bundle: Bundle, component: Component, state: State,
                 days: Mapping[str, Mapping[str, ComponentDay]], history: History,
                 cached: set[str] | None, first_day: float, now: datetime) -> None:
        self.bundle = bundle
        self.component = component
        self.current = state.components.get(component.id)
        self.days = days
        self.months: Mapping[str, Mapping[str, MonthTally]] = history.months
        self.closed_latency = history.closed_latency
        self.cached = cached
        self.now = now
        self.today = now.date()
        self.declared = declared_segments(bundle, component.id, now)
        self.weights = downtime_weights(bundle)
        self.open_segment: list[Segment] = []
        if self.current is not None:
            start = self.current.evaluated_at.timestamp()
            end = min(now.timestamp(), start + 2 * bundle.checker.interval)
            if end > start:
                self.open_segment = [(start, end, self.current.status)]
                self._open_status = self.current.status
        self._day_tallies: dict[date, Tally] = {}
        self._day_counts: dict[date, dict[int, int]] = {}
        # Before the first stored day, the first declaration and the open segment there is
        # nothing but no data: such time is counted in one step, not day by day.
        self.quiet_until = min([first_day, day_start(self.today),
                                *(s for s, _, _ in self.declared),
                                *(s for s, _, _ in self.open_segment)])

    def entry(self, day: date) -> ComponentDay | None:
        components = self.days.get(_iso(day))
        if components is None:
            return None
        entry = components.get(self.component.id)
        if entry is None and self.component.check is None:
            return ComponentDay()
        if self.open_segment and day_start(day) + DAY_SECONDS > self.open_segment[0][0]:
            entry = (entry or ComponentDay()).model_copy()
            base = day_start(day)
            start, end, _ = self.open_segment[0]
            entry.segments = [*entry.segments, (start - base, end - base, self._open_status)]
        return entry

    def day_tally(self, day: date, start: float | None = None, end: float | None = None) -> Tally:
        whole = start is None and end is None
        if whole and day in self._day_tallies:
            return self._day_tallies[day]
        entry = self.entry(day)
        if entry is None and self.open_segment and day == self.today:
            entry = ComponentDay()
        result = component_day_tally(self.component.check is not None, day, entry,
                                     declared=self.declared, weights=self.weights, now=self.now,
                                     start=start, end=end)
        if whole:
            self._day_tallies[day] = result
        return result

    def window_tally(self, start: float, end: float) -> Tally:
        total = Tally()
        if start < self.quiet_until:
            total.no_data = min(self.quiet_until, end) - start
            start = self.quiet_until
            if start >= end:
                return total
        for day, base in _calendar(datetime.fromtimestamp(start, UTC).date(), self.today):
            if base >= end:
                break
            if base >= start and base + DAY_SECONDS <= end:
                total.add(self.day_tally(day))
            else:
                total.add(self.day_tally(day, start, end))
        return total

    def summary(self) -> dict[str, Any]:
        """The component's summary as plain data (validated once, for the whole summary)."""
        now_s = self.now.timestamp()
        uptime = {w: _figure(self.window_tally(now_s - WINDOW_SECONDS[w], now_s)) for w in WINDOWS}
        first_bar = self.today - timedelta(days=BAR_DAYS - 1)
        bar_days = [first_bar + timedelta(days=i) for i in range(BAR_DAYS)]
        bars = [self._bar(day) for day in bar_days]
        latency = {w: self._latency(w, now_s - WINDOW_SECONDS[w], now_s) for w in WINDOWS}
        daily = []
        for day in bar_days:
            entry = self.days.get(_iso(day), {}).get(self.component.id) if self.cached else None
            if day_start(day) + DAY_SECONDS <= self.quiet_until:
                p50 = p95 = None
            elif entry is not None and self.cached and _iso(day) in self.cached:
                p50, p95 = entry.p50_ms, entry.p95_ms
            else:
                p50, p95 = quantiles(self.day_counts(day), (0.5, 0.95))
            daily.append({"date": _iso(day), "p50_ms": p50, "p95_ms": p95})
        current = self.current
        fresh = current is not None and (
            (self.now - current.evaluated_at).total_seconds() <= 2 * self.bundle.checker.interval
        )
        slo = None
        if self.component.slo is not None:
            slo = slo_figure(self.component.slo, self.window_tally, now=now_s)
        return {
            "id": self.component.id,
            "status": current.status if current is not None and fresh else None,
            "status_since": _stamp(current.since) if current is not None else None,
            "last_checked_at": _stamp(current.last_checked_at) if current is not None else None,
            "last_latency_ms": _round(current.last_latency_ms) if current is not None else None,
            "last_reason": current.last_reason if current is not None else None,
            "uptime": uptime,
            "monthly": self._monthly(),
            "bars": bars,
            "latency": latency,
            "latency_daily": daily,
            "slo": None if slo is None else to_jsonable_python(slo),
        }

    def day_counts(self, day: date) -> dict[int, int]:
        """The day's merged latency histogram as {bucket: count}, computed once per day."""
        if day not in self._day_counts:
            entry = self.days.get(_iso(day), {}).get(self.component.id)
            self._day_counts[day] = counts_of(entry.latency.values()) if entry else {}
        return self._day_counts[day]

    def _bar(self, day: date) -> dict[str, Any]:
        if day_start(day) + DAY_SECONDS <= self.quiet_until:
            return {"date": _iso(day), "uptime": None, "no_data_seconds": DAY_SECONDS,
                    "worst_status": None, "outage_seconds": 0.0}
        part = self.day_tally(day)
        return {"date": _iso(day), "uptime": _ratio(part.uptime), "no_data_seconds": _round(part.no_data),
                "worst_status": part.worst, "outage_seconds": _round(part.outage)}

    def _latency(self, window: str, start: float, end: float) -> dict[str, Any]:
        total: dict[int, int] = {}
        if self.cached is not None and window in CLOSED_WINDOWS:
            # The closed days were merged once when the day began; add today's.
            closed = self.closed_latency.get(self.component.id, {}).get(window, {})
            total = {int(k): v for k, v in closed.items()}
            add_counts(total, self.day_counts(self.today))
            p50, p95, p99 = quantiles(total, (0.5, 0.95, 0.99))
            return {"p50_ms": p50, "p95_ms": p95, "p99_ms": p99, "samples": sum(total.values())}
        for day, base in _calendar(datetime.fromtimestamp(start, UTC).date(), self.today):
            if end - start <= DAY_SECONDS:
                # Short windows go by the hour (days stay hourly for HOURLY_DAYS).
                entry = self.days.get(_iso(day), {}).get(self.component.id)
                if entry is not None:
                    hours = {f"{h:02d}" for h in range(24)
                             if base + (h + 1) * 3600 > start and base + h * 3600 < end}
                    add_counts(total, counts_of(h for key, h in entry.latency.items()
                                        if key in hours or key == "day"))
            else:
                add_counts(total, self.day_counts(day))
        p50, p95, p99 = quantiles(total, (0.5, 0.95, 0.99))
        return {"p50_ms": p50, "p95_ms": p95, "p99_ms": p99, "samples": sum(total.values())}

    def _monthly(self) -> dict[str, dict[str, Any]]:
        totals: dict[str, Tally] = {}
        for month, components in self.months.items():
            frozen = components.get(self.component.id)
            if frozen is not None:
                totals[month] = Tally(observed=frozen.observed, downtime=frozen.downtime,
                                      no_data=frozen.no_data, maintenance=frozen.maintenance,
                                      outage=frozen.outage)
        names = {*self.days, self.today.isoformat()}
        for name in sorted(names):
            day = date.fromisoformat(name)
            if day > self.today:
                continue
            totals.setdefault(name[:7], Tally()).add(self.day_tally(day))
        with_data = [m for m in sorted(totals) if totals[m].observed > 0][-MONTHS:]
        return {m: _figure(totals[m]) for m in with_data}


@functools.lru_cache(maxsize=64)
def _calendar(first: date, last: date) -> tuple[tuple[date, float], ...]:
    """Days from `first` to `last` with their midnights; shared by every component's windows."""
    count = (last - first).days + 1
    return tuple((first + timedelta(days=i), day_start(first + timedelta(days=i)))
                 for i in range(max(count, 0)))


def _stamp(moment: datetime) -> str:
    """A UTC time as pydantic writes it (`2026-11-20T12:00:00Z`)."""
    return to_jsonable_python(moment)  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=4096)
def _iso(day: date) -> str:
    return day.isoformat()


def _figure(part: Tally) -> dict[str, Any]:
    return {"uptime": _ratio(part.uptime), "observed_seconds": _round(part.observed),
            "downtime_seconds": _round(part.downtime), "no_data_seconds": _round(part.no_data)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 8)
