"""Which statusgen made a result: a digest of its own source and of the versions of the libraries
that shape its output. The build's and the parser's caches key on it, so an upgraded statusgen or
library never reuses what the old one made. Kept apart from the build so that loading a site (the
parse cache) does not import the renderers."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
from pathlib import Path

import checker
import site_builder

RENDERING_LIBRARIES = ("pydantic-core", "jinja2", "markupsafe", "feedgen", "icalendar", "nh3", "cmarkgfm", "babel")
"""Libraries whose upgrade may change output bytes: their versions are part of every cache key."""


@functools.cache
def code_digest() -> str:
    """Digest of the statusgen source and the rendering libraries' versions: a changed renderer
    must not leave files of the old one behind its unchanged cache keys."""
    h = hashlib.sha256()
    for package in (checker, site_builder):
        root = Path(package.__file__ or "").parent
        # The message catalogs are source too: a changed translation changes the pages.
        for source in sorted([*root.rglob("*.py"), *root.rglob("*.po")]):
            h.update(source.relative_to(root).as_posix().encode() + b"\0" + source.read_bytes() + b"\0")
    for library in RENDERING_LIBRARIES:
        try:
            version = importlib.metadata.version(library)
        except importlib.metadata.PackageNotFoundError:  # installed without its metadata
            version = "unknown"
        h.update(f"{library}={version}\0".encode())
    return h.hexdigest()
