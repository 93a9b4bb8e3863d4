"""How figures read on the page: uptime is never rounded up, durations stay short."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_builder.outputs.pages.formatting import english_duration, format_ms, format_uptime
from site_builder.outputs.theme import DARK_BACKGROUND, LIGHT_BACKGROUND, contrast, readable_on


@pytest.mark.parametrize(
    ("ratio", "shown"),
    [
        (1.0, "100.00%"),
        (0.99999, "99.99%"),
        (0.999999999, "99.99%"),
        (0.9995, "99.95%"),
        (0.98765, "98.77%"),
        (0.0, "0.00%"),
        (None, None),
    ],
)
def test_uptime_has_two_decimals_and_never_reads_100_unless_it_is(ratio: float | None, shown: str | None) -> None:
    assert format_uptime(ratio) == shown


@given(st.floats(min_value=0, max_value=1, exclude_max=True))
def test_uptime_below_one_never_reads_as_100(ratio: float) -> None:
    shown = format_uptime(ratio)
    assert shown is not None and shown != "100.00%"
    assert abs(float(shown.rstrip("%")) - ratio * 100) <= 0.01


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (30, "under a minute"),
        (240, "4_min"),
        (3900, "1_h 5_min"),
        (7200, "2_h"),
        (2 * 86400 + 3 * 3600 + 59, "2_d 3_h"),
        (86400, "1_d"),
    ],
)
def test_durations(seconds: float, text: str) -> None:
    # A number and its unit are joined by a no-break space (`_` here): `5 min` never wraps apart.
    assert english_duration(seconds) == text.replace("_", "\u00a0")


def test_milliseconds_never_wrap_apart_from_their_unit() -> None:
    assert format_ms(1234.4) == "1,234\u00a0ms"
    assert format_ms(None) == "—"


@pytest.mark.parametrize("colour", ["#ffdd00", "#2563eb", "#000000", "#ffffff", "#7f7f7f"])
def test_accent_colour_is_made_readable_in_both_schemes(colour: str) -> None:
    assert contrast(readable_on(colour, LIGHT_BACKGROUND), LIGHT_BACKGROUND) >= 4.5
    assert contrast(readable_on(colour, DARK_BACKGROUND), DARK_BACKGROUND) >= 4.5


def test_a_readable_accent_is_kept_as_it_is() -> None:
    assert readable_on("#1a7f37", LIGHT_BACKGROUND) == "#1a7f37"
