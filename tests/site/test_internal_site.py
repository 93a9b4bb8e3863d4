"""Two sites from one repository: the public one never holds anything internal, whatever the
format, and the internal one holds everything plus the operations view. Built through the real
command line from tests/fixtures/site/internal, after real checker runs against closed ports."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checker.handler import read_bundle
from checker.ids import stable_id
from checker.store import open_store
from site_builder.lambda_entry import SITE_VARIABLE, rebuild_site
from tests.helpers import fixture
from tests.site.sitetest import NOW

STATUSGEN = str(Path(sys.executable).with_name("statusgen"))
PASSWORD_ENV = "EXAMPLE_INTERNAL_PASSWORD"

INTERNAL_COMPONENTS = {"zanzibar-queue": "Zanzibar Queue", "ledgerwick-db": "Ledgerwick Database"}
INTERNAL_INCIDENTS = ["2026-11-21-ledger-replica", "2026-11-23-queue-maintenance"]
INTERNAL_WORDS = [
    *INTERNAL_COMPONENTS,
    *INTERNAL_COMPONENTS.values(),
    *INTERNAL_INCIDENTS,
    "zanzibar",
    "ledgerwick",
    "Vaultroom",
    "Backoffice",
    "Quixotic",
    "billing jobs",  # ids, names, group, description
    "Grimthorpe",
    "Xylocarp",
    "forty minutes",
    "Quillfeather",  # the internal incidents' titles and text
    *(stable_id("component", cid) for cid in INTERNAL_COMPONENTS),  # their Statuspage API ids
    *(stable_id("incident", slug) for slug in INTERNAL_INCIDENTS),
]


def statusgen(root: Path, *args: str, env: dict[str, str] | None = None) -> list[str]:
    result = subprocess.run(
        [STATUSGEN, *args, "--root", str(root)],
        capture_output=True,
        text=True,
        env={**os.environ, PASSWORD_ENV: "a long enough internal password", **(env or {})},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout.splitlines()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The fixture site after two checker runs (every check down: alerts open, budgets burn),
    its bundle stored, then built and published."""
    root = tmp_path_factory.mktemp("internal") / "site"
    shutil.copytree(fixture("site", "internal"), root)
    statusgen(root, "check")
    statusgen(root, "check")
    statusgen(root, "compile", "--to-store")
    return root, statusgen(root, "build")


def leaks(folder: Path) -> dict[str, list[str]]:
    """Site path -> the internal words in it, for every file of `folder`, whatever its type."""
    pattern = re.compile("|".join(re.escape(word) for word in INTERNAL_WORDS).encode(), re.IGNORECASE)
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        hits = sorted({m.group().decode() for m in pattern.finditer(path.read_bytes())})
        if hits:
            found[path.relative_to(folder).as_posix()] = hits
    return found


def test_the_build_publishes_both_sites_in_one_line_each(built: tuple[Path, list[str]]) -> None:
    root, lines = built
    assert lines[1].startswith("published to ") and "public: " in lines[1]
    assert re.fullmatch(
        r"internal site: built \d+ files, published to \S+internal-site: \d+ written, "
        r"0 unchanged, 0 deleted",
        lines[2],
    ), lines
    assert (root / "internal-site" / "operations" / "index.html").is_file()


def test_no_public_file_names_anything_internal(built: tuple[Path, list[str]]) -> None:
    root, _ = built
    public = root / "public"
    suffixes = {p.suffix for p in public.rglob("*") if p.is_file()}
    # Every kind of output is there to be searched: pages, API, feeds, calendar, badges, sitemap, ...
    assert {".html", ".json", ".xml", ".ics", ".svg", ".txt", ".css", ".js", ".rss", ".atom", ""} <= suffixes
    assert leaks(public) == {}


def test_the_public_site_keeps_what_is_public(built: tuple[Path, list[str]]) -> None:
    root, _ = built
    public = root / "public"
    incident = (public / "incidents" / "2026-11-20-api-errors" / "index.html").read_text(encoding="utf-8")
    assert "Elevated API error rates" in incident and "API" in incident
    index = (public / "index.html").read_text(encoding="utf-8")
    assert "Core" in index and "Website" in index
    assert not (public / "components" / "zanzibar-queue").exists()
    assert not (public / "badges" / "ledgerwick-db").exists()
    assert not (public / "operations").exists() and "Operations" not in index


def test_the_internal_site_has_every_component_incident_and_group(built: tuple[Path, list[str]]) -> None:
    root, _ = built
    internal = root / "internal-site"
    for slug in INTERNAL_INCIDENTS:
        assert (internal / "incidents" / slug / "index.html").is_file()
    index = (internal / "index.html").read_text(encoding="utf-8")
    assert "Zanzibar Queue" in index and "Vaultroom Backoffice" in index and "Ledgerwick Database" in index
    assert '<a href="operations/index.html">Operations</a>' in index  # its footer links the view
    feed = (internal / "history.atom").read_text(encoding="utf-8")
    assert "https://status-internal.example.test" in feed  # internal.url


def test_the_operations_view_reads_the_store(built: tuple[Path, list[str]]) -> None:
    root, _ = built
    page = (root / "internal-site" / "operations" / "index.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    # Current state per check, with its last samples.
    assert re.search(r"Zanzibar Queue \(internal\) major_outage connection refused", text), text
    assert text.count("down – in local") >= 6
    # Open alerts of the `backoffice` route, with their escalation level, nobody acknowledging.
    assert re.search(r"Ledgerwick Database backoffice major_outage .*? level 1 of 2 nobody yet", text)
    # Transitions, error budgets and the checker's own health.
    assert re.search(r"API \(first run\) major_outage connection refused", text)
    assert re.search(r"Zanzibar Queue 99\.9% 0\.00% -?\d+\.\d+% [\d.]+× [\d.]+× [\d.]+× fast burn", text), text
    assert "missing: eu-west-1" in text and re.search(r"Its duration \d+\.\d s", text)
    assert '<meta name="robots" content="noindex, nofollow">' in page


def test_the_functions_rebuild_leaves_out_what_ci_stored_as_internal(
    built: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """`rebuild: inline` on AWS has no checkout: the audiences stored beside the bundle decide."""
    root, _ = built
    store = open_store(str(root / "data"))
    assert store.get("audience.json") is not None
    out = tmp_path / "published"
    rebuild_site(read_bundle(store), store, env={SITE_VARIABLE: str(out)}, now=NOW)
    assert (out / "index.html").is_file()
    assert leaks(out) == {}


def test_a_preview_elsewhere_builds_the_public_site_only(built: tuple[Path, list[str]], tmp_path: Path) -> None:
    root, _ = built
    lines = statusgen(root, "build", "--out", str(tmp_path / "preview"))
    assert not any(line.startswith("internal site") for line in lines)
    assert leaks(tmp_path / "preview") == {}


def test_an_open_incident_declaring_the_outage_acknowledges_its_alert(built: tuple[Path, list[str]]) -> None:
    """The alert planner's rule: an open incident declaring the outage's status or worse for the
    component holds escalation back, and the operations view names it."""
    from site_builder.content.site import load_site
    from site_builder.internal.operations import load_operations

    root, _ = built
    site = load_site(root, env={})
    store = open_store(str(root / "data"))
    lagging = next(i for i in site.bundle.incidents if i.slug == "2026-11-21-ledger-replica")
    declared = lagging.model_copy(update={"components": {"ledgerwick-db": "major_outage"}})
    bundle = site.bundle.model_copy(
        update={"incidents": [declared if i is lagging else i for i in site.bundle.incidents]}
    )
    now = lagging.created_at.replace(year=lagging.created_at.year + 1)  # still open: it was never resolved
    alerts = {
        row.component: row for row in load_operations(bundle, site.audience.components, store, None, now=now).alerts
    }
    assert alerts["ledgerwick-db"].acknowledged_by == declared
    assert alerts["ledgerwick-db"].acknowledged_by is not None
    # Degraded is milder than the major outage the checker sees: it acknowledges nothing.
    as_written = load_operations(site.bundle, site.audience.components, store, None, now=now)
    assert [row.acknowledged_by for row in as_written.alerts] == [None, None]
    assert alerts["zanzibar-queue"].acknowledged_by is None and alerts["zanzibar-queue"].levels == 2
