"""Outage -> page with `statusgen run`: how long after an endpoint starts failing the served page says so.

Starts `statusgen run` (the installed command) on a site in a temporary folder whose one component
checks a loopback endpoint, waits for the page to show it operational, then flips the endpoint to
500 and times until the served JSON API *and* index page show the outage; flips it back and times
the recovery the same way. The target is one interval plus the build time (DESIGN.md: <= 90 s with
a 1-minute interval); with a short interval the same bound is checked in seconds.

    python bench/run_freshness.py [--interval 2] [--flips 5]
"""

from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx

from site_builder.serving.serve import LocalHTTPServer

STATUSGEN = str(Path(sys.executable).with_name("statusgen"))
STATUS = {"code": 200}


class Endpoint(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(STATUS["code"])
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


def page_shows(client: httpx.Client, status: str, label: str) -> bool:
    try:
        api = client.get("api/v2/components.json")
        if api.status_code != 200 or api.json()["components"][0]["status"] != status:
            return False
        return label in client.get("/").text
    except httpx.HTTPError:
        return False


def time_until(client: httpx.Client, status: str, label: str, limit: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if page_shows(client, status, label):
            return time.monotonic() - started
        time.sleep(0.02)
    raise SystemExit(f"the page did not show {status} within {limit:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interval", type=float, default=2.0, help="checker.interval in seconds")
    parser.add_argument("--flips", type=int, default=5, help="outages (and recoveries) to time")
    options = parser.parse_args()

    server = LocalHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/health"
    with tempfile.TemporaryDirectory(prefix="statusgen-freshness-") as scratch:
        root = Path(scratch)
        (root / "statuspage.yaml").write_text(
            "site: {name: Freshness, url: https://status.example.test}\n"
            f"checker: {{interval: {options.interval}, failure_threshold: 1}}\n"
            "components:\n  - id: api\n    name: API\n"
            f'    check: {{type: http, url: "{url}", timeout: 2}}\n',
            encoding="utf-8",
        )
        process = subprocess.Popen(
            [STATUSGEN, "run", "--root", str(root), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert process.stdout is not None
        base = ""
        for line in process.stdout:
            if " at http://" in line:
                base = line.split(" at ", 1)[1].split(",", 1)[0]
                break
        threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()  # type: ignore[union-attr]
        limit = 10 * options.interval + 30
        outages: list[float] = []
        recoveries: list[float] = []
        try:
            with httpx.Client(base_url=base, timeout=10) as client:
                time_until(client, "operational", "All Systems Operational", limit)
                for _ in range(options.flips):
                    time.sleep(options.interval)  # the page has settled on operational
                    STATUS["code"] = 500
                    outages.append(time_until(client, "major_outage", "Major Outage", limit))
                    time.sleep(options.interval)
                    STATUS["code"] = 200
                    recoveries.append(time_until(client, "operational", "All Systems Operational", limit))
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=60)
            server.shutdown()
        if code != 0:
            raise SystemExit(f"statusgen run exited {code} on SIGTERM")

    for name, samples in (("outage -> page", outages), ("recovery -> page", recoveries)):
        print(
            f"{name}: median {statistics.median(samples):.2f} s, min {min(samples):.2f} s, "
            f"max {max(samples):.2f} s over {len(samples)} flips (interval {options.interval:g} s)"
        )
    bound = options.interval + 2.0
    verdict = "within" if max(outages) <= bound else "OVER"
    print(f"worst outage -> page {max(outages):.2f} s: {verdict} one interval + 2 s of build ({bound:g} s)")


if __name__ == "__main__":
    main()
