"""Alerts name a status with the vocabulary's label, in lower case, mid-sentence."""

from __future__ import annotations

from datetime import UTC, datetime

from checker.alerting.events import Alert


def test_an_alert_names_the_statuses_in_lower_case() -> None:
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    alert = Alert(
        kind="changed",
        component="api",
        component_name="API",
        status="partial_outage",
        previous_status="degraded_performance",
        started_at=at,
        at=at,
        duration_seconds=60.0,
        reason=None,
        route="on-call",
        level=0,
        dedup_key="api",
        site_name="Example",
        page_url="https://status.example.com/",
    )
    assert alert.title == "API: partial outage"
    assert ("Status", "partial outage") in alert.details
    assert ("Was", "degraded performance") in alert.details
