"""`statusgen import statuspage` on real captured Statuspage v2 responses (tests/fixtures/api/statuspage),
from a folder and from a loopback server: components, groups, incidents with every update, a site
that validates and builds, and a second run that changes nothing."""

from __future__ import annotations

import copy
import functools
import json
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from site_builder.content.incidents import parse_incident_file
from site_builder.importers.common import plain_text_to_markdown
from tests.helpers import fixture
from tests.importers.importers_support import assert_valid_and_builds, run, snapshot

CAPTURED = fixture("api", "statuspage")


def saved_page(folder: Path, name: str, *, with_summary: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(CAPTURED / f"{name}-components.json", folder / "components.json")
    if with_summary:
        shutil.copy(CAPTURED / f"{name}-summary.json", folder / "summary.json")
    return folder


def test_instructure_components_groups_and_incident(tmp_path: Path) -> None:
    source = saved_page(tmp_path / "src", "instructure")
    site = tmp_path / "site"
    result = run("import", "statuspage", str(source), "--root", str(site))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "imported from Statuspage: 21 components in 3 groups, 1 incidents, 0 maintenance; "
        "files: 2 created, 0 unchanged, 0 replaced, 0 kept"
    )
    config = yaml.safe_load((site / "statuspage.yaml").read_text())
    assert config["site"] == {
        "name": "Instructure",
        "url": "https://status.instructure.com",
        "time_zone": "America/Denver",
    }
    components = config["components"]
    # Groups in page order, members in the order of the group's `components` list.
    assert [c.get("group") for c in components][:2] == ["Canvas", "Canvas"]
    assert components[0] == {
        "id": "canvas",
        "name": "Canvas",
        "group": "Canvas",
        "description": "Overall system performance",
    }
    assert {c.get("group") for c in components} == {"Canvas", "Portfolium", "MasteryConnect"}
    portfolium = [c["name"] for c in components if c.get("group") == "Portfolium"]
    assert portfolium[:3] == ["Website", "Web Application", "EDU Platform"]

    (incident_path,) = (site / "incidents").iterdir()
    assert incident_path.name == "2021-12-07-amazon-web-services-aws-is-currently-experiencing.md"
    incident, problems = parse_incident_file(incident_path, incident_path.name, [c["id"] for c in components])
    assert problems == []
    assert incident is not None
    captured = json.loads((CAPTURED / "instructure-summary.json").read_text())["incidents"][0]
    assert len(incident.updates) == len(captured["incident_updates"]) == 11
    assert [u.status for u in incident.updates] == [u["status"] for u in captured["incident_updates"]]
    assert incident.updates[0].at.isoformat() == "2021-12-07T17:39:58+00:00"  # display_at, in UTC
    assert incident.updates[-1].body == "We are currently investigating this issue."
    assert incident.impact == "minor"
    assert incident.components == {
        "canvas": "degraded_performance",
        "website": "degraded_performance",
        "web-application": "degraded_performance",
        "edu-platform": "degraded_performance",
        "assessments": "degraded_performance",
        "benchmarks": "degraded_performance",
        "portal": "degraded_performance",
        "reporting": "degraded_performance",
    }
    assert_valid_and_builds(site)


def test_a_second_run_changes_no_byte_and_a_changed_file_is_kept(tmp_path: Path) -> None:
    source = saved_page(tmp_path / "src", "instructure")
    site = tmp_path / "site"
    assert run("import", "statuspage", str(source), "--root", str(site)).exit_code == 0
    before = snapshot(site)
    again = run("import", "statuspage", str(source), "--root", str(site))
    assert again.exit_code == 0
    assert "files: 0 created, 2 unchanged, 0 replaced, 0 kept" in again.output
    assert snapshot(site) == before

    config = site / "statuspage.yaml"
    config.write_text(config.read_text().replace("name: Instructure", "name: Instructure Inc."))
    edited = config.read_bytes()
    kept = run("import", "statuspage", str(source), "--root", str(site))
    assert kept.exit_code == 1
    assert "kept statuspage.yaml: it differs from the import; --force replaces it" in kept.output
    assert config.read_bytes() == edited
    forced = run("import", "statuspage", str(source), "--root", str(site), "--force")
    assert forced.exit_code == 0
    assert "1 replaced" in forced.output
    assert snapshot(site) == before


@pytest.mark.parametrize("name", ["github", "coinbase"])
def test_other_captured_pages_validate(tmp_path: Path, name: str) -> None:
    """GitHub's page has no groups; Coinbase's has 139 entries with names repeated across groups."""
    source = saved_page(tmp_path / "src", name, with_summary=False)
    site = tmp_path / "site"
    result = run("import", "statuspage", str(source), "--root", str(site))
    assert result.exit_code == 0, result.output
    config = yaml.safe_load((site / "statuspage.yaml").read_text())
    captured = json.loads((CAPTURED / f"{name}-components.json").read_text())["components"]
    groups = [c for c in captured if c.get("group")]
    members = [c for c in captured if not c.get("group")]
    assert len(config["components"]) == len(members)
    ids = [c["id"] for c in config["components"]]
    assert len(set(ids)) == len(ids)
    assert len({c.get("group") for c in config["components"] if c.get("group")}) == len(
        {g["name"] for g in groups if g.get("components")}
    )
    from site_builder.content.site import check_site

    assert check_site(site, None)[1] == []


def resolved_and_maintenance() -> dict[str, Any]:
    """An incidents.json shaped as Statuspage serves it, made from the captured incident: resolved,
    with a postmortem and an update whose text tries markup; and a completed maintenance."""
    summary = json.loads((CAPTURED / "instructure-summary.json").read_text())
    incident = copy.deepcopy(summary["incidents"][0])
    last = copy.deepcopy(incident["incident_updates"][0])
    last.update(
        id="r1",
        status="resolved",
        display_at="2021-12-07T12:30:00.000-07:00",
        body="All clear.\n## not a heading\n<script>alert(1)</script> [x](javascript:alert(1))\n\n1. done",
    )
    for entry in last["affected_components"]:
        entry.update(old_status="degraded_performance", new_status="operational")
    last["affected_components"][0]["old_status"] = "major_outage"
    incident["incident_updates"][1]["affected_components"][0]["new_status"] = "major_outage"
    incident["incident_updates"].insert(0, last)
    incident.update(
        status="resolved",
        postmortem_body="Root cause: AWS.\nWe will add a region.",
        postmortem_published_at="2021-12-09T10:00:00Z",
    )
    maintenance = {
        "id": "m1",
        "name": "Database upgrade",
        "status": "completed",
        "impact": "maintenance",
        "created_at": "2021-12-01T10:00:00Z",
        "scheduled_for": "2021-12-05T02:00:00Z",
        "scheduled_until": "2021-12-05T03:00:00Z",
        "components": [{"id": "9dlvqx1drp3d", "name": "Canvas", "status": "operational"}],
        "incident_updates": [
            {
                "id": "u2",
                "status": "completed",
                "body": "Done.",
                "display_at": "2021-12-05T02:40:00Z",
                "created_at": "2021-12-05T02:40:00Z",
                "affected_components": [],
            },
            {
                "id": "u1",
                "status": "scheduled",
                "body": "We will upgrade the database.",
                "display_at": "2021-12-01T10:00:00Z",
                "created_at": "2021-12-01T10:00:00Z",
                "affected_components": [
                    {
                        "code": "9dlvqx1drp3d",
                        "name": "Canvas",
                        "old_status": "operational",
                        "new_status": "under_maintenance",
                    }
                ],
            },
        ],
    }
    return {"page": summary["page"], "incidents": [incident, maintenance]}


def test_resolved_incident_postmortem_and_maintenance(tmp_path: Path) -> None:
    source = saved_page(tmp_path / "src", "instructure", with_summary=False)
    (source / "incidents.json").write_text(json.dumps(resolved_and_maintenance()))
    site = tmp_path / "site"
    result = run("import", "statuspage", str(source), "--root", str(site))
    assert result.exit_code == 0, result.output
    assert "1 incidents, 1 maintenance" in result.output
    text = (site / "incidents" / "2021-12-07-amazon-web-services-aws-is-currently-experiencing.md").read_text()
    assert "## 2021-12-09 10:00 UTC postmortem\nRoot cause: AWS.\\\nWe will add a region.\n" in text
    assert (
        "## 2021-12-07 19:30 UTC resolved\nAll clear.\\\n\\## not a heading\\\n"
        "\\<script\\>alert(1)\\</script\\> \\[x\\](javascript:alert(1))\n\n1\\. done\n"
    ) in text
    assert "website: major_outage" in text  # the worst status an update gave it
    maintenance = (site / "incidents" / "2021-12-05-database-upgrade.md").read_text()
    assert maintenance.startswith(
        "---\ntitle: Database upgrade\ntype: maintenance\ncomponents:\n  canvas: under_maintenance\n"
        "scheduled_for: 2021-12-05 02:00 UTC\nscheduled_until: 2021-12-05 03:00 UTC\n---\n"
    )
    assert_valid_and_builds(site)
    page = (
        site / "public" / "incidents" / "2021-12-07-amazon-web-services-aws-is-currently-experiencing" / "index.html"
    ).read_text()
    assert "<script>alert" not in page and "javascript:" not in page.replace("javascript:alert(1))", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def page_server(tmp_path: Path) -> Iterator[str]:
    """The captured Instructure responses served under /api/v2/ on 127.0.0.1."""
    saved_page(tmp_path / "www" / "api" / "v2", "instructure")
    handler = functools.partial(_Quiet, directory=str(tmp_path / "www"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_import_from_an_address_matches_the_folder(tmp_path: Path, page_server: str) -> None:
    from_url, from_folder = tmp_path / "a", tmp_path / "b"
    fetched = run("import", "statuspage", page_server + "/", "--root", str(from_url))
    assert fetched.exit_code == 0, fetched.output
    assert run("import", "statuspage", str(tmp_path / "www"), "--root", str(from_folder)).exit_code == 0
    assert snapshot(from_url) == snapshot(from_folder)
    assert len(snapshot(from_url)) == 2


def test_unreachable_address_is_one_line(tmp_path: Path, page_server: str) -> None:
    result = run("import", "statuspage", page_server + "/nothing-here", "--root", str(tmp_path / "site"))
    assert result.exit_code == 1
    assert result.output == (
        f"error: {page_server}/nothing-here/api/v2: has neither components.json nor summary.json of a Statuspage page\n"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "{src}/components.json: is not JSON (is this a Statuspage v2 API response?)"),
        ('{"components": {}}', "components.json: components: expected a list"),
        ('{"components": [{"id": "abc"}]}', "components.json: components[0].name: is missing"),
        (
            '{"components": [{"id": "abc", "name": ["x"]}]}',
            "components.json: components[0].name: expected text, got list",
        ),
    ],
)
def test_bad_input_is_one_line_naming_file_and_key(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "components.json").write_text(content)
    result = run("import", "statuspage", str(tmp_path / "src"), "--root", str(tmp_path / "site"))
    assert result.exit_code == 1
    assert result.output == "error: " + message.replace("{src}", str(tmp_path / "src")) + "\n"
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize(
    ("text", "markdown"),
    [
        ("one\ntwo", "one\\\ntwo"),
        ("para\n\n\n\nnext", "para\n\nnext"),
        ("# not a heading\n- not a list\n2) not a list", "\\# not a heading\\\n\\- not a list\\\n2\\) not a list"),
        ("a *b* `c` <b>d</b> &amp; e_f _g_", "a \\*b\\* \\`c\\` \\<b\\>d\\</b\\> \\&amp; e_f \\_g\\_"),
        ("see https://example.com/a_b.", "see <https://example.com/a_b>."),
        ("see www.example.com, then", "see [www.example.com](<https://www.example.com>), then"),
        ("    indented", "indented"),
    ],
)
def test_plain_text_to_markdown(text: str, markdown: str) -> None:
    assert plain_text_to_markdown(text) == markdown
