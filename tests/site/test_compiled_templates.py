"""Templates are compiled once per process (`CompiledTemplates`), and what a page shows
never comes from code compiled for another source or another language: a template edited between
two builds in one process (as under `statusgen run` or the preview server) shows the edit, and
each language keeps its own translated texts. A failure is the site's to fix only when it is at a
line of the site's own templates."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import pytest

from checker.errors import ContentError
from site_builder.outputs import pages
from site_builder.outputs.pages.template_problems import PAGE_TEMPLATE_TYPES, render_template
from site_builder.outputs.pages.templates import environment
from site_builder.outputs.theme import Theme, builtin_templates
from site_builder.pipeline import build_and_publish

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "api"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def theme(folder: Path) -> Theme:
    return Theme(template_dirs=(folder,), accent_light="#0b57d0", accent_dark="#a8c7fa", custom_css="", logo=None)


def test_a_template_edited_between_two_builds_in_one_process_shows_the_edit(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "site", root)
    shutil.copy(FIXTURES / "summary.json", root / "summary.json")
    (root / "templates").mkdir()
    override = root / "templates" / "404.html"
    override.write_text('{% extends "base.html" %}{% block main %}<p>Nothing here, first edition.</p>{% endblock %}')
    build_and_publish(root, out=None, now=NOW, notify=False)
    page = root / "public" / "404.html"
    assert "Nothing here, first edition." in page.read_text(encoding="utf-8")

    override.write_text('{% extends "base.html" %}{% block main %}<p>Nothing here, second edition.</p>{% endblock %}')
    build_and_publish(root, out=None, now=NOW, notify=False)
    shown = page.read_text(encoding="utf-8")
    assert "Nothing here, second edition." in shown
    assert "first edition" not in shown


def test_only_a_build_with_other_templates_than_the_cached_build_compiles_them_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild with the cached build's templates, theme and code compiles only what it renders
    (those all compiled then); one with a template changed compiles every one first, so a broken
    template fails it whether a page uses it or not (tests/cli/test_output.py)."""
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "site", root)
    shutil.copy(FIXTURES / "summary.json", root / "summary.json")
    compiled: list[jinja2.Environment] = []
    compile_ahead = pages.compile_ahead

    def counted(env: jinja2.Environment, site_theme: Theme) -> None:
        compiled.append(env)
        compile_ahead(env, site_theme)

    monkeypatch.setattr(pages, "compile_ahead", counted)
    build_and_publish(root, out=None, now=NOW, notify=False)
    languages = len(compiled)
    assert languages >= 1

    incident = root / "incidents" / "2026-11-20-api-errors.md"
    incident.write_text(incident.read_text(encoding="utf-8") + "\nA correction to this update.\n", encoding="utf-8")
    build_and_publish(root, out=None, now=NOW, notify=False)
    assert "A correction to this update." in (root / "public" / "incidents" / incident.stem / "index.html").read_text()
    assert len(compiled) == languages

    (root / "templates").mkdir()
    (root / "templates" / "robots.txt").write_text("User-agent: *\nDisallow:\n", encoding="utf-8")
    build_and_publish(root, out=None, now=NOW, notify=False)
    assert len(compiled) == 2 * languages


def test_a_failure_in_statusgens_own_code_keeps_its_trace(tmp_path: Path) -> None:
    """Only a template's mistake is reported as one: an error raised under statusgen's own
    template is statusgen's bug, and is not dressed up as the site's."""
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "own.html").write_text("<p>\n{{ 1 + name }}</p>")
    env = environment(theme(folder))
    with pytest.raises(ContentError, match=r"^templates/own.html:2: unsupported operand type"):
        render_template(env, theme(folder), "own.html", {"name": "x"})

    class Broken:
        @property
        def url(self) -> str:
            raise LookupError("a bug")

    with pytest.raises(LookupError, match="a bug"):
        render_template(env, theme(folder), "robots.txt", {"site": Broken()})


def test_each_language_shows_its_own_texts_after_another_compiled_the_template(tmp_path: Path) -> None:
    (tmp_path / "words.html").write_text('{{ _("History") }}|{{ _("Updated %(when)s", when=when) }}')
    codes = ["en", "de", "ja", "en", "de"]
    shown = [environment(theme(tmp_path), code=code).get_template("words.html").render(when="<b>") for code in codes]
    firsts = [text.split("|")[0] for text in shown]
    assert firsts == ["History", "Verlauf", "履歴", "History", "Verlauf"]
    assert shown[0] == shown[3] == "History|Updated &lt;b&gt;"
    assert "&lt;b&gt;" in shown[1]


def test_a_second_environment_compiles_nothing_the_first_compiled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What makes repeated builds in one process cheap; the tests above are what keeps it right."""
    (tmp_path / "once.html").write_text('<p>{{ _("History") }}</p>')
    compiled: list[str | None] = []
    compile_source = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: str, name: str | None = None, *args: object) -> object:
        compiled.append(name)
        return compile_source(self, source, name, *args)  # type: ignore[call-overload]

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    first = environment(theme(tmp_path), code="fr").get_template("once.html").render()
    second = environment(theme(tmp_path), code="fr").get_template("once.html").render()
    german = environment(theme(tmp_path), code="de").get_template("once.html").render()
    assert first == second == "<p>Historique</p>"
    assert german == "<p>Verlauf</p>"
    assert compiled.count("once.html") == 1  # one compilation for every environment, in any language
    (tmp_path / "once.html").write_text('<p>{{ _("History") }}!</p>')
    assert environment(theme(tmp_path), code="fr").get_template("once.html").render() == first.replace("</p>", "!</p>")
    assert compiled.count("once.html") == 2


two_cores = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="a second core is needed")

BUILD_COUNTING_COMPILES = """
import json, os, sys
from datetime import datetime
from pathlib import Path
import jinja2
from checker.errors import ContentError
from site_builder.pipeline import build_and_publish
compile_source = jinja2.Environment.compile
def counting(self, source, name=None, *args):
    with open(sys.argv[3], "a") as log:  # whichever process compiles
        log.write(f"{os.getpid()} {name}\\n")
    return compile_source(self, source, name, *args)
jinja2.Environment.compile = counting
try:
    build_and_publish(Path(sys.argv[1]), out=None, now=datetime.fromisoformat(sys.argv[2]), notify=False)
    problem = None
except ContentError as error:
    problem = str(error)
print(json.dumps({"me": os.getpid(), "problem": problem}))
"""


def build_counting_compiles(root: Path) -> dict[str, Any]:
    """A build of `root` in a process of its own (threads left by other tests would rightly keep
    it from forking): which process compiled which template, and the problem it stopped at."""
    log = root.parent / "compiled.log"
    result = subprocess.run(
        [sys.executable, "-c", BUILD_COUNTING_COMPILES, str(root), NOW.isoformat(), str(log)],
        capture_output=True,
        text=True,
        check=True,
    )
    answer: dict[str, Any] = json.loads(result.stdout)
    answer["compiled"] = [(int(pid), name) for pid, name in (line.split() for line in log.read_text().splitlines())]
    return answer


@two_cores
def test_a_cold_build_compiles_its_templates_in_a_second_process_while_it_plans(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "site", root)
    shutil.copy(FIXTURES / "summary.json", root / "summary.json")
    answer = build_counting_compiles(root)
    assert answer["problem"] is None
    page_templates = {path.name for path in builtin_templates().iterdir() if path.suffix in PAGE_TEMPLATE_TYPES}
    assert {name for pid, name in answer["compiled"] if pid != answer["me"]} == page_templates
    assert not [name for pid, name in answer["compiled"] if pid == answer["me"] and name in page_templates]
    assert (root / "public" / "index.html").is_file()


@two_cores
def test_a_template_the_second_process_cannot_compile_fails_the_build_with_its_line(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "site", root)
    shutil.copy(FIXTURES / "summary.json", root / "summary.json")
    (root / "templates").mkdir()
    (root / "templates" / "month.html").write_text('{% extends "base.html" %}\n\n{% block main %}{% endblok %}\n')
    answer = build_counting_compiles(root)
    assert answer["problem"].startswith("templates/month.html:3: ")
    assert [name for pid, name in answer["compiled"] if pid == answer["me"]] == ["month.html"]  # met here
    assert not (root / "public").exists()
