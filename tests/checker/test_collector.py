"""What a build asks of Python's garbage collector is given back as it was: objects left out of
collection only while the work runs, collection paused only while it is paused."""

from __future__ import annotations

import gc
import weakref

from checker.collector import paused_collection, spared_from_collection


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_what_the_work_spares_is_collected_again_once_it_ends() -> None:
    with spared_from_collection() as spare:
        made = Cycle()
        alive = weakref.ref(made)
        spare()
        del made
        gc.collect()
        assert alive() is not None  # a spared cycle is not collected while the work runs
    gc.collect()
    assert alive() is None  # and is once it has ended
    assert gc.get_freeze_count() == 0


def test_a_program_that_froze_objects_itself_keeps_them_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with spared_from_collection() as spare:
            Cycle()
            spare()
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


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
