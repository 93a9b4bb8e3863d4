"""Where measured data lives: a local folder by default, or S3 for `s3://bucket/prefix`."""

from __future__ import annotations

from pathlib import Path

from checker.store.base import Store, StoredObject, dump_json
from checker.store.local import LocalStore

__all__ = ["LocalStore", "Store", "StoredObject", "dump_json", "open_store"]


def open_store(location: str, *, base: Path | None = None) -> Store:
    """The store at `location`: `s3://bucket/prefix`, or a folder (relative to `base`)."""
    if location.startswith("s3://"):
        from checker.store.s3 import S3Store  # boto3 is slow to import; only S3 users pay for it

        return S3Store.from_url(location)
    path = Path(location)
    if base is not None and not path.is_absolute():
        path = base / path
    return LocalStore(path)
