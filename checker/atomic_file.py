"""Replacing a file at once: readers (a web server, another process, the next run) see the old
file or the new one, never a part, and a failed write leaves neither the new file nor its
temporary behind.

Every file statusgen writes for someone else to read goes through here: the folder store, the
mail outbox, published sites, imported and edited incident files, the Lambda zip.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from typing import BinaryIO

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC


def write_atomic(
    path: str | os.PathLike[str],
    parts: Iterable[bytes],
    *,
    mode: int | None = None,
    durable: bool = False,
    make_folders: bool = False,
) -> None:
    """Replace `path` with the concatenation of `parts` (a large file is never whole in memory).

    `mode`: the new file's permissions whatever the umask; None gives what `open()` would.
    `durable`: the data is on disk before the rename, so a crash cannot leave an empty file
    where the old one was (worth its cost for the store, not for a site that can be rebuilt).
    `make_folders`: create missing parent folders, looked for only when the temporary file
    cannot be created, so writing into folders that exist costs no extra system call.
    """
    with replacing(path, mode=mode, durable=durable, make_folders=make_folders) as out:
        for part in parts:
            out.write(part)


class replacing:
    """A file to write that replaces `path` when the block ends without an error, and is
    removed when it ends with one; for writers that need a real file (one that seeks, as
    zipfile does). Parameters as in `write_atomic`."""

    # A class, not @contextmanager: a site build comes through here thousands of times, and a
    # generator per file cost a tenth of the time of writing a small one.
    __slots__ = ("_durable", "_final", "_mode", "_out", "_temporary")

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        mode: int | None = None,
        durable: bool = False,
        make_folders: bool = False,
    ) -> None:
        # Plain strings throughout, no Path per file.
        self._final = final = os.fspath(path)
        folder, name = os.path.split(final)
        # The process id makes the name unique among processes; a name left by a killed process
        # whose id came round again is simply replaced.
        self._temporary = temporary = os.path.join(folder, f".{name}.{os.getpid()}.tmp")  # noqa: PTH118
        self._mode = mode
        self._durable = durable
        try:
            fd = _create(temporary, mode)
        except FileNotFoundError:
            if not make_folders or not folder:
                raise
            os.makedirs(folder, exist_ok=True)  # noqa: PTH103
            fd = _create(temporary, mode)
        try:
            self._out = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            self._discard()
            raise

    def __enter__(self) -> BinaryIO:
        out = self._out
        if self._mode is not None:
            try:
                os.fchmod(out.fileno(), self._mode)  # os.open's mode passes through the umask; this does not
            except BaseException:
                out.close()
                self._discard()
                raise
        return out

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        out = self._out
        try:
            if kind is None and self._durable:
                out.flush()
                os.fsync(out.fileno())
            out.close()
            if kind is None:
                os.replace(self._temporary, self._final)  # noqa: PTH105  (strings, as above)
                return
        except BaseException:
            out.close()
            self._discard()
            raise
        self._discard()

    def _discard(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self._temporary)  # noqa: PTH108


def is_temporary(name: str) -> bool:
    """Whether a file name is one of `write_atomic`'s temporaries (left behind by a killed process)."""
    return name.startswith(".") and name.endswith(".tmp")


def _create(temporary: str, mode: int | None) -> int:
    permissions = 0o666 if mode is None else mode
    try:
        return os.open(temporary, _FLAGS, permissions)
    except FileExistsError:
        os.unlink(temporary)  # noqa: PTH108
        return os.open(temporary, _FLAGS, permissions)
