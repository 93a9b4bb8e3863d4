"""Checks a reader of the built site cares about: well-formed HTML and links that resolve."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Elements inside inline SVG that are written self-closing.
SVG_EMPTY = {"use", "path", "rect", "line", "circle", "polyline"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int]] = []
        self.problems: list[str] = []
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.elements = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements += 1
        self._attrs(tag, attrs)
        if tag not in VOID:
            self.stack.append((tag, self.getpos()[0]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements += 1
        self._attrs(tag, attrs)
        if tag not in VOID and tag not in SVG_EMPTY:
            self.problems.append(f"line {self.getpos()[0]}: <{tag}/> is not a void element")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.problems.append(f"line {self.getpos()[0]}: </{tag}> closes a void element")
            return
        if not self.stack or self.stack[-1][0] != tag:
            open_tag = self.stack[-1] if self.stack else ("nothing", 0)
            self.problems.append(
                f"line {self.getpos()[0]}: </{tag}> closes <{open_tag[0]}> opened on line {open_tag[1]}"
            )
            return
        self.stack.pop()

    def _attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        seen: set[str] = set()
        for name, value in attrs:
            if name in seen:
                self.problems.append(f"line {self.getpos()[0]}: <{tag}> repeats {name}=")
            seen.add(name)
            self.attributes.append((tag, name, value or ""))
            if name == "id":
                if value in self.ids:
                    self.problems.append(f"line {self.getpos()[0]}: duplicate id {value!r}")
                self.ids.add(value or "")
            if name in ("href", "src") and value is not None:
                self.links.append(value)


def parse(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    if checker.stack:
        checker.problems.append(f"unclosed: {checker.stack}")
    return checker


def element_count(html: str) -> int:
    """How many elements the page's DOM holds (as `document.getElementsByTagName("*")` counts)."""
    return parse(html).elements


def broken_links(site: Path) -> list[str]:
    """Every internal href/src in every HTML page that does not resolve to a built file."""
    broken = []
    for page in sorted(site.rglob("*.html")):
        for link in parse(page.read_text()).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path:
                continue  # absolute addresses and same-page anchors
            path = unquote(parts.path)
            target = site / path.lstrip("/") if path.startswith("/") else page.parent / path
            if target.is_dir() or path.endswith("/"):
                target = target / "index.html"
            if not target.resolve().is_file() or not target.resolve().is_relative_to(site.resolve()):
                broken.append(f"{page.relative_to(site)}: {link}")
    return broken


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def text_of(html: str) -> str:
    """The page's visible text (SVG titles included), whitespace collapsed."""
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())
