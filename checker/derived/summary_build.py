"""Computing `summary.json` from the state, the closed days and the open days.

It reads nothing but its arguments, so the per-run path and `rollup --rebuild` give the same bytes
for the same data and clock. Closed days come precomputed (`checker/derived/closed.py`), so the cost is
bounded by the windows (90 days, 12 months), never by how long the checker has been running.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TypedDict

import orjson
from pydantic_core import to_jsonable_python

from checker.bundle import Bundle, Component
from checker.derived.closed import (
    MONTHS,
    ClosedDays,
    DayFigures,
    bar_json,
    daily_json,
    make_closed_days,
    rounded,
    rounded_ratio,
)
from checker.derived.daily import (
    ComponentDay,
    DayRollup,
    HourRollup,
    component_day_tally,
    component_entry,
    day_start,
    downtime_weights,
    with_hours,
)
from checker.derived.history import History, fold_open_days
from checker.derived.state import State
from checker.histogram import add_counts, counts_of, quantiles
from checker.slo import slo_figure
from checker.store.base import dump_json
from checker.summary import WINDOW_SECONDS, WINDOWS, SloFigure, Summary, Window
from checker.uptime import Tally, declared_segments
from checker.vocabulary import ComponentStatus


class UptimeData(TypedDict):
    """`UptimeFigure` as stored."""

    uptime: float | None
    observed_seconds: float | None
    downtime_seconds: float | None
    no_data_seconds: float | None


class LatencyData(TypedDict):
    """`LatencyFigure` as stored."""

    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    samples: int


class ComponentSummaryData(TypedDict):
    """`ComponentSummary` as stored: typed plain data, as a model per daily bar would cost more
    than the rest of the summary for a large fleet (fields as in `checker.summary`)."""

    id: str
    status: ComponentStatus | None
    status_since: str | None
    last_checked_at: str | None
    last_latency_ms: float | None
    last_reason: str | None
    uptime: dict[Window, UptimeData]
    monthly: dict[str, UptimeData]
    bars: orjson.Fragment
    """The JSON array of `DayBar`s: the closed days' text, spliced with today's."""
    latency: dict[Window, LatencyData]
    latency_daily: orjson.Fragment
    """The JSON array of `DailyLatency`s, likewise."""
    slo: SloFigure | None
    """The model itself: one a component, written as its JSON by `dump_json`."""


class SummaryData(TypedDict):
    """`Summary` as stored (a whole one: a sharded checker's parts are written elsewhere)."""

    format: int
    generated_at: str
    interval: float
    components: list[ComponentSummaryData]


def summary_as_of(
    bundle: Bundle,
    state: State,
    history: History,
    days: Mapping[str, DayRollup],
    hours: Mapping[str, Iterable[HourRollup]],
    *,
    now: datetime,
) -> tuple[ClosedDays, bytes]:
    """Fold the days that are over by `now` into `history` and `state` (changed in place), make
    the closed days from it and the summary from those and the open days' rollups in `days`
    (with their hour rollups in `hours`)."""
    today = now.date()

    def with_its_hours(name: str) -> DayRollup | None:
        return with_hours(days.get(name), hours.get(name, []))

    fold_open_days(state, history, with_its_hours, today=today, bundle=bundle)
    closed = make_closed_days(bundle, history, today)
    open_days = {name: days.get(name) or DayRollup(date=date.fromisoformat(name)) for name in state.open_days}
    return closed, summary_bytes(bundle, state, closed, open_days, now=now)


def compute_summary(
    bundle: Bundle,
    state: State,
    history: History,
    days: Mapping[str, DayRollup],
    hours: Mapping[str, Iterable[HourRollup]] | None = None,
    *,
    now: datetime,
) -> Summary:
    """The summary from a history and day rollups (days not yet folded, with their hour rollups),
    leaving both unchanged."""
    state = state.model_copy(update={"open_days": sorted({*state.open_days, *days})}, deep=True)
    _, data = summary_as_of(bundle, state, history.model_copy(deep=True), days, hours or {}, now=now)
    return Summary.model_validate_json(data)


def summary_bytes(
    bundle: Bundle,
    state: State,
    closed: ClosedDays,
    open_days: Mapping[str, DayRollup],
    *,
    now: datetime,
) -> bytes:
    """`summary.json` exactly as stored, built from plain data without a model per daily bar
    (which would cost more than everything else for a large fleet). `closed` is made as of
    `now`'s day and `open_days` holds the rollups of that day and any later one."""
    if closed.as_of != now.date():
        raise ValueError(f"the closed days are made as of {closed.as_of}, not {now.date()}")
    texts = {key: text.encode() for key, text in closed.texts.items()}
    components = [
        _ComponentFigures(bundle, component, state, closed, texts, open_days, now).summary()
        for component in bundle.components
    ]
    data: SummaryData = {
        "format": 1,
        "generated_at": _stamp(now),
        "interval": bundle.checker.interval,
        "components": components,
    }
    return dump_json(data)


class _ComponentFigures:
    """All figures of one component; day tallies are computed once and reused by every window."""

    def __init__(
        self,
        bundle: Bundle,
        component: Component,
        state: State,
        closed: ClosedDays,
        texts: Mapping[str, bytes],
        open_days: Mapping[str, DayRollup],
        now: datetime,
    ) -> None:
        self.bundle = bundle
        self.component = component
        self.current = state.components.get(component.id)
        if component.id not in closed.components:
            raise ValueError(f"the closed days were made without component {component.id!r}")
        self.closed = closed.components[component.id]
        self.texts = texts
        self.first_closed = closed.first_day
        self.partial_days = set(closed.partial_days)
        self.open_days = open_days
        self.now = now
        self.today = now.date()
        self.declared = declared_segments(bundle, component.id, now)
        self.weights = downtime_weights(bundle)
        # The current status counts from its last decision for up to two intervals, within today:
        # a day that is over is final (the next run records the rest of it).
        self.open_segment: tuple[float, float, ComponentStatus] | None = None
        if self.current is not None:
            start = max(self.current.evaluated_at.timestamp(), day_start(self.today))
            end = min(now.timestamp(), self.current.evaluated_at.timestamp() + 2 * bundle.checker.interval)
            if end > start:
                self.open_segment = (start, end, self.current.status)
        self._day_tallies: dict[date, Tally] = {}

    def entry(self, day: date) -> ComponentDay | None:
        """The measured day: today's rollup (with the open segment), or the stored segments of a
        closed day a window begins in."""
        if day >= self.today:
            return self.today_entry
        if day >= self.first_closed and day not in self.partial_days:
            raise ValueError(f"{day} is closed and not among the days a window can begin in")
        segments = self.closed.segments.get(_iso(day))
        # Already validated with the closed days: no need to check them again.
        return None if segments is None else ComponentDay.model_construct(segments=segments)

    @functools.cached_property
    def today_entry(self) -> ComponentDay | None:
        rollup = self.open_days.get(_iso(self.today))
        entry = component_entry(None if rollup is None else rollup.components, self.component)
        if self.open_segment is not None:
            entry = (entry or ComponentDay()).model_copy()
            base = day_start(self.today)
            start, end, status = self.open_segment
            entry.segments = [*entry.segments, (start - base, end - base, status)]
        return entry

    def day_tally(self, day: date, start: float | None = None, end: float | None = None) -> Tally:
        whole = start is None and end is None
        if whole and day in self._day_tallies:
            return self._day_tallies[day]
        result = component_day_tally(
            self.component.check is not None,
            day,
            self.entry(day),
            declared=self.declared,
            weights=self.weights,
            now=self.now,
            start=start,
            end=end,
        )
        if whole:
            self._day_tallies[day] = result
        return result

    def window_tally(self, start: float, end: float) -> Tally:
        """The tally of a window that ends today: its first day in part, its whole closed days
        in one step, and today up to `end`."""
        total = Tally()
        first = datetime.fromtimestamp(start, UTC).date()
        day = first
        if day_start(first) < start:
            total.add(self.day_tally(first, start, end))
            day = first + timedelta(days=1)
        while day < min(self.first_closed, self.today):  # older than the detail: long objectives
            total.add(self.day_tally(day))
            day += timedelta(days=1)
        if day < self.today:
            sums = self.closed.whole_days.get(_iso(day))
            if sums is None:
                raise ValueError(f"the closed days hold no sums from {day} on")
            observed, downtime, no_data = sums
            total.add(Tally(observed=observed, downtime=downtime, no_data=no_data))
            day = self.today
        if day == self.today:
            total.add(self.day_tally(day, start, end))
        return total

    def summary(self) -> ComponentSummaryData:
        """The component's summary as plain data."""
        now_s = self.now.timestamp()
        uptime = {w: _figure(self.window_tally(now_s - WINDOW_SECONDS[w], now_s)) for w in WINDOWS}
        latency = {w: self._latency(w, now_s - WINDOW_SECONDS[w]) for w in WINDOWS}
        # The bars and daily percentiles of the closed days come as the JSON text the closed
        # days hold; today's are new.
        p50, p95 = quantiles(self.today_counts, (0.5, 0.95))
        today = DayFigures.of(self.day_tally(self.today), None)._replace(p50_ms=p50, p95_ms=p95)
        bars = _spliced(self.texts[self.closed.bars], bar_json(_iso(self.today), today))
        daily = _spliced(self.texts[self.closed.latency_daily], daily_json(_iso(self.today), today))
        current = self.current
        fresh = current is not None and (
            (self.now - current.evaluated_at).total_seconds() <= 2 * self.bundle.checker.interval
        )
        slo = None if self.component.slo is None else slo_figure(self.component.slo, self.window_tally, now=now_s)
        return {
            "id": self.component.id,
            "status": current.status if current is not None and fresh else None,
            "status_since": _stamp(current.since) if current is not None else None,
            "last_checked_at": _stamp(current.last_checked_at) if current is not None else None,
            "last_latency_ms": rounded(current.last_latency_ms) if current is not None else None,
            "last_reason": current.last_reason if current is not None else None,
            "uptime": uptime,
            "monthly": self._monthly(),
            "bars": bars,
            "latency": latency,
            "latency_daily": daily,
            "slo": slo,
        }

    @functools.cached_property
    def today_counts(self) -> dict[int, int]:
        """Today's merged latency histogram as {bucket: count}."""
        entry = self.today_entry
        return counts_of(entry.latency.values()) if entry else {}

    def _latency(self, window: Window, start: float) -> LatencyData:
        if window == "24h":
            # Today so far, and yesterday's hours from the same time of day on.
            total = dict(self.today_counts)
            base = day_start(self.today - timedelta(days=1))
            hours = {f"{h:02d}" for h in range(24) if base + (h + 1) * 3600 > start}
            add_counts(
                total, counts_of(histogram for key, histogram in self.closed.yesterday_latency.items() if key in hours)
            )
        else:
            # The closed days of the window were merged once when the day began; add today's.
            total = {int(k): v for k, v in self.closed.latency.get(window, {}).items()}
            add_counts(total, self.today_counts)
        p50, p95, p99 = quantiles(total, (0.5, 0.95, 0.99))
        return {"p50_ms": p50, "p95_ms": p95, "p99_ms": p99, "samples": sum(total.values())}

    def _monthly(self) -> dict[str, UptimeData]:
        totals = {month: figures.tally() for month, figures in self.closed.months.items()}
        totals.setdefault(self.today.isoformat()[:7], Tally()).add(self.day_tally(self.today))
        with_data = [m for m in sorted(totals) if totals[m].observed > 0][-MONTHS:]
        return {m: _figure(totals[m]) for m in with_data}


def _spliced(closed: bytes, today: bytes) -> orjson.Fragment:
    """A JSON array of the closed days' items (JSON text) and today's."""
    return orjson.Fragment(b"[" + closed + b"," + today + b"]" if closed else b"[" + today + b"]")


def _stamp(moment: datetime) -> str:
    """A UTC time as pydantic writes it (`2026-11-20T12:00:00Z`)."""
    return to_jsonable_python(moment)  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=4096)
def _iso(day: date) -> str:
    return day.isoformat()


def _figure(part: Tally) -> UptimeData:
    return {
        "uptime": rounded_ratio(part.uptime),
        "observed_seconds": rounded(part.observed),
        "downtime_seconds": rounded(part.downtime),
        "no_data_seconds": rounded(part.no_data),
    }
