"""Keeping the derived files up to date, one run at a time (all over again from `runs/`: checker.rebuild).

Per run (`record_run`), in this order, each step safe to repeat:
1. `state.json`: apply the run (read-modify-write with a conditional put, retried on conflict);
   the run's effects (transitions, segments, samples) are kept in the state for a few runs.
2. the rollup of each day the run touched: add the effects unless the day already lists the run;
   first the rollups of the hours its samples lie in, each unless it lists the run, so a day that
   lists a run has its latency in every hour rollup too.
3. on the first run of a day (or after the incidents changed): days that are over are folded into
   `rollups/history.json` and `rollups/closed.json` is made again from it.
4. `summary.json` is recomputed from the state, the closed days and today's rollup.
A retried invocation finds its run id in the state, redoes 2–4 with the remembered effects and
reports no transition a second time. `rebuild` replays every run through the same functions; the
run objects themselves are found, loaded and pruned in checker.derived.stored_runs.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from typing import NamedTuple

from pydantic import ValidationError

from checker.bundle import Bundle
from checker.derived.closed import CLOSED_KEY, ClosedDays, closed_fingerprint, make_closed_days
from checker.derived.daily import (
    DayRollup,
    apply_effects_to_day,
    apply_samples_to_hour,
    day_key,
    hour_key,
    sample_hours,
)
from checker.derived.history import HISTORY_KEY, History, fold_open_days, history_json
from checker.derived.parse import (
    day_rollup,
    hour_rollup,
    parse_stored,
    parse_stored_history,
    read_stored,
    stored_day_with_hours,
)
from checker.derived.rebuild import rebuild
from checker.derived.state import STATE_KEY, RunEffects, SampleFact, State, touched_days
from checker.derived.stored_runs import prune_runs, unapplied_runs
from checker.derived.summary_build import summary_bytes
from checker.derived.timeline import CLOCK_STEP, apply_run, position
from checker.errors import DamagedFile, PreconditionFailed, StoreError, TooLate
from checker.results import Run
from checker.store import Store, StoredObject
from checker.store.base import dump_json
from checker.summary import SUMMARY_KEY

ATTEMPTS = 40
"""Conditional-write attempts before giving up; concurrent shards and regions contend here."""


class ReadState(NamedTuple):
    """`state.json` as a caller read it before the run was recorded (None: there was none) and
    its parse (None: none, or unreadable). Recording starts from it instead of reading and
    parsing it again; its first write is conditional on that version, so a state another run
    wrote meanwhile is read again then."""

    stored: StoredObject | None
    state: State | None


def record_run(
    bundle: Bundle,
    store: Store,
    run: Run,
    *,
    now: datetime,
    warnings: list[str] | None = None,
    read: ReadState | None = None,
) -> tuple[RunEffects, State]:
    """Apply a stored run, and any stored run the state lacks, to every derived file; return the
    run's effects and the new state. Problems the run got past (a damaged file rebuilt, a run
    object moved aside) are appended to `warnings`, one line each."""
    notes = warnings if warnings is not None else []
    try:
        return _record(bundle, store, run, now=now, notes=notes, read=read)
    except (DamagedFile, TooLate) as problem:
        notes.append(f"{problem}; rebuilt the derived files from runs/")
    rebuild(bundle, store, now=now, warnings=notes)
    state = read_stored(store, STATE_KEY, State) or State()
    return state.effects_of(run.id) or RunEffects.none_yet(run), state


def _record(
    bundle: Bundle, store: Store, run: Run, *, now: datetime, notes: list[str], read: ReadState | None
) -> tuple[RunEffects, State]:
    # 1. The state: this run, and the stored runs it lacks (a killed run, a lost answer, a late
    # region), in canonical order. A conditional write; on conflict, read and apply again.
    stored = read.stored if read is not None else store.get(STATE_KEY)
    parsed = read.state if read is not None and read.state is not None else parse_stored(stored, STATE_KEY, State)
    missing = unapplied_runs(store, parsed, run, notes)
    for _ in range(ATTEMPTS):
        state = parsed or State()
        recorded = [apply_run(state, pending, bundle)[1] for pending in sorted([run, *missing], key=position)]
        data = dump_json(state.model_dump(mode="json"))
        try:
            store.put_over(STATE_KEY, data, stored)
            break
        except PreconditionFailed:
            stored = store.get(STATE_KEY)
            parsed = parse_stored(stored, STATE_KEY, State)
    else:
        raise StoreError(f"{store.location}/{STATE_KEY}: still changing after {ATTEMPTS} attempts")
    effects = next(e for e in recorded if e.run_id == run.id)
    # 2. The rollup of each day these runs touched, and of each day a recent run touched but
    # whose rollup lacks it (its process stopped after writing the state).
    days = _update_days(bundle, store, state, recorded)
    today = now.date()
    closed, folded = _closed_days(bundle, store, state, today)
    if folded is not state:  # the days folded were dropped from the state
        state, data = folded, dump_json(folded.model_dump(mode="json"))
    # 3. The summary, from the state and the open days (which now hold every run of the state).
    # An overlapping run may have written a newer state meanwhile: then the days are brought up
    # to it and the summary is made again, before anything is put (see _put_summary).
    for _ in range(ATTEMPTS):
        open_days = {name: days.get(name) or day_rollup(store.get(day_key(name)), name) for name in state.open_days}
        newer = _put_summary(store, summary_bytes(bundle, state, closed, open_days, now=now), now, made_from=data)
        if newer is None:
            break
        state, data = parse_stored(newer, STATE_KEY, State) or state, newer.data
        days = _update_days(bundle, store, state, [])
    return effects, state


def _update_days(bundle: Bundle, store: Store, state: State, recorded: list[RunEffects]) -> dict[str, DayRollup]:
    """Add the effects to the rollups of the days they touch (each run once per day)."""
    checked = {c.id for c in bundle.components if c.check is not None}
    order = {entry.split(" ", 2)[2]: entry for entry in state.applied}
    effects = {e.run_id: e for e in state.recent} | {e.run_id: e for e in recorded}
    by_day: dict[str, list[RunEffects]] = {}
    fresh = {e.run_id for e in recorded}
    for item in sorted(effects.values(), key=lambda e: order.get(e.run_id, "")):
        for name in {*touched_days(item), item.at.date().isoformat()}:
            # A remembered run is looked for in the days still open only (usually today's).
            if item.run_id in fresh or name in state.open_days:
                by_day.setdefault(name, []).append(item)
    with_samples: dict[str, RunEffects] = {e.run_id: e for e in recorded}
    days: dict[str, DayRollup] = {}
    for name, relevant in sorted(by_day.items()):
        days[name] = _add_to_day(store, name, relevant, with_samples, checked)
    return days


def _add_to_day(
    store: Store, name: str, relevant: list[RunEffects], with_samples: dict[str, RunEffects], checked: set[str]
) -> DayRollup:
    """The rollup of day `name` with every run in `relevant` counted once: read and parsed once
    (it is the largest file a run writes), written only if a run was missing, conditionally on
    the version read; on conflict read again."""
    key = day_key(name)
    stored = store.get(key)
    for _ in range(ATTEMPTS):
        day = day_rollup(stored, name)
        if all(item.run_id in day.runs for item in relevant):
            return day
        missing = [item for item in relevant if item.run_id not in day.runs]
        for item in missing:
            if item.run_id not in with_samples:
                # A remembered run whose rollup write never happened: its samples are in its run object.
                with_samples[item.run_id] = _remembered_with_samples(store, item, checked)
        _add_to_hours(store, name, [with_samples[item.run_id] for item in missing])
        behind = False
        for item in relevant:
            # A run counted now, before runs the day already holds (it was placed late and its
            # process stopped before this write): their stretches are painted again after it.
            behind = behind or item.run_id not in day.runs
            apply_effects_to_day(day, with_samples.get(item.run_id, item), repaint=behind)
        try:
            store.put_over(key, dump_json(day.model_dump(mode="json")), stored)
            return day
        except PreconditionFailed:
            stored = store.get(key)
    raise StoreError(f"{store.location}/{key}: still changing after {ATTEMPTS} attempts")


def _add_to_hours(store: Store, name: str, runs: list[RunEffects]) -> None:
    """Add the runs' samples on day `name` to the rollups of the hours they lie in, each run once."""
    hours_of = {run.run_id: sample_hours(run) for run in runs}
    for day, hour in sorted(set().union(*hours_of.values())):
        if day != name:
            continue
        key = hour_key(day, hour)
        stored = store.get(key)
        for _ in range(ATTEMPTS):
            rollup = hour_rollup(stored, day, hour)
            if all(run.run_id in rollup.runs for run in runs if (day, hour) in hours_of[run.run_id]):
                break
            for run in runs:
                apply_samples_to_hour(rollup, run)
            try:
                store.put_over(key, dump_json(rollup.model_dump(mode="json")), stored)
                break
            except PreconditionFailed:
                stored = store.get(key)
        else:
            raise StoreError(f"{store.location}/{key}: still changing after {ATTEMPTS} attempts")


def _remembered_with_samples(store: Store, effects: RunEffects, checked: set[str]) -> RunEffects:
    key = Run(id=effects.run_id, region=effects.region, started_at=effects.at, finished_at=effects.at, samples=[]).key
    stored = store.get(key)
    if stored is None or effects.offline:
        return effects
    run = Run.model_validate_json(stored.data)
    return effects.model_copy(
        update={
            "samples": [
                SampleFact(component=s.component, status=s.status, at=s.at, latency_ms=s.latency_ms)
                for s in run.samples
                if s.component in checked
            ]
        }
    )


def _closed_days(bundle: Bundle, store: Store, state: State, today: date) -> tuple[ClosedDays, State]:
    """The closed days as of `today`: as stored while they are current, else (once a day, or
    when the incidents or settings changed) the finished days are folded into the history and
    the closed days made again from it."""
    kept = _closed_or_none(store.get(CLOSED_KEY))
    finished = [d for d in state.open_days if d < today.isoformat()]
    if (
        kept is not None
        and not finished
        and kept.as_of == today
        and kept.fingerprint == closed_fingerprint(bundle, today)
    ):
        return kept, state
    history, etag, with_reopened = _fold_history(bundle, store, state, today)
    for _ in range(ATTEMPTS):
        closed = make_closed_days(bundle, history, today)
        store.put_json(CLOSED_KEY, closed.model_dump(mode="json"))
        # A run that folded a late day at the same time may have put closed days made from an
        # older history after ours: whoever finds the history changed since makes them again.
        latest = store.get(HISTORY_KEY)
        if latest is None or latest.etag == etag:
            break
        history, etag = parse_stored_history(latest) or History(), latest.etag
        if history.as_of != today.isoformat():
            break  # folded for another day: the runs of that day make their own
    if not finished:
        return closed, with_reopened or state
    prune_runs(bundle, store, today)

    def drop_finished(data: object) -> object:
        current = _state_data(data)
        current.open_days = [d for d in current.open_days if d >= today.isoformat()]
        return current.model_dump(mode="json")

    return closed, _state_data(store.update_json(STATE_KEY, drop_finished, attempts=ATTEMPTS))


def _closed_or_none(stored: StoredObject | None) -> ClosedDays | None:
    """The stored closed days; None when missing or unreadable (an older format, a damaged
    write): they are a cache of the history, made again in that case."""
    if stored is None:
        return None
    try:
        return ClosedDays.model_validate_json(stored.data)
    except ValidationError:
        return None


def _fold_history(bundle: Bundle, store: Store, state: State, today: date) -> tuple[History, str, State | None]:
    """Fold the days of `state` that are over by `today` into the history; the stored history,
    its version tag, and the state as stored when the fold gave days back as not over yet (see
    fold_open_days), else None."""
    for _ in range(ATTEMPTS):
        current = store.get(HISTORY_KEY)
        history = parse_stored_history(current) or History()
        folded = state.model_copy(update={"open_days": list(state.open_days)})
        fold_open_days(
            folded,
            history,
            lambda name: stored_day_with_hours(store, name),
            today=today,
            bundle=bundle,
        )
        reopened = [d for d in folded.open_days if d not in state.open_days]
        # Open again in the state before they leave the history: a checker stopped between the
        # two writes must leave them in one or the other, never in neither.
        with_reopened = (
            _state_data(store.update_json(STATE_KEY, functools.partial(_with_open_days, reopened), attempts=ATTEMPTS))
            if reopened
            else None
        )
        try:
            return history, store.put_over(HISTORY_KEY, history_json(history), current), with_reopened
        except PreconditionFailed:
            continue
    raise StoreError(f"{store.location}/{HISTORY_KEY}: still changing after {ATTEMPTS} attempts")


def _put_summary(store: Store, data: bytes, now: datetime, *, made_from: bytes) -> StoredObject | None:
    """Put the summary made from the state `made_from`, unless that is no longer the stored state
    (the newer state is returned, to make the summary again) or a summary made a little later is
    already there (two runs that finish out of order must not put an older picture over a newer
    one). A summary dated further ahead than CLOCK_STEP came from a clock that was wrong: replaced.

    The state is read after the summary it replaces, and the put is conditional on that summary:
    a run that wrote a newer state either puts its summary after ours or makes our put fail, so
    the stored summary never goes back to an older state, not even for a moment."""
    for _ in range(ATTEMPTS):
        current = store.get(SUMMARY_KEY)
        if current is not None:
            made = _generated_at(current.data)
            if made is not None and now < made <= now + timedelta(seconds=CLOCK_STEP):
                return None
        state = store.get(STATE_KEY)
        if state is not None and state.data != made_from:
            return state
        try:
            store.put_over(SUMMARY_KEY, data, current)
            return None
        except PreconditionFailed:
            continue
    raise StoreError(f"{store.location}/{SUMMARY_KEY}: still changing after {ATTEMPTS} attempts")


def _generated_at(summary: bytes) -> datetime | None:
    """`generated_at` of a stored summary without parsing it all (it is megabytes for a large
    fleet): keys are sorted, so the top-level one is the last occurrence, after `components`.
    None when the file is damaged (it is replaced)."""
    marker = b'"generated_at":"'
    start = summary.rfind(marker)
    if start < 0:
        return None
    end = summary.find(b'"', start + len(marker))
    try:
        return datetime.fromisoformat(summary[start + len(marker) : end].decode())
    except (ValueError, UnicodeDecodeError):
        return None


def _with_open_days(days: list[str], data: object) -> object:
    current = _state_data(data)
    current.open_days = sorted({*current.open_days, *days})
    return current.model_dump(mode="json")


def _state_data(data: object) -> State:
    return State() if data is None else State.model_validate(data)
