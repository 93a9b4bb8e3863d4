"""Property: replaying a run's transitions (a retried invocation) never changes what is sent."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.alerting import AlertsSettings, send_alerts
from checker.bundle import Bundle
from checker.store import LocalStore
from tests.helpers import status_change

T0 = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
BUNDLE = Bundle.model_validate_json((Path(__file__).parent.parent / "fixtures" / "notify" / "bundle.json").read_text())
STATUSES = ["operational", "degraded_performance", "partial_outage", "major_outage"]
CONFIG = AlertsSettings.model_validate(
    {
        "channels": {
            "chat": {"type": "webhook", "url": "http://127.0.0.1:9/chat"},
            "pager": {"type": "webhook", "url": "http://127.0.0.1:9/pager"},
        },
        "routes": [
            {
                "channels": ["chat"],
                "min_status": "partial_outage",
                "remind_every": "10m",
                "levels": [{"after": "15m", "channels": ["pager"]}],
            }
        ],
    }
)


def run(statuses: list[str], replays: int, bundle: Any) -> list[tuple[str, str, str]]:
    sent: list[tuple[str, str, str]] = []

    def record(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent.append((request.url.path, body["event"], body["at"]))
        return httpx.Response(200)

    transport = httpx.MockTransport(record)
    with tempfile.TemporaryDirectory() as folder:
        store = LocalStore(folder)
        previous = "operational"
        for step, status in enumerate(statuses):
            now = T0 + timedelta(minutes=7 * step)
            changes = [] if status == previous else [status_change("api", previous, status, now)]  # type: ignore[arg-type]
            for _ in range(replays):
                send_alerts(changes, bundle, store, now=now, settings=CONFIG, transport=transport)
            previous = status
    return sorted(sent)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.sampled_from(STATUSES), min_size=1, max_size=8))
def test_replayed_runs_send_exactly_what_single_runs_send(statuses):
    once = run(statuses, 1, BUNDLE)
    assert run(statuses, 3, BUNDLE) == once
    triggered = [s for s in once if s[1] == "triggered"]
    recovered = [s for s in once if s[1] == "recovered" and s[0] == "/chat"]
    assert len(triggered) - len(recovered) in (0, 1)
