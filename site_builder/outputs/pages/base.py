"""What every page of a build shares: the frame, the cache key, and the incidents, made once per build."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from itertools import groupby
from typing import Any

import jinja2
import orjson
from pydantic import BaseModel

from checker.incident_model import Incident, IncidentUpdate
from site_builder.i18n.codes import SUPPORTED
from site_builder.i18n.languages import language
from site_builder.i18n.marker import N_
from site_builder.i18n.site_languages import Words
from site_builder.outputs import Deferred, RenderContext
from site_builder.outputs.markdown import UpdateBody
from site_builder.outputs.pages.formatting import Clock, month_key
from site_builder.outputs.pages.incident_data import (
    UPDATE_LABELS,
    incident_item,
    incident_start,
    plain_text,
    update_data,
)
from site_builder.outputs.pages.strips import ComponentRows
from site_builder.outputs.pages.template_problems import render_template
from site_builder.outputs.theme import OG_HEIGHT, OG_WIDTH
from site_builder.outputs.view import SiteView


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


class Pages:
    """The pages of one build in one language: each page kind (`index_page`, `incident_page`,
    ...) takes this and returns its files, under the language's prefix (`de/`, or none for the
    site's main language)."""

    def __init__(
        self, view: SiteView, context: RenderContext, env: jinja2.Environment, code: str | None = None
    ) -> None:
        self.view = view
        self.context = context
        self.env = env
        self.language = language(code or view.languages.main)
        self.code = self.language.code
        self.prefix = view.languages.prefix(self.code)
        self.up = "../" * self.prefix.count("/")
        """From the language's root to the site's root, where the assets and the JSON are."""
        self._ = self.language.gettext
        self.formats = self.language.formats
        self.clock = Clock(view.bundle.site.time_zone, self.formats.datetime_text)
        self.rows = ComponentRows(view, self.language, self.words)
        self._words: dict[str, Words] = {}
        self.components = {c.id: c for c in view.components}
        self._starts: dict[str, datetime] = {}
        self._created: dict[str, datetime] = {}
        self._published: list[Incident] | None = None
        self._months: list[tuple[str, list[Incident]]] | None = None
        self._shared = self._shared_frame()
        # Every page shows the shared part; its digest goes into each key once, not re-serialised
        # for each of thousands of pages.
        self.shared_key = cache_key(context.digest, "frame", self._shared)

    @property
    def shared(self) -> dict[str, Any]:
        """The part of the frame every page shows the same."""
        return self._shared

    # -- the page frame

    def _shared_frame(self) -> dict[str, Any]:
        """What every page shows the same: site, assets, feed links, time zone."""
        site = self.view.bundle.site
        _ = self._
        has = self.context.available.__contains__
        # The feeds are in each language, under its prefix; the calendar and the API in the main one.
        feeds = [
            {"path": p, "type": t, "title": f"{site.name} {_(name)}"}
            for p, t, name in (
                ("history.atom", "application/atom+xml", N_("status history (Atom)")),
                ("history.rss", "application/rss+xml", N_("status history (RSS)")),
            )
            if has(self.prefix + p)
        ]
        subscribe = [
            {"path": p, "title": _(name)}
            for p, name in (("history.atom", N_("Atom feed")), ("history.rss", N_("RSS feed")))
            if has(self.prefix + p)
        ] + [
            {"path": self.up + p, "title": _(name)}
            for p, name in (("maintenance.ics", N_("Maintenance calendar (iCalendar)")),)
            if has(p)
        ]
        footer = [
            {"path": self.up + p, "title": _(name)}
            for p, name in (("api/v2/summary.json", N_("Status API")), ("operations/index.html", N_("Operations")))
            if has(p)
        ]  # internal site only
        # The email form posts to the subscribe endpoint (a Lambda Function URL, or `statusgen
        # serve` locally); a plain form, so it works without JavaScript.
        subscribers = self.view.bundle.subscribers
        subscribe_action = None
        if subscribers is not None and subscribers.enabled:
            subscribe_action = f"{(subscribers.endpoint_url or site.url).rstrip('/')}/subscribe"
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
            "lang": self.code,
            "catalog": self.language.catalog.digest,
        }

    def title(self, *parts: str) -> str:
        """A page's title: `parts`, then the site's, e.g. `Incident history · Acme Status`."""
        return " · ".join([*parts, self._("%(name)s Status") % {"name": self.view.bundle.site.name}])

    def frame(self, path: str, title: str, description: str = "") -> dict[str, Any]:
        """The page's own part of the frame: where it is (`path`, within the language's tree),
        what it is called, and where it is in the site's other languages."""
        site = self.view.bundle.site
        root = "../" * path.count("/")
        return {
            "root": root,
            "site_root": root + self.up,
            "path": path,
            "canonical": f"{site.url}/{self.prefix}{path.removesuffix('index.html')}",
            "alternates": self._alternates(path),
            "switch": self._switch(path, root + self.up),
            "page_title": title,
            "page_description": description
            or site.description
            or (self._("Current status of %(name)s") % {"name": site.name}),
            "favicon": "favicon.svg",
            "og_image": None,
            "og_image_alt": "",
            "refresh": False,
        }

    def _alternates(self, path: str) -> list[dict[str, str]]:
        """`<link rel="alternate" hreflang>` of the page in every language, and x-default."""
        languages = self.view.languages
        if not languages.extra:
            return []
        url = self.view.bundle.site.url
        shown = path.removesuffix("index.html")
        links = [{"hreflang": code, "href": f"{url}/{languages.prefix(code)}{shown}"} for code in languages.all]
        return [*links, {"hreflang": "x-default", "href": f"{url}/{shown}"}]

    def _switch(self, path: str, site_root: str) -> list[dict[str, Any]]:
        """The language switch: the same page in each language, as relative links."""
        languages = self.view.languages
        if not languages.extra:
            return []
        return [
            {
                "lang": code,
                "name": SUPPORTED[code],
                "current": code == self.code,
                "href": f"{site_root}{languages.prefix(code)}{path}",
            }
            for code in languages.all
        ]

    def deferred(self, path: str, template: str, data: dict[str, Any], *, shares: str | None = None) -> Deferred:
        """The page at `path` in this language's tree, rendered from `template` with `data` (its
        cache key) and the shared frame; `shares` as `Deferred.shares`."""
        return self._page(path, template, cache_key(self.shared_key, template, data), lambda: data, shares)

    def deferred_from(
        self, path: str, template: str, inputs: list[str], data: Callable[[], dict[str, Any]], *, shares: str | None
    ) -> Deferred:
        """As `deferred`, for a page whose data costs most of its rendering: keyed by `inputs`,
        everything `data` reads besides the shared frame, and its data made only when rendered."""
        key = hashlib.sha256("\0".join([self.shared_key, template, self.prefix + path, *inputs]).encode()).hexdigest()
        return self._page(path, template, key, data, shares)

    def _page(
        self, path: str, template: str, key: str, data: Callable[[], dict[str, Any]], shares: str | None
    ) -> Deferred:
        def render() -> bytes:
            return render_template(self.env, self.context.theme, template, {**self._shared, **data()})

        return Deferred(self.prefix + path, key, render, shares)

    # -- the incidents

    def published(self) -> list[Incident]:
        """Incidents and maintenance on the site (none dated in the future), newest first."""
        if self._published is None:
            self._published = self.view.incidents("incident") + self.view.incidents("maintenance")
            self._published.sort(key=lambda i: (self.created(i), i.slug), reverse=True)
        return self._published

    def months(self) -> list[tuple[str, list[Incident]]]:
        """(YYYY-MM, incidents newest first) for every month with incidents, newest first; made
        once (the history pages and the sitemap ask)."""
        if self._months is None:
            ordered = sorted(self.published(), key=lambda i: (self.start(i), i.slug), reverse=True)
            self._months = [
                (key, list(group))
                for key, group in groupby(ordered, key=lambda i: month_key(self.start(i), self.clock))
            ]
        return self._months

    def start(self, incident: Incident) -> datetime:
        """`incident_start`, made once per incident: sorting and grouping ask for it often."""
        if incident.slug not in self._starts:
            self._starts[incident.slug] = incident_start(incident)
        return self._starts[incident.slug]

    def created(self, incident: Incident) -> datetime:
        if incident.slug not in self._created:
            self._created[incident.slug] = incident.created_at
        return self._created[incident.slug]

    def words(self, incident: Incident) -> Words:
        """The incident's title and texts in this language (the original's where not translated)."""
        if incident.slug not in self._words:
            self._words[incident.slug] = self.view.languages.words(self.code, incident)
        return self._words[incident.slug]

    def item(self, incident: Incident) -> dict[str, Any]:
        return incident_item(incident, self.view.now, self.start(incident), self.language, self.words(incident))

    def update(self, incident: Incident, update: IncidentUpdate) -> dict[str, Any]:
        """One of the incident's updates as the templates show it, in this language."""
        index = next(i for i, candidate in enumerate(incident.updates) if candidate is update)
        return update_data(update, self.language, self.words(incident).body(index))

    # -- what a link preview says (meta description, Open Graph)

    def og_image(self, indicator: str) -> str | None:
        """The absolute address of the link-preview picture of an overall status."""
        path = self.context.assets.get(f"og-{indicator}.png")
        return f"{self.view.bundle.site.url}/{path}" if path else None

    def latest(self, incident: Incident) -> IncidentUpdate | None:
        return next((u for u in incident.updates if u.at <= self.view.now), None)

    def update_line(self, incident: Incident, update: IncidentUpdate) -> str:
        """`Identified (22 Nov 2026, 14:30 UTC): A failing replica served stale reads.`"""
        head = f"{self._(UPDATE_LABELS[update.status])} ({self.clock.text(update.at)})"
        body = plain_text(self.update(incident, update)["html"].markdown)
        return f"{head}: {body}" if body else head
