"""Build the whole site and publish it to its target, writing each changed file once.

Deterministic: the same bundle, summary, theme and `now` give byte-identical files. Incremental:
the target's own listing and manifest (see `site_builder.publish`) say which bytes are live, and
only files whose bytes differ are written; with a `cache` file, a file whose inputs did not change
and whose bytes are still live is not even rendered. A cache key covers the file's own data, the
templates and theme, and the renderer's code and library versions, so a changed renderer rebuilds
everything. The cache only spares rendering: losing it never changes what is published.
Everything is rendered before anything is written, so a build that fails publishes nothing; the
rendered bytes wait in temporary files, and large builds render on two cores (see
`site_builder.outputs.render_share`). Given what its inputs were read from, the cache also records
the build, with the next moment its outputs change by the clock, so that `statusgen build` can
tell a rebuild that would change nothing without loading the site (see `site_builder.builder.last_build`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import jinja2
import orjson

from checker.atomic_file import write_atomic
from checker.bundle import Bundle
from checker.collector import paused_collection, spared_from_collection
from checker.summary import Summary
from site_builder.builder.code_version import code_digest
from site_builder.builder.json_parts import object_in_parts
from site_builder.builder.last_build import BuildRecord, Inputs
from site_builder.i18n.site_languages import SiteLanguages
from site_builder.outputs import Deferred, RenderContext, Unplanned, data_plans, pages
from site_builder.outputs.next_change import next_change
from site_builder.outputs.render_share import Rendered, Spool, Stored, render_all
from site_builder.outputs.theme import Theme, load_theme
from site_builder.outputs.view import SiteView, build_view
from site_builder.publish.manifest import MANIFEST_NAME, LiveFile, LiveSite, manifest_bytes, read_live_site
from site_builder.publish.publisher import PublishReport, publish_files
from site_builder.publish.targets import FolderTarget, Target, open_target

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

CACHE_FORMAT = 3

ExtraOutputs = Callable[[RenderContext], list[Deferred]]
"""Files a site has besides the built-in outputs (the internal site's operations view), planned
once the assets' names are known."""


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the CLI and for tests."""

    files: int
    """Files in the built site."""
    published: PublishReport
    """What was written to and deleted from the target."""
    rendered: int = 0
    """Files with a cache key (pages, each incident's API file, feeds) rendered."""
    skipped: int = 0
    """Files with a cache key not rendered: their inputs were unchanged and their bytes are live."""

    @property
    def written(self) -> list[str]:
        """Site paths whose bytes changed (or are new), sorted."""
        return sorted(self.published.uploaded)

    @property
    def removed(self) -> list[str]:
        """Site paths that left the site and were deleted from the target, sorted."""
        return sorted(self.published.deleted)

    def __str__(self) -> str:
        return f"built {self.files} files: {self.rendered} rendered, {self.skipped} unchanged"


def build_site(
    bundle: Bundle,
    summary: Summary | None,
    out: Path,
    *,
    now: datetime,
    theme: Path | None = None,
    cache: Path | None = None,
    languages: SiteLanguages | None = None,
) -> BuildReport:
    """Render every output for the page at `now` into the folder `out`, published there as to any
    folder target (with its manifest), so files that left the site are removed.

    `theme` is the site's root folder: its `templates/` overrides the built-in templates, and the
    logo and custom CSS named in the site settings are read from it. `cache` is a file (outside
    `out`) remembering each file's inputs, so the next build renders only what changed.
    `languages` are the languages to build the pages and feeds in (the site's own by default).
    Raises ContentError when the theme's logo or stylesheet cannot be read.
    """
    return _build(bundle, summary, FolderTarget(out, str(out)), now=now, theme=theme, cache=cache, languages=languages)


def build_and_publish_site(
    bundle: Bundle,
    summary: Summary | None,
    target: str,
    *,
    base: Path,
    now: datetime,
    theme: Path | None = None,
    cache: Path | None = None,
    cloudfront_distribution: str | None = None,
    s3_client: S3Client | None = None,
    cloudfront_client: Any = None,
    inputs: Inputs | None = None,
    languages: SiteLanguages | None = None,
    extra: ExtraOutputs | None = None,
) -> BuildReport:
    """Render the site and write what changed straight to `target` (a folder, absolute or
    relative to `base`, or `s3://bucket/prefix`), then invalidate the changed paths.

    `inputs` are what the bundle, summary and theme were read from (see `site_builder.builder.last_build`):
    given them, the `cache` also records the build, so that a rebuild that would change nothing
    is recognised without loading the site.
    Raises PublishError when the target cannot be read or written (see `publish_files`)."""
    destination = open_target(target, base=base, s3_client=s3_client)
    return _build(
        bundle,
        summary,
        destination,
        now=now,
        theme=theme,
        cache=cache,
        cloudfront_distribution=cloudfront_distribution,
        cloudfront_client=cloudfront_client,
        inputs=inputs,
        languages=languages,
        extra=extra,
    )


def _build(
    bundle: Bundle,
    summary: Summary | None,
    destination: Target,
    *,
    now: datetime,
    theme: Path | None,
    cache: Path | None,
    cloudfront_distribution: str | None = None,
    cloudfront_client: Any = None,
    inputs: Inputs | None = None,
    languages: SiteLanguages | None = None,
    extra: ExtraOutputs | None = None,
) -> BuildReport:
    with spared_from_collection() as spare, Spool.open() as spool:
        live = read_live_site(destination)
        previous, previous_build, compiled_for = _read_cache(cache)
        with paused_collection():
            planned, digest = _plan(
                bundle, summary, now=now, theme=theme, languages=languages, extra=extra, compiled_for=compiled_for
            )
        spare()  # the plan outlives rendering: collections meanwhile (both processes') skip it
        site = _render(planned, live, previous, spool)
        # The plan (each file's renderer, with the view and the pages' data it holds) is let go
        # once rendered: publishing a large site needs that memory.
        del planned
        published = publish_files(
            destination,
            site.files,
            lambda path: spool.read(site.changed.pop(path)),  # each file is written once
            live,
            cloudfront_distribution=cloudfront_distribution,
            cloudfront_client=cloudfront_client,
            now=now,
        )
        site.changed.clear()  # where the spool kept each file: not needed once published
        last_build = None
        if inputs is not None and isinstance(destination, FolderTarget) and not published.not_deleted:
            # The digest of the manifest the publish left, unless the target changed since.
            expected = hashlib.sha256(manifest_bytes(site.files)).hexdigest()
            last_build = inputs.record(
                folder=destination.root,
                location=destination.location,
                manifest=MANIFEST_NAME,
                files=len(site.files),
                serves=functools.partial(_serves, destination, site.files),
                built_at=now,
                until=next_change(bundle, summary, now),
                previous=previous_build,
                expected_manifest=(expected, site.files),
            )
        if cache is not None and (
            not site.cached_as(previous) or last_build != previous_build or digest != compiled_for
        ):
            _write_cache(cache, site, last_build, digest)
    return BuildReport(files=len(site.files), published=published, rendered=site.rendered, skipped=site.skipped)


def _serves(destination: FolderTarget, files: dict[str, LiveFile]) -> bool:
    """True when `destination` serves exactly `files` as a publish finds it: the next publish of
    the same files writes and deletes nothing. Asked only where the manifest is not the one this
    build wrote (see `Inputs.record`)."""
    live = read_live_site(destination)
    return live.files == files and live.owned == files.keys()


def _plan(
    bundle: Bundle,
    summary: Summary | None,
    *,
    now: datetime,
    theme: Path | None,
    languages: SiteLanguages | None = None,
    extra: ExtraOutputs | None = None,
    compiled_for: str | None = None,
) -> tuple[list[Deferred | Unplanned], str]:
    """Every file of the site, not rendered yet: assets, data outputs, then pages; and the digest
    of what renders them (code, templates, theme). `compiled_for` is that digest as the cached
    build had it: every page template compiled then, so now each process compiles only the
    templates it renders; with another digest (or none) all are compiled before rendering, by a
    second process while this one plans where one can run (see `pages.plan`)."""
    site_theme = load_theme(bundle.site, theme)
    env = pages.environment(site_theme, bundle.site.time_zone)
    # What every file depends on besides its own data: the code and libraries that render it,
    # the templates and the theme. Which other files exist is not part of it: a page records the
    # few it links to in its data, so a new incident's API file does not re-render every page.
    digest = hashlib.sha256(
        f"{code_digest()}\0{pages.template_digest(env)}\0{site_theme.digest()}".encode()
    ).hexdigest()
    compile_all = digest != compiled_for
    # A second core compiles the templates while this process plans, when all are to be compiled.
    with pages.compiled_meanwhile(env, site_theme) if compile_all else contextlib.nullcontext(lambda: None) as compiled:
        view = build_view(bundle, summary, now, languages)
        planned, context, added = _data_files(view, env, site_theme, digest, extra)
        taken = {item.path for item in planned}
        for item in [*pages.plan(view, context, compile_all=compile_all, compiled=compiled), *added]:
            if item.path in taken:
                raise ValueError(f"{item.path} is rendered twice")
            _check_path(item.path)
            taken.add(item.path)
            planned.append(item)
    return planned, digest


def _data_files(
    view: SiteView, env: jinja2.Environment, theme: Theme, digest: str, extra: ExtraOutputs | None
) -> tuple[list[Deferred | Unplanned], RenderContext, list[Deferred]]:
    """The assets and the data outputs' files; what the pages are rendered with (the assets'
    names, every file they may link to); and the site's extra files (see `ExtraOutputs`)."""
    assets = pages.static_assets(env, theme)
    planned: list[Deferred | Unplanned] = [
        Deferred(asset.name, None, functools.partial(bytes, asset.content)) for asset in assets.values()
    ]
    for item in planned:
        _check_path(item.path)
    taken = {item.path for item in planned}
    for name, plan in data_plans().items():
        for item in plan(view):
            if item.path in taken:
                raise ValueError(f"output {name!r} writes {item.path}, which another output wrote")
            _check_path(item.path)
            taken.add(item.path)
            if isinstance(item, Unplanned):
                planned.append(Unplanned(item.path, functools.partial(_plan_keyed, digest, item.plan), item.shares))
            else:
                planned.append(_keyed(digest, item))
    context = RenderContext(
        theme=theme,
        assets={name: asset.name for name, asset in assets.items()},
        available=frozenset(taken),
        digest=digest,
    )
    added = extra(context) if extra else []
    if added:  # the pages may link to them (the internal site's footer links its operations view)
        context = dataclasses.replace(context, available=context.available | {item.path for item in added})
    return planned, context, added


def _keyed(digest: str, item: Deferred) -> Deferred:
    """A data output's file with `digest` (templates, theme, code) in its key."""
    key = None if item.key is None else hashlib.sha256(f"{digest}\0{item.key}".encode()).hexdigest()
    return Deferred(item.path, key, item.render, item.shares)


def _plan_keyed(digest: str, plan: Callable[[], Deferred]) -> Deferred:
    """An `Unplanned` data output's file, planned, with `digest` in its key."""
    return _keyed(digest, plan())


@dataclass(frozen=True, slots=True)
class _Entry:
    """What the cache remembers of one file: its inputs' key and the bytes they gave."""

    key: str
    sha: str
    size: int


@dataclass
class _RenderedSite:
    files: dict[str, LiveFile]
    """Every file of the site: SHA-256 and size."""
    changed: dict[str, Stored]
    """The files whose bytes are not live at the target yet, and where the spool keeps them."""
    keys: dict[str, str]
    """The key of each file that has one: with `files`, the cache of the next build (a key, not an
    `_Entry` holding the digest and size again: at 50,000 incidents, 100,000 of them)."""
    rendered: int = 0
    skipped: int = 0

    def cached_as(self, previous: dict[str, _Entry]) -> bool:
        """True when the next build's cache is `previous`, entry for entry."""
        return self.keys.keys() == previous.keys() and all(
            entry.key == self.keys[path] and (entry.sha, entry.size) == self.files[path]
            for path, entry in previous.items()
        )


def _render(
    planned: list[Deferred | Unplanned], live: LiveSite, previous: dict[str, _Entry], spool: Spool
) -> _RenderedSite:
    """Render what the target does not already serve into `spool`; a file whose inputs are
    unchanged since the cached build and whose bytes are live is not rendered at all. A file
    planned only when it may be rendered (`Unplanned`) is planned by the process that renders it,
    and its key comes back with it."""

    def still_live(item: Deferred) -> bool:
        return _still_live(item, previous.get(item.path), live)

    renders = [isinstance(item, Unplanned) or not still_live(item) for item in planned]
    outcomes = iter(render_all([item for item, todo in zip(planned, renders, strict=True) if todo], spool, still_live))
    site = _RenderedSite(files={}, changed={}, keys={})
    for item, todo in zip(planned, renders, strict=True):  # in plan order: publishing keeps it
        outcome = next(outcomes) if todo else Rendered(item.key if isinstance(item, Deferred) else None, None)
        if outcome.stored is None:
            old = previous[item.path]
            site.files[item.path] = (old.sha, old.size)
            site.keys[item.path] = old.key
            site.skipped += 1
            continue
        entry = (outcome.stored.sha256, outcome.stored.size)
        site.files[item.path] = entry
        if outcome.key is not None:
            site.keys[item.path] = outcome.key
            site.rendered += 1
        if live.files.get(item.path) != entry:
            site.changed[item.path] = outcome.stored
    return site


def _still_live(item: Deferred, old: _Entry | None, live: LiveSite) -> bool:
    """True when the item's inputs are those of the cached build and its bytes are live."""
    return (
        item.key is not None
        and old is not None
        and old.key == item.key
        and live.files.get(item.path) == (old.sha, old.size)
    )


class _CachedBuild(NamedTuple):
    """What `.statusgen/build-cache.json` remembers of the last build."""

    entries: dict[str, _Entry]
    """Each file's inputs' key and the bytes they gave."""
    record: BuildRecord | None
    """The record that lets an unchanged rebuild be skipped (see `last_build`)."""
    digest: str | None
    """Of what rendered it: code, templates, theme (see `_plan`)."""


def _read_cache(cache: Path | None) -> _CachedBuild:
    if cache is None or not cache.is_file():
        return _CachedBuild({}, None, None)
    try:
        data = orjson.loads(cache.read_bytes())
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
            return _CachedBuild({}, None, None)
        entries = {str(path): _Entry(str(key), str(sha), int(size)) for path, (key, sha, size) in data["files"].items()}
        digest = data.get("digest")
        return _CachedBuild(entries, data.get("last_build"), digest if isinstance(digest, str) else None)
    except (OSError, ValueError, TypeError, KeyError):
        return _CachedBuild({}, None, None)  # a damaged cache only costs rendering every file once


def _write_cache(cache: Path, site: _RenderedSite, last_build: BuildRecord | None, digest: str) -> None:
    def dumps(paths: Sequence[str]) -> bytes:
        return orjson.dumps({path: (site.keys[path], *site.files[path]) for path in paths})

    # Written part by part (see `site_builder.builder.json_parts`); a cache that cannot be written only
    # costs rendering again next time.
    parts = itertools.chain(
        (orjson.dumps({"format": CACHE_FORMAT, "digest": digest})[:-1], b',"files":'),
        object_in_parts(sorted(site.keys), dumps),
        (b',"last_build":' + orjson.dumps(last_build) if last_build is not None else b"", b"}"),
    )
    with contextlib.suppress(OSError):
        write_atomic(cache, parts, make_folders=True)


_NOT_PLAIN = frozenset(("", ".", ".."))
"""Path parts an output path must not have: it would escape or alias a folder of the site."""


def _check_path(path: str) -> None:
    if path.startswith("/") or not _NOT_PLAIN.isdisjoint(path.split("/")):
        raise ValueError(f"output path {path!r} is not a plain site-relative path")
