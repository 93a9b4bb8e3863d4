"""Builds are deterministic and incremental: same inputs, same bytes; nothing changed, nothing
written; one incident edited, only the pages that show it rendered again."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest

from site_builder.builder import json_parts
from site_builder.builder.site import build_and_publish_site, build_site
from site_builder.outputs import Deferred, RenderContext
from tests.site.sitetest import NOW, build, load_bundle, load_summary


def tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_inputs_give_byte_identical_sites(tmp_path: Path) -> None:
    build(tmp_path / "one")
    build(tmp_path / "two")
    first, second = tree(tmp_path / "one"), tree(tmp_path / "two")
    assert first == second
    assert {
        "index.html",
        "404.html",
        "robots.txt",
        "sitemap.xml",
        "favicon.svg",
        "uptime/index.html",
        "history/index.html",
        "components/api/index.html",
        "incidents/2026-11-20-api-errors/index.html",
    } <= set(first)


def test_now_decides_statuses(tmp_path: Path) -> None:
    build(tmp_path / "during", now=NOW)
    build(tmp_path / "after", now=NOW + timedelta(hours=3))
    during = (tmp_path / "during/incidents/2026-11-22-database-maintenance/index.html").read_text()
    after = (tmp_path / "after/incidents/2026-11-22-database-maintenance/index.html").read_text()
    assert "<dd>In progress</dd>" in during
    assert "<dd>Completed</dd>" in after


def test_a_rebuild_with_nothing_changed_writes_nothing(tmp_path: Path) -> None:
    out, cache = tmp_path / "site", tmp_path / "cache.json"
    first = build(out, cache=cache)
    assert first.written and first.skipped == 0
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    again = build(out, cache=cache)
    assert again.written == [] and again.removed == []
    assert again.rendered == 0 and again.skipped == first.rendered
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before


def test_a_cache_written_in_many_parts_spares_every_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_parts, "MEMBERS_PER_PART", 3)
    out, cache = tmp_path / "site", tmp_path / "cache.json"
    first = build(out, cache=cache)
    files = json.loads(cache.read_bytes())["files"]
    assert len(files) > 10 * json_parts.MEMBERS_PER_PART
    assert list(files) == sorted(files)
    again = build(out, cache=cache)
    assert again.rendered == 0 and again.skipped == first.rendered == len(files)


def test_without_a_cache_unchanged_files_are_still_not_rewritten(tmp_path: Path) -> None:
    build(tmp_path)
    assert build(tmp_path).written == []


def test_editing_one_incident_renders_only_what_shows_it(tmp_path: Path) -> None:
    out, cache = tmp_path / "site", tmp_path / "cache.json"
    bundle, summary = load_bundle(), load_summary()
    build_site(bundle, summary, out, now=NOW, cache=cache)
    edited = [
        i.model_copy(update={"title": "Search is down"}) if i.slug == "2026-11-22-search-down" else i
        for i in bundle.incidents
    ]
    report = build_site(bundle.model_copy(update={"incidents": edited}), summary, out, now=NOW, cache=cache)
    assert "incidents/2026-11-22-search-down/index.html" in report.written
    assert "history/2026-11/index.html" in report.written
    assert "incidents/2026-11-20-api-errors/index.html" not in report.written
    assert "history/2026-10/index.html" not in report.written
    assert "Search is down" in (out / "incidents/2026-11-22-search-down/index.html").read_text()


def test_a_deleted_incident_leaves_the_site(tmp_path: Path) -> None:
    out, cache = tmp_path / "site", tmp_path / "cache.json"
    bundle, summary = load_bundle(), load_summary()
    build_site(bundle, summary, out, now=NOW, cache=cache)
    kept = [i for i in bundle.incidents if i.slug != "2026-10-05-hostile-markup"]
    report = build_site(bundle.model_copy(update={"incidents": kept}), summary, out, now=NOW, cache=cache)
    assert "incidents/2026-10-05-hostile-markup/index.html" in report.removed
    assert not (out / "incidents/2026-10-05-hostile-markup").exists()
    assert not (out / "history/2026-10").exists()


def test_a_changed_template_rerenders_every_page(tmp_path: Path) -> None:
    out, cache = tmp_path / "site", tmp_path / "cache.json"
    theme = tmp_path / "theme"
    (theme / "templates").mkdir(parents=True)
    bundle, summary = load_bundle(), load_summary()
    build_site(bundle, summary, out, now=NOW, theme=theme, cache=cache)
    (theme / "templates" / "incident.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>{{ title }}</h1><p>custom</p>{% endblock %}'
    )
    report = build_site(bundle, summary, out, now=NOW, theme=theme, cache=cache)
    assert report.skipped == 0
    assert "<p>custom</p>" in (out / "incidents/2026-11-20-api-errors/index.html").read_text()


def test_a_damaged_cache_only_costs_a_full_build(tmp_path: Path) -> None:
    out, cache = tmp_path / "site", tmp_path / "cache.json"
    build(out, cache=cache)
    cache.write_text("{not json")
    report = build(out, cache=cache)
    assert report.skipped == 0 and report.written == []


def test_a_new_incident_leaves_older_incident_pages_alone(tmp_path: Path) -> None:
    out, cache = tmp_path / "site", tmp_path / "cache.json"
    bundle, summary = load_bundle(), load_summary()
    without = [i for i in bundle.incidents if i.slug != "2026-11-22-search-down"]
    build_site(bundle.model_copy(update={"incidents": without}), summary, out, now=NOW, cache=cache)
    report = build_site(bundle, summary, out, now=NOW, cache=cache)
    assert "incidents/2026-11-22-search-down/index.html" in report.written
    assert "index.html" in report.written
    assert "incidents/2026-11-20-api-errors/index.html" not in report.written
    assert "incidents/2026-10-05-hostile-markup/index.html" not in report.written
    assert report.skipped >= 3


@pytest.mark.parametrize(
    "path", ["../outside.html", "a/../../outside.html", "{tmp}/outside.html", "a//b.html", "./a.html"]
)
def test_an_output_that_would_leave_or_alias_a_folder_of_the_site_fails_the_build(tmp_path: Path, path: str) -> None:
    """Every file's path is checked before anything is written: a build with one such file
    publishes nothing, inside the site or out of it."""
    out = tmp_path / "site" / "public"
    path = path.format(tmp=tmp_path)  # an absolute path, in this test's own folder

    def escaping(_context: RenderContext) -> list[Deferred]:
        return [Deferred(path, None, lambda: b"written where it should not be")]

    with pytest.raises(ValueError, match="not a plain site-relative path"):
        build_and_publish_site(load_bundle(), load_summary(), str(out), base=tmp_path, now=NOW, extra=escaping)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
