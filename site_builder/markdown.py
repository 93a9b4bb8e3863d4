"""Markdown from incident files, rendered to HTML and sanitised.

Incident files arrive in pull requests: whatever they contain must not run code on the public page.
The rendered HTML goes through an allow-list sanitiser (nh3): no script or style, no event
handlers, only http(s) and mailto links, and no images (a status page must not load anything from
another origin).
"""

from __future__ import annotations

import html as html_lib
import re

import markdown as markdown_lib
import nh3

_ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del", "sup", "sub",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> str:
    """Safe HTML for `text`; headings are demoted so an update body never outranks the page's."""
    html = markdown_lib.markdown(
        text, extensions=["extra", "sane_lists"], output_format="html"
    )
    html = re.sub(r"<(/?)h[12]\b", r"<\1h3", html)
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "noscript"},
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    ).strip()


def plain_text(html: str) -> str:
    """Text of sanitised HTML, for emails and places that take no markup."""
    text = nh3.clean(re.sub(r"</(p|li|h\d|tr|pre|blockquote)>", "\n", html), tags=set())
    return re.sub(r"\n{3,}", "\n\n", html_lib.unescape(text)).strip()
