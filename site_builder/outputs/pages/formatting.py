"""How figures and times read on the pages: uptime, durations, milliseconds, shares, days, months."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from checker.uptime import format_uptime as shown_uptime
from site_builder.i18n.english import (  # noqa: F401  (the English forms, where the pages have always found them)
    NBSP,
    day_label,
    day_range,
    english_duration,
    english_time,
    format_ms,
    format_share,
    month_label,
)

TIMES_REMEMBERED = 8192
"""Times each `Clock` keeps formatted."""


def format_uptime(ratio: float | None) -> str | None:
    """`99.98%`, or None for *no data*: the checker's formatting, so the page, the badges and the
    API extras show the same figure (two decimals, never rounded up to 100.00%)."""
    return None if ratio is None else shown_uptime(ratio)


class Clock:
    """Formats times in the site's zone, as `<time>` elements carrying the exact UTC instant;
    `written` writes a moment in the zone for the page's language (English by default)."""

    def __init__(self, zone: str, written: Callable[[datetime], str] | None = None) -> None:
        self.zone = ZoneInfo(zone)
        self._written = written or english_time
        # The same times appear on many pages (an incident's page, its month, its components),
        # mostly close together: the files that show an incident are rendered one after the
        # other. Remembering the latest ones keeps that, without holding every time of the site.
        self._shown: Callable[[datetime], Markup] = functools.lru_cache(maxsize=TIMES_REMEMBERED)(self._element)
        self._local: Callable[[datetime], datetime] = functools.lru_cache(maxsize=TIMES_REMEMBERED)(self._in_zone)

    def local(self, when: datetime) -> datetime:
        return self._local(when)

    def when(self, when: datetime | None) -> Markup:
        return Markup("") if when is None else self._shown(when)

    def when_rel(self, when: datetime | None) -> Markup:
        """`when`, marked for status.js to add how long ago it was ("12 min ago"): only the
        reading browser knows the time it is read at."""
        shown = self.when(when)
        return Markup(f'<span class="rel">{shown}</span>') if shown else shown

    def text(self, when: datetime) -> str:
        """`22 Nov 2026, 14:05 UTC`: how every time on the site reads (status.js writes the
        same format in the reader's zone)."""
        return self._written(self.local(when))

    def _in_zone(self, when: datetime) -> datetime:
        return when.astimezone(self.zone)

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
