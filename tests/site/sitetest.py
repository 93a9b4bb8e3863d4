"""The builder tests' fixture sites (tests/fixtures/site/), loaded and built by one helper."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from checker.bundle import Bundle
from checker.summary import Summary
from site_builder.builder.site import BuildReport, build_site
from site_builder.content.site import load_site

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "site"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
"""The fixture site's incidents and summary are written for this moment."""


def fixture_site(name: str) -> Path:
    return FIXTURES / name


def load_bundle(name: str = "basic") -> Bundle:
    return load_site(fixture_site(name), env={}).bundle


def load_summary(name: str = "basic") -> Summary:
    return Summary.model_validate_json((fixture_site(name) / "summary.json").read_text())


def build(
    out: Path,
    name: str = "basic",
    *,
    bundle: Bundle | None = None,
    summary: Summary | None = None,
    with_summary: bool = True,
    cache: Path | None = None,
    now: datetime = NOW,
) -> BuildReport:
    """Build the fixture site `name` (or `bundle` themed by it) into `out`."""
    if with_summary and summary is None:
        summary = load_summary(name)
    return build_site(bundle or load_bundle(name), summary, out, now=now, theme=fixture_site(name), cache=cache)
