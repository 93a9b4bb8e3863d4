"""Benchmark: `statusgen check` over a fleet of HTTP endpoints on 127.0.0.1, as a user runs it.

The endpoints are served by a separate process. Of every 1,000: 5% answer 500, 2% hang past the
2 s timeout, 3% answer after 1.5 s (`degraded_after: 1.0` makes them degraded), the rest answer
after 50 ms. `--bombs N` adds N endpoints whose 2 kB answer is a gzip bomb (`Content-Encoding:
gzip, gzip`, 1 GiB once decoded) behind a body check.

Each measured run writes a `statuspage.yaml` with the default `checker:` settings into a fresh
folder and starts the real `statusgen check` command as its own process twice: the first run on a
new store, then an ordinary run (what a scheduled checker does every minute: the store holds the
last decisions, and it is not the first run of the day). The wall time and peak RSS are that
process's. After each, the bench reads the stored run object and checks every status (up,
degraded, down) against what its endpoint does, and the latency recorded for the healthy
endpoints. It also times, in a separate process, how long loading that `statuspage.yaml` takes.

`--history-days 90` gives the store, between the first run and the ordinary one, 90 days of
history (synthetic days folded by the checker's own code, `bench/seeded_history.py`) and today's
earlier hours of latency: the ordinary run of a checker that has been running for months, which
reads and writes a full 90-day window and 12 months for every component. `--history-days 1` gives
it today's earlier hours only: the ordinary run of a new checker late in the day. Both give as
many earlier hours as the clock has passed today; to measure late in the day at any time, run the
bench under Debian's `faketime` (`faketime -f +21h python bench/checker_fleet.py ...`, which
shifts the clocks of the bench and every process it starts alike).

`--shards N` sets `checker.shards: N`, compiles the bundle into the store (`statusgen compile
--to-store`) and runs each shard's worker through the Lambda entry point (`checker.handler`) as
its own process, one after another: a stand-in for Lambda invocations, each with its own CPU.
Each worker runs twice, as above; the figures reported are the ordinary runs'.

    python bench/checker_fleet.py [--runs 5] [--endpoints 1000] [--bombs 10] [--history-days 90]
    python bench/checker_fleet.py --runs 3 --endpoints 10000 --shards 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

import installed  # bench/: how the timed commands run

LATENCY = 0.05
SLOW = 1.5
DEGRADED_AFTER = 1.0
TIMEOUT = 2.0
HANG = 10.0
BOMB_DECODED = 1024**3
"""Bytes a gzip-bomb answer decodes to."""
STATUSGEN = str(Path(sys.executable).with_name("statusgen"))
EXPECTED_STATUS = {"ok": "up", "slow": "degraded", "error": "down", "hang": "down", "bomb": "down"}


def kind(component: str) -> str:
    """What the endpoint behind component `component` does."""
    if component.startswith("b"):
        return "bomb"
    index = int(component[1:])
    if index % 20 == 0:
        return "error"
    if index % 50 == 1:
        return "hang"
    if index % 33 == 2:
        return "slow"
    return "ok"


# --- the endpoints (their own process) ---------------------------------------------------------


def _gzip(chunks: Any) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join(packer.compress(chunk) for chunk in chunks) + packer.flush()


def _bomb() -> bytes:
    """Gzip of gzip of BOMB_DECODED zero bytes: about 2 kB on the wire."""
    block = bytes(1024 * 1024)
    inner = _gzip(block for _ in range(BOMB_DECODED // len(block)))
    return _gzip([inner])


class _Endpoint(asyncio.Protocol):
    """One connection to the fleet: protocol callbacks and a timer, no task per connection, so the
    server's own loop stays idle enough to answer each request when it should."""

    bomb = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.request = b""

    def data_received(self, data: bytes) -> None:
        self.request += data
        if b"\r\n\r\n" not in self.request:
            return
        what = kind(self.request.split(b" ", 2)[1].decode().rsplit("/", 1)[-1])
        self.request = b""
        if what == "bomb":
            self.transport.write(self.bomb)
            return
        delay = {"hang": HANG, "slow": SLOW}.get(what, LATENCY)
        status = b"500 Internal Server Error" if what == "error" else b"200 OK"
        asyncio.get_running_loop().call_later(delay, self._answer, status)

    def _answer(self, status: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 2\r\n\r\nok")


async def _serve(ports: int, bombs: bool) -> None:
    bomb = _bomb() if bombs else b""
    _Endpoint.bomb = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        b"Content-Encoding: gzip, gzip\r\nContent-Length: %d\r\n\r\n" % len(bomb)
    ) + bomb
    loop = asyncio.get_running_loop()
    servers = [await loop.create_server(_Endpoint, "127.0.0.1", 0, backlog=4096) for _ in range(ports)]
    print(json.dumps([s.sockets[0].getsockname()[1] for s in servers]), flush=True)
    await asyncio.Event().wait()


# --- the site on disk --------------------------------------------------------------------------


def write_site(
    root: Path, ports: list[int], endpoints: int, bombs: int, shards: int, concurrency: int | None = None
) -> None:
    lines = ["site: {name: Bench}", "store: ./data", "publish: ./public"]
    settings = {"shards": shards if shards > 1 else None, "concurrency": concurrency}
    given = ", ".join(f"{key}: {value}" for key, value in settings.items() if value is not None)
    if given:
        lines.append(f"checker: {{{given}}}")
    lines.append("components:")
    ids = [f"e{i}" for i in range(endpoints)] + [f"b{i}" for i in range(bombs)]
    for number, component in enumerate(ids):
        url = f"http://127.0.0.1:{ports[number % len(ports)]}/e/{component}"
        extra = ", body_contains: healthy" if component.startswith("b") else ""
        lines.append(
            f"  - id: {component}\n    name: Endpoint {component}\n"
            f'    check: {{type: http, url: "{url}", timeout: {TIMEOUT}, '
            f"degraded_after: {DEGRADED_AFTER}{extra}}}"
        )
    (root / "statuspage.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _load_time(root: Path) -> float:
    """Seconds a fresh process spends loading `statuspage.yaml` (imports excluded)."""
    code = (
        "import sys, time; from pathlib import Path; from site_builder.content.site import load_site;"
        "t = time.perf_counter(); load_site(Path(sys.argv[1])); print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def _timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, stdout) of one command run as its own process."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True, env=env or installed.ENVIRONMENT)
        _, status, usage = os.wait4(process.pid, 0)  # the child's own rusage: its peak RSS
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(command[:3])} failed ({process.returncode}):\n{err.read()}")
        return wall, usage.ru_maxrss / 1024, out.read()


def _samples(runs: list[Path]) -> list[dict[str, Any]]:
    return [s for path in runs for s in json.loads(path.read_text())["samples"]]


def _run_file(store: Path, run_id: str) -> Path:
    """The stored run object of `run_id`."""
    return next((store / "runs").rglob(f"*-{run_id}.json"))


def _probe_seconds(run_file: Path) -> float:
    """Seconds from the start of a run to the end of its probing, from its stored run object."""
    run = json.loads(run_file.read_text())
    return (datetime.fromisoformat(run["finished_at"]) - datetime.fromisoformat(run["started_at"])).total_seconds()


def _judge(samples: list[dict[str, Any]], planned: int) -> dict[str, Any]:
    wrong = [s["component"] for s in samples if s["status"] != EXPECTED_STATUS[kind(s["component"])]]
    healthy = sorted(s["latency_ms"] for s in samples if kind(s["component"]) == "ok")
    counts = {status: sum(1 for s in samples if s["status"] == status) for status in ("up", "degraded", "down")}
    expected = dict.fromkeys(("up", "degraded", "down"), 0)
    for s in samples:
        expected[EXPECTED_STATUS[kind(s["component"])]] += 1
    return {
        "samples": len(samples),
        "missing": planned - len(samples),
        "wrong": len(wrong),
        "counts": counts,
        "expected": expected,
        "healthy_p50_ms": healthy[len(healthy) // 2] if healthy else None,
        "healthy_p95_ms": healthy[int(len(healthy) * 0.95)] if healthy else None,
        "bomb_reasons": sorted({s["reason"] for s in samples if kind(s["component"]) == "bomb"}),
    }


def _check_once(root: Path, endpoints: int) -> dict[str, Any]:
    before = set((root / "data" / "runs").rglob("*.json"))
    wall, rss, out = _timed([STATUSGEN, "check", "--root", str(root)])
    closing = next(line for line in out.splitlines() if " up, " in line)
    run_checks_s = float(closing.rsplit(" in ", 1)[1].split()[0])
    (run_file,) = set((root / "data" / "runs").rglob("*.json")) - before
    probe_s = _probe_seconds(run_file)
    return {
        "wall_s": wall,
        "rss_mb": rss,
        "probe_s": probe_s,
        "record_s": run_checks_s - probe_s,
        **_judge(_samples([run_file]), endpoints),
    }


_SEEDED: dict[int, Path] = {}
"""Days of history -> a store folder holding only that history and its closed days (made once:
they do not depend on the run, and making them takes minutes for a large fleet)."""


def with_history(root: Path, days: int) -> None:
    """Give the store of the site at `root`, after its first run, `days` days of history and
    today's earlier hours of latency, as a checker that has been running for months has. Done
    by another process: a timed command started from a process that grew to hold a large
    history would report that process's memory as its own peak (it survives fork and exec)."""
    seeded = _SEEDED.setdefault(days, Path(tempfile.mkdtemp(prefix="statusgen-history-")))
    subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("seeded_history.py")),
            str(root),
            "--days",
            str(days),
            "--seeded",
            str(seeded),
        ],
        check=True,
    )


def check_run(ports: list[int], endpoints: int, bombs: int, history_days: int) -> dict[str, Any]:
    """The first run on a new store, then an ordinary run on it: the second is the result, with
    the first's figures under `first`. With `history_days`, the store is given that much history
    between the two."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_site(root, ports, endpoints, bombs, shards=1)
        load = _load_time(root)
        first = _check_once(root, endpoints + bombs)
        if history_days:
            with_history(root, history_days)
        ordinary = _check_once(root, endpoints + bombs)
    return {"load_s": load, "first": first, **ordinary}


def shard_run(ports: list[int], endpoints: int, shards: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_site(root, ports, endpoints, 0, shards=shards)
        subprocess.run([STATUSGEN, "compile", "--root", str(root), "--to-store"], capture_output=True, check=True)
        env = {**installed.ENVIRONMENT, "STATUSGEN_STORE": str(root / "data")}
        code = "import json, sys; from checker.handler import handler; handler(json.loads(sys.argv[1]), None)"
        runs: dict[str, list[dict[str, Any]]] = {"first": [], "ordinary": []}
        files: dict[str, list[Path]] = {"first": [], "ordinary": []}
        for which in ("first", "ordinary"):
            for shard in range(shards):
                event = {"statusgen": "check", "run_id": f"bench-{which}-s{shard}", "shard": shard, "shards": shards}
                wall, rss, _ = _timed([sys.executable, "-c", code, json.dumps(event)], env=env)
                run = _run_file(root / "data", event["run_id"])
                files[which].append(run)
                runs[which].append({"wall_s": wall, "rss_mb": rss, "probe_s": _probe_seconds(run)})
        results = {which: _judge(_samples(files[which]), endpoints) for which in runs}
    workers = runs["ordinary"]
    first = runs["first"]
    return {
        "workers": workers,
        "worst_wall_s": max(w["wall_s"] for w in workers),
        "worst_rss_mb": max(w["rss_mb"] for w in workers),
        "first": {"workers": first, "worst_wall_s": max(w["wall_s"] for w in first), **results["first"]},
        **results["ordinary"],
    }


def _median(results: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--endpoints", type=int, default=1000)
    parser.add_argument("--bombs", type=int, default=0)
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--ports", type=int, default=4)
    parser.add_argument(
        "--history-days", type=int, default=0, help="give the store this many days of history before the ordinary run"
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args.serve, args.bombs > 0))
        return
    installed.byte_compile()
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve", str(args.ports), "--bombs", str(args.bombs)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        ports = json.loads(server.stdout.readline())
        results = []
        for number in range(1, args.runs + 1):
            if args.shards > 1:
                result = shard_run(ports, args.endpoints, args.shards)
                times = ", ".join(f"{w['wall_s']:.2f}" for w in result["workers"])
                probing = ", ".join(f"{w['probe_s']:.2f}" for w in result["workers"])
                first = ", ".join(f"{w['wall_s']:.2f}" for w in result["first"]["workers"])
                print(
                    f"run {number}: first run on a new store: workers {first} s wall, "
                    f"{result['first']['wrong'] + result['first']['missing']} wrong or missing; "
                    f"ordinary run: workers {times} s wall, of which probing {probing} s "
                    f"(worst wall {result['worst_wall_s']:.2f} s, "
                    f"{result['worst_rss_mb']:.0f} MB peak RSS); {result['counts']} "
                    f"(expected {result['expected']}), {result['wrong']} wrong, "
                    f"{result['missing']} missing; healthy p50 {result['healthy_p50_ms']} ms, "
                    f"p95 {result['healthy_p95_ms']} ms",
                    flush=True,
                )
            else:
                result = check_run(ports, args.endpoints, args.bombs, args.history_days)
                first = result["first"]
                print(
                    f"run {number}: first run on a new store {first['wall_s']:.2f} s wall (probing "
                    f"{first['probe_s']:.2f} s, record {first['record_s']:.2f} s), "
                    f"{first['wrong'] + first['missing']} wrong or missing; ordinary run "
                    f"{result['wall_s']:.2f} s wall (config load "
                    f"{result['load_s']:.3f} s, probing {result['probe_s']:.2f} s, record_run + "
                    f"summary {result['record_s']:.2f} s), {result['rss_mb']:.0f} MB peak RSS; "
                    f"{result['counts']} (expected {result['expected']}), {result['wrong']} wrong, "
                    f"{result['missing']} missing; healthy p50 {result['healthy_p50_ms']} ms, "
                    f"p95 {result['healthy_p95_ms']} ms" + (f"; bombs: {result['bomb_reasons']}" if args.bombs else ""),
                    flush=True,
                )
            results.append(result)
        if args.shards > 1:
            worst_probe = statistics.median(max(w["probe_s"] for w in r["workers"]) for r in results)
            firsts = [r["first"] for r in results]
            print(
                f"first runs on a new store: worst worker {_median(firsts, 'worst_wall_s'):.2f} s "
                f"wall (median), {max(f['wrong'] + f['missing'] for f in firsts)} wrong or missing "
                "at most"
            )
            print(
                f"median over {len(results)} ordinary runs of {args.endpoints} endpoints in "
                f"{args.shards} shards: worst worker {_median(results, 'worst_wall_s'):.2f} s "
                f"wall, worst probing {worst_probe:.2f} s, "
                f"every worker {statistics.median(w['wall_s'] for r in results for w in r['workers']):.2f} s "
                f"median, {_median(results, 'worst_rss_mb'):.0f} MB peak RSS; "
                f"{max(r['wrong'] + r['missing'] for r in results)} wrong or missing at most; "
                f"healthy p95 {_median(results, 'healthy_p95_ms'):.1f} ms"
            )
        else:
            firsts = [r["first"] for r in results]
            print(
                f"first runs on a new store: {_median(firsts, 'wall_s'):.2f} s wall (median), "
                f"probing {_median(firsts, 'probe_s'):.2f} s, record {_median(firsts, 'record_s'):.2f} s, "
                f"{max(f['wrong'] + f['missing'] for f in firsts)} wrong or missing at most"
            )
            history = f", {args.history_days} days of history" if args.history_days else ""
            print(
                f"median over {len(results)} ordinary runs of {args.endpoints} endpoints{history}"
                f"{f' + {args.bombs} gzip bombs' if args.bombs else ''}: "
                f"{_median(results, 'wall_s'):.2f} s wall, config load "
                f"{_median(results, 'load_s'):.3f} s, probing {_median(results, 'probe_s'):.2f} s, "
                f"record_run + summary {_median(results, 'record_s'):.2f} s, "
                f"{_median(results, 'rss_mb'):.0f} MB peak RSS; "
                f"{max(r['wrong'] + r['missing'] for r in results)} wrong or missing at most; "
                f"healthy p50 {_median(results, 'healthy_p50_ms'):.1f} ms, "
                f"p95 {_median(results, 'healthy_p95_ms'):.1f} ms"
            )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
