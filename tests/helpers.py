"""Shared test helpers: fixtures are data files under tests/fixtures/, loaded through here."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import datetime
from pathlib import Path

from checker.derived.state import Transition
from checker.results import Run
from checker.store import Store
from checker.vocabulary import ComponentStatus

FIXTURES = Path(__file__).parent / "fixtures"
REPO_ROOT = Path(__file__).parent.parent
ARTIFACTS = REPO_ROOT / "test-artifacts"
"""Screenshots the browser tests leave for a person to look at."""
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Headless, and never talking to anything but the pages the tests serve on 127.0.0.1."""
TOTALS: Counter[str] = Counter()
"""What the suite tried (faults injected, kill points, hostile inputs), printed at the end of the
session by conftest.py, summed over every pytest-xdist worker."""


def fixture(*parts: str) -> Path:
    return FIXTURES.joinpath(*parts)


def copy_site(source: Path, destination: Path) -> Path:
    """A writable copy of the site at `source` in `destination`."""
    shutil.copytree(source, destination, dirs_exist_ok=True)
    return destination


def hourly_latency_counts(store: Store) -> Counter[tuple[str, str, str]]:
    """(day, hour, component) -> latency samples in the hour rollups."""
    counted: Counter[tuple[str, str, str]] = Counter()
    for key in store.list("rollups/hourly/"):
        hour = store.get_json(key)
        for component, histogram in hour["latency"].items():
            counted[(hour["date"], hour["hour"], component)] += sum(histogram.values())
    return counted


def latency_counts(runs: list[Run]) -> Counter[tuple[str, str, str]]:
    """(day, hour, component) -> latency samples in the runs."""
    expected: Counter[tuple[str, str, str]] = Counter()
    for run in runs:
        for sample in [] if run.offline else run.samples:
            if sample.latency_ms is not None:
                expected[(sample.at.date().isoformat(), f"{sample.at.hour:02d}", sample.component)] += 1
    return expected


def status_change(
    component: str,
    old: ComponentStatus | None,
    new: ComponentStatus,
    at: datetime,
    previous_lasted_seconds: float | None = None,
    reason: str | None = None,
) -> Transition:
    """A transition as a checker run reports it, written in one line."""
    return Transition(
        component=component, old=old, new=new, at=at, previous_lasted_seconds=previous_lasted_seconds, reason=reason
    )


def api_down(at: datetime, previous_lasted_seconds: float | None = None, reason: str | None = None) -> Transition:
    """The component `api` goes from operational to a major outage at `at`."""
    return status_change("api", "operational", "major_outage", at, previous_lasted_seconds, reason)


def api_up(at: datetime, previous_lasted_seconds: float | None = None, reason: str | None = None) -> Transition:
    """The component `api` is operational again at `at`, after a major outage."""
    return status_change("api", "major_outage", "operational", at, previous_lasted_seconds, reason)
