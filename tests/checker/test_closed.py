"""The closed days kept for the runs: a run's cost does not grow with the history, and the kept
figures follow the history and the incidents."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from checker.bundle import Bundle
from checker.derived.closed import CLOSED_KEY, ClosedDays, make_closed_days
from checker.derived.history import HISTORY_KEY, History
from checker.derived.rollup import record_run
from checker.results import Run, Sample
from checker.store import LocalStore, StoredObject
from checker.summary import SUMMARY_KEY, Summary
from tests.checker.checker_support import make_bundle

CHECKED = [{"id": "api", "name": "API", "check": {"type": "http", "url": "http://127.0.0.1:9/"}}]
START = datetime(2026, 5, 1, tzinfo=UTC)


class RecordingStore(LocalStore):
    """A folder store that notes the keys read, and can run something just before a put."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.read: list[str] = []
        self.before_put: dict[str, Callable[[], None]] = {}

    def get(self, key: str) -> StoredObject | None:
        self.read.append(key)
        return super().get(key)

    def put(self, key: str, data: bytes, **conditions: Any) -> str:
        hook = self.before_put.pop(key, None)
        if hook is not None:
            hook()
        return super().put(key, data, **conditions)


def run(at: datetime, name: str, latency_ms: float = 40.0) -> Run:
    return Run(
        id=name,
        region="local",
        started_at=at,
        finished_at=at,
        samples=[Sample(component="api", status="up", at=at, latency_ms=latency_ms)],
    )


def record(bundle: Bundle, store: LocalStore, at: datetime, name: str) -> None:
    measured = run(at, name)
    store.put_json(measured.key, measured.model_dump(mode="json"))
    record_run(bundle, store, measured, now=at)


def test_a_run_reads_the_same_few_files_after_a_day_or_after_half_a_year(tmp_path: Path) -> None:
    bundle = make_bundle(CHECKED, checker={"interval": 3600, "retention_days": 400})
    store = RecordingStore(tmp_path)
    reads = {}
    for day in range(200):
        for hour in (1, 12):
            at = START + timedelta(days=day, hours=hour)
            store.read.clear()
            record(bundle, store, at, f"d{day}h{hour}")
            reads[(day, hour)] = list(store.read)

    def ordinary(day: int) -> set[str]:
        name = (START + timedelta(days=day)).date().isoformat()
        return {"state.json", f"rollups/daily/{name}.json", f"rollups/hourly/{name}/12.json", CLOSED_KEY, SUMMARY_KEY}

    assert set(reads[(199, 12)]) == ordinary(199)
    assert set(reads[(1, 12)]) == ordinary(1)
    # The first run of a day folds yesterday into the history and makes the closed days again.
    assert HISTORY_KEY in reads[(199, 1)]
    assert not any(HISTORY_KEY in reads[(day, 12)] for day in range(200))
    closed = ClosedDays.model_validate(store.get_json(CLOSED_KEY))
    api = closed.components["api"]  # the detail, however long the history:
    bars, daily = closed.texts[api.bars], closed.texts[api.latency_daily]
    assert len(json.loads(f"[{bars}]")) == len(json.loads(f"[{daily}]")) == 89
    assert all(closed.first_day <= date.fromisoformat(day) < closed.as_of for day in api.whole_days)
    summary = Summary.model_validate(store.get_json(SUMMARY_KEY))
    assert summary.components[0].uptime["90d"].uptime == 1.0
    assert len(summary.components[0].monthly) == 7  # May to November


def test_an_incident_written_for_a_past_day_shows_on_that_days_bar(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    bundle = make_bundle(CHECKED, checker={"interval": 21600})  # every six hours
    for hour in range(0, 72, 6):
        record(bundle, store, START + timedelta(hours=hour), f"h{hour}")
    before = Summary.model_validate(store.get_json(SUMMARY_KEY)).components[0]
    assert {b.date.isoformat(): b.uptime for b in before.bars}["2026-05-02"] == 1.0
    # A postmortem merged today for an hour of yesterday's that the probes missed.
    postmortem = {
        "slug": "2026-05-02-api",
        "kind": "incident",
        "title": "API errors",
        "impact": "major",
        "components": {"api": "major_outage"},
        "file": "incidents/2026-05-02-api.md",
        "updates": [
            {"at": "2026-05-02T11:00:00Z", "status": "resolved", "body": "", "html": ""},
            {"at": "2026-05-02T10:00:00Z", "status": "investigating", "body": "", "html": ""},
        ],
    }
    amended = make_bundle(CHECKED, checker={"interval": 21600}, incidents=[postmortem])
    record(amended, store, START + timedelta(hours=73), "h73")
    after = Summary.model_validate(store.get_json(SUMMARY_KEY)).components[0]
    bar = {b.date.isoformat(): b for b in after.bars}["2026-05-02"]
    assert bar.outage_seconds == 3600 and bar.worst_status == "major_outage"
    assert bar.uptime == round(23 / 24, 8)


def test_closed_days_from_an_older_history_do_not_stay(tmp_path: Path) -> None:
    """Two runs fold at once (the first after midnight, and a late one for the day before): the
    closed days left in the store are those of the last history, whichever put lands last."""
    store = RecordingStore(tmp_path)
    bundle = make_bundle(CHECKED, checker={"interval": 60})
    midnight = datetime(2026, 5, 2, tzinfo=UTC)
    for minute in range(-30, -1, 5):
        record(bundle, store, midnight + timedelta(minutes=minute), f"m{minute}")
    late = run(midnight - timedelta(seconds=30), "late", latency_ms=4000.0)
    store.put_json(late.key, late.model_dump(mode="json"))
    # The late run folds the day again while the first run of the day is about to put the
    # closed days it made from the history before.
    store.before_put[CLOSED_KEY] = lambda: record_run(bundle, store, late, now=midnight + timedelta(seconds=90))
    record(bundle, store, midnight + timedelta(seconds=60), "first")
    history = History.model_validate(store.get_json(HISTORY_KEY))
    assert store.get_json(CLOSED_KEY) == make_closed_days(bundle, history, midnight.date()).model_dump(mode="json")
    last_hour = ClosedDays.model_validate(store.get_json(CLOSED_KEY)).components["api"].yesterday_latency["23"]
    assert sum(last_hour.values()) == 7  # six runs in the day's last half hour, and the late one


def test_an_unreadable_closed_days_file_is_made_again(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    bundle = make_bundle(CHECKED, checker={"interval": 3600})
    record(bundle, store, START + timedelta(hours=1), "first")
    for hour, damaged in enumerate((b'{"format": 1, "from": "an older version"}', b"\x00not json"), 2):
        store.put(CLOSED_KEY, damaged)
        record(bundle, store, START + timedelta(hours=hour), f"h{hour}")
        history = History.model_validate(store.get_json(HISTORY_KEY))
        assert store.get_json(CLOSED_KEY) == make_closed_days(bundle, history, START.date()).model_dump(mode="json")
    assert Summary.model_validate(store.get_json(SUMMARY_KEY)).components[0].status == "operational"


def test_a_days_latency_is_kept_by_hour_apart_and_reaches_the_history_by_hour(tmp_path: Path) -> None:
    bundle = make_bundle(CHECKED, checker={"interval": 3600})
    store = LocalStore(tmp_path)
    for hour in (0, 12):
        record(bundle, store, START + timedelta(hours=hour), f"h{hour}")
    day = store.get_json("rollups/daily/2026-05-01.json")
    assert list(day["components"]["api"]["latency"]) == ["day"]  # the day's rollup stays small
    assert sorted(store.list("rollups/hourly/")) == [
        "rollups/hourly/2026-05-01/00.json",
        "rollups/hourly/2026-05-01/12.json",
    ]
    assert store.get_json("rollups/hourly/2026-05-01/12.json")["runs"] == ["h12"]
    record(bundle, store, START + timedelta(days=1, hours=1), "next")
    history = History.model_validate(store.get_json(HISTORY_KEY))
    assert sorted(history.days["2026-05-01"]["api"].latency) == ["00", "12"]
    closed = ClosedDays.model_validate(store.get_json(CLOSED_KEY))
    assert sorted(closed.components["api"].yesterday_latency) == ["00", "12"]
    summary = Summary.model_validate(store.get_json(SUMMARY_KEY))
    assert summary.components[0].latency["24h"].samples == 2  # yesterday 12:00 and today 01:00, not yesterday 00:00
