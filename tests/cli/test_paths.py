"""One rule for paths: on the command line relative to the current directory, inside
statuspage.yaml relative to that file's folder; `--format github` relative to the repository."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from site_builder.cli import main
from tests.helpers import copy_site, fixture


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A current directory with the fixture site in its `site/` folder."""
    copy_site(fixture("content", "site"), tmp_path / "site")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_build_out_is_relative_to_the_current_directory(workdir: Path) -> None:
    code, out, err = run("build", "--root", "site", "--out", "preview", "--no-notify")
    assert code == 0, err
    assert (workdir / "preview" / "index.html").is_file()
    assert not (workdir / "site" / "preview").exists()
    assert "published to ./preview:" in out


def test_publish_and_store_in_statuspage_yaml_are_relative_to_its_folder(workdir: Path) -> None:
    config = workdir / "site" / "statuspage.yaml"
    config.write_text(config.read_text() + "store: ./measured\npublish: ./site-out\n")
    code, _, err = run("build", "--root", "site", "--no-notify")
    assert code == 0, err
    assert (workdir / "site" / "site-out" / "index.html").is_file()
    assert not (workdir / "site-out").exists()
    code, _, err = run("compile", "--root", "site", "--to-store")
    assert code == 0, err
    assert (workdir / "site" / "measured" / "bundle.json").is_file()


def test_compile_out_is_relative_to_the_current_directory(workdir: Path) -> None:
    code, _, err = run("compile", "--root", "site", "--out", "bundle.json")
    assert code == 0, err
    assert json.loads((workdir / "bundle.json").read_text())["site"]["name"] == "Fixture"
    assert not (workdir / "site" / "bundle.json").exists()


def test_serve_dir_is_relative_to_the_current_directory(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: dict[str, Any] = {}

    def serve_site(root: Path, **options: Any) -> None:
        served.update(options)

    monkeypatch.setattr("site_builder.serving.preview.serve_site", serve_site)
    code, _, err = run("serve", "--root", "site", "--dir", "preview", "--watch")
    assert code == 0, err
    # Absolute, so `--watch` rebuilds into the folder being served, not into site/preview.
    assert served["site_dir"] == workdir / "preview"


def broken_site(root: Path) -> Path:
    copy_site(fixture("content", "site"), root)
    shutil.copy(fixture("content", "incidents", "bad-times.md"), root / "incidents/2026-11-22-case.md")
    return root


def annotated_files(output: str) -> list[str]:
    return [line.split("file=", 1)[1].split(",", 1)[0] for line in output.splitlines()]


def test_github_annotations_name_paths_from_the_git_top_level(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    broken_site(repo / "status" / "page")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    monkeypatch.chdir(repo / "status")  # a subfolder of the repository: still the top level counts
    code, out, _ = run("validate", "--root", "page", "--format", "github")
    assert code == 1
    assert set(annotated_files(out)) == {"status/page/incidents/2026-11-22-case.md"}


def test_github_annotations_outside_git_are_relative_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken_site(tmp_path / "sub")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("validate", "--root", "sub", "--format", "github")
    assert code == 1
    assert out.splitlines()[0] == (
        "::error file=sub/incidents/2026-11-22-case.md,line=7::'2026-11-22 14:30' has no time zone; "
        "add one, e.g. '2026-11-22 14:30 UTC'"
    )


def test_github_annotations_escape_what_would_end_a_property(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.errors import Problem
    from site_builder.content.problems import github_annotation

    problem = Problem("statuspage.yaml", 3, "a:b,c", "50% down\nnow")
    assert github_annotation(problem, "sub/") == (
        "::error file=sub/statuspage.yaml,line=3,title=a%3Ab%2Cc::50%25 down%0Anow"
    )


def test_the_outbox_in_statuspage_yaml_is_relative_to_its_folder(workdir: Path) -> None:
    import httpx

    from site_builder.pipeline import load_site
    from site_builder.serving.endpoints import SiteEndpoints
    from site_builder.serving.serve import start

    config = workdir / "site" / "statuspage.yaml"
    config.write_text(
        config.read_text()
        + "subscribers:\n  token_secret: "
        + "k" * 40
        + "\n  email: {backend: outbox, outbox: ./mail}\n"
    )
    public = workdir / "public"
    public.mkdir()
    # What `statusgen serve --root site` and `statusgen run --root site` mount, from the parent folder.
    server = start(public, handlers=SiteEndpoints(load_site(Path("site"))).handlers())
    try:
        answer = httpx.post(f"{server.url}/subscribe", data={"email": "ada@example.com"})
    finally:
        server.close()
    assert answer.status_code == 202, answer.text
    assert len(list((workdir / "site" / "mail").glob("*.eml"))) == 1
    assert not (workdir / "mail").exists()
