"""The operations view before the checker's first run and with a damaged store file: it still
builds, says what it lacks, and escapes whatever text the store holds."""

from __future__ import annotations

import re
from pathlib import Path

from checker.store import open_store
from site_builder.content.site import load_site
from site_builder.internal.operations import load_operations
from site_builder.internal.operations_page import render
from tests.helpers import fixture
from tests.site.sitetest import NOW


def page_text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


def test_before_the_first_run_every_section_says_it_is_empty(tmp_path: Path) -> None:
    site = load_site(fixture("site", "internal"), env={})
    operations = load_operations(site.bundle, site.audience.components, open_store(str(tmp_path)), None, now=NOW)
    text = page_text(render(operations, {}, "Example Co", "Etc/UTC", "assets/style.css"))
    for said in (
        "Last run none yet",
        "late: no run for more than two intervals",
        "Summary written never",
        "missing: local, eu-west-1",
        "No check has run yet.",
        "No open alerts.",
        "No transitions in the checker's recent runs.",
        "No component has an objective",
    ):
        assert said in text, said


def test_a_damaged_state_is_named_and_the_rest_still_shown(tmp_path: Path) -> None:
    site = load_site(fixture("site", "internal"), env={})
    (tmp_path / "state.json").write_text('{"format": 2, "components": "<script>"}', encoding="utf-8")
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "state.json").write_text("not json", encoding="utf-8")
    operations = load_operations(site.bundle, site.audience.components, open_store(str(tmp_path)), None, now=NOW)
    assert operations.unreadable == ["state.json", "alerts/state.json"]
    html = render(operations, {}, "<Example & Co>", "Etc/UTC", "assets/style.css")
    assert b"state.json could not be read" in html and b"alerts/state.json could not be read" in html
    assert b"<Example & Co>" not in html and b"&lt;Example &amp; Co&gt;" in html


def test_a_sharded_store_shows_every_shards_checks(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    root = tmp_path / "site"
    shutil.copytree(fixture("site", "internal"), root)
    config = root / "statuspage.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("  failure_threshold: 1\n", "  failure_threshold: 1\n  shards: 2\n")
    )
    subprocess.run(
        [str(Path(sys.executable).with_name("statusgen")), "check", "--root", str(root)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    site = load_site(root, env={})
    operations = load_operations(site.bundle, site.audience.components, open_store(str(root / "data")), None, now=NOW)
    assert [row.component for row in operations.checks] == ["api", "zanzibar-queue", "ledgerwick-db"]
    assert operations.health.last_run_seconds is not None and operations.unreadable == []
