"""Monthly service reports: measured by the real checker over a month's end (a TCP listener that
goes away for three hours, an incident file), built, and recomputed from `runs/`."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from checker.derived.rebuild import rebuild
from checker.run import run_checks
from checker.summary import load_summary
from checker.uptime import format_uptime
from site_builder.cli import main
from site_builder.content.site import load_site
from site_builder.pipeline import build_site_and_publish, site_store

START = datetime(2026, 10, 30, tzinfo=UTC)
BUILT = datetime(2026, 11, 2, 0, 30, tzinfo=UTC)
GONE = (datetime(2026, 10, 31, 10, tzinfo=UTC), datetime(2026, 10, 31, 13, tzinfo=UTC))


def write_site(root: Path, port: int) -> None:
    (root / "incidents").mkdir(parents=True)
    (root / "statuspage.yaml").write_text(
        "site: {name: Example, url: 'https://status.example.com'}\n"
        "checker: {interval: 3600}\n"
        "components:\n"
        f"  - {{id: api, name: API, check: {{type: tcp, host: 127.0.0.1, port: {port}, timeout: 1}},"
        " slo: {target: 99.5}}\n"
        "  - {id: docs, name: Docs}\n"
    )
    (root / "incidents" / "2026-10-31-api-down.md").write_text(
        "---\ntitle: API unreachable\ncomponents: {api: major_outage}\n---\n\n"
        "## 2026-10-31 13:00 UTC resolved\nBack.\n\n"
        "## 2026-10-31 11:00 UTC investigating\nWe are looking into it.\n"
    )


def measure(root: Path) -> None:
    """Hourly checker runs from 30 October to 2 November; the listener is away for three hours."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.listen()
    write_site(root, port)
    site = load_site(root)
    store = site_store(site)
    at = START
    try:
        while at < BUILT:
            away = GONE[0] <= at < GONE[1]
            if away and listener.fileno() != -1:
                listener.close()
            if not away and listener.fileno() == -1:
                listener = socket.socket()
                listener.bind(("127.0.0.1", port))
                listener.listen()
            run_checks(site.bundle, store, now=at)
            at += timedelta(hours=1)
    finally:
        listener.close()


def build(root: Path, out: Path) -> None:
    site = load_site(root)
    build_site_and_publish(site, load_summary(site_store(site)), out=str(out), now=BUILT, notify=False)


def test_a_months_report_holds_the_pages_figures_and_survives_a_rebuild(tmp_path: Path) -> None:
    root = tmp_path / "site"
    measure(root)
    build(root, tmp_path / "public")
    summary = load_summary(site_store(load_site(root)))
    assert summary is not None
    october = summary.components[0].monthly["2026-10"]

    report = json.loads((tmp_path / "public" / "reports" / "2026-10" / "report.json").read_text())
    api, docs = report["components"]
    assert (api["id"], api["uptime"], api["uptime_ratio"]) == ("api", format_uptime(october.uptime), october.uptime)
    assert (api["observed_seconds"], api["downtime_seconds"]) == (october.observed_seconds, october.downtime_seconds)
    assert api["downtime_seconds"] >= 2 * 3600  # the incident's two hours count, whatever the probes saw
    assert [(i["slug"], i["status"], i["seconds_in_month"]) for i in api["incidents"]] == [
        ("2026-10-31-api-down", "major_outage", 7200.0)
    ]
    budget = api["error_budget"]
    assert budget["allowed_downtime_seconds"] == round(0.005 * october.observed_seconds, 3)
    assert budget["met"] is (api["downtime_seconds"] <= budget["allowed_downtime_seconds"])
    assert (docs["measured"], docs["uptime"]) == (False, None)
    # November is not over: no report yet. The page and the CSV carry the same figures.
    assert not (tmp_path / "public" / "reports" / "2026-11").exists()
    page = (tmp_path / "public" / "reports" / "2026-10" / "index.html").read_text()
    assert f"<td>{api['uptime']}</td>" in page and "API unreachable" in page
    csv_rows = (tmp_path / "public" / "reports" / "2026-10" / "report.csv").read_text().splitlines()
    assert csv_rows[1].startswith(f"2026-10,api,API,{api['uptime']},")
    assert "reports/2026-10/index.html" in (tmp_path / "public" / "reports" / "index.html").read_text()

    # Recomputed from the raw runs: the same report, byte for byte.
    site = load_site(root)
    rebuild(site.bundle, site_store(site), now=summary.generated_at)
    build(root, tmp_path / "rebuilt")
    assert (tmp_path / "rebuilt" / "reports" / "2026-10" / "report.json").read_bytes() == (
        tmp_path / "public" / "reports" / "2026-10" / "report.json"
    ).read_bytes()

    # And `statusgen report` prints the same.
    result = CliRunner().invoke(main, ["report", "--root", str(root), "--month", "2026-10", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == report
    # As one file to keep or print: the stylesheet inside it, no script, links into the site.
    page = CliRunner().invoke(main, ["report", "--root", str(root), "--month", "2026-10", "--format", "html"])
    assert page.exit_code == 0, page.output
    assert "<style>" in page.stdout and "<script" not in page.stdout
    assert f"<td>{api['uptime']}</td>" in page.stdout
    assert 'href="https://status.example.com/components/api/index.html"' in page.stdout


def test_each_month_reports_the_part_of_every_incident_that_fell_in_it(tmp_path: Path) -> None:
    """Incidents across a month's end, reopened, still open, and maintenance: each month gets
    the seconds that fell inside it, whether its report is made alone or with the others."""
    from site_builder.outputs.report_data import month_report, month_reports
    from site_builder.outputs.view import build_view

    (tmp_path / "incidents").mkdir()
    (tmp_path / "statuspage.yaml").write_text(
        "site: {name: Example, url: 'https://status.example.com'}\n"
        "components:\n  - {id: api, name: API}\n  - {id: docs, name: Docs}\n"
    )
    files = {
        "2026-09-30-across.md": "---\ntitle: Across\ncomponents: {api: major_outage, docs: degraded_performance}\n"
        "---\n\n## 2026-10-01 02:00 UTC resolved\nBack.\n\n## 2026-09-30 22:00 UTC investigating\nDown.\n",
        "2026-10-10-twice.md": "---\ntitle: Twice\ncomponents: {api: partial_outage}\n---\n\n"
        "## 2026-11-01 01:00 UTC resolved\nBack again.\n\n## 2026-10-31 23:00 UTC investigating\nAgain.\n\n"
        "## 2026-10-10 11:00 UTC resolved\nBack.\n\n## 2026-10-10 10:00 UTC investigating\nSlow.\n",
        "2026-11-29-open.md": "---\ntitle: Open\ncomponents: {docs: major_outage}\n---\n\n"
        "## 2026-11-29 12:00 UTC investigating\nLooking.\n",
        "2026-10-20-window.md": "---\ntitle: Window\ntype: maintenance\ncomponents: {docs: under_maintenance}\n"
        "scheduled_for: 2026-10-20 08:00 UTC\nscheduled_until: 2026-10-20 09:30 UTC\n---\n\n"
        "## 2026-10-18 08:00 UTC scheduled\nPlanned.\n",
    }
    for name, text in files.items():
        (tmp_path / "incidents" / name).write_text(text)
    view = build_view(load_site(tmp_path).bundle, None, datetime(2026, 12, 3, tzinfo=UTC))
    months = ["2026-11", "2026-10", "2026-09"]

    reports = month_reports(view, months)

    assert reports == {month: month_report(view, month) for month in months}

    def touched(month: str, component: str) -> list[tuple[str, str, float, datetime | None]]:
        row = next(row for row in reports[month].components if row.id == component)
        return [(w.slug, w.kind, w.seconds_in_month, w.end) for w in [*row.incidents, *row.maintenance]]

    t = datetime
    assert touched("2026-09", "api") == [("2026-09-30-across", "incident", 7200.0, t(2026, 10, 1, 2, tzinfo=UTC))]
    assert touched("2026-10", "api") == [
        ("2026-10-10-twice", "incident", 3600.0 + 3600.0, t(2026, 11, 1, 1, tzinfo=UTC)),
        ("2026-09-30-across", "incident", 7200.0, t(2026, 10, 1, 2, tzinfo=UTC)),
    ]
    assert touched("2026-11", "api") == [("2026-10-10-twice", "incident", 3600.0, t(2026, 11, 1, 1, tzinfo=UTC))]
    assert touched("2026-10", "docs") == [
        ("2026-09-30-across", "incident", 7200.0, t(2026, 10, 1, 2, tzinfo=UTC)),
        ("2026-10-20-window", "maintenance", 5400.0, t(2026, 10, 20, 9, 30, tzinfo=UTC)),
    ]
    assert touched("2026-11", "docs") == [("2026-11-29-open", "incident", 36 * 3600.0, None)]
