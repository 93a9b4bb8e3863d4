"""Work on a list shared with a forked child, so that a build uses both cores of a small machine.

A build's long steps are rendering (pure Python) and creating thousands of files and folders
(system calls, each costing the kernel a fraction of a millisecond). Threads would contend for
the interpreter's lock on the first and for its hand-overs between the second's calls, so a second
core is put to work by a child process made by fork: it starts with everything this process holds,
does every other item and sends back only its results. The results do not depend on who did an
item: the same code runs on the same data.

The child is used only when it pays (a long list, a second core) and when fork is safe (no other
thread, which a fork would copy mid-step). Whatever the child did not finish (it failed, or was
killed) this process does itself, so an error is raised here with its own type and trace. When
this process fails, the child is told to stop after its current item and is waited for, so that
it never leaves a half-done item behind; when this process is killed, the kernel kills the child.
A pipe, not a multiprocessing queue, and an anonymous shared mapping for the stop flag: AWS Lambda
has no shared memory folder.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import pickle
import signal
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from checker.collector import paused_collection

Item = TypeVar("Item")
Result = TypeVar("Result")

PR_SET_PDEATHSIG = 1
"""prctl's option for the signal a process gets when its parent dies (linux/prctl.h)."""

HERE, CHILD = 0, 1
"""Who does an item, as `work` is told: this process or the forked child."""


def in_two_processes(
    items: Sequence[Item],
    work: Callable[[Item, int], Result],
    *,
    min_items: int,
    child_does: Sequence[bool] | None = None,
) -> list[Result]:
    """`work(item, who)` for each item, in order, with the items marked in `child_does` (every
    other one by default) done in a forked child when there are at least `min_items` and a second
    core; `who` is HERE or CHILD. The results are pickled back from the child, so they must be
    small and picklable."""
    if len(items) < min_items or not fork_helps():
        return [work(item, HERE) for item in items]
    if child_does is None:
        child_does = [number % 2 == 1 for number in range(len(items))]
    mine_items = [item for item, theirs in zip(items, child_does, strict=True) if not theirs]
    theirs_items = [item for item, theirs in zip(items, child_does, strict=True) if theirs]
    stop = mmap.mmap(-1, 1)  # shared with the child: 1 asks it to stop after its current item
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: do its share until told to stop, send what it did, run no cleanup
        os.close(read_end)
        _child(theirs_items, work, stop, write_end, parent)
    os.close(write_end)
    try:
        mine = [work(item, HERE) for item in mine_items]
    except BaseException:
        stop[0] = 1
        _receive(pid, read_end)
        raise
    theirs = _receive(pid, read_end)
    theirs += [work(item, HERE) for item in theirs_items[len(theirs) :]]
    mine_results, theirs_results = iter(mine), iter(theirs)
    return [next(theirs_results) if child else next(mine_results) for child in child_does]


def fork_helps() -> bool:
    """True when a forked child can run beside this process: fork exists, no other thread runs,
    and there is a second core."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores > 1


def _child(
    items: Sequence[Item], work: Callable[[Item, int], Result], stop: mmap.mmap, write_end: int, parent: int
) -> None:
    done: list[Result] = []
    try:
        _die_with(parent)
        # On an error, the child sends what it did before it: this process does the rest and
        # meets the error itself.
        with contextlib.suppress(BaseException):
            for item in items:
                if stop[0]:
                    break
                done.append(work(item, CHILD))
        with os.fdopen(write_end, "wb") as out:
            pickle.dump(done, out, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        os._exit(0)


def _die_with(parent: int) -> None:
    """Have the kernel kill this child when its parent dies. A parent killed outright (SIGKILL, out
    of memory) runs no cleanup, and a child left writing files could overwrite those of the next
    build. Linux only (prctl); elsewhere the child finishes its share and exits."""
    import ctypes  # here: only a child needs it

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _receive(pid: int, read_end: int) -> list[Any]:
    """What the child did, in order (all of its share, or the items before it stopped)."""
    try:
        with os.fdopen(read_end, "rb") as incoming, paused_collection():
            done = pickle.load(incoming)  # from our own child, which holds the same code
    except Exception:  # it died (killed, out of memory) or could not send: this process does it all
        done = []
    os.waitpid(pid, 0)
    return done if isinstance(done, list) else []
