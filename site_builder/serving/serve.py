"""Preview server: the built site over HTTP on loopback, rebuilt when its sources change.

Static files are served as a CDN would (index.html for folders, 404.html for missing paths, the
publish step's Content-Types). Other engineers' endpoints (POST /subscribe, …) plug in through
`handlers`: a path prefix -> a function from Request to Response.
"""

from __future__ import annotations

import errno
import re
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import watchfiles

from checker.errors import StatusgenError
from site_builder.publish.headers import content_type
from site_builder.serving.http_types import Request, Response

_QUERY = re.compile(r"\?[^\s\"]*")
"""A query string in a logged request line."""
DEBOUNCE_MS = 300
"""Changes closer together than this (an editor's save, a git checkout) trigger one rebuild."""

Handler = Callable[[Request], Response]
Guard = Callable[[Mapping[str, str]], "Response | None"]
"""Asked first about every request, with its headers (names in lower case): a Response to send
instead of anything else (the internal site's 401), or None to go on."""


class LocalHTTPServer(ThreadingHTTPServer):
    """A threaded server with a listen backlog for bursts: the default of 5 makes concurrent
    clients (a browser's parallel requests, a load test) wait a second for a retried SYN."""

    daemon_threads = True
    request_queue_size = 128


class _RequestHandler(SimpleHTTPRequestHandler):
    handlers: Mapping[str, Handler] = {}
    guard: Guard | None = None
    max_body = 1_000_000

    def __init__(
        self, *args: Any, directory: str, handlers: Mapping[str, Handler], guard: Guard | None = None, **kwargs: Any
    ) -> None:
        self.handlers = handlers
        self.guard = guard
        super().__init__(*args, directory=directory, **kwargs)

    def _mounted(self) -> Handler | None:
        path = urlsplit(self.path).path
        for prefix in sorted(self.handlers, key=len, reverse=True):
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return self.handlers[prefix]
        return None

    def _body_length(self) -> int | None:
        """The declared body length, or None (after answering 400 or 413) when it is unusable.

        Only plain digits are a length: `-1` would read until the client closes (a stuck thread),
        and a chunked body is not something a form or a one-click unsubscribe sends.
        """
        declared = self.headers.get_all("Content-Length") or []
        if (
            len(declared) > 1
            or (declared and not declared[0].strip().isdecimal())
            or ("chunked" in self.headers.get("Transfer-Encoding", "").lower())
        ):
            self.close_connection = True  # what follows on this connection cannot be trusted
            self.send_error(400, "Bad request: Content-Length must be one whole number")
            return None
        length = int(declared[0]) if declared else 0
        if length > self.max_body:
            self.close_connection = True
            self.send_error(413)
            return None
        return length

    def _dispatch(self, handler: Handler) -> None:
        length = self._body_length()
        if length is None:
            return
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=unquote(parts.path),
            query=parts.query,
            body=self.rfile.read(length) if length else b"",
            headers={k.lower(): v for k, v in self.headers.items()},
            source_ip=self.client_address[0],
        )
        try:
            response = handler(request)
        except Exception as error:  # one failing request must not print a traceback or hang up
            sys.stderr.write(f"{self.command} {parts.path}: {type(error).__name__}\n")
            response = Response(500, b"Internal error.\n", {"Content-Type": "text/plain"})
        self._answer(response)

    def _answer(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _route(self, static: Callable[[], None]) -> None:
        """A mounted endpoint answers its paths; `static` answers the rest."""
        refused = None if self.guard is None else self.guard({k.lower(): v for k, v in self.headers.items()})
        if refused is not None:
            self.close_connection = True  # an unread body must not be taken for the next request
            self._answer(refused)
            return
        handler = self._mounted()
        if handler is not None:
            self._dispatch(handler)
        else:
            static()

    def do_GET(self) -> None:
        self._route(super().do_GET)

    def do_HEAD(self) -> None:
        self._route(super().do_HEAD)

    def do_POST(self) -> None:
        self._route(lambda: self.send_error(405, "The status page is static"))

    def guess_type(self, path: str | Any) -> str:
        return content_type(str(path))

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Missing pages get the site's own 404 page, as the CDN serves it.
        page = Path(str(self.directory)) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def send_head(self) -> Any:
        # Last-Modified is to the second: a file a build replaced within the second of the copy a
        # browser holds would be answered "304 Not Modified", and the preview would keep showing
        # the old page. The files are local, so each is sent whole every time.
        del self.headers["If-Modified-Since"]
        return super().send_head()

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "cache-control":
            self._cache_control_sent = True
        super().send_header(keyword, value)

    def end_headers(self) -> None:
        # A preview must show the latest build on reload, never a cached one; an endpoint that
        # says how its answer may be cached (the subscribe pages: no-store) keeps its one header.
        if not getattr(self, "_cache_control_sent", False):
            self.send_header("Cache-Control", "no-cache")
        self._cache_control_sent = False
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        # Query strings are left out of the log: confirm and unsubscribe links carry their token
        # there, and a token in a log is a link anyone reading it could use.
        line = _QUERY.sub("?…", format % args)
        sys.stderr.write(f"{self.address_string()} {line}\n")


def _listen(host: str, port: int, factory: Callable[..., Any]) -> LocalHTTPServer:
    """The listening server; a port that is taken or not allowed is a user's mistake, said in one line."""
    try:
        return LocalHTTPServer((host, port), factory)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise StatusgenError(f"port {port} is in use; pass --port with another port") from None
        if error.errno == errno.EACCES:
            raise StatusgenError(f"port {port} needs privileges; pass --port 1024 or above") from None
        raise StatusgenError(f"cannot listen on {host}:{port}: {error.strerror}") from None


class PreviewServer:
    """A running preview server; `close()` stops it and its watcher."""

    def __init__(
        self,
        site_dir: Path,
        *,
        port: int,
        host: str,
        rebuild: Callable[[], object] | None,
        watch_paths: Iterable[Path] | None,
        handlers: Mapping[str, Handler] | None,
        guard: Guard | None = None,
    ) -> None:
        site_dir.mkdir(parents=True, exist_ok=True)
        factory = partial(_RequestHandler, directory=str(site_dir), handlers=dict(handlers or {}), guard=guard)
        self.httpd = _listen(host, port, factory)
        self.site_dir = site_dir
        self.host = host
        self.port = int(self.httpd.server_address[1])
        self.rebuilds = 0
        """Rebuilds done after a change (successful or not)."""
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self.httpd.serve_forever, name="preview-http", daemon=True)]
        if rebuild is not None and watch_paths:
            self._threads.append(
                threading.Thread(
                    target=self._watch,
                    args=(rebuild, [Path(p) for p in watch_paths]),
                    name="preview-watch",
                    daemon=True,
                )
            )
        self.ready = threading.Event()
        """Set once the watcher is watching (immediately when there is none)."""
        if len(self._threads) == 1:
            self.ready.set()
        for thread in self._threads:
            thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def _watch(self, rebuild: Callable[[], object], paths: list[Path]) -> None:
        targets = [p.resolve() for p in paths]
        # Watch the folders that hold the paths (a path may not exist yet, e.g. templates/),
        # and only react to changes inside the paths themselves.
        folders = sorted({t if t.is_dir() else t.parent for t in targets})
        folders = [f for f in folders if f.is_dir()]

        def relevant(_: watchfiles.Change, name: str) -> bool:
            changed = Path(name)
            return any(changed == t or changed.is_relative_to(t) for t in targets)

        watcher = watchfiles.watch(
            *folders,
            watch_filter=relevant,
            stop_event=self._stop,
            debounce=DEBOUNCE_MS,
            raise_interrupt=False,
            yield_on_timeout=True,
            rust_timeout=200,
        )
        self.ready.set()
        for changes in watcher:
            if not changes:
                continue
            try:
                rebuild()
                sys.stderr.write(f"rebuilt after {len(changes)} change(s)\n")
            except Exception as error:  # a broken edit must not stop the preview
                sys.stderr.write(f"rebuild failed, still serving the last good build:\n{error}\n")
            finally:
                self.rebuilds += 1

    def close(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)


def start(
    site_dir: Path,
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    rebuild: Callable[[], object] | None = None,
    watch_paths: Iterable[Path] | None = None,
    handlers: Mapping[str, Handler] | None = None,
    guard: Guard | None = None,
) -> PreviewServer:
    """Start serving `site_dir` in the background (port 0: any free port) and return the server;
    `guard` is asked about each request first."""
    return PreviewServer(
        site_dir, port=port, host=host, rebuild=rebuild, watch_paths=watch_paths, handlers=handlers, guard=guard
    )
