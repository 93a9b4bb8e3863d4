"""Where a site is published: a local folder or `s3://bucket/prefix`, behind one small interface."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from checker.atomic_file import write_atomic
from checker.aws import s3_client as new_s3_client
from checker.errors import PublishError
from site_builder.publish.headers import NOT_CACHED, cache_control, content_type
from site_builder.publish.manifest import MANIFEST_NAME

if TYPE_CHECKING:
    from botocore.exceptions import ClientError
    from mypy_boto3_s3 import S3Client

S3_DELETE_BATCH = 1000
"""S3's limit of keys per DeleteObjects request."""


class Target(ABC):
    """Where a site goes: list what is there, read the manifest, write a file, delete files."""

    location: str
    """As the user named it, for messages: `./public`, `s3://bucket/prefix`."""

    @abstractmethod
    def listing(self) -> dict[str, int]:
        """Site path -> size in bytes of every file at the target (the manifest included)."""

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
    """A local folder (the embedded default, and what `statusgen serve` shows). It may be served
    while it is written, so every file is replaced through a temporary file and a rename."""

    def __init__(self, root: Path, location: str) -> None:
        self.root = root
        self.location = location

    def listing(self) -> dict[str, int]:
        return dict(self.sizes())

    def sizes(self) -> Iterator[tuple[str, int]]:
        """(site path, size in bytes) of every file in the folder, one at a time: what `listing`
        holds, without holding it."""
        # os.scandir on plain strings: a site has a folder per incident, and a Path per file cost
        # more than the stat itself. Symlinked folders are not followed (as os.walk does not).
        pending = [("", os.fspath(self.root))]
        while pending:
            prefix, folder = pending.pop()
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        if entry.is_dir():
                            if not entry.is_symlink():
                                pending.append((f"{prefix}{entry.name}/", entry.path))
                        else:
                            yield prefix + entry.name, entry.stat().st_size
            except FileNotFoundError:
                continue  # nothing published yet, or a folder pruned meanwhile: no files there
            except OSError as error:
                raise PublishError(f"{self.location}: cannot list {prefix or './'}: {error.strerror}") from None

    def read(self, path: str) -> bytes | None:
        try:
            return (self.root / path).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise PublishError(f"{self.location}: cannot read {path}: {error.strerror}") from None

    def write(self, path: str, data: bytes) -> None:
        final = os.path.join(self.root, path)  # noqa: PTH118  (strings: thousands of files)
        try:
            # Readable by all whatever the umask: the site is public. No fsync: a site lost in a
            # crash is rebuilt, and syncing each of thousands of files would dominate a build.
            write_atomic(final, (data,), mode=0o644, make_folders=True)
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
    """`s3://bucket/prefix`, each file with its Content-Type and Cache-Control.

    botocore is imported inside the methods: building or serving to a folder never loads it."""

    def __init__(self, client: S3Client, bucket: str, prefix: str) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.location = f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"

    def key(self, path: str) -> str:
        return f"{self.prefix}/{path}" if self.prefix else path

    def listing(self) -> dict[str, int]:
        from botocore.exceptions import BotoCoreError, ClientError

        start = f"{self.prefix}/" if self.prefix else ""
        sizes: dict[str, int] = {}
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start)
            for page in pages:
                for item in page.get("Contents", []):
                    sizes[item["Key"][len(start) :]] = item["Size"]
        except ClientError as error:
            raise PublishError(f"{self.location}: cannot list: {_code(error)}") from None
        except BotoCoreError as error:
            raise PublishError(f"{self.location}: cannot list: {type(error).__name__}") from None
        return sizes

    def read(self, path: str) -> bytes | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(path))["Body"].read()
        except ClientError as error:
            if _code(error) in ("NoSuchKey", "404"):
                return None
            raise PublishError(f"{self.location}: cannot read {path}: {_code(error)}") from None
        except BotoCoreError as error:
            raise PublishError(f"{self.location}: cannot read {path}: {type(error).__name__}") from None

    def write(self, path: str, data: bytes) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.key(path),
                Body=data,
                ContentType=content_type(path),
                CacheControl=NOT_CACHED if path == MANIFEST_NAME else cache_control(path),
            )
        except ClientError as error:
            raise PublishError(f"{self.location}: cannot upload {path}: {_code(error)}") from None
        except BotoCoreError as error:
            raise PublishError(f"{self.location}: cannot upload {path}: {type(error).__name__}") from None

    def delete(self, paths: list[str]) -> list[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        failed: list[str] = []
        by_key = {self.key(p): p for p in paths}
        keys = list(by_key)
        for start in range(0, len(keys), S3_DELETE_BATCH):
            batch = keys[start : start + S3_DELETE_BATCH]
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
            s3_client = new_s3_client()
        return S3Target(s3_client, bucket, prefix.strip("/"))
    if "://" in target:
        raise PublishError(f"{target}: publish to a folder or to s3://bucket/prefix")
    path = Path(target)
    return FolderTarget(path if path.is_absolute() else base / path, target)
