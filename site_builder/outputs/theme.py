"""Theming: the site's logo, accent colour, extra stylesheet and template overrides.

A site repository may carry its own `templates/` folder; any file there (a page template, a
partial, `static/style.css`) replaces the built-in one of the same name. The accent colour is
nudged darker (light mode) or lighter (dark mode) until text in it meets WCAG AA contrast, so a
brand colour can never make links unreadable.
"""

from __future__ import annotations

import hashlib
import math
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from checker.bundle import SiteSettings
from checker.errors import ContentError, Problem
from checker.vocabulary import INDICATOR_OF_STATUS, STATUS_COLOURS
from site_builder.shipped import shipped

CONFIG_FILE = "statuspage.yaml"
TEMPLATES_DIR = "templates"
LIGHT_BACKGROUND = "#f6f8fa"
DARK_BACKGROUND = "#1f232a"
"""The backgrounds in templates/static/style.css closest to text colour (the cards': a shade
darker than the light page, lighter than the dark one), so the accent is readable on all of them."""
MIN_CONTRAST = 4.5
"""WCAG 2.2 AA for normal-size text."""
_LOGO_TYPES = (".svg", ".png", ".jpg", ".jpeg", ".webp", ".gif")


@dataclass(frozen=True)
class Asset:
    """A file copied into the site under a content-hash name, so it can be cached for a year."""

    name: str
    """Site-relative path, e.g. `assets/logo.3f2a9c1e0b.svg`."""
    content: bytes


@dataclass(frozen=True)
class Theme:
    """Everything about the page's look that comes from the site rather than from statusgen."""

    template_dirs: tuple[Path, ...]
    """Searched before the built-in templates; the first folder holding a name wins."""
    accent_light: str
    """Accent colour readable on the light background."""
    accent_dark: str
    """Accent colour readable on the dark background."""
    custom_css: str
    """Appended to the built-in stylesheet (empty when none)."""
    logo: Asset | None
    """The site's logo, shown instead of its name in the header."""

    def digest(self) -> str:
        """Changes whenever anything here changes; part of every page's cache key."""
        h = hashlib.sha256()
        for folder in self.template_dirs:
            h.update(str(folder).encode() + b"\0")
        h.update(f"{self.accent_light}\0{self.accent_dark}\0".encode())
        h.update(self.custom_css.encode() + b"\0")
        if self.logo is not None:
            h.update(self.logo.name.encode())
        return h.hexdigest()


def builtin_templates() -> Path:
    """The folder of statusgen's own templates: `site_builder/templates/` in an installed wheel
    (pyproject maps the top-level folder there), or `templates/` beside the package in a checkout."""
    return shipped(TEMPLATES_DIR, "base.html").parent


def load_theme(settings: SiteSettings, root: Path | None) -> Theme:
    """The theme of the site whose repository is at `root` (None: statusgen's defaults).

    Raises ContentError when a configured logo or stylesheet cannot be read.
    """
    problems: list[Problem] = []
    logo: Asset | None = None
    custom_css = ""
    if settings.logo:
        path = _site_file(root, settings.logo, "site.logo", problems)
        if path is not None and path.suffix.lower() not in _LOGO_TYPES:
            problems.append(
                Problem(CONFIG_FILE, 0, "site.logo", f"{settings.logo}: use an image ({', '.join(_LOGO_TYPES)})")
            )
        elif path is not None:
            content = path.read_bytes()
            digest = hashlib.sha256(content).hexdigest()[:10]
            logo = Asset(f"assets/logo.{digest}{path.suffix.lower()}", content)
    if settings.custom_css:
        path = _site_file(root, settings.custom_css, "site.custom_css", problems)
        if path is not None:
            custom_css = path.read_text(encoding="utf-8")
    if problems:
        raise ContentError(problems)
    overrides = root / TEMPLATES_DIR if root is not None else None
    return Theme(
        template_dirs=(overrides,) if overrides is not None and overrides.is_dir() else (),
        accent_light=readable_on(settings.accent_color, LIGHT_BACKGROUND),
        accent_dark=readable_on(settings.accent_color, DARK_BACKGROUND),
        custom_css=custom_css,
        logo=logo,
    )


def _site_file(root: Path | None, name: str, key: str, problems: list[Problem]) -> Path | None:
    if root is None:
        problems.append(Problem(CONFIG_FILE, 0, key, f"{name}: no site folder to read it from"))
        return None
    path = (root / name).resolve()
    if not path.is_relative_to(root.resolve()):
        problems.append(Problem(CONFIG_FILE, 0, key, f"{name}: must be inside the site's folder"))
        return None
    if not path.is_file():
        problems.append(Problem(CONFIG_FILE, 0, key, f"{name}: file not found"))
        return None
    return path


def readable_on(color: str, background: str) -> str:
    """`color`, mixed step by step towards black or white until it reaches AA contrast on
    `background`; unchanged when it already does."""
    towards = (0, 0, 0) if _luminance(_rgb(background)) > 0.5 else (255, 255, 255)
    base = _rgb(color)
    for step in range(21):
        share = step / 20
        mixed = tuple(round(c + (t - c) * share) for c, t in zip(base, towards, strict=True))
        if contrast(_hex(mixed), background) >= MIN_CONTRAST:
            return _hex(mixed)
    return _hex(towards)


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two hex colours (1 to 21)."""
    a, b = sorted((_luminance(_rgb(foreground)), _luminance(_rgb(background))), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(rgb: tuple[int, ...]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# --- status images: the favicon and the link-preview (Open Graph) picture of each overall status ---
# Drawn here rather than shipped as files, so they always match the banner: the same colours as
# style.css's `.banner.s-*`, the same icons as the sprite in base.html.

BANNER_COLOURS: dict[str, str] = {INDICATOR_OF_STATUS[status]: colour for status, colour in STATUS_COLOURS.items()}
"""Overall indicator -> the banner's background colour: the colour of the status that stands for it."""
_ICON_PATHS = {
    "none": "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm-1.5 14.2-4.2-4.2 1.4-1.4 2.8 2.8 6-6 1.4 1.4z",
    "minor": "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm-6 9h12v2H6z",
    "major": "M12 2 1 21h22zm-1 6h2v7h-2zm0 9h2v2h-2z",
    "critical": "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm3.5 5 1.5 1.5-3.5 3.5 3.5 3.5-1.5 1.5-3.5-3.5-3.5 "
    "3.5L7 15.5l3.5-3.5L7 8.5 8.5 7l3.5 3.5z",
    "maintenance": "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 4v5.6l4 2.3-1 1.7-5-2.9V6z",
}
"""The sprite's icons (base.html) of the banner's statuses, by overall indicator."""
OG_WIDTH, OG_HEIGHT = 1200, 630
"""The size link previews (Open Graph, X/Twitter large cards) expect."""


def status_favicon(indicator: str) -> bytes:
    """A 32 px-friendly SVG: the banner's icon for `indicator` on a white disc, in its colour."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" '
        f'fill="#fff"/><path fill="{BANNER_COLOURS[indicator]}" d="{_ICON_PATHS[indicator]}"/></svg>\n'
    ).encode()


Point = tuple[float, float]


def _thick(a: Point, b: Point, width: float) -> list[Point]:
    """A line from a to b, `width` thick, as a convex quadrilateral."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = (dx * dx + dy * dy) ** 0.5
    nx, ny = -dy / length * width / 2, dx / length * width / 2
    return [(a[0] + nx, a[1] + ny), (b[0] + nx, b[1] + ny), (b[0] - nx, b[1] - ny), (a[0] - nx, a[1] - ny)]


def _disc(cx: float, cy: float, r: float) -> list[Point]:
    return [(cx + r * math.cos(k * math.pi / 48), cy + r * math.sin(k * math.pi / 48)) for k in range(96)]


def _rect(x0: float, y0: float, x1: float, y1: float) -> list[Point]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def _glyph(indicator: str) -> list[tuple[bool, list[Point]]]:
    """The icon as convex shapes in the sprite's 24-unit box: (in the status colour?, polygon)."""
    ring = [(True, _disc(12, 12, 10)), (False, _disc(12, 12, 8))]
    if indicator == "none":
        return [
            (True, _disc(12, 12, 10)),
            (False, _thick((6.6, 12.3), (10.9, 16.6), 2.2)),
            (False, _thick((9.7, 16.2), (17.6, 8.3), 2.2)),
        ]
    if indicator == "minor":
        return [(True, _disc(12, 12, 10)), (False, _rect(6, 11, 18, 13))]
    if indicator == "major":
        return [(True, [(12, 2), (23, 21), (1, 21)]), (False, _rect(11, 8, 13, 15)), (False, _rect(11, 17, 13, 19))]
    if indicator == "critical":
        return [
            (True, _disc(12, 12, 10)),
            (False, _thick((7.8, 7.8), (16.2, 16.2), 2.1)),
            (False, _thick((16.2, 7.8), (7.8, 16.2), 2.1)),
        ]
    return [*ring, (True, _rect(11, 6, 13, 12.6)), (True, _thick((12, 11.8), (16.5, 14.4), 2))]


def status_card(indicator: str) -> bytes:
    """The link-preview picture for `indicator`: a 1200 x 630 PNG in the banner's colour with the
    status icon on a white disc. Text is left to og:title and og:description, which say it in
    words; the picture only has to be right at a glance."""
    # An indexed PNG of one bit per pixel, 0 (the banner's colour) or 1 (white): an eighth of the
    # bytes of one byte per pixel to compress (zlib was most of the drawing), for the same picture.
    colour, white = b"0", b"1"  # a row is drawn as text, one digit per pixel, then packed in bits
    size, left, top = 15.0, OG_WIDTH / 2 - 180, OG_HEIGHT / 2 - 180  # 24 units -> 360 px, centred
    shapes = [(white, [(left + x * size, top + y * size) for x, y in _disc(12, 12, 11.5)])]
    shapes += [
        (colour if filled else white, [(left + x * size, top + y * size) for x, y in polygon])
        for filled, polygon in _glyph(indicator)
    ]
    # Each shape's edges are met once: where an edge crosses a row's centre is noted in that row,
    # so drawing costs the crossings (a few per row), not every edge for every row.
    crossings: list[list[list[float]]] = [[[] for _ in shapes] for _ in range(OG_HEIGHT)]
    for number, (_, polygon) in enumerate(shapes):
        for (x0, y0), (x1, y1) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
            if y0 == y1:
                continue
            low, high = min(y0, y1), max(y0, y1)
            for y in range(max(0, math.floor(low) - 1), min(OG_HEIGHT, math.ceil(high) + 1)):
                centre = y + 0.5
                if low <= centre < high:
                    crossings[y][number].append(x0 + (centre - y0) * (x1 - x0) / (y1 - y0))
    row_bytes = OG_WIDTH // 8  # 1200 pixels: 150 bytes, none left over

    def packed(row: bytes | bytearray) -> bytes:
        # Each row starts with its filter type: 0, none.
        return b"\0" + int(row, 2).to_bytes(row_bytes, "big")

    plain = packed(colour * OG_WIDTH)
    rows = []
    for row_crossings in crossings:
        if not any(row_crossings):
            rows.append(plain)
            continue
        row = bytearray(colour * OG_WIDTH)
        for (paint, _), xs in zip(shapes, row_crossings, strict=True):
            if len(xs) >= 2:
                start, end = round(min(xs)), round(max(xs))
                if end > start:
                    row[start:end] = paint * (end - start)
        rows.append(packed(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", OG_WIDTH, OG_HEIGHT, 1, 3, 0, 0, 0)  # 1 bit per index, palette
    palette = bytes.fromhex(BANNER_COLOURS[indicator][1:]) + b"\xff\xff\xff"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"PLTE", palette)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + chunk(b"IEND", b"")
    )
