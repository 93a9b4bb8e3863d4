"""Make a target serve a site, writing only the files whose content changed.

What is live is decided by the target itself (its listing and its manifest), so a lost build
cache, a killed publish or a fresh clone never leaves a removed file published. The order keeps
the live site consistent even when a publish fails or is killed half-way: the manifest first
(marking every path about to change as pending), then content-hashed assets, the other non-HTML
files (JSON, feeds, badges), HTML pages deepest first (a new incident page exists before the
index links to it), deletions (pages first, assets last), and the manifest again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.errors import PublishError
from site_builder.builder.two_processes import HERE, in_two_processes
from site_builder.publish.cloudfront import invalidate_changes, invalidate_quietly
from site_builder.publish.manifest import MANIFEST_NAME, LiveFile, LiveSite, manifest_bytes, read_live_site
from site_builder.publish.order import delete_batches, upload_batches
from site_builder.publish.targets import FolderTarget, Target, open_target

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

UPLOAD_THREADS = 8
"""Parallel uploads to S3."""
MIN_SHARED_WRITES = 200
"""Fewer files than this are written to a folder by this process alone: a second process would
cost more to start than it saves."""


@dataclass(frozen=True)
class PublishReport:
    """What a publish did."""

    target: str
    """Where it published (`./public`, `s3://bucket/prefix`)."""
    uploaded: list[str] = field(default_factory=list)
    """Site paths written, in the order they were written."""
    deleted: list[str] = field(default_factory=list)
    """Site paths removed from the target."""
    unchanged: int = 0
    """Files already live with the same content."""
    invalidation_id: str | None = None
    """The CloudFront invalidation created, if any."""
    not_deleted: list[str] = field(default_factory=list)
    """Files gone from the site that the target refused to delete; the next publish retries."""

    def __str__(self) -> str:
        text = (
            f"published to {self.target}: {len(self.uploaded)} uploaded, "
            f"{len(self.deleted)} deleted, {self.unchanged} unchanged"
        )
        if self.invalidation_id:
            text += f"; CloudFront invalidation {self.invalidation_id}"
        if self.not_deleted:
            text += f"; {len(self.not_deleted)} could not be deleted (retried next time)"
        return text


def publish(
    site_dir: Path,
    target: str,
    *,
    base: Path,
    cloudfront_distribution: str | None = None,
    s3_client: S3Client | None = None,
    cloudfront_client: Any = None,
    now: datetime | None = None,
) -> PublishReport:
    """Make `target` serve the files of the folder `site_dir`, writing only what changed.

    Raises PublishError when something cannot be written; every page live at the target still
    finds its assets, nothing was deleted, and the next publish finishes the job.
    """
    if not site_dir.is_dir():
        raise PublishError(f"{site_dir}: there is no built site to publish")
    destination = open_target(target, base=base, s3_client=s3_client)
    if isinstance(destination, FolderTarget) and destination.root.resolve() == site_dir.resolve():
        raise PublishError(f"{target}: the publish folder is the build folder; build elsewhere")

    def read(path: str) -> bytes:
        try:
            return (site_dir / path).read_bytes()
        except OSError as error:
            raise PublishError(f"{site_dir}: cannot read {path}: {error.strerror}") from None

    return publish_files(
        destination,
        local_files(site_dir),
        read,
        read_live_site(destination),
        cloudfront_distribution=cloudfront_distribution,
        cloudfront_client=cloudfront_client,
        now=now,
    )


def publish_files(
    destination: Target,
    site: Mapping[str, LiveFile],
    read: Callable[[str], bytes],
    live: LiveSite,
    *,
    cloudfront_distribution: str | None = None,
    cloudfront_client: Any = None,
    now: datetime | None = None,
) -> PublishReport:
    """Make `destination`, which serves `live`, serve `site` (path -> SHA-256 and size); `read`
    gives the bytes of a file that must be written. The one publishing mechanism, used for a
    built folder and for a build that writes straight to its target."""
    changed = [path for path, (sha, _) in site.items() if live.sha(path) != sha]
    removed = sorted(path for path in live.owned if path not in site)
    if not changed and not removed:
        return PublishReport(target=destination.location, unchanged=len(site))
    pending = set(changed)
    known = {path: entry for path, entry in live.files.items() if path not in pending}
    pending.update(path for path in removed if path not in known)
    # Saved before the first write: a publish killed from here on leaves a manifest that names
    # every file it may have written, so the next publish replaces or deletes each of them.
    destination.write(MANIFEST_NAME, manifest_bytes(known, pending))

    uploaded: list[str] = []
    for batch in upload_batches(changed, live.owned):
        written, failure = _write_all(destination, read, batch)
        uploaded += written
        known.update((path, site[path]) for path in written)
        pending = pending.difference(written)  # a set never shrinks in place: 4 MB for 100,000 paths
        if failure is not None:
            _save_quietly(destination, known, pending)
            if cloudfront_distribution:
                invalidate_quietly(cloudfront_distribution, uploaded, client=cloudfront_client, now=now)
            raise failure
    not_deleted: list[str] = []
    for group in delete_batches(removed):
        not_deleted += destination.delete(group)
    deleted = [path for path in removed if path not in not_deleted]
    for path in deleted:
        known.pop(path, None)
        pending.discard(path)
    destination.write(MANIFEST_NAME, manifest_bytes(known, pending))
    invalidation = None
    if cloudfront_distribution:
        invalidation = invalidate_changes(cloudfront_distribution, uploaded, deleted, client=cloudfront_client, now=now)
    return PublishReport(
        target=destination.location,
        uploaded=uploaded,
        deleted=deleted,
        unchanged=len(site) - len(changed),
        invalidation_id=invalidation,
        not_deleted=not_deleted,
    )


def _save_quietly(destination: Target, known: dict[str, LiveFile], pending: set[str]) -> None:
    """After a failure, record what was written; if even that fails, the manifest written before
    the uploads still marks them pending, which only costs uploading them again."""
    with contextlib.suppress(PublishError):
        destination.write(MANIFEST_NAME, manifest_bytes(known, pending))


def local_files(site_dir: Path) -> dict[str, LiveFile]:
    """Site path -> SHA-256 and size of every file of a built folder, in sorted order."""
    files: dict[str, LiveFile] = {}
    # os.scandir on plain strings: a site has a folder per incident, and a Path per file cost
    # more than reading and hashing it. Symlinked folders are not followed (as os.walk does not).
    pending = [("", os.fspath(site_dir))]
    while pending:
        prefix, folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir():
                    if not entry.is_symlink():
                        pending.append((f"{prefix}{entry.name}/", entry.path))
                    continue
                path = prefix + entry.name
                if path != MANIFEST_NAME:
                    with open(entry.path, "rb") as handle:  # noqa: PTH123  (see above)
                        data = handle.read()
                    files[path] = (hashlib.sha256(data).hexdigest(), len(data))
    return dict(sorted(files.items()))


def _write_all(
    destination: Target, read: Callable[[str], bytes], paths: list[str]
) -> tuple[list[str], PublishError | None]:
    """Write `paths`, in any order; return those written and the first failure, if any."""

    def write(path: str, _who: int = HERE) -> PublishError | None:
        try:
            destination.write(path, read(path))
        except PublishError as error:
            return error
        return None  # not the path: from the second process, a copy of every other one

    if isinstance(destination, FolderTarget):
        # Creating a file or a folder is the kernel's work, and costs as much as rendering the
        # file on a slow disk: a second process creates every other one.
        outcomes = in_two_processes(paths, write, min_items=MIN_SHARED_WRITES)
    else:
        with ThreadPoolExecutor(max_workers=UPLOAD_THREADS) as pool:
            outcomes = list(pool.map(write, paths))
    written = [path for path, outcome in zip(paths, outcomes, strict=True) if outcome is None]
    failures = [outcome for outcome in outcomes if outcome is not None]
    return written, failures[0] if failures else None
