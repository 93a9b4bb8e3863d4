"""The embedded-default store: a folder on disk, safe for concurrent processes.

Conditional writes are emulated with an exclusive lock per key (`fcntl.flock` on a lock file in
`.locks/`): the check of the current version and the replacement happen under the lock, and the
replacement itself is an atomic rename, so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from checker.atomic_file import is_temporary, write_atomic
from checker.errors import PreconditionFailed, StoreError
from checker.store.base import Store, StoredObject

_LOCKS = ".locks"


class LocalStore(Store):
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @property
    def location(self) -> str:
        return str(self.root)

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if not key or any(p in ("", ".", "..") for p in parts) or parts[0] == _LOCKS:
            raise StoreError(f"invalid store key {key!r}")
        return self.root.joinpath(*parts)

    def get(self, key: str) -> StoredObject | None:
        try:
            data = self._path(key).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StoreError(f"{self.location}/{key}: {error.strerror}") from error
        return StoredObject(data=data, etag=_etag(data))

    def put(
        self,
        key: str,
        data: bytes,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
        content_type: str = "application/json",
    ) -> str:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._locked(key):
                if if_none_match and path.exists():
                    raise PreconditionFailed(f"{self.location}/{key} already exists")
                if if_match is not None:
                    current = self.get(key)
                    if current is None or current.etag != if_match:
                        raise PreconditionFailed(f"{self.location}/{key} changed since it was read")
                # Synced before the rename: a run must survive a crash once put() has returned.
                # Owner-only, as the store's files always were.
                write_atomic(path, (data,), mode=0o600, durable=True)
        except OSError as error:
            raise StoreError(f"{self.location}/{key}: {error.strerror}") from error
        return _etag(data)

    def list(self, prefix: str = "") -> Iterator[str]:
        # Walk only the folder the prefix names (`runs/2026/11/22/` is one folder of a large tree).
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        top = self.root / folder if folder else self.root
        if not top.is_dir():
            return iter(())
        keys = []
        for dirpath, dirnames, filenames in os.walk(top):
            base = Path(dirpath).relative_to(self.root).as_posix()
            if base == ".":
                dirnames[:] = [d for d in dirnames if d != _LOCKS]
                base = ""
            for name in filenames:
                # `.tmp-*`: temporaries of versions before write_atomic, left by a crash.
                if is_temporary(name) or name.startswith(".tmp-"):
                    continue
                key = f"{base}/{name}" if base else name
                if key.startswith(prefix):
                    keys.append(key)
        return iter(sorted(keys))

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    @contextlib.contextmanager
    def _locked(self, key: str) -> Iterator[None]:
        lock_dir = self.root / _LOCKS
        lock_dir.mkdir(parents=True, exist_ok=True)
        lock_name = hashlib.sha256(key.encode()).hexdigest()[:32]
        with (lock_dir / lock_name).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _etag(data: bytes) -> str:
    # SHA-256 is computed in hardware on current CPUs: twice as fast as MD5 on a large summary.
    return hashlib.sha256(data).hexdigest()[:32]
