"""Fixtures for the builder's tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The helpers next to this file are imported by name (`sitetest`, `sitechecks`), as tests/helpers.py is.
sys.path.insert(0, str(Path(__file__).parent))

from sitetest import build


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The basic fixture site, built once for the read-only tests."""
    out = tmp_path_factory.mktemp("site")
    build(out)
    return out
