"""Each language's index page in headless Chromium, as a reader abroad sees it: the page's
language, times shown in the reader's zone in the page's language (not English), the footer
saying so in that language, a language switch that works without JavaScript, no console error
and nothing fetched from another origin. A screenshot per language goes to
test-artifacts/language-<code>.png."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from site_builder.cli import main
from site_builder.serving.serve import PreviewServer, start
from tests.helpers import ARTIFACTS, CHROMIUM
from tests.site.sitetest import fixture_site

PREFIXES = {"en": "", "de": "de/", "fr": "fr/", "es": "es/", "ja": "ja/"}
YOUR_ZONE = {
    "en": "your time zone",
    "de": "Ihrer Zeitzone",
    "fr": "votre fuseau horaire",
    "es": "su zona horaria",
    "ja": "お使いのタイムゾーン",
}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PreviewServer]:
    root = tmp_path_factory.mktemp("languages-browser") / "site"
    shutil.copytree(fixture_site("languages"), root)
    result = CliRunner().invoke(main, ["build", "--root", str(root), "--out", str(root / "public"), "--no-notify"])
    assert result.exit_code == 0, result.output
    running = start(root / "public")
    yield running
    running.close()


@pytest.mark.parametrize("code", PREFIXES)
def test_each_language_reads_in_its_language_abroad(server: PreviewServer, browser: Any, code: str) -> None:
    context = browser.new_context(timezone_id="Europe/Berlin", locale="en-US", viewport={"width": 1000, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(f"{server.url.rstrip('/')}/{PREFIXES[code]}index.html", wait_until="load")
        assert page.evaluate("document.documentElement.lang") == code
        footer = page.locator(".foot .tz").inner_text()
        assert YOUR_ZONE[code] in footer and "Europe/Berlin" in footer
        # The update's time, moved to Berlin by the script and written in the page's language.
        card = page.locator("article.card", has=page.locator("a[href='incidents/2026-11-20-api-errors/index.html']"))
        shown = card.locator(".update-head time").inner_text()
        assert "2026" in shown and "15:30" in shown
        if code != "en":
            assert "Nov " not in shown
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"language-{code}.png"), full_page=True)
        assert errors == []
        assert all(url.startswith(server.url) for url in requests), requests
    finally:
        context.close()


def test_the_language_switch_works_without_javascript(server: PreviewServer, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{server.url.rstrip('/')}/incidents/2026-11-20-api-errors/index.html")
        for code, name in (
            ("de", "Deutsch"),
            ("ja", "日本語"),
            ("fr", "Français"),
            ("es", "Español"),
            ("en", "English"),
        ):
            page.locator("nav.langs").get_by_role("link", name=name).click()
            page.wait_for_url(f"**/{PREFIXES[code]}incidents/2026-11-20-api-errors/index.html")
            assert page.evaluate("document.documentElement.lang") == code
            assert page.locator("nav.langs [aria-current=page]").inner_text() == name
    finally:
        context.close()
