"""The latency histogram keeps percentiles within 5% and merges exactly."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.histogram import Histogram, merged

latencies = st.lists(st.floats(min_value=0.1, max_value=120_000), min_size=1, max_size=300)


@settings(max_examples=60, deadline=None)
@given(latencies, st.sampled_from([0.5, 0.95, 0.99]))
def test_percentiles_are_within_five_percent(values: list[float], q: float) -> None:
    histogram = Histogram()
    for value in values:
        histogram.add(value)
    exact = sorted(values)[int(q * (len(values) - 1))]
    estimate = histogram.quantile(q)
    assert estimate is not None
    assert abs(estimate - exact) <= 0.05 * exact + 0.01


@settings(max_examples=30, deadline=None)
@given(latencies, latencies)
def test_merging_pieces_equals_measuring_together(a: list[float], b: list[float]) -> None:
    first, second, together = Histogram(), Histogram(), Histogram()
    for value in a:
        first.add(value)
        together.add(value)
    for value in b:
        second.add(value)
        together.add(value)
    assert merged([first.to_json(), second.to_json()]).counts == together.counts


def test_an_empty_histogram_has_no_percentile() -> None:
    assert Histogram().quantile(0.5) is None
