"""Fault injection for the faults suite: S3 failures through botocore's event hooks, programmable
loopback endpoints, the suite's bundle and clock, and checks that derived data matches the runs.

The worker processes (faults_worker.py) import it too.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError
from botocore.httpsession import URLLib3Session

from checker.bundle import Bundle
from checker.derived.rebuild import rebuild
from checker.derived.rollup import record_run
from checker.derived.stored_runs import RUNS_PREFIX, load_runs
from checker.errors import StoreError
from checker.results import Run
from checker.run import run_checks
from checker.run_report import RunReport
from checker.store import LocalStore, Store
from tests.helpers import TOTALS, hourly_latency_counts, latency_counts

FIXTURES = Path(__file__).parent.parent / "fixtures" / "faults"
T0 = datetime(2026, 11, 20, 23, 45, tzinfo=UTC)
"""First run of a sequence; runs are a minute apart, so a sequence of 20 or more crosses midnight
and exercises folding a finished day into the history."""
STEP = timedelta(minutes=1)
FAULT_KINDS = ("slowdown", "internal", "timeout", "lost", "conflict")


def run_time(index: int) -> datetime:
    return T0 + index * STEP


# --- S3 faults --------------------------------------------------------------------------------


class _Raw:
    """The raw body of a made-up response, in the shape botocore reads it."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


def _error_response(url: str, status: int, code: str, message: str) -> AWSResponse:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'
    ).encode()
    return AWSResponse(url, status, {"Content-Type": "application/xml"}, _Raw(body))  # type: ignore[arg-type]


class S3Faults:
    """Fails a seeded fraction of a boto3 S3 client's requests, as S3 and networks do.

    Kinds: `slowdown` (503 SlowDown), `internal` (500 InternalError), `timeout` (a read timeout
    before the request reaches S3), `lost` (S3 carries out the request, then the answer is lost
    in a read timeout: the nastiest case for a conditional write), and `conflict` on conditional
    writes (412 PreconditionFailed for If-Match, as when another writer won; 409
    ConditionalRequestConflict for If-None-Match, as S3 answers concurrent creates).
    Meant for a client of moto's server on loopback: a made-up answer means the request is
    never sent, exactly as when S3 or the network fails it.
    """

    def __init__(self, *, rate: float, seed: int, kinds: tuple[str, ...] = FAULT_KINDS, only: str = "") -> None:
        self.rate = rate
        self.only = only
        """Fail only requests whose URL contains this (`/runs/`, say)."""
        self.random = random.Random(seed)
        self.kinds = kinds
        self.injected: Counter[str] = Counter()
        self.calls = 0
        self.enabled = True
        self._session = URLLib3Session()

    def attach(self, client: Any) -> Any:
        # First in line, ahead of moto's own before-send stub, so a fault replaces the real answer.
        client.meta.events.register_first("before-send.s3.*", self._before_send)
        return client

    def _before_send(self, request: Any, **_: Any) -> AWSResponse | None:
        self.calls += 1
        if not self.enabled or self.only not in request.url or self.random.random() >= self.rate:
            return None
        conditional = "If-Match" in request.headers or "If-None-Match" in request.headers
        kinds = [k for k in self.kinds if k != "conflict" or conditional]
        kind = self.random.choice(kinds)
        self.injected[kind] += 1
        TOTALS[f"S3 fault: {kind}"] += 1
        if kind == "slowdown":
            return _error_response(request.url, 503, "SlowDown", "Please reduce your request rate.")
        if kind == "internal":
            return _error_response(request.url, 500, "InternalError", "We encountered an internal error.")
        if kind == "conflict":
            if "If-Match" in request.headers:
                return _error_response(
                    request.url,
                    412,
                    "PreconditionFailed",
                    "At least one of the pre-conditions you specified did not hold",
                )
            return _error_response(
                request.url,
                409,
                "ConditionalRequestConflict",
                "A conflicting conditional operation is currently in progress",
            )
        if kind == "lost":
            self._session.send(request.prepare())  # S3 does the work; the client never hears
        raise ReadTimeoutError(endpoint_url=request.url)


# --- loopback endpoints -------------------------------------------------------------------------


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # all probes connect at once; a full backlog drops SYNs for 1 s

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up early are expected here


class Endpoints:
    """An HTTP server on 127.0.0.1 answering `/<name>` with `codes[name]` (200 by default)."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[str] = []
        """Each request's path and headers, as received."""
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                name = self.path.strip("/").split("?")[0]
                outer.hits[name] += 1
                outer.requests.append(f"{self.path}\n{self.headers}")
                code = outer.codes.get(name, 200)
                body = b"ok" if code < 400 else b"failing"
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{name}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def fault_bundle(base_url: str, **checker: Any) -> Bundle:
    """The suite's page: three probed components and one without a check, from the fixture file,
    pointed at `base_url` (the loopback Endpoints)."""
    text = (FIXTURES / "bundle.json").read_text().replace("{base}", base_url.rstrip("/"))
    data = json.loads(text)
    data["checker"].update(checker)
    return Bundle.model_validate(data)


def failing_schedule(index: int) -> dict[str, int]:
    """Which endpoints fail on run `index`: outages that open and close within a sequence."""
    codes = {"api": 200, "web": 200, "search": 200}
    if 4 <= index < 9:
        codes["api"] = 503
    if index in (6, 7, 14):
        codes["web"] = 500
    if index % 5 == 3:
        codes["search"] = 502
    return codes


# --- driving runs and checking what they left behind ----------------------------------------------


def run_until_recorded(
    bundle: Bundle,
    store: Store,
    *,
    index: int,
    attempts: int = 12,
    region: str = "eu-west-1",
    run_id: str | None = None,
    **options: Any,
) -> tuple[RunReport, int]:
    """Run number `index` as Lambda would, retrying the same invocation (same run id) while it
    reports a store failure. Returns the report that succeeded and how many attempts failed."""
    failures = 0
    run_id = run_id or f"run-{index:04d}"
    for _ in range(attempts):
        try:
            return run_checks(bundle, store, now=run_time(index), region=region, run_id=run_id, **options), failures
        except StoreError:
            failures += 1
    raise AssertionError(f"{run_id} still failing after {attempts} attempts")


def retry_until_done(call: Callable[[], Any], attempts: int = 12) -> Any:
    """`call()` again while the store fails (a retried `rollup --rebuild`, say)."""
    for _ in range(attempts):
        try:
            return call()
        except StoreError:
            continue
    raise AssertionError(f"still failing after {attempts} attempts")


def replay_without_faults(bundle: Bundle, runs: list[Run], folder: Path) -> LocalStore:
    """The same runs recorded one by one into a fresh folder store: the reference result."""
    clean = LocalStore(folder)
    for run in sorted(runs, key=lambda r: (r.started_at, r.id)):
        clean.put_json(run.key, run.model_dump(mode="json"), if_none_match=True)
        record_run(bundle, clean, run, now=run.started_at)
    return clean


def derived_files(store: Store) -> dict[str, Any]:
    """Every derived file (summary, rollups) by key, parsed."""
    keys = ["summary.json", *store.list("rollups/")]
    return {key: store.get_json(key) for key in keys}


def assert_runs_stored_once(store: Store, expected_ids: set[str], components: int) -> list[Run]:
    """Each run id has exactly one object under runs/, with one sample per probed component."""
    keys = list(store.list(RUNS_PREFIX))
    runs = load_runs(store)
    ids = Counter(r.id for r in runs)
    assert len(keys) == len(runs), f"run ids stored more than once: {len(keys)} objects, {len(runs)} ids"
    missing, extra = sorted(expected_ids - set(ids)), sorted(set(ids) - expected_ids)
    assert not missing and not extra, f"missing {missing}, extra {extra}"
    for run in runs:
        assert len(run.samples) == components, f"{run.id}: {len(run.samples)} samples"
    return runs


def assert_counted_once(store: Store, runs: list[Run]) -> None:
    """Each daily rollup lists a run at most once (a run can touch two days around midnight) and
    the rollups hold exactly one sample per sample stored."""
    listed: Counter[tuple[str, str]] = Counter()
    samples: Counter[tuple[str, str]] = Counter()
    for key in store.list("rollups/daily/"):
        day = store.get_json(key)
        listed.update((day["date"], run_id) for run_id in day["runs"])
        for component, entry in day["components"].items():
            samples[(day["date"], component)] += sum(entry["samples"].values())
    expected: Counter[tuple[str, str]] = Counter()
    for run in runs:
        if not run.offline:
            for sample in run.samples:
                expected[(sample.at.date().isoformat(), sample.component)] += 1
    history = store.get_json("rollups/history.json") or {"days": {}}
    for day_name, components in history["days"].items():
        for component, entry in components.items():
            samples.setdefault((day_name, component), sum(entry["samples"].values()))
    assert all(n == 1 for n in listed.values()), f"runs counted twice: {[r for r, n in listed.items() if n > 1]}"
    assert samples == expected
    assert hourly_latency_counts(store) == latency_counts(runs)


DERIVED_PREFIXES = ("state.json", "summary.json", "rollups/")


def derived_bytes(store: Store) -> dict[str, bytes]:
    """Every derived file (state, summary, daily rollups, history, closed days) by key, as stored."""
    files = {}
    for prefix in DERIVED_PREFIXES:
        for key in store.list(prefix):
            stored = store.get(key)
            assert stored is not None, key
            files[key] = stored.data
    return files


def rebuilt_bytes(bundle: Bundle, store: Store, folder: Path, *, now: datetime) -> dict[str, bytes]:
    """What `rollup --rebuild` at `now` makes from `store`'s runs/ alone (in a folder of its own,
    leaving `store` as it is)."""
    fresh = LocalStore(folder)
    for key in store.list(RUNS_PREFIX):
        stored = store.get(key)
        assert stored is not None, key
        fresh.put(key, stored.data)
    rebuild(bundle, fresh, now=now)
    return derived_bytes(fresh)


def byte_differences(live: dict[str, bytes], rebuilt: dict[str, bytes]) -> list[str]:
    """Where the live derived files differ from a rebuild's, field by field."""
    out = []
    for key in sorted(set(live) | set(rebuilt)):
        if key not in live or key not in rebuilt:
            out.append(f"{key}: only in {'the rebuild' if key in rebuilt else 'the live store'}")
        elif live[key] != rebuilt[key]:
            found = differences(json.loads(live[key]), json.loads(rebuilt[key]), key)
            out += found or [f"{key}: same content, different bytes"]
    return out


def assert_each_stored_run_counted_once(store: Store) -> list[Run]:
    """Every stored run is listed once in the rollup of the day it started, and the rollups hold
    exactly its samples: none lost, none counted twice. Returns the stored runs."""
    runs = load_runs(store)
    assert_counted_once(store, runs)
    for run in runs:
        day = store.get_json(f"rollups/daily/{run.started_at.date().isoformat()}.json")
        assert day is not None and run.id in day["runs"], f"{run.id} is stored but in no rollup"
    return runs


def summary_progress(summary: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """What must never go backwards in a summary: when it was made and each component's last check."""
    return summary["generated_at"], {c["id"]: c["last_checked_at"] or "" for c in summary["components"]}


def assert_not_backwards(before: tuple[str, dict[str, str]] | None, after: tuple[str, dict[str, str]]) -> None:
    if before is None:
        return
    assert after[0] >= before[0], f"summary went back from {before[0]} to {after[0]}"
    for component, checked in before[1].items():
        assert after[1].get(component, "") >= checked, f"{component}: last check went back"


def differences(left: Any, right: Any, path: str = "") -> list[str]:
    """Where two JSON documents differ, as `path: left != right` lines (for assertion messages)."""
    if isinstance(left, dict) and isinstance(right, dict):
        out = []
        for key in sorted(set(left) | set(right)):
            out += differences(left.get(key, "<missing>"), right.get(key, "<missing>"), f"{path}.{key}")
        return out
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        return [
            line for i, (a, b) in enumerate(zip(left, right, strict=True)) for line in differences(a, b, f"{path}[{i}]")
        ]
    return [] if left == right else [f"{path}: {left!r} != {right!r}"]
