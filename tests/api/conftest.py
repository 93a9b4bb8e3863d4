"""Fixtures of the API, feed, badge, metrics and publish tests: one small site, its summary, a clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from checker.bundle import Bundle
from checker.summary import Summary
from site_builder.content.site import compile_bundle
from site_builder.outputs.view import SiteView, build_view

FIXTURES = Path(__file__).parent.parent / "fixtures" / "api"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
"""During the database incident and the website maintenance of the fixture site."""


@pytest.fixture(scope="session")
def now() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def bundle() -> Bundle:
    return compile_bundle(FIXTURES / "site")


@pytest.fixture(scope="session")
def summary() -> Summary:
    return Summary.model_validate_json((FIXTURES / "summary.json").read_bytes())


@pytest.fixture(scope="session")
def view(bundle: Bundle, summary: Summary) -> SiteView:
    return build_view(bundle, summary, NOW)


@pytest.fixture(scope="session")
def empty_view(bundle: Bundle) -> SiteView:
    """The same site before the checker's first run."""
    return build_view(bundle, None, NOW)
