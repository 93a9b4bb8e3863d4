"""The HTML pages: index, incidents, history by month, components, uptime explanation, 404, plus
robots.txt and sitemap.xml.

Every value a template shows is decided here, from the view, and passed in as plain data; that
data is also the page's cache key, so a page whose data did not change is not rendered again.
Templates never see the clock: anything that depends on `now` is computed before rendering.
"""

from __future__ import annotations

import functools
import hashlib
import html
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import orjson
from markupsafe import Markup, escape
from pydantic import BaseModel

from checker.bundle import ComponentStatus, Incident, IncidentUpdate
from checker.summary import WINDOWS, ComponentSummary, DayBar, UptimeFigure, Window
from checker.uptime import format_uptime as shown_uptime
from site_builder.markdown import UpdateBody, render_markdown
from site_builder.outputs import Deferred, RenderContext
from site_builder.theme import (
    OG_HEIGHT,
    OG_WIDTH,
    STATUS_COLOURS,
    Asset,
    Theme,
    builtin_templates,
    status_card,
    status_favicon,
)
from site_builder.view import RECENT_DAYS, STATUS_LABELS, ComponentView, GroupView, SiteView

MONTH_PAGE_SIZE = 50
"""Incidents per history page; a busier month continues on `history/<YYYY-MM>/<n>/`."""
HISTORY_RECENT_MONTHS = 3
"""Months shown in full on `history/`; the archive links every month."""
HISTORY_MONTH_PREVIEW = 10
"""Incidents per month listed on `history/` before "All n in <month>"."""
COMPONENT_INCIDENTS = 20
"""Incidents listed on a component's page; older ones are in the history."""
BAR_DAYS = 90
"""Days in the bar strips; a narrow screen shows the last 30 of them (a media query in style.css
widens the strip to three times its box, aligned right)."""
COLLAPSE_ABOVE = 10
"""On an index with more components than this, groups whose components are all operational start
closed (their summary still shows the group's status); smaller pages show everything."""
MISSING_SHOWN_FROM = 60.0
"""Seconds without data in a day from which the day's figures say how much was missing."""
UPTIME_EXPLANATION = "uptime.md"
"""The explanation of the uptime math in the templates folder: a symlink to docs/uptime.md, so
the page and the docs are one text (the wheel carries a copy)."""

UPDATE_LABELS = {
    "investigating": "Investigating", "identified": "Identified", "monitoring": "Monitoring",
    "update": "Update", "resolved": "Resolved", "postmortem": "Postmortem",
    "scheduled": "Scheduled", "in_progress": "In progress", "verifying": "Verifying",
    "completed": "Completed",
}
IMPACT_LABELS = {"none": "None", "minor": "Minor", "major": "Major", "critical": "Critical",
                 "maintenance": "Maintenance"}
_BANNER_ICONS = {"none": "operational", "minor": "degraded_performance", "major": "partial_outage",
                 "critical": "major_outage", "maintenance": "under_maintenance"}
_BAR_CLASSES: dict[ComponentStatus, str] = {
    "operational": "o", "degraded_performance": "d", "partial_outage": "p", "major_outage": "m",
    "under_maintenance": "u",
}
"""A day's class in the strips: `n` is a day (or part of one) without data, drawn dotted."""
_WINDOW_LABELS = {"24h": "Last 24 hours", "7d": "Last 7 days", "30d": "Last 30 days",
                  "90d": "Last 90 days"}


def environment(theme: Theme, zone: str = "Etc/UTC") -> jinja2.Environment:
    """Templates from the site's own `templates/` first, then statusgen's; times shown in `zone`."""
    loader = jinja2.FileSystemLoader([*theme.template_dirs, builtin_templates()])
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    clock = Clock(zone)
    env.filters["when"] = clock.when
    env.filters["when_rel"] = clock.when_rel
    return env


def template_digest(env: jinja2.Environment) -> str:
    """Digest of every template's source, so editing a template re-renders the pages."""
    h = hashlib.sha256()
    for name in sorted(env.list_templates()):
        assert env.loader is not None
        source, _, _ = env.loader.get_source(env, name)
        h.update(name.encode() + b"\0" + source.encode() + b"\0")
    return h.hexdigest()


# --- formatting --------------------------------------------------------------------------------


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


# --- plain data for the templates -------------------------------------------------------------


def _json_default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, UpdateBody):
        return {"markdown": value.markdown}  # the page shows what the Markdown renders to
    raise TypeError(f"cannot key {type(value).__name__}")


def cache_key(digest: str, name: str, data: dict[str, Any]) -> str:
    # orjson: a site has a page per incident, and the standard library's encoder was a good part
    # of a rebuild's time. Keys only need to be deterministic, not readable.
    payload = orjson.dumps(data, default=_json_default, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.sha256(f"{digest}\0{name}\0".encode() + payload).hexdigest()


def incident_href(incident: Incident) -> str:
    return f"incidents/{incident.slug}/index.html"


def _incident_start(incident: Incident) -> datetime:
    return incident.scheduled_for if incident.scheduled_for is not None else incident.created_at


def _resolved(incident: Incident, now: datetime) -> datetime | None:
    """When the incident was resolved, if it was by `now` (a file may hold updates dated later)."""
    end = incident.resolved_at()
    return end if end is not None and end <= now else None


def _update_data(update: IncidentUpdate) -> dict[str, Any]:
    return {"label": UPDATE_LABELS[update.status], "at": update.at, "html": UpdateBody(update.body)}


def _item(incident: Incident, now: datetime, start: datetime) -> dict[str, Any]:
    """An incident as a line in a list; `start` is `_incident_start(incident)`."""
    end = incident.scheduled_until if incident.kind == "maintenance" else _resolved(incident, now)
    return {
        "href": incident_href(incident),
        "title": incident.title,
        "kind": incident.kind,
        "impact": "maintenance" if incident.kind == "maintenance" else incident.impact,
        "impact_label": IMPACT_LABELS[incident.impact],
        "status_label": UPDATE_LABELS[incident.status_at(now)],
        "start": start,
        "end": end,
    }


class Pages:
    """Renders the pages of one build."""

    def __init__(self, view: SiteView, context: RenderContext, env: jinja2.Environment) -> None:
        self.view = view
        self.context = context
        self.env = env
        self.clock = Clock(view.bundle.site.time_zone)
        self._rows: dict[str, dict[str, Any]] = {}
        self._day_cache: dict[str, list[Day]] = {}
        self._starts: dict[str, datetime] = {}
        self._created: dict[str, datetime] = {}
        self._components = {c.id: c for c in view.components}
        self._published: list[Incident] | None = None
        self._shared = self._shared_frame()
        # Every page shows the shared part; its digest goes into each key once, not re-serialised
        # for each of thousands of pages.
        self._shared_key = cache_key(context.digest, "frame", self._shared)

    # -- shared page frame

    def _shared_frame(self) -> dict[str, Any]:
        """What every page shows the same: site, assets, feed links, time zone."""
        site = self.view.bundle.site
        has = self.context.available.__contains__
        feeds = [
            {"path": p, "type": t, "title": f"{site.name} {name}"}
            for p, t, name in (("history.atom", "application/atom+xml", "status history (Atom)"),
                               ("history.rss", "application/rss+xml", "status history (RSS)"))
            if has(p)
        ]
        subscribe = [
            {"path": p, "title": name}
            for p, name in (("history.atom", "Atom feed"), ("history.rss", "RSS feed"),
                            ("maintenance.ics", "Maintenance calendar (iCalendar)"))
            if has(p)
        ]
        footer = [{"path": p, "title": name}
                  for p, name in (("api/v2/summary.json", "Status API"),) if has(p)]
        # The email form posts to the subscribe endpoint (a Lambda Function URL, or `statusgen
        # serve` locally); a plain form, so it works without JavaScript.
        subscribers = self.view.bundle.subscribers or {}
        subscribe_action = None
        if self.view.bundle.subscribers is not None and subscribers.get("enabled", True):
            subscribe_action = f"{(subscribers.get('endpoint_url') or site.url).rstrip('/')}/subscribe"
        return {
            "site": site,
            "assets": dict(self.context.assets),
            "logo": self.context.assets.get("logo"),
            "feeds": feeds,
            "subscribe": subscribe,
            "subscribe_action": subscribe_action,
            "components_for_subscribe": [(c.id, c.component.name) for c in self.view.components],
            "footer_links": footer,
            "zone_name": self.clock.zone_name(self.view.now),
            "og_size": (OG_WIDTH, OG_HEIGHT),
        }

    def _frame(self, path: str, title: str, description: str = "") -> dict[str, Any]:
        """The page's own part of the frame: where it is and what it is called."""
        site = self.view.bundle.site
        return {
            "root": "../" * path.count("/"),
            "path": path,
            "canonical": f"{site.url}/{path.removesuffix('index.html')}",
            "page_title": title,
            "page_description": description or site.description or f"Current status of {site.name}",
            "favicon": "favicon.svg",
            "og_image": None,
            "og_image_alt": "",
            "refresh": False,
        }

    def _deferred(self, path: str, template: str, data: dict[str, Any]) -> Deferred:
        key = cache_key(self._shared_key, template, data)

        def render() -> bytes:
            return self.env.get_template(template).render({**self._shared, **data}).encode()

        return Deferred(path, key, render)

    def start(self, incident: Incident) -> datetime:
        """`_incident_start`, made once per incident: sorting and grouping ask for it often."""
        if incident.slug not in self._starts:
            self._starts[incident.slug] = _incident_start(incident)
        return self._starts[incident.slug]

    def created(self, incident: Incident) -> datetime:
        if incident.slug not in self._created:
            self._created[incident.slug] = incident.created_at
        return self._created[incident.slug]

    def item(self, incident: Incident) -> dict[str, Any]:
        return _item(incident, self.view.now, self.start(incident))

    # -- the pages

    def all(self) -> list[Deferred]:
        items = [self.index(), self.status_favicon(), self.uptime(), self.not_found(), self.robots(),
                 self.sitemap()]
        items += [self.incident(i) for i in self.published()]
        items += self.history()
        items += [self.component(c) for c in self.view.components]
        return items

    def published(self) -> list[Incident]:
        """Incidents and maintenance on the site (none dated in the future), newest first."""
        if self._published is None:
            self._published = self.view.incidents("incident") + self.view.incidents("maintenance")
            self._published.sort(key=lambda i: (self.created(i), i.slug), reverse=True)
        return self._published

    def index(self) -> Deferred:
        view, now = self.view, self.view.now
        site = view.bundle.site
        data = self._frame("index.html", f"{site.name} Status")
        recent = view.recent_incidents()
        clock = self.clock
        today = clock.local(now).date()
        days: list[dict[str, Any]] = []
        quiet: list[date] = []  # a run of days without incidents is shown as one line
        for offset in range(RECENT_DAYS + 1):
            day = today - timedelta(days=offset)
            items = [self.item(i) for i in recent
                     if offset < RECENT_DAYS and clock.local(self.start(i)).date() == day]
            if not items and offset < RECENT_DAYS:
                quiet.append(day)
                continue
            if quiet:
                days.append({"label": _day_range(quiet[-1], quiet[0]), "incidents": []})
                quiet = []
            if items:
                days.append({"label": _day_label(day), "incidents": items})
        layout: list[dict[str, Any]] = []
        collapse = len(view.components) > COLLAPSE_ABOVE
        for entry in view.layout:
            if isinstance(entry, GroupView):
                calm = all(c.status == "operational" and not c.no_data for c in entry.components)
                count = len(entry.components)
                layout.append({"name": entry.name, "status": entry.status, "label": entry.label,
                               "open": not (collapse and calm),
                               "count": f"{count} component{'s' if count != 1 else ''}",
                               "rows": [self._row(c, 4) for c in entry.components]})
            else:
                layout.append(self._row(entry, 3))
        data.update(
            indicator=view.indicator,
            indicator_text=view.description,
            banner_icon=_BANNER_ICONS[view.indicator],
            updated_at=view.updated_at,
            active=[self._card(i) for i in view.active_incidents],
            maintenance=[self._card(i) for i in view.active_maintenance],
            upcoming=[self.item(i) for i in view.upcoming_maintenance],
            layout=layout,
            no_data_yet=view.summary is None or not view.summary.components,
            recent_days=days,
            page_description=self._index_description(),
            favicon=self.context.assets.get(f"favicon-{view.indicator}.svg", "favicon.svg"),
            og_image=self._og_image(view.indicator),
            og_image_alt=view.description,
            refresh=True,
        )
        return self._deferred("index.html", "index.html", data)

    # -- what a link preview says (meta description, Open Graph)

    def _og_image(self, indicator: str) -> str | None:
        """The absolute address of the link-preview picture of an overall status."""
        path = self.context.assets.get(f"og-{indicator}.png")
        return f"{self.view.bundle.site.url}/{path}" if path else None

    def _latest(self, incident: Incident) -> IncidentUpdate | None:
        return next((u for u in incident.updates if u.at <= self.view.now), None)

    def _update_line(self, update: IncidentUpdate) -> str:
        """`Identified (22 Nov 2026, 14:30 UTC): A failing replica served stale reads.`"""
        head = f"{UPDATE_LABELS[update.status]} ({self.clock.text(update.at)})"
        body = _plain(update.body)
        return f"{head}: {body}" if body else head

    def _index_description(self) -> str:
        """The overall status, then the latest update of what is open (or the next maintenance)."""
        view = self.view
        text = f"{view.description}."
        open_items = [*view.active_incidents, *view.active_maintenance]
        updates = [(u, i) for i in open_items for u in [self._latest(i)] if u is not None]
        if updates:
            update, incident = max(updates, key=lambda pair: pair[0].at)
            count = len(view.active_incidents)
            if count > 1:
                text += f" {count} open incidents."
            text += f" Latest update on \u201c{incident.title}\u201d \u2014 {self._update_line(update)}"
        elif view.upcoming_maintenance:
            first = view.upcoming_maintenance[0]
            text += f" Next scheduled maintenance: {first.title}, {self.clock.text(self.start(first))}."
        else:
            text += f" No open incidents. Updated {self.clock.text(view.updated_at)}."
        return _clip(text, 300)

    def _incident_description(self, incident: Incident, status: str, affected: list[dict[str, Any]]) -> str:
        names = ", ".join(a["name"] for a in affected)
        if incident.kind == "maintenance" and incident.scheduled_for and incident.scheduled_until:
            window = f"{self.clock.text(incident.scheduled_for)} \u2013 {self.clock.text(incident.scheduled_until)}"
            text = (f"Scheduled maintenance ({UPDATE_LABELS[status].lower()})" + (f" on {names}" if names else "")
                    + f", {window}.")
        else:
            text = f"{UPDATE_LABELS[status]}: {IMPACT_LABELS[incident.impact].lower()} impact"
            text += f" on {names}." if names else "."
        latest = self._latest(incident)
        if latest is not None:
            text += f" Latest update: {self._update_line(latest)}"
        return _clip(text, 300)

    def _card(self, incident: Incident) -> dict[str, Any]:
        card = self.item(incident)
        latest = next((u for u in incident.updates if u.at <= self.view.now), None)
        card["latest"] = _update_data(latest) if latest is not None else None
        card["affected"] = [self._components[c].component.name for c in incident.components
                            if c in self._components]
        return card

    def _row(self, component: ComponentView, level: int) -> dict[str, Any]:
        """A component as the index and its own page show it (computed once per build)."""
        if component.id not in self._rows:
            self._rows[component.id] = self._new_row(component)
        return {**self._rows[component.id], "level": level}

    def _new_row(self, component: ComponentView) -> dict[str, Any]:
        measured = component.measured
        monitored = component.component.check is not None
        days = self._days(component)
        return {
            "id": component.id,
            "name": component.component.name,
            "description": component.component.description,
            "href": f"components/{component.id}/index.html",
            "code": "no_data" if component.no_data else component.status,
            "label": component.label,
            "monitored": monitored,
            "strip": _strip(days),
            "strip_label": _strip_label(component.component.name, measured, days, monitored),
            "wide": _window_figure(measured, "90d", monitored),
            "narrow": _window_figure(measured, "30d", monitored),
        }

    def _days(self, component: ComponentView) -> list[Day]:
        """The component's last 90 days, oldest first (computed once per build)."""
        if component.id not in self._day_cache:
            today = self.view.now.date()
            by_date: dict[date, DayBar] = {}
            if component.measured is not None:
                by_date = {bar.date: bar for bar in component.measured.bars}
            incidents = self._incidents_by_day(component.id, today)
            elapsed_today = (self.view.now - datetime.combine(today, time(), self.view.now.tzinfo)).total_seconds()
            self._day_cache[component.id] = [
                _day(day, by_date.get(day), incidents.get(day, []),
                     monitored=component.component.check is not None,
                     length=elapsed_today if day == today else 86400.0)
                for day in (today - timedelta(days=BAR_DAYS - 1 - index) for index in range(BAR_DAYS))
            ]
        return self._day_cache[component.id]

    def _incidents_by_day(self, component_id: str, today: date) -> dict[date, list[dict[str, str]]]:
        """UTC day -> this component's incidents (title, link) that were open that day."""
        first = today - timedelta(days=BAR_DAYS - 1)
        days: dict[date, list[dict[str, str]]] = {}
        for incident in self.view.incidents_of(component_id):
            start = incident.started_at()
            if start > self.view.now:
                continue
            end = min(incident.resolved_at() or self.view.now, self.view.now)
            day = max(start.date(), first)
            while day <= min(end.date(), today):
                days.setdefault(day, []).append({"title": incident.title, "href": incident_href(incident)})
                day += timedelta(days=1)
        return days

    def incident(self, incident: Incident) -> Deferred:
        now = self.view.now
        path = incident_href(incident)
        status = incident.status_at(now)
        data = self._frame(path, f"{incident.title} · {self.view.bundle.site.name} Status")
        affected = []
        for component_id, declared in incident.components.items():
            if component_id in self._components:
                affected.append({"name": self._components[component_id].component.name,
                                 "href": f"components/{component_id}/index.html",
                                 "code": declared, "label": STATUS_LABELS[declared]})
        start = incident.started_at()
        end = _resolved(incident, now)
        if incident.kind == "maintenance":
            assert incident.scheduled_for is not None and incident.scheduled_until is not None
            duration = format_duration((incident.scheduled_until - incident.scheduled_for).total_seconds())
        elif end is not None:
            duration = f"{format_duration((end - start).total_seconds())} (resolved)"
        else:
            duration = "Ongoing"
        key = month_key(self.start(incident), self.clock)
        data.update(
            title=incident.title,
            kind=incident.kind,
            impact="maintenance" if incident.kind == "maintenance" else incident.impact,
            impact_label=IMPACT_LABELS[incident.impact],
            status_label=UPDATE_LABELS[status],
            start=incident.scheduled_for,
            end=incident.scheduled_until,
            started=start,
            resolved=end,
            duration=duration,
            affected=affected,
            updates=[_update_data(u) for u in incident.updates if u.at <= now],
            month=key,
            month_label=month_label(key),
            page_description=self._incident_description(incident, status, affected),
            og_image=self._og_image(_incident_indicator(incident, status)),
            og_image_alt=f"{_summary_line(incident)}: {UPDATE_LABELS[status]}",
        )
        return self._deferred(path, "incident.html", data)

    def _months(self) -> list[tuple[str, list[Incident]]]:
        """(YYYY-MM, incidents newest first) for every month with incidents, newest first."""
        ordered = sorted(self.published(), key=lambda i: (self.start(i), i.slug), reverse=True)
        return [(key, list(group)) for key, group in
                groupby(ordered, key=lambda i: month_key(self.start(i), self.clock))]

    def history(self) -> list[Deferred]:
        months = self._months()
        pages: list[Deferred] = []
        # Each page of each month, newest first, so "older" and "newer" links are neighbours.
        sequence: list[tuple[str, int, int, list[Incident]]] = []
        for key, incidents in months:
            count = max(1, math.ceil(len(incidents) / MONTH_PAGE_SIZE))
            for page in range(1, count + 1):
                chunk = incidents[(page - 1) * MONTH_PAGE_SIZE: page * MONTH_PAGE_SIZE]
                sequence.append((key, page, count, chunk))

        def href(key: str, page: int) -> str:
            return f"history/{key}/index.html" if page == 1 else f"history/{key}/{page}/index.html"

        def link(position: int) -> dict[str, str] | None:
            if not 0 <= position < len(sequence):
                return None
            key, page, count, _ = sequence[position]
            label = month_label(key) + (f" (page {page})" if count > 1 else "")
            return {"href": href(key, page), "label": label}

        for position, (key, page, count, chunk) in enumerate(sequence):
            path = href(key, page)
            data = self._frame(path, f"{month_label(key)} · {self.view.bundle.site.name} Status")
            data.update(label=month_label(key), page=page, pages=count,
                        items=[self.item(i) for i in chunk],
                        newer=link(position - 1), older=link(position + 1))
            pages.append(self._deferred(path, "month.html", data))

        data = self._frame("history/index.html", f"Incident history · {self.view.bundle.site.name} Status")
        recent = [{"key": key, "label": month_label(key), "count": len(incidents),
                   "incidents": [self.item(i) for i in incidents[:HISTORY_MONTH_PREVIEW]],
                   "more": len(incidents) > HISTORY_MONTH_PREVIEW}
                  for key, incidents in months[:HISTORY_RECENT_MONTHS]]
        archive = [{"year": year, "months": [{"key": k, "label": month_label(k), "count": len(v)}
                                             for k, v in group]}
                   for year, group in groupby(months, key=lambda kv: kv[0][:4])]
        data.update(recent=recent, archive=archive)
        pages.append(self._deferred("history/index.html", "history.html", data))
        return pages

    def component(self, component: ComponentView) -> Deferred:
        path = f"components/{component.id}/index.html"
        name = component.component.name
        data = self._frame(path, f"{name} · {self.view.bundle.site.name} Status",
                           component.component.description or "")
        measured = component.measured
        row = self._row(component, 2)
        windows, months, latency = [], [], []
        chart = None
        if measured is not None:
            windows = [_figure_row(_WINDOW_LABELS[w], measured.uptime[w])
                       for w in WINDOWS if w in measured.uptime]
            months = [_figure_row(month_label(k), measured.monthly[k])
                      for k in sorted(measured.monthly, reverse=True)[:12]]
            latency = [{"label": _WINDOW_LABELS[w], "p50": format_ms(f.p50_ms),
                        "p95": format_ms(f.p95_ms), "p99": format_ms(f.p99_ms)}
                       for w, f in ((w, measured.latency.get(w)) for w in WINDOWS)
                       if f is not None and f.samples]
            chart = _latency_chart(measured, self.view.now.date())
        incidents = self.view.incidents_of(component.id)
        links = [{"path": p, "title": t} for p, t in (
            (f"components/{component.id}/feed.atom", f"{name} incident feed (Atom)"),
            (f"badges/{component.id}/status.svg", "Status badge (SVG)"),
            (f"badges/{component.id}/uptime-30d.svg", "30-day uptime badge (SVG)"),
            (f"badges/{component.id}/response-time.svg", "Response-time badge (SVG)"),
        ) if p in self.context.available]
        days = self._days(component)
        day_rows, anchors = _day_rows(days)
        hits = [{"x": index * _PITCH, "href": f"#{anchor}", "title": day.text}
                for index, (day, anchor) in enumerate(zip(days, anchors, strict=True))]
        data.update(
            row=row,
            hits=hits,
            day_rows=day_rows,
            last_checked=measured.last_checked_at if measured else None,
            last_reason=measured.last_reason if measured else None,
            windows=windows,
            months=months,
            latency=latency,
            chart=chart,
            incidents=[self.item(i) for i in incidents[:COMPONENT_INCIDENTS]],
            more_incidents=len(incidents) > COMPONENT_INCIDENTS,
            links=links,
            og_image=self._og_image(_COMPONENT_INDICATORS[component.status]),
            og_image_alt=f"{name}: {component.label}",
        )
        return self._deferred(path, "component.html", data)

    def status_favicon(self) -> Deferred:
        """`favicon.svg`, linked by every page but the index (which links the content-hash copy,
        so a browser cannot keep showing an old status): the current overall status's icon."""
        indicator = self.view.indicator
        return Deferred("favicon.svg", cache_key(self._shared_key, "favicon.svg", {"indicator": indicator}),
                        functools.partial(status_favicon, indicator))

    def uptime(self) -> Deferred:
        data = self._frame("uptime/index.html",
                           f"How uptime is measured · {self.view.bundle.site.name} Status")
        checker = self.view.bundle.checker
        weights = [{"code": status, "label": STATUS_LABELS[status],
                    "share": f"{checker.downtime_weights.get(status, 0.0):.0%} of the time"}
                   for status in ("major_outage", "partial_outage", "degraded_performance")]
        title, explanation = self._uptime_explanation()
        data.update(interval=_every(checker.interval), weights=weights,
                    explanation_title=title, explanation=explanation)
        return self._deferred("uptime/index.html", "uptime.html", data)

    def _uptime_explanation(self) -> tuple[str, str]:
        """The title and sanitised HTML of `uptime.md` (docs/uptime.md, shipped with the templates;
        a site may override it like any template)."""
        assert self.env.loader is not None
        text, _, _ = self.env.loader.get_source(self.env, UPTIME_EXPLANATION)
        title, _, body = text.partition("\n")
        if not title.startswith("# "):
            title, body = "How uptime is calculated", text
        return title.removeprefix("# ").strip(), render_markdown(body)

    def not_found(self) -> Deferred:
        data = self._frame("404.html", f"Page not found · {self.view.bundle.site.name} Status")
        # 404.html is served for any missing address, at any depth: link from the site's root.
        base = self.view.bundle.site.url.split("://", 1)[1].partition("/")[2]
        data["root"] = "/" + (base.strip("/") + "/" if base.strip("/") else "")
        return self._deferred("404.html", "404.html", data)

    def robots(self) -> Deferred:
        return self._deferred("robots.txt", "robots.txt", {"site": self.view.bundle.site})

    def sitemap(self) -> Deferred:
        url = self.view.bundle.site.url
        urls: list[dict[str, str | None]] = [{"loc": f"{url}/", "lastmod": None},
                                             {"loc": f"{url}/history/", "lastmod": None},
                                             {"loc": f"{url}/uptime/", "lastmod": None}]
        urls += [{"loc": f"{url}/components/{c.id}/", "lastmod": None} for c in self.view.components]
        urls += [{"loc": f"{url}/history/{key}/", "lastmod": None} for key, _ in self._months()]
        urls += [{"loc": f"{url}/incidents/{i.slug}/",
                  "lastmod": i.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")}
                 for i in self.published()]
        return self._deferred("sitemap.xml", "sitemap.xml", {"urls": urls})


def _every(seconds: float) -> str:
    """`minute`, `5 minutes`, `30 seconds`: the check interval, to follow the word "Every"."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return unit if count == 1 else f"{count} {unit}s"
    return f"{seconds:g} seconds"


def _day_label(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _day_range(first: date, last: date) -> str:
    if first == last:
        return _day_label(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%b %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{_day_label(first)} – {_day_label(last)}"


_COMPONENT_INDICATORS = {"operational": "none", "degraded_performance": "minor", "partial_outage": "major",
                         "major_outage": "critical", "under_maintenance": "maintenance"}
_IMPACT_INDICATORS = {"none": "minor", "minor": "minor", "major": "major", "critical": "critical"}


def _incident_indicator(incident: Incident, status: str) -> str:
    """The status picture of an incident's link preview: its impact while open, green once over."""
    if status in ("resolved", "postmortem", "completed"):
        return "none"
    if incident.kind == "maintenance":
        return "maintenance" if status in ("in_progress", "verifying") else "none"
    return _IMPACT_INDICATORS[incident.impact]


_MARKUP = re.compile(r"!?\[([^\]]*)\]\([^)]*\)"                            # a link: its text
                     r"|<(?:script|style|iframe)\b.*?</(?:script|style|iframe)\s*>|<[^>]+>"  # HTML
                     r"|[*_`#>|~]+|^\s*(?:[-+]|\d+\.)\s+",                     # emphasis, lists
                     re.MULTILINE | re.DOTALL | re.IGNORECASE)


def _plain(markdown: str) -> str:
    """An update's Markdown as one line of plain text, for a meta description (cheap: no render)."""
    text = _MARKUP.sub(lambda m: m.group(1) or " ", markdown)
    return " ".join(html.unescape(text).split())


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"


def _summary_line(incident: Incident) -> str:
    kind = "Scheduled maintenance" if incident.kind == "maintenance" else "Incident"
    return f"{kind}: {incident.title}"


def _figure_row(label: str, figure: UptimeFigure) -> dict[str, str]:
    total = figure.observed_seconds + figure.no_data_seconds
    return {"label": label, "uptime": format_uptime(figure.uptime) or "No data",
            "no_data": format_share(figure.no_data_seconds, total)}


# --- the 90-day strips --------------------------------------------------------------------------
# One strip is a handful of <path>s, one per kind of day, not an element per day: a 20-component
# index stays within its DOM budget. Each day is a vertical bar in a 450 x 40 box (5 units a day);
# the part of a day without data is drawn dotted, and every day that was not fully operational
# gets a mark under its bar whose shape matches the status icon (dash, triangle, block, hollow
# square), so the strip reads without colour. A day's figures are on the component's page.

_PITCH = 5
_BAR_HEIGHT = 28
_MARKS = {
    "d": "M{x} 33h4v2h-4z",               # degraded: a dash, as the icon's minus
    "p": "M{x} 38l2-7 2 7z",              # partial outage: a triangle, as the icon
    "m": "M{x} 31h4v7h-4z",               # major outage: a solid block
    "u": "M{x} 31h4v7h-4zm1 1v5h2v-5z",   # maintenance: a hollow block
}
_STRIP_ORDER = ("o", "d", "p", "m", "u", "n")


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
    incidents: list[dict[str, str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return _day_label(self.date)

    @property
    def figures(self) -> list[str]:
        """The day's figures as short phrases, e.g. `99.73% uptime`, `1 h 5 min of outage`."""
        shown = []
        if self.uptime is not None:
            shown.append(f"{self.uptime} uptime" + (" while measured" if self.missing else ""))
        if self.outage:
            shown.append(f"{self.outage} of outage")
        if self.missing:
            shown.append(f"{self.missing} without data")
        return shown

    @property
    def quiet(self) -> str | None:
        """What a run of unremarkable days shares (shown as one line), or None for a day that
        needs its own line."""
        if self.incidents or self.missing:
            return None
        if self.cls == "n":
            return self.status_label
        if self.cls == "o" and self.uptime == "100.00%":
            return "operational"
        return None

    @property
    def text(self) -> str:
        """The whole day in one line, e.g. for a bar's tooltip."""
        text = ", ".join([f"{self.label}: {self.status_label}", *self.figures])
        if self.incidents:
            count = len(self.incidents)
            text += f"; {count} incident{'s' if count > 1 else ''}: " + "; ".join(
                i["title"] for i in self.incidents)
        return text


def _day(day: date, bar: DayBar | None, incidents: list[dict[str, str]], *, monitored: bool,
         length: float) -> Day:
    """A day as the strip and the day list show it; `length` is how much of it has elapsed."""
    if bar is not None and bar.worst_status is not None and (monitored or bar.worst_status != "operational"):
        status = bar.worst_status
        missing_share = min(bar.no_data_seconds / length, 1.0) if monitored and length > 0 else 0.0
        has_missing = monitored and bar.no_data_seconds >= MISSING_SHOWN_FROM
        return Day(
            date=day, cls=_BAR_CLASSES[status], code=status, status_label=STATUS_LABELS[status],
            uptime=format_uptime(bar.uptime) if monitored else None,
            outage=format_duration(bar.outage_seconds) if bar.outage_seconds else None,
            missing=format_duration(bar.no_data_seconds) if has_missing else None,
            missing_share=missing_share, incidents=incidents,
        )
    label = "Not monitored" if not monitored else "No data"
    return Day(date=day, cls="n", code="no_data", status_label=label, uptime=None, outage=None,
               missing=None, missing_share=1.0, incidents=incidents)


def _strip(days: list[Day]) -> list[dict[str, str]]:
    """The strip's paths: `cls` (a day class, or `k` + class for the marks) and `d`."""
    bars: dict[str, list[str]] = {}
    marks: dict[str, list[str]] = {}
    for index, day in enumerate(days):
        left = index * _PITCH
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


def _strip_label(name: str, measured: ComponentSummary | None, days: list[Day], monitored: bool) -> str:
    """What the strip says to a screen reader (and where it leads)."""
    uptime = measured.uptime.get("90d") if measured else None
    bad = sum(1 for d in days if d.outage)
    if not monitored:
        return f"{name}: not monitored; incidents over the last 90 days, day by day"
    if uptime is None or uptime.uptime is None:
        return f"{name}: no uptime data for the last 90 days; day by day"
    return (f"{name}: {format_uptime(uptime.uptime)} uptime over the last 90 days, "
            f"{bad} day{'s' if bad != 1 else ''} with outages; day by day")


def _window_figure(measured: ComponentSummary | None, window: Window, monitored: bool) -> dict[str, str | None]:
    """The figure under a strip: `99.91% uptime` and, when some of the window had no data, how much."""
    if not monitored:
        return {"uptime": "Not monitored", "missing": None}
    figure = measured.uptime.get(window) if measured else None
    if figure is None or figure.uptime is None:
        return {"uptime": "No data yet", "missing": None}
    total = figure.observed_seconds + figure.no_data_seconds
    missing = figure.no_data_seconds / total if total else 0.0
    return {"uptime": f"{format_uptime(figure.uptime)} uptime",
            "missing": f"{format_share(figure.no_data_seconds, total)} without data" if missing >= 0.01 else None}


def _day_rows(days: list[Day]) -> tuple[list[dict[str, Any]], list[str]]:
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
            rows.append({"id": row_id, "label": newest.label, "code": newest.code,
                         "status": newest.status_label, "figures": newest.figures,
                         "incidents": newest.incidents})
            continue
        figures = ["100.00% uptime every day"] if newest.cls == "o" else []
        rows.append({"id": row_id, "label": _day_range(oldest.date, newest.date), "code": newest.code,
                     "status": newest.status_label, "figures": figures, "incidents": []})
    return rows, [anchor[d.date] for d in days]


# --- the response-time chart ------------------------------------------------------------------
# Lines are drawn in a 890 x 100 box stretched over the plot (10 units a day); gridlines, labels
# and marks sit in the outer SVG at percentages, so text keeps its size at any width.

_PLOT_TOP, _PLOT_HEIGHT = 10.0, 75.0
"""The plot area, in percent of the chart's height (labels above and below it)."""
_NICE_STEPS = (1.0, 2.0, 2.5, 5.0)


def _scale(values: list[float]) -> tuple[float, int]:
    """(step, number of steps): gridlines every `step` up to `step * steps`, the smallest such top
    above every value up to a limit of twice the 90th percentile of the values; values above the
    top are clipped and marked, so one slow day cannot flatten the other 89 into the axis."""
    ordered = sorted(values)
    limit = 2 * ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]
    highest = max([v for v in ordered if v <= limit] or [limit]) or 1.0
    best: tuple[float, int] | None = None
    exponent = math.floor(math.log10(highest / 5))
    for power in range(exponent - 1, exponent + 3):
        for nice in _NICE_STEPS:
            step = nice * 10 ** power
            if step < 1 or (nice == 2.5 and power < 1):
                continue
            count = max(3, math.ceil(highest / step))
            if count <= 5 and (best is None or step * count < best[0] * best[1]):
                best = (step, count)
    return best or (highest / 4, 4)


def _line(values: list[float | None], offset: int, top: float) -> str:
    """An SVG path through `values` (None breaks the line; a lone point is a dot), clipped at `top`."""
    parts: list[str] = []
    for index, value in enumerate(values):
        if value is None:
            continue
        y = 100 - min(value, top) / top * 100
        joined = index > 0 and values[index - 1] is not None
        parts.append(f"{'L' if joined else 'M'}{(offset + index) * 10} {y:.1f}")
        alone = not joined and (index + 1 == len(values) or values[index + 1] is None)
        if alone:
            parts.append("h0")
    return "".join(parts)


def _latency_chart(measured: ComponentSummary, today: date) -> dict[str, Any] | None:
    days = measured.latency_daily[-BAR_DAYS:]
    p50 = [d.p50_ms for d in days]
    p95 = [d.p95_ms for d in days]
    known = [v for v in (*p50, *p95) if v is not None]
    if not known:
        return None
    step, count = _scale(known)
    top = step * count
    offset = BAR_DAYS - len(days)
    span = BAR_DAYS - 1
    yticks = [{"y": f"{_PLOT_TOP + _PLOT_HEIGHT * (1 - k / count):.2f}", "label": format_ms(step * k)}
              for k in range(count + 1)]
    xticks = [{"x": f"{100 * index / span:.2f}", "anchor": anchor,
               "label": _short_day(today - timedelta(days=span - index))}
              for index, anchor in ((0, "start"), (30, "middle"), (60, "middle"), (span, "end"))]
    spikes = []
    for index, (median, slow) in enumerate(zip(p50, p95, strict=True)):
        highest = max((v for v in (median, slow) if v is not None), default=0.0)
        if highest > top:
            day = today - timedelta(days=span - offset - index)
            spikes.append({"x": f"{100 * (offset + index) / span:.2f}", "value": format_ms(highest),
                           "day": _day_label(day)})
    medians = [v for v in p50 if v is not None]
    label = (f"Response time over 90 days: median from {format_ms(min(medians))} to {format_ms(max(medians))}"
             if medians else "Response time over 90 days")
    off_scale = ""
    if spikes:
        worst = max(spikes, key=lambda s: float(s["value"].split(NBSP)[0].replace(",", "")))
        off_scale = (f"{len(spikes)} day{'s' if len(spikes) > 1 else ''} above {format_ms(top)}, "
                     f"marked ▲ at the top, the slowest {worst['day']} at {worst['value']}")
        label += f"; {off_scale}"
    return {"p50": _line(p50, offset, top), "p95": _line(p95, offset, top), "top": format_ms(top),
            "yticks": yticks, "xticks": xticks, "spikes": spikes, "off_scale": off_scale,
            "label": label}


def _short_day(day: date) -> str:
    return f"{day.day} {day:%b}"


def plan(view: SiteView, context: RenderContext) -> list[Deferred]:
    """Every page of the site, each with its cache key and a way to render it."""
    return Pages(view, context, environment(context.theme, view.bundle.site.time_zone)).all()


def render(view: SiteView, context: RenderContext) -> dict[str, bytes]:
    """Every page of the site, rendered."""
    return {item.path: item.render() for item in plan(view, context)}


def static_assets(env: jinja2.Environment, theme: Theme) -> dict[str, Asset]:
    """Logical name -> the file to write: the stylesheet (with the theme's accent colours and
    custom CSS) and the script under content-hash names, the favicon and logo."""
    assert env.loader is not None
    css, _, _ = env.loader.get_source(env, "static/style.css")
    accents = f":root{{--accent:{theme.accent_light};--accent-dark:{theme.accent_dark}}}\n"
    stylesheet = (accents + css + ("\n" + theme.custom_css if theme.custom_css else "")).encode()
    script = env.loader.get_source(env, "static/status.js")[0].encode()
    assets = {
        "style.css": Asset(f"assets/style.{_digest(stylesheet)}.css", stylesheet),
        "status.js": Asset(f"assets/status.{_digest(script)}.js", script),
    }
    # The favicon and the link-preview picture of each overall status, under content-hash names:
    # the index links the one of the current status (see `Pages.status_favicon` for the rest).
    for indicator in STATUS_COLOURS:
        icon = status_favicon(indicator)
        assets[f"favicon-{indicator}.svg"] = Asset(f"assets/favicon-{indicator}.{_digest(icon)}.svg", icon)
        assets[f"og-{indicator}.png"] = _status_card(indicator)
    if theme.logo is not None:
        assets["logo"] = theme.logo
    return assets


@functools.lru_cache(maxsize=8)
def _status_card(indicator: str) -> Asset:
    """The link-preview PNG (drawn once per process: it never changes)."""
    card = status_card(indicator)
    return Asset(f"assets/og-{indicator}.{_digest(card)}.png", card)


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:10]
