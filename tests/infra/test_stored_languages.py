"""The checker's function rebuilds the page in every language CI builds: `statusgen compile
--to-store` stores the site's languages and translated incident files beside the bundle, and
the function's inline rebuild reads them (a folder store and a folder target stand in for S3)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from checker.handler import read_bundle
from checker.store import LocalStore
from site_builder.cli import main
from site_builder.content.languages_store import LANGUAGES_KEY, fetch_languages, store_languages
from site_builder.i18n.site_languages import SiteLanguages
from site_builder.lambda_entry import SITE_VARIABLE, rebuild_site
from tests.site.sitetest import fixture_site

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_an_inline_rebuild_publishes_every_language_with_its_translations(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(fixture_site("languages"), root)
    result = CliRunner().invoke(main, ["compile", "--root", str(root), "--to-store"])
    assert result.exit_code == 0, result.output
    store = LocalStore(root / "data")
    public = tmp_path / "public"

    rebuild_site(read_bundle(store), store, env={SITE_VARIABLE: str(public)}, now=NOW)

    for code in ("de", "fr", "es", "ja"):
        assert f'<html lang="{code}">' in (public / code / "index.html").read_text(encoding="utf-8")
    german = (public / "de" / "incidents" / "2026-11-20-api-errors" / "index.html").read_text(encoding="utf-8")
    assert "Erhöhte Fehlerraten der API" in german


def test_without_stored_languages_the_main_language_is_built(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "data")
    assert fetch_languages(store) is None
    store.put(LANGUAGES_KEY, b"{not json")
    assert fetch_languages(store) is None
    store_languages(SiteLanguages(main="de", extra=("en",)), store)
    assert fetch_languages(store) == SiteLanguages(main="de", extra=("en",))
