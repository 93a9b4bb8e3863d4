"""Content-Type and Cache-Control of each published file, by its site path."""

from __future__ import annotations

import re

IMMUTABLE = "public, max-age=31536000, immutable"
"""Cache-Control of content-hashed assets: a changed asset gets a new name."""
SHORT_LIVED = "public, max-age=30"
"""Cache-Control of everything else: a status page must never be stale for long."""
NOT_CACHED = "no-cache"
"""Cache-Control of the manifest: a publish must read what is live, not what a cache kept."""

# A dot before the hash: ids of components and incidents may end in "-<hex>" but never in ".<hex>".
_HASHED_NAME = re.compile(r"\.[0-9a-f]{8,64}\.[A-Za-z0-9]+$")
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".ics": "text/calendar; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
}
_EXACT_TYPES = {"metrics": "text/plain; version=0.0.4; charset=utf-8"}


def content_type(path: str) -> str:
    """Content-Type for a site path."""
    name = path.rsplit("/", 1)[-1]
    if name in _EXACT_TYPES:
        return _EXACT_TYPES[name]
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return _CONTENT_TYPES.get(suffix, "application/octet-stream")


def is_hashed_asset(path: str) -> bool:
    """True for fingerprinted names such as `assets/style.3f2a9c1d.css`."""
    return bool(_HASHED_NAME.search(path.rsplit("/", 1)[-1]))


def cache_control(path: str) -> str:
    """Cache-Control for a site path: a year for fingerprinted assets, seconds for the rest."""
    return IMMUTABLE if is_hashed_asset(path) else SHORT_LIVED
