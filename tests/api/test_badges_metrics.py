"""Badges (SVG and shields.io endpoint JSON) and the Prometheus `metrics` file."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from prometheus_client.parser import text_string_to_metric_families

from site_builder.outputs import badges, metrics
from site_builder.outputs.api.models import ShieldsEndpoint
from site_builder.outputs.view import SiteView

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def files(view: SiteView) -> dict[str, bytes]:
    return badges.render(view)


def shield(files: dict[str, bytes], path: str) -> ShieldsEndpoint:
    return ShieldsEndpoint.model_validate_json(files[path])


def test_every_component_has_three_badges_in_both_forms(files: dict[str, bytes], view: SiteView) -> None:
    expected = {
        f"badges/{c.id}/{name}.{ext}" for c in view.components for name in badges.BADGES for ext in ("svg", "json")
    }
    assert set(files) == expected


def test_badges_say_status_uptime_and_response_time(files: dict[str, bytes]) -> None:
    assert shield(files, "badges/db/status.json") == ShieldsEndpoint(
        schemaVersion=1, label="Database", message="major outage", color=badges.BADGE_COLOURS["major_outage"]
    )
    assert shield(files, "badges/web/status.json").message == "under maintenance"
    # 99.945063%, to two decimals (never rounded up to 100.00%: tests/site/test_format.py).
    assert shield(files, "badges/api/uptime-30d.json").message == "99.95%"
    # The median of the last 24 hours.
    assert shield(files, "badges/api/response-time.json").message == "84 ms"
    assert shield(files, "badges/db/response-time.json").message == "1.21 s"


def test_svg_badges_are_well_formed_and_readable_by_screen_readers(files: dict[str, bytes]) -> None:
    root = ElementTree.fromstring(files["badges/db/status.svg"])
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Database: major outage"
    assert root.findtext(f"{SVG}title") == "Database: major outage"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["Database", "major outage"]
    assert int(root.get("width", "0")) > badges.text_width("Databasemajor outage")
    assert b"http" not in files["badges/db/status.svg"].replace(b"http://www.w3.org/2000/svg", b"")


@pytest.mark.parametrize("name", ['Edge "CDN"', "Bob's <API> & co", "a\"b'c"])
def test_a_name_with_quotes_and_markup_reads_as_written(name: str) -> None:
    root = ElementTree.fromstring(badges.svg(badges.Badge(name, "operational", "#2e7d32")))
    assert root.get("aria-label") == f"{name}: operational"
    assert root.findtext(f"{SVG}title") == f"{name}: operational"
    assert [t.text for t in root.iter(f"{SVG}text")] == [name, "operational"]


def test_without_measurements_badges_say_no_data(empty_view: SiteView) -> None:
    files = badges.render(empty_view)
    assert shield(files, "badges/api/status.json").message == "no data"
    assert shield(files, "badges/api/uptime-30d.json").message == "no data"
    assert shield(files, "badges/api/response-time.json").message == "no data"
    assert shield(files, "badges/docs/status.json").message == "operational"  # no check: incidents decide


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(name, labels) -> value, as a Prometheus server would read the file."""
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            assert sample.timestamp is None
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_metrics_parse_with_the_prometheus_parser(view: SiteView) -> None:
    text = metrics.render(view)["metrics"].decode()
    values = samples(text)
    assert values[("probe_success", (("component", "db"),))] == 0
    assert values[("probe_success", (("component", "api"),))] == 1
    assert values[("probe_duration_seconds", (("component", "api"),))] == pytest.approx(0.1821)
    # The database's latest check was a refused connection: no response, so no response time.
    assert ("probe_duration_seconds", (("component", "db"),)) not in values
    assert values[("statusgen_uptime_ratio", (("component", "api"), ("window", "30d")))] == 0.99945063
    assert values[
        ("statusgen_response_time_seconds", (("component", "web"), ("percentile", "95"), ("window", "24h")))
    ] == pytest.approx(0.91009)
    assert values[("statusgen_component_status", (("component", "web"), ("status", "under_maintenance")))] == 1
    assert values[("statusgen_component_status", (("component", "web"), ("status", "operational")))] == 0
    # One component of five in a major outage: a partial system outage, as in status.json.
    assert values[("statusgen_page_indicator", (("indicator", "major"),))] == 1
    assert values[("statusgen_active_incidents", ())] == 1
    # Components without a check are not probes.
    assert ("probe_success", (("component", "docs"),)) not in values


def test_metrics_before_the_first_run_still_parse_and_flag_no_data(empty_view: SiteView) -> None:
    values = samples(metrics.render(empty_view)["metrics"].decode())
    assert not any(name == "probe_success" for name, _ in values)
    assert values[("statusgen_component_no_data", (("component", "api"),))] == 1
