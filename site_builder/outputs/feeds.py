"""Incident history feeds: `history.rss`, `history.atom` and one Atom feed per component.

Titles and item markup follow Statuspage's, so readers that already follow a Statuspage page show
ours the same way. feedgen stamps feeds with the wall clock; every date here comes from the
incidents instead, so the same content gives the same bytes.
"""

from __future__ import annotations

import hashlib
import heapq
import html
import ipaddress
import json
import re
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from checker.incident_model import Incident, IncidentUpdate
from site_builder.markdown import update_text
from site_builder.outputs import Deferred
from site_builder.outputs.incident_facts import (
    changes,
    incident_state,
    incident_url,
    page_updated_at,
    published_updates,
)
from site_builder.view import SiteView, is_published

if TYPE_CHECKING:  # feedgen is imported when a feed is rendered: a rebuild rarely renders one
    from feedgen.feed import FeedGenerator

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FEED_LIMIT = 50
"""Incidents per feed, newest first; older ones stay on the history pages."""


def render(view: SiteView) -> dict[str, bytes]:
    """`history.rss`, `history.atom` and `components/<id>/feed.atom`."""
    return {item.path: item.render() for item in plan(view)}


def plan(view: SiteView) -> list[Deferred]:
    """The feeds, each keyed by the incidents it lists, so a rebuild skips the unchanged ones."""
    site = view.bundle.site
    feeds = _Feeds(view)
    everything = feeds.newest_first(view.bundle.incidents)
    title = f"{site.name} Status - Incident History"
    out = [feeds.deferred(everything, title, "history.rss", rss=True),
           feeds.deferred(everything, title, "history.atom", rss=False)]
    for component in view.components:
        items = feeds.newest_first(view.incidents_of(component.id))
        feed_title = f"{site.name} Status - {component.component.name} Incident History"
        out.append(feeds.deferred(items, feed_title, component_feed_path(component.id), rss=False))
    return out


def component_feed_path(component_id: str) -> str:
    """Where a component's Atom feed is published, relative to the site's root."""
    return f"components/{component_id}/feed.atom"


class _Feeds:
    """Builds the feeds of one view; an incident's markup is made once and shared by every feed."""

    def __init__(self, view: SiteView) -> None:
        self.view = view
        self.zone = ZoneInfo(view.bundle.site.time_zone)
        self.updated_at = page_updated_at(view)
        self.markup: dict[str, str] = {}
        self._last: dict[str, datetime] = {}
        self._states: dict[str, str] = {}

    def last_change(self, incident: Incident) -> datetime:
        """When the incident's latest published update was posted (made once per incident)."""
        if incident.slug not in self._last:
            self._last[incident.slug] = _last_change(incident, self.view.now)
        return self._last[incident.slug]

    def newest_first(self, incidents: list[Incident]) -> list[Incident]:
        """The FEED_LIMIT published incidents changed last, newest first."""
        published = [i for i in incidents if is_published(i, self.view.now)]
        return heapq.nlargest(FEED_LIMIT, published, key=lambda i: (self.last_change(i), i.slug))

    def deferred(self, incidents: list[Incident], title: str, path: str, *, rss: bool) -> Deferred:
        site = self.view.bundle.site
        for incident in incidents:
            if incident.slug not in self._states:
                self._states[incident.slug] = incident_state(incident, self.view.now)
        inputs = [site.name, site.url, site.language, site.time_zone, title, path, rss,
                  self._updated(incidents).isoformat(), *(self._states[i.slug] for i in incidents)]
        key = hashlib.sha256(json.dumps(inputs).encode()).hexdigest()

        def render() -> bytes:
            feed = self.feed(incidents, title, path, rss=rss)
            content: bytes = feed.rss_str(pretty=True) if rss else feed.atom_str(pretty=True)
            return content

        return Deferred(path, key, render)

    def _updated(self, incidents: list[Incident]) -> datetime:
        # Not a date to come: maintenance announced without an update is dated by its window.
        return max((t for i in incidents if (t := self.last_change(i)) <= self.view.now), default=self.updated_at)

    def feed(self, incidents: list[Incident], title: str, path: str, *, rss: bool) -> FeedGenerator:
        from feedgen.feed import FeedGenerator

        view = self.view
        site = view.bundle.site
        host = tag_authority(site.url)
        updated = self._updated(incidents)
        feed = FeedGenerator()
        feed.id(f"tag:{host},2005:/{path}")
        feed.title(title)
        feed.description(title)
        feed.author({"name": site.name})
        # feedgen takes the RSS <link> from the last link given: the page, not the feed itself.
        feed.link(href=f"{site.url}/{path}", rel="self")
        feed.link(href=site.url, rel="alternate", type="text/html")
        feed.language(site.language)
        feed.generator("statusgen")
        feed.updated(updated)
        feed.lastBuildDate(updated)
        feed.pubDate(updated)
        for incident in incidents:
            entry = feed.add_entry(order="append")
            url = incident_url(view, incident)
            # feedgen keeps one identifier for both formats: RSS gets the permalink, Atom a tag URI.
            if rss:
                entry.guid(url, permalink=True)
            else:
                entry.id(f"tag:{host},2005:Incident/{incident.id}")
            entry.title(incident.title)
            entry.link(href=url, rel="alternate", type="text/html")
            entry.published(_first_published(incident, view.now))
            entry.updated(self.last_change(incident))
            entry.pubDate(self.last_change(incident))
            if incident.slug not in self.markup:
                self.markup[incident.slug] = item_markup(incident, view.now, self.zone)
            # feedgen writes content into RSS as content:encoded; Statuspage's RSS has description only.
            if rss:
                entry.description(self.markup[incident.slug])
            else:
                entry.content(self.markup[incident.slug], type="html")
        return feed


def tag_authority(url: str) -> str:
    """The DNS name that Atom ids (`tag:` URIs, RFC 4151) are minted under: the site's host.

    RFC 4151 allows a DNS name (or an e-mail address) there and nothing else, so the port goes
    (`http://127.0.0.1:8000` gives `127.0.0.1`), the name is lower case and in its ASCII (IDNA)
    form, and an IPv6 address becomes its own DNS name under `ip6.arpa`.
    """
    host = (urlsplit(url).hostname or "").rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return address.reverse_pointer if address.version == 6 else str(address)
    labels = []
    for label in host.split("."):
        try:
            ascii_label = label.encode("idna").decode("ascii") if label else ""
        except UnicodeError:
            ascii_label = label.encode("ascii", "replace").decode("ascii")
        # Characters a DNS label cannot hold (`_` in container names) become hyphens.
        ascii_label = re.sub(r"[^a-z0-9-]", "-", ascii_label.lower()).strip("-")
        if ascii_label:
            labels.append(ascii_label)
    return ".".join(labels) or "localhost"


def _last_change(incident: Incident, now: datetime) -> datetime:
    """The latest update or, for maintenance, window start or end by `now`; for maintenance
    announced without an update and not started yet, its window's start."""
    moments = changes(incident, now)
    return moments[-1] if moments else incident.created_at


def _first_published(incident: Incident, now: datetime) -> datetime:
    updates = published_updates(incident, now)
    return updates[-1].at if updates else incident.created_at


def item_markup(incident: Incident, now: datetime, zone: ZoneInfo) -> str:
    """Statuspage's item body: the scheduled window for maintenance, then each update, newest first."""
    parts = []
    if incident.kind == "maintenance":
        assert incident.scheduled_for is not None and incident.scheduled_until is not None
        parts.append(
            f"<p><strong>THIS IS A SCHEDULED EVENT {_when(incident.scheduled_for, zone, time_only=False)}"
            f" - {_when(incident.scheduled_until, zone, time_only=_same_day(incident, zone))}</strong></p>"
        )
    for update in published_updates(incident, now):
        parts.append(
            f"<p><small>{_when(update.at, zone, time_only=False)}</small><br>"
            f"<strong>{_label(update)}</strong> - {_body(update)}</p>"
        )
    return "".join(parts)


def _same_day(maintenance: Incident, zone: ZoneInfo) -> bool:
    assert maintenance.scheduled_for is not None and maintenance.scheduled_until is not None
    return maintenance.scheduled_for.astimezone(zone).date() == maintenance.scheduled_until.astimezone(zone).date()


def _label(update: IncidentUpdate) -> str:
    return update.status.replace("_", " ").capitalize()


def _body(update: IncidentUpdate) -> str:
    # Text, not the rendered HTML: an update's paragraphs cannot nest inside the item's <p>.
    # Paragraph breaks stay visible; the line breaks inside a paragraph are only source wrapping.
    paragraphs = re.split(r"\n{2,}", update_text(update.body))
    return "<br><br>".join(html.escape(" ".join(p.split("\n"))) for p in paragraphs)


def _when(when: datetime, zone: ZoneInfo, *, time_only: bool) -> str:
    """`Nov <var data-var='date'>22</var>, <var data-var='time'>14:05</var> UTC`, as Statuspage writes."""
    local = when.astimezone(zone)
    clock = f"<var data-var='time'>{local:%H:%M}</var>"
    if time_only:
        return f"{clock} {local.tzname()}"
    return f"{_MONTHS[local.month - 1]} <var data-var='date'>{local.day}</var>, {clock} {local.tzname()}"
