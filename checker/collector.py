"""Keeping long-lived objects out of Python's garbage collector while a large piece of work runs."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def spared_from_collection() -> Iterator[None]:
    """Leave the objects alive before the work (the bundle, the summary, the modules) out of
    garbage collection until it ends: they outlive it anyway, and with thousands of components or
    incidents every full collection walking them costs a tenth of a second or more."""
    if gc.get_freeze_count():  # the program arranged frozen objects itself: leave that alone
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
