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

from datetime import date, datetime, timedelta
from typing import TypeVar

from pydantic import BaseModel, ValidationError

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
from checker.fanout import PART_RUNS_PREFIX, PartStore, part_bundle, parts_summary
from checker.results import Run
from checker.state import (
    CLOCK_STEP,
    STATE_KEY,
    RunEffects,
    SampleFact,
    State,
    TooLate,
    apply_run,
    position,
    touched_days,
)
from checker.store import LocalStore, Store, StoredObject
from checker.store.base import dump_json
from checker.summary import SUMMARY_KEY, Summary, load_summary
from checker.summary_build import summary_as_of, summary_bytes

RUNS_PREFIX = "runs/"
QUARANTINE_PREFIX = "runs-quarantine/"
"""Where objects found under `runs/` that are not runs are moved: kept for a person to look at,
never counted."""
ATTEMPTS = 40
"""Conditional-write attempts before giving up; concurrent shards and regions contend here."""


def record_run(bundle: Bundle, store: Store, run: Run, *, now: datetime,
               warnings: list[str] | None = None) -> tuple[RunEffects, State]:
    """Apply a stored run, and any stored run the state lacks, to every derived file; return the
    run's effects and the new state. Problems the run got past (a damaged file rebuilt, a run
    object moved aside) are appended to `warnings`, one line each."""
    notes = warnings if warnings is not None else []
    try:
        return _record(bundle, store, run, now=now, notes=notes)
    except (DamagedFile, TooLate) as problem:
        notes.append(f"{problem}; rebuilt the derived files from runs/")
    rebuild(bundle, store, now=now, warnings=notes)
    state = _read(store, STATE_KEY, State) or State()
    effects = state.effects_of(run.id) or RunEffects(
        run_id=run.id, region=run.region, at=run.started_at, offline=run.offline,
        transitions=[], samples=[], segments=[])
    return effects, state


class DamagedFile(StoreError):
    """A derived file that cannot be read: it is made again from `runs/`."""


def _record(bundle: Bundle, store: Store, run: Run, *, now: datetime,
            notes: list[str]) -> tuple[RunEffects, State]:
    # 1. The state: this run, and the stored runs it lacks (a killed run, a lost answer, a late
    # region), in canonical order. A conditional write; on conflict, read and apply again.
    stored = store.get(STATE_KEY)
    missing = _unapplied_runs(store, _parse(stored, STATE_KEY, State), run, notes)
    for _ in range(ATTEMPTS):
        state = _parse(stored, STATE_KEY, State) or State()
        recorded = [apply_run(state, pending, bundle)[1]
                    for pending in sorted([run, *missing], key=position)]
        data = dump_json(state.model_dump(mode="json"))
        try:
            store.put_over(STATE_KEY, data, stored)
            break
        except PreconditionFailed:
            stored = store.get(STATE_KEY)
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
        open_days = {name: days.get(name) or _day(store.get(day_key(name)), name) for name in state.open_days}
        newer = _put_summary(store, summary_bytes(bundle, state, closed, open_days, now=now), now, made_from=data)
        if newer is None:
            break
        state, data = _parse(newer, STATE_KEY, State) or state, newer.data
        days = _update_days(bundle, store, state, [])
    return effects, state


def _unapplied_runs(store: Store, state: State | None, run: Run, notes: list[str]) -> list[Run]:
    """Stored runs of the days the state remembers (and today's) that it has not applied; every
    stored run when there is no state (a new store, whose first runs may be recording at the same
    moment, or a lost state): they are applied through the same conditional writes as any run."""
    ids = {run.id}
    if state is None:
        keys = [key for key in store.list(RUNS_PREFIX) if not key.startswith(PART_RUNS_PREFIX)]
    else:
        ids |= state.applied_ids()
        times = [entry.split(" ", 2)[1] for entry in state.applied]
        oldest = min(times, default=run.started_at.strftime("%Y-%m-%dT%H:%M:%S"))[:19]
        days = {t[:10] for t in times} | {run.started_at.date().isoformat()}
        keys = [key for day in sorted(days) for key in store.list(f"{RUNS_PREFIX}{day.replace('-', '/')}/")
                if _key_time(key) >= oldest]
    found: list[Run] = []
    for key in keys:
        if _key_run_id(key, ids) is None:
            loaded = _load_run(store, key, notes)
            if loaded is not None and loaded.id not in ids:
                found.append(loaded)
    return found


def _key_time(key: str) -> str:
    """`YYYY-MM-DDTHH:MM:SS` of a run key (`runs/YYYY/MM/DD/HHMMSS-…`)."""
    parts = key.split("/")
    if len(parts) < 5 or len(parts[4]) < 6:
        return ""
    clock = parts[4][:6]
    return f"{parts[1]}-{parts[2]}-{parts[3]}T{clock[:2]}:{clock[2:4]}:{clock[4:6]}"


def _key_run_id(key: str, ids: set[str]) -> str | None:
    """Which of `ids` the key (`…/HHMMSS-<region>-<id>.json`) belongs to, if any (regions and
    ids may both hold dashes, so every split is tried)."""
    rest = key.rsplit("/", 1)[-1].removesuffix(".json")[7:]
    for index, char in enumerate(rest):
        if char == "-" and rest[index + 1:] in ids:
            return rest[index + 1:]
    return None


def _load_run(store: Store, key: str, notes: list[str]) -> Run | None:
    """The run stored at `key`; an object that is not a run is moved to `runs-quarantine/` (kept,
    never counted) and named in `notes`."""
    stored = store.get(key)
    if stored is None:
        return None
    try:
        return Run.model_validate_json(stored.data)
    except ValidationError as error:
        reason = error.errors()[0]["msg"] if error.errors() else "not a run"
    aside = QUARANTINE_PREFIX + key.removeprefix(RUNS_PREFIX)
    store.put(aside, stored.data)
    store.delete(key)
    notes.append(f"{store.location}/{key}: not a readable run ({reason}); moved to {aside}")
    return None


def _update_days(bundle: Bundle, store: Store, state: State,
                 recorded: list[RunEffects]) -> dict[str, DayRollup]:
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
        current = _day(store.get(day_key(name)), name)
        if all(item.run_id in current.runs for item in relevant):
            days[name] = current
            continue
        # A remembered run whose rollup write never happened: its samples are in its run object.
        for item in relevant:
            if item.run_id not in current.runs and item.run_id not in with_samples:
                with_samples[item.run_id] = _remembered_with_samples(store, item, checked)
        changed: list[DayRollup] = []

        def change(data: object, name: str = name, relevant: list[RunEffects] = relevant,
                   changed: list[DayRollup] = changed) -> object:
            day = _day_data(data, name)
            behind = False
            for item in relevant:
                # A run counted now, before runs the day already holds (it was placed late and its
                # process stopped before this write): their stretches are painted again after it.
                behind = behind or item.run_id not in day.runs
                apply_effects_to_day(day, with_samples.get(item.run_id, item), repaint=behind)
            changed.append(day)
            return day.model_dump(mode="json")

        store.update_json(day_key(name), change, attempts=ATTEMPTS)
        days[name] = changed[-1]
    return days


def _remembered_with_samples(store: Store, effects: RunEffects, checked: set[str]) -> RunEffects:
    key = Run(id=effects.run_id, region=effects.region, started_at=effects.at,
              finished_at=effects.at, samples=[]).key
    stored = store.get(key)
    if stored is None or effects.offline:
        return effects
    run = Run.model_validate_json(stored.data)
    return effects.model_copy(update={"samples": [
        SampleFact(component=s.component, status=s.status, at=s.at, latency_ms=s.latency_ms)
        for s in run.samples if s.component in checked]})


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
        history, etag = _parse(latest, HISTORY_KEY, History) or History(), latest.etag
        if history.as_of != today.isoformat():
            break  # folded for another day: the runs of that day make their own
    if not finished:
        return closed, state
    _prune(bundle, store, today)

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


def _fold_history(bundle: Bundle, store: Store, state: State, today: date) -> tuple[History, str]:
    """Fold the days of `state` that are over by `today` into the history; the stored history and
    its version tag."""
    for _ in range(ATTEMPTS):
        current = store.get(HISTORY_KEY)
        history = _parse(current, HISTORY_KEY, History) or History()
        fold_open_days(state.model_copy(update={"open_days": list(state.open_days)}), history,
                       lambda name: _day_or_none(store.get(day_key(name)), name),
                       today=today, bundle=bundle)
        data = dump_json(history.model_dump(mode="json"))
        try:
            return history, store.put_over(HISTORY_KEY, data, current)
        except PreconditionFailed:
            continue
    raise StoreError(f"{store.location}/{HISTORY_KEY}: still changing after {ATTEMPTS} attempts")


def _prune(bundle: Bundle, store: Store, today: date) -> None:
    """Delete raw runs past retention (folder store only; S3 uses a lifecycle rule), once a day.

    Never on one clock's say-so: a day's runs go only when they are older than retention by
    this run's clock *and* runs are stored on at least `retention_days` later days, so a run
    whose clock is far ahead deletes nothing.
    """
    if not isinstance(store, LocalStore):
        return
    retention = bundle.checker.retention_days
    cutoff = (today - timedelta(days=retention)).isoformat()
    by_day: dict[str, list[str]] = {}
    for key in store.list(RUNS_PREFIX):
        by_day.setdefault(_run_day(key), []).append(key)
    stored_days = sorted(by_day)
    for index, day in enumerate(stored_days):
        if day < cutoff and len(stored_days) - index - 1 >= retention:
            for key in by_day[day]:
                store.delete(key)


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
        return datetime.fromisoformat(summary[start + len(marker):end].decode())
    except (ValueError, UnicodeDecodeError):
        return None


def rebuild(bundle: Bundle, store: Store, *, now: datetime | None = None,
            warnings: list[str] | None = None) -> Summary:
    """Recompute state, rollups, history, closed days and summary from the run objects in `runs/`.

    Runs are applied in canonical order (see `checker.state.position`), whatever order they
    were stored in. Days before the first stored run (their raw runs are past retention) keep
    their rollups as they are: rollups are kept forever. A run id stored twice (a retried
    invocation) counts once, from its last object. An object under `runs/` that is not a run is
    moved to `runs-quarantine/` and named in `warnings`.
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
                kept = _day_or_none(store.get(key), name)
            except DamagedFile as problem:
                notes.append(f"{problem}; its raw runs are past retention, so the day counts as no data")
                continue
            if kept is not None:
                days[name] = kept
    state = State(open_days=sorted(days))
    history = History()
    for run in runs:
        state, effects = apply_run(state, run, bundle)
        for name in touched_days(effects):
            days[name] = apply_effects_to_day(days.get(name) or _day(None, name), effects)
        fold_open_days(state, history, days.get, today=run.started_at.date(), bundle=bundle)
    closed, data = summary_as_of(bundle, state, history, days, now=now)
    for name, day in sorted(days.items()):
        store.put_json(day_key(name), day.model_dump(mode="json"))
    store.put_json(HISTORY_KEY, history.model_dump(mode="json"))
    store.put_json(CLOSED_KEY, closed.model_dump(mode="json"))
    store.put_json(STATE_KEY, state.model_dump(mode="json"))
    store.put(SUMMARY_KEY, data)
    return Summary.model_validate_json(data)


def _rebuild_parts(bundle: Bundle, store: Store, *, now: datetime, warnings: list[str]) -> Summary:
    """`rebuild` of a sharded store: each part from its own runs, then the `summary.json` that
    names the parts (see checker.fanout)."""
    count = bundle.checker.shards
    for index in range(count):
        rebuild(part_bundle(bundle, index, count), PartStore(store, index, count), now=now,
                warnings=warnings)
    store.put(SUMMARY_KEY, parts_summary(bundle))
    summary = load_summary(store)
    assert summary is not None  # just written
    return summary


def load_runs(store: Store, warnings: list[str] | None = None) -> list[Run]:
    """Every stored run in canonical order, one per run id (the last object stored under that
    id); objects that are not runs are moved aside (see `_load_run`)."""
    notes = warnings if warnings is not None else []
    by_id: dict[str, Run] = {}
    for key in list(store.list(RUNS_PREFIX)):
        if key.startswith(PART_RUNS_PREFIX):
            continue  # a sharded checker's runs, counted in their parts only
        run = _load_run(store, key, notes)
        if run is not None:
            by_id[run.id] = run
    return sorted(by_id.values(), key=position)


def _run_day(key: str) -> str:
    # runs/YYYY/MM/DD/HHMMSS-…
    parts = key.split("/")
    return "-".join(parts[1:4]) if len(parts) >= 5 else "9999-99-99"


M = TypeVar("M", bound=BaseModel)


def _parse(stored: StoredObject | None, key: str, model: type[M]) -> M | None:
    """The model stored at `key` (None when there is none); DamagedFile when it cannot be read."""
    if stored is None:
        return None
    try:
        return model.model_validate_json(stored.data)
    except ValidationError as error:
        first = error.errors()[0] if error.errors() else {"msg": "unreadable", "loc": ()}
        where = ".".join(str(part) for part in first.get("loc", ()))
        detail = f"{where}: {first['msg']}" if where else first["msg"]
        raise DamagedFile(f"{key} cannot be read ({detail})") from None


def _read(store: Store, key: str, model: type[M]) -> M | None:
    return _parse(store.get(key), key, model)


def _state_data(data: object) -> State:
    return State() if data is None else State.model_validate(data)


def _day(stored: StoredObject | None, name: str) -> DayRollup:
    return _parse(stored, day_key(name), DayRollup) or DayRollup(date=date.fromisoformat(name))


def _day_data(data: object, name: str) -> DayRollup:
    return DayRollup(date=date.fromisoformat(name)) if data is None else DayRollup.model_validate(data)


def _day_or_none(stored: StoredObject | None, name: str) -> DayRollup | None:
    return None if stored is None else _day(stored, name)
