"""How times, days, months, percentages, durations and milliseconds read in one language.

English keeps the page's established forms (`22 Nov 2026, 14:05 UTC`, `2 d 3 h`, `99.98%`), made
by `site_builder.outputs.pages.formatting`; every other language takes its locale's forms from
Babel (CLDR): `22. November 2026, 14:05 UTC`, `2 Tg. 3 Std.`, `99,98 %`.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from datetime import date, datetime

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton, format_time, get_datetime_format
from babel.numbers import format_decimal
from babel.units import format_unit

from checker.uptime import format_uptime as english_uptime
from site_builder.i18n import english

NBSP = english.NBSP
_UNITS = (("duration-day", 1440), ("duration-hour", 60), ("duration-minute", 1))


class Formats:
    """Formatting for one language; `gettext` translates the few words among the figures
    (`none`, `under a minute`)."""

    def __init__(self, code: str, gettext: Callable[[str], str]) -> None:
        self.code = code
        self.english = code == "en"
        self.locale = Locale.parse(code)
        self._ = gettext
        percent = copy.copy(self.locale.percent_formats[None])
        self._percent_pattern = percent

    # -- times and days

    def datetime_text(self, local: datetime) -> str:
        """A moment in the site's zone (`local`), with the zone's abbreviation."""
        if self.english:
            return english.english_time(local)
        moment = (
            str(get_datetime_format("long", locale=self.locale))
            .replace("{1}", format_date(local, "long", locale=self.locale))
            .replace("{0}", format_time(local, "HH:mm", locale=self.locale))
        )
        return f"{moment} {local.tzname()}"

    def day(self, day: date) -> str:
        return _day_label(self.code, day)

    def day_range(self, first: date, last: date) -> str:
        if self.english:
            return english.day_range(first, last)
        if first == last:
            return self.day(first)
        return format_interval(first, last, "yMMMMd", locale=self.locale)

    def month(self, key: str) -> str:
        """A month (`YYYY-MM`) by name: `November 2026`."""
        return _month_label(self.code, key)

    def short_day(self, day: date) -> str:
        """A day without its year, as the chart's axis shows it: `22 Nov`."""
        return f"{day.day} {day:%b}" if self.english else format_skeleton("MMMd", day, locale=self.locale)

    # -- figures

    def uptime(self, ratio: float | None) -> str | None:
        """`99.98%` (two decimals, never rounded up to 100%), or None for no data."""
        if ratio is None:
            return None
        shown = english_uptime(ratio)
        if self.english:
            return shown
        return self._percent(float(shown.rstrip("%")) / 100, 2)

    def percent(self, share: float, decimals: int = 0) -> str:
        """A share as a percentage: `30%`, `0.5%`."""
        if self.english:
            return f"{share:.{decimals}%}"
        return self._percent(share, decimals)

    def share(self, seconds: float, total: float) -> str:
        """How much of `total` `seconds` is: `none`, `under 0.1%`, `2.5%`."""
        if self.english:
            return english.format_share(seconds, total)
        if seconds <= 0 or total <= 0:
            return self._("none")
        share = min(seconds / total, 1.0)
        if share < 0.001:
            return self._("under %(share)s") % {"share": self._percent(0.001, 1)}
        return self._percent(share, 1)

    def decimal(self, value: float) -> str:
        """A plain number: `30`, `2.5` (`2,5` in German)."""
        return f"{value:g}" if self.english else format_decimal(value, locale=self.locale)

    def ms(self, value: float | None) -> str:
        """`123 ms`, or a dash without a value."""
        if self.english or value is None:
            return english.format_ms(value)
        return format_unit(round(value), "duration-millisecond", length="short", locale=self.locale).replace(" ", NBSP)

    def duration(self, seconds: float) -> str:
        """`2 d 3 h`, `1 h 5 min`, `4 min`: the two largest units, rounded down."""
        if self.english:
            return english.english_duration(seconds)
        minutes = int(seconds // 60)
        parts: list[str] = []
        for unit, size in _UNITS:
            count, minutes = divmod(minutes, size)
            if count or parts:
                parts.append(self._unit(count, unit) if count else "")
            if len(parts) == 2:
                break
        shown = [part for part in parts if part]
        return " ".join(shown) if shown else self._("under a minute")

    def _unit(self, count: int, unit: str) -> str:
        return format_unit(count, unit, length="short", locale=self.locale).replace(" ", NBSP)

    def _percent(self, share: float, decimals: int) -> str:
        pattern = copy.copy(self._percent_pattern)
        pattern.frac_prec = (decimals, decimals)
        return str(pattern.apply(share, self.locale))


@functools.lru_cache(maxsize=4096)
def _day_label(code: str, day: date) -> str:
    """A day by name, made once: a build names each of the last 90 days for every component on
    its own page and on the index, in every language."""
    return english.day_label(day) if code == "en" else format_date(day, "long", locale=Locale.parse(code))


@functools.lru_cache(maxsize=4096)
def _month_label(code: str, key: str) -> str:
    if code == "en":
        return english.month_label(key)
    month = datetime.strptime(key, "%Y-%m")
    return format_skeleton("yMMMM", month, locale=Locale.parse(code))
