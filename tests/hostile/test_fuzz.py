"""Bounded fuzzing of what pull requests control: the incident parser (from bytes, and from valid
incidents with arbitrary titles and bodies), the Markdown sanitiser, and the config loader with
hostile YAML (deep nesting, aliases, tags, merge keys, huge scalars). Nothing may raise, hang, or
let markup that runs code through. tests/content/test_parser_properties.py covers near-valid
text; this module goes wider. Example counts keep each test to a few seconds."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.content.config import CONFIG_FILE, load_config
from site_builder.content.incidents import parse_incident_file, parse_incident_text
from site_builder.outputs.markdown import render_markdown
from tests.hostile.output_checks import _html_problems

COMPONENTS = ["api", "web", "db"]
BOUND = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces that have broken sanitisers and parsers before: raw HTML, entity tricks, protocol
# obfuscation, Markdown link forms, fences and front-matter markers.
HOSTILE_PIECES = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//x.example/x.js>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) )",
    "![i](javascript:alert(1))",
    '<iframe srcdoc="<script>1</script>">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<!--<script>-->",
    "<style>*{x:expression(alert(1))}</style>",
    '<a href="data:text/html,<script>1</script>">d</a>',
    '<div style="background:url(javascript:alert(1))">s</div>',
    "<form action=javascript:1><button>",
    "<object data=x.swf>",
    "<embed src=x>",
    "<base href=//evil.example/>",
    "<meta http-equiv=refresh>",
    "<template><script>1</script></template>",
    '<noscript><p title="</noscript><img onerror=1>">',
    "```\n<script>in a fence</script>\n```",
    "`<script>`",
    "<details open ontoggle=alert(1)>",
    "<a href=vbscript:msgbox(1)>v</a>",
    "&lt;script&gt;",
    "\u202e",
    "\x0b",
    "\r\n",
    "---",
    "## ",
    "<![CDATA[<script>1</script>]]>",
    "<?xml?>",
    "]]>",
    "{{ 7*7 }}",
    "{% raw %}",
    "${HOME}",
]
markdownish = st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=20)), max_size=12).map(" ".join)
titles = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=80).filter(
    lambda t: t.strip() == t and t.strip() != ""
)


@BOUND
@given(markdownish)
def test_the_sanitiser_lets_nothing_that_runs_code_through(text: str) -> None:
    assert _html_problems("rendered", render_markdown(text)) == []


@st.composite
def valid_incidents(draw: st.DrawFn) -> tuple[str, str, int]:
    """(file text, title, number of updates) of an incident that must parse."""
    title = draw(titles)
    count = draw(st.integers(1, 6))
    start = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 40_000)))
    offsets = draw(st.lists(st.integers(0, 10_000), min_size=count, max_size=count, unique=True))
    statuses = [
        "investigating",
        *draw(
            st.lists(
                st.sampled_from(["identified", "monitoring", "update", "resolved", "postmortem"]),
                min_size=count - 1,
                max_size=count - 1,
            )
        ),
    ]
    component = draw(st.sampled_from(COMPONENTS))
    level = draw(st.sampled_from(["degraded_performance", "partial_outage", "major_outage"]))
    parts = [f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\ncomponents:\n  {component}: {level}\n---\n"]
    first = min(offsets)
    for offset, status in zip(offsets, statuses, strict=True):
        at = start + timedelta(minutes=offset - first if status == "investigating" else offset)
        body = draw(markdownish).replace("\n## ", "\n ").replace("\n---", "\n -")
        parts.append(f"\n## {at:%Y-%m-%d %H:%M} UTC {status}\n{body or 'text'}\n")
    return "".join(parts), title, count


@BOUND
@given(valid_incidents())
def test_valid_incidents_with_any_title_and_body_parse_to_safe_html(case: tuple[str, str, int]) -> None:
    text, title, count = case
    incident, problems = parse_incident_text(text, "2026-11-01-fuzz", "incidents/2026-11-01-fuzz.md", COMPONENTS)
    if incident is None:
        # A body may still form something the format reads as a heading; then the error says where.
        assert problems and all(p.line > 0 for p in problems), problems
        return
    assert problems == []
    assert incident.title == title
    assert len(incident.updates) <= count
    assert [u.at for u in incident.updates] == sorted((u.at for u in incident.updates), reverse=True)
    for update in incident.updates:
        assert _html_problems("update", render_markdown(update.body)) == []


@BOUND
@given(st.binary(max_size=600), st.sampled_from([b"", b"\xef\xbb\xbf", b"---\n", b"---\ntitle: x\n---\n"]))
def test_any_bytes_in_an_incident_file_parse_or_yield_problems(data: bytes, prefix: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "2026-11-22-bytes.md"
        path.write_bytes(prefix + data)
        incident, problems = parse_incident_file(path, "incidents/2026-11-22-bytes.md", COMPONENTS)
        assert (incident is None) == bool(problems)
        assert all(p.file == "incidents/2026-11-22-bytes.md" and p.message for p in problems)


@st.composite
def hostile_yaml(draw: st.DrawFn) -> str:
    depth = draw(st.integers(1, 400))
    kind = draw(st.sampled_from(["lists", "maps", "aliases", "tags", "merge", "scalar", "flow"]))
    if kind == "lists":
        return f"site: {{name: X}}\ncomponents: {'[' * depth}{']' * depth}\n"
    if kind == "maps":
        return "site:\n  name: X\ncomponents:\n" + "".join(f"{'  ' * (i + 1)}k{i}:\n" for i in range(min(depth, 120)))
    if kind == "aliases":
        fan = draw(st.integers(2, 12))
        rows = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * fan)}]" for i in range(1, min(depth, 12))]
        return "\n".join(rows) + "\nsite: {name: X}\ncomponents: [{id: api, name: A}]\n"
    if kind == "tags":
        tag = draw(
            st.sampled_from(
                [
                    "!!python/object/apply:os.system",
                    "!!binary",
                    "!!set",
                    "!!timestamp",
                    "!!omap",
                    "!custom",
                    "!!python/name:os.system",
                    "!!float",
                    "!!null",
                ]
            )
        )
        return f"site: {{name: {tag} X}}\ncomponents: [{{id: api, name: {tag} [ls]}}]\n"
    if kind == "merge":
        return (
            "base: &base {id: api, name: A, check: {type: http, url: 'http://127.0.0.1:9/'}}\n"
            "site: {name: X}\ncomponents:\n  - <<: *base\n  - <<: [*base, *base]\n    id: web\n"
        )
    if kind == "scalar":
        return f"site: {{name: {'x' * depth * 500}}}\ncomponents: [{{id: api, name: {'é' * depth}}}]\n"
    return "site: {name: X}\ncomponents: " + draw(st.text(alphabet="[]{},:&*!|>'\"#-? \n", max_size=200))


@BOUND
@given(hostile_yaml())
def test_hostile_yaml_in_the_config_loads_or_yields_problems_quickly(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / CONFIG_FILE).write_text(text, encoding="utf-8")
        config, _, problems = load_config(root, {})
        assert (config is None) == bool(problems)
        assert all(p.file == CONFIG_FILE and p.message for p in problems)


def test_a_json_style_escape_of_an_emoji_is_refused_with_the_fix() -> None:
    """Found by the fuzzer: YAML reads `\\ud83d\\ude80` as two halves of a character, which passed
    validation and then failed the build while writing files."""
    text = (
        '---\ntitle: "Rocket \\ud83d\\ude80"\ncomponents:\n  api: major_outage\n---\n\n'
        "## 2026-11-22 09:00 UTC investigating\nx\n"
    )
    incident, problems = parse_incident_text(text, "2026-11-22-x", "incidents/2026-11-22-x.md", COMPONENTS)
    assert incident is None
    assert [str(p) for p in problems] == [
        "incidents/2026-11-22-x.md:2: title: \\ud83d is half of a character; write the character itself "
        "(or \\U0001F680-style escapes for characters beyond \\uFFFF)"
    ]


def test_a_value_that_does_not_fit_its_tag_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    """Found by the fuzzer: PyYAML raises AttributeError or ValueError, not a YAML error, here."""
    for value in ("!!timestamp soon", "!!int x", "!!float y"):
        (tmp_path / CONFIG_FILE).write_text(f"site: {{name: {value}}}\ncomponents: [{{id: api, name: A}}]\n")
        config, _, problems = load_config(tmp_path, {})
        assert config is None
        assert [str(p) for p in problems] == [
            "statuspage.yaml:1: invalid YAML: a value does not fit its !!tag; remove the tag"
        ]
