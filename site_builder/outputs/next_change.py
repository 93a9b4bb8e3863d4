"""When the site next changes by the clock alone: the earliest moment after a build's `now` at which
any output may differ from what that build made, with the same bundle, summary, theme and code. A
rebuild before it that finds every input unchanged is skipped (see `site_builder.builder.last_build`).

The outputs read the clock only through the view's `now`, in these ways, each a moment here:

- an update becomes due (`at <= now`): it is published, and may move the incident's status,
  resolve it, change what it declares for its components, the page's and the API's dates, the feeds;
- maintenance starts and ends at its window's edges (`started_at`, `resolved_at`);
- an incident is published once its first update is due (`created_at`), leaves the index's recent
  incidents `RECENT_DAYS` after it, and maintenance is upcoming from `UPCOMING_DAYS` before it starts;
- a component's measured status is shown until 2 × the check interval + 30 s after its last check
  (`view.build_view`); the summary's status changes and its generation are dated;
- the day changes: in UTC for the 90-day strips, the response-time chart and the months reported;
  in the site's zone for the index's recent days;
- the site's zone changes offset or name (daylight saving time), which every page's footer shows;
- today's bar in a strip shows the share of the day so far without data, which shrinks as the day
  goes on (`strips.day_figures`);
- with no summary and no update due yet, the page is dated `now` itself: it changes every instant.

tests/api/test_unchanged_rebuild.py builds sites on either side of each of these moments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from site_builder.i18n.languages import language
from site_builder.outputs.pages.strips import day_figures, strip_paths
from site_builder.outputs.view import RECENT_DAYS, UPCOMING_DAYS, stale_after_for

if TYPE_CHECKING:
    from checker.bundle import Bundle
    from checker.summary import DayBar, Summary

_TICK = timedelta(microseconds=1)
"""The clock's resolution: what `<=` includes at a moment, `<` includes a tick later."""
_ZONE_STEP = timedelta(minutes=15)
"""Zone changes are found in steps of this length: none lasts shorter."""


def next_change(bundle: Bundle, summary: Summary | None, now: datetime) -> datetime:
    """The earliest moment after `now` from which an output may differ from the output at `now`;
    `now` itself when the outputs change every instant (or when `now` is not in UTC, the only
    clock whose days are worked out here). It is at most the next midnight, UTC."""
    if now.utcoffset() != timedelta(0):
        return now
    due = [update.at for incident in bundle.incidents for update in incident.updates]
    if summary is None and not any(at <= now for at in due):
        return now  # `SiteView.updated_at` is `now` itself
    midnight = datetime.combine(now.date() + timedelta(days=1), time(), UTC)
    zone = ZoneInfo(bundle.site.time_zone)
    moments = [*due, *_incident_moments(bundle), midnight, *_zone_moments(zone, now, midnight)]
    if summary is not None:
        moments += [*_measured_moments(bundle, summary), *_today_bar_moments(bundle, summary, now)]
    # A moment counts for a comparison either way round: `at <= now` changes at it, `at < now` a
    # tick later; so a moment that is `now` itself is a change a tick later.
    return min(moment if moment > now else moment + _TICK for moment in moments if moment >= now)


def _incident_moments(bundle: Bundle) -> Iterator[datetime]:
    for incident in bundle.incidents:
        started, resolved = incident.started_at(), incident.resolved_at()
        yield from (
            incident.created_at,
            started,
            incident.created_at + timedelta(days=RECENT_DAYS),
            started - timedelta(days=UPCOMING_DAYS),
        )
        yield from (t for t in (resolved, incident.scheduled_for, incident.scheduled_until) if t is not None)


def _measured_moments(bundle: Bundle, summary: Summary) -> Iterator[datetime]:
    stale_after = stale_after_for(bundle.checker.interval)
    for measured in summary.components:
        if measured.last_checked_at is not None:
            yield measured.last_checked_at + stale_after
        if measured.status_since is not None:
            yield measured.status_since
    yield summary.generated_at


def _zone_moments(zone: ZoneInfo, now: datetime, until: datetime) -> Iterator[datetime]:
    """The next change of the zone's offset or name before `until`, and the next local midnight."""

    def shown(ticks: int) -> object:
        local = (now + ticks * _TICK).astimezone(zone)
        return local.utcoffset(), local.dst(), local.tzname()

    step, last = _ZONE_STEP // _TICK, (until - now) // _TICK
    for start in range(0, last, step):
        end = min(start + step, last)
        if shown(end) != shown(start):
            yield now + _first_change(shown, start, end) * _TICK
            break
    # Until that change the offset is today's, so the zone's next midnight is at this instant.
    local = now.astimezone(zone)
    yield datetime.combine(local.date() + timedelta(days=1), time(), UTC) - (local.utcoffset() or timedelta(0))


def _today_bar_moments(bundle: Bundle, summary: Summary, now: datetime) -> Iterator[datetime]:
    """When the bar of today (UTC) in a monitored component's strip is next drawn differently."""
    today = now.date()
    midnight = datetime.combine(today, time(), now.tzinfo)
    elapsed = (now - midnight) // _TICK
    for component in bundle.components:
        measured = summary.component(component.id)
        if component.check is None or measured is None:
            continue
        bar = {day.date: day for day in measured.bars}.get(today)
        if bar is None:
            continue
        if elapsed == 0:  # a day without any length yet is drawn apart
            yield now + _TICK
            continue
        # The bar's length is the share of the day so far without data: it only shrinks as the
        # day goes on, so the bar changes once per step of its drawing, the first found by halving.
        drawn = _bar_drawing(today, bar)
        last = 86400 * 10**6 - 1
        if drawn(last) != drawn(elapsed):
            yield midnight + _first_change(drawn, elapsed, last) * _TICK


def _bar_drawing(today: date, bar: DayBar) -> Callable[[int], object]:
    """The strip of a monitored component's day `bar` when `ticks` microseconds of it have passed."""

    def drawing(ticks: int) -> object:
        length = timedelta(microseconds=ticks).total_seconds()  # as the strip computes it
        return strip_paths([day_figures(today, bar, [], monitored=True, length=length, language=language("en"))])

    return drawing


def _first_change(value: Callable[[int], object], low: int, high: int) -> int:
    """The first tick in (`low`, `high`] at which `value` differs from its value at `low`: it
    differs at `high`, and once it differs it stays different."""
    start = value(low)
    while high - low > 1:
        middle = (low + high) // 2
        if value(middle) != start:
            high = middle
        else:
            low = middle
    return high
