"""For any sequence of runs, the incremental path and `rollup --rebuild` agree byte for byte."""

from __future__ import annotations

import tempfile
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.derived.rebuild import rebuild
from checker.derived.rollup import record_run
from checker.results import Run, Sample
from checker.store import LocalStore
from checker.summary import SUMMARY_KEY
from tests.checker.checker_support import T0, make_bundle

BUNDLE = make_bundle(
    [
        {"id": "api", "name": "API", "check": {"type": "http", "url": "http://127.0.0.1:9/"}},
        {"id": "web", "name": "Web", "check": {"type": "http", "url": "http://127.0.0.1:9/"}},
        {"id": "docs", "name": "Docs"},
    ],
    # Long retention: every raw run stays, so a rebuild can see everything the runs saw.
    checker={"interval": 3600, "failure_threshold": 2, "retention_days": 400},
    incidents=[
        {
            "slug": "2026-11-21-web",
            "kind": "incident",
            "title": "Web",
            "impact": "major",
            "components": {"web": "partial_outage"},
            "file": "incidents/2026-11-21-web.md",
            "updates": [
                {"at": "2026-11-21T03:00:00Z", "status": "resolved", "body": "", "html": ""},
                {"at": "2026-11-21T01:00:00Z", "status": "investigating", "body": "", "html": ""},
            ],
        }
    ],
)

step = st.tuples(
    # Hours since the previous run: mostly hourly, sometimes days or weeks (history aging).
    st.one_of(st.integers(min_value=1, max_value=5), st.integers(min_value=20, max_value=24 * 40)),
    st.sampled_from(["up", "down", "degraded"]),
    st.sampled_from(["up", "down"]),
    st.booleans(),  # offline
)


@settings(max_examples=40, deadline=None)
@given(st.lists(step, min_size=1, max_size=40))
def test_incremental_and_rebuild_agree(steps: list[tuple[int, str, str, bool]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = LocalStore(folder)
        at = T0
        for n, (gap, api, web, offline) in enumerate(steps):
            at += timedelta(hours=gap)
            samples = [
                Sample(component="api", status=api, at=at, latency_ms=10.0 + n),  # type: ignore[arg-type]
                Sample(component="web", status=web, at=at, latency_ms=None),
            ]  # type: ignore[arg-type]
            run = Run(id=f"r{n}", region="local", started_at=at, finished_at=at, offline=offline, samples=samples)
            store.put_json(run.key, run.model_dump(mode="json"))
            record_run(BUNDLE, store, run, now=at)
        incremental = store.get(SUMMARY_KEY)
        assert incremental is not None
        rebuild(BUNDLE, store, now=at)  # over the derived files as they are
        assert store.get(SUMMARY_KEY) == incremental
        for key in [*store.list("rollups/"), "state.json", SUMMARY_KEY]:
            store.delete(key)
        rebuild(BUNDLE, store, now=at)
        assert store.get(SUMMARY_KEY) == incremental
