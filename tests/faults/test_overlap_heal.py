"""Two checker processes that overlap while both reconcile the same abandoned run (one SIGKILLed
after storing its object, or after writing the state): each is held at the same step, then both
go on at once. On the folder store and on moto's S3 server: the abandoned run and both new runs
are counted once, and the live derived files equal a rebuild from runs/, right after the overlap
and after the next ordinary run.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from checker.derived.stored_runs import load_runs
from checker.store import Store
from tests.faults.faults_support import (
    TOTALS,
    Endpoints,
    assert_each_stored_run_counted_once,
    byte_differences,
    derived_bytes,
    failing_schedule,
    fault_bundle,
    rebuilt_bytes,
    run_time,
)
from tests.faults.faults_worker import finish, start

ABANDONED = 3
"""Index of the run killed and never retried; the two overlapping runs come next."""
ABANDON = {
    "after storing its run": ["--kill-from", "put runs/", "--kill-at", "2"],
    "after writing the state": ["--kill-from", "rollups/daily/", "--kill-at", "1"],
}
MEET = [
    # (how the run was abandoned, the step both overlapping runs reach at once)
    ("after storing its run", "list runs/"),
    ("after storing its run", f"run-{ABANDONED:04d}.json"),
    ("after storing its run", "put state.json"),
    ("after storing its run", "put rollups/daily/"),
    ("after storing its run", "put summary.json"),
    ("after writing the state", f"run-{ABANDONED:04d}.json"),
    ("after writing the state", "put rollups/daily/"),
]


def clean_run(location: str, base: str, index: int, log: Path, *extra: str) -> None:
    code = finish(start(["run", "--store", location, "--base", base, "--first", str(index), *extra], log))
    text = log.read_text()
    assert code == 0 and "Traceback" not in text and "warning:" not in text, text


def assert_live_is_rebuild(store: Store, base: str, folder: Path, index: int, where: str) -> None:
    live = derived_bytes(store)
    rebuilt = rebuilt_bytes(fault_bundle(base), store, folder, now=run_time(index))
    assert live == rebuilt, "\n".join([where, *byte_differences(live, rebuilt)[:30]])


@pytest.mark.slow
@pytest.mark.parametrize(("abandon", "meet"), MEET)
def test_two_runs_reconciling_the_same_abandoned_run_at_once_count_it_once(
    endpoints: Endpoints, tmp_path: Path, store_spec: tuple[str, Store], abandon: str, meet: str
) -> None:
    location, store = store_spec
    base = endpoints.url("")
    for index in range(ABANDONED):
        endpoints.codes = failing_schedule(index)
        clean_run(location, base, index, tmp_path / f"{index}.log")
    endpoints.codes = failing_schedule(ABANDONED)
    killed = finish(
        start(
            ["run", "--store", location, "--base", base, "--first", str(ABANDONED), *ABANDON[abandon]],
            tmp_path / "abandoned.log",
        )
    )
    assert killed == -signal.SIGKILL

    overlapping = ABANDONED + 1
    endpoints.codes = failing_schedule(overlapping)
    gate = tmp_path / "gate"
    gate.mkdir()
    workers = {
        prefix: start(
            [
                "run",
                "--store",
                location,
                "--base",
                base,
                "--first",
                str(overlapping),
                "--prefix",
                prefix,
                "--pause-before",
                meet,
                "--gate",
                str(gate),
            ],
            tmp_path / f"{prefix}.log",
        )
        for prefix in ("a", "b")
    }
    while not all((gate / f"{prefix}.ready").exists() for prefix in workers):
        ended = [prefix for prefix, process in workers.items() if not process.is_alive()]
        assert not ended, f"{ended} ended before reaching {meet!r}: {(tmp_path / f'{ended[0]}.log').read_text()}"
        workers["a"].join(0.005)
    (gate / "go").touch()
    for prefix, process in workers.items():
        text = (tmp_path / f"{prefix}.log").read_text() if finish(process) == 0 else ""
        assert process.exitcode == 0 and "Traceback" not in text and "warning:" not in text, (
            tmp_path / f"{prefix}.log"
        ).read_text()

    abandoned_id = f"run-{ABANDONED:04d}"
    expected = {f"run-{i:04d}" for i in range(ABANDONED + 1)} | {f"{p}-{overlapping:04d}" for p in workers}
    assert {run.id for run in load_runs(store)} == expected
    assert_each_stored_run_counted_once(store)
    assert_live_is_rebuild(
        store,
        base,
        tmp_path / "rebuilt-overlap",
        overlapping,
        f"{abandoned_id} abandoned {abandon}, both runs met at {meet!r}",
    )

    endpoints.codes = failing_schedule(overlapping + 1)
    clean_run(location, base, overlapping + 1, tmp_path / "next.log")
    assert_each_stored_run_counted_once(store)
    assert_live_is_rebuild(
        store, base, tmp_path / "rebuilt-next", overlapping + 1, f"the run after the overlap at {meet!r}"
    )
    where = "moto server" if location.startswith("s3:") else "folder store"
    TOTALS[f"two runs reconciling one abandoned run at once ({where})"] += 1
