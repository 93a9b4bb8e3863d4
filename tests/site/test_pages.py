"""The pages a reader sees, built from the fixture site at 2026-11-22 12:00 UTC: an open search
incident, database maintenance in progress, network maintenance upcoming, a resolved API incident
and an incident whose Markdown tries to run code."""

from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET
import zlib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from checker.errors import ContentError
from checker.subscriber_settings import SubscribersSettings
from site_builder.builder.site import build_site
from site_builder.outputs.theme import BANNER_COLOURS, status_card
from tests.site.bigsite import build_big
from tests.site.sitechecks import broken_links, element_count, parse, text_of
from tests.site.sitetest import NOW, build, fixture_site, load_bundle, load_summary


def read(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def test_index_tells_the_truth_at_a_glance(built_site: Path) -> None:
    text = text_of(read(built_site, "index.html"))
    assert "Partial System Outage" in text
    assert "Active incidents Search is unavailable Critical impact · Identified · affects Search" in text
    assert "The search cluster lost its leader" in text
    assert "Database upgrade" in text and "In progress" in text
    assert "Scheduled maintenance Network upgrade" in text
    assert "Search Major Outage" in text
    assert "Database Under Maintenance" in text
    assert "API Operational" in text


def test_index_draws_each_strip_as_a_few_paths_that_lead_to_the_days(built_site: Path) -> None:
    html = read(built_site, "index.html")
    # No element per day: each strip is at most one path per kind of day and one per kind of mark.
    assert "<rect" not in html
    strips = re.findall(
        r'<a class="strip-box" href="(components/[a-z]+/index.html#days)" aria-label="([^"]+)">'
        r'<svg class="strip"[^>]*>(.*?)</svg></a>',
        html,
    )
    assert [href for href, _, _ in strips] == [
        f"components/{c}/index.html#days" for c in ("api", "website", "search", "database", "cdn")
    ]
    for _, _, paths in strips:
        assert len(re.findall(r"<path ", paths)) <= 10
    label = {href: label for href, label, _ in strips}["components/api/index.html#days"]
    assert re.fullmatch(r"API: 99\.\d\d% uptime over the last 90 days, \d+ days? with outages; day by day", label)
    text = text_of(html)
    assert "hover" not in text.lower()
    assert "Select a component's bars for its figures day by day" in text


def test_outage_days_are_marked_by_shape_as_well_as_colour(built_site: Path) -> None:
    """Every day that was not fully operational gets a mark under its bar, shaped as its status
    icon: a dash (degraded), a triangle (partial outage), a block (major outage)."""
    summary = load_summary()
    html = read(built_site, "index.html")
    marks = {"kd": "degraded_performance", "kp": "partial_outage", "km": "major_outage"}
    for component in summary.components:
        strip = html.split(f'href="components/{component.id}/index.html#days"', 1)[1].split("</svg>", 1)[0]
        for cls, status in marks.items():
            days = sum(1 for bar in component.bars if bar.worst_status == status)
            drawn = re.search(rf'<path class="{cls}" d="([^"]+)"', strip)
            assert (drawn[1].count("M") if drawn else 0) == days, (component.id, status)


def test_days_without_data_are_dotted_bars_not_boxes(built_site: Path) -> None:
    html = read(built_site, "index.html")
    database = html.split('href="components/database/index.html#days"', 1)[1].split("</svg>", 1)[0]
    no_data = re.search(r'<path class="n" d="([^"]+)"', database)
    assert no_data and no_data[1].count("M") == 20  # its first 20 days have no data
    css = next((built_site / "assets").glob("style.*.css")).read_text()
    assert ".strip .n{stroke:var(--none);stroke-dasharray:2 2}" in css


def test_a_component_page_lists_every_day_with_its_figures(built_site: Path) -> None:
    html = read(built_site, "components/api/index.html")
    days = html.split('<ul class="days">', 1)[1].split("</ul>", 1)[0]
    text = text_of(days)
    # The day of the incident counts the partial outage it declared; 5 November, what the probe saw.
    assert "20 Nov 2026 Partial Outage · 98.65% uptime · 1 h 5 min of outage Incident: Elevated API error rates" in text
    assert re.search(r"5 Nov 2026 Major Outage · 93\.61% uptime · 1 h 32 min of outage", text)
    assert "21–22 Nov 2026 Operational · 100.00% uptime every day" in text
    # Each of the 90 bars links to the line that shows its day.
    targets = re.findall(r'<a href="#(d-[0-9-]+)" tabindex="-1"><rect', html)
    assert len(targets) == 90
    assert set(targets) == set(re.findall(r'<li id="(d-[0-9-]+)"', days))
    assert re.search(
        r"<title>20 Nov 2026: Partial Outage, 98\.65% uptime, 1\xa0h 5\xa0min of outage; "
        r"1 incident: Elevated API error rates</title>",
        html,
    )
    database = text_of(read(built_site, "components/database/index.html").split('<ul class="days">', 1)[1])
    assert "25 Aug – 13 Sep 2026 No data" in database


def test_a_day_with_hours_missing_says_how_much(tmp_path: Path) -> None:
    summary = load_summary()
    api = summary.components[0]
    bars = [
        bar.model_copy(update={"no_data_seconds": 7 * 3600.0}) if bar.date == date(2026, 11, 15) else bar
        for bar in api.bars
    ]
    assert any(bar.date == date(2026, 11, 15) and bar.uptime == 1.0 for bar in bars)
    build(
        tmp_path,
        summary=summary.model_copy(
            update={"components": [api.model_copy(update={"bars": bars}), *summary.components[1:]]}
        ),
    )
    html = read(tmp_path, "components/api/index.html")
    assert "15 Nov 2026 Operational · 100.00% uptime while measured · 7 h without data" in text_of(html)
    assert "<title>15 Nov 2026: Operational, 100.00% uptime while measured, 7\u00a0h without data</title>" in html
    # The strip draws the missing quarter of that day dotted, above its bar.
    index = read(tmp_path, "index.html").split('href="components/api/index.html#days"', 1)[1]
    day = (date(2026, 11, 15) - date(2026, 8, 25)).days
    assert f"M{day * 5 + 2} 0V8" in re.search(r'<path class="n" d="([^"]+)"', index)[1]  # type: ignore[index]


def test_a_window_with_missing_data_says_how_much(built_site: Path) -> None:
    html = read(built_site, "index.html")
    database = text_of(html.split('href="components/database/index.html#days"', 1)[1].split("</div>", 1)[0])
    assert "90 days ago 30 days ago 99.83% uptime (22.8% without data) 99.71% uptime Today" in database


def test_a_component_without_a_check_is_not_monitored(tmp_path: Path) -> None:
    # The checker counts such a component operational on the days it ran: the page must not
    # turn that into an uptime figure.
    summary = load_summary()
    cdn = summary.components[0].model_copy(update={"id": "cdn"})
    build(tmp_path, summary=summary.model_copy(update={"components": [*summary.components, cdn]}))
    index = text_of(read(tmp_path, "index.html"))
    assert (
        "CDN Operational Static assets and downloads 90 days ago 30 days ago Not monitored Not monitored Today" in index
    )
    page = text_of(read(tmp_path, "components/cdn/index.html"))
    assert "Not monitored: this component has no automated check" in page
    assert not re.search(r"\d% uptime", page.split("Day by day", 1)[0])
    assert "Last 90 days Without data" not in page


def test_the_index_has_no_sparklines_and_maintenance_comes_before_the_components(built_site: Path) -> None:
    html = read(built_site, "index.html")
    assert 'class="spark"' not in html
    text = text_of(html)
    assert (
        text.index("Database upgrade") < text.index("Scheduled maintenance Network upgrade") < text.index("Components")
    )


def test_groups_fold_and_show_their_worst_status_when_closed(tmp_path: Path) -> None:
    build_big(tmp_path)
    html = read(tmp_path, "index.html")
    groups = re.findall(r'<details class="group"( open)?>\n<summary class="group-head">(.*?)</summary>', html)
    assert len(groups) == 4
    shown = {text_of(summary): bool(is_open) for is_open, summary in groups}
    # Groups with trouble are open; on a page this long, calm ones are folded to one line each.
    assert shown == {
        "Core 7 components Major Outage": True,
        "Storage 5 components Under Maintenance": True,
        "Billing 4 components Operational": False,
        "Edge 3 components Operational": False,
    }


def test_small_pages_keep_every_group_open(built_site: Path) -> None:
    html = read(built_site, "index.html")
    assert html.count('<details class="group" open>') == 2


def test_index_of_twenty_components_stays_within_its_budgets(tmp_path: Path) -> None:
    """The issue's budgets for a 20-component page with 90 days of data, an open incident, an
    active and an upcoming maintenance: index.html with its CSS and JS at most 120 KB, 30 KB
    gzipped, and at most 1,500 elements."""
    build_big(tmp_path)
    html = read(tmp_path, "index.html")
    assets = [tmp_path / path for path in re.findall(r'(?:href|src)="(assets/[^"]+\.(?:css|js))"', html)]
    assert len(assets) == 2
    files = [html.encode(), *(a.read_bytes() for a in assets)]
    assert sum(len(f) for f in files) <= 120_000
    assert sum(len(gzip.compress(f)) for f in files) <= 30_000
    assert element_count(html) <= 1_500
    assert html.count('class="strip-box"') == 20


def test_index_without_any_checker_data_says_so(tmp_path: Path) -> None:
    build(tmp_path, with_summary=False)
    text = text_of(read(tmp_path, "index.html"))
    assert "No data yet: the checker has not reported any measurement." in text
    # Incidents still decide statuses; components without data are not called operational.
    assert "Search Major Outage" in text
    assert "API No Data" in text
    assert not re.search(r"\d% uptime", text)
    search = text_of(read(tmp_path, "components/search/index.html"))
    assert "22 Nov 2026 No data Incident: Search is unavailable" in search


def test_with_subscribers_the_index_has_an_email_form_that_needs_no_script(tmp_path: Path) -> None:
    subscribers = SubscribersSettings(endpoint_url="https://subscribe.example.test/")
    bundle = load_bundle().model_copy(update={"subscribers": subscribers})
    build(tmp_path, bundle=bundle)
    page = read(tmp_path, "index.html")
    assert '<form class="subscribe" method="post" action="https://subscribe.example.test/subscribe">' in page
    form = page.split('<form class="subscribe"', 1)[1].split("</form>", 1)[0]
    assert set(re.findall(r'<input[^>]* name="([a-z]+)"', form)) == {"email", "components"}
    # The component choices are a fieldset of labelled checkboxes, not a bulleted list.
    assert '<fieldset class="checks"><legend>Send me updates about</legend>' in form and "<li>" not in form
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
    assert not re.search(r"\b(ago|minutes? ago|hours? ago)\b", re.sub(r"(30|90) days ago", "", text_of(html)))


def test_component_page(built_site: Path) -> None:
    text = text_of(read(built_site, "components/api/index.html"))
    assert "API Operational Public REST API" in text
    assert "Last 90 days" in text and "By month" in text and "November 2026" in text
    assert "Daily median (solid) and 95th percentile (dashed)" in text
    assert "Elevated API error rates" in text
    assert "API incident feed (Atom)" in text or "Status badge (SVG)" in text
    assert "Without data" in text


def test_response_time_chart_has_axes_dates_and_survives_a_spike(tmp_path: Path) -> None:
    summary = load_summary()
    api = summary.components[0]
    latency = list(api.latency_daily)
    latency[40] = latency[40].model_copy(update={"p50_ms": 9_000.0, "p95_ms": 48_000.0})  # 4 Oct
    build(
        tmp_path,
        summary=summary.model_copy(
            update={"components": [api.model_copy(update={"latency_daily": latency}), *summary.components[1:]]}
        ),
    )
    chart = read(tmp_path, "components/api/index.html").split('<figure class="chart">', 1)[1].split("</figure>", 1)[0]
    ticks = re.findall(r'<text class="tick[^"]*"[^>]*>([^<]+)</text>', chart)
    labels = [label.replace("\u00a0", " ") for label in ticks]
    # A value scale from 0 (the spike left out of it) and dates along the bottom.
    assert labels == ["0 ms", "100 ms", "200 ms", "300 ms", "400 ms", "25 Aug", "24 Sep", "24 Oct", "22 Nov"]
    # The spike, and the two slow days (28 Sep and 8 Nov, whose 95th percentiles pass 400 ms).
    assert chart.count('<use class="spike"') == 3
    assert "3 days above 400 ms, marked ▲ at the top, the slowest 4 Oct 2026 at 48,000 ms" in text_of(chart)
    # Clipped at the top of the plot, never drawn outside it.
    for path in re.findall(r'<path class="p(?:50|95)" d="([^"]+)"', chart):
        ys = [float(y) for y in re.findall(r"[ML][0-9.]+ ([0-9.-]+)", path)]
        assert len(ys) == 90 and min(ys) == 0.0 and max(ys) <= 100


def test_a_single_day_of_latency_is_drawn_as_a_dot(tmp_path: Path) -> None:
    summary = load_summary()
    api = summary.components[0]
    latency = [d.model_copy(update={"p50_ms": None, "p95_ms": None}) for d in api.latency_daily[:-1]]
    latency.append(api.latency_daily[-1])
    build(
        tmp_path,
        summary=summary.model_copy(
            update={"components": [api.model_copy(update={"latency_daily": latency}), *summary.components[1:]]}
        ),
    )
    chart = read(tmp_path, "components/api/index.html").split('<figure class="chart">', 1)[1]
    assert re.search(r'<path class="p50" d="M890 [0-9.]+h0"/>', chart)


def test_history_lists_every_month(built_site: Path) -> None:
    text = text_of(read(built_site, "history/index.html"))
    assert "November 2026" in text and "October 2026" in text
    month = text_of(read(built_site, "history/2026-11/index.html"))
    for title in ["Search is unavailable", "Database upgrade", "Network upgrade", "Elevated API error rates"]:
        assert title in month


def test_a_busy_month_is_paginated(tmp_path: Path) -> None:
    bundle = load_bundle()
    template = next(i for i in bundle.incidents if i.slug == "2026-11-20-api-errors")
    many = [
        template.model_copy(update={"slug": f"2026-11-20-errors-{n:03d}", "title": f"Errors {n}"}) for n in range(120)
    ]
    bundle = bundle.model_copy(update={"incidents": [*bundle.incidents, *many]})
    build(tmp_path, bundle=bundle)
    pages = [
        tmp_path / "history/2026-11/index.html",
        tmp_path / "history/2026-11/2/index.html",
        tmp_path / "history/2026-11/3/index.html",
    ]
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
    assert ('<meta property="og:url" content="https://status.example.test/incidents/2026-11-20-api-errors/">') in html


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
        build_site(bundle.model_copy(update={"site": site}), None, tmp_path, now=NOW, theme=fixture_site("themed"))
    assert str(error.value) == "statuspage.yaml: site.logo: brand/missing.png: file not found"


def test_updates_dated_after_the_build_are_not_shown_yet(tmp_path: Path) -> None:
    build(tmp_path, with_summary=False, now=datetime(2026, 11, 20, 14, 40, tzinfo=UTC))
    text = text_of(read(tmp_path, "incidents/2026-11-20-api-errors/index.html"))
    assert "Status Identified" in text and "Duration Ongoing" in text
    assert "Resolved" not in text and "replaced the replica" not in text


def test_favicon_follows_the_overall_status(built_site: Path, tmp_path: Path) -> None:
    from site_builder.outputs.theme import status_favicon

    html = read(built_site, "index.html")
    icon = re.search(r'<link rel="icon" href="(assets/favicon-major\.[0-9a-f]{10}\.svg)"', html)
    assert icon and (built_site / icon[1]).read_bytes() == status_favicon("major")
    assert (built_site / "favicon.svg").read_bytes() == status_favicon("major")  # other pages' icon
    assert '<link rel="icon" href="../../favicon.svg"' in read(built_site, "incidents/2026-11-20-api-errors/index.html")
    bundle = load_bundle()
    calm = bundle.model_copy(
        update={
            "incidents": [i for i in bundle.incidents if i.kind == "incident" and i.slug != "2026-11-22-search-down"]
        }
    )
    build(tmp_path, bundle=calm)
    assert re.search(r'<link rel="icon" href="assets/favicon-none\.', read(tmp_path, "index.html"))
    assert (tmp_path / "favicon.svg").read_bytes() == status_favicon("none")


def _meta(html: str, name: str) -> str:
    found = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)">', html)
    assert found, name
    return found[1].replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")


def test_link_previews_state_the_status_and_the_latest_update(built_site: Path) -> None:
    html = read(built_site, "index.html")
    description = (
        "Partial System Outage. Latest update on “Search is unavailable” — Identified "
        "(22 Nov 2026, 11:40 UTC): The search cluster lost its leader; we are electing a new one."
    )
    assert _meta(html, "description") == description == _meta(html, "og:description")
    image = _meta(html, "og:image")
    assert re.fullmatch(r"https://status\.example\.test/assets/og-major\.[0-9a-f]{10}\.png", image)
    png = (built_site / image.removeprefix("https://status.example.test/")).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[16:24] == (1200).to_bytes(4, "big") + (630).to_bytes(4, "big")
    assert _meta(html, "og:image:alt") == "Partial System Outage"
    assert _meta(html, "twitter:card") == "summary_large_image"
    incident = read(built_site, "incidents/2026-11-20-api-errors/index.html")
    assert _meta(incident, "og:description") == (
        "Resolved: major impact on API, Website. Latest update: Resolved (20 Nov 2026, 15:10 UTC): "
        "Error rates are back to normal after we replaced the replica."
    )
    assert "/assets/og-none." in _meta(incident, "og:image")  # over: the green picture
    hostile = _meta(read(built_site, "incidents/2026-10-05-hostile-markup/index.html"), "og:description")
    assert "alert" not in hostile and "<" not in hostile


def _png_pixels(png: bytes) -> tuple[bytes, list[list[int]]]:
    """The palette and each row's palette indices of an indexed, unfiltered PNG."""
    chunks, at = {}, 8
    while at < len(png):
        size = int.from_bytes(png[at : at + 4], "big")
        kind, data = png[at + 4 : at + 8], png[at + 8 : at + 8 + size]
        assert int.from_bytes(png[at + 8 + size : at + 12 + size], "big") == zlib.crc32(kind + data)
        chunks[kind] = chunks.get(kind, b"") + data
        at += 12 + size
    width, height = int.from_bytes(chunks[b"IHDR"][:4], "big"), int.from_bytes(chunks[b"IHDR"][4:8], "big")
    depth, colour_type = chunks[b"IHDR"][8], chunks[b"IHDR"][9]
    assert colour_type == 3  # indexed
    raw, stride = zlib.decompress(chunks[b"IDAT"]), 1 + (width * depth + 7) // 8
    rows = []
    for y in range(height):
        row = raw[y * stride : (y + 1) * stride]
        assert row[0] == 0  # no filter
        bits = int.from_bytes(row[1:], "big")
        spare = (stride - 1) * 8 - width * depth
        rows.append([(bits >> (spare + (width - 1 - x) * depth)) & ((1 << depth) - 1) for x in range(width)])
    return chunks[b"PLTE"], rows


@pytest.mark.parametrize("indicator", sorted(BANNER_COLOURS))
def test_each_link_preview_is_the_banners_colour_with_the_icon_on_a_white_disc(indicator: str) -> None:
    palette, rows = _png_pixels(status_card(indicator))
    colours = [palette[i : i + 3].hex() for i in range(0, len(palette), 3)]
    assert len(rows) == 630 and {len(row) for row in rows} == {1200}

    def colour_at(x: int, y: int) -> str:
        return colours[rows[y][x]]

    banner, white = BANNER_COLOURS[indicator].lstrip("#").lower(), "ffffff"
    assert sorted(colours) == sorted([banner, white])
    # A white disc of radius 172 px centred at (600, 315); the icon within 150 px of its centre.
    for x, y in [(0, 0), (1199, 629), (600, 100), (800, 315), (10, 315)]:
        assert colour_at(x, y) == banner, (x, y)
    for x, y in [(600 + 160, 315), (600 - 160, 315), (600, 315 + 162), (600, 315 - 162)]:
        assert colour_at(x, y) == white, (x, y)
    icon = {colour_at(x, y) for x in range(480, 720, 4) for y in range(195, 435, 4)}
    assert icon == {banner, white}


def test_stylesheet_has_a_print_style(built_site: Path) -> None:
    [css] = list((built_site / "assets").glob("style.*.css"))
    text = css.read_text()
    print_rules = text[text.index("@media print{") :]
    assert ".top nav" in print_rules and "#subscribe" in print_rules and "print-color-adjust:exact" in print_rules


def test_times_are_marked_for_relative_display_only_where_it_helps(built_site: Path) -> None:
    html = read(built_site, "index.html")
    assert re.search(r'<p class="banner-time">Updated <span class="rel"><time datetime="[^"]+">', html)
    assert html.count('class="rel"') == 2  # "Updated" and the latest update of the open incident
    assert 'class="zone">UTC (Etc/UTC)</span>' in html or 'class="zone">UTC</span>' in html
