"""Fixtures of the checker tests; helpers live in checker_support (put on the path here)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from checker_support import LoopbackServer, answer

from checker.store import LocalStore


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    running = LoopbackServer({"/ok": answer(200)})
    yield running
    running.close()


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "data")


