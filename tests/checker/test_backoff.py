"""The one backoff formula, with the numbers its callers have always used."""

from __future__ import annotations

from checker.backoff import delay


def test_doubles_from_the_base_up_to_the_cap() -> None:
    assert [delay(n, base=60.0, cap=3600.0) for n in range(8)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert [delay(n, base=60.0, cap=21600.0) for n in (5, 8, 9)] == [1920, 15360, 21600]
    assert [delay(n, base=2) for n in range(4)] == [2, 4, 8, 16]  # no cap: as many tries as configured
