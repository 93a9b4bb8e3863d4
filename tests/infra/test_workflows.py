"""GitHub workflows: this project's CI and the ones `statusgen init` gives a status-page repository."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
PROJECT_WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
SCAFFOLD = ROOT / "site_builder" / "scaffold" / "github" / "workflows"


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as True.
    value = workflow.get("on", workflow.get(True))
    assert isinstance(value, dict)
    return value


def shell_commands(script: str) -> list[list[str]]:
    """The simple commands of a shell script as words (quotes removed): one per line and per part
    between `&&`, `||`, `;` and `|`; comments left out."""
    commands: list[list[str]] = []
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words: list[str] = []
        for token in lexer:
            if token in ("&&", "||", ";", "|", "&"):
                commands.append(words)
                words = []
            else:
                words.append(token)
        commands.append(words)
    return [words for words in commands if words]


def same_command(words: list[str]) -> tuple[str, ...]:
    """A command as compared with another: `python` and `python3` alike, quiet flags left out."""
    return tuple("python" if w in ("python", "python3") else w for w in words if w not in ("-q", "--quiet"))


def runs_script(words: list[str]) -> Path | None:
    """The repository's script a command runs (`bash .ci/run`, `./.ci/run`), if it runs one."""
    if words and words[0] in ("bash", "sh") and len(words) > 1:
        words = words[1:]
    script = ROOT / words[0]
    return script if script.is_file() and script.resolve().is_relative_to(ROOT) else None


def job_commands(job: dict[Any, Any]) -> list[tuple[str, ...]]:
    """Every command the job runs, with those of the repository's scripts it runs in their place."""
    out: list[tuple[str, ...]] = []
    for step in job["steps"]:
        for words in shell_commands(step.get("run", "")):
            script = runs_script(words)
            out.append(same_command(words))
            if script is not None:
                out.extend(same_command(w) for w in shell_commands(script.read_text(encoding="utf-8")))
    return out


def readme_test_commands() -> list[tuple[str, ...]]:
    """The README's commands for running the test suite (the shell block that runs pytest)."""
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    tests = [block for block in blocks if "pytest" in block]
    assert len(tests) == 1, tests
    return [same_command(words) for words in shell_commands(tests[0])]


def test_every_workflow_matches_githubs_schema() -> None:
    files = [*PROJECT_WORKFLOWS, *sorted(SCAFFOLD.glob("*.yml"))]
    assert len(files) >= 3
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, files)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    steps:\n      - run: true\n")  # no runs-on
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(broken)],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0


def test_project_ci_runs_the_same_script_as_a_person() -> None:
    """On pushes to main and on pull requests, a job checks the repository out and then runs the
    README's test commands (itself, or through `.ci/run` as the README says), and lints the template."""
    ci = load(ROOT / ".github" / "workflows" / "ci.yml")
    on = triggers(ci)
    assert on["push"]["branches"] == ["main"] and "pull_request" in on
    readme = readme_test_commands()
    assert ("python", "-m", "pytest") in readme
    testing = [job for job in ci["jobs"].values() if set(readme) <= set(job_commands(job))]
    assert testing, "no CI job runs the README's test commands"
    for job in testing:  # on the repository's code: checked out before anything runs
        steps = job["steps"]
        checkout = next(n for n, s in enumerate(steps) if s.get("uses", "").startswith("actions/checkout@"))
        assert all("run" not in step for step in steps[:checkout])
    assert any(
        command[:1] == ("cfn-lint",) and "infra/template.yaml" in command
        for job in ci["jobs"].values()
        for command in job_commands(job)
    )


def test_pull_requests_validate_with_annotations_and_upload_a_preview_without_aws() -> None:
    workflow = load(SCAFFOLD / "pull-request.yml")
    assert set(triggers(workflow)["pull_request"]["paths"]) >= {"incidents/**", "statuspage.yaml"}
    assert ("statusgen", "validate", "--format", "github") in job_commands(workflow["jobs"]["validate"])
    steps = workflow["jobs"]["validate"]["steps"]
    uploads = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert uploads and uploads[0]["with"]["path"] == "preview/"
    assert workflow["permissions"] == {"contents": "read"}
    assert not any("configure-aws-credentials" in s.get("uses", "") for s in steps)


def test_publish_runs_on_merge_dispatch_and_schedule_one_at_a_time_with_oidc() -> None:
    workflow = load(SCAFFOLD / "publish.yml")
    on = triggers(workflow)
    assert on["push"]["branches"] == ["main"]
    assert on["repository_dispatch"]["types"] == ["check-completed"]
    assert on["schedule"]
    assert workflow["concurrency"] == {"group": "statusgen-publish", "cancel-in-progress": False}
    assert workflow["permissions"]["id-token"] == "write"
    steps = workflow["jobs"]["publish"]["steps"]
    credentials = next(s for s in steps if "configure-aws-credentials" in s.get("uses", ""))
    assert "role-to-assume" in credentials["with"]
    assert "aws-access-key-id" not in credentials["with"]
    commands = job_commands(workflow["jobs"]["publish"])
    assert commands.index(("statusgen", "compile", "--to-store", "--out", "bundle.json")) < commands.index(
        ("statusgen", "build")
    )


def test_init_puts_the_workflows_where_github_finds_them(tmp_path: Path) -> None:
    from site_builder.start.new_site import init_site

    init_site(tmp_path / "page")
    installed = sorted(p.name for p in (tmp_path / "page" / ".github" / "workflows").iterdir())
    assert installed == ["publish.yml", "pull-request.yml"]


def test_a_version_tag_builds_sdist_and_wheel_and_publishes_them_with_trusted_publishing() -> None:
    workflow = load(ROOT / ".github" / "workflows" / "release.yml")
    assert triggers(workflow) == {"push": {"tags": ["v*"]}}
    assert workflow["permissions"] == {"contents": "read"}
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    commands = "\n".join(step["run"] for step in build["steps"] if "run" in step)
    assert "python -m build" in commands  # both the sdist and the wheel
    assert "GITHUB_REF_NAME" in commands  # the tag must match the version it releases
    assert publish["needs"] == "build"
    # Only the publishing job may mint an OIDC token, and it stores no API token.
    assert publish["permissions"] == {"id-token": "write"}
    assert "id-token" not in build.get("permissions", {})
    uses = [step.get("uses", "") for step in publish["steps"]]
    assert "pypa/gh-action-pypi-publish@release/v1" in uses
    assert not any("password" in step.get("with", {}) for step in publish["steps"])
