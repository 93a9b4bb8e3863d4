"""Daily and hourly rollups: the derived data uptime figures are made from, while a day is open.

`rollups/daily/<YYYY-MM-DD>.json` holds, per component, the day's measured time segments (seconds
since midnight UTC, merged when adjacent and equal), sample counts and the day's latency histogram,
plus the ids of the runs it contains. `rollups/hourly/<YYYY-MM-DD>/<HH>.json` holds each hour's
latency histograms (with the ids of its runs): a run reads and writes the day's rollup and its
hour's, so its cost does not grow as the day goes on. Once a day is over it is *folded* into
`rollups/history.json` (see `checker.derived.history`).
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from typing import Literal

from checker.bundle import Bundle, Component
from checker.derived.state import RunEffects
from checker.histogram import Histogram, merged
from checker.results import SampleStatus
from checker.strict_model import StoredModel
from checker.uptime import DEFAULT_WEIGHTS, Segment, Tally, tally
from checker.vocabulary import OUTAGE_STATUSES, ComponentStatus

HOURLY_DAYS = 2
"""Days whose latency stays hourly (for the 24-hour percentiles); older days keep one histogram."""
DAY_SECONDS = 86400.0
_JOIN = 0.0005


def day_key(day: str) -> str:
    return f"rollups/daily/{day}.json"


HOURLY_PREFIX = "rollups/hourly/"


def hour_key(day: str, hour: str) -> str:
    return f"{HOURLY_PREFIX}{day}/{hour}.json"


class ComponentDay(StoredModel):
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


class DayRollup(StoredModel):
    format: Literal[1] = 1
    date: date
    runs: list[str] = []
    """Ids of the runs counted in this day, so a retried run is counted once."""
    components: dict[str, ComponentDay] = {}


class HourRollup(StoredModel):
    format: Literal[1] = 1
    date: date
    hour: str
    """`"00"`…`"23"`, UTC."""
    runs: list[str] = []
    """Ids of the runs with a sample in this hour, so a retried run is counted once."""
    latency: dict[str, dict[str, int]] = {}
    """Component -> latency histogram of its samples in this hour."""


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
