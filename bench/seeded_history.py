"""A store that has been running for months, for the benchmarks: synthetic day rollups (a short
outage and hourly latency per component per day) folded into the history by the checker's own code,
and the closed days made from it, so a timed run pays for a full 90-day window and 12 months."""

from __future__ import annotations

import argparse
import random
import shutil
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from checker.bundle import Bundle
from checker.derived.closed import CLOSED_KEY, make_closed_days
from checker.derived.daily import ComponentDay, DayRollup, HourRollup, day_key, hour_key
from checker.derived.history import HISTORY_KEY, History, fold_open_days, history_json
from checker.derived.state import State
from checker.histogram import Histogram, merged
from checker.store import LocalStore


def synthetic_day(ids: Sequence[str], day: date, runs: int, hours: int = 24) -> DayRollup:
    """A day of `runs` runs over its first `hours` hours: each component up but for one five-minute
    outage, with hourly latency histograms of 60 samples around 55 ms."""
    rng = random.Random(day.toordinal())
    components = {}
    for component in ids:
        outage = rng.randrange(0, 80000)
        segments = [
            (0.0, float(outage), "operational"),
            (float(outage), float(outage + 300), "major_outage"),
            (float(outage + 300), hours * 3600.0, "operational"),
        ]
        latency = {}
        for hour in range(hours):
            histogram = Histogram()
            for _ in range(20):
                histogram.add(rng.lognormvariate(4, 0.5), count=3)
            latency[f"{hour:02d}"] = histogram.to_json()
        components[component] = ComponentDay(
            segments=segments,
            samples={"up": runs},
            latency=latency,
            outages=[s for s in segments if s[2] != "operational"],
        )
    return DayRollup(date=day, runs=[f"run-{n}" for n in range(runs)], components=components)


def seed_history(store: LocalStore, bundle: Bundle, *, days: int, today: date) -> None:
    """Write `days` - 1 closed days before `today` into the store's history and make the closed
    days as of `today` (what the first run of the day does), for the checked components of `bundle`."""
    ids = [c.id for c in bundle.components if c.check is not None]
    history = History()
    for back in range(days - 1, 0, -1):
        day = today - timedelta(days=back)
        rollup = synthetic_day(ids, day, runs=1440)
        fold_open_days(
            State(open_days=[day.isoformat()]),
            history,
            lambda _, r=rollup: r,
            today=day + timedelta(days=1),
            bundle=bundle,
        )
    if not history.as_of:
        fold_open_days(State(), history, lambda _: None, today=today, bundle=bundle)
    store.put(HISTORY_KEY, history_json(history))
    store.put_json(CLOSED_KEY, make_closed_days(bundle, history, today).model_dump(mode="json"))


def give_history(root: Path, days: int, seeded: Path) -> None:
    """Give the store of the site at `root` (after its first run) `days` days of history and
    today's earlier hours of latency; the history and closed days are made once into `seeded`
    (they depend on the components only) and copied from there."""
    from site_builder.content.site import compile_bundle

    now = datetime.now(UTC)
    if not (seeded / HISTORY_KEY).exists():
        seed_history(LocalStore(seeded), compile_bundle(root), days=days, today=now.date())
    shutil.copytree(seeded, root / "data", dirs_exist_ok=True)
    store = LocalStore(root / "data")
    today = DayRollup.model_validate(store.get_json(day_key(now.date().isoformat())))
    morning = synthetic_day(list(today.components), now.date(), runs=60 * now.hour, hours=now.hour)
    for component, entry in today.components.items():
        entry.latency = {**morning.components[component].latency, **entry.latency}
    today.runs = sorted([*morning.runs, *today.runs])
    put_day_and_hours(store, today)


def put_day_and_hours(store: LocalStore, day: DayRollup) -> None:
    """Store a day whose rollup holds latency by hour (`synthetic_day`'s) as the checker keeps it:
    each hour in its own rollup, with that hour's runs (one a minute), and the day's merged."""
    hours: dict[str, HourRollup] = {}
    for component, entry in day.components.items():
        for key, histogram in entry.latency.items():
            if key != "day":
                hours.setdefault(key, HourRollup(date=day.date, hour=key)).latency[component] = histogram
        entry.latency = {"day": merged(entry.latency.values()).to_json()} if entry.latency else {}
    store.put_json(day_key(day.date.isoformat()), day.model_dump(mode="json"))
    for key, rollup in hours.items():
        rollup.runs = sorted(f"run-{n}" for n in range(60 * int(key), 60 * (int(key) + 1)))
        store.put_json(hour_key(day.date.isoformat(), key), rollup.model_dump(mode="json"))


def main() -> None:
    parser = argparse.ArgumentParser(description=give_history.__doc__)
    parser.add_argument("root", type=Path, help="the site, whose store is ./data")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seeded", type=Path, required=True, help="where the history is made once")
    args = parser.parse_args()
    give_history(args.root, args.days, args.seeded)


if __name__ == "__main__":
    main()
