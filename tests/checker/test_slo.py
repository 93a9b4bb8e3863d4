"""Error budgets and burn rates, from the same segments as uptime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from checker.bundle import Slo
from checker.derived.daily import DayRollup, apply_effects_to_day
from checker.derived.history import History
from checker.derived.state import RunEffects, SegmentFact, State
from checker.derived.summary_build import compute_summary
from checker.slo import slo_figure
from checker.uptime import tally
from tests.checker.checker_support import make_bundle

NOW = 30 * 86400.0


def window_of(segments: list[tuple[float, float, str]]) -> object:
    return lambda start, end: tally(segments, [], start, end)


def test_a_budget_untouched_is_whole() -> None:
    figure = slo_figure(Slo(target=99.9, window="30d"), window_of([(0, NOW, "operational")]), now=NOW)
    assert figure.allowed_seconds == 2592.0  # 0.1% of 30 days
    assert figure.spent_seconds == 0
    assert figure.remaining_ratio == 1.0
    assert figure.burn_rates == {"1h": 0.0, "6h": 0.0, "3d": 0.0}
    assert not figure.fast_burn and not figure.slow_burn


def test_an_outage_in_the_last_hour_burns_fast() -> None:
    # 30 minutes down in the last hour: 50% errors against an allowed 0.1% = burn rate 500.
    segments = [(0, NOW - 1800, "operational"), (NOW - 1800, NOW, "major_outage")]
    figure = slo_figure(Slo(target=99.9, window="30d"), window_of(segments), now=NOW)
    assert figure.spent_seconds == 1800
    assert figure.remaining_seconds == 792
    assert figure.burn_rates["1h"] == 500.0
    assert figure.burn_rates["6h"] == round(1800 / 21600 / 0.001, 4)
    assert figure.fast_burn and figure.slow_burn


def test_a_slow_leak_opens_a_ticket_but_pages_nobody() -> None:
    # Partial outage all the time: 0.3 weighted, far over a 99.9% objective, but steady.
    segments = [(0, NOW, "partial_outage")]
    figure = slo_figure(Slo(target=99.0, window="30d"), window_of(segments), now=NOW)
    assert figure.burn_rates["1h"] == 30.0
    assert figure.remaining_ratio is not None and figure.remaining_ratio < 0
    assert figure.fast_burn and figure.slow_burn
    mild = slo_figure(Slo(target=90.0, window="30d"), window_of(segments), now=NOW)
    assert mild.burn_rates["1h"] == 3.0
    assert not mild.fast_burn and mild.slow_burn


def test_the_summary_carries_the_budget_of_components_with_an_objective() -> None:
    bundle = make_bundle(
        [
            {
                "id": "api",
                "name": "API",
                "slo": {"target": 99.5, "window": "7d"},
                "check": {"type": "http", "url": "http://127.0.0.1:9/"},
            },
            {"id": "web", "name": "Web", "check": {"type": "http", "url": "http://127.0.0.1:9/"}},
        ]
    )
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    effects = RunEffects(
        run_id="r",
        region="local",
        at=now,
        offline=False,
        transitions=[],
        samples=[],
        segments=[SegmentFact(component="api", start=now - timedelta(hours=12), end=now, status="major_outage")],
    )
    day = apply_effects_to_day(DayRollup(date=now.date()), effects)
    summary = compute_summary(bundle, State(), History(), {"2026-11-20": day}, now=now)
    api, web = summary.components
    assert web.slo is None
    assert api.slo is not None
    assert api.slo.uptime == 0.0 and api.slo.spent_seconds == 12 * 3600
    assert api.slo.burn_rates["1h"] == 200.0 and api.slo.fast_burn
