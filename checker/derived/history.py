"""The history of closed days, `rollups/history.json`: once a day is over, its rollup is *folded*
in, with its latency by hour again. The history keeps the last DETAIL_DAYS days in detail and
older days as monthly tallies, so that computing the summary reads a fixed number of small files
however long the history is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

import orjson
from pydantic import TypeAdapter

from checker.bundle import Bundle
from checker.derived.daily import (
    HOURLY_DAYS,
    ComponentDay,
    DayRollup,
    component_day_tally,
    component_entry,
    downtime_weights,
)
from checker.derived.state import State
from checker.histogram import Histogram, counts_of, merged, quantiles
from checker.store.base import dump_json
from checker.strict_model import StoredModel
from checker.uptime import Tally, declared_segments

HISTORY_KEY = "rollups/history.json"
DETAIL_DAYS = 92
"""Closed days kept in detail: the 90-day window plus the days it can straddle."""


class MonthTally(StoredModel):
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
        return Tally(**self.model_dump())

    @classmethod
    def of(cls, part: Tally) -> MonthTally:
        """The sums of `part` (a month keeps no worst status)."""
        return cls(**{name: getattr(part, name) for name in cls.model_fields})


class History(StoredModel):
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
