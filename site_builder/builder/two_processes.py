"""Work on a list shared with a forked child, so that a build uses both cores of a small machine.

A build's long steps are rendering (pure Python) and creating thousands of files and folders
(system calls, each costing the kernel a fraction of a millisecond). Threads would contend for
the interpreter's lock on the first and for its hand-overs between the second's calls, so a second
core is put to work by a child process made by fork: it starts with everything this process holds,
and each of the two takes the next few items whenever it is free, so neither waits while the
other still has a long share; the child sends back only its results. The results do not depend on
who did an item: the same code runs on the same data.

The child is used only when it pays (a long list, a second core) and when fork is safe (no other
thread, which a fork would copy mid-step). Whatever the child did not finish (it failed, or was
killed) this process does itself, so an error is raised here with its own type and trace. When
this process fails, the child is told to stop after its current item and is waited for, so that
it never leaves a half-done item behind; when this process is killed, the kernel kills the child.
Pipes, not multiprocessing queues or locks, and an anonymous shared mapping for the stop flag: AWS
Lambda has no shared memory folder.
"""

from __future__ import annotations

import contextlib
import itertools
import mmap
import os
import pickle
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
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
    joined: Sequence[bool] | None = None,
    here_first: Callable[[], object] | None = None,
) -> list[Result]:
    """`work(item, who)` for each item, results in order, shared with a forked child when there
    are at least `min_items` and a second core; `who` is HERE or CHILD. Each process claims the
    next few items whenever it is free, so both finish together however unequal the items are
    (one site's files differ a hundredfold). An item marked in `joined` is claimed with the one
    before it. The results are pickled back from the child, so they must be small and picklable.

    `here_first` is other work this process does once the child has started, before it claims
    any item (the child claims more meanwhile); it is not called when no child is started."""
    if len(items) < min_items or not fork_helps():
        return [work(item, HERE) for item in items]
    claims = _claims(len(items), joined)
    stop = mmap.mmap(-1, 1)  # shared with the child: 1 asks it to stop after its current item
    # Every claim is in the pipe before the fork, and neither process can write to it: each takes
    # the next claim with one read of its 4 bytes (one reader at a time), and the empty pipe ends.
    claimed, unclaimed = os.pipe()
    os.write(unclaimed, b"".join(number.to_bytes(_CLAIM_BYTES, "little") for number in range(len(claims))))
    os.close(unclaimed)
    pid, read_end = _forked(lambda: _child_share(items, claims, claimed, work, stop))
    results: dict[int, Result] = {}
    try:
        if here_first is not None:
            here_first()
        for number in _claimed(claimed):
            for index in range(*claims[number]):
                results[index] = work(items[index], HERE)
    except BaseException:
        stop[0] = 1
        _receive(pid, read_end)
        raise
    finally:
        os.close(claimed)
    theirs = _receive(pid, read_end)
    results.update(theirs if isinstance(theirs, dict) else {})
    # What the child claimed and did not do (it failed, or was killed) is done here.
    return [results[index] if index in results else work(item, HERE) for index, item in enumerate(items)]


_CLAIM_BYTES = 4
_MAX_CLAIMS = 1024
"""The pipe holds every claim before the fork: 4 kB, which a pipe always takes without blocking."""


def _claims(count: int, joined: Sequence[bool] | None) -> list[tuple[int, int]]:
    """The items as runs to claim, (start, end) each: as many as fit in the pipe, an item never
    split from the one it is joined to, and runs of one item where they are few enough."""
    starts = [index for index in range(count) if joined is None or index == 0 or not joined[index]]
    per_claim = -(-len(starts) // _MAX_CLAIMS)
    bounds = starts[::per_claim]
    return list(itertools.pairwise([*bounds, count]))


def _claimed(claims: int) -> Iterator[int]:
    """The numbers of the claims this process takes, one at a time, until none is left."""
    while taken := os.read(claims, _CLAIM_BYTES):
        yield int.from_bytes(taken, "little")


@contextlib.contextmanager
def meanwhile(work: Callable[[], Result]) -> Iterator[Callable[[], Result | None]]:
    """`work()` started in a forked child, when one can run beside this process, while this
    process goes on inside the block. Yields `result`, which waits for the child and gives what
    `work` returned, or None when no child ran it or it failed (this process then does the work
    itself, and meets any error with its own trace). A child not waited for is stopped when the
    block ends. The result is pickled back, so it must be picklable."""
    if not fork_helps():
        yield lambda: None
        return
    pid, read_end = _forked(work)  # a failed `work` sends nothing: `result` gives None
    received: list[Result | None] = []

    def result() -> Result | None:
        if not received:
            received.append(_receive(pid, read_end))
        return received[0]

    try:
        yield result
    finally:
        if not received:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.close(read_end)
            os.waitpid(pid, 0)


def fork_helps() -> bool:
    """True when a forked child can run beside this process: fork exists, no other thread runs,
    and there is a second core."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores > 1


def _forked(make: Callable[[], object]) -> tuple[int, int]:
    """A forked child that sends back what `make()` returns (nothing, if it raises) and exits,
    running none of this process's cleanup; its pid, and the end of the pipe to read it from."""
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            _die_with(parent)
            with contextlib.suppress(BaseException), os.fdopen(write_end, "wb") as out:
                pickle.dump(make(), out, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            os._exit(0)
    os.close(write_end)
    return pid, read_end


def _child_share(
    items: Sequence[Item],
    claims: list[tuple[int, int]],
    claimed: int,
    work: Callable[[Item, int], Result],
    stop: mmap.mmap,
) -> dict[int, Result]:
    """What the child of `in_two_processes` does: the items it claims until none is left or it
    is told to stop, by index. On an error it sends what it did before it: this process does the
    rest and meets the error itself."""
    done: dict[int, Result] = {}
    with contextlib.suppress(BaseException):
        for number in _claimed(claimed):
            for index in range(*claims[number]):
                if stop[0]:
                    raise InterruptedError
                done[index] = work(items[index], CHILD)
    return done


def _die_with(parent: int) -> None:
    """Have the kernel kill this child when its parent dies. A parent killed outright (SIGKILL, out
    of memory) runs no cleanup, and a child left writing files could overwrite those of the next
    build. Linux only (prctl); elsewhere the child finishes its share and exits."""
    import ctypes  # here: only a child needs it

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _receive(pid: int, read_end: int) -> Any:
    """What the child sent, or None when it died (killed, out of memory) or could not send."""
    try:
        with os.fdopen(read_end, "rb") as incoming, paused_collection():
            sent = pickle.load(incoming)  # from our own child, which holds the same code
    except Exception:
        sent = None
    os.waitpid(pid, 0)
    return sent
