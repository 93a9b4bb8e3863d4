"""The 90-day strips: each component's last 90 days, drawn as a few SVG paths, and the row showing them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from checker.incident_model import Incident
from checker.summary import ComponentSummary, DayBar, Window
from checker.vocabulary import STATUS_LABELS, ComponentStatus
from site_builder.i18n.languages import Language
from site_builder.i18n.marker import N_
from site_builder.i18n.site_languages import Words
from site_builder.outputs.pages.incident_data import incident_href
from site_builder.outputs.view import ComponentView, SiteView

# One strip is a handful of <path>s, one per kind of day, not an element per day: a 20-component
# index stays within its DOM budget. Each day is a vertical bar in a 450 x 40 box (5 units a day);
# the part of a day without data is drawn dotted, and every day that was not fully operational
# gets a mark under its bar whose shape matches the status icon (dash, triangle, block, hollow
# square), so the strip reads without colour. A day's figures are on the component's page.

BAR_DAYS = 90
"""Days in the bar strips; a narrow screen shows the last 30 of them (a media query in style.css
widens the strip to three times its box, aligned right)."""
MISSING_SHOWN_FROM = 60.0
"""Seconds without data in a day from which the day's figures say how much was missing."""
PITCH = 5
"""Width of a day in the strip's box."""
_BAR_HEIGHT = 28
_BAR_CLASSES: dict[ComponentStatus, str] = {
    "operational": "o",
    "degraded_performance": "d",
    "partial_outage": "p",
    "major_outage": "m",
    "under_maintenance": "u",
}
"""A day's class in the strips: `n` is a day (or part of one) without data, drawn dotted."""
_MARKS = {
    "d": "M{x} 33h4v2h-4z",  # degraded: a dash, as the icon's minus
    "p": "M{x} 38l2-7 2 7z",  # partial outage: a triangle, as the icon
    "m": "M{x} 31h4v7h-4z",  # major outage: a solid block
    "u": "M{x} 31h4v7h-4zm1 1v5h2v-5z",  # maintenance: a hollow block
}
_STRIP_ORDER = ("o", "d", "p", "m", "u", "n")


class ComponentRows:
    """Each component's row (name, status, strip, figures) and days, made once per build and
    language: the index and the component's own page both show them. `words` gives an
    incident's title in the language."""

    def __init__(self, view: SiteView, language: Language, words: Callable[[Incident], Words]) -> None:
        self.view = view
        self.language = language
        self._words = words
        self._rows: dict[str, dict[str, Any]] = {}
        self._days: dict[str, list[Day]] = {}

    def row(self, component: ComponentView, level: int) -> dict[str, Any]:
        """A component as the index and its own page show it, at heading `level`."""
        if component.id not in self._rows:
            self._rows[component.id] = self._new_row(component)
        return {**self._rows[component.id], "level": level}

    def _new_row(self, component: ComponentView) -> dict[str, Any]:
        measured = component.measured
        monitored = component.component.check is not None
        days = self.days(component)
        language = self.language
        return {
            "id": component.id,
            "name": component.component.name,
            "description": component.component.description,
            "affected_by": None
            if component.affected_by is None
            else {"id": component.affected_by, "name": self.view.component(component.affected_by).component.name},
            "href": f"components/{component.id}/index.html",
            "code": "no_data" if component.no_data else component.status,
            "label": language.gettext(component.label),
            "monitored": monitored,
            "strip": strip_paths(days),
            "strip_label": _strip_label(component.component.name, measured, days, monitored, language),
            "wide": _window_figure(measured, "90d", monitored, language),
            "narrow": _window_figure(measured, "30d", monitored, language),
        }

    def days(self, component: ComponentView) -> list[Day]:
        """The component's last 90 days, oldest first."""
        if component.id not in self._days:
            today = self.view.now.date()
            by_date: dict[date, DayBar] = {}
            if component.measured is not None:
                by_date = {bar.date: bar for bar in component.measured.bars}
            incidents = self._incidents_by_day(component.id, today)
            elapsed_today = (self.view.now - datetime.combine(today, time(), self.view.now.tzinfo)).total_seconds()
            self._days[component.id] = [
                day_figures(
                    day,
                    by_date.get(day),
                    incidents.get(day, []),
                    monitored=component.component.check is not None,
                    length=elapsed_today if day == today else 86400.0,
                    language=self.language,
                )
                for day in (today - timedelta(days=BAR_DAYS - 1 - index) for index in range(BAR_DAYS))
            ]
        return self._days[component.id]

    def _incidents_by_day(self, component_id: str, today: date) -> dict[date, list[dict[str, str | None]]]:
        """UTC day -> this component's incidents (title, its language if not the page's, link)
        that were open that day."""
        first = today - timedelta(days=BAR_DAYS - 1)
        days: dict[date, list[dict[str, str | None]]] = {}
        for incident in self.view.incidents_of(component_id):
            start = incident.started_at()
            if start > self.view.now:
                continue
            end = min(incident.resolved_at() or self.view.now, self.view.now)
            day = max(start.date(), first)
            words = self._words(incident)
            while day <= min(end.date(), today):
                days.setdefault(day, []).append(
                    {"title": words.title, "title_lang": words.title_lang, "href": incident_href(incident)}
                )
                day += timedelta(days=1)
        return days


@dataclass(frozen=True)
class Day:
    """One day of a component's strip, with the figures its details show."""

    date: date
    cls: str
    """`o`, `d`, `p`, `m`, `u` (the day's worst status) or `n` (no data / not monitored)."""
    code: str
    """The status icon: a ComponentStatus, or `no_data`."""
    status_label: str
    uptime: str | None
    """`99.73%`; None without data or without a check."""
    outage: str | None
    """How long the component was in partial or major outage, e.g. `1 h 5 min`."""
    missing: str | None
    """How long the day had no data, when some of it had data, e.g. `7 h`."""
    missing_share: float
    """Share of the (elapsed) day without data, 0 to 1."""
    language: Language = field(compare=False, repr=False)
    """The language its figures are written in."""
    incidents: list[dict[str, str | None]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.language.formats.day(self.date)

    @property
    def figures(self) -> list[str]:
        """The day's figures as short phrases, e.g. `99.73% uptime`, `1 h 5 min of outage`."""
        _ = self.language.gettext
        shown = []
        if self.uptime is not None:
            phrase = _("%(uptime)s uptime while measured") if self.missing else _("%(uptime)s uptime")
            shown.append(phrase % {"uptime": self.uptime})
        if self.outage:
            shown.append(_("%(duration)s of outage") % {"duration": self.outage})
        if self.missing:
            shown.append(_("%(duration)s without data") % {"duration": self.missing})
        return shown

    @property
    def quiet(self) -> str | None:
        """What a run of unremarkable days shares (shown as one line), or None for a day that
        needs its own line."""
        if self.incidents or self.missing:
            return None
        if self.cls == "n":
            return self.status_label
        if self.cls == "o" and self.uptime == self.language.formats.uptime(1.0):
            return "operational"
        return None

    @property
    def text(self) -> str:
        """The whole day in one line, e.g. for a bar's tooltip."""
        text = ", ".join([f"{self.label}: {self.status_label}", *self.figures])
        if self.incidents:
            count = len(self.incidents)
            text += (
                "; "
                + self.language.ngettext("%(count)s incident:", "%(count)s incidents:", count) % {"count": count}
                + " "
                + "; ".join(str(i["title"]) for i in self.incidents)
            )
        return text


def day_figures(
    day: date,
    bar: DayBar | None,
    incidents: list[dict[str, str | None]],
    *,
    monitored: bool,
    length: float,
    language: Language,
) -> Day:
    """A day as the strip and the day list show it; `length` is how much of it has elapsed."""
    formats = language.formats
    if bar is not None and bar.worst_status is not None and (monitored or bar.worst_status != "operational"):
        status = bar.worst_status
        missing_share = min(bar.no_data_seconds / length, 1.0) if monitored and length > 0 else 0.0
        has_missing = monitored and bar.no_data_seconds >= MISSING_SHOWN_FROM
        return Day(
            date=day,
            cls=_BAR_CLASSES[status],
            code=status,
            status_label=language.gettext(STATUS_LABELS[status]),
            uptime=formats.uptime(bar.uptime) if monitored else None,
            outage=formats.duration(bar.outage_seconds) if bar.outage_seconds else None,
            missing=formats.duration(bar.no_data_seconds) if has_missing else None,
            missing_share=missing_share,
            language=language,
            incidents=incidents,
        )
    label = language.gettext(N_("Not monitored") if not monitored else N_("No data"))
    return Day(
        date=day,
        cls="n",
        code="no_data",
        status_label=label,
        uptime=None,
        outage=None,
        missing=None,
        missing_share=1.0,
        language=language,
        incidents=incidents,
    )


def strip_paths(days: list[Day]) -> list[dict[str, str]]:
    """The strip's paths: `cls` (a day class, or `k` + class for the marks) and `d`."""
    bars: dict[str, list[str]] = {}
    marks: dict[str, list[str]] = {}
    for index, day in enumerate(days):
        left = index * PITCH
        middle = left + 2
        top = round(day.missing_share * _BAR_HEIGHT) if day.cls != "n" else 0
        if top:
            bars.setdefault("n", []).append(f"M{middle} 0V{top}")
        if top < _BAR_HEIGHT:
            bars.setdefault(day.cls, []).append(f"M{middle} {top}V{_BAR_HEIGHT}")
        if day.cls in _MARKS:
            marks.setdefault(day.cls, []).append(_MARKS[day.cls].format(x=left))
    paths = [{"cls": cls, "d": "".join(bars[cls])} for cls in _STRIP_ORDER if cls in bars]
    paths += [{"cls": "k" + cls, "d": "".join(marks[cls])} for cls in _STRIP_ORDER if cls in marks]
    return paths


def _strip_label(
    name: str, measured: ComponentSummary | None, days: list[Day], monitored: bool, language: Language
) -> str:
    """What the strip says to a screen reader (and where it leads)."""
    _ = language.gettext
    uptime = measured.uptime.get("90d") if measured else None
    bad = sum(1 for d in days if d.outage)
    if not monitored:
        return _("%(name)s: not monitored; incidents over the last 90 days, day by day") % {"name": name}
    if uptime is None or uptime.uptime is None:
        return _("%(name)s: no uptime data for the last 90 days; day by day") % {"name": name}
    return language.ngettext(
        "%(name)s: %(uptime)s uptime over the last 90 days, %(count)s day with outages; day by day",
        "%(name)s: %(uptime)s uptime over the last 90 days, %(count)s days with outages; day by day",
        bad,
    ) % {"name": name, "uptime": language.formats.uptime(uptime.uptime), "count": bad}


def _window_figure(
    measured: ComponentSummary | None, window: Window, monitored: bool, language: Language
) -> dict[str, str | None]:
    """The figure under a strip: `99.91% uptime` and, when some of the window had no data, how much."""
    _ = language.gettext
    if not monitored:
        return {"uptime": _("Not monitored"), "missing": None}
    figure = measured.uptime.get(window) if measured else None
    if figure is None or figure.uptime is None:
        return {"uptime": _("No data yet"), "missing": None}
    total = figure.observed_seconds + figure.no_data_seconds
    missing = figure.no_data_seconds / total if total else 0.0
    share = language.formats.share(figure.no_data_seconds, total)
    return {
        "uptime": _("%(uptime)s uptime") % {"uptime": language.formats.uptime(figure.uptime)},
        "missing": _("%(duration)s without data") % {"duration": share} if missing >= 0.01 else None,
    }


def day_rows(days: list[Day]) -> tuple[list[dict[str, Any]], list[str]]:
    """The day list, newest first (runs of unremarkable days as one line), and for each day
    (oldest first) the id of the line that shows it."""
    rows: list[dict[str, Any]] = []
    runs: list[list[Day]] = []
    for day in reversed(days):
        if runs and day.quiet is not None and runs[-1][0].quiet == day.quiet:
            runs[-1].append(day)
        else:
            runs.append([day])
    anchor: dict[date, str] = {}
    for run in runs:
        newest, oldest = run[0], run[-1]
        row_id = f"d-{newest.date.isoformat()}"
        for day in run:
            anchor[day.date] = row_id
        if len(run) == 1:
            rows.append(
                {
                    "id": row_id,
                    "label": newest.label,
                    "code": newest.code,
                    "status": newest.status_label,
                    "figures": newest.figures,
                    "incidents": newest.incidents,
                }
            )
            continue
        language = newest.language
        every_day = language.gettext("%(uptime)s uptime every day") % {"uptime": language.formats.uptime(1.0)}
        figures = [every_day] if newest.cls == "o" else []
        rows.append(
            {
                "id": row_id,
                "label": language.formats.day_range(oldest.date, newest.date),
                "code": newest.code,
                "status": newest.status_label,
                "figures": figures,
                "incidents": [],
            }
        )
    return rows, [anchor[d.date] for d in days]
