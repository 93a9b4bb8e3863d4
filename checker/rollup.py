"""Keeping the derived files up to date: one run at a time, or all over again from `runs/`.

Per run (`record_run`), in this order, each step safe to repeat:
1. `state.json`: apply the run (read-modify-write with a conditional put, retried on conflict);
   the run's effects (transitions, segments, samples) are kept in the state for a few runs.
2. the rollup of each day the run touched: add the effects unless the day already lists the run.
3. on the first run of a day (or after the incidents changed): days that are over are folded into
   `rollups/history.json` and `rollups/closed.json` is made again from it.
4. `summary.json` is recomputed from the state, the closed days and today's rollup.
A retried invocation finds its run id in the state, redoes 2–4 with the remembered effects and
reports no transition a second time. `rebuild` replays every run through the same functions.
"""

from __future__ import annotations

import contextlib
import json
from datetime import date, datetime, timedelta

from pydantic import ValidationError

from checker.bundle import Bundle, utc_now
from checker.closed import CLOSED_KEY, ClosedDays, closed_fingerprint, make_closed_days
from checker.daily import (
    HISTORY_KEY,
    DayRollup,
    History,
    apply_effects_to_day,
    day_key,
    fold_open_days,
)
from checker.errors import PreconditionFailed, StoreError
from checker.results import Run
from checker.state import STATE_KEY, RunEffects, State, apply_run, touched_days
from checker.store import LocalStore, Store, StoredObject
from checker.store.base import dump_json
from checker.summary import SUMMARY_KEY, Summary
from checker.summary_build import summary_as_of, summary_bytes

RUNS_PREFIX = "runs/"
ATTEMPTS = 40
"""Conditional-write attempts before giving up; concurrent shards and regions contend here."""


def record_run(bundle: Bundle, store: Store, run: Run, *, now: datetime) -> tuple[RunEffects, State]:
    """Apply a stored run to every derived file and return its effects and the new state."""
    # The models each change made; the last one is what was stored (update_json retries a change
    # on conflict and stops after the write that succeeds).
    captured: list[tuple[State, RunEffects]] = []

    def change_state(data: object) -> object:
        state, effects = apply_run(_state(data), run, bundle)
        captured.append((state, effects))
        return state.model_dump(mode="json")

    store.update_json(STATE_KEY, change_state, attempts=ATTEMPTS)
    state, effects = captured[-1]
    days: dict[str, DayRollup] = {}
    for name in touched_days(effects):
        changed: list[DayRollup] = []

        def change_day(data: object, name: str = name, changed: list[DayRollup] = changed) -> object:
            changed.append(apply_effects_to_day(_day(data, name), effects))
            return changed[-1].model_dump(mode="json")

        store.update_json(day_key(name), change_day, attempts=ATTEMPTS)
        days[name] = changed[-1]
    today = now.date()
    closed, state = _closed_days(bundle, store, state, today)
    state = _prune_once_a_day(bundle, store, state, today)
    open_days = {name: days.get(name) or _day(store.get_json(day_key(name)), name)
                 for name in state.open_days}
    _put_summary_unless_newer(store, summary_bytes(bundle, state, closed, open_days, now=now), now)
    return effects, state


def _closed_days(bundle: Bundle, store: Store, state: State, today: date) -> tuple[ClosedDays, State]:
    """The closed days as of `today`: as stored while they are current, else (once a day, or
    when the incidents or settings changed) the finished days are folded into the history and
    the closed days made again from it."""
    kept = _closed_or_none(store.get(CLOSED_KEY))
    finished = [d for d in state.open_days if d < today.isoformat()]
    if (kept is not None and not finished and kept.as_of == today
            and kept.fingerprint == closed_fingerprint(bundle, today)):
        return kept, state
    history, etag = _fold_history(bundle, store, state, today)
    for _ in range(ATTEMPTS):
        closed = make_closed_days(bundle, history, today)
        store.put_json(CLOSED_KEY, closed.model_dump(mode="json"))
        # A run that folded a late day at the same time may have put closed days made from an
        # older history after ours: whoever finds the history changed since makes them again.
        latest = store.get(HISTORY_KEY)
        if latest is None or latest.etag == etag:
            break
        history, etag = History.model_validate_json(latest.data), latest.etag
        if history.as_of != today.isoformat():
            break  # folded for another day: the runs of that day make their own
    if not finished:
        return closed, state

    def drop_finished(data: object) -> object:
        current = _state(data)
        current.open_days = [d for d in current.open_days if d >= today.isoformat()]
        return current.model_dump(mode="json")

    return closed, _state(store.update_json(STATE_KEY, drop_finished, attempts=ATTEMPTS))


def _closed_or_none(stored: StoredObject | None) -> ClosedDays | None:
    """The stored closed days; None when missing or unreadable (an older format, a damaged
    write): they are a cache of the history, made again in that case."""
    if stored is None:
        return None
    try:
        return ClosedDays.model_validate_json(stored.data)
    except ValidationError:
        return None


def _fold_history(bundle: Bundle, store: Store, state: State, today: date) -> tuple[History, str]:
    """Fold the days of `state` that are over by `today` into the history; the stored history and
    its version tag."""
    for _ in range(ATTEMPTS):
        current = store.get(HISTORY_KEY)
        history = History() if current is None else History.model_validate_json(current.data)
        fold_open_days(state.model_copy(update={"open_days": list(state.open_days)}), history,
                       lambda name: _day_or_none(store.get_json(day_key(name)), name),
                       today=today, bundle=bundle)
        data = dump_json(history.model_dump(mode="json"))
        try:
            if current is None:
                return history, store.put(HISTORY_KEY, data, if_none_match=True)
            return history, store.put(HISTORY_KEY, data, if_match=current.etag)
        except PreconditionFailed:
            continue
    raise StoreError(f"{store.location}/{HISTORY_KEY}: still changing after {ATTEMPTS} attempts")


def _prune_once_a_day(bundle: Bundle, store: Store, state: State, today: date) -> State:
    """Delete raw runs past retention (folder store only; S3 uses a lifecycle rule)."""
    cutoff = (today - timedelta(days=bundle.checker.retention_days)).isoformat()
    if not isinstance(store, LocalStore) or (state.pruned_before or "") >= cutoff:
        return state
    for key in list(store.list(RUNS_PREFIX)):
        if _run_day(key) < cutoff:
            store.delete(key)

    def mark(data: object) -> object:
        current = _state(data)
        current.pruned_before = max(current.pruned_before or "", cutoff)
        return current.model_dump(mode="json")

    return _state(store.update_json(STATE_KEY, mark, attempts=ATTEMPTS))


def _put_summary_unless_newer(store: Store, data: bytes, now: datetime) -> None:
    """Write the summary unless one made later is already there: two runs that finish out of
    order must not put an older picture over a newer one (the page would go backwards)."""
    for _ in range(ATTEMPTS):
        current = store.get(SUMMARY_KEY)
        if current is not None and _generated_at(current.data) > now:
            return
        try:
            if current is None:
                store.put(SUMMARY_KEY, data, if_none_match=True)
            else:
                store.put(SUMMARY_KEY, data, if_match=current.etag)
            return
        except PreconditionFailed:
            continue
    raise StoreError(f"{store.location}/{SUMMARY_KEY}: still changing after {ATTEMPTS} attempts")


def _generated_at(summary: bytes) -> datetime:
    """`generated_at` of a stored summary without parsing it all (it is megabytes for a large
    fleet): keys are sorted, so the top-level one is the last occurrence, after `components`."""
    marker = b'"generated_at":"'
    start = summary.rfind(marker)
    if start >= 0:
        end = summary.find(b'"', start + len(marker))
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(summary[start + len(marker):end].decode())
    return datetime.fromisoformat(json.loads(summary)["generated_at"])


def rebuild(bundle: Bundle, store: Store, *, now: datetime | None = None) -> Summary:
    """Recompute state, rollups, history, closed days and summary from the run objects in `runs/`.

    Days before the first stored run (their raw runs are past retention) keep their rollups as
    they are: rollups are kept forever. A run id stored twice (a retried invocation) counts once,
    from its last object.
    """
    now = now or utc_now()
    runs = load_runs(store)
    # Retention removes the oldest runs, so the days before the first stored run are the ones
    # whose rollups cannot be recomputed: keep those, recompute the rest.
    first_run_day = runs[0].started_at.date().isoformat() if runs else "9999-12-31"
    days: dict[str, DayRollup] = {}
    for key in store.list("rollups/daily/"):
        name = key.rsplit("/", 1)[-1].removesuffix(".json")
        if name < first_run_day:
            kept = _day_or_none(store.get_json(key), name)
            if kept is not None:
                days[name] = kept
    state = State(open_days=sorted(days))
    history = History()
    for run in runs:
        state, effects = apply_run(state, run, bundle)
        for name in touched_days(effects):
            days[name] = apply_effects_to_day(days.get(name) or _day(None, name), effects)
        fold_open_days(state, history, days.get, today=run.started_at.date(), bundle=bundle)
    if runs:
        last_day = runs[-1].started_at.date()
        cutoff = (last_day - timedelta(days=bundle.checker.retention_days)).isoformat()
        state.pruned_before = cutoff if isinstance(store, LocalStore) else None
    closed, data = summary_as_of(bundle, state, history, days, now=now)
    for name, day in sorted(days.items()):
        store.put_json(day_key(name), day.model_dump(mode="json"))
    store.put_json(HISTORY_KEY, history.model_dump(mode="json"))
    store.put_json(CLOSED_KEY, closed.model_dump(mode="json"))
    store.put_json(STATE_KEY, state.model_dump(mode="json"))
    store.put(SUMMARY_KEY, data)
    return Summary.model_validate_json(data)


def load_runs(store: Store) -> list[Run]:
    """Every stored run in time order, one per run id (the last object stored under that id)."""
    by_id: dict[str, tuple[str, Run]] = {}
    for key in store.list(RUNS_PREFIX):
        data = store.get_json(key)
        if data is None:
            continue
        run = Run.model_validate(data)
        by_id[run.id] = (key, run)
    return [run for _, run in sorted(by_id.values(), key=lambda item: item[0])]


def _run_day(key: str) -> str:
    # runs/YYYY/MM/DD/HHMMSS-…
    parts = key.split("/")
    return "-".join(parts[1:4]) if len(parts) >= 5 else "9999-99-99"


def _state(data: object) -> State:
    return State() if data is None else State.model_validate(data)


def _day(data: object, name: str) -> DayRollup:
    return DayRollup(date=date.fromisoformat(name)) if data is None else DayRollup.model_validate(data)


def _day_or_none(data: object, name: str) -> DayRollup | None:
    return None if data is None else _day(data, name)


