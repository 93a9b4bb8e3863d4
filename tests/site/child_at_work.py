"""For tests of work shared with a forked child (`site_builder.builder.two_processes`), each run in
a process of its own: a handshake that makes both processes do a share whatever the machine's
speed, without waiting on a clock. Imported before the work starts: its pipe must exist before the
fork, so that the child holds it too."""

from __future__ import annotations

import os

from site_builder.builder.two_processes import fork_helps

_HERE = os.getpid()
_STARTED = os.pipe()
_waited: list[bytes] = []


def child_at_work() -> None:
    """Called at each item: the forked child says it has reached one; this process, at its first,
    waits until the child has (when a child can run at all)."""
    if os.getpid() != _HERE:
        os.write(_STARTED[1], b".")
    elif not _waited and fork_helps():
        _waited.append(os.read(_STARTED[0], 1))
