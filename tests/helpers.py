"""Shared test helpers: fixtures are data files under tests/fixtures/, loaded through here."""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
REPO_ROOT = Path(__file__).parent.parent


def fixture(*parts: str) -> Path:
    return FIXTURES.joinpath(*parts)


def copy_site(source: Path, destination: Path) -> Path:
    """A writable copy of the site at `source` in `destination`."""
    shutil.copytree(source, destination, dirs_exist_ok=True)
    return destination
