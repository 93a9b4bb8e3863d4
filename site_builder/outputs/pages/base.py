"""What every page of a build shares: the frame, the cache key, and the incidents, made once per build."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from itertools import groupby
from typing import Any

import jinja2
import orjson
from pydantic import BaseModel

from checker.incident_model import Incident, IncidentUpdate
from site_builder.markdown import UpdateBody
from site_builder.outputs import Deferred, RenderContext
from site_builder.outputs.pages.formatting import Clock, month_key
from site_builder.outputs.pages.incident_data import UPDATE_LABELS, incident_item, incident_start, plain_text
from site_builder.outputs.pages.strips import ComponentRows
from site_builder.theme import OG_HEIGHT, OG_WIDTH
from site_builder.view import SiteView


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
    """The pages of one build: each page kind (`index_page`, `incident_page`, ...) takes this and
    returns its files."""

    def __init__(self, view: SiteView, context: RenderContext, env: jinja2.Environment) -> None:
        self.view = view
        self.context = context
        self.env = env
        self.clock = Clock(view.bundle.site.time_zone)
        self.rows = ComponentRows(view)
        self.components = {c.id: c for c in view.components}
        self._starts: dict[str, datetime] = {}
        self._created: dict[str, datetime] = {}
        self._published: list[Incident] | None = None
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
        }

    def frame(self, path: str, title: str, description: str = "") -> dict[str, Any]:
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

    def deferred(self, path: str, template: str, data: dict[str, Any]) -> Deferred:
        """The page at `path`, rendered from `template` with `data` (its cache key) and the shared frame."""
        key = cache_key(self.shared_key, template, data)

        def render() -> bytes:
            return self.env.get_template(template).render({**self._shared, **data}).encode()

        return Deferred(path, key, render)

    # -- the incidents

    def published(self) -> list[Incident]:
        """Incidents and maintenance on the site (none dated in the future), newest first."""
        if self._published is None:
            self._published = self.view.incidents("incident") + self.view.incidents("maintenance")
            self._published.sort(key=lambda i: (self.created(i), i.slug), reverse=True)
        return self._published

    def months(self) -> list[tuple[str, list[Incident]]]:
        """(YYYY-MM, incidents newest first) for every month with incidents, newest first."""
        ordered = sorted(self.published(), key=lambda i: (self.start(i), i.slug), reverse=True)
        return [(key, list(group)) for key, group in
                groupby(ordered, key=lambda i: month_key(self.start(i), self.clock))]

    def start(self, incident: Incident) -> datetime:
        """`incident_start`, made once per incident: sorting and grouping ask for it often."""
        if incident.slug not in self._starts:
            self._starts[incident.slug] = incident_start(incident)
        return self._starts[incident.slug]

    def created(self, incident: Incident) -> datetime:
        if incident.slug not in self._created:
            self._created[incident.slug] = incident.created_at
        return self._created[incident.slug]

    def item(self, incident: Incident) -> dict[str, Any]:
        return incident_item(incident, self.view.now, self.start(incident))

    # -- what a link preview says (meta description, Open Graph)

    def og_image(self, indicator: str) -> str | None:
        """The absolute address of the link-preview picture of an overall status."""
        path = self.context.assets.get(f"og-{indicator}.png")
        return f"{self.view.bundle.site.url}/{path}" if path else None

    def latest(self, incident: Incident) -> IncidentUpdate | None:
        return next((u for u in incident.updates if u.at <= self.view.now), None)

    def update_line(self, update: IncidentUpdate) -> str:
        """`Identified (22 Nov 2026, 14:30 UTC): A failing replica served stale reads.`"""
        head = f"{UPDATE_LABELS[update.status]} ({self.clock.text(update.at)})"
        body = plain_text(update.body)
        return f"{head}: {body}" if body else head
