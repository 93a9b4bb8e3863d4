"""Keeping long-lived objects out of Python's garbage collector while a large piece of work runs."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def spared_from_collection() -> Iterator[Callable[[], None]]:
    """Leave the objects alive before the work (the bundle, the summary, the modules) out of
    garbage collection until it ends: they outlive it anyway, and with thousands of components or
    incidents every full collection walking them costs a tenth of a second or more.

    Yields `spare`: called once the work has made objects that outlive the rest of it (a build's
    plan, while its files are rendered and written), it leaves those out too. A forked child
    inherits what is left out, so its collections neither walk nor copy those objects."""
    if gc.get_freeze_count():  # the program arranged frozen objects itself: leave that alone
        yield _leave_alone
        return
    gc.freeze()
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


def _leave_alone() -> None:
    pass


@contextlib.contextmanager
def paused_collection() -> Iterator[None]:
    """No garbage collection during work that makes objects that live on and next to no garbage
    (unpickling results, planning a build: a plan of 10,000 incidents leaves about 300 objects
    of cyclic garbage). Otherwise, as such objects pile up by the hundred thousand, they set off
    full collections of the whole heap, each slower than the last."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
