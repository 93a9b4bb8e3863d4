"""The language codes a page can be built in: one message catalog each. Light to import, for
validating `statuspage.yaml` without loading Babel."""

from __future__ import annotations

SUPPORTED: dict[str, str] = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "ja": "日本語"}
"""Code -> the language's own name (how the language switch names it)."""


def unknown_language(code: str) -> str:
    """The message for a language without a catalog."""
    return f"unknown language '{code}' (supported: {', '.join(sorted(SUPPORTED))})"
