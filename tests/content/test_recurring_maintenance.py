"""Maintenance that repeats, from a file on disk to every output: its windows on the page and in
the Statuspage API, one calendar event with its rule and a reminder, the uptime math, and one
reminder per window and subscriber."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from icalendar import Calendar

from checker.store import LocalStore
from site_builder.content.site import check_site, load_site
from site_builder.pipeline import build_site_and_publish, notify_subscribers
from site_builder.subscribe import records
from site_builder.subscribe.records import Subscriber

WEEKLY = """---
title: Weekly database maintenance
type: maintenance
components: [api]
scheduled_for: 2026-11-29 02:00 UTC
scheduled_until: 2026-11-29 03:00 UTC
repeat: {every: week, count: 6, except: [2026-12-13]}
---

## 2026-11-22 09:00 UTC scheduled
We will patch the database replicas.
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def write_site(root: Path, maintenance: str = WEEKLY, extra: str = "") -> Path:
    (root / "incidents").mkdir(parents=True)
    (root / "statuspage.yaml").write_text(
        "site: {name: Example, url: 'https://status.example.com'}\n"
        "components:\n  - {id: api, name: API}\n  - {id: web, name: Web}\n" + extra
    )
    (root / "incidents" / "2026-11-22-weekly-db.md").write_text(maintenance)
    return root


def test_each_window_is_a_maintenance_of_its_own(tmp_path: Path) -> None:
    site = load_site(write_site(tmp_path))
    windows = sorted(site.bundle.incidents, key=lambda i: i.scheduled_for or at("2000-01-01"))
    assert [(w.slug, w.scheduled_for) for w in windows] == [
        ("2026-11-22-weekly-db", at("2026-11-29T02:00")),
        ("2026-11-22-weekly-db-2026-12-06", at("2026-12-06T02:00")),
        ("2026-11-22-weekly-db-2026-12-20", at("2026-12-20T02:00")),  # 13 December is skipped
        ("2026-11-22-weekly-db-2026-12-27", at("2026-12-27T02:00")),
        ("2026-11-22-weekly-db-2027-01-03", at("2027-01-03T02:00")),
    ]
    # Each window's announcement comes as long before it as the file's before the first.
    assert [w.updates[0].at for w in windows][:2] == [at("2026-11-22T09:00"), at("2026-11-29T09:00")]
    # The uptime math sees every window as maintenance, and no other time.
    assert site.bundle.declared_status_of("api", at("2026-12-20T02:30")) == "under_maintenance"
    assert site.bundle.declared_status_of("api", at("2026-12-13T02:30")) is None


def test_the_page_the_api_and_the_calendar(tmp_path: Path) -> None:
    site = load_site(write_site(tmp_path / "site"))
    build_site_and_publish(site, None, out=str(tmp_path / "public"), now=at("2026-12-01T12:00"), notify=False)
    public = tmp_path / "public"
    # Every window is a scheduled maintenance of the API; the page shows the next one coming.
    api = (public / "api" / "v2" / "scheduled-maintenances.json").read_text()
    assert api.count('"name":"Weekly database maintenance"') == 5
    assert "incidents/2026-11-22-weekly-db-2026-12-06/" in (public / "index.html").read_text()
    (event,) = Calendar.from_ical((public / "maintenance.ics").read_bytes()).walk("VEVENT")
    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=6"
    assert event["EXDATE"].dts[0].dt == at("2026-12-13T02:00")
    (alarm,) = event.walk("VALARM")
    assert alarm["TRIGGER"].dt.total_seconds() == -3600


@pytest.mark.parametrize(
    ("repeat", "message"),
    [
        ("every fortnight", "'every fortnight': write every day, every 2 weeks, every month or every year"),
        ("FREQ=HOURLY", "'FREQ=HOURLY': FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY"),
        (
            "{every: week, until: 2027-01-01, count: 3}",
            "'FREQ=WEEKLY;UNTIL=20270101T235959Z;COUNT=3': give until or count, not both",
        ),
        ("{every: week, except: [someday]}", "except: holds dates such as 2026-12-27"),
    ],
)
def test_a_bad_repeat_is_named_on_its_line(tmp_path: Path, repeat: str, message: str) -> None:
    root = write_site(
        tmp_path, WEEKLY.replace("repeat: {every: week, count: 6, except: [2026-12-13]}", f"repeat: {repeat}")
    )
    site, problems = check_site(root, None)
    assert site is None
    assert [str(p) for p in problems] == [f"incidents/2026-11-22-weekly-db.md:7: repeat: {message}"]


def test_subscribers_are_reminded_once_per_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATUSGEN_TOKEN_SECRET", "k" * 40)
    root = write_site(
        tmp_path / "site",
        extra="subscribers:\n  maintenance_reminder: 1h\n  email: {backend: outbox, outbox: ./outbox}\n",
    )
    site = load_site(root)
    store = LocalStore(root / "data")
    records.save(
        store,
        Subscriber(
            id="s1",
            kind="email",
            address="ada@example.com",
            status="active",
            created_at=at("2026-11-20T00:00"),
            confirmed_at=at("2026-11-20T00:00"),
        ),
    )
    for moment in ("2026-12-06T01:05", "2026-12-06T01:30", "2026-12-20T01:10", "2026-12-20T01:50"):
        notify_subscribers(site, None, now=at(moment))
    subjects = sorted(
        message_from_bytes(p.read_bytes(), policy=policy.default)["Subject"] for p in (root / "outbox").glob("*.eml")
    )
    assert subjects.count("[Example] Maintenance soon: Weekly database maintenance") == 2
