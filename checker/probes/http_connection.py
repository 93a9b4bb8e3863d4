"""One HTTP/1.1 connection of a probe: the request written, the answer read within caps, the latency stamped."""

from __future__ import annotations

import asyncio
import re
import socket
import struct
import time
from collections.abc import AsyncIterator, Mapping

from checker.errors import DecodingError, HttpFailure
from checker.probes.decoding import DecodeChain, encodings_of

MAX_HEAD_BYTES = 64 * 1024
"""Status line and headers of one response."""
MAX_HEADERS = 100
MAX_WIRE_BYTES = 2 * 1024 * 1024
"""Bytes read off one connection (head, chunk framing and body, before decoding)."""
MAX_BODY_BYTES = 1024 * 1024
"""Decoded body bytes a body check looks at; the rest of a bigger body is never read."""
_BUFFER_HIGH = 256 * 1024
"""Bytes buffered before the connection stops reading until the body is consumed."""
_STATUS_LINE = re.compile(rb"HTTP/1\.[01] ([1-9]\d\d)(?: [^\r\n]*)?")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CHUNK_LINE = 1024


class Exchange(asyncio.Protocol):
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
        del self._buffer[: end + 2]
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
        del self._buffer[: end + 4]
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


async def read_body(exchange: Exchange, fields: Mapping[bytes, bytes]) -> bytes:
    try:
        decoder = DecodeChain(encodings_of(fields.get(b"content-encoding", b"").decode("latin-1")), MAX_BODY_BYTES)
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


async def _wire_body(exchange: Exchange, fields: Mapping[bytes, bytes]) -> AsyncIterator[bytes]:
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
