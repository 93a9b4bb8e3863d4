"""Property tests: no input, however odd, makes the parsers raise; they return Problems instead."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.errors import Problem
from site_builder.content.config import CONFIG_FILE, load_config
from site_builder.content.incidents import parse_incident_text

COMPONENTS = ["api", "website"]
heading_words = st.sampled_from(
    [
        "investigating",
        "resolved",
        "update",
        "completed",
        "bogus",
        "",
        "2026-11-22",
        "14:05",
        "UTC",
        "+01:00",
        "Europe/Paris",
        "2026-13-40 25:61 UTC",
        "T",
        "##",
        "---",
    ]
)
front_lines = st.sampled_from(
    [
        "title: X",
        "title:",
        "title: [a, b]",
        "components:",
        "  api: major_outage",
        "  api: nope",
        "  - api",
        "type: maintenance",
        "type: incident",
        "impact: critical",
        "impact: maintenance",
        "scheduled_for: 2026-11-25 02:00 UTC",
        "scheduled_until: 2026-11-25 01:00 UTC",
        "scheduled_until: soon",
        "- x",
        "&a [*a, *a]",
        "{",
        "x: !!python/object:os.system ls",
        "\t",
    ]
)


def structured_incident() -> st.SearchStrategy[str]:
    heading = st.lists(heading_words, min_size=0, max_size=5).map(lambda ws: "## " + " ".join(ws))
    body = st.text(max_size=40)
    update = st.tuples(heading, body).map(lambda hb: f"{hb[0]}\n{hb[1]}\n")
    front = st.lists(front_lines, max_size=8).map("\n".join)
    return st.tuples(
        st.sampled_from(["---\n", "", "--- \n"]),
        front,
        st.sampled_from(["\n---\n", "\n", ""]),
        st.lists(update, max_size=4).map("\n".join),
    ).map("".join)


def assert_clean(result: tuple[object, list[Problem]]) -> None:
    parsed, problems = result
    assert (parsed is None) == bool(problems)
    for problem in problems:
        assert problem.file and problem.message
        assert problem.line >= 0


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_parses_or_yields_problems(text: str) -> None:
    assert_clean(parse_incident_text(text, "2026-11-22-x", "incidents/2026-11-22-x.md", COMPONENTS))


@settings(max_examples=400, deadline=None)
@given(structured_incident())
def test_near_valid_incident_files_parse_or_yield_problems(text: str) -> None:
    assert_clean(parse_incident_text(text, "2026-11-22-x", "incidents/2026-11-22-x.md", COMPONENTS))


config_lines = st.sampled_from(
    [
        "site:",
        "  name: Acme",
        "  url: https://status.acme.test",
        "  url: nope",
        "  time_zone: Nowhere",
        "components:",
        "  - id: api",
        "    name: API",
        "  - id: API!",
        "    check: {type: http, url: x}",
        "    check: {type: tcp, host: h, port: 99999}",
        "    check: {type: nope}",
        "checker: {interval: -5}",
        "checker: {interval: 5m}",
        "store: ftp://x",
        "publish: ./out",
        "    check: ${MISSING}",
        "- [",
        "x: *a",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.lists(config_lines, max_size=12).map("\n".join),
        st.text(st.characters(blacklist_categories=["Cs"]), max_size=200),
    )
)
def test_any_config_loads_or_yields_problems(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / CONFIG_FILE).write_text(text, encoding="utf-8")
        config, _, problems = load_config(root, {})
        assert (config is None) == bool(problems)
        assert all(p.file == CONFIG_FILE for p in problems)
