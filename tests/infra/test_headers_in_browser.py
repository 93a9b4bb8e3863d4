"""The template's response headers, served with a real built site, in headless Chromium.

The Content-Security-Policy is taken from the translated template (as CloudFront would send it);
the pages must work under it without a single violation, and an inline script must be blocked.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from checker.bundle import Bundle
from site_builder.builder.site import build_site
from tests.helpers import CHROMIUM
from tests.infra.infra_support import translated

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "infra"
SUBSCRIBE_URL = "https://abcdefghijklmnop.lambda-url.eu-west-1.on.aws/"
PAGES = ["index.html", "components/api/index.html", "history/index.html", "404.html"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


def page_headers() -> dict[str, str]:
    """The headers PageHeadersPolicy makes CloudFront add, as HTTP header lines."""
    config = translated()["Resources"]["PageHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"
    ]
    csp = config["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    hsts = config["StrictTransportSecurity"]
    return {
        "Content-Security-Policy": csp.replace("${SubscribeFunctionUrl.FunctionUrl}", SUBSCRIBE_URL),
        "Strict-Transport-Security": f"max-age={hsts['AccessControlMaxAgeSec']}",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": config["ReferrerPolicy"]["ReferrerPolicy"],
        "X-Frame-Options": config["FrameOptions"]["FrameOption"],
    }


class _WithHeaders(SimpleHTTPRequestHandler):
    headers_to_add: ClassVar[dict[str, str]] = {}

    def end_headers(self) -> None:
        for name, value in self.headers_to_add.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args: object) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the browser drops keep-alive connections when a page is closed


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = tmp_path_factory.mktemp("site")
    bundle = Bundle.model_validate(json.loads((FIXTURES / "lambda-bundle.json").read_text()))
    build_site(bundle, None, site, now=datetime(2026, 11, 22, 15, 0, tzinfo=UTC))
    (site / "inline-probe.html").write_text(
        "<!doctype html><title>probe</title><script>window.inlineRan = true;</script>"
    )
    handler = type("Handler", (_WithHeaders,), {"headers_to_add": page_headers()})
    server = _QuietServer(("127.0.0.1", 0), partial(handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def visit(browser: Any, url: str) -> tuple[Any, list[str]]:
    context = browser.new_context()
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: messages.append(str(e)))
    page.goto(url, wait_until="load")
    return page, messages


@pytest.mark.parametrize("path", PAGES)
def test_pages_work_under_the_templates_content_security_policy(site_url: str, browser: Any, path: str) -> None:
    page, errors = visit(browser, site_url + path)
    try:
        assert [e for e in errors if "Content Security Policy" in e] == []
        # The page's own script (served from the same origin) is allowed to run.
        assert page.evaluate("document.scripts.length") >= 1
    finally:
        page.context.close()


def test_an_inline_script_is_blocked(site_url: str, browser: Any) -> None:
    page, errors = visit(browser, site_url + "inline-probe.html")
    try:
        assert page.evaluate("window.inlineRan === true") is False
        assert any("Content Security Policy" in e for e in errors)
    finally:
        page.context.close()
