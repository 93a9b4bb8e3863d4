"""The static assets under content-hash names: stylesheet, script, favicons, link-preview pictures, logo."""

from __future__ import annotations

import functools
import hashlib

import jinja2

from site_builder.outputs.theme import BANNER_COLOURS, Asset, Theme, status_card, status_favicon


def static_assets(env: jinja2.Environment, theme: Theme) -> dict[str, Asset]:
    """Logical name -> the file to write: the stylesheet (with the theme's accent colours and
    custom CSS) and the script under content-hash names, the favicon and logo."""
    assert env.loader is not None
    css, _, _ = env.loader.get_source(env, "static/style.css")
    accents = f":root{{--accent:{theme.accent_light};--accent-dark:{theme.accent_dark}}}\n"
    stylesheet = (accents + css + ("\n" + theme.custom_css if theme.custom_css else "")).encode()
    script = env.loader.get_source(env, "static/status.js")[0].encode()
    assets = {
        "style.css": Asset(f"assets/style.{_digest(stylesheet)}.css", stylesheet),
        "status.js": Asset(f"assets/status.{_digest(script)}.js", script),
    }
    # The favicon and the link-preview picture of each overall status, under content-hash names:
    # the index links the one of the current status (see `site_files.favicon` for the rest).
    for indicator in BANNER_COLOURS:
        icon = status_favicon(indicator)
        assets[f"favicon-{indicator}.svg"] = Asset(f"assets/favicon-{indicator}.{_digest(icon)}.svg", icon)
        assets[f"og-{indicator}.png"] = _status_card(indicator)
    if theme.logo is not None:
        assets["logo"] = theme.logo
    return assets


@functools.lru_cache(maxsize=8)
def _status_card(indicator: str) -> Asset:
    """The link-preview PNG (drawn once per process: it never changes)."""
    card = status_card(indicator)
    return Asset(f"assets/og-{indicator}.{_digest(card)}.png", card)


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:10]
