"""The preview server: the built site on 127.0.0.1, mounted endpoints, rebuild on change."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from site_builder.serving.serve import PreviewServer, Request, Response, start
from tests.site.sitetest import build

SEEN: list[Request] = []
"""Requests the mounted handler received, in the current test."""


def subscribe(request: Request) -> Response:
    SEEN.append(request)
    return Response(202, b"check your inbox", {"Content-Type": "text/plain"})


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PreviewServer]:
    build(tmp_path / "site")
    SEEN.clear()
    running = start(tmp_path / "site", handlers={"/subscribe": subscribe})
    yield running
    running.close()


def test_serves_the_site_like_a_cdn(server: PreviewServer) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    with httpx.Client(base_url=server.url) as client:
        index = client.get("/")
        assert index.status_code == 200
        assert index.headers["content-type"].startswith("text/html")
        assert "Partial System Outage" in index.text
        assert client.get("/incidents/2026-11-20-api-errors/").status_code == 200
        missing = client.get("/no/such/page")
        assert missing.status_code == 404 and "Page not found" in missing.text
        assert client.post("/index.html").status_code == 405


def test_a_page_rebuilt_within_the_same_second_is_never_answered_not_modified(server: PreviewServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        first = client.get("/")
        page = server.site_dir / "index.html"
        built = page.stat().st_mtime_ns
        page.write_text(page.read_text().replace("Partial System Outage", "All Systems Operational"))
        os.utime(page, ns=(built, built))  # rebuilt within the same second
        again = client.get("/", headers={"If-Modified-Since": first.headers["last-modified"]})
    assert again.status_code == 200 and "All Systems Operational" in again.text


def test_mounted_handlers_receive_the_request(server: PreviewServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        response = client.post("/subscribe?x=1", data={"email": "a@example.test"})
    assert response.status_code == 202 and response.text == "check your inbox"
    [request] = SEEN
    assert (request.method, request.path, request.query) == ("POST", "/subscribe", "x=1")
    assert request.body == b"email=a%40example.test"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.source_ip == "127.0.0.1"


def test_rebuilds_when_a_watched_file_changes_and_survives_a_failed_rebuild(tmp_path: Path) -> None:
    sources = tmp_path / "incidents"
    sources.mkdir()
    ignored = tmp_path / "public"
    ignored.mkdir()
    rebuilt = threading.Event()
    calls: list[int] = []

    def rebuild() -> None:
        calls.append(1)
        rebuilt.set()
        if len(calls) == 1:
            raise ValueError("first rebuild fails")

    server = start(ignored, rebuild=rebuild, watch_paths=[sources, tmp_path / "statuspage.yaml"])
    try:
        assert server.ready.wait(10)
        (ignored / "index.html").write_text("built output must not trigger a rebuild")
        (sources / "2026-11-22-new.md").write_text("---\ntitle: New\n---\n")
        assert rebuilt.wait(20), "no rebuild after a change"
        rebuilt.clear()
        (tmp_path / "statuspage.yaml").write_text("site: {name: X}\n")
        assert rebuilt.wait(20), "the watcher stopped after a failed rebuild"
        with httpx.Client(base_url=server.url) as client:
            assert client.get("/").status_code == 200
    finally:
        server.close()
    assert len(calls) == 2


def test_an_endpoint_that_sets_cache_control_sends_it_once(tmp_path: Path) -> None:
    def no_store(request: Request) -> Response:
        return Response(200, b"ok", {"Cache-Control": "no-store"})

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>x</title>")
    server = start(site, handlers={"/subscribe": no_store})
    try:
        with httpx.Client(base_url=server.url) as client:
            endpoint, page = client.post("/subscribe"), client.get("/")
    finally:
        server.close()
    assert endpoint.headers.get_list("cache-control") == ["no-store"]
    assert page.headers.get_list("cache-control") == ["no-cache"]


WATCHED_SITE = """\
site: {name: Watched, url: https://status.example.test, custom_css: extra.css}
components:
  - id: api
    name: API
    check: {type: tcp, host: 127.0.0.1, port: 1, timeout: 1}
"""
SUBSCRIBERS = """\
subscribers:
  token_secret: "0123456789abcdef0123456789abcdef"
  email: {backend: outbox, outbox: outbox, from_address: "Status <status@example.test>"}
"""


def test_watch_refreshes_after_a_check_a_css_edit_and_a_subscribers_change(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from site_builder.pipeline import check_once
    from site_builder.serving.preview import start_preview

    (tmp_path / "statuspage.yaml").write_text(WATCHED_SITE)
    (tmp_path / "extra.css").write_text(".one { color: red }\n")
    server = start_preview(tmp_path, port=0, watch=True, site_dir=None)

    def after(change: Callable[[], object]) -> None:
        done = server.rebuilds
        change()
        deadline = time.monotonic() + 30
        while server.rebuilds == done and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.rebuilds > done, "no rebuild after the change"

    try:
        assert server.ready.wait(10)
        with httpx.Client(base_url=server.url) as client:
            assert "API" in client.get("/").text
            after(lambda: check_once(tmp_path, now=datetime.now(UTC)))  # writes data/summary.json
            components = client.get("/api/v2/components.json").json()["components"]
            assert components[0]["status"] == "operational"  # one down run: below the threshold
            assert (tmp_path / "public/api/uptime.json").is_file()

            after(lambda: (tmp_path / "extra.css").write_text(".two { color: blue }\n"))
            page = client.get("/").text
            stylesheets = [client.get("/" + href.lstrip("/")).text for href in re.findall(r'href="([^"]+\.css)"', page)]
            assert any(".two" in css for css in stylesheets)

            assert client.post("/subscribe", data={"email": "a@example.test"}).status_code == 404
            after(lambda: (tmp_path / "statuspage.yaml").write_text(WATCHED_SITE + SUBSCRIBERS))
            assert client.post("/subscribe", data={"email": "a@example.test"}).status_code != 404
    finally:
        server.close()
