"""The site's theme files travel through the store, so a page rebuilt in Lambda looks like CI's."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from checker.bundle import BUNDLE_KEY, SiteSettings
from checker.store import LocalStore
from site_builder.content.theme_store import fetch_theme, store_theme
from site_builder.lambda_entry import check_and_rebuild

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "infra"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def site_root(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "templates").mkdir(parents=True)
    (root / "templates" / "robots.txt").write_text("User-agent: *\nDisallow: /private-marker/\n")
    (root / "brand.css").write_text(".brand-marker { color: #123456; }\n")
    (root / "logo.png").write_bytes(PNG)
    return root


def test_theme_files_round_trip_and_removed_files_leave_the_store(tmp_path: Path) -> None:
    root = site_root(tmp_path)
    store = LocalStore(tmp_path / "data")
    settings = SiteSettings(name="Example", custom_css="brand.css", logo="logo.png")

    assert store_theme(root, settings, store) == ["brand.css", "logo.png", "templates/robots.txt"]
    fetched = fetch_theme(store, tmp_path / "fetched")
    assert fetched is not None
    assert (fetched / "logo.png").read_bytes() == PNG
    assert (fetched / "templates" / "robots.txt").read_text().endswith("/private-marker/\n")

    (root / "logo.png").unlink()
    store_theme(root, SiteSettings(name="Example", custom_css="brand.css"), store)
    assert sorted(store.list("theme/")) == ["theme/brand.css", "theme/templates/robots.txt"]
    fetched = fetch_theme(store, tmp_path / "fetched")
    assert fetched is not None and not (fetched / "logo.png").exists()


def test_without_stored_theme_files_the_built_in_theme_is_used(tmp_path: Path) -> None:
    assert fetch_theme(LocalStore(tmp_path / "data"), tmp_path / "fetched") is None


def test_a_page_rebuilt_in_the_function_carries_the_sites_css_logo_and_templates(
    tmp_path: Path,
) -> None:
    root = site_root(tmp_path)
    bundle = json.loads((FIXTURES / "lambda-bundle.json").read_text())
    bundle["components"] = [{"id": "support", "name": "Support desk"}]
    bundle["site"].update(custom_css="brand.css", logo="logo.png")
    store = LocalStore(tmp_path / "data")
    store.put_json(BUNDLE_KEY, bundle)
    store_theme(root, SiteSettings.model_validate(bundle["site"]), store)
    public = tmp_path / "public"

    result = check_and_rebuild(
        {"id": "run-1"},
        None,
        store=store,
        now=datetime(2026, 11, 22, 15, 0, tzinfo=UTC),
        env={"STATUSGEN_SITE": str(public), "STATUSGEN_REBUILD_ON": "every-run"},
        log=lambda line: None,
    )

    assert result["rebuild"].startswith("built ")
    stylesheets = "".join(p.read_text() for p in (public / "assets").glob("*.css"))
    assert ".brand-marker" in stylesheets
    assert any(p.read_bytes() == PNG for p in (public / "assets").glob("logo.*.png"))
    assert "/private-marker/" in (public / "robots.txt").read_text()
