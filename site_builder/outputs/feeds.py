"""Incident history feeds: `history.rss`, `history.atom` and one Atom feed per component, in
each of the site's languages (the main one's at the site's root, the others' under their prefix).

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

from babel.dates import format_date

from checker.incident_model import Incident
from site_builder.i18n.languages import Language, language
from site_builder.i18n.site_languages import Words
from site_builder.outputs import Deferred
from site_builder.outputs.incident_facts import (
    changes,
    incident_state,
    incident_url,
    page_updated_at,
    published_updates,
)
from site_builder.outputs.markdown import update_text
from site_builder.outputs.pages.incident_data import UPDATE_LABELS
from site_builder.outputs.view import SiteView, is_published

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
    out = []
    for code in view.languages.all:
        feeds = _Feeds(view, language(code))
        _, prefix = feeds.language.gettext, view.languages.prefix(code)
        everything = feeds.newest_first(view.bundle.incidents)
        title = _("%(name)s Status - Incident History") % {"name": site.name}
        out += [
            feeds.deferred(everything, title, f"{prefix}history.rss", rss=True),
            feeds.deferred(everything, title, f"{prefix}history.atom", rss=False),
        ]
        for component in view.components:
            items = feeds.newest_first(view.incidents_of(component.id))
            feed_title = _("%(name)s Status - %(component)s Incident History") % {
                "name": site.name,
                "component": component.component.name,
            }
            out.append(feeds.deferred(items, feed_title, prefix + component_feed_path(component.id), rss=False))
    return out


def component_feed_path(component_id: str) -> str:
    """Where a component's Atom feed is published, relative to the site's root."""
    return f"components/{component_id}/feed.atom"


class _Feeds:
    """Builds the feeds of one view in one language; an incident's markup is made once and shared
    by every feed."""

    def __init__(self, view: SiteView, shown_in: Language) -> None:
        self.view = view
        self.language = shown_in
        self.zone = ZoneInfo(view.bundle.site.time_zone)
        self.updated_at = page_updated_at(view)
        self.markup: dict[str, str] = {}
        self._last: dict[str, datetime] = {}
        self._states: dict[str, str] = {}
        self._words: dict[str, Words] = {}

    def words(self, incident: Incident) -> Words:
        if incident.slug not in self._words:
            self._words[incident.slug] = self.view.languages.words(self.language.code, incident)
        return self._words[incident.slug]

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
        languages = self.view.languages
        for incident in incidents:
            if incident.slug not in self._states:
                translation = languages.translation(self.language.code, incident)
                self._states[incident.slug] = incident_state(incident, self.view.now) + (
                    f"\0{translation.digest}" if translation is not None else ""
                )
        inputs = [
            site.name,
            site.url,
            self.language.code,
            languages.main,  # the language an untranslated text is marked as written in
            site.time_zone,
            title,
            path,
            rss,
            self._updated(incidents).isoformat(),
            *(self._states[i.slug] for i in incidents),
        ]
        if self.language.code != "en":  # the words come from its catalog
            inputs.append(self.language.catalog.digest)
        key = hashlib.sha256(json.dumps(inputs).encode()).hexdigest()

        def render() -> bytes:
            feed = self.feed(incidents, title, path, rss=rss)
            content: bytes = feed.rss_str(pretty=True) if rss else feed.atom_str(pretty=True)
            return content

        # One process renders every feed of a language: they share each incident's entry, and
        # whichever process renders a feed first imports feedgen.
        return Deferred(path, key, render, shares=f"feeds {self.language.code}")

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
        prefix = view.languages.prefix(self.language.code)
        feed.link(href=f"{site.url}/{prefix}" if prefix else site.url, rel="alternate", type="text/html")
        feed.language(self.language.code)
        feed.generator("statusgen")
        feed.updated(updated)
        feed.lastBuildDate(updated)
        feed.pubDate(updated)
        for incident in incidents:
            entry = feed.add_entry(order="append")
            url = incident_url(view, incident, prefix)
            # feedgen keeps one identifier for both formats: RSS gets the permalink, Atom a tag URI.
            if rss:
                entry.guid(url, permalink=True)
            else:
                entry.id(f"tag:{host},2005:Incident/{incident.id}")
            words = self.words(incident)
            entry.title(
                words.title
                if words.title_lang is None
                else f"{words.title} {self.language.gettext('(not translated)')}"
            )
            entry.link(href=url, rel="alternate", type="text/html")
            entry.published(_first_published(incident, view.now))
            entry.updated(self.last_change(incident))
            entry.pubDate(self.last_change(incident))
            if incident.slug not in self.markup:
                self.markup[incident.slug] = item_markup(incident, view.now, self.zone, self.language, words)
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


def item_markup(
    incident: Incident, now: datetime, zone: ZoneInfo, shown_in: Language | None = None, words: Words | None = None
) -> str:
    """Statuspage's item body: the scheduled window for maintenance, then each update, newest
    first, in `shown_in` (English by default) with the texts of `words` (the incident's own by
    default); a text in the original's language is marked as not translated."""
    shown_in = shown_in or language("en")
    _ = shown_in.gettext
    parts = []
    if incident.kind == "maintenance":
        assert incident.scheduled_for is not None and incident.scheduled_until is not None
        window = {
            "start": _when(incident.scheduled_for, zone, shown_in, time_only=False),
            "end": _when(incident.scheduled_until, zone, shown_in, time_only=_same_day(incident, zone)),
        }
        announcement = _("THIS IS A SCHEDULED EVENT %(start)s - %(end)s") % window
        parts.append(f"<p><strong>{announcement}</strong></p>")
    index = {id(update): position for position, update in enumerate(incident.updates)}
    for update in published_updates(incident, now):
        text, original = words.body(index[id(update)]) if words is not None else (update.body, None)
        body = _body(text)
        if original is not None:
            body = f'<span lang="{original}">{body}</span> {html.escape(_("(not translated)"))}'
        parts.append(
            f"<p><small>{_when(update.at, zone, shown_in, time_only=False)}</small><br>"
            f"<strong>{html.escape(_(UPDATE_LABELS[update.status]))}</strong> - {body}</p>"
        )
    return "".join(parts)


def _same_day(maintenance: Incident, zone: ZoneInfo) -> bool:
    assert maintenance.scheduled_for is not None and maintenance.scheduled_until is not None
    return maintenance.scheduled_for.astimezone(zone).date() == maintenance.scheduled_until.astimezone(zone).date()


def _body(markdown: str) -> str:
    # Text, not the rendered HTML: an update's paragraphs cannot nest inside the item's <p>.
    # Paragraph breaks stay visible; the line breaks inside a paragraph are only source wrapping.
    paragraphs = re.split(r"\n{2,}", update_text(markdown))
    return "<br><br>".join(html.escape(" ".join(p.split("\n"))) for p in paragraphs)


def _when(when: datetime, zone: ZoneInfo, shown_in: Language, *, time_only: bool) -> str:
    """`Nov <var data-var='date'>22</var>, <var data-var='time'>14:05</var> UTC`, as Statuspage
    writes, with the month's abbreviation in the feed's language."""
    local = when.astimezone(zone)
    clock = f"<var data-var='time'>{local:%H:%M}</var>"
    if time_only:
        return f"{clock} {local.tzname()}"
    month = _MONTHS[local.month - 1] if shown_in.code == "en" else format_date(local, "MMM", locale=shown_in.code)
    return f"{month} <var data-var='date'>{local.day}</var>, {clock} {local.tzname()}"
