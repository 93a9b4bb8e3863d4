"""The pages in headless Chromium: readable without JavaScript, no console errors, nothing
fetched from another origin, no accessibility violation (axe-core), no sideways scrolling and no
word or number broken across lines on a phone, every day's figures reachable by keyboard and by
touch. Screenshots (320, 375 and 1280 px, light and dark, and in simulated colour blindness) go
to test-artifacts/; `STATUSGEN_SCREENSHOT_SET=before` puts them in test-artifacts/before/."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from site_builder.serving.serve import PreviewServer, start
from tests.helpers import ARTIFACTS, CHROMIUM
from tests.site.bigsite import build_big
from tests.site.sitetest import FIXTURES, build, load_bundle, load_summary

AXE = FIXTURES / "axe.min.js"  # axe-core 4.14.1 from the npm registry (`npm pack axe-core`), MPL-2.0
PAGES = [
    "index.html",
    "components/api/index.html",
    "components/cdn/index.html",
    "incidents/2026-11-20-api-errors/index.html",
    "history/index.html",
    "uptime/index.html",
    "404.html",
]
BIG = "big:index.html"
"""The 20-component index (tests/site/bigsite.py)."""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PreviewServer]:
    site = tmp_path_factory.mktemp("browser-site")
    build(site)
    running = start(site)
    yield running
    running.close()


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PreviewServer]:
    site = tmp_path_factory.mktemp("browser-big-site")
    build_big(site)
    running = start(site)
    yield running
    running.close()


class Visit:
    """One page load, recording console errors and every request the page made."""

    def __init__(self, browser: Any, url: str, **context: Any) -> None:
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url, wait_until="load")

    def close(self) -> None:
        self.context.close()


def test_index_reads_without_javascript(server: PreviewServer, browser: Any) -> None:
    visit = Visit(browser, server.url, java_script_enabled=False)
    try:
        page = visit.page
        assert page.locator("#banner h1").inner_text().strip() == "Partial System Outage"
        assert page.get_by_role("heading", name="Active incidents").is_visible()
        assert page.get_by_role("link", name="Search is unavailable").first.is_visible()
        assert visit.errors == []
        assert visit.requests and all(u.startswith(server.url) for u in visit.requests)
    finally:
        visit.close()


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_console_errors_and_stay_on_their_origin(server: PreviewServer, browser: Any, path: str) -> None:
    visit = Visit(browser, server.url + path)
    try:
        visit.page.wait_for_load_state("networkidle")
        assert visit.errors == []
        assert all(u.startswith(server.url) for u in visit.requests), visit.requests
    finally:
        visit.close()


def url_of(path: str, server: PreviewServer, big_server: PreviewServer) -> str:
    return big_server.url + path.removeprefix("big:") if path.startswith("big:") else server.url + path


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", [*PAGES, BIG])
def test_axe_finds_no_violation(
    server: PreviewServer, big_server: PreviewServer, browser: Any, path: str, scheme: str
) -> None:
    # The page's CSP forbids inline script; the audit is injected past it.
    visit = Visit(browser, url_of(path, server, big_server), bypass_csp=True, color_scheme=scheme)
    try:
        visit.page.add_script_tag(path=str(AXE))
        result = visit.page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        found = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["html"][:120] for n in v["nodes"][:3]],
            }
            for v in result["violations"]
        ]
        assert found == [], json.dumps(found, indent=1)
    finally:
        visit.close()


@pytest.mark.parametrize("width", [320, 375])
@pytest.mark.parametrize("path", [*PAGES, BIG])
def test_phone_widths_do_not_scroll_sideways(
    server: PreviewServer, big_server: PreviewServer, browser: Any, path: str, width: int
) -> None:
    visit = Visit(browser, url_of(path, server, big_server), viewport={"width": width, "height": 800})
    try:
        assert visit.page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        visit.close()


# Every run of non-space characters in the page's text (a no-break space joins `123 ms`) whose
# glyphs sit on more than one line: "Uptim/e", "100.00/%", "123/ms". Lines may break after a
# hyphen, and addresses anywhere.
BROKEN_WORDS = """() => {
  const broken = [];
  const range = document.createRange();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("svg, script, style") || !parent.getClientRects().length) continue;
    for (const match of node.data.matchAll(/[^ \\n\\t-]+-?/g)) {
      if (match[0].includes("/")) continue;
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("width", [320, 375])
@pytest.mark.parametrize("path", [*PAGES, BIG])
def test_phone_widths_never_break_a_word_or_a_number(
    server: PreviewServer, big_server: PreviewServer, browser: Any, path: str, width: int
) -> None:
    visit = Visit(
        browser, url_of(path, server, big_server), viewport={"width": width, "height": 800}, java_script_enabled=False
    )
    try:
        visit.page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert visit.page.evaluate(BROKEN_WORDS) == []
    finally:
        visit.close()


def test_keyboard_alone_reaches_every_day_of_a_component(server: PreviewServer, browser: Any) -> None:
    visit = Visit(browser, server.url, viewport={"width": 1280, "height": 900})
    page = visit.page
    try:
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.getAttribute('href')") == "components/api/index.html#days":
                break
        else:
            pytest.fail("the API's bars are not reachable with Tab")
        focused = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert focused != "none"
        assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith("API: 99.")
        page.keyboard.press("Enter")
        page.wait_for_url("**/components/api/index.html#days")
        days = page.locator("#days li")
        assert page.locator("#h-days").is_visible()
        # All 90 days are on the list, each on a line of its own or in a run of quiet days.
        targets = page.eval_on_selector_all(".strip a", "links => links.map(a => a.getAttribute('href'))")
        assert len(targets) == 90
        ids = set(days.evaluate_all("items => items.map(li => '#' + li.id)"))
        assert set(targets) == ids
        row = page.locator("#d-2026-11-20")
        assert "20 Nov 2026" in row.inner_text() and "Elevated API error rates" in row.inner_text()
        # Its incident is the next thing Tab reaches on that line.
        row.get_by_role("link").focus()
        assert page.evaluate("document.activeElement.textContent") == "Elevated API error rates"
    finally:
        visit.close()


def test_touch_reaches_a_day_from_the_index_and_from_its_bar(server: PreviewServer, browser: Any) -> None:
    visit = Visit(
        browser,
        server.url,
        viewport={"width": 375, "height": 800},
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
        reduced_motion="reduce",
    )
    page = visit.page
    try:
        page.locator('a.strip-box[href="components/api/index.html#days"]').tap()
        page.wait_for_url("**/components/api/index.html#days")
        # On a phone the strip shows the last 30 days; 20 Nov is among them, and its bar leads
        # to its line in the list.
        page.locator('.strip a[href="#d-2026-11-20"] rect').tap()
        page.wait_for_url("**#d-2026-11-20")
        assert page.evaluate("document.querySelector(':target').id") == "d-2026-11-20"
        row = page.locator("#d-2026-11-20")
        assert row.is_visible() and "Elevated API error rates" in row.inner_text()
        box = row.evaluate("li => [li.getBoundingClientRect().top, li.getBoundingClientRect().bottom]")
        assert box[0] >= 0 and box[1] <= 800  # scrolled into view
    finally:
        visit.close()


@pytest.mark.parametrize(
    ("width", "touch", "days", "label", "uptime"),
    [
        (375, True, 30, "30 days ago", "99.74% uptime"),
        (1280, False, 90, "90 days ago", "99.84% uptime"),
    ],
)
def test_strips_and_legend_tell_the_truth_on_each_device(
    server: PreviewServer, browser: Any, width: int, touch: bool, days: int, label: str, uptime: str
) -> None:
    visit = Visit(browser, server.url, viewport={"width": width, "height": 900}, has_touch=touch, is_mobile=touch)
    page = visit.page
    try:
        legend = page.locator(".legend").inner_text().lower()
        assert "hover" not in legend and "click" not in legend and "tap" not in legend
        assert "the last 90 days, or 30 on a narrow screen" in legend
        foot = page.locator(".comp .strip-foot").first.inner_text().split("\n")
        assert foot == [label, uptime, "Today"]
        box, strip = page.locator(".strip-box").first, page.locator(".strip-box .strip").first
        shown = box.evaluate("b => b.getBoundingClientRect().width")
        drawn = strip.evaluate("s => s.getBoundingClientRect().width")
        assert drawn == pytest.approx(shown * 90 / days, abs=1)
        # Aligned right: the days shown are the latest ones.
        right = "s => Math.round(s.getBoundingClientRect().right - s.parentElement.getBoundingClientRect().right)"
        assert strip.evaluate(right) == 0
    finally:
        visit.close()


def test_without_javascript_days_and_groups_still_open(
    server: PreviewServer, big_server: PreviewServer, browser: Any
) -> None:
    visit = Visit(
        browser,
        server.url + "components/api/index.html#d-2026-11-05",
        java_script_enabled=False,
        viewport={"width": 375, "height": 800},
    )
    try:
        row = visit.page.locator("#d-2026-11-05")
        assert row.is_visible() and "Major Outage" in row.inner_text() and "93.61% uptime" in row.inner_text()
    finally:
        visit.close()
    visit = Visit(browser, big_server.url, java_script_enabled=False)
    page = visit.page
    try:
        billing = page.locator("details.group", has=page.locator("summary", has_text="Billing"))
        assert billing.locator("summary").inner_text().split("\n")[-1].strip() == "Operational"
        assert not billing.locator(".comp").first.is_visible()
        billing.locator("summary").click()
        assert billing.locator(".comp").first.is_visible()
        assert page.evaluate("document.getElementsByTagName('*').length") <= 1_500
    finally:
        visit.close()


@pytest.mark.parametrize("width", [320, 375, 1280])
def test_incident_facts_are_a_grid(server: PreviewServer, browser: Any, width: int) -> None:
    visit = Visit(
        browser, server.url + "incidents/2026-11-20-api-errors/index.html", viewport={"width": width, "height": 900}
    )
    try:
        boxes = visit.page.eval_on_selector_all(
            ".facts dt, .facts dd",
            """cells => cells.map(c => {
            const r = c.getBoundingClientRect(); return [c.tagName, Math.round(r.left), Math.round(r.top)]; })""",
        )
        terms, values = [b for b in boxes if b[0] == "DT"], [b for b in boxes if b[0] == "DD"]
        assert len(terms) == len(values) >= 5
        assert len({left for _, left, _ in terms}) == 1 and len({left for _, left, _ in values}) == 1
        assert all(abs(t[2] - v[2]) <= 2 for t, v in zip(terms, values, strict=True))  # side by side
    finally:
        visit.close()


def test_subscribe_links_have_no_bullets(server: PreviewServer, browser: Any) -> None:
    visit = Visit(browser, server.url)
    try:
        styles = visit.page.eval_on_selector_all(
            "#subscribe li", "items => items.map(li => getComputedStyle(li).listStyleType)"
        )
        assert styles and set(styles) == {"none"}
    finally:
        visit.close()


def test_times_keep_the_page_language_in_the_readers_zone_and_the_footer_says_so(
    server: PreviewServer, browser: Any
) -> None:
    # A German browser in Berlin reading the English page: dates stay in the page's format and
    # language, shift to the reader's zone, and the footer names that zone.
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    try:
        page.clock.install(time="2026-11-22T11:52:00Z")
        page.goto(server.url)
        card = page.locator("#h-active + article .update-head")
        assert card.locator("time").inner_text() == "22 Nov 2026, 12:40 GMT+1"
        assert card.locator(".ago").inner_text().strip() == "(12\u00a0min ago)"
        assert card.locator("time").get_attribute("title") == "22 Nov 2026, 11:40 UTC"
        assert page.locator(".foot .tz").inner_text() == "Times are shown in your time zone, GMT+1 (Europe/Berlin)."
        texts = page.eval_on_selector_all("time", "ts => ts.map(t => t.textContent)")
        assert texts and all(t.endswith(("GMT+1", "GMT+2")) or ":" not in t for t in texts), texts
        assert not any(word in page.locator("body").inner_text() for word in ("Uhr", "Nov.", "Okt."))
    finally:
        context.close()


def test_refresh_swaps_banner_incidents_statuses_and_updated_together(tmp_path: Path, browser: Any) -> None:
    site = tmp_path / "site"
    build(site)
    running = start(site)
    # wait_for_function polls with eval(), which the page's Content-Security-Policy forbids.
    context = browser.new_context(bypass_csp=True, timezone_id="UTC")
    page = context.new_page()
    try:
        page.clock.install(time="2026-11-22T12:05:00Z")
        page.goto(running.url)
        before = {
            "banner": page.locator("#banner .banner-text").inner_text(),
            "updated": page.locator(".banner-time time").get_attribute("datetime"),
            "cards": page.locator("#h-active").count(),
            "search": page.locator(".comp", has=page.get_by_role("link", name="Search", exact=True))
            .locator(".st")
            .inner_text(),
            "icon": page.locator("link[rel=icon]").get_attribute("href"),
        }
        assert before["banner"] == "Partial System Outage" and before["cards"] == 1
        # The next build: the search incident resolved, the maintenance over, a later check.
        bundle, summary = load_bundle(), load_summary()
        over = ("2026-11-22-search-down", "2026-11-22-database-maintenance")
        calm = bundle.model_copy(update={"incidents": [i for i in bundle.incidents if i.slug not in over]})
        build(
            site,
            bundle=calm,
            summary=summary.model_copy(update={"generated_at": summary.generated_at + timedelta(minutes=5)}),
        )
        changed = f"document.querySelector('#banner .banner-text').textContent !== {json.dumps(before['banner'])}"
        # A refresh whose fetch fails (a busy machine: the local server too slow to answer) keeps
        # the page as it is, by design; the next one a minute later fetches again.
        timeout = pytest.importorskip("playwright.sync_api").TimeoutError
        for minute in range(3):
            page.clock.run_for(61_000)
            try:
                page.wait_for_function(changed, timeout=20_000)
                break
            except timeout:
                if minute == 2:
                    raise
        after = {
            "banner": page.locator("#banner .banner-text").inner_text(),
            "updated": page.locator(".banner-time time").get_attribute("datetime"),
            "cards": page.locator("#h-active").count(),
            "search": page.locator(".comp", has=page.get_by_role("link", name="Search", exact=True))
            .locator(".st")
            .inner_text(),
            "icon": page.locator("link[rel=icon]").get_attribute("href"),
        }
        assert after["cards"] == 0 and after["search"] != before["search"]
        assert after["updated"] != before["updated"] and after["icon"] != before["icon"]
        assert after["banner"] == page.locator("#banner").evaluate("b => b.querySelector('.banner-text').textContent")
        assert page.locator("main").count() == 1 and visit_ok(page)
    finally:
        context.close()
        running.close()


def visit_ok(page: Any) -> bool:
    """The swapped page still has its localised times and one of each landmark."""
    return bool(page.locator("#banner").count() == 1 and page.locator(".banner-time .ago").count() == 1)


SHOTS = {
    "index": "index.html",
    "component": "components/api/index.html",
    "incident": "incidents/2026-11-20-api-errors/index.html",
}
SHOT_SET = os.environ.get("STATUSGEN_SCREENSHOT_SET", "")
"""A subfolder of test-artifacts/ for the screenshots (e.g. `before`), to compare two versions."""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [320, 375, 1280])
@pytest.mark.parametrize("shot", [*SHOTS, "big-index"])
def test_screenshots(
    server: PreviewServer, big_server: PreviewServer, browser: Any, shot: str, width: int, scheme: str
) -> None:
    url = big_server.url if shot == "big-index" else server.url + SHOTS[shot]
    visit = Visit(browser, url, viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        folder = ARTIFACTS / SHOT_SET
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{shot}-{width}-{scheme}.png"
        visit.page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
    finally:
        visit.close()


@pytest.mark.parametrize("vision", ["deuteranopia", "protanopia", "achromatopsia"])
def test_colour_vision_screenshots(big_server: PreviewServer, browser: Any, vision: str) -> None:
    """For a reviewer: the strips in simulated red-green colour blindness and in greyscale, where
    the marks under the bars have to carry the difference."""
    context = browser.new_context(viewport={"width": 375, "height": 900}, device_scale_factor=2)
    page = context.new_page()
    try:
        context.new_cdp_session(page).send("Emulation.setEmulatedVisionDeficiency", {"type": vision})
        page.goto(big_server.url)
        folder = ARTIFACTS / SHOT_SET
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"big-index-375-{vision}.png"
        page.locator("details.group").first.screenshot(path=str(target))
        assert target.stat().st_size > 10_000
    finally:
        context.close()
