"""Build the whole site into a folder: assets, data outputs (API, feeds, badges...), then pages.

Deterministic: the same bundle, summary, theme and `now` give byte-identical files. Incremental: a
file whose bytes did not change is not rewritten (so its modification time and any publish diff
stay quiet), and with a `cache` file a page whose inputs did not change is not even rendered.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from checker.bundle import Bundle
from checker.summary import Summary
from site_builder.outputs import RenderContext, data_outputs, pages
from site_builder.theme import load_theme
from site_builder.view import build_view

CACHE_FORMAT = 1
WRITE_THREADS = 4


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the CLI and for tests."""

    files: int
    """Files in the built site."""
    written: list[str] = field(default_factory=list)
    """Site paths whose bytes changed (or are new), sorted."""
    removed: list[str] = field(default_factory=list)
    """Site paths of the previous build that are gone, sorted (only known with a cache)."""
    rendered: int = 0
    """Pages rendered."""
    skipped: int = 0
    """Pages not rendered because their inputs were unchanged since the cached build."""

    def __str__(self) -> str:
        return (f"built {self.files} files: {len(self.written)} written, {len(self.removed)} removed, "
                f"{self.rendered} pages rendered, {self.skipped} unchanged")


def build_site(
    bundle: Bundle,
    summary: Summary | None,
    out: Path,
    *,
    now: datetime,
    theme: Path | None = None,
    cache: Path | None = None,
) -> BuildReport:
    """Render every output for the page at `now` into the folder `out`.

    `theme` is the site's root folder: its `templates/` overrides the built-in templates, and the
    logo and custom CSS named in the site settings are read from it. `cache` is a file (outside
    `out`) remembering each page's inputs, so the next build into the same `out` renders only
    what changed and removes files that are no longer part of the site.
    Raises ContentError when the theme's logo or stylesheet cannot be read.
    """
    site_theme = load_theme(bundle.site, theme)
    view = build_view(bundle, summary, now)
    env = pages.environment(site_theme, bundle.site.time_zone)
    assets = pages.static_assets(env, site_theme)
    files: dict[str, bytes] = {asset.name: asset.content for asset in assets.values()}
    for name, render in data_outputs().items():
        for path, content in render(view).items():
            if path in files:
                raise ValueError(f"output {name!r} writes {path}, which another output wrote")
            files[path] = content
    # What every page depends on besides its own data. Which other files exist is not part of
    # it: a page records the few it links to in its data, so a new incident's API file does not
    # re-render every page.
    digest = hashlib.sha256(f"{pages.template_digest(env)}\0{site_theme.digest()}".encode()).hexdigest()
    context = RenderContext(
        theme=site_theme,
        assets={name: asset.name for name, asset in assets.items()},
        available=frozenset(files),
        digest=digest,
    )

    previous = _read_cache(cache)
    current: dict[str, _Entry] = {}
    keys: dict[str, str | None] = {}
    rendered = skipped = 0
    for item in pages.plan(view, context):
        if item.path in files or item.path in keys:
            raise ValueError(f"{item.path} is rendered twice")
        keys[item.path] = item.key
        old = previous.get(item.path)
        if item.key is not None and old is not None and old.key == item.key \
                and _matches(out / item.path, old):
            current[item.path] = old
            skipped += 1
            continue
        files[item.path] = item.render()
        rendered += 1

    written: list[str] = []
    for path, content in files.items():
        _check_path(path)
        entry = _Entry(hashlib.sha256(content).hexdigest(), len(content), keys.get(path))
        current[path] = entry
        target = out / path
        if path in previous and previous[path].sha == entry.sha and _matches(target, entry):
            continue
        if path not in previous and target.is_file() and target.read_bytes() == content:
            continue
        written.append(path)
    if cache is not None and written:
        # A build that stops half-way must not leave a cache describing files it did not write.
        cache.unlink(missing_ok=True)
    _write_all(out, {path: files[path] for path in written})
    removed = sorted(p for p in previous if p not in current)
    for path in removed:
        _remove(out, path)
    if cache is not None:
        _write_cache(cache, current)
    return BuildReport(files=len(current), written=sorted(written), removed=removed,
                       rendered=rendered, skipped=skipped)


@dataclass(frozen=True)
class _Entry:
    """What the cache remembers of one file."""

    sha: str
    size: int
    key: str | None
    """The page's input digest; None for files that are always rendered."""


def _matches(path: Path, entry: _Entry) -> bool:
    """The file is still the one the cache describes (a cheap check: present, same size)."""
    try:
        return path.stat().st_size == entry.size
    except FileNotFoundError:
        return False


def _read_cache(cache: Path | None) -> dict[str, _Entry]:
    if cache is None or not cache.is_file():
        return {}
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a damaged cache only costs a full build
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
        return {}
    return {path: _Entry(*entry) for path, entry in data["files"].items()}


def _write_cache(cache: Path, entries: dict[str, _Entry]) -> None:
    data = {"format": CACHE_FORMAT,
            "files": {p: [e.sha, e.size, e.key] for p, e in sorted(entries.items())}}
    _write(cache, json.dumps(data, separators=(",", ":")).encode())


def _check_path(path: str) -> None:
    parts = path.split("/")
    if path.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"output path {path!r} is not a plain site-relative path")


def _write_all(out: Path, files: dict[str, bytes]) -> None:
    """Write `files` under `out`. File creation is mostly waiting on the file system, so a few
    threads write at once; folders are made first, once each."""
    for folder in sorted({(out / path).parent for path in files}):
        folder.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=WRITE_THREADS) as pool:
        # list() re-raises the first error of any write.
        list(pool.map(lambda item: _write(out / item[0], item[1], make_folder=False), files.items()))


def _write(target: Path, content: bytes, *, make_folder: bool = True) -> None:
    """Write atomically: a reader (or a publish) never sees half a file."""
    if make_folder:
        target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        temporary.chmod(0o644)
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _remove(out: Path, path: str) -> None:
    """Delete a file that left the site, and the folders it leaves empty."""
    target = out / path
    target.unlink(missing_ok=True)
    folder = target.parent
    while folder != out and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
