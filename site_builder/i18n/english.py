"""How times, days, months and figures read on the English pages: the site's established forms
(`22 Nov 2026, 14:05 UTC`, `2 d 3 h`, `99.98%`), which other languages' forms stand beside
(`site_builder.i18n.formats`)."""

from __future__ import annotations

import functools
from datetime import date, datetime

NBSP = "\u00a0"
"""Between a number and its unit, so a line never breaks inside `123 ms` or `5 min`."""


def english_duration(seconds: float) -> str:
    """`2 d 3 h`, `1 h 5 min`, `4 min`: the two largest units, rounded down, as the English pages
    say how long something lasted. Alerts and messages say it to the second
    (`checker.durations.format_duration`)."""
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}{NBSP}d {hours}{NBSP}h" if hours else f"{days}{NBSP}d"
    if hours:
        return f"{hours}{NBSP}h {mins}{NBSP}min" if mins else f"{hours}{NBSP}h"
    return f"{mins}{NBSP}min" if mins else "under a minute"


def format_ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}{NBSP}ms"


def format_share(seconds: float, total: float) -> str:
    if seconds <= 0 or total <= 0:
        return "none"
    share = min(seconds / total, 1.0)
    return f"{share:.1%}" if share >= 0.001 else "under 0.1%"


def english_time(local: datetime) -> str:
    """`22 Nov 2026, 14:05 UTC`: a moment in its zone, as the English pages write it."""
    return f"{local.day} {local:%b %Y}, {local:%H:%M} {local.tzname()}"


@functools.lru_cache(maxsize=1024)
def month_label(key: str) -> str:
    return datetime.strptime(key, "%Y-%m").strftime("%B %Y")


def day_label(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def day_range(first: date, last: date) -> str:
    if first == last:
        return day_label(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%b %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{day_label(first)} – {day_label(last)}"
