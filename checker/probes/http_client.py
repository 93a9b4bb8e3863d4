"""The HTTP/1.1 client of the `http` probe: one request per connection, everything it reads capped.

Written on asyncio's protocol layer rather than a general-purpose client because a probe needs
three things those clients do not give together:
- cheap: a probe costs a fraction of a millisecond of CPU, so a fleet of thousands does not keep
  the event loop busy and inflate every latency it measures;
- a true latency: the time from the moment the request is written to the socket to the moment the
  first byte of the answer arrived in the socket (the kernel says how long it waited there while
  the loop was busy), so a busy checker does not make an endpoint look slow;
- bounded against the endpoint: response head size and header count, bytes read off the wire,
  bytes decoded (any chain of encodings, see checker.probes.decoding) and redirects (same host
  unless allowed, never into an internal network the check itself does not point at; see
  checker.probes.addresses). The caller bounds the whole exchange with one deadline.

This module resolves, connects and follows redirects; one connection, and reading its answer within
the caps, is checker.probes.http_connection.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from checker.errors import HttpFailure
from checker.probes.addresses import Resolve, refused_kind, system_resolve
from checker.probes.base import ENDPOINT_TEXT_BYTES
from checker.probes.http_connection import Exchange, read_body

MAX_REDIRECTS = 10
USER_AGENT = "statusgen-checker"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NO_BODY = frozenset({204, 304})


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    verify_tls: bool = True
    follow_redirects: bool = True
    redirect_hosts: frozenset[str] = frozenset()
    """Other hosts a redirect may go to (`*`: any); the request's own host always may."""
    read_body: bool = False
    """Read (up to MAX_BODY_BYTES of) the final answer's body; otherwise stop at its head."""


@dataclass(frozen=True)
class HttpAnswer:
    code: int
    latency_ms: float
    """Sum over the hops of: request written -> first byte of the answer received."""
    body: bytes
    """Decoded, at most MAX_BODY_BYTES; empty unless `read_body`."""
    content_type: str
    url: str
    """Where the final answer came from (after redirects)."""


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def of(cls, url: str) -> _Target:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise HttpFailure("invalid address", url[:ENDPOINT_TEXT_BYTES]) from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise HttpFailure("invalid address", url[:ENDPOINT_TEXT_BYTES])
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return cls(parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80), path)

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


class HttpClient:
    """Shared by every probe of a run: holds the TLS contexts and the resolver, no connections."""

    def __init__(self, ssl_context: ssl.SSLContext, *, resolve: Resolve = system_resolve) -> None:
        unverified = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        unverified.check_hostname = False
        unverified.verify_mode = ssl.CERT_NONE
        self._tls = {True: ssl_context, False: unverified}
        self._resolve = resolve

    async def fetch(self, request: HttpRequest) -> HttpAnswer:
        """The final answer to `request`, redirects followed as allowed; HttpFailure otherwise.
        Bound it with the caller's deadline: nothing here waits forever, but nothing times out."""
        origin = _Target.of(request.url)
        origin_addresses = await self._addresses(origin)
        target, addresses = origin, origin_addresses
        method, body, headers = request.method, request.body, request.headers
        latency = 0.0
        for hop in range(MAX_REDIRECTS + 1):
            exchange = await self._connect(
                target, addresses, request.verify_tls, _request_bytes(method, target, headers, body)
            )
            try:
                code, fields = await exchange.read_head()
                latency += exchange.latency_ms
                location = fields.get(b"location")
                if not (request.follow_redirects and code in _REDIRECTS and location):
                    content = b""
                    if request.read_body and method != "HEAD" and code not in _NO_BODY:
                        content = await read_body(exchange, fields)
                    return HttpAnswer(
                        code, latency, content, fields.get(b"content-type", b"").decode("latin-1"), _url(target)
                    )
            finally:
                exchange.close()
            if hop == MAX_REDIRECTS:
                raise HttpFailure("too many redirects")
            text = location.decode("latin-1")
            following = _Target.of(urljoin(_url(target), text))
            if following.host != origin.host and not (
                "*" in request.redirect_hosts or following.host in request.redirect_hosts
            ):
                raise HttpFailure("redirect to another host refused", text[:ENDPOINT_TEXT_BYTES])
            addresses = await self._addresses(following)
            refused = refused_kind(origin_addresses, addresses)
            if refused is not None:
                raise HttpFailure(f"redirect to a {refused} address refused", text[:ENDPOINT_TEXT_BYTES])
            if following.host != origin.host:
                headers = {}  # the check's headers (tokens) go to its own host only
            if code == 303 or (code in (301, 302) and method == "POST"):
                method, body = ("HEAD" if method == "HEAD" else "GET"), None
            target = following
        raise AssertionError("unreachable: the loop returns or raises")

    async def _addresses(self, target: _Target) -> list[str]:
        try:
            found = await self._resolve(target.host, target.port)
        except OSError:
            raise HttpFailure("DNS: name not found") from None
        if not found:
            raise HttpFailure("DNS: name not found")
        return found

    async def _connect(self, target: _Target, addresses: list[str], verify: bool, request: bytes) -> Exchange:
        loop = asyncio.get_running_loop()
        tls = self._tls[verify] if target.scheme == "https" else None
        error: OSError | None = None
        for address in addresses:
            try:
                _, exchange = await loop.create_connection(
                    lambda: Exchange(request),
                    address,
                    target.port,
                    ssl=tls,
                    server_hostname=target.host if tls else None,
                )
            except OSError as failed:  # ssl.SSLError is an OSError
                error = failed
                continue
            return exchange
        assert error is not None
        raise error


def _url(target: _Target) -> str:
    return f"{target.scheme}://{target.host_header}{target.path}"


def _request_bytes(method: str, target: _Target, headers: Mapping[str, str], body: bytes | None) -> bytes:
    fields = {"Host": target.host_header, "User-Agent": USER_AGENT, "Accept": "*/*", "Accept-Encoding": "gzip, deflate"}
    given = {name.lower() for name in headers}
    lines = [f"{method} {target.path} HTTP/1.1"]
    lines.extend(f"{name}: {value}" for name, value in fields.items() if name.lower() not in given)
    lines.extend(
        f"{name}: {value}"
        for name, value in headers.items()
        if name.lower() not in ("connection", "content-length", "transfer-encoding")
    )
    lines.append("Connection: close")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + (body or b"")
