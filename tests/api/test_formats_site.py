"""The published formats as their readers check them, on a site built by `statusgen build` from
files on disk (tests/fixtures/api/formats-site): positions and status as Statuspage gives them,
maintenance without any update in every output, `promtool check metrics`, and Atom ids that are
valid tag URIs (RFC 4151) although the site's address has a port."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import feedparser
import icalendar
import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from checker.bundle import Bundle
from checker.ids import stable_id
from checker.vocabulary import ComponentStatus
from site_builder.cli import main
from site_builder.outputs import feeds
from site_builder.outputs.api import models
from site_builder.outputs.api import statuspage as api
from site_builder.outputs.view import SiteView, build_view

FIXTURES = Path(__file__).parent.parent / "fixtures" / "api"
REAL = FIXTURES / "statuspage"
SITE = FIXTURES / "formats-site"
NO_UPDATES = {  # maintenance files without a single update, and where the clock puts them
    "2020-03-01-rack-move": ("Rack move", "completed"),
    "2021-01-01-storage-rebuild": ("Storage rebuild", "in_progress"),
    "2099-06-01-network-upgrade": ("Network upgrade", "scheduled"),
}

# RFC 4151, section 2.1, with `pchar` from RFC 3986: the whole grammar of a tag URI.
_ALNUM = "[A-Za-z0-9]"
_DNSCOMP = f"{_ALNUM}(?:[A-Za-z0-9-]*{_ALNUM})?"
_DNSNAME = rf"{_DNSCOMP}(?:\.{_DNSCOMP})*"
_EMAIL = rf"[A-Za-z0-9._-]+@{_DNSNAME}"
_DATE = r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?"
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
TAG_URI = re.compile(rf"tag:(?:{_DNSNAME}|{_EMAIL}),{_DATE}:(?:{_PCHAR}|[/?])*(?:#(?:{_PCHAR}|[/?])*)?")


def build(root: Path) -> Path:
    """`statusgen build` on a copy of the fixture site, as a person runs it; the published folder."""
    result = CliRunner().invoke(main, ["build", "--root", str(root), "--out", str(root / "public"), "--no-notify"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return root / "public"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("formats") / "site"
    shutil.copytree(SITE, root)
    return build(root)


def read_json(site: Path, path: str) -> Any:
    return json.loads((site / path).read_bytes())


# --- positions -----------------------------------------------------------------------------------


def top_level(components: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(c["name"], c["position"]) for c in components if c["group_id"] is None]


@pytest.mark.parametrize("name", ["coinbase-components.json", "instructure-components.json", "github-components.json"])
def test_on_statuspage_groups_and_ungrouped_components_share_one_sequence(name: str) -> None:
    positions = [p for _, p in top_level(json.loads((REAL / name).read_bytes())["components"])]
    assert len(positions) == len(set(positions))


def test_positions_number_groups_and_ungrouped_components_in_one_sequence(site: Path) -> None:
    components = read_json(site, "api/v2/components.json")["components"]
    assert top_level(components) == [("Core", 1), ("CDN", 2), ("Database", 3)]
    core = next(c for c in components if c["name"] == "Core")
    assert [(c["name"], c["position"]) for c in components if c["group_id"] == core["id"]] == [
        ("API", 1),
        ("Website", 2),
    ]
    assert read_json(site, "api/v2/summary.json")["components"] == components


def test_positions_of_the_api_fixture_site(view: SiteView) -> None:
    components = json.loads(api.render(view)["api/v2/components.json"])["components"]
    assert top_level(components) == [("Core", 1), ("Database", 2), ("Payments", 3), ("Documentation", 4)]


# --- status ----------------------------------------------------------------------------------------


def test_the_status_rule_gives_a_real_statuspage_summary_its_own_status() -> None:
    """Instructure's page: a minor incident, components degraded or operational."""
    real = json.loads((REAL / "instructure-summary.json").read_bytes())
    status = models.Status.of_page(
        [c["status"] for c in real["components"] if not c["group"]], [i["impact"] for i in real["incidents"]], False
    )
    assert status.model_dump() == real["status"] == {"indicator": "minor", "description": "Partially Degraded Service"}


def test_a_minor_incident_on_a_degraded_component_reads_partially_degraded_service(site: Path) -> None:
    assert read_json(site, "api/v2/status.json")["status"] == {
        "indicator": "minor",
        "description": "Partially Degraded Service",
    }
    assert read_json(site, "api/v2/summary.json")["status"] == read_json(site, "api/v2/status.json")["status"]


UP, SLOW, PART, DOWN = "operational", "degraded_performance", "partial_outage", "major_outage"
MAINT = "under_maintenance"


@pytest.mark.parametrize(
    "components,impacts,maintenance,expected",
    [
        ([UP, UP, UP], [], False, ("none", "All Systems Operational")),
        ([], [], False, ("none", "All Systems Operational")),
        ([UP, SLOW, UP], ["minor"], False, ("minor", "Partially Degraded Service")),
        ([SLOW, SLOW], [], False, ("minor", "Degraded System Service")),
        ([SLOW], [], False, ("minor", "Partially Degraded Service")),
        ([UP, PART, SLOW], [], False, ("minor", "Minor Service Outage")),
        ([PART, PART], [], False, ("major", "Partial System Outage")),
        ([PART], [], False, ("major", "Partial System Outage")),
        ([UP, DOWN, SLOW], ["critical"], False, ("major", "Partial System Outage")),
        ([DOWN, DOWN], [], False, ("critical", "Major System Outage")),
        ([DOWN], [], False, ("critical", "Major System Outage")),
        ([UP, UP], ["minor"], False, ("minor", "Minor Service Outage")),
        ([UP, UP], ["minor", "major"], False, ("major", "Partial System Outage")),
        ([UP, UP], ["critical"], False, ("critical", "Major System Outage")),
        ([UP, UP], ["none"], False, ("none", "All Systems Operational")),
        ([UP, MAINT], [], True, ("maintenance", "Service Under Maintenance")),
        ([UP, UP], [], True, ("maintenance", "Service Under Maintenance")),
        ([SLOW, MAINT], [], True, ("minor", "Partially Degraded Service")),
        ([UP, MAINT], ["major"], True, ("major", "Partial System Outage")),
    ],
)
def test_status_follows_statuspages_rule(
    components: list[ComponentStatus], impacts: list[str], maintenance: bool, expected: tuple[str, str]
) -> None:
    status = models.Status.of_page(components, impacts, maintenance)
    assert (status.indicator, status.description) == expected


# --- maintenance without updates -------------------------------------------------------------------


def test_maintenance_without_updates_is_in_the_api_with_its_status_by_the_clock(site: Path) -> None:
    for slug, (title, status) in NO_UPDATES.items():
        item = read_json(site, f"api/v2/incidents/{stable_id('incident', slug)}.json")["incident"]
        assert (item["name"], item["status"], item["incident_updates"]) == (title, status, [])
    names = {
        key: [(m["name"], m["status"]) for m in read_json(site, path)["scheduled_maintenances"]]
        for key, path in (
            ("upcoming", "api/v2/scheduled-maintenances/upcoming.json"),
            ("active", "api/v2/scheduled-maintenances/active.json"),
        )
    }
    assert names == {"upcoming": [("Network upgrade", "scheduled")], "active": [("Storage rebuild", "in_progress")]}
    components = {c["name"]: c["status"] for c in read_json(site, "api/v2/components.json")["components"]}
    assert components["Database"] == "under_maintenance" and components["CDN"] == "operational"
    rack = read_json(site, f"api/v2/incidents/{stable_id('incident', '2020-03-01-rack-move')}.json")["incident"]
    assert rack["resolved_at"] == rack["scheduled_until"] == "2020-03-02T02:00:00.000+01:00"


def test_maintenance_without_updates_is_in_the_feeds_the_calendar_and_the_pages(site: Path) -> None:
    titles = [title for title, _ in NO_UPDATES.values()]
    for path in ("history.rss", "history.atom", "components/db/feed.atom"):
        feed = feedparser.parse((site / path).read_bytes())
        assert feed.bozo == 0, feed.get("bozo_exception")
        listed = [e.title for e in feed.entries]
        assert set(titles[:2]) <= set(listed), path
    events = {
        str(e["summary"]): e
        for e in icalendar.Calendar.from_ical((site / "maintenance.ics").read_bytes()).walk("VEVENT")
    }
    for title, status in NO_UPDATES.values():
        assert f"Status: {status.replace('_', ' ')}" in str(events[title]["description"])
    # No update, but the window opened and closed: two changes a calendar must pick up.
    assert events["Rack move"]["sequence"] == 2 and events["Network upgrade"]["sequence"] == 0
    for slug, (title, _) in NO_UPDATES.items():
        assert title in (site / "incidents" / slug / "index.html").read_text()
    assert "Storage rebuild" in (site / "index.html").read_text()


def test_a_feed_is_not_dated_in_the_future_by_maintenance_announced_without_an_update(site: Path) -> None:
    feed = feedparser.parse((site / "history.atom").read_bytes())
    assert feed.feed.updated_parsed[:3] < (2099, 1, 1)


# --- metrics ---------------------------------------------------------------------------------------


def test_metrics_pass_promtool_check_metrics(site: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian: apt-get install prometheus; .ci/run installs it)")
    text = (site / "metrics").read_text()
    assert "statusgen_response_time_seconds{" in text  # the family promtool used to reject
    result = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_metrics_read_back_with_the_prometheus_parser(site: Path) -> None:
    families = {f.name: f for f in text_string_to_metric_families((site / "metrics").read_text())}
    latency = families["statusgen_response_time_seconds"]
    assert latency.type == "gauge"
    assert {s.labels["percentile"] for s in latency.samples} == {"50", "95", "99"}
    assert not any("quantile" in s.labels for f in families.values() for s in f.samples)
    indicator = [s.labels["indicator"] for s in families["statusgen_page_indicator"].samples if s.value == 1]
    assert indicator == [read_json(site, "api/v2/status.json")["status"]["indicator"]]


# --- Atom ids --------------------------------------------------------------------------------------


def atom_ids(content: bytes) -> list[str]:
    feed = feedparser.parse(content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return [feed.feed.id, *(e.id for e in feed.entries)]


def test_atom_ids_are_tag_uris_without_the_port_of_the_site_address(site: Path) -> None:
    for path in ("history.atom", "components/api/feed.atom", "components/db/feed.atom"):
        ids = atom_ids((site / path).read_bytes())
        assert len(ids) == len(set(ids))
        for value in ids:
            assert TAG_URI.fullmatch(value), value
            assert value.startswith("tag:127.0.0.1,2005:")
    entry = f"tag:127.0.0.1,2005:Incident/{stable_id('incident', '2026-11-20-slow-api')}"
    assert entry in atom_ids((site / "history.atom").read_bytes())


def test_atom_ids_are_the_same_on_the_next_build(site: Path, tmp_path: Path) -> None:
    shutil.copytree(SITE, tmp_path / "site")
    again = build(tmp_path / "site")
    for path in ("history.atom", "components/api/feed.atom"):
        assert atom_ids((again / path).read_bytes()) == atom_ids((site / path).read_bytes())


@pytest.mark.parametrize(
    "url,authority",
    [
        ("http://127.0.0.1:8000", "127.0.0.1"),
        ("https://Status.Example.COM:8443/status", "status.example.com"),
        ("http://[::1]:8000", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa"),
        ("https://bücher.example", "xn--bcher-kva.example"),
        ("http://status_page:8080", "status-page"),
        ("https://status.example.com", "status.example.com"),
    ],
)
def test_atom_ids_are_valid_for_any_site_address(bundle: Bundle, view: SiteView, url: str, authority: str) -> None:
    site = bundle.model_copy(update={"site": bundle.site.model_copy(update={"url": url})})
    files = feeds.render(build_view(site, view.summary, view.now))
    for path in ("history.atom", "components/web/feed.atom"):
        for value in atom_ids(files[path]):
            assert TAG_URI.fullmatch(value), value
            assert value.startswith(f"tag:{authority},2005:")
