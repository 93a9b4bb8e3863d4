"""`statusgen demo`: the embedded defaults end to end on one machine.

Starts a few HTTP endpoints on 127.0.0.1 that behave like real services (healthy, slow, failing),
points the example page's checks at them through `DEMO_ORIGIN`, runs real checks for a few rounds,
builds the page with the example incidents into the local publish folder, and serves it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from site_builder.content import load_site
from site_builder.pipeline import build_site_and_publish, publish_folder, serve_site, site_store
from site_builder.serve import LocalHTTPServer

# path -> (status code, seconds to wait before answering, body)
DEMO_ENDPOINTS: dict[str, tuple[int, float, bytes]] = {
    "/api/health": (200, 0.0, b'{"status": "ok"}'),
    "/": (200, 0.0, b"<!doctype html><title>Acme</title><h1>Acme</h1>"),
    "/search/health": (200, 0.5, b'{"status": "ok", "note": "slow"}'),
    "/payments/health": (503, 0.0, b'{"status": "unavailable"}'),
}


class _DemoHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        code, delay, body = DEMO_ENDPOINTS.get(self.path, (404, 0.0, b"not found"))
        time.sleep(delay)
        self.send_response(code)
        self.send_header("Content-Type", "application/json" if body.startswith(b"{") else "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the demo prints its own summary."""


@contextmanager
def demo_endpoints() -> Iterator[str]:
    """Serve DEMO_ENDPOINTS on a free port of 127.0.0.1; yields the origin."""
    server = LocalHTTPServer(("127.0.0.1", 0), _DemoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run_demo(
    root: Path, *, port: int, rounds: int, serve: bool, echo: Callable[[str], None] = print
) -> Path:
    """Check, build and (optionally) serve the example site at `root`; returns the site folder."""
    from checker.run import run_checks

    with demo_endpoints() as origin:
        env = {**os.environ, "DEMO_ORIGIN": origin}
        site = load_site(root, env)
        store = site_store(site)
        echo(f"demo endpoints on {origin}; store {store.location}")
        for round_number in range(1, rounds + 1):
            report = run_checks(site.bundle, store, now=datetime.now(UTC), env=env)
            echo(f"run {round_number}/{rounds}:")
            for line in report.lines():
                echo(f"  {line}")
    from checker.summary import load_summary

    result = build_site_and_publish(site, load_summary(store), out=None, now=datetime.now(UTC), notify=False)
    folder = publish_folder(site)
    echo(str(result.published))
    echo(f"site built in {folder}")
    if serve:
        serve_site(root, port=port, watch=False, site_dir=folder)
    return folder
