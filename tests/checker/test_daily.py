"""Daily rollups folded into the history: detail for 92 days, month tallies after that."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from checker.derived.daily import ComponentDay, DayRollup, HourRollup, with_hours
from checker.derived.history import DETAIL_DAYS, History, fold_open_days
from checker.derived.state import State
from checker.derived.summary_build import compute_summary
from checker.histogram import Histogram
from tests.checker.checker_support import make_bundle

BUNDLE = make_bundle([{"id": "api", "name": "API", "check": {"type": "http", "url": "http://127.0.0.1:9/"}}])
FIRST = date(2026, 6, 1)


def day_with_outage(day: date, outage_seconds: float) -> DayRollup:
    histogram = Histogram()
    histogram.add(100.0, count=10)
    entry = ComponentDay(
        segments=[(0.0, outage_seconds, "major_outage"), (outage_seconds, 86400.0, "operational")],
        samples={"up": 10},
        latency={"00": histogram.to_json(), "13": histogram.to_json()},
    )
    return DayRollup(date=day, runs=[f"run-{day}"], components={"api": entry})


def history_of(days: int) -> tuple[History, dict[str, DayRollup]]:
    history = History()
    rollups = {}
    for n in range(days):
        day = FIRST + timedelta(days=n)
        rollups[day.isoformat()] = day_with_outage(day, 864.0)  # 1% of each day
        state = State(open_days=[day.isoformat()])
        fold_open_days(state, history, rollups.get, today=day + timedelta(days=1), bundle=BUNDLE)
        assert state.open_days == []
    return history, rollups


def test_old_days_leave_the_detail_for_month_tallies() -> None:
    history, _ = history_of(120)
    today = FIRST + timedelta(days=120)
    assert len(history.days) == DETAIL_DAYS
    assert min(history.days) == (today - timedelta(days=DETAIL_DAYS)).isoformat()
    june = history.months["2026-06"]["api"]
    assert june.observed == 28 * 86400  # June 1 to 28 left the detail; 29 and 30 are still in it
    assert june.downtime == 28 * 864


def test_month_figures_combine_tallies_and_detail() -> None:
    history, _ = history_of(120)
    now = datetime.combine(FIRST + timedelta(days=120), datetime.min.time(), UTC)
    summary = compute_summary(BUNDLE, State(), history, {}, now=now)
    june = summary.components[0].monthly["2026-06"]
    assert june.observed_seconds == 30 * 86400
    assert june.uptime == 0.99


def test_older_days_keep_one_latency_histogram_and_their_percentiles() -> None:
    history, _ = history_of(10)
    oldest = history.days[min(history.days)]["api"]
    newest = history.days[max(history.days)]["api"]
    assert list(oldest.latency) == ["day"]
    assert sorted(newest.latency) == ["00", "13"]
    assert oldest.p50_ms == newest.p50_ms
    assert oldest.p50_ms is not None and abs(oldest.p50_ms - 100) <= 5  # within 5% of 100 ms
    assert history.as_of == (FIRST + timedelta(days=10)).isoformat()
    assert history.closed_latency["api"]["7d"]["49"] == 7 * 20  # bucket of 100 ms, 7 days


def test_a_day_rolled_up_by_hour_in_its_own_file_keeps_those_hours_and_adds_the_hour_rollups() -> None:
    old = day_with_outage(FIRST, 0.0)  # written before hour rollups: latency by hour in the day
    later = Histogram()
    later.add(100.0, count=5)
    hours = [HourRollup(date=FIRST, hour="13", runs=["r"], latency={"api": later.to_json()})]
    folded = with_hours(old, hours)
    assert folded is not None
    assert folded.components["api"].latency == {"00": {"49": 10}, "13": {"49": 15}}
    assert with_hours(old, []) is old  # no hour rollups: as it was
