"""Theming: the site's logo, accent colour, extra stylesheet and template overrides.

A site repository may carry its own `templates/` folder; any file there (a page template, a
partial, `static/style.css`) replaces the built-in one of the same name. The accent colour is
nudged darker (light mode) or lighter (dark mode) until text in it meets WCAG AA contrast, so a
brand colour can never make links unreadable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from checker.bundle import SiteSettings
from checker.errors import ContentError, Problem, StatusgenError

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
    package = Path(__file__).resolve().parent
    for folder in (package / TEMPLATES_DIR, package.parent / TEMPLATES_DIR):
        if (folder / "base.html").is_file():
            return folder
    raise StatusgenError(f"statusgen's templates are missing (looked in {package / TEMPLATES_DIR})")


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
            problems.append(Problem(CONFIG_FILE, 0, "site.logo",
                                    f"{settings.logo}: use an image ({', '.join(_LOGO_TYPES)})"))
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
