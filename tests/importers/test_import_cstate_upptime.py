"""`statusgen import cstate` and `statusgen import upptime` on small repositories written here in their
documented formats: cState's config.yml systems and categories with issues under content/issues/,
Upptime's .upptimerc.yml with history/<slug>.yml."""

from __future__ import annotations

from pathlib import Path

import yaml

from site_builder.incidents import parse_incident_file
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
    assert "note: past uptime and response times" in result.output
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
