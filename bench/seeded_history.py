"""A store that has been running for months, for the benchmarks: synthetic day rollups (a short
outage and hourly latency per component per day) folded into the history by the checker's own code,
and the closed days made from it, so a timed run pays for a full 90-day window and 12 months."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

from checker.bundle import Bundle
from checker.closed import CLOSED_KEY, make_closed_days
from checker.daily import HISTORY_KEY, ComponentDay, DayRollup, History, fold_open_days
from checker.histogram import Histogram
from checker.state import State
from checker.store import LocalStore


def synthetic_day(ids: Sequence[str], day: date, runs: int, hours: int = 24) -> DayRollup:
    """A day of `runs` runs over its first `hours` hours: each component up but for one five-minute
    outage, with hourly latency histograms of 60 samples around 55 ms."""
    rng = random.Random(day.toordinal())
    components = {}
    for component in ids:
        outage = rng.randrange(0, 80000)
        segments = [(0.0, float(outage), "operational"),
                    (float(outage), float(outage + 300), "major_outage"),
                    (float(outage + 300), hours * 3600.0, "operational")]
        latency = {}
        for hour in range(hours):
            histogram = Histogram()
            for _ in range(20):
                histogram.add(rng.lognormvariate(4, 0.5), count=3)
            latency[f"{hour:02d}"] = histogram.to_json()
        components[component] = ComponentDay(segments=segments, samples={"up": runs}, latency=latency,
                                             outages=[s for s in segments if s[2] != "operational"])
    return DayRollup(date=day, runs=[f"run-{n}" for n in range(runs)], components=components)


def seed_history(store: LocalStore, bundle: Bundle, *, days: int, today: date) -> None:
    """Write `days` - 1 closed days before `today` into the store's history and make the closed
    days as of `today` (what the first run of the day does), for the checked components of `bundle`."""
    ids = [c.id for c in bundle.components if c.check is not None]
    history = History()
    for back in range(days - 1, 0, -1):
        day = today - timedelta(days=back)
        rollup = synthetic_day(ids, day, runs=1440)
        fold_open_days(State(open_days=[day.isoformat()]), history, lambda _, r=rollup: r,
                       today=day + timedelta(days=1), bundle=bundle)
    if not history.as_of:
        fold_open_days(State(), history, lambda _: None, today=today, bundle=bundle)
    store.put_json(HISTORY_KEY, history.model_dump(mode="json"))
    store.put_json(CLOSED_KEY, make_closed_days(bundle, history, today).model_dump(mode="json"))
