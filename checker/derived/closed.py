"""The closed days as the summary needs them: made once a day, read by every run.

What the summary takes from a day that is over does not change until the history or the incidents
do, so it is computed when the day is folded and kept in `rollups/closed.json`:
- each component's closed days in the summary's bars and daily latency, as the JSON text a run
  splices in, and the sums of whole closed days each window adds up;
- the measured segments of the few days a window begins in partway (a 7-day window begins on the
  seventh day back at the current time of day), so that part can be tallied;
- yesterday's hourly latency (for the 24-hour percentiles), the merged latency of the closed days
  of each longer window, and the month figures.
It holds what is needed and no more: parsing a file of a thousand components' days, day by day,
would cost a large fleet's run more than everything else it does.
A run reads this file and today's rollup, so its cost does not grow with the history. The file is
made for one day (`as_of`) and one set of incidents and settings (`fingerprint`); a run that finds
either different makes it again from `rollups/history.json`.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, NamedTuple

from pydantic import model_validator

from checker.bundle import Bundle
from checker.derived.daily import (
    DAY_SECONDS,
    ComponentDay,
    component_day_tally,
    component_entry,
    day_start,
    downtime_weights,
)
from checker.derived.history import DETAIL_DAYS, History, MonthTally
from checker.slo import BURN_WINDOWS
from checker.store.base import dump_json
from checker.strict_model import StoredModel
from checker.summary import WINDOW_SECONDS
from checker.uptime import Tally, declared_segments, uptime_ratio
from checker.vocabulary import ComponentStatus

CLOSED_KEY = "rollups/closed.json"
MONTHS = 12
"""Months shown in the summary (the last ones with data)."""
BAR_DAYS = 90
"""Days in a component's bars and daily latency in the summary: today and the 89 before it."""


class DayFigures(NamedTuple):
    """The figures of one component's day that its bar and daily latency show."""

    observed: float
    downtime: float
    no_data: float
    maintenance: float
    outage: float
    worst: str | None
    p50_ms: float | None
    p95_ms: float | None

    @property
    def uptime(self) -> float | None:
        return uptime_ratio(self.observed, self.downtime)

    @classmethod
    def of(cls, part: Tally, entry: ComponentDay | None) -> DayFigures:
        """The figures of a day's tally and its rollup entry (for the latency percentiles)."""
        return cls(
            part.observed,
            part.downtime,
            part.no_data,
            part.maintenance,
            part.outage,
            part.worst,
            entry.p50_ms if entry else None,
            entry.p95_ms if entry else None,
        )


NO_DATA_DAY = DayFigures(0.0, 0.0, DAY_SECONDS, 0.0, 0.0, None, None, None)
"""A day with nothing measured or declared."""


class ClosedComponent(StoredModel):
    bars: str
    """The key in `ClosedDays.texts` of the summary's `bars` of the closed days among them."""
    latency_daily: str
    """The key in `ClosedDays.texts` of the summary's `latency_daily` of the same days."""
    whole_days: dict[str, tuple[float, float, float]] = {}
    """Observed, downtime and no-data seconds from each day in the detail on which a window's
    whole days can begin (the day after a partial day, the partial day itself when a window
    begins at midnight, the first day of the detail) to the day before `as_of`."""
    segments: dict[str, list[tuple[float, float, ComponentStatus]]] = {}
    """The measured segments (as in the daily rollup) of the days in `ClosedDays.partial_days`;
    a day left out had no entry."""
    yesterday_latency: dict[str, dict[str, int]] = {}
    """The day before `as_of`: latency histograms by hour."""
    latency: dict[str, dict[str, int]] = {}
    """`7d`, `30d`, `90d`: the merged latency histogram of the closed days in that window."""
    months: dict[str, MonthTally] = {}
    """The closed days summed by month: the last MONTHS with data, and the month of `as_of`."""


class ClosedDays(StoredModel):
    format: Literal[2] = 2
    as_of: date
    """The day it was made for: every earlier day is closed."""
    first_day: date
    """The oldest day in the detail."""
    partial_days: list[date]
    """The closed days a window can begin in partway during `as_of`."""
    fingerprint: str
    """Of what the figures depend on besides the history: see `closed_fingerprint`."""
    texts: dict[str, str]
    """The closed days' part of a component's `bars` or `latency_daily` in the summary (BAR_DAYS - 1
    items, oldest first) as JSON text without the enclosing brackets, by a hash of that text. They
    are the same for every run of the day, so a run splices the text into the summary instead of
    parsing and writing 89 objects per component; components with the same days (no data yet,
    every day up) share one."""
    components: dict[str, ClosedComponent]

    @model_validator(mode="after")
    def _texts_present(self) -> ClosedDays:
        for component_id, component in self.components.items():
            if component.bars not in self.texts or component.latency_daily not in self.texts:
                raise ValueError(f"the closed days of {component_id!r} name a text that is missing")
        return self


def make_closed_days(bundle: Bundle, history: History, today: date) -> ClosedDays:
    """The closed days as of `today`, from a history folded as of `today`."""
    if history.as_of != today.isoformat():
        raise ValueError(f"the history is folded as of {history.as_of}, not {today}")
    midnight = datetime.combine(today, time(), UTC)
    first_day = today - timedelta(days=DETAIL_DAYS)
    calendar = [first_day + timedelta(days=n) for n in range(DETAIL_DAYS)]
    partial = partial_days(bundle, today)
    yesterday = (today - timedelta(days=1)).isoformat()
    bar_names = [day.isoformat() for day in calendar[-(BAR_DAYS - 1) :]]
    # A window's whole days begin the day after its partial first day, or on that day when the
    # window begins at midnight; one older than the detail is summed from the first day on.
    sum_starts = {first_day, *partial, *(day + timedelta(days=1) for day in partial)}
    weights = downtime_weights(bundle)
    texts: dict[str, str] = {}
    components = {}
    for component in bundle.components:
        declared = declared_segments(bundle, component.id, midnight)
        # Summed as plain tallies (adding to the models field by field is slow for a large fleet).
        months = {
            month: figures[component.id].tally() for month, figures in history.months.items() if component.id in figures
        }
        days = []
        segments: dict[str, list[tuple[float, float, ComponentStatus]]] = {}
        yesterday_latency: dict[str, dict[str, int]] = {}
        for day in calendar:
            name = day.isoformat()
            entry = component_entry(history.days.get(name), component)
            if name not in history.days and not declared:
                days.append(NO_DATA_DAY)  # the common case of a day before monitoring
                continue
            part = component_day_tally(
                component.check is not None, day, entry, declared=declared, weights=weights, now=midnight
            )
            days.append(DayFigures.of(part, entry))
            if entry is not None and day in partial:
                segments[name] = list(entry.segments)
            if entry is not None and name == yesterday:
                yesterday_latency = dict(entry.latency)
            if name in history.days:
                # The month figures count the days the checker ran, and incidents on those days.
                months.setdefault(name[:7], Tally()).add(part)
        shown = list(zip(bar_names, days[-(BAR_DAYS - 1) :], strict=True))
        with_data = [m for m in sorted(months) if months[m].observed > 0][-MONTHS:]
        components[component.id] = ClosedComponent(
            bars=_kept(texts, b",".join(bar_json(name, figures) for name, figures in shown)),
            latency_daily=_kept(texts, b",".join(daily_json(name, figures) for name, figures in shown)),
            whole_days=_whole_days(calendar, days, sum_starts),
            segments=segments,
            yesterday_latency=yesterday_latency,
            latency=history.closed_latency.get(component.id, {}),
            months={m: MonthTally.of(months[m]) for m in sorted({*with_data, today.isoformat()[:7]} & set(months))},
        )
    return ClosedDays(
        as_of=today,
        first_day=first_day,
        partial_days=sorted(partial),
        fingerprint=closed_fingerprint(bundle, today),
        texts=dict(sorted(texts.items())),
        components=components,
    )


def _kept(texts: dict[str, str], text: bytes) -> str:
    """Keep `text` in `texts` under its hash; return the key."""
    key = hashlib.sha256(text).hexdigest()[:20]
    texts[key] = text.decode()
    return key


def _whole_days(
    calendar: list[date], days: list[DayFigures], starts: set[date]
) -> dict[str, tuple[float, float, float]]:
    """Observed, downtime and no-data seconds from each day in `starts` to the last of `days`."""
    sums: dict[str, tuple[float, float, float]] = {}
    observed = downtime = no_data = 0.0
    for day, figures in zip(reversed(calendar), reversed(days), strict=True):
        observed += figures.observed
        downtime += figures.downtime
        no_data += figures.no_data
        if day in starts:
            sums[day.isoformat()] = (observed, downtime, no_data)
    return dict(sorted(sums.items()))


# Most components share their closed days' bars (a day with no data, a day wholly up), so each
# distinct one is written once per process.
@functools.lru_cache(maxsize=65536)
def bar_json(name: str, figures: DayFigures) -> bytes:
    """One day of a component's `bars` in the summary, as JSON."""
    return dump_json(
        {
            "date": name,
            "uptime": rounded_ratio(figures.uptime),
            "no_data_seconds": rounded(figures.no_data),
            "worst_status": figures.worst,
            "outage_seconds": rounded(figures.outage),
        }
    )


@functools.lru_cache(maxsize=65536)
def daily_json(name: str, figures: DayFigures) -> bytes:
    """One day of a component's `latency_daily` in the summary, as JSON."""
    return dump_json({"date": name, "p50_ms": figures.p50_ms, "p95_ms": figures.p95_ms})


def rounded(value: float | None) -> float | None:
    """Seconds and milliseconds as the summary writes them."""
    return None if value is None else round(value, 3)


def rounded_ratio(value: float | None) -> float | None:
    """Uptime ratios as the summary writes them."""
    return None if value is None else round(value, 8)


def partial_days(bundle: Bundle, today: date) -> set[date]:
    """The closed days in which some window (uptime, burn rate or objective) begins during `today`.

    A window of length w ending at t in [midnight, next midnight) begins on the day of t - w.
    """
    lengths = {
        *WINDOW_SECONDS.values(),
        *BURN_WINDOWS.values(),
        *(c.slo.window for c in bundle.components if c.slo is not None),
    }
    midnight = day_start(today)
    days = set()
    for length in lengths:
        for end in (midnight, midnight + DAY_SECONDS - 0.001):
            start = datetime.fromtimestamp(end - length, UTC).date()
            if start < today:
                days.add(start)
    return days


def closed_fingerprint(bundle: Bundle, today: date) -> str:
    """What the closed figures depend on besides the history: the components (and whether they
    are checked), the incidents and maintenance before `today`, the downtime weights and the
    windows. A change to any of them makes the closed days again."""
    midnight = datetime.combine(today, time(), UTC)
    facts = {
        "components": [
            [c.id, c.check is not None, declared_segments(bundle, c.id, midnight)] for c in bundle.components
        ],
        "weights": downtime_weights(bundle),
        "partial_days": sorted(day.isoformat() for day in partial_days(bundle, today)),
    }
    return hashlib.sha256(dump_json(facts)).hexdigest()[:32]
