"""`statusgen demo`: the embedded defaults end to end on one machine.

Starts a few HTTP endpoints on 127.0.0.1 that behave like real services (healthy, slow, failing),
points the example page's checks at them through `DEMO_ORIGIN`, runs real checks for a few rounds,
builds the page with the example incidents into the local publish folder, and serves it.

A few minutes of real checks next to the example incidents would make alarming figures (a
65-minute incident over 4 minutes of measurements reads as 70% uptime), so the page is built
over a simulated history: every day before today without data is filled with simulated healthy
checks; the declared incidents keep their downtime, and today stays measured by the real runs.
The page says so under each checked component, and the store (`data/`) holds only real runs.
"""

from __future__ import annotations

import dataclasses
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from checker.summary import WINDOW_SECONDS, ComponentSummary, DailyLatency, DayBar, Summary, UptimeFigure
from site_builder.content.site import Site, load_site
from site_builder.pipeline import build_site_and_publish, publish_folder, site_store, store_name
from site_builder.serving.preview import serve_site
from site_builder.serving.serve import LocalHTTPServer

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


def run_demo(root: Path, *, port: int, rounds: int, serve: bool, echo: Callable[[str], None] = print) -> Path:
    """Check, build and (optionally) serve the example site at `root`; returns the site folder."""
    from checker.run import run_checks

    with demo_endpoints() as origin:
        env = {**os.environ, "DEMO_ORIGIN": origin}
        site = load_site(root, env)
        store = site_store(site)
        echo(f"demo endpoints on {origin}; store {store_name(store)}")
        for round_number in range(1, rounds + 1):
            report = run_checks(site.bundle, store, now=datetime.now(UTC), env=env)
            echo(f"run {round_number}/{rounds}:")
            for line in report.lines():
                echo(f"  {line}")
    from checker.summary import load_summary

    now = datetime.now(UTC)
    measured = load_summary(store)
    if measured is not None:
        site, measured = with_simulated_history(site, measured, now)
        echo(
            f"days before {_day_text(now.date())} are simulated for this demo (labelled on the page); today is measured"
        )
    result = build_site_and_publish(site, measured, out=None, now=now, notify=False)
    folder = publish_folder(site)
    for line in result.lines():
        echo(line)
    if serve:
        serve_site(root, port=port, watch=False, site_dir=folder)
    return folder


SIMULATED_NOTE = "Demo: days before {day} are simulated; today is measured by real checks."
"""Shown under each checked component of the demo page."""


def _day_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def with_simulated_history(site: Site, summary: Summary, now: datetime, *, seed: int = 1) -> tuple[Site, Summary]:
    """The demo's site and summary over a simulated history: each day before today gets simulated
    up checks for the time it had no data (so a declared incident keeps its downtime, over a
    believable denominator) and a plausible response time; each checked component's description
    says which days are simulated. Today, and anything the real runs measured, is untouched."""
    today = now.date()
    note = SIMULATED_NOTE.format(day=_day_text(today))
    components = [
        c.model_copy(update={"description": f"{c.description}. {note}" if c.description else note})
        if c.check is not None
        else c
        for c in site.bundle.components
    ]
    bundle = site.bundle.model_copy(update={"components": components})
    rng = random.Random(seed)
    simulated = [_simulated(c, today, now, rng) for c in summary.components]
    return dataclasses.replace(site, bundle=bundle), summary.model_copy(update={"components": simulated})


def _simulated(measured: ComponentSummary, today: date, now: datetime, rng: random.Random) -> ComponentSummary:
    if measured.last_checked_at is None:  # not checked (incidents only): nothing to simulate
        return measured
    filled: dict[date, float] = {}  # day -> simulated seconds
    bars = []
    for bar in measured.bars:
        if bar.date >= today or bar.no_data_seconds <= 0:
            bars.append(bar)
            continue
        filled[bar.date] = bar.no_data_seconds
        observed = 86400.0 - bar.no_data_seconds
        down = (1.0 - bar.uptime) * observed if bar.uptime is not None else 0.0
        bars.append(
            DayBar(
                date=bar.date,
                uptime=1.0 - down / 86400.0,
                no_data_seconds=0.0,
                worst_status=bar.worst_status or "operational",
                outage_seconds=bar.outage_seconds,
            )
        )

    def grown(figure: UptimeFigure, start: datetime, end: datetime = now) -> UptimeFigure:
        extra = 0.0
        for day, seconds in filled.items():
            begin = datetime(day.year, day.month, day.day, tzinfo=UTC)
            overlap = (min(begin + timedelta(days=1), end) - max(begin, start)).total_seconds()
            extra += seconds * max(0.0, min(overlap, 86400.0)) / 86400.0
        observed = figure.observed_seconds + extra
        return UptimeFigure(
            uptime=1.0 - figure.downtime_seconds / observed if observed else None,
            observed_seconds=observed,
            downtime_seconds=figure.downtime_seconds,
            no_data_seconds=max(0.0, figure.no_data_seconds - extra),
        )

    uptime = {w: grown(f, now - timedelta(seconds=WINDOW_SECONDS[w])) for w, f in measured.uptime.items()}
    monthly = {}
    for key, figure in measured.monthly.items():
        year, month = (int(part) for part in key.split("-"))
        first = datetime(year, month, 1, tzinfo=UTC)
        monthly[key] = grown(figure, first, min(now, (first + timedelta(days=32)).replace(day=1)))
    base = measured.last_latency_ms or 80.0
    latency = []
    for daily in measured.latency_daily:
        if daily.date in filled and daily.p50_ms is None:
            p50 = round(base * rng.uniform(0.8, 1.2), 1)
            daily = DailyLatency(date=daily.date, p50_ms=p50, p95_ms=round(p50 * rng.uniform(1.8, 2.6), 1))
        latency.append(daily)
    return measured.model_copy(update={"bars": bars, "uptime": uptime, "monthly": monthly, "latency_daily": latency})
