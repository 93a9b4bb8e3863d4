"""Render a build's files on two cores, and keep their bytes on disk until they are published.

Rendering is pure Python (templates, models to JSON, Markdown), so a forked child renders a share
of the files (see `site_builder.builder.two_processes`) and returns only where it put them.

Rendered bytes go to a `Spool` (unnamed temporary files, gone when it closes), not to memory:
a cold build of a large site renders every file before it writes any (a build that fails
publishes nothing), and holding them all made its memory grow with the size of the site.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, NamedTuple

from site_builder.builder.two_processes import in_two_processes
from site_builder.outputs import Deferred, Unplanned, planned

MIN_FILES = 400
"""Fewer files than this are rendered here: starting a child would cost more than it saves."""


@dataclass(frozen=True, slots=True)
class Stored:
    """A rendered file: its digest and size, and where its bytes are in the spool."""

    sha256: str
    size: int
    part: int
    offset: int


class Spool:
    """Rendered files in two unnamed temporary files, one per process that renders."""

    def __init__(self, parts: list[IO[bytes]]) -> None:
        self._parts = parts
        self._ends = [0] * len(parts)

    @classmethod
    @contextlib.contextmanager
    def open(cls) -> Iterator[Spool]:
        with tempfile.TemporaryFile() as first, tempfile.TemporaryFile() as second:
            yield cls([first, second])

    def add(self, part: int, content: bytes) -> Stored:
        offset = self._ends[part]
        written, descriptor, view = 0, self._parts[part].fileno(), memoryview(content)
        while written < len(content):
            written += os.pwrite(descriptor, view[written:], offset + written)
        self._ends[part] += len(content)
        return Stored(hashlib.sha256(content).hexdigest(), len(content), part, offset)

    def read(self, stored: Stored) -> bytes:
        content = os.pread(self._parts[stored.part].fileno(), stored.size, stored.offset)
        if len(content) != stored.size:  # only if the temporary folder itself failed
            raise OSError(f"temporary file of the build is shorter than expected ({len(content)} < {stored.size})")
        return content


class Rendered(NamedTuple):
    """What became of a file to render: its key, and where its bytes are (None: it was planned
    only now, and found unchanged and live)."""

    key: str | None
    stored: Stored | None


def render_all(
    items: Sequence[Deferred | Unplanned], spool: Spool, still_live: Callable[[Deferred], bool]
) -> list[Rendered]:
    """Each item rendered into `spool`, in order; this process and its child each write to a part
    of their own. An `Unplanned` item is planned first, and not rendered when `still_live` says
    its bytes, as its key gives them, are live."""

    def render(item: Deferred | Unplanned, who: int) -> Rendered:
        file = planned(item)
        if isinstance(item, Unplanned) and still_live(file):
            return Rendered(file.key, None)
        return Rendered(file.key, spool.add(who, file.render()))

    order, joined = _work_order(items)
    outcomes = in_two_processes([items[number] for number in order], render, min_items=MIN_FILES, joined=joined)
    in_place: list[Rendered] = [*outcomes]
    for number, outcome in zip(order, outcomes, strict=True):
        in_place[number] = outcome
    return in_place


def _work_order(items: Sequence[Deferred | Unplanned]) -> tuple[list[int], list[bool]]:
    """The order to render the items in, and which of them are joined to the one before. The files
    that share something (`Deferred.shares`: an incident's page, its API file and its pages in
    other languages, say) are rendered one after the other by one process, which makes what they
    share once and needs to remember it only briefly."""
    groups: dict[str, list[int]] = {}
    slots: list[list[int]] = []
    for number, item in enumerate(items):
        if item.shares is None:
            slots.append([number])
        elif item.shares in groups:
            groups[item.shares].append(number)
        else:
            groups[item.shares] = [number]
            slots.append(groups[item.shares])
    order = [number for slot in slots for number in slot]
    joined = [place > 0 for slot in slots for place in range(len(slot))]
    return order, joined
