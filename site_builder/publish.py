"""Publish a built site to a folder or to S3, uploading only what changed.

A manifest kept at the target (`.statusgen-manifest.json`, path -> SHA-256) says what is live, so a
publish compares content hashes instead of listing or downloading the target. The order keeps the
live site consistent even when a publish fails half-way: content-hashed assets first, then the
other non-HTML files (JSON, feeds, badges), then HTML pages, deepest first (a new incident page
exists before the index links to it), then deletions (pages first, assets last), then the
manifest. The manifest only ever records what was written and still lists what may not be deleted
yet, so the next publish redoes whatever a failed or killed one left out.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Container, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError

from checker.errors import PublishError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MANIFEST_NAME = ".statusgen-manifest.json"
"""Where the manifest lives at the target; never linked from any page."""
IMMUTABLE = "public, max-age=31536000, immutable"
"""Cache-Control of content-hashed assets: a changed asset gets a new name."""
SHORT_LIVED = "public, max-age=30"
"""Cache-Control of everything else: a status page must never be stale for long."""
MAX_INVALIDATION_PATHS = 15
"""Above this many changed paths one `/*` is invalidated instead: CloudFront bills per path, and a
page rebuilt every minute would otherwise pay for each changed file on each run."""
UPLOAD_THREADS = 8

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
        text = (f"published to {self.target}: {len(self.uploaded)} uploaded, "
                f"{len(self.deleted)} deleted, {self.unchanged} unchanged")
        if self.invalidation_id:
            text += f"; CloudFront invalidation {self.invalidation_id}"
        if self.not_deleted:
            text += f"; {len(self.not_deleted)} could not be deleted (retried next time)"
        return text


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
    return IMMUTABLE if is_hashed_asset(path) else SHORT_LIVED


# --- targets ----------------------------------------------------------------------------------


class Target(ABC):
    """Where a site goes: read the manifest, write a file, delete files."""

    location: str

    @abstractmethod
    def read(self, path: str) -> bytes | None:
        """The bytes at `path`, or None when there is no such file."""

    @abstractmethod
    def write(self, path: str, data: bytes) -> None:
        """Replace `path` with `data` at once: readers see the old file or the new, never a part."""

    @abstractmethod
    def delete(self, paths: list[str]) -> list[str]:
        """Remove `paths`; return those that could not be removed."""


class FolderTarget(Target):
    """A local folder (the embedded default, and what `statusgen serve` shows)."""

    def __init__(self, root: Path, location: str) -> None:
        self.root = root
        self.location = location

    def read(self, path: str) -> bytes | None:
        try:
            return (self.root / path).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise PublishError(f"{self.location}: cannot read {path}: {error.strerror}") from None

    def write(self, path: str, data: bytes) -> None:
        final = self.root / path
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                Path(temporary).chmod(0o644)  # mkstemp creates 0600; a web server must read it
                Path(temporary).replace(final)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise PublishError(f"{self.location}: cannot write {path}: {error.strerror}") from None

    def delete(self, paths: list[str]) -> list[str]:
        failed = []
        for path in paths:
            try:
                (self.root / path).unlink(missing_ok=True)
            except OSError:
                failed.append(path)
                continue
            self._prune(Path(path).parent)
        return failed

    def _prune(self, folder: Path) -> None:
        """Remove folders a deletion left empty (an incident page's folder), up to the root."""
        while folder.parts:
            try:
                (self.root / folder).rmdir()
            except OSError:
                return
            folder = folder.parent


class S3Target(Target):
    """`s3://bucket/prefix`, each file with its Content-Type and Cache-Control."""

    def __init__(self, client: S3Client, bucket: str, prefix: str) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.location = f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"

    def key(self, path: str) -> str:
        return f"{self.prefix}/{path}" if self.prefix else path

    def read(self, path: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(path))["Body"].read()
        except ClientError as error:
            if _code(error) in ("NoSuchKey", "404"):
                return None
            raise PublishError(f"{self.location}: cannot read {path}: {_code(error)}") from None
        except BotoCoreError as error:
            raise PublishError(f"{self.location}: cannot read {path}: {type(error).__name__}") from None

    def write(self, path: str, data: bytes) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self.key(path), Body=data,
                ContentType=content_type(path),
                CacheControl="no-cache" if path == MANIFEST_NAME else cache_control(path),
            )
        except ClientError as error:
            raise PublishError(f"{self.location}: cannot upload {path}: {_code(error)}") from None
        except BotoCoreError as error:
            raise PublishError(f"{self.location}: cannot upload {path}: {type(error).__name__}") from None

    def delete(self, paths: list[str]) -> list[str]:
        failed: list[str] = []
        by_key = {self.key(p): p for p in paths}
        keys = list(by_key)
        for start in range(0, len(keys), 1000):  # S3's limit per DeleteObjects request
            batch = keys[start:start + 1000]
            try:
                answer = self.client.delete_objects(
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
                )
            except (ClientError, BotoCoreError):
                failed += [by_key[k] for k in batch]
                continue
            failed += [by_key[e["Key"]] for e in answer.get("Errors", []) if e.get("Key") in by_key]
        return failed


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "error"))


def open_target(target: str, *, base: Path, s3_client: S3Client | None = None) -> Target:
    """A folder (absolute, or relative to `base`) or `s3://bucket/prefix`."""
    if target.startswith("s3://"):
        bucket, _, prefix = target.removeprefix("s3://").partition("/")
        if not bucket:
            raise PublishError(f"{target}: name a bucket, as in s3://my-bucket/status")
        if s3_client is None:
            import boto3

            s3_client = boto3.client("s3")
        return S3Target(s3_client, bucket, prefix.strip("/"))
    if "://" in target:
        raise PublishError(f"{target}: publish to a folder or to s3://bucket/prefix")
    path = Path(target)
    return FolderTarget(path if path.is_absolute() else base / path, target)


# --- publishing -------------------------------------------------------------------------------


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
    """Make `target` serve the files of `site_dir`, writing only what changed.

    Raises PublishError when something cannot be written; whatever was written by then is in the
    manifest, nothing was deleted, and every page live at the target still finds its assets.
    """
    if not site_dir.is_dir():
        raise PublishError(f"{site_dir}: there is no built site to publish")
    destination = open_target(target, base=base, s3_client=s3_client)
    if isinstance(destination, FolderTarget) and destination.root.resolve() == site_dir.resolve():
        raise PublishError(f"{target}: the publish folder is the build folder; build elsewhere")
    local = local_hashes(site_dir)
    live = read_manifest(destination)
    changed = [path for path, digest in local.items() if live.get(path) != digest]
    removed = sorted(path for path in live if path not in local)
    if not changed and not removed:
        return PublishReport(target=destination.location, unchanged=len(local))

    manifest = dict(live)
    uploaded: list[str] = []
    for batch in upload_batches(changed, live):
        written, failure = _write_all(destination, site_dir, batch)
        uploaded += written
        manifest.update((path, local[path]) for path in written)
        if failure is not None:
            _save_manifest(destination, manifest, best_effort=True)
            if cloudfront_distribution:
                _invalidate_quietly(cloudfront_distribution, uploaded, cloudfront_client, now)
            raise failure
    not_deleted: list[str] = []
    for group in reversed(upload_batches(removed)):  # pages before the assets they use
        not_deleted += destination.delete(group)
    # Saved after deleting: a publish killed while deleting leaves the old manifest, which still
    # lists those files, so the next publish deletes them instead of forgetting them live.
    for path in removed:
        if path not in not_deleted:  # the rest is still there; the next publish tries again
            del manifest[path]
    _save_manifest(destination, manifest, best_effort=False)
    deleted = [path for path in removed if path not in not_deleted]
    invalidation = None
    if cloudfront_distribution:
        paths = invalidation_paths([p for p in uploaded if not is_hashed_asset(p)] + deleted)
        if paths:
            invalidation = invalidate(cloudfront_distribution, paths, client=cloudfront_client,
                                      now=now or datetime.now(UTC))
    return PublishReport(target=destination.location, uploaded=uploaded, deleted=deleted,
                         unchanged=len(local) - len(changed), invalidation_id=invalidation,
                         not_deleted=not_deleted)


def _invalidate_quietly(distribution: str, uploaded: list[str], client: Any, now: datetime | None) -> None:
    """After a failed publish, still refresh the CDN for what was written; the failure is what to report."""
    paths = invalidation_paths([p for p in uploaded if not is_hashed_asset(p)])
    if paths:
        # If this fails too, the pages still expire within a minute (SHORT_LIVED).
        with contextlib.suppress(PublishError):
            invalidate(distribution, paths, client=client, now=now or datetime.now(UTC))


def local_hashes(site_dir: Path) -> dict[str, str]:
    """Site path -> SHA-256 of every file of the built site, in sorted order."""
    hashes: dict[str, str] = {}
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
                        hashes[path] = hashlib.sha256(handle.read()).hexdigest()
    return dict(sorted(hashes.items()))


def read_manifest(destination: Target) -> dict[str, str]:
    """What the target serves, per its manifest; empty (upload everything) when it has none."""
    data = destination.read(MANIFEST_NAME)
    if data is None:
        return {}
    try:
        files = json.loads(data)["files"]
    except (ValueError, KeyError, TypeError):
        return {}  # unreadable: forget it and upload everything, which is always safe
    if not isinstance(files, dict):
        return {}
    return {str(k): str(v) for k, v in files.items()}


def upload_batches(paths: Iterable[str], live: Container[str] = frozenset()) -> list[list[str]]:
    """Changed files in the order that keeps the live site whole: assets, data, new pages, then
    the pages already `live`. A batch is written completely before the next one starts."""
    assets, data, pages = [], [], []
    for path in sorted(paths):
        if is_hashed_asset(path):
            assets.append(path)
        elif path.endswith(".html"):
            pages.append(path)
        else:
            data.append(path)
    # Deepest pages first: an incident's page is live before the index and history link to it.
    pages.sort(key=lambda p: (-p.count("/"), p))
    # New pages in a batch of their own: a changed page at the same depth (a component's page)
    # may link to a new incident, and uploads within a batch run in parallel.
    new_pages = [p for p in pages if p not in live]
    old_pages = [p for p in pages if p in live]
    return [batch for batch in (assets, data, new_pages, old_pages) if batch]


def _write_all(destination: Target, site_dir: Path, paths: list[str]) -> tuple[list[str], PublishError | None]:
    """Write `paths`; return those written and the first failure, if any."""
    def write(path: str) -> str:
        try:
            data = (site_dir / path).read_bytes()
        except OSError as error:
            raise PublishError(f"{site_dir}: cannot read {path}: {error.strerror}") from None
        destination.write(path, data)
        return path

    written: list[str] = []
    failure: PublishError | None = None
    if isinstance(destination, FolderTarget):
        for path in paths:
            try:
                written.append(write(path))
            except PublishError as error:
                return written, error
        return written, None
    with ThreadPoolExecutor(max_workers=UPLOAD_THREADS) as pool:
        futures = [pool.submit(write, path) for path in paths]
        for future in futures:
            try:
                written.append(future.result())
            except PublishError as error:
                failure = failure or error
    return written, failure


def _save_manifest(destination: Target, files: dict[str, str], *, best_effort: bool) -> None:
    data = json.dumps({"format": 1, "files": dict(sorted(files.items()))}, indent=0).encode()
    try:
        destination.write(MANIFEST_NAME, data)
    except PublishError:
        # A stale manifest only makes the next publish upload more than it needs to.
        if not best_effort:
            raise


def invalidation_paths(paths: Iterable[str]) -> list[str]:
    """CloudFront paths for changed site paths; a directory index is also served at its folder."""
    out: set[str] = set()
    for path in paths:
        out.add("/" + quote(path, safe="/~"))
        if path == "index.html" or path.endswith("/index.html"):
            out.add("/" + quote(path.removesuffix("index.html"), safe="/~"))
    if len(out) > MAX_INVALIDATION_PATHS:
        return ["/*"]
    return sorted(out)


def invalidate(distribution: str, paths: list[str], *, client: Any, now: datetime) -> str:
    """Create one CloudFront invalidation for `paths`; return its id."""
    if client is None:
        import boto3

        client = boto3.client("cloudfront")
    reference = "statusgen-" + hashlib.sha256(
        (now.isoformat() + "\n" + "\n".join(paths)).encode()).hexdigest()[:32]
    try:
        answer = client.create_invalidation(
            DistributionId=distribution,
            InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": paths},
                               "CallerReference": reference},
        )
    except ClientError as error:
        raise PublishError(
            f"CloudFront distribution {distribution}: the files are published but the cache was not "
            f"invalidated ({_code(error)}); they expire within {SHORT_LIVED.rsplit('=', 1)[-1]} s"
        ) from None
    except BotoCoreError as error:
        raise PublishError(
            f"CloudFront distribution {distribution}: the files are published but the cache was not "
            f"invalidated ({type(error).__name__})"
        ) from None
    return str(answer["Invalidation"]["Id"])
