"""Fixtures for the builder's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.site.sitetest import build


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The basic fixture site, built once for the read-only tests."""
    out = tmp_path_factory.mktemp("site")
    build(out)
    return out
