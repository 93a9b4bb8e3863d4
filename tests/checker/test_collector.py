"""What a build asks of Python's garbage collector is given back as it was: objects left out of
collection only while the work runs, collection paused only while it is paused."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable

from checker.collector import paused_collection, spared_from_collection


class Cycle:
    def __init__(self) -> None:
        self.me = self


def made_then_spared(spare: Callable[[], None]) -> weakref.ref[Cycle]:
    """A weak reference to a cycle made by the work, dropped after `spare()` and then collected
    (as far as the collector may)."""
    made = Cycle()
    alive = weakref.ref(made)
    spare()
    del made
    gc.collect()
    return alive


def test_what_the_work_spares_is_collected_again_once_it_ends() -> None:
    with spared_from_collection() as spare:
        alive = made_then_spared(spare)
        assert alive() is not None  # a spared cycle is not collected while the work runs
    gc.collect()
    assert alive() is None  # and is once it has ended
    assert gc.get_freeze_count() == 0


def test_a_program_that_froze_objects_itself_keeps_them_frozen() -> None:
    # Followed by weak references, not by the freeze count: a frozen object that another thread
    # lets go of leaves the frozen generation at any moment.
    kept = Cycle()
    program_froze = weakref.ref(kept)
    gc.freeze()
    try:
        del kept
        with spared_from_collection() as spare:
            assert made_then_spared(spare)() is None  # the work left nothing more out of collection
        gc.collect()
        assert program_froze() is not None  # nor did it let go of what the program froze
    finally:
        gc.unfreeze()
    gc.collect()
    assert program_froze() is None


def test_collection_resumes_as_it_was_after_a_pause() -> None:
    assert gc.isenabled()
    with paused_collection():
        assert not gc.isenabled()
        with paused_collection():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause does not end the outer one
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_collection():
            pass
        assert not gc.isenabled()  # a program that turned collection off keeps it off
    finally:
        gc.enable()
