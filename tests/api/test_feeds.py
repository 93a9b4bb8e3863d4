"""History feeds (RSS, Atom, per component) and the maintenance calendar: valid, Statuspage-like, stable."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import feedparser
import icalendar
import pytest

from checker.ids import stable_id
from site_builder.outputs import calendar, feeds
from site_builder.outputs.view import SiteView, build_view

ITEM = re.compile(
    r"<p><small>[A-Z][a-z]{2} <var data-var='date'>\d{1,2}</var>, "
    r"<var data-var='time'>\d\d:\d\d</var> [A-Z]{3}</small><br><strong>[A-Z][a-z ]+</strong> - [^<]*</p>"
)


@pytest.fixture(scope="module")
def files(view: SiteView) -> dict[str, bytes]:
    return feeds.render(view)


def parsed(files: dict[str, bytes], path: str) -> Any:
    feed = feedparser.parse(files[path])
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


def test_history_feeds_are_valid_and_titled_as_statuspage_does(files: dict[str, bytes]) -> None:
    for path, version in (("history.rss", "rss20"), ("history.atom", "atom10")):
        feed = parsed(files, path)
        assert feed.version == version
        assert feed.feed.title == "Example Status - Incident History"
        assert feed.feed.link == "https://status.example.test"
        assert len(feed.entries) == 6


def test_items_are_newest_first_and_link_to_our_incident_pages(files: dict[str, bytes]) -> None:
    entries = parsed(files, "history.rss").entries
    assert [e.title for e in entries][:3] == [
        "Database unreachable",
        "Website platform upgrade",
        "Billing database migration",
    ]
    assert entries[0].link == "https://status.example.test/incidents/2026-11-22-database-down/"
    assert entries[0].id == entries[0].link  # the RSS guid is the permalink
    atom = parsed(files, "history.atom").entries
    assert atom[0].id == f"tag:status.example.test,2005:Incident/{stable_id('incident', '2026-11-22-database-down')}"


def raw_items(files: dict[str, bytes]) -> dict[str, str]:
    """RSS item title -> its description as written (feedparser would sanitise the markup)."""
    channel = ElementTree.fromstring(files["history.rss"]).find("channel")
    assert channel is not None
    return {item.findtext("title", ""): item.findtext("description", "") for item in channel.iter("item")}


def test_item_markup_is_statuspages_one_paragraph_per_update_newest_first(files: dict[str, bytes]) -> None:
    markup = raw_items(files)["Elevated API error rates"]
    paragraphs = re.findall(r"<p>.*?</p>", markup)
    assert len(paragraphs) == 5 and all(ITEM.fullmatch(p) for p in paragraphs)
    labels = re.findall(r"<strong>(.*?)</strong>", markup)
    assert labels == ["Resolved", "Monitoring", "Update", "Identified", "Investigating"]
    # The page's zone: 15:10 UTC is 08:10 in Denver.
    assert paragraphs[0].startswith("<p><small>Nov <var data-var='date'>20</var>, <var data-var='time'>08:10</var> MST")


def test_maintenance_items_are_marked_as_scheduled_events(files: dict[str, bytes]) -> None:
    markup = raw_items(files)["Billing database migration"]
    # 22:00 to 02:00 UTC is one evening in Denver: the end shows the time only.
    assert markup.startswith(
        "<p><strong>THIS IS A SCHEDULED EVENT Nov <var data-var='date'>30</var>, "
        "<var data-var='time'>15:00</var> MST - <var data-var='time'>19:00</var> MST</strong></p>"
    )
    assert "<strong>Scheduled</strong> - We will move billing" in markup


def test_hostile_markup_in_an_incident_file_is_inert_in_feeds(files: dict[str, bytes]) -> None:
    atom = "{http://www.w3.org/2005/Atom}"
    bodies = [body for title, body in raw_items(files).items() if title.startswith("Billing emails")]
    for path in ("history.atom", "components/billing/feed.atom"):
        for entry in ElementTree.fromstring(files[path]).iter(f"{atom}entry"):
            if entry.findtext(f"{atom}title", "").startswith("Billing emails"):
                bodies.append(entry.findtext(f"{atom}content", ""))
    assert len(bodies) == 3
    for body in bodies:  # as written, before any feed reader's own sanitising
        assert "<script" not in body and "onerror" not in body and "javascript:" not in body
        assert "All delayed emails are sent." in body


def test_each_component_has_an_atom_feed_of_its_own_incidents(files: dict[str, bytes]) -> None:
    web = parsed(files, feeds.component_feed_path("web"))
    assert web.feed.title == "Example Status - Website Incident History"
    assert [e.title for e in web.entries] == ["Website platform upgrade", "Elevated API error rates", "Network work"]
    docs = parsed(files, "components/docs/feed.atom")
    assert docs.entries == []


def test_feed_dates_come_from_the_incidents_not_the_clock(files: dict[str, bytes], bundle: Any, view: SiteView) -> None:
    rss = parsed(files, "history.rss")
    assert rss.feed.updated_parsed[:5] == (2026, 11, 22, 11, 30)  # the latest update, not the build
    later = feeds.render(build_view(bundle, view.summary, view.now + timedelta(seconds=30)))
    assert later == files


@pytest.fixture(scope="module")
def ics(view: SiteView) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(calendar.render(view)["maintenance.ics"])


def test_calendar_has_one_event_per_maintenance_with_stable_uids(ics: icalendar.Calendar) -> None:
    events = ics.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == [
        "Network work",
        "Website platform upgrade",
        "Billing database migration",
    ]
    assert str(events[2]["uid"]) == f"{stable_id('incident', '2026-11-30-billing-migration')}@status.example.test"
    assert events[2].decoded("dtstart") == datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    assert events[2].decoded("dtend") == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    assert str(events[2]["url"]) == "https://status.example.test/incidents/2026-11-30-billing-migration/"
    assert str(ics["version"]) == "2.0" and "statusgen" in str(ics["prodid"])


def test_calendar_stamps_come_from_the_last_update(ics: icalendar.Calendar, view: SiteView, bundle: Any) -> None:
    upgrade = ics.walk("VEVENT")[1]
    assert upgrade.decoded("dtstamp") == datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
    assert upgrade["sequence"] == 2
    assert "Status: in progress" in str(upgrade["description"])
    later = build_view(bundle, view.summary, view.now + timedelta(hours=3))
    assert calendar.render(later) != calendar.render(view)  # the status moved on by the clock
    assert calendar.render(build_view(bundle, view.summary, view.now)) == calendar.render(view)
