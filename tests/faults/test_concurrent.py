"""Two checker processes on the same store at the same time (overlapping schedules), on the folder
store and on moto's S3 server: no run lost or counted twice, no summary ever seen going backwards,
and `rollup --rebuild` afterwards gives the same figures."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from checker.store import Store
from tests.faults.faults_support import (
    TOTALS,
    Endpoints,
    assert_counted_once,
    assert_not_backwards,
    assert_runs_stored_once,
    byte_differences,
    derived_bytes,
    fault_bundle,
    rebuilt_bytes,
    run_time,
    summary_progress,
)

WORKER = "tests.faults.faults_worker"
"""Run as `python -m` from the repository root, where the `tests` package is."""
REPO = Path(__file__).parent.parent.parent
RUNS = 12


class SummaryWatcher(threading.Thread):
    """Reads summary.json over and over while the checkers run; keeps what went wrong."""

    def __init__(self, store: Store) -> None:
        super().__init__(daemon=True)
        self.store = store
        self.stop = threading.Event()
        self.seen = 0
        self.problems: list[str] = []

    def run(self) -> None:
        progress = None
        while not self.stop.is_set():
            data = self.store.get_json("summary.json")
            if data is not None:
                now = summary_progress(data)
                try:
                    assert_not_backwards(progress, now)
                except AssertionError as error:
                    self.problems.append(str(error))
                progress = now
                self.seen += 1
            time.sleep(0.005)


@pytest.mark.slow
def test_two_checkers_on_one_store_lose_and_double_nothing(
    endpoints: Endpoints, store_spec: tuple[str, Store], tmp_path: Path
) -> None:
    location, store = store_spec
    endpoints.codes = {"search": 502, "web": 200, "api": 200}
    watcher = SummaryWatcher(store)
    watcher.start()
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                WORKER,
                "run",
                "--store",
                location,
                "--base",
                endpoints.url(""),
                "--first",
                "0",
                "--count",
                str(RUNS),
                "--prefix",
                prefix,
            ],
            cwd=REPO,
            stderr=subprocess.PIPE,
            text=True,
        )
        for prefix in ("a", "b")
    ]
    try:
        results = [w.communicate(timeout=90) for w in workers]
    finally:
        watcher.stop.set()
        watcher.join()
    for worker, (_, errors) in zip(workers, results, strict=True):
        assert worker.returncode == 0, errors
    assert watcher.seen > 5
    assert watcher.problems == []

    ids = {f"{prefix}-{i:04d}" for prefix in ("a", "b") for i in range(RUNS)}
    runs = assert_runs_stored_once(store, ids, components=3)
    assert_counted_once(store, runs)
    # Byte for byte, state.json included: which of two runs at the same minute was applied first
    # leaves no trace in what the store derives (the canonical order decides).
    live = derived_bytes(store)
    rebuilt = rebuilt_bytes(fault_bundle(endpoints.url("")), store, tmp_path / "rebuilt", now=run_time(RUNS - 1))
    assert live == rebuilt, byte_differences(live, rebuilt)[:10]
    TOTALS["concurrent runs on one store"] += len(ids)
