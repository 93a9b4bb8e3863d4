"""Build the whole site into a folder: assets, data outputs (API, feeds, badges...), then pages.

Deterministic: the same bundle, summary, theme and `now` give byte-identical files. Incremental: a
file whose bytes did not change is not rewritten (so its modification time and any publish diff
stay quiet), and with a `cache` file a file whose inputs did not change (a page, an incident's
API file, a feed) is not even rendered. A cache key covers the file's own data, the templates and
theme, and the renderer's code and library versions, so a changed renderer rebuilds everything.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import importlib.metadata
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import checker
import site_builder
from checker.bundle import Bundle
from checker.summary import Summary
from site_builder.outputs import Deferred, RenderContext, data_plans, pages
from site_builder.theme import load_theme
from site_builder.view import build_view

CACHE_FORMAT = 2
RENDERING_LIBRARIES = ("pydantic-core", "jinja2", "markupsafe", "feedgen", "icalendar", "nh3", "markdown")
"""Libraries whose upgrade may change output bytes: their versions are part of every cache key."""


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
    """Files with a cache key (pages, each incident's API file, feeds) rendered."""
    skipped: int = 0
    """Files with a cache key not rendered because their inputs were unchanged since the cached build."""

    def __str__(self) -> str:
        return (f"built {self.files} files: {len(self.written)} written, {len(self.removed)} removed, "
                f"{self.rendered} rendered, {self.skipped} unchanged")


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
    `out`) remembering each file's inputs, so the next build into the same `out` renders only
    what changed and removes files that are no longer part of the site.
    Raises ContentError when the theme's logo or stylesheet cannot be read.
    """
    with _collector_spared():
        return _build(bundle, summary, out, now=now, theme=theme, cache=cache)


@contextlib.contextmanager
def _collector_spared() -> Iterator[None]:
    """Leave the objects alive before the build (the bundle, the summary, the modules) out of
    garbage collection until it ends: they outlive it anyway, and with thousands of incidents
    every collection walking them made a build a tenth slower."""
    if gc.get_freeze_count():  # the program arranged frozen objects itself: leave that alone
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _build(
    bundle: Bundle,
    summary: Summary | None,
    out: Path,
    *,
    now: datetime,
    theme: Path | None,
    cache: Path | None,
) -> BuildReport:
    site_theme = load_theme(bundle.site, theme)
    view = build_view(bundle, summary, now)
    env = pages.environment(site_theme, bundle.site.time_zone)
    assets = pages.static_assets(env, site_theme)
    asset_files = {asset.name: asset.content for asset in assets.values()}
    for path in asset_files:
        _check_path(path)
    # What every file depends on besides its own data: the code and libraries that render it,
    # the templates and the theme. Which other files exist is not part of it: a page records the
    # few it links to in its data, so a new incident's API file does not re-render every page.
    digest = hashlib.sha256(
        f"{code_digest()}\0{pages.template_digest(env)}\0{site_theme.digest()}".encode()).hexdigest()
    taken = set(asset_files)
    planned: list[Deferred] = []
    for name, plan in data_plans().items():
        for item in plan(view):
            if item.path in taken:
                raise ValueError(f"output {name!r} writes {item.path}, which another output wrote")
            _check_path(item.path)
            taken.add(item.path)
            key = None if item.key is None else hashlib.sha256(f"{digest}\0{item.key}".encode()).hexdigest()
            planned.append(Deferred(item.path, key, item.render))
    context = RenderContext(
        theme=site_theme,
        assets={name: asset.name for name, asset in assets.items()},
        available=frozenset(taken),
        digest=digest,
    )
    for item in pages.plan(view, context):
        if item.path in taken:
            raise ValueError(f"{item.path} is rendered twice")
        _check_path(item.path)
        taken.add(item.path)
        planned.append(item)

    previous = _read_cache(cache)
    current: dict[str, _Entry] = {}
    changed: list[tuple[str, bytes, bool]] = []  # path, bytes, whether the folder lacks the file
    rendered = skipped = 0
    fresh = not out.is_dir()  # a first build: no file can be there yet, so none is looked for

    def keep(path: str, content: bytes, key: str | None) -> None:
        entry = _Entry(hashlib.sha256(content).hexdigest(), len(content), key)
        current[path] = entry
        if path in previous and previous[path].sha == entry.sha and _matches(out, path, entry):
            return
        new = path not in previous and (fresh or not (out / path).is_file())
        if path not in previous and not new and (out / path).read_bytes() == content:
            return
        changed.append((path, content, new))

    for path, content in asset_files.items():
        keep(path, content, None)
    for item in planned:
        old = previous.get(item.path)
        if item.key is not None and old is not None and old.key == item.key \
                and _matches(out, item.path, old):
            current[item.path] = old
            skipped += 1
            continue
        keep(item.path, item.render(), item.key)
        rendered += item.key is not None
    if cache is not None and changed:
        # A build that stops half-way must not leave a cache describing files it did not write.
        cache.unlink(missing_ok=True)
    # One thread, after rendering: file creation here is work for the kernel, which threads only
    # contend for, and writer threads running during rendering slowed it (each of its calls that
    # releases the GIL waited to get it back).
    for path, content, new in changed:
        (_create if new else _write)(out / path, content)
    removed = sorted(p for p in previous if p not in current)
    for path in removed:
        _remove(out, path)
    if cache is not None:
        _write_cache(cache, current)
    return BuildReport(files=len(current), written=sorted(path for path, _, _ in changed), removed=removed,
                       rendered=rendered, skipped=skipped)


@functools.cache
def code_digest() -> str:
    """Digest of the statusgen source and the rendering libraries' versions: a changed renderer
    must not leave files of the old one behind its unchanged cache keys."""
    h = hashlib.sha256()
    for package in (checker, site_builder):
        root = Path(package.__file__ or "").parent
        for source in sorted(root.rglob("*.py")):
            h.update(source.relative_to(root).as_posix().encode() + b"\0" + source.read_bytes() + b"\0")
    for library in RENDERING_LIBRARIES:
        try:
            version = importlib.metadata.version(library)
        except importlib.metadata.PackageNotFoundError:  # installed without its metadata
            version = "unknown"
        h.update(f"{library}={version}\0".encode())
    return h.hexdigest()


@dataclass(frozen=True)
class _Entry:
    """What the cache remembers of one file."""

    sha: str
    size: int
    key: str | None
    """The digest of the file's inputs; None for files that are always rendered."""


def _matches(out: Path, path: str, entry: _Entry) -> bool:
    """The file is still the one the cache describes (a cheap check: present, same size)."""
    try:
        # os.stat on a joined string: a Path per file costs more than the stat itself.
        return os.stat(os.path.join(out, path)).st_size == entry.size  # noqa: PTH116, PTH118
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


def _create(target: Path, content: bytes) -> None:
    """Write a file the folder does not have yet, in place: a third fewer file system calls than
    `_write`, which counts on a site of thousands of files. Safe because no one serves the build
    folder while it is built, and a build killed half-way leaves no cache, so the next build
    compares each file's bytes and rewrites a partial one."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:  # made since it was found missing: replace it the safe way
        _write(target, content)
        return
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o644)  # whatever the umask: the site is public
        handle.write(content)


def _write(target: Path, content: bytes) -> None:
    """Write atomically: a reader (or a publish) never sees half a file."""
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    except FileNotFoundError:
        # The folder is made only when missing: most writes go to folders that exist.
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o644)  # mkstemp makes it 0600; the site is public
            handle.write(content)
        Path(name).replace(target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _remove(out: Path, path: str) -> None:
    """Delete a file that left the site, and the folders it leaves empty."""
    target = out / path
    target.unlink(missing_ok=True)
    folder = target.parent
    while folder != out and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
