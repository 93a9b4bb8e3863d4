"""`statusgen run` as a person starts it: a real process that checks a loopback endpoint, publishes
and serves the page, takes heartbeats, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from site_builder.serving.serve import LocalHTTPServer

STATUSGEN = str(Path(sys.executable).with_name("statusgen"))
TOKEN = "run-test-token"
T = TypeVar("T")
WAIT = 60.0
"""Generous: the test waits for a state, it does not time one (bench/run_freshness.py does)."""


class Endpoint:
    """A loopback HTTP endpoint whose answer the test flips."""

    def __init__(self) -> None:
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(outer.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = LocalHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/health"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    running = Endpoint()
    yield running
    running.close()


def write_site(root: Path, url: str) -> Path:
    root.mkdir()
    (root / "statuspage.yaml").write_text(
        f"""\
site: {{name: Run test, url: https://status.example.test}}
checker: {{interval: 1, failure_threshold: 1}}
components:
  - id: api
    name: API
    check: {{type: http, url: "{url}", timeout: 2}}
  - id: nightly
    name: Nightly job
    check: {{type: heartbeat, token: "${{RUN_TEST_TOKEN}}", every: 1h}}
""",
        encoding="utf-8",
    )
    return root


class RunningCommand:
    """`statusgen run` in a subprocess, its output read as it comes."""

    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            [STATUSGEN, "run", "--root", str(root), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={"PATH": str(Path(sys.executable).parent), "RUN_TEST_TOKEN": TOKEN},
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(stream, lines), daemon=True)
            for stream, lines in ((self.process.stdout, self.stdout), (self.process.stderr, self.stderr))
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: object, lines: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.append(line.rstrip("\n"))

    def url(self) -> str:
        def served() -> str | None:
            for line in self.stdout:
                found = re.search(r" at (http://127\.0\.0\.1:\d+/)", line)
                if found:
                    return found.group(1)
            return None

        return wait_for(served, "the serving line", self)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=WAIT)
        for reader in self._readers:
            reader.join(timeout=5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return code

    def output(self) -> str:
        return "\n".join(["stdout:", *self.stdout, "stderr:", *self.stderr])


def wait_for(probe: Callable[[], T | None], what: str, command: RunningCommand) -> T:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        assert command.process.poll() is None, f"statusgen run exited while waiting for {what}\n{command.output()}"
        time.sleep(0.1)
    raise AssertionError(f"no {what} within {WAIT:.0f} s\n{command.output()}")


@pytest.mark.slow
def test_run_checks_publishes_serves_takes_heartbeats_and_stops_cleanly(tmp_path: Path, endpoint: Endpoint) -> None:
    root = write_site(tmp_path / "site", endpoint.url)
    command = RunningCommand(root)
    try:
        with httpx.Client(base_url=command.url(), timeout=10) as client:

            def api_is(status: str) -> bool:
                response = client.get("api/v2/components.json")
                if response.status_code != 200:
                    return False
                components = {c["name"]: c["status"] for c in response.json()["components"]}
                return components.get("API") == status

            # Before the first check the page has no data; the first check finds the endpoint up.
            wait_for(lambda: any(line.startswith("check: 1 up") for line in command.stdout), "the first check", command)
            wait_for(lambda: api_is("operational"), "operational API on the served page", command)

            endpoint.status = 500
            wait_for(lambda: api_is("major_outage"), "outage in the served JSON API", command)
            wait_for(lambda: "Major Outage" in client.get("/").text, "outage on the served page", command)

            wrong = client.post("heartbeat/nightly", headers={"Authorization": "Bearer wrong"})
            accepted = client.post("heartbeat/nightly", headers={"Authorization": f"Bearer {TOKEN}"})
            assert (wrong.status_code, accepted.status_code) == (403, 204)
            recorded = json.loads((root / "data/heartbeats/nightly.json").read_text(encoding="utf-8"))
            assert recorded["at"]
            assert client.get("heartbeat/nightly").status_code == 405
    finally:
        code = command.stop()

    assert code == 0, command.output()
    assert "Traceback" not in command.output()
    assert command.stdout[-1] == "stopped"
    assert "check: api: operational -> major_outage" in command.stdout
