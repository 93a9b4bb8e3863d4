"""The generator of the summary fixtures (tests/fixtures/make_summaries.py) runs the checker and
gives the same bytes every time; here over its last two days, which takes seconds."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

from checker.summary import Summary
from tests.fixtures.make_summaries import API, make_summary, scratch


def test_the_summary_generator_runs_the_checker_and_repeats_itself_exactly() -> None:
    short = dataclasses.replace(API, first=API.now - timedelta(days=2))
    with scratch() as one, scratch() as two:
        first, second = make_summary(short, Path(one)), make_summary(short, Path(two))
    assert first == second
    summary = Summary.model_validate_json(first)
    assert summary.generated_at == API.now
    assert [c.id for c in summary.components] == ["api", "web", "db", "billing", "docs"]
    database = summary.component("db")
    assert database is not None and database.status == "major_outage"
    assert database.last_reason == "connection refused"
    api = summary.component("api")
    assert api is not None and api.status == "operational" and api.slo is not None
    assert api.latency["24h"].p50_ms == 84.0
