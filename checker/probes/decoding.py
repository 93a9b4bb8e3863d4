"""Content decoding with a ceiling: any chain of `Content-Encoding`s, decoded incrementally, never
producing more than a fixed number of bytes at any stage.

A 2 kB answer marked `gzip, gzip` can expand to gigabytes; each stage here is pulled for only as
much output as the next stage (finally the body check) still wants, and every stage's total
output is capped, so memory and CPU per probe stay bounded whatever the endpoint sends.
"""

from __future__ import annotations

import zlib

from checker.errors import DecodingError

MAX_ENCODINGS = 3
"""More stacked encodings than this is refused: no real server needs them."""
_PULL = 64 * 1024
"""Bytes an inner stage asks of the stage before it at a time."""
_WBITS = {"gzip": 31, "x-gzip": 31, "deflate": 15}


def encodings_of(header: str) -> list[str]:
    """The encodings of a `Content-Encoding` value, in the order they were applied."""
    return [e.strip().lower() for e in header.split(",") if e.strip() and e.strip().lower() != "identity"]


class DecodeChain:
    """Undoes `encodings` (as listed in the header) on bytes fed in, up to `limit` bytes out."""

    def __init__(self, encodings: list[str], limit: int) -> None:
        if len(encodings) > MAX_ENCODINGS:
            raise DecodingError(f"more than {MAX_ENCODINGS} content encodings")
        unknown = [e for e in encodings if e not in _WBITS]
        if unknown:
            raise DecodingError(f"unsupported content encoding {unknown[0][:20]!r}")
        # Decoding undoes the last encoding applied first.
        self._stages = [_Stage(e, limit) for e in reversed(encodings)]
        self._limit = limit
        self._produced = 0

    @property
    def full(self) -> bool:
        """Nothing more will come out: the limit is reached (or the last stage ended)."""
        return self._produced >= self._limit or (bool(self._stages) and self._stages[-1].done)

    def feed(self, data: bytes) -> bytes:
        """Decoded bytes for `data` (at most what is left of the limit)."""
        want = self._limit - self._produced
        if want <= 0:
            return b""
        if not self._stages:
            out = data[:want]
        else:
            self._stages[0].pending += data
            out = self._pull(len(self._stages) - 1, want)
        self._produced += len(out)
        return out

    def _pull(self, index: int, want: int) -> bytes:
        stage = self._stages[index]
        out = bytearray()
        while len(out) < want and not stage.done:
            if not stage.pending:
                if index == 0:
                    break
                stage.pending = self._pull(index - 1, _PULL)
                if not stage.pending:
                    break
            out += stage.decode(want - len(out))
        return bytes(out)


class _Stage:
    def __init__(self, encoding: str, limit: int) -> None:
        self._inflater = zlib.decompressobj(_WBITS[encoding])
        self._encoding = encoding
        self._left = limit
        self.pending = b""
        self.done = False

    def decode(self, want: int) -> bytes:
        try:
            piece = self._inflater.decompress(self.pending, min(want, self._left))
        except zlib.error:
            raise DecodingError(f"body is not valid {self._encoding}") from None
        self.pending = self._inflater.unconsumed_tail
        self._left -= len(piece)
        if self._inflater.eof or self._left <= 0:
            self.done = True  # bytes after the end of the stream are ignored, as browsers do
            self.pending = b""
        return piece
