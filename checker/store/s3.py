"""The store on S3: the same interface as the folder store, with S3's own conditional writes.

`put(if_none_match=True)` sends `If-None-Match: *` and `put(if_match=etag)` sends `If-Match`, so two
writers racing on `state.json` cannot both win: the loser gets PreconditionFailed, re-reads and
retries (see Store.update_json). Throttling, 5xx answers and timeouts are retried by botocore
(`checker.aws`); a write that still fails raises StoreError and writes nothing (S3 writes are all or
nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from checker.aws import S3_ATTEMPTS, s3_client
from checker.errors import PreconditionFailed, StoreError
from checker.store.base import Store, StoredObject

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

T = TypeVar("T")
_CONFLICT_CODES = {"PreconditionFailed", "ConditionalRequestConflict"}


class S3Store(Store):
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        client: S3Client | None = None,
        attempts: int = S3_ATTEMPTS,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._client = client
        self.attempts = attempts
        """Tries per request of the client the store makes; a client passed in keeps its own retries."""

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
            self._client = s3_client(self.attempts)  # on first use: boto3 is slow to import
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

        return self._answered(key, read)

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

        return self._answered(key, write)

    def list(self, prefix: str = "") -> Iterator[str]:
        def collect() -> list[str]:
            paginator = self.client.get_paginator("list_objects_v2")
            strip = len(self.prefix) + 1 if self.prefix else 0
            keys: list[str] = []
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
                keys.extend(item["Key"][strip:] for item in page.get("Contents", []))
            return sorted(keys)

        return iter(self._answered(prefix, collect))

    def delete(self, key: str) -> None:
        self._answered(key, lambda: self.client.delete_object(Bucket=self.bucket, Key=self._key(key)))

    def _answered(self, key: str, call: Callable[[], T]) -> T:
        """`call()`, its failures as StoreError (botocore has already retried what is worth retrying)."""
        try:
            return call()
        except PreconditionFailed:
            raise
        except Exception as error:
            code = _code(error)
            if code is None:
                raise StoreError(f"{self.location}/{key}: {type(error).__name__}") from error
            raise StoreError(f"{self.location}/{key}: S3 answered {code}") from error


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
