"""What the commands print: one line per step with counts that add up, and one-line errors for a
user's mistakes (a port in use, a second resolve), never a traceback or a repr."""

from __future__ import annotations

import re
import shutil
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_builder.cli import main
from site_builder.deploy.package import package_lambda

REPO_ROOT = Path(__file__).resolve().parents[2]
SITE = """\
site: {name: Output test, url: https://status.example.test}
checker: {rebuild: inline}
components:
  - id: api
    name: API
    check: {type: tcp, host: 127.0.0.1, port: 1, timeout: 1}
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "statuspage.yaml").write_text(SITE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def invoke(*args: str) -> tuple[int, list[str], list[str]]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output and "Report(" not in result.output
    return result.exit_code, result.stdout.splitlines(), result.stderr.splitlines()


def test_build_prints_one_line_per_step_with_counts_that_add_up(site: Path) -> None:
    code, first, _ = invoke("build")
    assert code == 0
    files = int(re.fullmatch(r"built (\d+) files: \d+ rendered, 0 reused from the cache", first[0])[1])  # type: ignore[index]
    assert first == [
        f"built {files} files: {files} rendered, 0 reused from the cache",
        f"published to ./public: {files} written, 0 unchanged, 0 deleted",
    ]

    code, again, _ = invoke("build")
    rendered, reused = map(int, re.findall(r"(\d+) (?:rendered|reused)", again[0]))
    assert rendered + reused == files and reused > 0
    written, unchanged = map(int, re.findall(r"(\d+) (?:written|unchanged)", again[1]))
    assert written + unchanged == files  # pages that show the time of the build change
    assert again == [
        f"built {files} files: {rendered} rendered, {reused} reused from the cache",
        f"published to ./public: {written} written, {unchanged} unchanged, 0 deleted",
    ]


@pytest.mark.parametrize(
    ("name", "template", "error"),
    [
        (
            "404.html",
            '{% extends "base.html" %}\n{% block main %}{{ oops( }}{% endblock %}\n',
            "templates/404.html:2: unexpected '}', expected ')'",
        ),
        (
            "404.html",
            '{% extends "base.html" %}\n{% block main %}\n<p>{{ missing.part }}</p>\n{% endblock %}\n',
            "templates/404.html:3: 'missing' is undefined",
        ),
        (
            "404.html",
            '{% extends "base.html" %}\n{% block main %}{% include "_gone.html" %}{% endblock %}\n',
            "templates/404.html:2: '_gone.html' not found in search paths: 'templates', ",
        ),
        (
            "404.html",
            '{% extends "base.html" %}\n{% block main %}\n{{ 1 + site.name }}{% endblock %}\n',
            "templates/404.html:3: unsupported operand type(s) for +: 'int' and 'str'",
        ),
        # This site has no incident: no page uses month.html, which is still compiled.
        ("month.html", '{% extends "base.html" %}\n\n{% block main %}{% endblok %}\n', "templates/month.html:3: "),
    ],
    ids=["syntax", "undefined", "missing include", "wrong type", "syntax in an unused page"],
)
def test_a_broken_theme_template_is_a_one_line_error_and_publishes_nothing(
    site: Path, name: str, template: str, error: str
) -> None:
    assert invoke("build")[0] == 0
    published = {p: p.read_bytes() for p in (site / "public").rglob("*") if p.is_file()}
    assert not any("history/20" in p.as_posix() for p in published)  # no month page
    (site / "templates").mkdir()
    (site / "templates" / name).write_text(template, encoding="utf-8")
    code, out, err = invoke("build")
    assert (code, out) == (1, [])
    assert len(err) == 1
    assert err[0].startswith(error)
    assert err[0].endswith(": fix the template (Jinja2), or delete it to use statusgen's own")
    assert {p: p.read_bytes() for p in (site / "public").rglob("*") if p.is_file()} == published


@pytest.mark.parametrize("name", ["404.html", "_footer.html", "static/style.css"])
def test_a_theme_file_that_is_not_utf8_is_a_one_line_error_and_publishes_nothing(site: Path, name: str) -> None:
    assert invoke("build")[0] == 0
    published = {p: p.read_bytes() for p in (site / "public").rglob("*") if p.is_file()}
    (site / "templates" / "static").mkdir(parents=True)
    (site / "templates" / name).write_bytes("<!-- ok -->\n<p>Caf\u00e9</p>\n".encode("latin-1"))
    if name == "_footer.html":  # a partial, read only when a page includes it
        (site / "templates" / "404.html").write_text(
            '{% extends "base.html" %}\n{% block main %}{% include "_footer.html" %}{% endblock %}\n', encoding="utf-8"
        )
    code, out, err = invoke("build")
    assert (code, out) == (1, [])
    assert err == [f"templates/{name}:2: is not valid UTF-8; save the file as UTF-8"]
    assert {p: p.read_bytes() for p in (site / "public").rglob("*") if p.is_file()} == published


def test_a_picture_kept_beside_the_templates_is_no_template(site: Path) -> None:
    (site / "templates").mkdir()
    (site / "templates" / "badge.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    code, out, err = invoke("build")
    assert (code, err) == (0, [])
    assert out[1].startswith("published to ./public: ")


def test_check_with_inline_rebuild_publishes_after_the_run(site: Path) -> None:
    code, lines, _ = invoke("check")
    assert code == 0
    assert lines[-3].startswith("0 up, 0 degraded, 1 down in ")
    assert re.fullmatch(r"built \d+ files: \d+ rendered, \d+ reused from the cache", lines[-2])
    assert re.fullmatch(r"published to \./public: \d+ written, \d+ unchanged, 0 deleted", lines[-1])
    assert (site / "public/index.html").is_file()


def test_compile_to_store_names_the_store(site: Path) -> None:
    code, _, errors = invoke("compile", "--to-store", "--out", "bundle.json")
    assert code == 0
    assert errors == ["wrote bundle.json", "stored bundle.json in ./data"]
    assert (site / "data/bundle.json").is_file()


def test_resolving_twice_is_refused_in_one_line(site: Path) -> None:
    invoke("incident", "new", "API errors", "--component", "api=partial_outage")
    slug = next((site / "incidents").glob("*.md")).stem
    assert invoke("incident", "resolve", slug)[:2] == (0, [f"resolved incidents/{slug}.md"])

    code, _, errors = invoke("incident", "resolve", slug)
    assert code == 1
    assert errors == [
        f"error: {slug} is already resolved; add a note with "
        f"`statusgen incident update {slug} --status update --message TEXT`"
    ]
    assert (site / "incidents" / f"{slug}.md").read_text().count(" resolved\n") == 1

    # Reopened, it may be resolved again.
    invoke("incident", "update", slug, "--status", "investigating", "--message", "It is back.")
    assert invoke("incident", "resolve", slug)[0] == 0


def test_serve_on_a_port_in_use_is_a_one_line_error(site: Path, taken_port: int) -> None:
    invoke("build")
    code, _, errors = invoke("serve", "--port", str(taken_port))
    assert (code, errors) == (1, [f"error: port {taken_port} is in use; pass --port with another port"])


@pytest.mark.slow
def test_demo_on_a_port_in_use_is_a_one_line_error(tmp_path: Path, taken_port: int) -> None:
    root = tmp_path / "example"
    root.mkdir()
    shutil.copy(REPO_ROOT / "statuspage.yaml", root / "statuspage.yaml")
    shutil.copytree(REPO_ROOT / "incidents", root / "incidents")
    code, _, errors = invoke("demo", "--root", str(root), "--rounds", "1", "--port", str(taken_port))
    assert (code, errors) == (1, [f"error: port {taken_port} is in use; pass --port with another port"])


def test_package_says_each_step_as_it_starts(tmp_path: Path) -> None:
    steps: list[str] = []
    # pip itself is replaced by a no-op: the steps, not the downloads, are under test.
    package_lambda(
        tmp_path / "lambda.zip",
        arch="x86_64",
        python_version="3.12",
        pip=(sys.executable, "-c", "pass"),
        progress=steps.append,
    )
    assert [re.sub(r"\d+ dependencies", "N dependencies", step) for step in steps] == [
        "collecting N dependencies (building wheels of any published as source only)",
        "installing the dependencies for Lambda (Python 3.12, x86_64)",
        "adding statusgen and its templates",
        f"writing {tmp_path / 'lambda.zip'}",
    ]
