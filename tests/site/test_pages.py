"""The pages a reader sees, built from the fixture site at 2026-11-22 12:00 UTC: an open search
incident, database maintenance in progress, network maintenance upcoming, a resolved API incident
and an incident whose Markdown tries to run code."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sitechecks import broken_links, parse, text_of
from sitetest import NOW, build, fixture_site, load_bundle

from checker.errors import ContentError
from site_builder.build import build_site


def read(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def test_index_tells_the_truth_at_a_glance(built_site: Path) -> None:
    text = text_of(read(built_site, "index.html"))
    assert "Major System Outage" in text
    assert "Active incidents Search is unavailable Critical impact · Identified · affects Search" in text
    assert "The search cluster lost its leader" in text
    assert "Database upgrade" in text and "In progress" in text
    assert "Scheduled maintenance Network upgrade" in text
    assert "Search Major Outage" in text
    assert "Database Under Maintenance" in text
    assert "API Operational" in text


def test_index_shows_uptime_bars_with_accessible_titles(built_site: Path) -> None:
    html = read(built_site, "index.html")
    # One bar per day for each of the 5 components, each with a title a reader can hover.
    assert len(re.findall(r"<rect x=", html)) == 5 * 90
    assert "20 Nov 2026: " in html
    assert re.search(r"20 Nov 2026: [0-9.]+% uptime[^<]*; 1 incident: Elevated API error rates", html)
    # The database has no data for its first 20 days, and the CDN has no check at all.
    assert html.count(": no data</title>") == 20 + 90
    assert "CDN Operational Static assets and downloads" in text_of(html)
    assert "Status from incidents" in text_of(html)  # the CDN is not monitored
    assert re.search(r"99\.\d\d% uptime", text_of(html))


def test_index_without_any_checker_data_says_so(tmp_path: Path) -> None:
    build(tmp_path, with_summary=False)
    text = text_of(read(tmp_path, "index.html"))
    assert "No data yet: the checker has not reported any measurement." in text
    # Incidents still decide statuses; components without data are not called operational.
    assert "Search Major Outage" in text
    assert "API No Data" in text
    assert not re.search(r"\d% uptime", text)
    assert "22 Nov 2026: no data; 1 incident: Search is unavailable" in text


def test_with_subscribers_the_index_has_an_email_form_that_needs_no_script(tmp_path: Path) -> None:
    bundle = load_bundle().model_copy(update={"subscribers": {"endpoint_url": "https://subscribe.example.test/"}})
    build(tmp_path, bundle=bundle)
    page = read(tmp_path, "index.html")
    assert '<form class="subscribe" method="post" action="https://subscribe.example.test/subscribe">' in page
    form = page.split('<form class="subscribe"', 1)[1].split("</form>", 1)[0]
    assert set(re.findall(r'<input[^>]* name="([a-z]+)"', form)) == {"email", "components"}
    assert "<script" not in form


def test_without_subscribers_there_is_no_form(built_site: Path) -> None:
    assert "<form" not in read(built_site, "index.html")


def test_status_is_never_shown_by_colour_alone(built_site: Path) -> None:
    html = read(built_site, "index.html")
    matches = list(re.finditer(r'<span class="st s-([a-z_]+)">(.*?)</span></span>', html))
    assert len(matches) == 7  # two groups, five components
    for match in matches:
        assert '<use href="#i-' + match[1] + '"/>' in match[2]
        assert re.search(r"<span>[A-Z][A-Za-z ]+$", match[2])


def test_every_page_is_well_formed_and_every_internal_link_resolves(built_site: Path) -> None:
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) >= 15
    for page in pages:
        assert parse(page.read_text()).problems == [], page
    assert broken_links(built_site) == []


def test_hostile_incident_markup_is_inert(built_site: Path) -> None:
    for page in ["incidents/2026-10-05-hostile-markup/index.html", "history/2026-10/index.html"]:
        html = read(built_site, page)
        checker = parse(html)
        scripts = [v for tag, name, v in checker.attributes if tag == "script" and name == "src"]
        assert all(re.fullmatch(r"(\.\./)*assets/status\.[0-9a-f]{10}\.js", s) for s in scripts)
        assert html.count("<script") == len(scripts)
        assert not [a for a in checker.attributes if a[1].startswith("on")]
        assert not [a for a in checker.attributes if "javascript:" in a[2].lower()]
        assert "<iframe" not in html and "<img src=x" not in html
        assert "Login failures &lt;script&gt;alert(" in html


def test_incident_page_has_the_whole_timeline(built_site: Path) -> None:
    text = text_of(read(built_site, "incidents/2026-11-20-api-errors/index.html"))
    assert "Elevated API error rates" in text
    assert "Started 20 Nov 2026, 14:05 UTC Resolved 20 Nov 2026, 15:10 UTC" in text
    assert "Duration 1 h 5 min (resolved)" in text
    assert "API : Partial Outage" in text and "Website : Degraded Performance" in text
    # Newest first.
    assert text.index("Resolved") < text.index("Identified") < text.index("Investigating")
    assert "https://status.example.test/incidents/2026-11-20-api-errors/" in text


def test_pages_print_utc_times_never_relative_ones(built_site: Path) -> None:
    html = read(built_site, "index.html")
    assert '<time datetime="2026-11-22T11:40:00Z">22 Nov 2026, 11:40 UTC</time>' in html
    assert not re.search(r"\b(ago|minutes? ago|hours? ago)\b", text_of(html).replace("90 days ago", ""))


def test_component_page(built_site: Path) -> None:
    text = text_of(read(built_site, "components/api/index.html"))
    assert "API Operational Public REST API" in text
    assert "Last 90 days" in text and "By month" in text and "November 2026" in text
    assert "Daily median (solid) and 95th percentile (dashed)" in text
    assert "Elevated API error rates" in text
    assert "API incident feed (Atom)" in text or "Status badge (SVG)" in text
    assert "Without data" in text


def test_history_lists_every_month(built_site: Path) -> None:
    text = text_of(read(built_site, "history/index.html"))
    assert "November 2026" in text and "October 2026" in text
    month = text_of(read(built_site, "history/2026-11/index.html"))
    for title in ["Search is unavailable", "Database upgrade", "Network upgrade", "Elevated API error rates"]:
        assert title in month


def test_a_busy_month_is_paginated(tmp_path: Path) -> None:
    bundle = load_bundle()
    template = next(i for i in bundle.incidents if i.slug == "2026-11-20-api-errors")
    many = [template.model_copy(update={"slug": f"2026-11-20-errors-{n:03d}", "title": f"Errors {n}"})
            for n in range(120)]
    bundle = bundle.model_copy(update={"incidents": [*bundle.incidents, *many]})
    build(tmp_path, bundle=bundle)
    pages = [tmp_path / "history/2026-11/index.html", tmp_path / "history/2026-11/2/index.html",
             tmp_path / "history/2026-11/3/index.html"]
    assert all(p.is_file() for p in pages)
    assert not (tmp_path / "history/2026-11/4/index.html").exists()
    assert "November 2026 (page 1 of 3)" in text_of(pages[0].read_text())
    assert 'href="../../../history/2026-11/index.html"' in pages[1].read_text()
    assert 'href="../../../history/2026-10/index.html"' in pages[2].read_text()
    assert broken_links(tmp_path) == []


def test_sitemap_robots_and_not_found(built_site: Path) -> None:
    root = ET.fromstring(read(built_site, "sitemap.xml"))
    locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://status.example.test/" in locs
    assert "https://status.example.test/incidents/2026-11-20-api-errors/" in locs
    assert "https://status.example.test/components/api/" in locs
    assert "Sitemap: https://status.example.test/sitemap.xml" in read(built_site, "robots.txt")
    not_found = read(built_site, "404.html")
    assert "Page not found" in not_found
    assert re.search(r'href="/assets/style\.[0-9a-f]{10}\.css"', not_found)


def test_open_graph_and_language(built_site: Path) -> None:
    html = read(built_site, "incidents/2026-11-20-api-errors/index.html")
    assert '<html lang="en">' in html
    assert '<meta property="og:title" content="Elevated API error rates · Example Co Status">' in html
    assert ('<meta property="og:url" content="https://status.example.test/incidents/'
            '2026-11-20-api-errors/">') in html


def test_uptime_page_explains_the_configured_weights(built_site: Path) -> None:
    text = text_of(read(built_site, "uptime/index.html"))
    assert "Every minute a checker outside our infrastructure probes each component" in text
    assert "Major Outage 100% of the time" in text
    assert "Partial Outage 30% of the time" in text
    # The explanation is docs/uptime.md, rendered.
    assert "How uptime is calculated" in text
    assert "uptime = 1 − weighted downtime ÷ observed time" in text
    assert "never rounded up to 100.00%" in text


def test_stylesheet_has_a_content_hash_name_and_dark_mode(built_site: Path) -> None:
    [css] = list((built_site / "assets").glob("style.*.css"))
    assert "prefers-color-scheme:dark" in css.read_text()
    assert f'href="{css.relative_to(built_site).as_posix()}"' in read(built_site, "index.html")


def test_theme_logo_accent_custom_css_and_template_override(tmp_path: Path) -> None:
    build(tmp_path, "themed", with_summary=False)
    html = read(tmp_path, "index.html")
    logo = re.search(r'<img src="(assets/logo\.[0-9a-f]{10}\.svg)" alt="Themed Co"', html)
    assert logo and (tmp_path / logo[1]).read_bytes() == (fixture_site("themed") / "brand/logo.svg").read_bytes()
    [css] = list((tmp_path / "assets").glob("style.*.css"))
    accents = css.read_text().splitlines()[0]
    assert "--accent:#ffdd00" not in accents  # too pale to read on white: darkened
    assert "themed-site-marker" in css.read_text()
    not_found = read(tmp_path, "404.html")
    assert "Perdu ?" in not_found
    # Served for unknown addresses at any depth, under the site's path prefix (/status).
    assert '<a href="/status/index.html">Retour' in not_found
    assert '<html lang="fr">' in html
    assert re.search(r"<time datetime=\"[^\"]+\">\d+ \w+ 2026, \d\d:\d\d CET</time>", html)


def test_a_missing_logo_is_a_clear_error(tmp_path: Path) -> None:
    bundle = load_bundle("themed")
    site = bundle.site.model_copy(update={"logo": "brand/missing.png"})
    with pytest.raises(ContentError) as error:
        build_site(bundle.model_copy(update={"site": site}), None, tmp_path, now=NOW,
                   theme=fixture_site("themed"))
    assert str(error.value) == "statuspage.yaml: site.logo: brand/missing.png: file not found"


def test_updates_dated_after_the_build_are_not_shown_yet(tmp_path: Path) -> None:
    build(tmp_path, with_summary=False, now=datetime(2026, 11, 20, 14, 40, tzinfo=UTC))
    text = text_of(read(tmp_path, "incidents/2026-11-20-api-errors/index.html"))
    assert "Status Identified" in text and "Duration Ongoing" in text
    assert "Resolved" not in text and "replaced the replica" not in text
