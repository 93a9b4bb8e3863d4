"""Hostile incident files: each one validates with a clear error or parses into something safe.
None may crash the parser, run code, or take long (the suite's timeout catches a hang)."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.content.site import check_site
from site_builder.outputs.markdown import render_markdown
from tests.helpers import copy_site, fixture

CASE = "incidents/2026-11-22-case.md"


def check_case(tmp_path: Path, name: str | None = None, text: bytes | None = None) -> tuple[object, list[str]]:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    data = fixture("hostile", name).read_bytes() if name else text
    assert data is not None
    (root / CASE).write_bytes(data)
    site, problems = check_site(root)
    return site, [str(p) for p in problems]


REJECTED = {
    "front-matter-only.md": f"{CASE}:5: an incident needs at least one update: add "
    "'## 2026-11-22 14:05 UTC investigating' and a line of text",
    "yaml-bomb.md": f"{CASE}:2: YAML expands to too many nodes (aliases?); write it out plainly",
    "python-tag.md": f"{CASE}:2: invalid YAML: could not determine a constructor for the tag "
    "'tag:yaml.org,2002:python/object/apply:os.system'",
    "nul-byte.md": f"{CASE}:2: contains a NUL byte; is this a text file?",
    "mixed-encoding.md": f"{CASE}:8: is not valid UTF-8; save the file as UTF-8",
}


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_hostile_files_are_rejected_with_a_clear_error(tmp_path: Path, name: str) -> None:
    site, problems = check_case(tmp_path, name)
    assert site is None
    assert problems == [REJECTED[name]]
    assert not Path("/tmp/statusgen-pwned").exists()


def test_scripts_and_raw_html_are_made_inert(tmp_path: Path) -> None:
    site, problems = check_case(tmp_path, "script-and-html.md")
    assert problems == []
    incident = next(i for i in site.bundle.incidents if i.slug == "2026-11-22-case")  # type: ignore[attr-defined]
    html = render_markdown(incident.updates[0].body).lower()
    for dangerous in (
        "<script",
        "onerror",
        "onload",
        "onclick",
        "javascript:",
        "<iframe",
        "<style",
        "<img",
        "<form",
        "<input",
        "<svg",
        "tracker.example",
    ):
        assert dangerous not in html, dangerous
    assert incident.title == "Quotes \" and 'apostrophes' & <b>tags</b> 🚀 in the title"


def test_times_across_dst_changes_are_converted_to_utc(tmp_path: Path) -> None:
    site, problems = check_case(tmp_path, "dst.md")
    assert problems == []
    incident = next(i for i in site.bundle.incidents if i.slug == "2026-11-22-case")  # type: ignore[attr-defined]
    assert [u.at.isoformat() for u in incident.updates] == [
        "2026-10-25T00:30:00+00:00",  # the first of the two 02:30s that night: CEST, +02:00
        "2026-03-29T01:30:00+00:00",  # 02:30 does not exist in Paris that night; read as +01:00
    ]


def test_a_bom_and_windows_line_endings_are_accepted(tmp_path: Path) -> None:
    site, problems = check_case(tmp_path, "bom-crlf.md")
    assert problems == []
    incident = next(i for i in site.bundle.incidents if i.slug == "2026-11-22-case")  # type: ignore[attr-defined]
    assert incident.title == "BOM and CRLF"
    assert incident.updates[0].body == "Windows line endings."


def test_a_heading_inside_a_code_block_is_not_an_update(tmp_path: Path) -> None:
    site, problems = check_case(tmp_path, "fenced-heading.md")
    assert problems == []
    incident = next(i for i in site.bundle.incidents if i.slug == "2026-11-22-case")  # type: ignore[attr-defined]
    assert len(incident.updates) == 1
    assert "not-an-update" in incident.updates[0].body


def test_ten_thousand_updates_parse(tmp_path: Path) -> None:
    updates = "".join(
        f"## 2026-11-{1 + i // 1440:02d} {i // 60 % 24:02d}:{i % 60:02d} UTC update\nUpdate number {i}.\n\n"
        for i in range(10_000)
    )
    text = f"---\ntitle: Long\ncomponents:\n  api: major_outage\n---\n\n{updates}".encode()
    site, problems = check_case(tmp_path, text=text)
    assert problems == []
    incident = next(i for i in site.bundle.incidents if i.slug == "2026-11-22-case")  # type: ignore[attr-defined]
    assert len(incident.updates) == 10_000
    assert incident.updates[0].body == "Update number 9999."


def test_a_huge_file_is_refused_without_reading_it_whole_into_the_parser(tmp_path: Path) -> None:
    text = b"---\ntitle: Huge\ncomponents:\n  api: major_outage\n---\n\n## 2026-11-22 14:05 UTC investigating\n"
    site, problems = check_case(tmp_path, text=text + b"x" * 5_000_000)
    assert site is None
    assert problems == [f"{CASE}: file is larger than 1000 kB; split the incident or shorten it"]


def test_deeply_nested_yaml_is_an_error_not_a_crash(tmp_path: Path) -> None:
    text = ("---\ntitle: x\ncomponents: " + "[" * 5000 + "]" * 5000 + "\n---\n").encode()
    site, problems = check_case(tmp_path, text=text)
    assert site is None
    assert problems == [f"{CASE}:2: invalid YAML: nested too deeply"]
