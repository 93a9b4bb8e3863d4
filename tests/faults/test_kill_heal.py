"""Checker processes SIGKILLed at seeded random store operations and simply abandoned, never
retried: the next ordinary run folds in whatever they stored, with no `rollup --rebuild` by hand.

Each sequence crosses midnight, and its run at 00:00 (the one that folds the finished day into the
history) is killed during the fold; a run killed right after storing its object is followed by one
killed while reconciling it. At the end, on the folder store and on moto's S3 server:
(a) every stored run is counted once, every sample of it, none lost or doubled;
(b) the live derived files are, byte for byte, what a rebuild from runs/ makes at the same "now";
(c) every run that was not killed ended cleanly: no traceback, no warning, no failed attempt.
"""

from __future__ import annotations

import random
import signal
from dataclasses import dataclass
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

RUNS = 24
MIDNIGHT = 15
"""Index of the run at 00:00, which folds the finished day into the history."""
LAST_ORDINARY = 2
"""The last runs of a sequence are never killed: the ordinary runs that must heal the store."""


@dataclass
class Attempt:
    """One run of the sequence: where it was aimed to die, and what became of it."""

    index: int
    kill: list[str]
    aim: str
    exit_code: int = 0
    last_op: str = ""
    stored: bool = False

    @property
    def run_id(self) -> str:
        return f"run-{self.index:04d}"

    @property
    def killed(self) -> bool:
        return self.exit_code == -signal.SIGKILL

    def describe(self) -> str:
        outcome = (
            "completed"
            if not self.killed
            else f"killed before '{self.last_op}' ({'run stored' if self.stored else 'run not stored'})"
        )
        return f"{self.run_id} [{self.aim}] {' '.join(self.kill)} -> {outcome}"


def operations_logged(log: Path) -> list[str]:
    """The store operations a worker started (`--trace`), in order."""
    return [line.split(": ", 1)[1] for line in log.read_text().splitlines() if line.startswith("op ")]


def choose_kill(rng: random.Random, index: int, previous: Attempt | None, unstored: int) -> tuple[list[str], str]:
    """Where run `index` is to die (no arguments: it is not killed), and why. Run `unstored` is
    killed before it stores its object (every sequence has one)."""
    if index >= RUNS - LAST_ORDINARY or index == 0:
        return [], "ordinary"
    if index == MIDNIGHT:
        # From reading the history to the state's update after the fold: every step of folding.
        return ["--kill-from", "rollups/history.json", "--kill-at", str(rng.randint(1, 9))], "midnight fold"
    if index == unstored:
        return ["--kill-from", "put runs/", "--kill-at", "1"], "before storing its run"
    if previous is not None and previous.killed and previous.stored and rng.random() < 0.6:
        # Counted from reading the abandoned run's object: while it is being reconciled.
        return (
            ["--kill-from", f"{previous.run_id}.json", "--kill-at", str(rng.randint(1, 8))],
            "reconciling the run before",
        )
    roll = rng.random()
    if roll < 0.2:
        return ["--kill-from", "put runs/", "--kill-at", "2"], "right after storing its run"
    if roll < 0.3:
        return ["--kill-from", "put runs/", "--kill-at", "1"], "before storing its run"
    if roll < 0.6:
        return ["--kill-at", str(rng.randint(1, 16))], "random operation"
    return [], "ordinary"


def run_sequence(endpoints: Endpoints, location: str, logs: Path, seed: int) -> list[Attempt]:
    rng = random.Random(seed)
    unstored = rng.choice([i for i in range(1, RUNS - LAST_ORDINARY) if i != MIDNIGHT])
    attempts: list[Attempt] = []
    for index in range(RUNS):
        endpoints.codes = failing_schedule(index)
        previous = attempts[-1] if attempts else None
        kill, aim = choose_kill(rng, index, previous, unstored)
        attempt = Attempt(index, kill, aim)
        log = logs / f"{attempt.run_id}.log"
        attempt.exit_code = finish(
            start(
                ["run", "--store", location, "--base", endpoints.url(""), "--first", str(index), "--trace", *kill], log
            )
        )
        ops = operations_logged(log)
        attempt.last_op = ops[-1] if ops else ""
        # The kill comes just before the last operation logged: the run is stored when its
        # `put` of the run object was not that last operation.
        puts = [i for i, op in enumerate(ops) if op.startswith("put runs/") and attempt.run_id in op]
        attempt.stored = bool(puts) and (not attempt.killed or puts[0] < len(ops) - 1)
        if not attempt.killed:
            text = log.read_text()
            story = attempt.describe()
            assert attempt.exit_code == 0, f"seed {seed}: {story} exited {attempt.exit_code}:\n{text}"
            assert "Traceback" not in text and "warning:" not in text, f"seed {seed}: {story}:\n{text}"
            assert "failures=0" in text, f"seed {seed}: {story} failed attempts:\n{text}"
        attempts.append(attempt)
    return attempts


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 12])
def test_runs_killed_and_abandoned_are_healed_by_the_next_ordinary_run(
    endpoints: Endpoints, tmp_path: Path, store_spec: tuple[str, Store], seed: int
) -> None:
    location, store = store_spec
    logs = tmp_path / "logs"
    logs.mkdir()
    attempts = run_sequence(endpoints, location, logs, seed)
    story = f"seed {seed}:\n" + "\n".join(a.describe() for a in attempts)

    killed = [a for a in attempts if a.killed]
    abandoned = [a for a in killed if a.stored]
    midnight = attempts[MIDNIGHT]
    assert midnight.killed and midnight.stored, f"the fold was not interrupted\n{story}"
    reconciling = [a for a in killed if a.aim == "reconciling the run before"]
    assert abandoned and reconciling and len(abandoned) < len(killed), story

    # What was stored is exactly what the processes got to store.
    stored_ids = {run.id for run in load_runs(store)}
    assert stored_ids == {a.run_id for a in attempts if a.stored}, story
    # (a) every stored run counted once, every sample of it
    assert_each_stored_run_counted_once(store)
    # (b) the live files equal a rebuild from runs/ at the time of the last run
    bundle = fault_bundle(endpoints.url(""))
    live = derived_bytes(store)
    rebuilt = rebuilt_bytes(bundle, store, tmp_path / "rebuilt", now=run_time(RUNS - 1))
    assert live == rebuilt, "\n".join([story, *byte_differences(live, rebuilt)[:10]])

    where = "moto server" if location.startswith("s3:") else "folder store"
    TOTALS[f"runs SIGKILLed and not retried ({where})"] += len(killed)
    TOTALS[f"runs abandoned with their object stored, healed by a later run ({where})"] += len(abandoned)
    TOTALS[f"kills while reconciling an abandoned run ({where})"] += len(reconciling)
    TOTALS[f"kills during the midnight fold ({where})"] += 1
    TOTALS[f"runs killed before their object was stored ({where})"] += len(killed) - len(abandoned)
