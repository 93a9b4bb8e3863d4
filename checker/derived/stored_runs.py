"""The run objects under `runs/`: finding those the state lacks, loading them, pruning old ones."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import ValidationError

from checker.bundle import Bundle
from checker.derived.state import State
from checker.derived.timeline import KEEP_RUN_IDS, position
from checker.fanout import PART_RUNS_PREFIX
from checker.results import Run
from checker.store import LocalStore, Store

RUNS_PREFIX = "runs/"
QUARANTINE_PREFIX = "runs-quarantine/"
"""Where objects found under `runs/` that are not runs are moved: kept for a person to look at,
never counted."""


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


def unapplied_runs(store: Store, state: State | None, run: Run, notes: list[str]) -> list[Run]:
    """Stored runs of the days the state remembers (and today's) that it has not applied; every
    stored run when there is no state (a new store, whose first runs may be recording at the same
    moment, or a lost state): they are applied through the same conditional writes as any run."""
    ids = {run.id}
    if state is None:
        keys = [key for key in store.list(RUNS_PREFIX) if not key.startswith(PART_RUNS_PREFIX)]
    else:
        ids |= state.applied_ids()
        times = [entry.split(" ", 2)[1] for entry in state.applied]
        # A run older than every id the state remembers may have been applied and forgotten, so
        # only newer ones are candidates; but while the list is not full nothing was forgotten,
        # and every stored run of those days is (a clock that stepped ahead leaves one remembered
        # run in the future, and the runs of today after it must still be found).
        full = len(state.applied) >= KEEP_RUN_IDS
        oldest = min(times, default=run.started_at.strftime("%Y-%m-%dT%H:%M:%S"))[:19] if full else ""
        days = {t[:10] for t in times} | {run.started_at.date().isoformat()}
        keys = [
            key
            for day in sorted(days)
            for key in store.list(f"{RUNS_PREFIX}{day.replace('-', '/')}/")
            if _key_time(key) >= oldest
        ]
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
        if char == "-" and rest[index + 1 :] in ids:
            return rest[index + 1 :]
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


def prune_runs(bundle: Bundle, store: Store, today: date) -> None:
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


def _run_day(key: str) -> str:
    # runs/YYYY/MM/DD/HHMMSS-…
    parts = key.split("/")
    return "-".join(parts[1:4]) if len(parts) >= 5 else "9999-99-99"
