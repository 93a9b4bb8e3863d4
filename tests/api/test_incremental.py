"""Incremental builds: each incident's API file, each feed and each incident's page is rendered
again only when its inputs changed, and a build from the cache gives the bytes of a fresh build,
however the clock, the incident files and the site's settings and languages moved in between."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from checker.bundle import Bundle
from checker.incident_model import IncidentUpdate
from checker.summary import Summary
from site_builder.builder import site as build
from site_builder.builder.site import build_site
from site_builder.i18n.site_languages import IncidentTranslation, SiteLanguages


def tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def with_update(bundle: Bundle, slug: str, at: datetime, status: str, body: str) -> Bundle:
    """The bundle with one more update on incident `slug`."""
    update = IncidentUpdate(at=at, status=status, body=body)  # type: ignore[arg-type]
    incidents = [
        i.model_copy(update={"updates": [update, *i.updates]}) if i.slug == slug else i for i in bundle.incidents
    ]
    return bundle.model_copy(update={"incidents": incidents})


def incident_file(bundle: Bundle, slug: str) -> str:
    return f"api/v2/incidents/{next(i for i in bundle.incidents if i.slug == slug).id}.json"


def test_builds_from_the_cache_give_the_bytes_of_fresh_builds(
    tmp_path: Path, bundle: Bundle, summary: Summary, now: datetime
) -> None:
    """The clock publishes updates written ahead, opens and closes maintenance, and an incident
    gets a new update: at every step the cached build must match a build from scratch."""
    resolved = with_update(
        bundle,
        "2026-11-22-database-down",
        now + timedelta(hours=1),
        "resolved",
        "The failover finished; the database **accepts** connections again.",
    )
    renamed = bundle.model_copy(
        update={
            "incidents": [
                i.model_copy(update={"title": "API errors, renamed"}) if i.slug == "2026-11-20-api-errors" else i
                for i in bundle.incidents
            ]
        }
    )
    steps = [
        (bundle, now - timedelta(minutes=40)),  # the database incident has one update so far
        (bundle, now),
        (resolved, now),  # its resolution is written for later
        (resolved, now + timedelta(hours=2)),  # ...and is now due; the maintenance has ended
        (resolved, now + timedelta(days=9)),  # the billing migration is under way
        (bundle, now + timedelta(days=9)),  # the resolution is taken out again
        (renamed, now + timedelta(days=9)),  # only a title changes: no date moves
    ]
    out, cache = tmp_path / "site", tmp_path / "cache.json"
    for number, (step_bundle, moment) in enumerate(steps):
        report = build_site(step_bundle, summary, out, now=moment, cache=cache)
        fresh = tmp_path / f"fresh-{number}"
        build_site(step_bundle, summary, fresh, now=moment)
        assert tree(out) == tree(fresh), f"step {number} at {moment}"
        assert report.skipped or number == 0


def test_the_clock_alone_changes_an_incident_file_when_its_status_changes(
    tmp_path: Path, bundle: Bundle, summary: Summary, now: datetime
) -> None:
    out, cache = tmp_path / "site", tmp_path / "cache.json"
    path = incident_file(bundle, "2026-11-22-web-upgrade")
    build_site(bundle, summary, out, now=now, cache=cache)
    assert json.loads((out / path).read_text())["incident"]["status"] == "in_progress"
    report = build_site(bundle, summary, out, now=now + timedelta(hours=2), cache=cache)
    assert path in report.written
    assert json.loads((out / path).read_text())["incident"]["status"] == "completed"


def test_editing_one_incident_renders_only_its_own_api_file(
    tmp_path: Path, bundle: Bundle, summary: Summary, now: datetime
) -> None:
    out, cache = tmp_path / "site", tmp_path / "cache.json"
    build_site(bundle, summary, out, now=now, cache=cache)
    edited = bundle.model_copy(
        update={
            "incidents": [
                i.model_copy(update={"title": "Hostile markup, renamed"})
                if i.slug == "2026-11-10-hostile-markup"
                else i
                for i in bundle.incidents
            ]
        }
    )
    report = build_site(edited, summary, out, now=now, cache=cache)
    others = {incident_file(bundle, i.slug) for i in bundle.incidents} - {
        incident_file(bundle, "2026-11-10-hostile-markup")
    }
    assert incident_file(bundle, "2026-11-10-hostile-markup") in report.written
    assert not others & set(report.written)
    data = json.loads((out / incident_file(bundle, "2026-11-10-hostile-markup")).read_text())
    assert data["incident"]["name"] == "Hostile markup, renamed"
    # Every other incident's file was found unchanged by its key, not rendered and compared.
    assert report.skipped >= len(others)


def test_a_new_update_rewrites_only_its_own_incident_file(
    tmp_path: Path, bundle: Bundle, summary: Summary, now: datetime
) -> None:
    """A new update moves `page.updated_at` of the lists, but each incident file carries its own
    incident's last change, so posting an update does not re-upload every incident ever published
    (only those that embed a component the update touched, whose `updated_at` moved)."""
    out, cache = tmp_path / "site", tmp_path / "cache.json"
    build_site(bundle, summary, out, now=now, cache=cache)
    before = tree(out)
    updated = with_update(bundle, "2026-11-10-hostile-markup", now - timedelta(minutes=1), "update", "One more thing.")
    build_site(updated, summary, out, now=now, cache=cache)
    after = tree(out)
    edited = next(i for i in bundle.incidents if i.slug == "2026-11-10-hostile-markup")
    unrelated = {
        incident_file(bundle, i.slug) for i in bundle.incidents if not set(i.components) & set(edited.components)
    }
    assert unrelated, "the fixture needs an incident on other components"
    assert all(before[p] == after[p] for p in unrelated)
    assert before[incident_file(bundle, edited.slug)] != after[incident_file(bundle, edited.slug)]
    data = json.loads((out / incident_file(bundle, "2026-11-10-hostile-markup")).read_text())
    assert data["page"]["updated_at"] == data["incident"]["updated_at"]
    assert json.loads((out / "api/v2/status.json").read_text())["page"]["updated_at"] == data["page"]["updated_at"]


def test_a_rebuild_with_nothing_changed_renders_no_feed_and_no_incident_file(
    tmp_path: Path, bundle: Bundle, summary: Summary, now: datetime
) -> None:
    out, cache = tmp_path / "site", tmp_path / "cache.json"
    first = build_site(bundle, summary, out, now=now, cache=cache)
    again = build_site(bundle, summary, out, now=now, cache=cache)
    keyed = [
        p
        for p in first.written
        if p.startswith("api/v2/incidents/") and p.count("/") == 3 and not p.endswith("unresolved.json")
    ] + [p for p in first.written if p.endswith((".atom", ".rss"))]
    assert len(keyed) >= 8
    assert again.rendered == 0 and again.written == []
    assert again.skipped == first.rendered


def test_a_changed_renderer_renders_every_file_again(
    tmp_path: Path, bundle: Bundle, summary: Summary, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgraded statusgen (or rendering library) must not keep files made by the old code."""
    out, cache = tmp_path / "site", tmp_path / "cache.json"
    first = build_site(bundle, summary, out, now=now, cache=cache)
    monkeypatch.setattr(build, "code_digest", lambda: "the next release")
    report = build_site(bundle, summary, out, now=now, cache=cache)
    assert report.skipped == 0 and report.rendered == first.rendered


def test_what_an_incident_page_shows_of_the_site_rebuilds_it(
    tmp_path: Path, bundle: Bundle, summary: Summary, now: datetime
) -> None:
    """An incident's page is keyed by what its data is made from, not by the data itself. Each
    thing it shows besides the incident (a component's name, the site's settings, the languages it
    links to, a translation, the clock) changes it in a build from the cache as in one from
    scratch."""
    incident = next(i for i in bundle.incidents if i.slug == "2026-11-22-database-down")
    component = next(iter(incident.components))
    renamed = bundle.model_copy(
        update={
            "components": [
                c.model_copy(update={"name": f"{c.name}, renamed"}) if c.id == component else c
                for c in bundle.components
            ]
        }
    )
    described = renamed.model_copy(
        update={
            "site": renamed.site.model_copy(update={"description": "Another description.", "url": "https://x.test"})
        }
    )
    translation = IncidentTranslation(
        language="de",
        file=incident.file.replace(".md", ".de.md"),
        original=incident.file,
        title="Datenbank nicht erreichbar",
        bodies=[None] * len(incident.updates),
    )
    retitled = translation.model_copy(update={"title": "Datenbank wieder erreichbar"})
    earlier = now - timedelta(minutes=40)  # the incident has one update so far
    steps = [
        (bundle, SiteLanguages(), earlier),
        (renamed, SiteLanguages(), earlier),
        (described, SiteLanguages(), earlier),
        (described, SiteLanguages(extra=("de",)), earlier),
        (described, SiteLanguages(extra=("de",), translations={("de", incident.file): translation}), earlier),
        (described, SiteLanguages(extra=("de",), translations={("de", incident.file): retitled}), earlier),
        (described, SiteLanguages(extra=("de", "fr"), translations={("de", incident.file): retitled}), earlier),
        (described, SiteLanguages(main="de", extra=("en", "fr")), earlier),
        (described, SiteLanguages(main="de", extra=("en", "fr")), now),  # its second update is due
    ]
    out, cache = tmp_path / "site", tmp_path / "cache.json"
    pages = [f"{prefix}incidents/{incident.slug}/index.html" for prefix in ("", "de/", "en/", "fr/")]
    shown: set[str] = set()
    for number, (step_bundle, languages, moment) in enumerate(steps):
        report = build_site(step_bundle, summary, out, now=moment, cache=cache, languages=languages)
        fresh = tmp_path / f"fresh-{number}"
        build_site(step_bundle, summary, fresh, now=moment, languages=languages)
        assert tree(out) == tree(fresh), f"step {number}"
        assert report.skipped or number == 0
        shown.add("".join((out / page).read_text(encoding="utf-8") for page in pages if (out / page).exists()))
    assert len(shown) == len(steps), "each step changed a page of the incident"
