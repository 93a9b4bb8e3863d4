"""What an update body turns into on the page: the Markdown authors may write (docs/incidents.md),
and hostile bodies that come out bounded and inert. How long they take is measured in
bench/build_corpus.py --hostile, not here."""

from __future__ import annotations

import pytest

from site_builder.outputs.markdown import MAX_DEPTH, UpdateBody, plain_text, render_markdown, update_text


def test_the_markdown_authors_write_renders() -> None:
    text = (
        "# Cause\n\nWe saw *slow* and **failing** requests on `api`, ~~briefly~~ for ~5 minutes.\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n> quoted\n\n"
        "| region | status |\n|:--|--:|\n| eu | ok |\n\n"
        "```\ncode <here>\n```\n\nSee [the docs](https://docs.example.com/x) or www.example.com."
    )
    assert render_markdown(text) == (
        "<h3>Cause</h3>\n"
        "<p>We saw <em>slow</em> and <strong>failing</strong> requests on <code>api</code>, "
        "<del>briefly</del> for ~5 minutes.</p>\n"
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
        "<ol>\n<li>first</li>\n<li>second</li>\n</ol>\n"
        "<blockquote>\n<p>quoted</p>\n</blockquote>\n"
        '<table>\n<thead>\n<tr>\n<th align="left">region</th>\n<th align="right">status</th>\n</tr>\n'
        '</thead>\n<tbody>\n<tr>\n<td align="left">eu</td>\n<td align="right">ok</td>\n</tr>\n</tbody>\n'
        "</table>\n"
        "<pre><code>code &lt;here&gt;\n</code></pre>\n"
        '<p>See <a href="https://docs.example.com/x" rel="nofollow noopener noreferrer">the docs</a> or '
        '<a href="http://www.example.com" rel="nofollow noopener noreferrer">www.example.com</a>.</p>'
    )


def test_raw_html_scripts_images_and_script_links_are_left_out() -> None:
    html = render_markdown(
        'Hi <b onclick="x()">there</b><script>alert(1)</script> <img src=x onerror=alert(1)>\n\n'
        "[click](javascript:alert(1)) ![pixel](https://tracker.example/p.png) <iframe src=//x></iframe>"
    )
    for dangerous in ("<script", "onclick", "onerror", "javascript:", "<img", "<iframe", "tracker.example", "<b"):
        assert dangerous not in html, dangerous
    assert html.startswith("<p>Hi there")


@pytest.mark.parametrize(
    "body",
    [
        ">" * 5000 + " deep",
        "> " * 5000 + "deep",
        "> 1. " * 2000 + "deep",
        "- " * 5000 + "deep",
        "*_" * 5000 + "deep" + "_*" * 5000,
    ],
)
def test_nesting_is_bounded_and_the_text_is_kept(body: str) -> None:
    html = render_markdown(body)
    assert "deep" in html
    depth = deepest = 0
    for piece in html.split("<")[1:]:
        if piece.startswith("/"):
            depth -= 1
        elif not piece.startswith(("br", "hr", "!")):
            depth += 1
            deepest = max(deepest, depth)
    assert depth == 0  # still balanced
    assert deepest <= MAX_DEPTH


def test_a_megabyte_of_hostile_markdown_gives_output_of_the_same_order() -> None:
    body = ">" * 999_000 + " x"
    assert len(render_markdown(body)) < 2_000


def test_plain_text_and_update_body_use_the_same_rendering() -> None:
    body = "We are *looking*.\n\nNext update at 15:00."
    assert update_text(body) == plain_text(render_markdown(body)) == "We are looking.\n\nNext update at 15:00."
    assert UpdateBody(body).__html__() == str(UpdateBody(body)) == render_markdown(body)


_ENGINE_SAMPLES = [
    "plain",
    "*a* **b** ~~c~~ ~d~ `e`",
    "| a | b |\n|:-|-:|\n| 1 | 2 |",
    "www.example.com/x and https://a.b/c",
    "<script>x</script><b onclick=y>z</b>",
    "[l](javascript:alert(1)) ![i](https://a/b.png)",
    "> " * 40 + "deep",
    "- a\n  - b\n    - c",
    "```\ncode <x>\n```",
    "",
    "\x00 nul",
    "日本語 ünïcode",
]


@pytest.mark.parametrize("text", _ENGINE_SAMPLES)
def test_the_engine_that_frees_its_memory_gives_cmarkgfms_html(text: str) -> None:
    from site_builder.outputs import markdown

    assert markdown._to_html is not markdown._leaking_engine  # the freeing engine loaded here
    assert markdown._to_html(text) == markdown._leaking_engine(text)


def test_rendering_many_bodies_gives_the_memory_back() -> None:
    """cmarkgfm's own wrapper kept about 5 kB of each body (the tree and the HTML buffer): 20,000
    bodies took some 90 MB that the process never got back."""
    from pathlib import Path

    from site_builder.outputs.markdown import _to_html

    statm = Path("/proc/self/statm")
    if not statm.is_file():
        pytest.skip("resident memory is read from /proc")

    def resident_mb() -> float:
        return int(statm.read_text().split()[1]) * 4096 / 2**20

    bodies = [
        f"Update *{n}* on **api**.\n\n- `x`\n- [link](https://a.example/{n})\n\n| a |\n|---|\n| {n} |"
        for n in range(20_000)
    ]
    _to_html(bodies[0])
    before = resident_mb()
    for body in bodies:
        _to_html(body)
    assert resident_mb() - before < 30
