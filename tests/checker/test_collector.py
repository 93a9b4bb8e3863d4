"""What a build asks of Python's garbage collector is given back as it was: objects left out of
collection only while the work runs, collection paused only while it is paused."""

from __future__ import annotations

import gc

from checker.collector import paused_collection, spared_from_collection


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_what_the_work_spares_is_collected_again_once_it_ends() -> None:
    gc.collect()
    with spared_from_collection() as spare:
        before = gc.get_freeze_count()
        assert before > 0
        made = [Cycle() for _ in range(100)]
        spare()
        assert gc.get_freeze_count() >= before + 100
        del made
        assert gc.collect() == 0  # spared cycles are not collected while the work runs
    assert gc.get_freeze_count() == 0
    assert gc.collect() >= 100  # and are once it has ended


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
