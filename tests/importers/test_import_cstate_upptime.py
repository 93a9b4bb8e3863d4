"""`statusgen import cstate` and `statusgen import upptime` on small repositories written here in their
documented formats: cState's config.yml systems and categories with issues under content/issues/,
Upptime's .upptimerc.yml with history/<slug>.yml."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from checker.summary import Summary
from site_builder.content.incidents import parse_incident_file
from tests.importers.importers_support import assert_valid_and_builds, run, snapshot

CSTATE_CONFIG = """\
baseURL: https://status.example.org/
title: Example Status
timeZone: Europe/Paris
params:
  systems:
    - name: Gateway
      description: Used for connecting to our network.
      category: Backend
    - name: Website
      category: Frontend
    - name: Docs
      category: Uncategorized
  categories:
    - name: Frontend
    - name: Backend
      description: The API and its gateway.
    - name: Uncategorized
      untitled: true
"""

CSTATE_ISSUE = """\
---
title: Gateway down in the East
date: 2018-04-01 10:00:00
resolved: true
resolvedWhen: 2018-04-01 13:00:00
severity: down
affected:
  - Gateway
  - Website
section: issue
---

*Resolved* - Traffic flows again. {{< track "2018-04-01 13:00:00" >}}

*Monitoring* - We rerouted traffic. {{< track "2018-04-01 12:00:00" >}}

More details follow.

*Investigating* - The gateway does not answer. {{< track "2018-04-01 10:00:00" >}}
"""

CSTATE_NOTICE = """\
---
title: Docs move
date: 2018-05-02T09:30:00+00:00
resolved: false
severity: notice
affected: [Docs]
section: issue
informational: true
---

## We are moving the docs

They will be at a new address <b>next week</b>.
"""


def cstate_site(folder: Path) -> Path:
    (folder / "content" / "issues").mkdir(parents=True)
    (folder / "config.yml").write_text(CSTATE_CONFIG)
    (folder / "content" / "issues" / "_index.md").write_text("---\ntitle: Issues\n---\n")
    (folder / "content" / "issues" / "2018-04-01-gateway-down.md").write_text(CSTATE_ISSUE)
    (folder / "content" / "issues" / "docs-move.md").write_text(CSTATE_NOTICE)
    return folder


def test_cstate_import(tmp_path: Path) -> None:
    source, site = cstate_site(tmp_path / "cstate"), tmp_path / "site"
    result = run("import", "cstate", str(source), "--root", str(site))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "imported from cState: 3 components in 2 groups, 2 incidents, 0 maintenance; "
        "files: 3 created, 0 unchanged, 0 replaced, 0 kept"
    )
    config = yaml.safe_load((site / "statuspage.yaml").read_text())
    assert config["site"] == {
        "name": "Example Status",
        "url": "https://status.example.org",
        "time_zone": "Europe/Paris",
    }
    assert config["components"] == [
        {"id": "website", "name": "Website", "group": "Frontend"},
        {"id": "gateway", "name": "Gateway", "group": "Backend", "description": "Used for connecting to our network."},
        {"id": "docs", "name": "Docs"},
    ]
    path = site / "incidents" / "2018-04-01-gateway-down-in-the-east.md"
    incident, problems = parse_incident_file(path, path.name, ["website", "gateway", "docs"])
    assert problems == [] and incident is not None
    assert incident.components == {"gateway": "major_outage", "website": "major_outage"}
    assert [(u.at.isoformat(), u.status, u.body) for u in incident.updates] == [
        ("2018-04-01T11:00:00+00:00", "resolved", "Traffic flows again."),
        ("2018-04-01T10:00:00+00:00", "monitoring", "We rerouted traffic.\n\nMore details follow."),
        ("2018-04-01T08:00:00+00:00", "investigating", "The gateway does not answer."),
    ]
    notice = (site / "incidents" / "2018-05-02-docs-move.md").read_text()
    assert notice == (
        "---\ntitle: Docs move\ncomponents:\n  docs: operational\nimpact: none\n---\n\n"
        "## 2018-05-02 09:30 UTC investigating\n### We are moving the docs\n\n"
        "They will be at a new address <b>next week</b>.\n"
    )
    assert_valid_and_builds(site)
    before = snapshot(site)
    again = run("import", "cstate", str(source), "--root", str(site))
    assert "files: 0 created, 3 unchanged" in again.output
    assert snapshot(site) == before


def test_cstate_unknown_system_names_the_file_and_key(tmp_path: Path) -> None:
    source = cstate_site(tmp_path / "cstate")
    issue = source / "content" / "issues" / "docs-move.md"
    issue.write_text(CSTATE_NOTICE.replace("[Docs]", "[Dosc]"))
    result = run("import", "cstate", str(source), "--root", str(tmp_path / "site"))
    assert result.exit_code == 1
    assert result.output == (
        "error: content/issues/docs-move.md: affected: unknown system 'Dosc' (systems: Docs, Gateway, Website)\n"
    )


UPPTIME_CONFIG = """\
owner: example
repo: status
sites:
  - name: Google
    url: https://www.google.com
  - name: API
    url: $API_URL/health
    method: HEAD
    expectedStatusCodes: [200, 204]
    maxResponseTime: 800
    headers:
      - "Authorization: Bearer $API_TOKEN"
  - name: Database
    check: tcp-ping
    url: db.example.com
    port: 5432
  - name: Secret site
    slug: secret
status-website:
  cname: status.example.com
  name: Example Status
"""


def test_upptime_import(tmp_path: Path) -> None:
    source, site = tmp_path / "upptime", tmp_path / "site"
    (source / "history").mkdir(parents=True)
    (source / ".upptimerc.yml").write_text(UPPTIME_CONFIG)
    (source / "history" / "secret.yml").write_text(
        "url: https://secret.example.com\nstatus: up\ncode: 200\nresponseTime: 119\n"
        "lastUpdated: 2021-01-20T13:09:40.771Z\nstartTime: 2020-08-11T18:21:55.341Z\n"
    )
    result = run("import", "upptime", str(source), "--root", str(site))
    assert result.exit_code == 0, result.output
    assert "note: response times are not imported" in result.output
    assert "note: past uptime not imported: " in result.output  # not a git repository
    config = yaml.safe_load((site / "statuspage.yaml").read_text())
    assert config["site"] == {"name": "Example Status", "url": "https://status.example.com"}
    assert config["components"] == [
        {"id": "google", "name": "Google", "check": {"type": "http", "url": "https://www.google.com"}},
        {
            "id": "api",
            "name": "API",
            "check": {
                "type": "http",
                "url": "${API_URL}/health",
                "method": "HEAD",
                "expect_status": [200, 204],
                "headers": {"Authorization": "Bearer ${API_TOKEN}"},
                "degraded_after": 0.8,
            },
        },
        {"id": "database", "name": "Database", "check": {"type": "tcp", "host": "db.example.com", "port": 5432}},
        {"id": "secret", "name": "Secret site", "check": {"type": "http", "url": "https://secret.example.com"}},
    ]
    assert_valid_and_builds(site)
    before = snapshot(site)
    assert run("import", "upptime", str(source), "--root", str(site)).exit_code == 0
    assert snapshot(site) == before


def test_upptime_without_sites(tmp_path: Path) -> None:
    (tmp_path / ".upptimerc.yml").write_text("owner: example\nrepo: status\n")
    result = run("import", "upptime", str(tmp_path), "--root", str(tmp_path / "site"))
    assert result.exit_code == 1
    assert result.output == "error: .upptimerc.yml: sites: is missing or empty; list the sites to check\n"


def _commit_status(repo: Path, slug: str, status: str, at: datetime) -> None:
    """Commit `history/<slug>.yml` as Upptime's workflow does when a site's status changes."""
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    (repo / "history" / f"{slug}.yml").write_text(
        f"url: https://www.google.com\nstatus: {status}\ncode: {200 if status == 'up' else 500}\n"
        f"responseTime: 120\nlastUpdated: {stamp}\nstartTime: 2026-01-01T00:00:00.000Z\n"
        "generator: Upptime <https://github.com/upptime/upptime>\n"
    )
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Upptime Bot",
        "GIT_AUTHOR_EMAIL": "bot@example.com",
        "GIT_COMMITTER_NAME": "Upptime Bot",
        "GIT_COMMITTER_EMAIL": "bot@example.com",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", f"{status} [upptime]"], check=True, env=env)


def test_upptime_past_uptime_comes_from_the_git_history(tmp_path: Path) -> None:
    source, site = tmp_path / "upptime", tmp_path / "site"
    (source / "history").mkdir(parents=True)
    (source / ".upptimerc.yml").write_text(
        "owner: example\nrepo: status\nsites:\n"
        "  - name: Google\n    url: https://www.google.com\n"
        "  - name: Docs\n    url: https://docs.example.com\n"
    )
    subprocess.run(["git", "init", "-q", str(source)], check=True)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    first, outage_day = today - timedelta(days=3), today - timedelta(days=2)
    _commit_status(source, "google", "up", first)
    _commit_status(source, "google", "down", outage_day + timedelta(hours=10))
    _commit_status(source, "google", "up", outage_day + timedelta(hours=10, minutes=30))

    result = run("import", "upptime", str(source), "--root", str(site))
    assert result.exit_code == 0, result.output
    assert f"note: past uptime of 1 sites from {first.date()} to yesterday" in result.output
    assert "3 days written" in result.output and "1 sites without history" in result.output
    summary = Summary.model_validate_json((site / "data" / "summary.json").read_bytes())
    google = next(c for c in summary.components if c.id == "google")
    bars = {bar.date: bar for bar in google.bars}
    assert bars[(first - timedelta(days=1)).date()].uptime is None  # before Upptime's first check
    assert bars[first.date()].uptime == 1.0
    assert bars[outage_day.date()].outage_seconds == 1800
    assert bars[outage_day.date()].worst_status == "major_outage"
    assert bars[outage_day.date()].uptime == round(1 - 1800 / 86400, 8)
    assert bars[(today - timedelta(days=1)).date()].uptime == 1.0
    docs = next(c for c in summary.components if c.id == "docs")
    assert all(bar.uptime is None for bar in docs.bars)
    assert_valid_and_builds(site)

    before = snapshot(site)
    again = run("import", "upptime", str(source), "--root", str(site))
    assert again.exit_code == 0 and "0 days written, 3 unchanged" in again.output
    assert snapshot(site) == before


def test_upptime_past_uptime_never_goes_into_a_store_with_measurements(tmp_path: Path) -> None:
    source, site = tmp_path / "upptime", tmp_path / "site"
    (source / "history").mkdir(parents=True)
    (source / ".upptimerc.yml").write_text(
        "owner: example\nrepo: status\nsites:\n  - name: Google\n    url: https://www.google.com\n"
    )
    subprocess.run(["git", "init", "-q", str(source)], check=True)
    _commit_status(source, "google", "down", datetime.now(UTC) - timedelta(days=2))
    measured = site / "data" / "runs" / "2026" / "12" / "01" / "120000-local-r1.json"
    measured.parent.mkdir(parents=True)
    measured.write_text("{}")  # a checker already recorded here
    result = run("import", "upptime", str(source), "--root", str(site))
    assert result.exit_code == 0, result.output
    assert "note: past uptime not imported: " in result.output and "already holds measurements" in result.output
    assert not (site / "data" / "rollups").exists()
