"""The store: a key-value view of object storage, with the conditional writes the checker relies on.

Keys are `/`-separated paths such as `runs/2026/11/22/…json` or `state.json`. Two implementations
share this interface: a local folder (the embedded default) and S3.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from pydantic_core import to_jsonable_python

from checker.errors import PreconditionFailed, StoreError

T = TypeVar("T")


@dataclass(frozen=True)
class StoredObject:
    data: bytes
    etag: str
    """Opaque version tag; pass it back as `if_match` to write only if nobody changed it since."""

    def json(self) -> Any:
        return orjson.loads(self.data)


class Store(ABC):
    """Objects by key, with write-if-absent and write-if-unchanged."""

    @abstractmethod
    def get(self, key: str) -> StoredObject | None:
        """The object at `key`, or None when there is none."""

    @abstractmethod
    def put(
        self,
        key: str,
        data: bytes,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
        content_type: str = "application/json",
    ) -> str:
        """Write `data` and return its new etag.

        `if_none_match=True` writes only when no object exists; `if_match=etag` only when the object
        is still that version. Either failing raises PreconditionFailed and writes nothing.
        """

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys that start with `prefix`, in lexicographic order."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove `key`; no error when it is already gone."""

    @property
    @abstractmethod
    def location(self) -> str:
        """Where this store lives, for messages (`./data`, `s3://bucket/prefix`)."""

    # --- helpers built on the primitives above ---

    def get_json(self, key: str) -> Any | None:
        obj = self.get(key)
        return None if obj is None else obj.json()

    def put_json(self, key: str, value: Any, **conditions: Any) -> str:
        return self.put(key, dump_json(value), **conditions)

    def put_over(self, key: str, data: bytes, current: StoredObject | None) -> str:
        """Write `data` only if `key` is still `current` (the version read; None: no object), so
        a writer that read an older version learns it with PreconditionFailed."""
        if current is None:
            return self.put(key, data, if_none_match=True)
        return self.put(key, data, if_match=current.etag)

    def update_json(self, key: str, change: Callable[[Any | None], Any], *, attempts: int = 10) -> Any:
        """Read-modify-write `key` with `change(current) -> new`, retrying when another writer wins.

        `change` receives None when the object does not exist yet and must be a pure function of its
        argument, because it runs again on each conflict.
        """
        for _ in range(attempts):
            current = self.get(key)
            new = change(None if current is None else current.json())
            try:
                self.put_over(key, dump_json(new), current)
                return new
            except PreconditionFailed:
                continue
        raise StoreError(f"{self.location}/{key}: still changing after {attempts} attempts")


def dump_json(value: Any) -> bytes:
    """Stable, compact JSON: sorted keys so that equal content gives equal bytes (orjson: the
    summary of a large fleet is megabytes, written on every run). A model within `value` is
    written as its JSON form."""
    return orjson.dumps(value, default=to_jsonable_python, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
