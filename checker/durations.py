"""Durations as people write them in config (`90`, `30s`, `5m`, `2h`, `1d`), turned into seconds
(`Duration`, the type of such a config field), and seconds written back for people to read."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_duration(value: object) -> float:
    """Seconds in `value`; raises ValueError with an example of the accepted forms."""
    if isinstance(value, bool):
        raise ValueError("must be a duration such as 30s, 5m, 2h or 1d")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("must not be negative")
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration; write it as 30s, 5m, 2h or 1d")
    return float(match[1]) * _UNIT_SECONDS[match[2] or "s"]


Duration = Annotated[float, BeforeValidator(parse_duration)]
"""Seconds; written as a number of seconds or as `30s`, `5m`, `2h`, `1d`."""


def format_duration(seconds: float) -> str:
    """`1 h 5 min`, `4 min`, `45 s`: the exact form of alerts, probe reasons and subscriber
    messages, down to the second. The pages round to the minute and read each language's way
    (`site_builder.i18n`): there a reader wants how long, here an on-call engineer what happened."""
    seconds = round(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    text = " ".join(p for p in parts if p)
    return text or f"{secs} s"
