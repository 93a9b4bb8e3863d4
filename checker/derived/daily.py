"""Daily rollups and the history of closed days: the derived data uptime figures are made from.

`rollups/daily/<YYYY-MM-DD>.json` holds, per component, the day's measured time segments (seconds
since midnight UTC, merged when adjacent and equal), sample counts and the day's latency histogram,
plus the ids of the runs it contains. `rollups/hourly/<YYYY-MM-DD>/<HH>.json` holds each hour's
latency histograms (with the ids of its runs): a run reads and writes the day's rollup and its
hour's, so its cost does not grow as the day goes on. Once a day is over it is *folded* into
`rollups/history.json`, with its latency by hour again, which keeps the last DETAIL_DAYS days in
detail and older days as monthly tallies, so that computing the summary reads a fixed number of
small files however long the history is.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, TypeAdapter

from checker.bundle import Bundle, Component
from checker.derived.state import RunEffects, State
from checker.histogram import Histogram, counts_of, merged, quantiles
from checker.results import SampleStatus
from checker.store.base import dump_json
from checker.uptime import DEFAULT_WEIGHTS, Segment, Tally, declared_segments, tally
from checker.vocabulary import OUTAGE_STATUSES, ComponentStatus

HISTORY_KEY = "rollups/history.json"
DETAIL_DAYS = 92
"""Closed days kept in detail: the 90-day window plus the days it can straddle."""
HOURLY_DAYS = 2
"""Days whose latency stays hourly (for the 24-hour percentiles); older days keep one histogram."""
DAY_SECONDS = 86400.0
_JOIN = 0.0005


def day_key(day: str) -> str:
    return f"rollups/daily/{day}.json"


HOURLY_PREFIX = "rollups/hourly/"


def hour_key(day: str, hour: str) -> str:
    return f"{HOURLY_PREFIX}{day}/{hour}.json"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ComponentDay(_Model):
    segments: list[tuple[float, float, ComponentStatus]] = []
    """Measured status over the day: (start, end, status), seconds since midnight UTC."""
    samples: dict[SampleStatus, int] = {}
    """Sample counts by sample status."""
    latency: dict[str, dict[str, int]] = {}
    """Latency histograms: one under `"day"` in a day's rollup and for older days in the history,
    by hour (`"00"`…`"23"`) for the history's last HOURLY_DAYS days."""
    outages: list[tuple[float, float, ComponentStatus]] = []
    """The segments in partial or major outage (as measured)."""
    p50_ms: float | None = None
    """The day's median latency; filled in once the day is in the history."""
    p95_ms: float | None = None
    """The day's 95th percentile latency; filled in once the day is in the history."""


class DayRollup(_Model):
    format: Literal[1] = 1
    date: date
    runs: list[str] = []
    """Ids of the runs counted in this day, so a retried run is counted once."""
    components: dict[str, ComponentDay] = {}


class HourRollup(_Model):
    format: Literal[1] = 1
    date: date
    hour: str
    """`"00"`…`"23"`, UTC."""
    runs: list[str] = []
    """Ids of the runs with a sample in this hour, so a retried run is counted once."""
    latency: dict[str, dict[str, int]] = {}
    """Component -> latency histogram of its samples in this hour."""


class MonthTally(_Model):
    observed: float = 0.0
    downtime: float = 0.0
    no_data: float = 0.0
    maintenance: float = 0.0
    outage: float = 0.0

    def add(self, part: Tally) -> None:
        self.observed += part.observed
        self.downtime += part.downtime
        self.no_data += part.no_data
        self.maintenance += part.maintenance
        self.outage += part.outage

    def tally(self) -> Tally:
        return Tally(
            observed=self.observed,
            downtime=self.downtime,
            no_data=self.no_data,
            maintenance=self.maintenance,
            outage=self.outage,
        )

    @classmethod
    def of(cls, part: Tally) -> MonthTally:
        return cls(
            observed=part.observed,
            downtime=part.downtime,
            no_data=part.no_data,
            maintenance=part.maintenance,
            outage=part.outage,
        )


class History(_Model):
    format: Literal[1] = 1
    days: dict[str, dict[str, ComponentDay]] = {}
    """Closed days (`YYYY-MM-DD`) in detail, newest DETAIL_DAYS only."""
    months: dict[str, dict[str, MonthTally]] = {}
    """`YYYY-MM` -> component -> tally of the days that have left the detail."""
    as_of: str | None = None
    """The day (`YYYY-MM-DD`) for which `closed_latency` was computed."""
    closed_latency: dict[str, dict[str, dict[str, int]]] = {}
    """Component -> window (`7d`, `30d`, `90d`) -> merged latency histogram of the closed days in
    that window as of `as_of`."""


_DAY_ENTRIES: TypeAdapter[dict[str, ComponentDay]] = TypeAdapter(dict[str, ComponentDay])


def parse_history(data: bytes) -> History:
    """`rollups/history.json` as stored. It is the largest file (every component's closed days
    in detail: about 45 MB for a thousand components); parsed to plain data first, which keeps
    the peak memory of the first run of a day about a third lower than validating the bytes.
    Raises ValidationError (or orjson's JSONDecodeError, a ValueError) when it cannot be read."""
    return History.model_validate(orjson.loads(data))


def history_json(history: History) -> bytes:
    """`rollups/history.json` as `dump_json` writes it (sorted keys), made one day at a time, so
    the first run of a day never holds a second copy of the whole history as plain data."""
    days = b",".join(
        dump_json(name) + b":" + dump_json(orjson.loads(_DAY_ENTRIES.dump_json(entries)))
        for name, entries in sorted(history.days.items())
    )
    rest = history.model_dump(mode="json", exclude={"days"})
    return dump_json({**rest, "days": orjson.Fragment(b"{" + days + b"}")})


@functools.lru_cache(maxsize=4096)
def day_start(day: date) -> float:
    return datetime.combine(day, time(), UTC).timestamp()


def apply_effects_to_day(day: DayRollup, effects: RunEffects, *, repaint: bool = False) -> DayRollup:
    """`day` with the run's samples and segments added (in place); nothing when already counted,
    unless `repaint`: then its segments are painted again (its samples are never counted twice).

    The stretches the run decided again (`effects.replaced`) are cleared first, and each segment
    is painted over whatever the day held in its span (a clock that stepped back re-records time).
    """
    counted = effects.run_id in day.runs
    if counted and not repaint:
        return day
    start = day_start(day.date)
    if not counted and _records_on(effects, start):
        bisect.insort(day.runs, effects.run_id)
    for fact in [] if counted else effects.samples:
        if fact.at.date() != day.date:
            continue
        entry = day.components.setdefault(fact.component, ComponentDay())
        entry.samples[fact.status] = entry.samples.get(fact.status, 0) + 1
        if fact.latency_ms is not None:
            histogram = Histogram.from_json(entry.latency.get("day"))
            histogram.add(fact.latency_ms)
            entry.latency["day"] = histogram.to_json()
    touched: set[str] = set()
    for segment, keep in [*((s, False) for s in effects.replaced), *((s, True) for s in effects.segments)]:
        s = max(segment.start.timestamp() - start, 0.0)
        e = min(segment.end.timestamp() - start, DAY_SECONDS)
        if e <= s:
            continue
        entry = day.components.setdefault(segment.component, ComponentDay())
        _paint(entry.segments, round(s, 3), round(e, 3), segment.status if keep else None)
        touched.add(segment.component)
    for component in touched:
        entry = day.components[component]
        entry.outages = [x for x in entry.segments if x[2] in OUTAGE_STATUSES]
    return day


def sample_hours(effects: RunEffects) -> set[tuple[str, str]]:
    """The (day, hour) of each hour the run has a sample in: the hour rollups it adds to."""
    return {(fact.at.date().isoformat(), f"{fact.at.hour:02d}") for fact in effects.samples}


def apply_samples_to_hour(hour: HourRollup, effects: RunEffects) -> HourRollup:
    """`hour` with the latency of the run's samples in it added (in place), once per run."""
    facts = [f for f in effects.samples if f.at.date() == hour.date and f"{f.at.hour:02d}" == hour.hour]
    if not facts or effects.run_id in hour.runs:
        return hour
    bisect.insort(hour.runs, effects.run_id)
    for fact in facts:
        if fact.latency_ms is not None:
            histogram = Histogram.from_json(hour.latency.get(fact.component))
            histogram.add(fact.latency_ms)
            hour.latency[fact.component] = histogram.to_json()
    return hour


def with_hours(day: DayRollup | None, hours: Iterable[HourRollup]) -> DayRollup | None:
    """The day as the history keeps it: each component's latency by hour, from its hour rollups.

    A day whose rollup holds hours itself (written before hour rollups existed) keeps them, with
    the hour rollups' counts added. Without any hour rollup the day keeps its merged latency.
    """
    by_component: dict[str, dict[str, dict[str, int]]] = {}
    for hour in hours:
        for component, histogram in hour.latency.items():
            by_component.setdefault(component, {})[hour.hour] = histogram
    if day is None or not by_component:
        return day
    components = {}
    for component, entry in day.components.items():
        latency = {key: piece for key, piece in entry.latency.items() if key != "day"}
        for key, piece in by_component.get(component, {}).items():
            latency[key] = merged([latency.get(key), piece]).to_json()
        components[component] = entry.model_copy(update={"latency": dict(sorted(latency.items()))})
    return day.model_copy(update={"components": components})


def _records_on(effects: RunEffects, start: float) -> bool:
    """Whether the run has a sample or a segment of its own on the day beginning at `start`: the
    runs a day lists, as a rebuild lists them. A run placed late that only decided stretches there
    again for the runs around it is not listed; painting them again is harmless."""
    end = start + DAY_SECONDS
    return any(start <= fact.at.timestamp() < end for fact in effects.samples) or any(
        s.start.timestamp() < end and s.end.timestamp() > start and s not in effects.decided_again
        for s in effects.segments
    )


def _paint(
    segments: list[tuple[float, float, ComponentStatus]], start: float, end: float, status: ComponentStatus | None
) -> None:
    """Make [start, end) hold `status` (None: nothing), cutting what was there, and merge with
    neighbours that touch it and share its status, so equal timelines have equal lists."""
    if status is not None and (not segments or segments[-1][1] <= start):
        # The usual case, time moving on: append, or extend the last segment.
        if segments and abs(segments[-1][1] - start) < _JOIN and segments[-1][2] == status:
            segments[-1] = (segments[-1][0], end, status)
        else:
            segments.append((start, end, status))
        return
    kept: list[tuple[float, float, ComponentStatus]] = []
    for s, e, old in segments:
        if e <= start or s >= end:
            kept.append((s, e, old))
            continue
        if s < start:
            kept.append((s, start, old))
        if e > end:
            kept.append((end, e, old))
    if status is not None:
        kept.append((start, end, status))
    kept.sort()
    merged: list[tuple[float, float, ComponentStatus]] = []
    for s, e, old in kept:
        if merged and abs(merged[-1][1] - s) < _JOIN and merged[-1][2] == old:
            merged[-1] = (merged[-1][0], e, old)
        else:
            merged.append((s, e, old))
    segments[:] = merged


def component_entry(components: Mapping[str, ComponentDay] | None, component: Component) -> ComponentDay | None:
    """What a day's rollup holds for `component`; None when the checker did not run that day.

    A component without a check has nothing measured: on the days the checker ran it counts as
    operational (an empty entry), and incidents say otherwise.
    """
    if components is None:
        return None
    entry = components.get(component.id)
    if entry is None and component.check is None:
        return ComponentDay()
    return entry


def measured_segments(day: date, entry: ComponentDay | None) -> list[Segment]:
    """The day's segments in epoch seconds."""
    if entry is None:
        return []
    base = day_start(day)
    return [(base + s, base + e, status) for s, e, status in entry.segments]


def component_day_tally(
    has_check: bool,
    day: date,
    entry: ComponentDay | None,
    *,
    declared: list[Segment],
    weights: Mapping[str, float],
    now: datetime,
    start: float | None = None,
    end: float | None = None,
) -> Tally:
    """The tally of one component over one day (or the part [start, end) of it), up to `now`."""
    base = day_start(day)
    lo = base if start is None else max(start, base)
    hi = min(base + DAY_SECONDS if end is None else min(end, base + DAY_SECONDS), now.timestamp())
    if entry is None and not declared:
        return Tally(no_data=max(0.0, hi - lo))  # the common case of a day before monitoring
    if not has_check:
        # Without a check nothing is measured: the component counts as operational on the days
        # the checker ran (`entry` given), and incidents say otherwise.
        measured: list[Segment] = [(lo, hi, "operational")] if entry is not None else []
    else:
        measured = measured_segments(day, entry)
    return tally(measured, declared, lo, hi, weights)


def downtime_weights(bundle: Bundle) -> dict[str, float]:
    """The configured weights over the defaults (a status left out keeps its default weight)."""
    configured = {str(status): weight for status, weight in bundle.checker.downtime_weights.items()}
    return {**DEFAULT_WEIGHTS, **configured}


def fold_open_days(
    state: State,
    history: History,
    load_day: Callable[[str], DayRollup | None],
    *,
    today: date,
    bundle: Bundle,
) -> bool:
    """Move finished days from `state.open_days` into `history` (both changed in place).

    True when the history changed. Folding a day again replaces it, so doing it twice is harmless.
    """
    finished = [d for d in state.open_days if d < today.isoformat()]
    if not finished and history.as_of == today.isoformat():
        return False
    for name in [d for d in finished if d >= _first_detail_day(today)]:  # older ones are not kept
        day = load_day(name)
        if day is not None:
            history.days[name] = {cid: entry.model_copy(deep=True) for cid, entry in day.components.items()}
    state.open_days = [d for d in state.open_days if d >= today.isoformat()]
    # A day not over by `today` (folded by a clock that was ahead) is open again.
    for name in [d for d in history.days if d >= today.isoformat()]:
        del history.days[name]
        if name not in state.open_days:
            state.open_days = sorted([*state.open_days, name])
    _age(history, today=today, bundle=bundle)
    _refresh_latency(history, today)
    return True


CLOSED_WINDOWS = {"7d": 7, "30d": 30, "90d": 90}


def _refresh_latency(history: History, today: date) -> None:
    """Daily percentiles of closed days, and their merged histograms per window (see History)."""
    closed: dict[str, dict[str, dict[str, int]]] = {}
    running: dict[str, dict[str, int]] = {}
    ends = {days: window for window, days in CLOSED_WINDOWS.items()}
    for back in range(1, max(CLOSED_WINDOWS.values()) + 1):
        components = history.days.get((today - timedelta(days=back)).isoformat())
        for component_id, entry in (components or {}).items():
            if entry.p50_ms is None and entry.latency:  # kept from an earlier day otherwise
                counts = counts_of(entry.latency.values())
                if counts:
                    entry.p50_ms, entry.p95_ms = quantiles(counts, (0.5, 0.95))
            # Summed by the stored keys (a thousand components x 90 days of histograms: converting
            # each key would cost more than the rest of the fold), converted once per window.
            total = running.setdefault(component_id, {})
            for piece in entry.latency.values():
                for key, count in piece.items():
                    total[key] = total.get(key, 0) + count
        if back in ends:  # the windows nest: 7 days, then 30, then 90
            for component_id, total in running.items():
                closed.setdefault(component_id, {})[ends[back]] = dict(total)
    history.as_of = today.isoformat()
    history.closed_latency = {
        component_id: {w: Histogram(counts_of([counts])).to_json() for w, counts in windows.items()}
        for component_id, windows in closed.items()
    }


def _first_detail_day(today: date) -> str:
    return (today - timedelta(days=DETAIL_DAYS)).isoformat()


def _age(history: History, *, today: date, bundle: Bundle) -> None:
    """Collapse old hourly histograms and turn days past the detail window into month tallies."""
    hourly_from = (today - timedelta(days=HOURLY_DAYS)).isoformat()
    detail_from = _first_detail_day(today)
    weights = downtime_weights(bundle)
    for name in sorted(history.days):
        components = history.days[name]
        if name < detail_from:
            day = date.fromisoformat(name)
            end_of_day = datetime.combine(day + timedelta(days=1), time(), UTC)
            month = history.months.setdefault(name[:7], {})
            for component in bundle.components:
                declared = declared_segments(bundle, component.id, end_of_day)
                entry = component_entry(components, component)
                part = component_day_tally(
                    component.check is not None, day, entry, declared=declared, weights=weights, now=end_of_day
                )
                month.setdefault(component.id, MonthTally()).add(part)
            del history.days[name]
        elif name < hourly_from:
            for entry in components.values():
                if any(key != "day" for key in entry.latency):
                    entry.latency = {"day": merged(entry.latency.values()).to_json()}
