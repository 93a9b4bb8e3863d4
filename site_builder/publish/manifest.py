"""The manifest kept at the target: which files statusgen published there, and their hashes.

It lives beside the site (`.statusgen-manifest.json`), so what a publish deletes is decided by the
target itself, never by a local cache a killed build or a fresh clone has lost. It is written
before a publish touches anything (every path about to be written is marked `pending`) and again
when the publish ends, so a file written by a publish killed half-way is still known to be
statusgen's and is replaced or deleted by the next one. It holds only public site paths, their
SHA-256 and sizes: anyone can compute the same from the public site.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import orjson
from pydantic import Field, ValidationError

from checker.strict_model import StrictModel

if TYPE_CHECKING:
    from site_builder.publish.targets import Target

MANIFEST_NAME = ".statusgen-manifest.json"
"""Where the manifest lives at the target; never linked from any page."""
MANIFEST_FORMAT: Literal[2] = 2

LiveFile = tuple[str, int]
"""A file's SHA-256 (hex) and size in bytes."""


class Manifest(StrictModel):
    """The manifest's JSON: `{"format": 2, "files": {path: [sha256, size]}, "pending": [path]}`."""

    format: Literal[2] = MANIFEST_FORMAT
    """Version of this layout; format 1 (path -> SHA-256) is read as all pending."""
    files: dict[str, LiveFile] = Field(default_factory=dict)
    """Site path -> SHA-256 and size of each file statusgen published with these bytes."""
    pending: list[str] = Field(default_factory=list)
    """Paths statusgen began to write (or failed to delete) whose bytes are unknown: still its own
    to replace or delete, never to trust as unchanged."""


@dataclass(frozen=True)
class LiveSite:
    """What the target serves, per its own listing checked against its manifest."""

    files: dict[str, LiveFile]
    """Files whose bytes are known: in the manifest and present with the recorded size."""
    owned: frozenset[str]
    """Every present path statusgen published (known or pending): the only ones it may delete."""

    def sha(self, path: str) -> str | None:
        entry = self.files.get(path)
        return None if entry is None else entry[0]


def read_live_site(target: Target) -> LiveSite:
    """The target's live files: listed by the target, owned and hashed per its manifest. A file
    deleted behind statusgen's back, or resized, is not trusted and is uploaded again."""
    listed = target.listing()
    manifest = read_manifest(target)
    files = {path: entry for path, entry in manifest.files.items() if listed.get(path) == entry[1]}
    owned = frozenset(path for path in (*manifest.files, *manifest.pending) if path in listed)
    return LiveSite(files=files, owned=owned)


def read_manifest(target: Target) -> Manifest:
    """The target's manifest; empty when it has none or it cannot be read, which makes the
    publish upload every file (always safe) and delete nothing it cannot prove it published."""
    data = target.read(MANIFEST_NAME)
    if data is None:
        return Manifest()
    try:
        # From the bytes: no JSON tree of every entry beside the model's own.
        return Manifest.model_validate_json(data)
    except ValidationError:
        pass
    try:
        raw = json.loads(data)
    except ValueError:
        return Manifest()
    if isinstance(raw, dict) and raw.get("format", 1) == 1 and isinstance(raw.get("files"), dict):
        # An older statusgen's manifest, without sizes: its files are statusgen's, and are
        # uploaded once more so the new manifest can record them.
        return Manifest(pending=sorted(str(path) for path in raw["files"]))
    return Manifest()


def manifest_bytes(files: Mapping[str, LiveFile], pending: Iterable[str] = ()) -> bytes:
    """The manifest of `files` and `pending` as the target keeps it (`Manifest`'s JSON), its
    entries sorted so the same site gives the same bytes. Written from the entries themselves,
    not through a sorted copy and a model: at 50,000 incidents a copy of every entry is megabytes."""
    waiting = sorted(set(pending) - files.keys())
    return (
        b'{"format":%d,"files":' % MANIFEST_FORMAT
        + orjson.dumps(files, option=orjson.OPT_SORT_KEYS)
        + b',"pending":'
        + orjson.dumps(waiting)
        + b"}"
    )
