"""A checker process for the faults suite: runs checks or a rebuild against a store, and can
SIGKILL itself just before its Nth store operation (a deterministic kill point).

    python -m tests.faults.faults_worker run     --store SPEC --base URL --first I --count N [--prefix P] [--kill-at K]
    python -m tests.faults.faults_worker rebuild --store SPEC --base URL --now-index I [--kill-at K]
    (add --report-ops to print how many store operations it made)

`--kill-from TEXT` counts `--kill-at` from the first store operation whose label (`get state.json`,
`put runs/…`, `list runs/…`, `delete …`) contains TEXT, so a kill can aim at one step of a run (the
fold of a finished day, the reconciling of another run). `--pause-before TEXT --gate DIR` stops
just before the first such operation, writes `DIR/<prefix>.ready` and waits for `DIR/go`: two
workers started this way are at the same step at once when the test opens the gate. `--trace`
writes each operation's label to stdout as it starts (a killed worker's last line is where it died).

SPEC is a folder, or `s3:<endpoint>/<bucket>` for moto's server on loopback. The kill tests call
`work(argv)` in processes forked from a server that has imported everything already, which makes
a killed process cost milliseconds instead of an interpreter start.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import boto3

from checker.derived.rebuild import rebuild
from checker.errors import StoreError
from checker.run import run_checks
from checker.store import LocalStore, Store
from checker.store.s3 import S3Store
from tests.faults.faults_support import fault_bundle, run_time

SESSION = boto3.session.Session(region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
SESSION.client("s3")  # loads the service model once, before the kill tests fork from here


class KillSwitch:
    """Counts operations; kills this process with SIGKILL just before operation `at` (counted from
    the first operation whose label contains `after`), and can wait at a gate before the first
    operation whose label contains `pause`."""

    def __init__(
        self, at: int | None, *, after: str = "", pause: str = "", gate: str = "", name: str = "", trace: bool = False
    ) -> None:
        self.at = at
        self.count = 0
        self.after, self.pause, self.gate, self.name, self.trace = after, pause, gate, name, trace
        self._aimed = 0
        self._armed = not after
        self._paused = False
        self._lock = threading.Lock()  # publishing to S3 uploads from several threads

    def tick(self, *_: Any, **__: Any) -> None:
        self.step("")

    def step(self, label: str) -> None:
        with self._lock:
            self.count += 1
            if self.trace:
                os.write(1, f"op {self.count}: {label}\n".encode())
            if self.pause and not self._paused and self.pause in label:
                self._paused = True
                self._wait_at_gate()
            self._armed = self._armed or self.after in label
            self._aimed += self._armed
            if self._aimed == self.at:
                os.kill(os.getpid(), signal.SIGKILL)

    def _wait_at_gate(self) -> None:
        gate = Path(self.gate)
        (gate / f"{self.name}.ready").touch()
        for _ in range(60_000):
            if (gate / "go").exists():
                return
            time.sleep(0.001)
        sys.exit(f"{self.name}: the gate at {self.pause!r} never opened")


def publish_killed_at(site_dir: str, target: str, kill_at: int | None, s3_endpoint: str | None) -> int:
    """Publish `site_dir` to `target`, SIGKILLed just before its `kill_at`th write or delete at
    the target (S3 requests through botocore's event hooks; folder renames and unlinks through an
    audit hook). Returns how many writes and deletes it made when not killed."""
    from site_builder.publish.publisher import publish

    switch = KillSwitch(kill_at)
    client = None
    if target.startswith("s3://"):
        client = SESSION.client("s3", endpoint_url=s3_endpoint)
        for operation in ("PutObject", "DeleteObject", "DeleteObjects"):
            client.meta.events.register(f"before-send.s3.{operation}", switch.tick)
    else:
        root = str(Path(target).resolve())

        def audit(event: str, args: tuple[Any, ...]) -> None:
            if (event == "os.rename" and str(args[1]).startswith(root)) or (
                event == "os.remove" and str(args[0]).startswith(root)
            ):
                switch.tick()

        sys.addaudithook(audit)  # only ever in a process of its own, which the test kills
    publish(Path(site_dir), target, base=Path(site_dir).parent, s3_client=client)
    return switch.count


def _counting(base: type[Store]) -> type[Store]:
    class Counting(base):  # type: ignore[valid-type, misc]
        switch: KillSwitch

        def get(self, key: str) -> Any:
            self.switch.step(f"get {key}")
            return super().get(key)

        def put(self, key: str, data: bytes, **conditions: Any) -> str:
            self.switch.step(f"put {key}")
            return str(super().put(key, data, **conditions))

        def list(self, prefix: str = "") -> Any:
            self.switch.step(f"list {prefix}")
            return super().list(prefix)

        def delete(self, key: str) -> None:
            self.switch.step(f"delete {key}")
            super().delete(key)

    return Counting


def open_spec(spec: str, switch: KillSwitch) -> Store:
    store: Any
    if spec.startswith("s3:"):
        endpoint, _, bucket = spec[3:].rpartition("/")
        client = SESSION.client("s3", endpoint_url=endpoint)
        store = _counting(S3Store)(bucket, "status", client=client)
    else:
        store = _counting(LocalStore)(spec)
    store.switch = switch
    return store


def work(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["run", "rebuild"])
    parser.add_argument("--store", required=True)
    parser.add_argument("--base", required=True)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--prefix", default="run")
    parser.add_argument("--region", default="eu-west-1")
    parser.add_argument("--now-index", type=int, default=0)
    parser.add_argument("--kill-at", type=int)
    parser.add_argument("--kill-from", default="")
    parser.add_argument("--pause-before", default="")
    parser.add_argument("--gate", default="")
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--report-ops", action="store_true")
    args = parser.parse_args(argv)
    switch = KillSwitch(
        args.kill_at, after=args.kill_from, pause=args.pause_before, gate=args.gate, name=args.prefix, trace=args.trace
    )
    store = open_spec(args.store, switch)
    bundle = fault_bundle(args.base)
    failures = 0
    if args.action == "run":
        for index in range(args.first, args.first + args.count):
            for _ in range(20):  # a run that reports a store failure is retried, as Lambda does
                try:
                    report = run_checks(
                        bundle, store, now=run_time(index), region=args.region, run_id=f"{args.prefix}-{index:04d}"
                    )
                    for warning in report.warnings:
                        print(f"warning: {warning}", file=sys.stderr)
                    break
                except StoreError:
                    failures += 1
            else:
                sys.exit(f"{args.prefix}-{index:04d} failed 20 times")
    else:
        rebuild(bundle, store, now=run_time(args.now_index))
    if args.report_ops:
        print(switch.count)
    print(f"failures={failures}", file=sys.stderr)


def work_logged(argv: list[str], log: str) -> None:
    """`work(argv)` with this process's stdout and stderr (a traceback included) going to `log`."""
    with Path(log).open("ab") as out:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
    work(argv)


FORKS = multiprocessing.get_context("forkserver")
FORKS.set_forkserver_preload(["tests.faults.faults_worker", "checker.run", "checker.derived.rollup", "httpx"])


def start(argv: list[str], log: Path) -> multiprocessing.process.BaseProcess:
    """A worker for `argv` in a process of its own, forked from a server that has imported
    everything already; its output goes to `log`."""
    process = FORKS.Process(target=work_logged, args=(argv, str(log)))
    process.start()
    return process


def finish(process: multiprocessing.process.BaseProcess) -> int:
    """The worker's exit code once it ended: 0, 1 after a traceback, -SIGKILL when killed."""
    process.join(60)
    assert process.exitcode is not None, "a worker still running after 60 s"
    return process.exitcode


if __name__ == "__main__":
    work(sys.argv[1:])
