"""The store on S3: the same interface as the folder store, with S3's own conditional writes.

`put(if_none_match=True)` sends `If-None-Match: *` and `put(if_match=etag)` sends `If-Match`, so two
writers racing on `state.json` cannot both win: the loser gets PreconditionFailed, re-reads and
retries (see Store.update_json). Throttling and 5xx answers are retried with exponential backoff and
jitter; a write that still fails raises StoreError and writes nothing (S3 writes are all or nothing).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from checker.errors import PreconditionFailed, StoreError
from checker.store.base import Store, StoredObject

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

T = TypeVar("T")
RETRYABLE_CODES = {
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "InternalError",
    "ServiceUnavailable",
    "503",
    "500",
    "502",
    "504",
}
_CONFLICT_CODES = {"PreconditionFailed", "ConditionalRequestConflict"}


class S3Store(Store):
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        client: S3Client | None = None,
        attempts: int = 5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._client = client
        self.attempts = attempts
        self._sleep = sleep

    @classmethod
    def from_url(cls, url: str, *, client: S3Client | None = None) -> S3Store:
        """`s3://bucket/prefix` (the prefix is optional)."""
        if not url.startswith("s3://") or not url[5:].split("/", 1)[0]:
            raise StoreError(f"not an S3 address: {url!r} (expected s3://bucket/prefix)")
        bucket, _, prefix = url[5:].partition("/")
        return cls(bucket, prefix, client=client)

    @property
    def client(self) -> S3Client:
        if self._client is None:
            import boto3  # slow to import: only paid for by S3 users, on first use
            from botocore.config import Config

            # Our own loop retries throttling with backoff; keep botocore's to its standard set.
            self._client = boto3.client("s3", config=Config(retries={"mode": "standard"}))
        return self._client

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def get(self, key: str) -> StoredObject | None:
        def read() -> StoredObject | None:
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            except Exception as error:
                if _code(error) in ("NoSuchKey", "404"):
                    return None
                raise
            return StoredObject(data=response["Body"].read(), etag=response["ETag"])

        return self._retrying(key, read)

    def put(
        self,
        key: str,
        data: bytes,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
        content_type: str = "application/json",
    ) -> str:
        arguments: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": self._key(key),
            "Body": data,
            "ContentType": content_type,
        }
        if if_none_match:
            arguments["IfNoneMatch"] = "*"
        if if_match is not None:
            arguments["IfMatch"] = if_match

        def write() -> str:
            try:
                response = self.client.put_object(**arguments)
            except Exception as error:
                code = _code(error)
                if code in _CONFLICT_CODES or (if_match is not None and code in ("NoSuchKey", "404")):
                    raise PreconditionFailed(f"{self.location}/{key} changed since it was read") from error
                raise
            return str(response["ETag"])

        return self._retrying(key, write)

    def list(self, prefix: str = "") -> Iterator[str]:
        def collect() -> list[str]:
            paginator = self.client.get_paginator("list_objects_v2")
            strip = len(self.prefix) + 1 if self.prefix else 0
            keys: list[str] = []
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
                keys.extend(item["Key"][strip:] for item in page.get("Contents", []))
            return sorted(keys)

        return iter(self._retrying(prefix, collect))

    def delete(self, key: str) -> None:
        self._retrying(key, lambda: self.client.delete_object(Bucket=self.bucket, Key=self._key(key)))

    def _retrying(self, key: str, call: Callable[[], T]) -> T:
        """`call()`, again after a growing, jittered pause while S3 throttles or fails inside."""
        for attempt in range(self.attempts):
            try:
                return call()
            except PreconditionFailed:
                raise
            except Exception as error:
                code = _code(error)
                if code is None:
                    raise StoreError(f"{self.location}/{key}: {type(error).__name__}") from error
                if code not in RETRYABLE_CODES or attempt == self.attempts - 1:
                    raise StoreError(f"{self.location}/{key}: S3 answered {code}") from error
                self._sleep(min(0.05 * 2**attempt, 2.0) * (0.5 + random.random() / 2))
        raise AssertionError("unreachable")  # pragma: no cover


def _code(error: BaseException) -> str | None:
    """The S3 error code of a botocore ClientError (None for anything else, e.g. a network error)."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    if code is None:
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = str(status) if status else None
    return str(code) if code is not None else None
