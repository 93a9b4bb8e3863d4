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
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import struct
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from checker.probes.addresses import Resolve, refused_kind, system_resolve
from checker.probes.base import ENDPOINT_TEXT_BYTES
from checker.probes.decoding import DecodeChain, DecodingError, encodings_of

MAX_HEAD_BYTES = 64 * 1024
"""Status line and headers of one response."""
MAX_HEADERS = 100
MAX_WIRE_BYTES = 2 * 1024 * 1024
"""Bytes read off one connection (head, chunk framing and body, before decoding)."""
MAX_BODY_BYTES = 1024 * 1024
"""Decoded body bytes a body check looks at; the rest of a bigger body is never read."""
MAX_REDIRECTS = 10
USER_AGENT = "statusgen-checker"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NO_BODY = frozenset({204, 304})
_BUFFER_HIGH = 256 * 1024
"""Bytes buffered before the connection stops reading until the body is consumed."""
_STATUS_LINE = re.compile(rb"HTTP/1\.[01] ([1-9]\d\d)(?: [^\r\n]*)?")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CHUNK_LINE = 1024


class HttpFailure(Exception):
    """The exchange failed; `reason` is ours (short, for the public page), `endpoint_text` the
    endpoint's own words if any (kept privately)."""

    def __init__(self, reason: str, endpoint_text: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.endpoint_text = endpoint_text


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
            exchange = await self._connect(target, addresses, request.verify_tls,
                                           _request_bytes(method, target, headers, body))
            try:
                code, fields = await exchange.read_head()
                latency += exchange.latency_ms
                location = fields.get(b"location")
                if not (request.follow_redirects and code in _REDIRECTS and location):
                    content = b""
                    if request.read_body and method != "HEAD" and code not in _NO_BODY:
                        content = await _read_body(exchange, fields)
                    return HttpAnswer(code, latency, content,
                                      fields.get(b"content-type", b"").decode("latin-1"),
                                      _url(target))
            finally:
                exchange.close()
            if hop == MAX_REDIRECTS:
                raise HttpFailure("too many redirects")
            text = location.decode("latin-1")
            following = _Target.of(urljoin(_url(target), text))
            if following.host != origin.host and not (
                    "*" in request.redirect_hosts or following.host in request.redirect_hosts):
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

    async def _connect(self, target: _Target, addresses: list[str], verify: bool,
                       request: bytes) -> _Exchange:
        loop = asyncio.get_running_loop()
        tls = self._tls[verify] if target.scheme == "https" else None
        error: OSError | None = None
        for address in addresses:
            try:
                _, exchange = await loop.create_connection(
                    lambda: _Exchange(request), address, target.port, ssl=tls,
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


def _request_bytes(method: str, target: _Target, headers: Mapping[str, str],
                   body: bytes | None) -> bytes:
    fields = {"Host": target.host_header, "User-Agent": USER_AGENT, "Accept": "*/*",
              "Accept-Encoding": "gzip, deflate"}
    given = {name.lower() for name in headers}
    lines = [f"{method} {target.path} HTTP/1.1"]
    lines.extend(f"{name}: {value}" for name, value in fields.items() if name.lower() not in given)
    lines.extend(f"{name}: {value}" for name, value in headers.items()
                 if name.lower() not in ("connection", "content-length", "transfer-encoding"))
    lines.append("Connection: close")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + (body or b"")


class _Exchange(asyncio.Protocol):
    """One connection: writes the request as soon as it is made, buffers (boundedly) what comes
    back, and stamps the two instants the latency is measured between."""

    def __init__(self, request: bytes) -> None:
        self._request = request
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._wire = 0
        self._waiter: asyncio.Future[None] | None = None
        self._paused = False
        self.sent_at = 0.0
        self.first_byte_at: float | None = None
        self.ended = False
        self.lost: BaseException | None = None

    # -- transport callbacks (kept tiny: they run for every connection of the run) --

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        transport.write(self._request)
        self.sent_at = time.perf_counter()

    def data_received(self, data: bytes) -> None:
        if self.first_byte_at is None:
            arrived = time.perf_counter() - _waited_in_socket(self._transport)
            self.first_byte_at = max(self.sent_at, arrived)
        self._wire += len(data)
        self._buffer += data
        if self._wire >= MAX_WIRE_BYTES or len(self._buffer) >= _BUFFER_HIGH:
            self._pause()
        self._wake()

    def eof_received(self) -> bool:
        self.ended = True
        self._wake()
        return False

    def connection_lost(self, exc: BaseException | None) -> None:
        self.ended = True
        self.lost = exc
        self._wake()

    # -- reading --

    @property
    def latency_ms(self) -> float:
        assert self.first_byte_at is not None
        return (self.first_byte_at - self.sent_at) * 1000

    @property
    def wire_full(self) -> bool:
        return self._wire >= MAX_WIRE_BYTES

    def close(self) -> None:
        if self._transport is not None:
            self._transport.abort()  # no lingering: the answer is all we wanted

    async def read_head(self) -> tuple[int, dict[bytes, bytes]]:
        for _ in range(5):  # interim 1xx answers come before the real one
            head = await self._take_head()
            code, fields = _parse_head(head)
            if code >= 200 or code == 101:
                return code, fields
        raise HttpFailure("too many interim responses")

    async def take(self, limit: int) -> bytes:
        """Up to `limit` buffered bytes, waiting for some; b"" at the end of the connection."""
        while not self._buffer:
            if self.ended or self.wire_full:
                return b""
            await self._wait()
        out = bytes(self._buffer[:limit])
        del self._buffer[:limit]
        if self._paused and len(self._buffer) < _BUFFER_HIGH // 2 and not self.wire_full:
            self._paused = False
            assert self._transport is not None
            self._transport.resume_reading()
        return out

    async def take_line(self) -> bytes:
        while (end := self._buffer.find(b"\r\n")) < 0:
            if len(self._buffer) > _CHUNK_LINE:
                raise HttpFailure("invalid chunked body")
            if self.ended or self.wire_full:
                raise HttpFailure("connection closed before the end of the body")
            await self._wait()
        line = bytes(self._buffer[:end])
        del self._buffer[:end + 2]
        return line

    async def _take_head(self) -> bytes:
        searched = 0
        while (end := self._buffer.find(b"\r\n\r\n", max(0, searched - 3))) < 0:
            searched = len(self._buffer)
            if searched > MAX_HEAD_BYTES:
                raise HttpFailure("response headers too large")
            if self.ended:
                raise _closed(self.lost)
            await self._wait()
        if end > MAX_HEAD_BYTES:
            raise HttpFailure("response headers too large")
        head = bytes(self._buffer[:end])
        del self._buffer[:end + 4]
        return head

    async def _wait(self) -> None:
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _pause(self) -> None:
        if not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()


_TCP_INFO = getattr(socket, "TCP_INFO", None)
_LAST_DATA_RECV = struct.Struct("=I")
"""`tcpi_last_data_recv` of Linux's `struct tcp_info` (at byte 52): ms since data last arrived."""


def _waited_in_socket(transport: asyncio.Transport | None) -> float:
    """Seconds the bytes just handed to us had already been waiting in the kernel: the time the
    event loop was busy elsewhere, which must not count as the endpoint's latency. The kernel
    keeps it to a clock tick (1 to 4 ms); 0 where it does not say (not Linux, not TCP)."""
    sock = None if transport is None or _TCP_INFO is None else transport.get_extra_info("socket")
    if sock is None:
        return 0.0
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, 104)
    except OSError:
        return 0.0
    return _LAST_DATA_RECV.unpack_from(info, 52)[0] / 1000 if len(info) >= 56 else 0.0


def _closed(error: BaseException | None) -> HttpFailure | OSError:
    if isinstance(error, OSError):
        return error  # a reset or a TLS failure: the caller names it
    return HttpFailure("connection closed without a valid response")


def _parse_head(head: bytes) -> tuple[int, dict[bytes, bytes]]:
    lines = head.split(b"\r\n")
    status = _STATUS_LINE.fullmatch(lines[0])
    if status is None:
        raise HttpFailure("connection closed without a valid response")
    if len(lines) - 1 > MAX_HEADERS:
        raise HttpFailure(f"more than {MAX_HEADERS} response headers")
    fields: dict[bytes, bytes] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            raise HttpFailure("invalid response header")
        key = name.lower()
        value = value.strip(b" \t")
        fields[key] = fields[key] + b", " + value if key in fields else value
    return int(status[1]), fields


async def _read_body(exchange: _Exchange, fields: Mapping[bytes, bytes]) -> bytes:
    try:
        decoder = DecodeChain(encodings_of(fields.get(b"content-encoding", b"").decode("latin-1")),
                              MAX_BODY_BYTES)
    except DecodingError as error:
        raise HttpFailure(str(error)) from None
    out = bytearray()
    try:
        async for piece in _wire_body(exchange, fields):
            out += decoder.feed(piece)
            if decoder.full:
                break
    except DecodingError as error:
        raise HttpFailure(str(error)) from None
    return bytes(out)


async def _wire_body(exchange: _Exchange, fields: Mapping[bytes, bytes]) -> AsyncIterator[bytes]:
    """The body's bytes as sent (framing removed), until its end or the wire cap."""
    if b"chunked" in fields.get(b"transfer-encoding", b"").lower():
        while True:
            size_text = (await exchange.take_line()).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise HttpFailure("invalid chunked body") from None
            if size == 0:
                return
            while size > 0:
                piece = await exchange.take(min(size, 65536))
                if not piece:
                    return
                size -= len(piece)
                yield piece
            await exchange.take_line()
    length_text = fields.get(b"content-length")
    left = int(length_text) if length_text is not None and length_text.isdigit() else None
    while left is None or left > 0:
        piece = await exchange.take(65536 if left is None else min(left, 65536))
        if not piece:
            return
        if left is not None:
            left -= len(piece)
        yield piece
