"""A checker process SIGKILLed at every store operation of a run and of a rebuild, then retried
(as Lambda retries an invocation that died): nothing lost, nothing counted twice, and the derived
data equals a run of the same checks that was never interrupted."""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import signal
from pathlib import Path

import pytest

from checker.derived.rebuild import rebuild
from checker.store import Store
from tests.faults.faults_support import (
    TOTALS,
    Endpoints,
    assert_counted_once,
    assert_runs_stored_once,
    derived_files,
    differences,
    failing_schedule,
    fault_bundle,
    replay_without_faults,
    run_time,
    run_until_recorded,
)
from tests.faults.faults_worker import work

RUNS = 20
MIDNIGHT = 15
"""Index of the run at 00:00, which also folds the finished day into the history."""
_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(["tests.faults.faults_worker", "checker.run", "checker.derived.rollup", "httpx"])


def killed(*argv: str) -> bool:
    """Run the worker with `argv` in a process of its own; True when it was SIGKILLed."""
    process = _FORKS.Process(target=work, args=(list(argv),))
    process.start()
    process.join(60)
    if process.exitcode == -signal.SIGKILL:
        return True
    assert process.exitcode == 0, f"worker {argv} exited with {process.exitcode}"
    return False


def operations(*argv: str) -> int:
    """How many store operations the worker makes for `argv` (run in this process, no kill)."""
    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()):
        work([*argv, "--report-ops"])
    return int(out.getvalue().split()[-1])


@pytest.mark.slow
def test_kills_at_every_store_operation_of_runs_and_rebuilds_lose_and_double_nothing(
    endpoints: Endpoints, tmp_path: Path, store_spec: tuple[str, Store]
) -> None:
    location, store = store_spec
    spec = ["--store", location, "--base", endpoints.url("")]
    bundle = fault_bundle(endpoints.url(""))
    kills = 0
    moto = location.startswith("s3:")
    full = (MIDNIGHT,)  # every operation of the run that folds a day; one point of each other run
    for index in range(RUNS):
        endpoints.codes = failing_schedule(index)
        run = ["run", *spec, "--first", str(index)]
        points = range(1, 16) if index in full else [1 + index % 13]
        for point in points:
            kills += killed(*run, "--kill-at", str(point))
        run_until_recorded(bundle, store, index=index)  # Lambda retries the invocation
    runs = assert_runs_stored_once(store, {f"run-{i:04d}" for i in range(RUNS)}, components=3)
    assert_counted_once(store, runs)
    reference = derived_files(replay_without_faults(bundle, runs, tmp_path / "reference"))
    incremental = derived_files(store)
    assert incremental == reference, differences(incremental, reference)[:10]

    rebuild_args = ["rebuild", *spec, "--now-index", str(RUNS - 1)]
    total = operations(*rebuild_args)
    assert total > RUNS
    for point in range(1, total + 1, 3):
        kills += killed(*rebuild_args, "--kill-at", str(point))
    rebuild(bundle, store, now=run_time(RUNS - 1))
    rebuilt = derived_files(store)
    assert rebuilt == reference, differences(rebuilt, reference)[:10]
    assert kills > 30
    TOTALS[f"kill points tried ({'moto server' if moto else 'folder store'})"] += kills
