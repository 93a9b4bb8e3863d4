"""Recomputing every derived file from the run objects in `runs/` (`statusgen rollup --rebuild`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from checker.bundle import Bundle, utc_now
from checker.derived.closed import CLOSED_KEY
from checker.derived.daily import (
    HOURLY_DAYS,
    HOURLY_PREFIX,
    DayRollup,
    HourRollup,
    apply_effects_to_day,
    apply_samples_to_hour,
    day_key,
    hour_key,
    sample_hours,
    with_hours,
)
from checker.derived.history import HISTORY_KEY, History, fold_open_days, history_json
from checker.derived.parse import day_rollup, day_rollup_or_none, stored_hours
from checker.derived.state import STATE_KEY, State, touched_days
from checker.derived.stored_runs import load_runs
from checker.derived.summary_build import summary_as_of
from checker.derived.timeline import apply_run
from checker.errors import DamagedFile
from checker.fanout import PartStore, part_bundle, parts_summary
from checker.store import Store
from checker.summary import SUMMARY_KEY, Summary, load_summary


def rebuild(bundle: Bundle, store: Store, *, now: datetime | None = None, warnings: list[str] | None = None) -> Summary:
    """Recompute state, rollups, history, closed days and summary from the run objects in `runs/`.

    Runs are applied in canonical order (see `checker.derived.timeline.position`), whatever order they
    were stored in. Days before the first stored run (their raw runs are past retention) keep
    their rollups and hour rollups as they are: rollups are kept forever. A run id stored twice
    (a retried invocation) counts once, from its last object. An object under `runs/` that is not
    a run is moved to `runs-quarantine/` and named in `warnings`.
    """
    notes = warnings if warnings is not None else []
    now = now or utc_now()
    if bundle.checker.shards > 1:
        return _rebuild_parts(bundle, store, now=now, warnings=notes)
    runs = load_runs(store, notes)
    # Retention removes the oldest runs, so the days before the first stored run are the ones
    # whose rollups cannot be recomputed: keep those, recompute the rest.
    first_run_day = min((r.started_at.date().isoformat() for r in runs), default="9999-12-31")
    days: dict[str, DayRollup] = {}
    for key in store.list("rollups/daily/"):
        name = key.rsplit("/", 1)[-1].removesuffix(".json")
        if name < first_run_day:
            try:
                kept = day_rollup_or_none(store.get(key), name)
            except DamagedFile as problem:
                notes.append(f"{problem}; its raw runs are past retention, so the day counts as no data")
                continue
            if kept is not None:
                days[name] = kept
    state = State(open_days=sorted(days))
    history = History()
    # The kept days are folded by the first run (or at `now`): only the last HOURLY_DAYS before
    # it keep their latency by hour in the history, so only their hour rollups are read.
    hourly_from = (min(date.fromisoformat(first_run_day), now.date()) - timedelta(days=HOURLY_DAYS)).isoformat()
    hours: dict[str, list[HourRollup]] = {name: stored_hours(store, name) for name in days if name >= hourly_from}
    made: dict[tuple[str, str], HourRollup] = {}

    def with_its_hours(name: str) -> DayRollup | None:
        return with_hours(days.get(name), hours.get(name, []))

    for run in runs:
        state, effects = apply_run(state, run, bundle)
        for name in touched_days(effects):
            days[name] = apply_effects_to_day(days.get(name) or day_rollup(None, name), effects)
        for name, hour in sample_hours(effects):
            if (name, hour) not in made:
                made[name, hour] = HourRollup(date=date.fromisoformat(name), hour=hour)
                hours.setdefault(name, []).append(made[name, hour])
            apply_samples_to_hour(made[name, hour], effects)
        fold_open_days(state, history, with_its_hours, today=run.started_at.date(), bundle=bundle)
    closed, data = summary_as_of(bundle, state, history, days, hours, now=now)
    for name, day in sorted(days.items()):
        store.put_json(day_key(name), day.model_dump(mode="json"))
    for (name, hour), rollup in sorted(made.items()):
        store.put_json(hour_key(name, hour), rollup.model_dump(mode="json"))
    for key in store.list(HOURLY_PREFIX):
        # An hour whose runs are all gone (moved aside as unreadable) holds nothing now: made
        # empty rather than deleted, which the checker may not do.
        name, hour = key.removeprefix(HOURLY_PREFIX).removesuffix(".json").split("/", 1)
        if name >= first_run_day and (name, hour) not in made:
            store.put_json(key, HourRollup(date=date.fromisoformat(name), hour=hour).model_dump(mode="json"))
    store.put(HISTORY_KEY, history_json(history))
    store.put_json(CLOSED_KEY, closed.model_dump(mode="json"))
    store.put_json(STATE_KEY, state.model_dump(mode="json"))
    store.put(SUMMARY_KEY, data)
    return Summary.model_validate_json(data)


def _rebuild_parts(bundle: Bundle, store: Store, *, now: datetime, warnings: list[str]) -> Summary:
    """`rebuild` of a sharded store: each part from its own runs, then the `summary.json` that
    names the parts (see checker.fanout)."""
    count = bundle.checker.shards
    for index in range(count):
        rebuild(part_bundle(bundle, index, count), PartStore(store, index, count), now=now, warnings=warnings)
    store.put(SUMMARY_KEY, parts_summary(bundle))
    summary = load_summary(store)
    assert summary is not None  # just written
    return summary
