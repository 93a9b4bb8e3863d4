"""The pages in headless Chromium: readable without JavaScript, no console errors, nothing
fetched from another origin, no serious accessibility violation (axe-core), no sideways scrolling
on a phone. Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sitetest import FIXTURES, build

from site_builder.serve import PreviewServer, start

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = FIXTURES / "axe.min.js"  # axe-core 4.14.1 from the npm registry (`npm pack axe-core`), MPL-2.0
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = ["index.html", "components/api/index.html", "incidents/2026-11-20-api-errors/index.html",
         "history/index.html", "uptime/index.html", "404.html"]

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
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


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
        assert page.locator("#banner h1").inner_text().strip() == "Major System Outage"
        assert page.get_by_role("heading", name="Active incidents").is_visible()
        assert page.get_by_role("link", name="Search is unavailable").first.is_visible()
        assert visit.errors == []
        assert visit.requests and all(u.startswith(server.url) for u in visit.requests)
    finally:
        visit.close()


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_console_errors_and_stay_on_their_origin(
        server: PreviewServer, browser: Any, path: str) -> None:
    visit = Visit(browser, server.url + path)
    try:
        visit.page.wait_for_load_state("networkidle")
        assert visit.errors == []
        assert all(u.startswith(server.url) for u in visit.requests), visit.requests
    finally:
        visit.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_or_critical_violation(
        server: PreviewServer, browser: Any, path: str, scheme: str) -> None:
    # The page's CSP forbids inline script; the audit is injected past it.
    visit = Visit(browser, server.url + path, bypass_csp=True, color_scheme=scheme)
    try:
        visit.page.add_script_tag(path=str(AXE))
        result = visit.page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        serious = [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                    "nodes": [n["html"][:120] for n in v["nodes"][:3]]}
                   for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], json.dumps(serious, indent=1)
    finally:
        visit.close()


@pytest.mark.parametrize("width", [320, 375])
def test_phone_widths_do_not_scroll_sideways(server: PreviewServer, browser: Any, width: int) -> None:
    visit = Visit(browser, server.url, viewport={"width": width, "height": 800})
    try:
        assert visit.page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        visit.close()


def test_script_localises_times_and_refreshes_the_banner(server: PreviewServer, browser: Any) -> None:
    # wait_for_function polls with eval(), which the page's Content-Security-Policy forbids.
    context = browser.new_context(timezone_id="Asia/Tokyo", bypass_csp=True)
    page = context.new_page()
    try:
        page.clock.install()
        status = {"page": {}, "status": {"indicator": "none", "description": "All Systems Operational"}}
        page.route("**/api/v2/status.json", lambda route: route.fulfill(json=status))
        page.goto(server.url)
        assert "GMT+9" in page.locator('time[datetime="2026-11-22T11:40:00Z"]').first.inner_text()
        assert page.locator("#banner .banner-text").inner_text() == "Major System Outage"
        page.clock.run_for(61_000)
        page.wait_for_function(
            "document.querySelector('#banner .banner-text').textContent === 'All Systems Operational'")
        assert page.locator("#banner").get_attribute("class") == "banner s-none"
    finally:
        context.close()


@pytest.mark.parametrize(("name", "options"), [
    ("index-light", {"viewport": {"width": 1024, "height": 900}}),
    ("index-dark", {"viewport": {"width": 1024, "height": 900}, "color_scheme": "dark"}),
    ("index-375", {"viewport": {"width": 375, "height": 800}}),
])
def test_screenshots(server: PreviewServer, browser: Any, name: str, options: dict[str, Any]) -> None:
    visit = Visit(browser, server.url, **options)
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        target = ARTIFACTS / f"{name}.png"
        visit.page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
    finally:
        visit.close()
