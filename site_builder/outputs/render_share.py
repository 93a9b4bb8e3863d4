"""Render a build's files on two cores, and keep their bytes on disk until they are published.

Rendering is pure Python (templates, models to JSON, Markdown), so threads would not run it in
parallel; a child process made by fork starts with everything already planned, renders every
other file and returns only where it put them. The output does not depend on who renders a file:
the same code runs on the same data. The child is used only when it pays (a long list, a second
core) and when fork is safe (no other thread, which a fork would copy mid-step); otherwise, and
whenever the child fails, this process renders the files itself, so an error is raised here with
its own type and trace. A pipe, not a multiprocessing queue: AWS Lambda has no shared memory.

Rendered bytes go to a `Spool` (unnamed temporary files, gone when it closes), not to memory:
a cold build of a large site renders every file before it writes any (a build that fails
publishes nothing), and holding them all made its memory grow with the size of the site.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import signal
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from site_builder.outputs import Deferred

MIN_FILES = 400
"""Fewer files than this are rendered here: starting a child would cost more than it saves."""


@dataclass(frozen=True)
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


def render_all(items: Sequence[Deferred], spool: Spool) -> list[Stored]:
    """Each item rendered into `spool`, in order."""
    if len(items) < MIN_FILES or not _fork_helps():
        return [spool.add(0, item.render()) for item in items]
    theirs_items = items[1::2]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: render its share, say where it is, leave without running any cleanup
        status = 1
        try:
            os.close(read_end)
            stored = [spool.add(1, item.render()) for item in theirs_items]
            with os.fdopen(write_end, "wb") as out:
                pickle.dump(stored, out, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        mine = [spool.add(0, item.render()) for item in items[0::2]]
    except BaseException:
        _stop(pid, read_end)
        raise
    theirs = _receive(pid, read_end, len(theirs_items))
    if theirs is None:
        theirs = [spool.add(0, item.render()) for item in theirs_items]
    ordered: list[Stored] = [*mine, *theirs]
    ordered[0::2] = mine
    ordered[1::2] = theirs
    return ordered


def _fork_helps() -> bool:
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores > 1


def _receive(pid: int, read_end: int, expected: int) -> list[Stored] | None:
    """Where the child put its share, or None when it failed."""
    try:
        with os.fdopen(read_end, "rb") as incoming:
            theirs = pickle.load(incoming)  # from our own child, which holds the same code
    except (EOFError, OSError, pickle.UnpicklingError):
        theirs = None
    _, status = os.waitpid(pid, 0)
    if status != 0 or not isinstance(theirs, list) or len(theirs) != expected:
        return None
    return theirs


def _stop(pid: int, read_end: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(read_end)
