"""The store's promises under attack (docs/store.md, "What always holds"): runs arriving in any
order, twice, late, from clocks that step both ways, checkers dying half-way through recording,
damaged derived files and objects under `runs/` that are not runs. After any such history:

(a) every sample of every stored run is counted once in its day's rollup, none lost or doubled;
(b) the live derived files equal, byte for byte, what `rollup --rebuild` makes from `runs/`;
(c) nothing raises: each problem is one warning line naming the file.

The folder store and S3 (moto) both.
"""

from __future__ import annotations

import contextlib
import random
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from checker.derived.rebuild import rebuild
from checker.derived.rollup import record_run
from checker.derived.state import STATE_KEY, State
from checker.derived.stored_runs import QUARANTINE_PREFIX, RUNS_PREFIX, load_runs
from checker.errors import StoreError
from checker.results import Run, Sample
from checker.store import LocalStore, Store
from checker.store.s3 import S3Store
from checker.summary import SUMMARY_KEY
from tests.checker.checker_support import T0, make_bundle
from tests.helpers import hourly_latency_counts, latency_counts

BUNDLE = make_bundle(
    [
        {"id": "api", "name": "API", "check": {"type": "http", "url": "http://127.0.0.1:9/"}},
        {"id": "web", "name": "Web", "check": {"type": "http", "url": "http://127.0.0.1:9/"}},
    ],
    checker={"interval": 60, "failure_threshold": 2, "retention_days": 400},
)
DERIVED = ("state.json", "summary.json", "rollups/")


class Killed(BaseException):
    """The checker process died here (raised past every handler, as SIGKILL would stop it)."""


class Dying(Store):
    """A store whose process dies (or whose writes fail with `failure`) before its `after`-th write."""

    def __init__(self, inner: Store, after: int, failure: BaseException | None = None) -> None:
        self.inner, self.left, self.failure = inner, after, failure

    def get(self, key: str) -> Any:
        return self.inner.get(key)

    def put(self, key: str, data: bytes, **conditions: Any) -> str:
        self.left -= 1
        if self.left < 0:
            raise self.failure or Killed()
        return self.inner.put(key, data, **conditions)

    def list(self, prefix: str = "") -> Iterator[str]:
        return self.inner.list(prefix)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    @property
    def location(self) -> str:
        return self.inner.location


# One step of history: what happens to the next run.
EVENTS = [
    "normal",
    "normal",
    "normal",
    "two_regions_reversed",
    "late",
    "duplicate",
    "kill",
    "clock_back",
    "clock_ahead",
    "damage",
    "junk_run",
]
event = st.sampled_from(EVENTS)


def drive(store: Store, events: list[str], seed: int) -> tuple[datetime, list[str]]:
    """Play `events` against `store`; returns the final `now` and every warning given."""
    rng = random.Random(seed)
    clock = T0
    warnings: list[str] = []
    deferred: list[Run] = []
    count = 0

    def state_sequence() -> int:
        stored = store.get(STATE_KEY)
        try:
            return State.model_validate_json(stored.data).sequence if stored else 0
        except ValueError:
            return 0  # damaged: the run records itself and the state is rebuilt

    def new_run(at: datetime, region: str = "local") -> Run:
        nonlocal count
        count += 1
        samples = [
            Sample(
                component=c,
                status=rng.choice(["up", "up", "down", "degraded"]),  # type: ignore[arg-type]
                at=at,
                latency_ms=float(rng.randint(5, 900)),
            )
            for c in ("api", "web")
        ]
        run = Run(
            id=f"r{count}", region=region, started_at=at, finished_at=at, sequence=state_sequence() + 1, samples=samples
        )
        store.put_json(run.key, run.model_dump(mode="json"), if_none_match=True)
        return run

    def record(run: Run, now: datetime, target: Store | None = None) -> None:
        record_run(BUNDLE, target or store, run, now=now, warnings=warnings)

    for name in events:
        clock += timedelta(seconds=60)
        if name == "two_regions_reversed":
            first, second = new_run(clock, "eu-west-1"), new_run(clock + timedelta(seconds=2), "us-east-1")
            record(second, clock)
            record(first, clock)
        elif name == "late":
            deferred.append(new_run(clock))  # stored now, recorded a few runs later
        elif name == "duplicate":
            run = new_run(clock)
            record(run, clock)
            record(run, clock)  # a retried invocation
        elif name == "kill":
            run = new_run(clock)
            # Dies before one of its writes, or finishes when it makes fewer.
            with contextlib.suppress(Killed):
                record(run, clock, Dying(store, rng.randint(0, 6)))
        elif name == "clock_back":
            clock -= timedelta(hours=1)
            record(new_run(clock), clock)
        elif name == "clock_ahead":
            ahead = clock + timedelta(days=45)
            record(new_run(ahead), ahead)
        elif name == "damage":
            # The files every run reads (the history is read by the first run of a day: see
            # test_a_damaged_history_is_rebuilt_by_the_next_days_first_run).
            key = rng.choice([STATE_KEY, SUMMARY_KEY, f"rollups/daily/{clock.date().isoformat()}.json"])
            store.put(key, b'{"format": "garbage"')
            record(new_run(clock), clock)
        elif name == "junk_run":
            store.put(f"{RUNS_PREFIX}{clock:%Y/%m/%d/%H%M%S}-local-junk{count}.json", b"null")
            record(new_run(clock), clock)
        else:
            record(new_run(clock), clock)
        if deferred and rng.random() < 0.5:
            record(deferred.pop(0), clock)
    # One last ordinary run: it finds whatever is still unrecorded.
    clock += timedelta(seconds=60)
    record(new_run(clock), clock)
    return clock, warnings


def store_and_record(
    store: Store,
    bundle: Any,
    run_id: str,
    at: datetime,
    sequence: int,
    status: str = "up",
    warnings: list[str] | None = None,
) -> None:
    """Store a one-sample run of `api` and record it, as `statusgen check` does."""
    run = Run(
        id=run_id,
        region="local",
        started_at=at,
        finished_at=at,
        sequence=sequence,
        samples=[
            Sample(
                component="api",
                status=status,
                at=at,  # type: ignore[arg-type]
                latency_ms=None if status == "down" else 5.0,
            )
        ],
    )
    store.put_json(run.key, run.model_dump(mode="json"))
    record_run(bundle, store, run, now=at, warnings=warnings)


def derived(store: Store) -> dict[str, bytes]:
    files = {}
    for prefix in DERIVED:
        for key in store.list(prefix):
            obj = store.get(key)
            assert obj is not None
            files[key] = obj.data
    return files


def check_invariants(store: Store, fresh: Store, now: datetime, warnings: list[str]) -> None:
    # (c) each problem was one line naming a file, never a repr or a traceback
    assert all("\n" not in w and "Traceback" not in w and "Error" not in w for w in warnings), warnings
    assert not list(store.list(RUNS_PREFIX + "")) or all(
        not key.startswith(QUARANTINE_PREFIX) for key in store.list(RUNS_PREFIX)
    )
    runs = load_runs(store)
    # (a) every sample counted once, on its own day
    expected: Counter[tuple[str, str]] = Counter()
    for run in runs:
        for sample in run.samples:
            expected[(sample.at.date().isoformat(), sample.component)] += 1
    counted: Counter[tuple[str, str]] = Counter()
    for key in store.list("rollups/daily/"):
        day = store.get_json(key)
        for component, entry in day["components"].items():
            counted[(day["date"], component)] += sum(entry["samples"].values())
    assert counted == expected
    assert hourly_latency_counts(store) == latency_counts(runs)
    # (b) the live files are what a rebuild from runs/ alone makes
    live = derived(store)
    for key in store.list(RUNS_PREFIX):
        obj = store.get(key)
        assert obj is not None
        fresh.put(key, obj.data)
    rebuild(BUNDLE, fresh, now=now)
    assert derived(fresh) == live


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(event, min_size=1, max_size=30), st.integers(0, 10**6))
# A run stored late, after a run whose clock was 45 days ahead: the next run must still find it.
@example(["clock_ahead", "late"], 0)
def test_folder_store_keeps_every_promise(events: list[str], seed: int) -> None:
    with tempfile.TemporaryDirectory() as live, tempfile.TemporaryDirectory() as fresh:
        store = LocalStore(live)
        now, warnings = drive(store, events, seed)
        check_invariants(store, LocalStore(fresh), now, warnings)


@pytest.mark.parametrize(
    ("events", "seed"),
    [
        # A run stored late whose place is between two runs with clocks far ahead: the rebuild
        # meets the second one after the late run's day, the live checker before it.
        (["clock_ahead", "late", "clock_ahead"], 0),
        # A day folded by a clock far ahead, then a damaged state rebuilt by a correct clock.
        (["clock_ahead", "normal", "clock_ahead", "damage"], 28),
        # A killed run found by a later one and placed before a far-ahead run: it decides that
        # run's stretch again, and that day must not list it for doing so.
        (["clock_ahead", "clock_ahead", "kill", "clock_ahead"], 5),
    ],
)
def test_a_clock_far_ahead_twice_rebuilds_to_the_same_files(events: list[str], seed: int) -> None:
    with tempfile.TemporaryDirectory() as live, tempfile.TemporaryDirectory() as fresh:
        store = LocalStore(live)
        now, warnings = drive(store, events, seed)
        check_invariants(store, LocalStore(fresh), now, warnings)


@pytest.mark.parametrize("seed", range(6))
def test_s3_store_keeps_every_promise(s3_client: Any, seed: int) -> None:
    rng = random.Random(seed)
    events = [rng.choice(EVENTS) for _ in range(20)]
    store = S3Store.from_url(f"s3://statusgen-test/live{seed}", client=s3_client)
    now, warnings = drive(store, events, seed)
    fresh = S3Store.from_url(f"s3://statusgen-test/fresh{seed}", client=s3_client)
    check_invariants(store, fresh, now, warnings)


def test_an_unreadable_run_is_moved_aside_and_named(tmp_path: Any) -> None:
    store = LocalStore(tmp_path)
    drive(store, ["normal"], 3)  # a store in use: the state knows its runs
    warnings: list[str] = []
    bad = f"{RUNS_PREFIX}2026/11/20/120130-local-broken.json"
    store.put(bad, b"null")
    store_and_record(store, BUNDLE, "ok", T0, 5, warnings=warnings)
    assert store.get(bad) is None
    assert store.get(f"{QUARANTINE_PREFIX}2026/11/20/120130-local-broken.json") is not None
    assert len(warnings) == 1 and bad in warnings[0] and "runs-quarantine/" in warnings[0]


def test_a_clock_far_ahead_deletes_no_run_and_hides_no_outage(tmp_path: Any) -> None:
    bundle = make_bundle(
        [{"id": "api", "name": "API", "check": {"type": "http", "url": "http://127.0.0.1:9/"}}],
        checker={"interval": 60, "failure_threshold": 1, "retention_days": 30},
    )
    store = LocalStore(tmp_path)
    for n in range(5):
        store_and_record(store, bundle, f"before{n}", T0 + timedelta(minutes=n), n + 1)
    store_and_record(store, bundle, "ahead", T0 + timedelta(days=45), 6)  # a clock 45 days fast, once
    assert len(list(store.list(RUNS_PREFIX))) == 6  # nothing pruned on its say-so
    for n in range(6, 10):
        store_and_record(store, bundle, f"after{n}", T0 + timedelta(minutes=n), n + 1, "down")
    summary = store.get_json(SUMMARY_KEY)
    api = summary["components"][0]
    assert api["status"] == "major_outage"  # the correct clock's outage shows
    assert summary["generated_at"].startswith(T0.date().isoformat())  # not dated 45 days ahead
    assert api["uptime"]["24h"]["downtime_seconds"] > 0
    assert len(list(store.list(RUNS_PREFIX))) == 10


def test_a_clock_stepped_back_does_not_swallow_an_outage(tmp_path: Any) -> None:
    bundle = make_bundle(
        [{"id": "api", "name": "API", "check": {"type": "http", "url": "http://127.0.0.1:9/"}}],
        checker={"interval": 60, "failure_threshold": 2},
    )
    store = LocalStore(tmp_path)
    for n in range(60):
        store_and_record(store, bundle, f"a{n}", T0 + timedelta(minutes=n), n + 1)
    for n in range(6):  # the clock stepped back an hour; the API is down
        store_and_record(store, bundle, f"b{n}", T0 + timedelta(minutes=n, seconds=30), 61 + n, "down")
    state = State.model_validate(store.get_json(STATE_KEY))
    assert state.components["api"].status == "major_outage"
    assert store.get_json(SUMMARY_KEY)["components"][0]["status"] == "major_outage"


def test_a_damaged_file_is_rebuilt_with_one_warning(tmp_path: Any) -> None:
    store = LocalStore(tmp_path)
    drive(store, ["normal"] * 3, 1)
    store.put(STATE_KEY, b"{not json")
    warnings: list[str] = []
    store_and_record(store, BUNDLE, "next", T0 + timedelta(minutes=10), 9, warnings=warnings)
    assert len(warnings) == 1 and "state.json" in warnings[0]
    assert State.model_validate(store.get_json(STATE_KEY)).has_applied("next")


def test_a_damaged_history_is_rebuilt_by_the_next_days_first_run(tmp_path: Any) -> None:
    store = LocalStore(tmp_path)
    now, _ = drive(store, ["normal"] * 3, 2)
    store.put("rollups/history.json", b"[1, 2")
    warnings: list[str] = []
    at = now + timedelta(days=1)
    store_and_record(store, BUNDLE, "tomorrow", at, 99, warnings=warnings)
    assert len(warnings) == 1 and "rollups/history.json" in warnings[0]
    with tempfile.TemporaryDirectory() as fresh:
        check_invariants(store, LocalStore(fresh), at, warnings)


def test_a_store_that_refuses_writes_is_an_error_not_a_rebuild(tmp_path: Any) -> None:
    # Not every failure is damage: a store that cannot be written fails the run, rebuilding nothing.
    store = LocalStore(tmp_path)
    drive(store, ["normal"] * 2, 4)
    before = derived(store)
    at = T0 + timedelta(minutes=10)
    run = Run(
        id="refused",
        region="local",
        started_at=at,
        finished_at=at,
        sequence=5,
        samples=[Sample(component="api", status="up", at=at, latency_ms=5.0)],
    )
    store.put_json(run.key, run.model_dump(mode="json"))
    warnings: list[str] = []
    with pytest.raises(StoreError):
        record_run(BUNDLE, Dying(store, 0, StoreError("disk full")), run, now=at, warnings=warnings)
    assert warnings == [] and derived(store) == before


def test_a_run_a_little_behind_never_takes_the_last_check_back(tmp_path: Any) -> None:
    # Two checkers on one store: a run that started after another was recorded (so it comes after
    # it), with a clock six minutes behind it (within CLOCK_STEP).
    store = LocalStore(tmp_path)
    store_and_record(store, BUNDLE, "ahead", T0 + timedelta(minutes=9), 1)
    store_and_record(store, BUNDLE, "behind", T0 + timedelta(minutes=3), 2)
    state = State.model_validate_json(store.get(STATE_KEY).data)  # type: ignore[union-attr]
    assert state.components["api"].last_checked_at == T0 + timedelta(minutes=9)


def test_a_late_run_just_after_midnight_is_listed_only_on_its_own_days(tmp_path: Any, tmp_path_factory: Any) -> None:
    # A run of 00:00:30 stored but not recorded (its process stopped), found by the next run and
    # placed between 00:00 and 00:01: deciding its window again repaints the stretches of
    # yesterday's last runs, which are theirs, not its own. Yesterday's rollup must not list it,
    # as a rebuild from runs/ would not.
    midnight = datetime(2026, 11, 21, tzinfo=T0.tzinfo)
    store = LocalStore(tmp_path)
    warnings: list[str] = []
    times = [midnight + timedelta(seconds=s) for s in (-180, -120, -60, 0, 60)]
    for sequence, at in enumerate(times, start=1):
        store_and_record(store, BUNDLE, f"r{sequence}", at, sequence, "down" if sequence == 3 else "up", warnings)
    late = Run(
        id="late",
        region="local",
        started_at=midnight + timedelta(seconds=30),
        finished_at=midnight + timedelta(seconds=30),
        sequence=5,
        samples=[Sample(component="api", status="up", at=midnight + timedelta(seconds=30), latency_ms=5.0)],
    )
    store.put_json(late.key, late.model_dump(mode="json"))
    now = midnight + timedelta(seconds=120)
    store_and_record(store, BUNDLE, "r6", now, 6, warnings=warnings)
    assert "late" not in store.get_json("rollups/daily/2026-11-20.json")["runs"]
    assert "late" in store.get_json("rollups/daily/2026-11-21.json")["runs"]
    check_invariants(store, LocalStore(tmp_path_factory.mktemp("fresh")), now, warnings)


def test_a_region_whose_clock_is_behind_never_makes_each_run_a_rebuild(tmp_path: Any, tmp_path_factory: Any) -> None:
    # One region's clock is 15 minutes behind (more than CLOCK_STEP), so each of its samples takes
    # the timeline up at its own time; the regions finish in either order, so half its runs are
    # placed late among them. Each must be placed where it belongs, not by rebuilding from runs/.
    store = LocalStore(tmp_path)
    warnings: list[str] = []
    for minute in range(12):
        at = T0 + timedelta(minutes=minute)
        behind = at - timedelta(minutes=15)
        runs = [
            Run(
                id=f"{region}{minute}",
                region=region,
                started_at=start,
                finished_at=start,
                sequence=minute + 1,  # both started after the previous minute was recorded
                samples=[Sample(component="api", status=status, at=start, latency_ms=5.0)],  # type: ignore[arg-type]
            )
            for region, start, status in [
                ("us-east-1", at, "up"),
                ("eu-west-1", behind, "down" if minute % 3 == 0 else "up"),
            ]
        ]
        for run in runs if minute % 2 else reversed(runs):
            store.put_json(run.key, run.model_dump(mode="json"))
            record_run(BUNDLE, store, run, now=run.started_at, warnings=warnings)
            now = run.started_at  # the derived files are as of the run that wrote them last
    assert warnings == []
    check_invariants(store, LocalStore(tmp_path_factory.mktemp("fresh")), now, warnings)


@pytest.mark.parametrize("seed", range(8))
def test_two_regions_across_midnight_keep_every_promise(tmp_path: Any, tmp_path_factory: Any, seed: int) -> None:
    # Two regions a few seconds apart around midnight, the later one recorded first, so the earlier
    # is placed late (on yesterday, after today's first run folded yesterday); its checker is
    # killed at a random write more often than not.
    rng = random.Random(seed)
    store = LocalStore(tmp_path)
    warnings: list[str] = []
    midnight = datetime(2026, 11, 21, tzinfo=T0.tzinfo)

    def stored(at: datetime, run_id: str, sequence: int, region: str) -> Run:
        status = rng.choice(["up", "down", "degraded", "up"])
        samples = [Sample(component=c, status=status, at=at, latency_ms=5.0) for c in ("api", "web")]  # type: ignore[arg-type]
        run = Run(id=run_id, region=region, started_at=at, finished_at=at, sequence=sequence, samples=samples)
        store.put_json(run.key, run.model_dump(mode="json"))
        return run

    for minute in range(-4, 4):
        start = midnight + timedelta(minutes=minute, seconds=rng.choice([-2, -1, 1]))
        first = stored(start, f"eu{minute}", minute + 5, "eu-west-1")
        second = stored(start + timedelta(seconds=3), f"us{minute}", minute + 5, "us-east-1")
        record_run(BUNDLE, store, second, now=second.started_at, warnings=warnings)
        dying = Dying(store, rng.randint(0, 5)) if rng.random() < 0.6 else store
        with contextlib.suppress(Killed):
            record_run(BUNDLE, dying, first, now=first.started_at, warnings=warnings)
    last = stored(midnight + timedelta(minutes=5), "last", 9, "eu-west-1")
    record_run(BUNDLE, store, last, now=last.started_at, warnings=warnings)
    check_invariants(store, LocalStore(tmp_path_factory.mktemp("fresh")), last.started_at, warnings)
