"""The uptime math against cases computed by hand (docs/uptime.md shows the same cases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.derived.daily import DayRollup, apply_effects_to_day
from checker.derived.history import History
from checker.derived.state import RunEffects, SegmentFact, State
from checker.derived.summary_build import compute_summary
from checker.uptime import format_uptime, tally
from tests.checker.checker_support import make_bundle

DAY = 86400.0
MIDNIGHT = datetime(2026, 11, 20, tzinfo=UTC).timestamp()


def test_a_ten_minute_outage_in_one_day_is_99_31_percent() -> None:
    part = tally([(0, DAY, "operational")], [(3600, 4200, "major_outage")], 0, DAY)
    assert part.downtime == 600
    assert part.observed == DAY
    assert format_uptime(part.uptime or 0) == "99.31%"


def test_a_measured_outage_counts_the_same_as_a_declared_one() -> None:
    measured = [(0, 3600, "operational"), (3600, 4200, "major_outage"), (4200, DAY, "operational")]
    assert format_uptime(tally(measured, [], 0, DAY).uptime or 0) == "99.31%"


def test_a_partial_outage_weighs_three_tenths() -> None:
    # One hour of partial outage: 0.3 h of downtime in 24 h.
    part = tally([(0, DAY, "operational")], [(0, 3600, "partial_outage")], 0, DAY)
    assert part.downtime == 1080
    assert part.outage == 3600
    assert format_uptime(part.uptime or 0) == "98.75%"


def test_degraded_performance_is_not_downtime() -> None:
    part = tally([(0, DAY / 2, "degraded_performance"), (DAY / 2, DAY, "operational")], [], 0, DAY)
    assert part.uptime == 1.0
    assert part.worst == "degraded_performance"


def test_a_gap_is_no_data_and_not_in_the_denominator() -> None:
    # 12 h measured with 30 min of major outage, then 12 h with no sample at all.
    measured = [(0, 1800, "major_outage"), (1800, DAY / 2, "operational")]
    part = tally(measured, [], 0, DAY)
    assert part.no_data == DAY / 2
    assert part.observed == DAY / 2
    assert format_uptime(part.uptime or 0) == "95.83%"  # 1 - 1800/43200


def test_the_gap_example_of_the_public_page() -> None:
    # docs/uptime.md: a 10-minute outage in a half day with data, the other half without.
    measured = [(0, 3600, "operational"), (3600, 4200, "major_outage"), (4200, DAY / 2, "operational")]
    part = tally(measured, [], 0, DAY)
    assert (part.no_data, format_uptime(part.uptime or 0)) == (DAY / 2, "98.61%")


def test_maintenance_is_left_out_of_the_window() -> None:
    # Down during a 2 h maintenance window: not downtime, and not observed either.
    measured = [(0, 7200, "major_outage"), (7200, DAY, "operational")]
    part = tally(measured, [(0, 7200, "under_maintenance")], 0, DAY)
    assert part.maintenance == 7200
    assert part.observed == DAY - 7200
    assert part.uptime == 1.0


def test_an_incident_counts_where_the_probe_saw_nothing() -> None:
    part = tally([(0, 3600, "operational")], [(3600, 4200, "major_outage")], 0, 4200)
    assert part.no_data == 0
    assert part.downtime == 600


def test_the_worst_of_measured_and_declared_counts_once() -> None:
    measured = [(0, 600, "major_outage"), (600, DAY, "operational")]
    part = tally(measured, [(0, 1200, "partial_outage")], 0, DAY)
    assert part.downtime == 600 + 0.3 * 600


def test_no_observation_is_no_uptime_rather_than_100_percent() -> None:
    part = tally([], [], 0, DAY)
    assert part.uptime is None
    assert part.no_data == DAY


def test_uptime_is_never_shown_as_100_percent_unless_it_is() -> None:
    assert format_uptime(0.99999) == "99.99%"
    assert format_uptime(1.0) == "100.00%"
    assert format_uptime(0.5) == "50.00%"


def test_an_outage_across_midnight_is_split_between_the_two_days() -> None:
    bundle = make_bundle([{"id": "api", "name": "API", "check": {"type": "http", "url": "http://127.0.0.1:9/"}}])
    midnight = datetime(2026, 11, 21, tzinfo=UTC)
    start = midnight - timedelta(hours=1)
    segments = [
        SegmentFact(component="api", start=midnight - timedelta(days=1), end=start, status="operational"),
        SegmentFact(component="api", start=start, end=midnight + timedelta(hours=2), status="major_outage"),
        SegmentFact(
            component="api", start=midnight + timedelta(hours=2), end=midnight + timedelta(days=1), status="operational"
        ),
    ]
    effects = RunEffects(
        run_id="r", region="local", at=start, offline=False, transitions=[], samples=[], segments=segments
    )
    days = {}
    for day in ("2026-11-20", "2026-11-21"):
        days[day] = apply_effects_to_day(DayRollup(date=datetime.fromisoformat(day).date()), effects)
    assert days["2026-11-20"].components["api"].outages == [(82800.0, 86400.0, "major_outage")]
    assert days["2026-11-21"].components["api"].outages == [(0.0, 7200.0, "major_outage")]
    summary = compute_summary(bundle, State(), History(), days, now=midnight + timedelta(days=1))
    bars = {bar.date.isoformat(): bar for bar in summary.components[0].bars}
    assert bars["2026-11-20"].outage_seconds == 3600
    assert bars["2026-11-21"].outage_seconds == 7200
    assert format_uptime(bars["2026-11-20"].uptime or 0) == "95.83%"
    assert format_uptime(bars["2026-11-21"].uptime or 0) == "91.67%"
    week = summary.components[0].uptime["7d"]
    assert week.downtime_seconds == 3 * 3600
    assert week.observed_seconds == 2 * DAY
    assert week.no_data_seconds == 5 * DAY


statuses = st.sampled_from(["operational", "degraded_performance", "partial_outage", "major_outage"])


@st.composite
def timelines(draw: st.DrawFn) -> list[tuple[float, float, str]]:
    """Measured segments: sorted, not overlapping, with gaps."""
    cuts = sorted(draw(st.lists(st.integers(0, 86400), min_size=0, max_size=12, unique=True)))
    pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
    return [(float(a), float(b), draw(statuses)) for a, b in pairs if b > a]


@settings(max_examples=100, deadline=None)
@given(
    timelines(),
    st.lists(
        st.tuples(
            st.integers(0, 86400),
            st.integers(1, 20000),
            st.sampled_from(["partial_outage", "major_outage", "under_maintenance"]),
        ),
        max_size=4,
    ),
)
def test_every_second_of_the_window_is_accounted_for_once(
    measured: list[tuple[float, float, str]],
    declared_raw: list[tuple[int, int, str]],
) -> None:
    declared = [(float(s), float(s + length), status) for s, length, status in declared_raw]
    part = tally(measured, declared, 0, DAY)
    assert abs(part.observed + part.no_data + part.maintenance - DAY) < 1e-6
    assert 0 <= part.downtime <= part.observed + 1e-6
    if part.uptime is not None:
        assert 0 <= part.uptime <= 1
    # Declaring an outage never raises uptime.
    if part.uptime is not None and not any(s == "under_maintenance" for *_, s in declared):
        worse = tally(measured, [*declared, (0.0, 600.0, "major_outage")], 0, DAY)
        assert worse.uptime is not None and worse.uptime <= part.uptime + 1e-12
