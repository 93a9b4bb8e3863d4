"""How figures and times read on the pages: uptime, durations, milliseconds, shares, days, months."""

from __future__ import annotations

import functools
from datetime import date, datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from checker.uptime import format_uptime as shown_uptime


def format_uptime(ratio: float | None) -> str | None:
    """`99.98%`, or None for *no data*: the checker's formatting, so the page, the badges and the
    API extras show the same figure (two decimals, never rounded up to 100.00%)."""
    return None if ratio is None else shown_uptime(ratio)


NBSP = "\u00a0"
"""Between a number and its unit, so a line never breaks inside `123 ms` or `5 min`."""


def format_duration(seconds: float) -> str:
    """`2 d 3 h`, `1 h 5 min`, `4 min`: the two largest units, rounded down."""
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


class Clock:
    """Formats times in the site's zone, as `<time>` elements carrying the exact UTC instant."""

    def __init__(self, zone: str) -> None:
        self.zone = ZoneInfo(zone)
        # The same times appear on many pages (an incident's page, its month, its components).
        self._shown: dict[datetime, Markup] = {}
        self._local: dict[datetime, datetime] = {}

    def local(self, when: datetime) -> datetime:
        if when not in self._local:
            self._local[when] = when.astimezone(self.zone)
        return self._local[when]

    def when(self, when: datetime | None) -> Markup:
        if when is None:
            return Markup("")
        if when not in self._shown:
            self._shown[when] = self._element(when)
        return self._shown[when]

    def when_rel(self, when: datetime | None) -> Markup:
        """`when`, marked for status.js to add how long ago it was ("12 min ago"): only the
        reading browser knows the time it is read at."""
        shown = self.when(when)
        return Markup(f'<span class="rel">{shown}</span>') if shown else shown

    def text(self, when: datetime) -> str:
        """`22 Nov 2026, 14:05 UTC`: how every time on the site reads (status.js writes the
        same format in the reader's zone)."""
        local = self.local(when)
        return f"{local.day} {local:%b %Y}, {local:%H:%M} {local.tzname()}"

    def _element(self, when: datetime) -> Markup:
        iso = when.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = self.text(when)
        # Escaped values in an f-string: the same markup as Markup.format, without its slow
        # formatter (a page of incidents shows hundreds of times).
        return Markup(f'<time datetime="{escape(iso)}">{escape(text)}</time>')

    def zone_name(self, when: datetime) -> str:
        name = self.local(when).tzname() or str(self.zone)
        return name if name == str(self.zone) else f"{name} ({self.zone})"


def month_key(when: datetime, clock: Clock) -> str:
    return f"{clock.local(when):%Y-%m}"


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
