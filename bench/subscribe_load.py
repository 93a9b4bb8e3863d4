"""Load on the subscribe endpoint: the handler served over HTTP on loopback, driven by a second
process with many requests in flight.

    python bench/subscribe_load.py                       # 2,000 requests, 200 concurrent, 3 rounds
    python bench/subscribe_load.py --requests 5000 --concurrency 400 --repeat 5
    python bench/subscribe_load.py --timing 300          # known vs new addresses, one at a time

Each round starts from an empty folder store and an outbox mailer, with the default rate limits.
One in ten requests repeats an address already sent, so de-duplication is exercised. Requests
come from 500 simulated visitor IPs (the client names one per request in a header that only this
bench's server reads, as a Function URL hands over each visitor's own address). Prints, as medians
over the rounds: throughput (requests/s), p50 and p99 latency, and the answers by status; then
checks that every accepted address is stored exactly once and got one confirmation mail per
accepted request (exit status 1 if not).

`--timing N` measures instead whether the time of an answer tells a subscribed address from a
new one: N addresses are made active subscribers, then N requests for them and N for new
addresses are sent one at a time, interleaved, each from its own IP. It prints both medians and
how often one request is classified right by the best threshold between them (50% is a coin
toss: nothing learned); exit status 1 when that is above 60%.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-token-secret-0123456789abcdefghij"


VISITORS = 500
SOURCE_HEADER = "x-bench-source-ip"


def addresses(count: int) -> list[str]:
    """`count` addresses, every tenth one a repeat of an earlier one."""
    return [f"user{(n - 5 if n % 10 == 9 else n)}@bench.example.org" for n in range(count)]


def visitor(number: int) -> str:
    return f"198.18.{number % VISITORS // 250}.{number % 250 + 1}"


# --- the load generator (the second process) ------------------------------------------------------


async def drive(url: str, count: int, concurrency: int) -> dict[str, Any]:
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    semaphore = asyncio.Semaphore(concurrency)
    results: list[tuple[str, int, float]] = []

    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def one(number: int, address: str) -> None:
            async with semaphore:
                started = time.perf_counter()
                response = await client.post(
                    url,
                    content=urlencode({"email": address}),
                    headers={
                        "content-type": "application/x-www-form-urlencoded",
                        "accept": "application/json",
                        SOURCE_HEADER: visitor(number),
                    },
                )
                results.append((address, response.status_code, time.perf_counter() - started))

        started = time.perf_counter()
        await asyncio.gather(*(one(n, a) for n, a in enumerate(addresses(count))))
        elapsed = time.perf_counter() - started
    return {"elapsed": elapsed, "results": results}


def client_main(url: str, count: int, concurrency: int) -> None:
    print(json.dumps(asyncio.run(drive(url, count, concurrency))))


# --- the server (this process) ---------------------------------------------------------------------


def serve(folder: Path, *, nodelay: bool = False) -> tuple[ThreadingHTTPServer, Any]:
    from checker.alerting.mail import MailSettings, OutboxMailer
    from checker.store import LocalStore
    from checker.subscriber_settings import SubscribersSettings
    from site_builder.content.site import compile_bundle
    from site_builder.subscribe import Request, handle_subscribe_request

    bundle = compile_bundle(ROOT / "tests" / "fixtures" / "faults" / "site")
    store = LocalStore(folder / "store")
    mailer = OutboxMailer(folder / "outbox")
    settings = SubscribersSettings(
        token_secret="${TOKEN_SECRET}",
        endpoint_url="https://bench.example.org",
        email=MailSettings(from_address="Status <status@bench.example.org>"),
    )

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle's algorithm the second one waits for
        # the client's delayed ACK (40 ms), which would hide any difference the timing run looks for.
        disable_nagle_algorithm = nodelay

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            source = headers.pop(SOURCE_HEADER, self.client_address[0])
            request = Request("POST", parts.path, parts.query, body, headers, source)
            answer = handle_subscribe_request(
                request,
                bundle=bundle,
                store=store,
                now=datetime.now(UTC),
                settings=settings,
                env={"TOKEN_SECRET": SECRET},
                mailer=mailer,
            )
            self.send_response(answer.status)
            self.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 1024  # the load opens hundreds of connections at once

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, store


def one_round(count: int, concurrency: int) -> dict[str, Any]:
    from email import message_from_bytes, policy

    from site_builder.subscribe import records

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        server, store = serve(folder)
        url = f"http://127.0.0.1:{server.server_address[1]}/subscribe"
        try:
            load = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--client",
                    url,
                    "--requests",
                    str(count),
                    "--concurrency",
                    str(concurrency),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
        finally:
            server.shutdown()
            server.server_close()
        data = json.loads(load.stdout)
        statuses = Counter(status for _, status, _ in data["results"])
        latencies = sorted(seconds for _, _, seconds in data["results"])
        accepted_requests = Counter(address for address, status, _ in data["results"] if status == 202)
        accepted = set(accepted_requests)
        stored = Counter(s.address for s in records.all_subscribers(store))
        mails = Counter(
            str(message_from_bytes(p.read_bytes(), policy=policy.default)["To"])
            for p in (folder / "outbox").glob("*.eml")
        )
        problems = []
        if set(stored) != accepted:
            problems.append(
                f"accepted but not stored: {len(accepted - set(stored))}, "
                f"stored but not accepted: {len(set(stored) - accepted)}"
            )
        if any(n != 1 for n in stored.values()):
            problems.append(f"stored more than once: {sum(1 for n in stored.values() if n != 1)}")
        if mails != accepted_requests:  # a repeat while pending sends the link again
            problems.append(
                f"confirmation mails: {sum(mails.values())} for {sum(accepted_requests.values())} accepted requests"
            )
        return {
            "throughput": count / data["elapsed"],
            "p50_ms": latencies[len(latencies) // 2] * 1000,
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
            "statuses": dict(sorted(statuses.items())),
            "accepted": len(accepted),
            "problems": problems,
        }


def timing_round(count: int) -> dict[str, Any]:
    """Answer times of subscribe requests for active subscribers and for new addresses."""
    import httpx

    from site_builder.subscribe import records, tokens
    from site_builder.subscribe.records import Subscriber

    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as temporary:
        server, store = serve(Path(temporary), nodelay=True)
        url = f"http://127.0.0.1:{server.server_address[1]}/subscribe"
        known = [f"known{n}@bench.example.org" for n in range(count)]
        for address in known:
            records.save(
                store,
                Subscriber(
                    id=tokens.subscriber_id(SECRET, "email", address),
                    kind="email",
                    address=address,
                    status="active",
                    created_at=now,
                    confirmed_at=now,
                ),
            )
        times: dict[str, list[float]] = {"known": [], "new": []}
        try:
            with httpx.Client(timeout=30) as client:
                for n in range(-20, count):  # the first 20 pairs warm up and are not counted
                    for kind in ("known", "new") if n % 2 else ("new", "known"):
                        address = known[n] if kind == "known" and n >= 0 else f"{kind}{n}x@bench.example.org"
                        started = time.perf_counter()
                        answer = client.post(
                            url,
                            content=urlencode({"email": address}),
                            headers={
                                "content-type": "application/x-www-form-urlencoded",
                                SOURCE_HEADER: f"198.19.{(2 * n + len(kind)) % 250}.{n % 250 + 1}",
                            },
                        )
                        elapsed = time.perf_counter() - started
                        if answer.status_code != 202:
                            raise SystemExit(f"unexpected answer {answer.status_code} for a {kind} address")
                        if n >= 0:
                            times[kind].append(elapsed)
        finally:
            server.shutdown()
            server.server_close()
    return times


def best_threshold_accuracy(known: list[float], new: list[float]) -> float:
    """The share of single requests classified right by the best cut between the two samples."""
    labelled = sorted([(t, 0) for t in known] + [(t, 1) for t in new])
    total, best = len(labelled), 0.5
    below_new = below_known = 0
    for _, label in labelled:  # the cut after each sample: "known" below it, or "new" below it
        below_new += label
        below_known += 1 - label
        right = below_known + (len(new) - below_new)
        best = max(best, right / total, 1 - right / total)
    return best


def timing_main(count: int) -> None:
    times = timing_round(count)
    known, new = statistics.median(times["known"]) * 1000, statistics.median(times["new"]) * 1000
    accuracy = best_threshold_accuracy(times["known"], times["new"])
    print(f"subscribe answer time, {count} requests each, one at a time:")
    print(f"  active subscriber  median {known:6.2f} ms")
    print(f"  new address        median {new:6.2f} ms")
    print(f"  one request classified right {accuracy:.0%} of the time by the best threshold (50% = chance)")
    if accuracy > 0.6:
        print("TIMING TELLS SUBSCRIBERS APART")
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timing", type=int, metavar="N", help="compare known and new addresses instead")
    parser.add_argument("--client", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.timing:
        timing_main(args.timing)
        return
    if args.client:
        client_main(args.client, args.requests, args.concurrency)
        return
    rounds = [one_round(args.requests, args.concurrency) for _ in range(args.repeat)]
    print(
        f"subscribe endpoint, {args.requests} requests at {args.concurrency} concurrent, "
        f"medians of {args.repeat} rounds:"
    )
    print(f"  throughput   {statistics.median(r['throughput'] for r in rounds):8.0f} requests/s")
    print(f"  latency p50  {statistics.median(r['p50_ms'] for r in rounds):8.1f} ms")
    print(f"  latency p99  {statistics.median(r['p99_ms'] for r in rounds):8.1f} ms")
    for number, result in enumerate(rounds, 1):
        print(f"  round {number}: answers {result['statuses']}, {result['accepted']} addresses accepted")
    problems = [p for r in rounds for p in r["problems"]]
    if problems:
        print("NOT CONSISTENT:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print("  every accepted address stored exactly once, one confirmation mail per accepted request")


if __name__ == "__main__":
    main()
