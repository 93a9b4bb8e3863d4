"""The content commands as a person runs them: validate, incident/maintenance authoring, init, compile."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from site_builder.cli import main
from site_builder.content.site import check_site
from tests.helpers import copy_site, fixture


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def broken_site(tmp_path: Path) -> Path:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    shutil.copy(fixture("content", "incidents", "bad-times.md"), root / "incidents/2026-11-22-case.md")
    return root


def test_validate_passes_on_a_valid_site(tmp_path: Path) -> None:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    code, out, _ = run("validate", "--root", str(root))
    assert code == 0
    assert out == "ok: 3 components, 2 incidents and maintenance\n"


def test_validate_text_reports_on_stderr_and_exits_1(tmp_path: Path) -> None:
    code, out, err = run("validate", "--root", str(broken_site(tmp_path)))
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "incidents/2026-11-22-case.md:7: '2026-11-22 14:30' has no time zone; add one, e.g. '2026-11-22 14:30 UTC'",
        "incidents/2026-11-22-case.md:10: 'yesterday at noon' is not a time; write it as 2026-11-22 14:05 UTC "
        "or 2026-11-22T14:05:00Z",
        "2 problems found",
    ]


def test_validate_github_prints_annotations(tmp_path: Path) -> None:
    code, out, _ = run("validate", "--root", str(broken_site(tmp_path)), "--format", "github")
    assert code == 1
    assert out.splitlines()[0] == (
        "::error file=incidents/2026-11-22-case.md,line=7::'2026-11-22 14:30' has no time zone; "
        "add one, e.g. '2026-11-22 14:30 UTC'"
    )


def test_validate_json_prints_objects(tmp_path: Path) -> None:
    code, out, _ = run("validate", "--root", str(broken_site(tmp_path)), "--format", "json")
    assert code == 1
    problems = json.loads(out)
    assert problems[0] == {
        "file": "incidents/2026-11-22-case.md",
        "line": 7,
        "key": "",
        "message": "'2026-11-22 14:30' has no time zone; add one, e.g. '2026-11-22 14:30 UTC'",
    }


def test_validate_reports_what_in_the_theme_would_stop_a_build(tmp_path: Path) -> None:
    """A pull request that breaks a template or names a missing logo fails `validate`, at the line,
    not only the build after it is merged; a template that only renders wrong is the build's to find."""
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    (root / "templates" / "static").mkdir(parents=True)
    (root / "templates" / "_footer.html").write_text("<p>Ours</p>\n{% if %}\n", encoding="utf-8")
    (root / "templates" / "404.html").write_text('{% extends "base.html" %}{{ renders_wrong.x }}', encoding="utf-8")
    (root / "templates" / "static" / "style.css").write_text("{% not a template %}", encoding="utf-8")
    (root / "templates" / "uptime.md").write_text("{% not a template either %}", encoding="utf-8")
    config = root / "statuspage.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("site:\n", "site:\n  logo: logo.png\n", 1))

    code, out, err = run("validate", "--root", str(root))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "statuspage.yaml: site.logo: logo.png: file not found",
        "1 problem found",
    ]
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    code, out, err = run("validate", "--root", str(root), "--format", "github")
    assert code == 1
    assert out.splitlines() == [
        "::error file=templates/_footer.html,line=2::Expected an expression, got 'end of statement block': "
        "fix the template (Jinja2), or delete it to use statusgen's own"
    ]
    (root / "templates" / "_footer.html").unlink()
    assert run("validate", "--root", str(root))[:2] == (0, "ok: 3 components, 2 incidents and maintenance\n")


def test_validate_names_each_theme_file_that_is_not_utf8(tmp_path: Path) -> None:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    (root / "templates" / "static").mkdir(parents=True)
    latin1 = "<p>Caf\u00e9</p>\n".encode("latin-1")
    for name in ("_partial.html", "uptime.md", "static/style.css"):
        (root / "templates" / name).write_bytes(b"\n\n" + latin1)
    (root / "templates" / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff")  # not statusgen's to read
    code, out, err = run("validate", "--root", str(root))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "templates/_partial.html:3: is not valid UTF-8; save the file as UTF-8",
        "templates/static/style.css:3: is not valid UTF-8; save the file as UTF-8",
        "templates/uptime.md:3: is not valid UTF-8; save the file as UTF-8",
        "3 problems found",
    ]


def test_incident_lifecycle_from_the_command_line(tmp_path: Path) -> None:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    code, out, _ = run(
        "incident",
        "new",
        "Login failures on the website",
        "--component",
        "website=major_outage",
        "--component",
        "api=degraded_performance",
        "--message",
        "Users cannot log in.",
        "--root",
        str(root),
    )
    assert code == 0, out
    path = Path(out.split("created ", 1)[1].strip())
    slug = path.stem
    assert slug.endswith("-login-failures-on-the-website")
    assert (
        run("incident", "update", slug, "--status", "identified", "--message", "A bad deploy.", "--root", str(root))[0]
        == 0
    )
    assert run("incident", "resolve", slug, "--message", "Rolled back.", "--root", str(root))[0] == 0

    site, problems = check_site(root)
    assert problems == []
    assert site is not None
    incident = next(i for i in site.bundle.incidents if i.slug == slug)
    assert [u.status for u in incident.updates] == ["resolved", "identified", "investigating"]
    assert incident.components == {"website": "major_outage", "api": "degraded_performance"}
    assert incident.impact == "critical"
    assert incident.updates[0].body == "Rolled back."


def test_incident_new_rejects_an_unknown_component_with_a_suggestion(tmp_path: Path) -> None:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    code, _, err = run("incident", "new", "X", "--component", "webiste=major_outage", "--root", str(root))
    assert code == 1
    assert err == ("error: unknown component 'webiste'; did you mean 'website'? (components: api, website, database)\n")
    assert sorted(p.name for p in (root / "incidents").iterdir()) == [
        "2026-11-22-api-errors.md",
        "2026-11-25-db-upgrade.md",
    ]


def test_update_rejects_a_maintenance_status_on_an_incident(tmp_path: Path) -> None:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    before = (root / "incidents/2026-11-22-api-errors.md").read_text()
    code, _, err = run(
        "incident", "update", "2026-11-22-api-errors", "--status", "completed", "--message", "x", "--root", str(root)
    )
    assert code == 1
    assert "'completed' is not an update status here" in err
    assert (root / "incidents/2026-11-22-api-errors.md").read_text() == before


def test_maintenance_new_writes_a_valid_window(tmp_path: Path) -> None:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    code, out, _ = run(
        "maintenance",
        "new",
        "Network upgrade",
        "--component",
        "api",
        "--component",
        "database",
        "--start",
        "2026-12-01 01:00 UTC",
        "--end",
        "2026-12-01 02:30 +01:00",
        "--root",
        str(root),
    )
    assert code == 0, out
    site, problems = check_site(root)
    assert problems == [] and site is not None
    window = next(i for i in site.bundle.incidents if i.title == "Network upgrade")
    assert window.kind == "maintenance"
    assert window.slug == "2026-12-01-network-upgrade"
    assert window.components == {"api": "under_maintenance", "database": "under_maintenance"}
    assert window.scheduled_until is not None and window.scheduled_until.isoformat() == "2026-12-01T01:30:00+00:00"


def test_init_creates_a_site_that_validates(tmp_path: Path) -> None:
    code, out, _ = run("init", str(tmp_path / "new-page"))
    assert code == 0
    assert "statuspage.yaml" in out
    assert run("validate", "--root", str(tmp_path / "new-page"))[0] == 0
    code, _, err = run("init", str(tmp_path / "new-page"))
    assert code == 1 and "already exists" in err


def test_compile_prints_the_bundle(tmp_path: Path) -> None:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    code, out, _ = run("compile", "--root", str(root))
    assert code == 0
    bundle = json.loads(out)
    assert [c["id"] for c in bundle["components"]] == ["api", "website", "database"]
    # Newest first by creation: the maintenance was announced (first update) on 2026-11-20.
    assert [i["slug"] for i in bundle["incidents"]] == ["2026-11-22-api-errors", "2026-11-25-db-upgrade"]
