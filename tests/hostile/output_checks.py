"""What every built or published site must satisfy, checked file by file: JSON parses, XML, feeds,
SVG and calendars parse, no script or event handler from content survives, and no page refers to
a file of the site that is not there. Imported as `output_checks` by tests/hostile and tests/faults.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

import icalendar

_XML_SUFFIXES = (".xml", ".rss", ".atom", ".svg")
_DANGEROUS = re.compile(r"javascript:|vbscript:|<script|onerror\s*=|onload\s*=|onclick\s*=", re.I)


class _Page(HTMLParser):
    """Collects a page's local references, scripts and event-handler attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.references: list[str] = []
        self.scripts: list[tuple[str | None, str]] = []
        self.handlers: list[str] = []
        self.javascript_links: list[str] = []
        self._in_script: str | None = None
        self._script_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
            if name in ("href", "src", "srcset", "action", "poster", "data") and value:
                if value.strip().lower().startswith(("javascript:", "vbscript:")):
                    self.javascript_links.append(value)
                elif name != "srcset":
                    self.references.append(value)
        if tag == "script":
            self._in_script = dict(attrs).get("src") or ""
            self._script_text = ""

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            self._script_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_script is not None:
            self.scripts.append((self._in_script or None, self._script_text))
            self._in_script = None


def local_target(page: str, reference: str) -> str | None:
    """The site path a reference from `page` points to, or None when it leaves the site."""
    parts = urlsplit(reference)
    if parts.scheme or parts.netloc or not parts.path:
        return None  # another origin, mailto:, data:, or a fragment on the same page
    path = unquote(parts.path)
    joined = path.lstrip("/") if path.startswith("/") else posixpath.join(posixpath.dirname(page), path)
    normal = posixpath.normpath(joined) if joined else ""
    if normal in ("", "."):
        return "index.html"
    if path.endswith("/"):
        return f"{normal}/index.html"
    return normal


def site_problems(files: Mapping[str, bytes], *, own_scripts: Callable[[str], bool] | None = None) -> list[str]:
    """Everything wrong with a site given as {site path: bytes}."""
    problems: list[str] = []
    for path, data in sorted(files.items()):
        try:
            problems += _file_problems(path, data, files, own_scripts)
        except Exception as error:  # any parser failure is a finding, with the file named
            problems.append(f"{path}: {type(error).__name__}: {error}")
    return problems


def folder_files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def _file_problems(
    path: str, data: bytes, files: Mapping[str, bytes], own_scripts: Callable[[str], bool] | None
) -> list[str]:
    problems: list[str] = []
    if path.endswith(".json") or path.endswith(".webmanifest"):
        json.loads(data)
    elif path.endswith(_XML_SUFFIXES):
        root = ElementTree.fromstring(data)
        if path.endswith(".svg") and any(el.tag.endswith("script") for el in root.iter()):
            problems.append(f"{path}: script in SVG")
    elif path.endswith(".ics"):
        icalendar.Calendar.from_ical(data)
    # Feeds and JSON carry incident HTML as escaped text; a reader turns it back into markup.
    if path.endswith((".rss", ".atom")):
        root = ElementTree.fromstring(data)
        for element in root.iter():
            tag = element.tag.rsplit("}", 1)[-1]
            if tag in ("description", "content", "summary") and element.text:
                problems += _html_problems(f"{path} <{tag}>", element.text)
    if path.endswith(".json"):
        for key, text in _html_fields(json.loads(data)):
            problems += _html_problems(f"{path} {key}", text)
    if path.endswith(".html"):
        page = _Page()
        page.feed(data.decode())
        problems += [f"{path}: event handler {h}" for h in page.handlers]
        problems += [f"{path}: link {link!r}" for link in page.javascript_links]
        for source, text in page.scripts:
            allowed = source is not None and own_scripts is not None and own_scripts(source)
            if not allowed:
                problems.append(f"{path}: script {source or text[:60]!r}")
        for reference in page.references:
            target = local_target(path, reference)
            if target is not None and target not in files and f"{target}/index.html" not in files:
                problems.append(f"{path}: refers to missing {target}")
    return problems


def _html_fields(value: object, key: str = "") -> list[tuple[str, str]]:
    """(key path, text) of every string under a key that says it holds HTML."""
    if isinstance(value, dict):
        return [f for k, v in value.items() for f in _html_fields(v, f"{key}.{k}")]
    if isinstance(value, list):
        return [f for i, v in enumerate(value) for f in _html_fields(v, f"{key}[{i}]")]
    if isinstance(value, str) and "html" in key.rsplit(".", 1)[-1].lower():
        return [(key, value)]
    return []


def _html_problems(where: str, text: str) -> list[str]:
    """Scripts, event handlers and javascript: links in a piece of HTML carried as text."""
    page = _Page()
    page.feed(text)
    page.close()
    return (
        [f"{where}: script {source or body[:60]!r}" for source, body in page.scripts]
        + [f"{where}: event handler {h}" for h in page.handlers]
        + [f"{where}: link {link!r}" for link in page.javascript_links]
        + [f"{where}: {m.group(0)!r}" for m in _DANGEROUS.finditer(text) if "<script" in m.group(0).lower()]
    )
