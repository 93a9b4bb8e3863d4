"""Loopback servers, bundles and a fixed clock for the checker tests."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from checker.bundle import Bundle

FIXTURES = Path(__file__).parent.parent / "fixtures" / "checker"
T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

Route = Callable[[BaseHTTPRequestHandler], None]


class QuietServer(ThreadingHTTPServer):
    """Clients that hang up early (timeouts, size caps) are expected here, not errors to print;
    and closing does not wait for handlers that are deliberately slow."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # the default 5 stalls concurrent probes for a second

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class LoopbackServer:
    """A real HTTP server on 127.0.0.1; `routes[path](handler)` answers each request."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                route = server.routes.get(self.path.split("?")[0])
                if route is None:
                    reply(self, 404, b"not found")
                else:
                    route(self)

            do_POST = do_GET
            do_HEAD = do_GET

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def reply(
    handler: BaseHTTPRequestHandler, code: int, body: bytes = b"ok", headers: dict[str, str] | None = None
) -> None:
    handler.send_response(code)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def answer(code: int, body: bytes = b"ok", delay: float = 0.0, headers: dict[str, str] | None = None) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        if delay:
            time.sleep(delay)
        reply(handler, code, body, headers)

    return route


def make_bundle(
    components: list[dict[str, Any]],
    *,
    checker: dict[str, Any] | None = None,
    incidents: list[dict[str, Any]] | None = None,
) -> Bundle:
    return Bundle.model_validate(
        {
            "site": {"name": "Example"},
            "checker": checker or {"interval": 60},
            "components": components,
            "incidents": incidents or [],
        }
    )


def http_component(component_id: str, url: str, **check: Any) -> dict[str, Any]:
    return {
        "id": component_id,
        "name": component_id.title(),
        "check": {"type": "http", "url": url, "timeout": 2, **check},
    }


def closed_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fixture_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def probe_once(
    check: dict[str, Any],
    *,
    now: datetime = T0,
    store: Any = None,
    ssl_context: Any = None,
    env: dict[str, str] | None = None,
    resolve: Any = None,
    component: str = "api",
) -> Any:
    """Run one probe of `check` (a check as written in statuspage.yaml) and return its Outcome.
    `resolve` replaces the system resolver (no test may ask a real DNS server)."""
    import asyncio
    import ssl

    from checker.probes import ProbeContext
    from checker.probes.http_client import HttpClient
    from checker.run import probe_once as run_probe
    from checker.store import LocalStore

    bundle = make_bundle([{"id": component, "name": "C", "check": check}])
    parsed = bundle.components[0].check
    assert parsed is not None
    context_ssl = ssl_context or ssl.create_default_context()
    http = HttpClient(context_ssl) if resolve is None else HttpClient(context_ssl, resolve=resolve)

    async def go() -> Any:
        context = ProbeContext(
            now=now,
            component=component,
            http=http,
            ssl_context=context_ssl,
            store=store or LocalStore("/nonexistent-store"),
            env=env or {},
        )
        return await run_probe(parsed, context)

    return asyncio.run(go())
