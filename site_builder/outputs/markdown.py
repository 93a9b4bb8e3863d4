"""Markdown from incident files, rendered to HTML and sanitised, in time linear in the text.

Incident files arrive in pull requests: whatever they contain must not run code on the public page,
nor make the build slow. The engine is cmark-gfm (CommonMark with GitHub's tables, strikethrough
and autolinks), written in C and linear in its input by design; raw HTML in the Markdown is left
out rather than passed through. Its output is bounded to `MAX_DEPTH` nested elements, because the
sanitiser's HTML parser takes time quadratic in nesting depth (one `>` per level of block quote
makes that cheap to write). Then the allow-list sanitiser (nh3): no script or style, no event
handlers, only http(s) and mailto links, and no images (a status page must not load anything from
another origin).

Rendering happens when a page, feed or message needs the HTML, never while parsing, and each body
is rendered once per process (`update_html`, `update_text`, `UpdateBody`).
"""

from __future__ import annotations

import ctypes
import functools
import html as html_lib
import itertools
import re
from collections.abc import Callable
from typing import Any

import cmarkgfm  # type: ignore[import-untyped]
import nh3
from cmarkgfm import cmark
from cmarkgfm.cmark import Options  # type: ignore[import-untyped]

MAX_DEPTH = 32
"""Elements nested deeper than this are unwrapped (their text is kept)."""

_OPTIONS = Options.CMARK_OPT_DEFAULT | Options.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE
"""Not CMARK_OPT_UNSAFE: raw HTML becomes a comment (which the sanitiser drops) and `javascript:`
links lose their address. `~~` only, so '~5 minutes' stays as written."""
_EXTENSIONS = ("table", "strikethrough", "autolink")

_ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
    "sup",
    "sub",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
_URL_SCHEMES = {"http", "https", "mailto"}
_CLEAN_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript"}
_SANITISER = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    clean_content_tags=_CLEAN_CONTENT,
    attributes=_ALLOWED_ATTRIBUTES,
    url_schemes=_URL_SCHEMES,
    link_rel="nofollow noopener noreferrer",
)
"""Made once: `nh3.clean` builds its sanitiser anew on each call, half the cost of a short body."""
_MEMO_SIZE = 4096
"""Bodies remembered per process. A build renders the files of one incident one after the other
(see `site_builder.outputs.render_share`), so what it needs again is recent: keeping every body of
a large site would hold tens of megabytes for nothing."""

# cmark-gfm's output is balanced and escaped: no `<` inside text or attribute values, and void
# elements written as `<br />`. So runs of consecutive opening (or closing) tags are found by a
# regular expression, and each run is one step of the depth walk however long it is.
_VOID = r"(?:br|hr|img|input)\b"
_BLOCK_END = re.compile(r"</(p|li|h\d|tr|pre|blockquote)>")
_ANY_TAG = re.compile(r"<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")  # a quoted attribute may hold a `>`
_TAG_STARTS = re.compile(rf"<(/?)(?!{_VOID})[a-z]")
_STEP = {"": 1, "/": -1}
_QUOTE_MARKERS = re.compile(rf"^[ \t>]{{{MAX_DEPTH + 1},}}", re.MULTILINE)
_TOP_HEADINGS = re.compile(r"<(/?)h[12]\b")
_BLANK_LINES = re.compile(r"\n{3,}")
_TAG_RUNS = re.compile(
    rf"(?P<open>(?:<(?!{_VOID})[a-z][a-z0-9]*(?:\s[^<>]*)?>\s*)+)|(?P<close>(?:</[a-z][a-z0-9]*>\s*)+)"
)


def _freeing_engine() -> Callable[[str], str] | None:
    """cmark-gfm's Markdown to HTML that frees what it allocates, or None where it cannot.

    cmarkgfm's own `markdown_to_html_with_extensions` frees the parser but neither the document
    tree nor the HTML buffer, about 5 kB a body that the process never gets back: a GB of memory
    for a site of 50,000 incidents. These are the same calls, then the two frees that cmark-gfm's
    own `cmark_markdown_to_html` makes (`cmark_node_free`; `free`, the default allocator's)."""
    try:
        ffi, lib = cmark._cmark.ffi, cmark._cmark.lib
        library = ctypes.CDLL(cmark._cmark.__file__)
        node_free, c_free = library.cmark_node_free, ctypes.CDLL(None).free
    except (AttributeError, OSError, TypeError):
        return None
    node_free.argtypes, node_free.restype = [ctypes.c_void_p], None
    c_free.argtypes, c_free.restype = [ctypes.c_void_p], None
    lib.cmark_gfm_core_extensions_ensure_registered()
    extensions = [lib.cmark_find_syntax_extension(name.encode()) for name in _EXTENSIONS]
    if any(extension == ffi.NULL for extension in extensions):
        return None

    def address(pointer: Any) -> int:
        return int(ffi.cast("uintptr_t", pointer))

    def to_html(text: str) -> str:
        encoded = text.encode("utf-8")
        parser = lib.cmark_parser_new(_OPTIONS)
        try:
            for extension in extensions:
                lib.cmark_parser_attach_syntax_extension(parser, extension)
            lib.cmark_parser_feed(parser, encoded, len(encoded))
            root = lib.cmark_parser_finish(parser)
            try:
                raw = lib.cmark_render_html(root, _OPTIONS, lib.cmark_parser_get_syntax_extensions(parser))
                try:
                    html: str = ffi.string(raw).decode("utf-8")
                finally:
                    c_free(address(raw))
            finally:
                node_free(address(root))
        finally:
            lib.cmark_parser_free(parser)
        return html

    return to_html


def _leaking_engine(text: str) -> str:
    html: str = cmarkgfm.markdown_to_html_with_extensions(text, options=_OPTIONS, extensions=list(_EXTENSIONS))
    return html


_to_html: Callable[[str], str] = _freeing_engine() or _leaking_engine


def render_markdown(text: str) -> str:
    """Safe HTML for `text`; headings are demoted so an update body never outranks the page's."""
    # Each pass only where it can change something: a body is usually a few short paragraphs,
    # and these tests cost a fraction of the passes.
    if text.count(">") > MAX_DEPTH:  # fewer markers cannot start a line with more than that
        text = _QUOTE_MARKERS.sub(_fewer_quote_markers, text)
    html = _to_html(text)
    if html.count("<") > 2 * MAX_DEPTH and _deepest(html) > MAX_DEPTH:  # fewer tags cannot nest that deep
        html = _bounded_depth(html)
    if "<h" in html:
        html = _TOP_HEADINGS.sub(r"<\1h3", html)
    return _SANITISER.clean(html).strip()


def plain_text(html: str) -> str:
    """Text of sanitised HTML (what `render_markdown` returns), for emails and places that take
    no markup. The sanitiser wrote it, so every tag is whole and text holds no `<`: removing the
    tags is a regular expression, not a second pass of an HTML parser."""
    text = html_lib.unescape(_ANY_TAG.sub("", _BLOCK_END.sub("\n", html)))
    return (_BLANK_LINES.sub("\n\n", text) if "\n\n\n" in text else text).strip()


@functools.lru_cache(maxsize=_MEMO_SIZE)
def update_html(body: str) -> str:
    """`render_markdown(body)`, remembered: a page, its feeds and its API file show the same body."""
    return render_markdown(body)


@functools.lru_cache(maxsize=_MEMO_SIZE)
def update_text(body: str) -> str:
    """`plain_text` of the rendered `body`, remembered (the JSON API, feeds and calendar use it)."""
    return plain_text(update_html(body))


class UpdateBody:
    """An update's body for a template: `{{ body|safe }}` renders it on first use. A page's cache
    key covers the Markdown (`markdown`), so a page that is not rebuilt never renders it."""

    __slots__ = ("markdown",)

    def __init__(self, markdown: str) -> None:
        self.markdown = markdown

    def __html__(self) -> str:
        return update_html(self.markdown)

    def __str__(self) -> str:
        return update_html(self.markdown)


def _fewer_quote_markers(prefix: re.Match[str]) -> str:
    """A line's leading `>` markers, at most MAX_DEPTH of them: each one is a block quote inside
    the last, which costs one byte of Markdown and thirty of HTML."""
    markers = prefix.group()
    if markers.count(">") <= MAX_DEPTH:
        return markers
    cut = -1
    for _ in range(MAX_DEPTH):
        cut = markers.index(">", cut + 1)
    return markers[: cut + 1] + " "


def _deepest(html: str) -> int:
    """How deep elements nest in cmark's balanced output (the walk is in C: this runs on every
    long body, and the depth is nearly always small)."""
    steps = map(_STEP.__getitem__, _TAG_STARTS.findall(html))
    return max(itertools.accumulate(steps), default=0)


def _bounded_depth(html: str) -> str:
    """`html` (cmark's balanced output) without the tags of elements nested deeper than MAX_DEPTH.

    Kept elements are always the outermost ones, so the depth alone says which tags go: an
    opening tag at depth d is kept when d < MAX_DEPTH, and so is its closing tag."""
    pieces: list[str] = []
    depth = 0
    position = 0
    for run in _TAG_RUNS.finditer(html):
        count = run.group().count("<")
        if run.lastgroup == "open":
            kept = max(0, min(count, MAX_DEPTH - depth))
            depth += count
            if kept < count:  # keep the first `kept` tags of the run, drop the rest
                end = run.start()
                for _ in range(kept):
                    end = html.index(">", end) + 1
                pieces.append(html[position:end])
                position = run.end()
        else:
            kept = max(0, min(count, MAX_DEPTH - (depth - count)))  # the outermost close last
            depth -= count
            if kept < count:  # keep the last `kept` tags of the run, drop the rest
                pieces.append(html[position : run.start()])
                position = run.end()
                for _ in range(kept):
                    position = html.rindex("</", run.start(), position)
    pieces.append(html[position:])
    return "".join(pieces)
