"""Benchmark: one checker run over 1,000 HTTP endpoints on 127.0.0.1.

The endpoints answer after 50 ms; 5% answer 500 and 2% hang past the 2 s timeout. They are served
by a separate process, and each measured run is a fresh checker process, so the wall time and peak
RSS printed are the checker's alone. The run is the one `statusgen check` performs (run_checks
with a folder store: probes, run object, state, rollup, closed days, summary), on an empty store;
bench/rollup_scale.py measures the store update with a long history. Prints each run and the
medians. The checker runs with `checker.concurrency: 1000` (BENCH_CONCURRENCY to change it), so
that the hanging endpoints do not hold up the others.

    python bench/checker_fleet.py [--runs 5] [--endpoints 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LATENCY = 0.05
TIMEOUT = 2.0
HANG = 10.0
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "1000"))
"""`checker.concurrency` for the run: a fleet of 1,000 is configured to probe all at once."""


def expected(index: int) -> str:
    """What endpoint `index` does: 5% fail with 500, 2% hang, the rest answer 200."""
    if index % 20 == 0:
        return "error"
    if index % 50 == 1:
        return "hang"
    return "ok"


# --- the endpoints (their own process) ---------------------------------------------------------


async def _serve(ports: int) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                path = request.split(b" ", 2)[1].decode()
                kind = expected(int(path.rsplit("/", 1)[-1]))
                await asyncio.sleep(HANG if kind == "hang" else LATENCY)
                status = b"500 Internal Server Error" if kind == "error" else b"200 OK"
                writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    servers = [await asyncio.start_server(handle, "127.0.0.1", 0, backlog=2048)
               for _ in range(ports)]
    print(json.dumps([s.sockets[0].getsockname()[1] for s in servers]), flush=True)
    await asyncio.Event().wait()


# --- one measured checker run (its own process) -------------------------------------------------


def _check(ports: list[int], endpoints: int) -> None:
    from datetime import UTC, datetime

    from checker.bundle import Bundle
    from checker.run import run_checks
    from checker.store import LocalStore

    components = [
        {"id": f"e{i}", "name": f"Endpoint {i}",
         "check": {"type": "http", "url": f"http://127.0.0.1:{ports[i % len(ports)]}/e/{i}",
                   "timeout": TIMEOUT}}
        for i in range(endpoints)
    ]
    checker = {"interval": 60, "concurrency": CONCURRENCY}
    bundle = Bundle.model_validate({"site": {"name": "Bench"}, "checker": checker,
                                    "components": components, "incidents": []})
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        report = run_checks(bundle, LocalStore(folder), now=datetime.now(UTC))
        wall = time.perf_counter() - started
    wrong = [s.component for s in report.run.samples
             if (s.status == "up") != (expected(int(s.component[1:])) == "ok")]
    timeouts = sum(1 for s in report.run.samples if s.reason == f"timeout after {TIMEOUT:.1f} s")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    probes = (report.run.finished_at - report.run.started_at).total_seconds()
    print(json.dumps({"wall_s": wall, "probe_s": probes, "rss_mb": rss_mb, "wrong": len(wrong), "timeouts": timeouts,
                      "samples": len(report.run.samples)}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--endpoints", type=int, default=1000)
    parser.add_argument("--ports", type=int, default=4)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--check", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args.serve))
        return
    if args.check:
        _check(json.loads(args.check), args.endpoints)
        return
    me = str(Path(__file__).resolve())
    server = subprocess.Popen([sys.executable, me, "--serve", str(args.ports)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        ports = server.stdout.readline().strip()
        results = []
        for number in range(1, args.runs + 1):
            out = subprocess.run([sys.executable, me, "--check", ports, "--endpoints",
                                  str(args.endpoints)], capture_output=True, text=True, check=True)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            results.append(result)
            print(f"run {number}: {result['wall_s']:.2f} s wall ({result['probe_s']:.2f} s probing), "
                  f"{result['rss_mb']:.0f} MB peak RSS, "
                  f"{result['samples']} samples, {result['timeouts']} timeouts, "
                  f"{result['wrong']} wrong")
        print(f"median over {len(results)} runs of {args.endpoints} endpoints: "
              f"{statistics.median(r['wall_s'] for r in results):.2f} s wall "
              f"({statistics.median(r['probe_s'] for r in results):.2f} s probing), "
              f"{statistics.median(r['rss_mb'] for r in results):.0f} MB peak RSS, "
              f"{max(r['wrong'] for r in results)} wrong statuses at most")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
