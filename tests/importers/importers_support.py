"""Shared steps of the importer tests: run the command, validate and build the imported site as a user
would."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner, Result

from site_builder.cli import main
from site_builder.content.site import check_site
from site_builder.pipeline import build_and_publish


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` (but the built site) and its bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "public" not in p.relative_to(root).parts
    }


def assert_valid_and_builds(root: Path) -> None:
    site, problems = check_site(root, None)
    assert problems == []
    assert site is not None
    result = build_and_publish(root, out=str(root / "public"), now=datetime(2026, 1, 1, tzinfo=UTC), notify=False)
    assert (root / "public" / "index.html").is_file(), result.describe()
