"""Benchmark: the per-run store update must not grow with the length of the history.

For 100 components, builds stores holding 1 to 365 days of history (the daily rollups are
synthesised — a few status segments and hourly latency histograms per component per day — and
folded into the history by the checker's own code, which also makes `rollups/closed.json`), then
times `record_run` (state, the day's rollup, summary) for a run at 12:00 with 720 runs already in
the day. A run reads the closed days' figures and today's rollup, never the history, so the time
stops growing once the 90-day window and the 12 months of monthly figures are full; before that
it is lower only because they have less in them (null bars, no histograms to merge). Also times
the first run of a day, which folds yesterday into the history and makes the closed days again,
and the summary alone for 100 components with 90 days of data. Prints medians.

    python bench/rollup_scale.py [--repeat 7] [--days 1 30 92 120 365]
    BENCH_COMPONENTS=1000 python bench/rollup_scale.py --days 92   # a large fleet (slow to set up)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from seeded_history import put_day_and_hours, seed_history, synthetic_day  # bench/

from checker.bundle import Bundle
from checker.derived.closed import CLOSED_KEY, ClosedDays
from checker.derived.daily import DayRollup, day_key
from checker.derived.rollup import record_run
from checker.derived.state import STATE_KEY, ComponentState, State
from checker.derived.summary_build import summary_bytes
from checker.results import Run, Sample
from checker.store import LocalStore

COMPONENTS = int(os.environ.get("BENCH_COMPONENTS", "100"))
TODAY = date(2026, 11, 20)
NOON = datetime(2026, 11, 20, 12, tzinfo=UTC)


def bundle() -> Bundle:
    return Bundle.model_validate(
        {
            "site": {"name": "Bench"},
            "checker": {"interval": 60},
            "components": [
                {"id": f"c{i}", "name": f"C{i}", "check": {"type": "http", "url": f"http://127.0.0.1:9/{i}"}}
                for i in range(COMPONENTS)
            ],
            "incidents": [],
        }
    )


def prepared_store(history_days: int) -> LocalStore:
    store = LocalStore(tempfile.mkdtemp(prefix="statusgen-bench-"))
    plan = bundle()
    seed_history(store, plan, days=history_days, today=TODAY)
    ids = [c.id for c in plan.components]
    put_day_and_hours(store, synthetic_day(ids, TODAY, runs=720, hours=12))
    # The morning's 720 one-minute runs, as the state remembers them (canonical positions).
    morning = [NOON - timedelta(minutes=720 - n) for n in range(720)]
    state = State(
        open_days=[TODAY.isoformat()],
        sequence=720,
        applied=[f"{n + 1:012d} {at:%Y-%m-%dT%H:%M:%S.%f} run-{n}" for n, at in enumerate(morning)],
    )
    for i in range(COMPONENTS):
        state.components[f"c{i}"] = ComponentState(
            status="operational",
            since=NOON - timedelta(days=1),
            evaluated_at=NOON,
            last_checked_at=NOON,
            last_latency_ms=50.0,
        )
    store.put_json(STATE_KEY, state.model_dump(mode="json"))
    return store


def run_at(at: datetime, name: str) -> Run:
    return Run(
        id=name,
        region="local",
        started_at=at,
        finished_at=at,
        sequence=721,
        samples=[Sample(component=f"c{i}", status="up", at=at, latency_ms=50.0) for i in range(COMPONENTS)],
    )


def time_record_run(history_days: int, repeat: int) -> float:
    store = prepared_store(history_days)
    plan = bundle()
    times = []
    for n in range(1, repeat + 1):
        at = NOON + timedelta(minutes=n)
        run = run_at(at, f"bench-{n}")
        started = time.perf_counter()
        record_run(plan, store, run, now=at)
        times.append(time.perf_counter() - started)
    shutil.rmtree(store.root)
    return statistics.median(times)


def time_first_run_of_day(history_days: int, repeat: int) -> float:
    """A run just after midnight: folds yesterday into the history, makes the closed days again."""
    prepared = prepared_store(history_days)
    plan = bundle()
    times = []
    for n in range(repeat):
        store = LocalStore(tempfile.mkdtemp(prefix="statusgen-bench-"))
        shutil.copytree(prepared.root, store.root, dirs_exist_ok=True)
        at = datetime.combine(TODAY + timedelta(days=1), datetime.min.time(), UTC) + timedelta(minutes=1)
        started = time.perf_counter()
        record_run(plan, store, run_at(at, f"midnight-{n}"), now=at)
        times.append(time.perf_counter() - started)
        shutil.rmtree(store.root)
    shutil.rmtree(prepared.root)
    return statistics.median(times)


def time_summary(repeat: int) -> float:
    store = prepared_store(91)
    plan = bundle()
    state = State.model_validate(store.get_json(STATE_KEY))
    closed = ClosedDays.model_validate(store.get_json(CLOSED_KEY))
    today = DayRollup.model_validate(store.get_json(day_key(TODAY.isoformat())))
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        summary_bytes(plan, state, closed, {TODAY.isoformat(): today}, now=NOON)
        times.append(time.perf_counter() - started)
    shutil.rmtree(store.root)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--days", type=int, nargs="+", default=[1, 30, 92, 120, 365], help="lengths of history to time a run with"
    )
    args = parser.parse_args()
    for days in args.days:
        median = time_record_run(days, args.repeat)
        print(
            f"per-run store update, {COMPONENTS} components, {days:>3} days of history: "
            f"median {median * 1000:.0f} ms over {args.repeat} runs"
        )
    longest = max(args.days)
    median = time_first_run_of_day(longest, args.repeat)
    print(
        f"first run of a day (fold, closed days made again), {COMPONENTS} components, "
        f"{longest} days: median {median * 1000:.0f} ms over {args.repeat} runs"
    )
    print(
        f"summary computation, {COMPONENTS} components x 90 days: "
        f"median {time_summary(args.repeat) * 1000:.0f} ms over {args.repeat} runs"
    )


if __name__ == "__main__":
    main()
