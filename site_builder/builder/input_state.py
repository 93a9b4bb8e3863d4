"""What the inputs of a build and its published target hold now, in the terms
`site_builder.builder.last_build` records and compares:

- each input by a digest: of a file's bytes, of a folder's names and files, of the values of the
  environment variables the site names, of the site's time-zone data; statusgen's code, its
  libraries and Python by the type, size, times and inode of their files;
- each input also by a stamp: the type, size, times and inode of each file its digest reads, cheap
  to take again once a build has published, to tell that none changed meanwhile;
- the target by one digest of its manifest and of the type, size, times and inode of each file the
  manifest names and of each folder holding one.

Light to import, like `last_build` (the standard library; statusgen's own packages only inside the
functions that read them): `statusgen build` takes all of this before pydantic and the renderers
are loaded.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import stat
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

# --- what each input holds ------------------------------------------------------------------------


def builtin_templates() -> Path:
    """statusgen's own templates, found as `site_builder.outputs.theme.builtin_templates` finds them."""
    from site_builder.shipped import shipped

    return shipped("templates", "base.html").parent


def digest(kind: str, location: str) -> str:
    """The digest of one input, recomputed from what is there now."""
    if kind == "file":
        return _file_digest(location)
    if kind == "tree":
        return _tree(location, _file_digest)
    if kind == "env":
        return _environment_digest(location.split(",") if location else [])
    if kind == "zone":
        zone_file = _zone_file(location)
        return _file_digest(zone_file) if zone_file else "the tzdata package's"  # a library: see `_code_digest`
    if kind == "code":
        return _code_digest()
    raise ValueError(f"unknown input kind {kind!r}")


def stamp(kind: str, location: str) -> str:
    """The stamp of one input: what `digest` reads, by the types, sizes, times and inodes of its
    files (the environment and the code are as cheap to digest)."""
    if kind == "file":
        return _file_state(location, follow=True)
    if kind == "tree":
        return _tree(location, functools.partial(_file_state, follow=True))
    if kind == "zone":
        zone_file = _zone_file(location)
        return _file_state(zone_file, follow=True) if zone_file else "the tzdata package's"
    return digest(kind, location)


def _file_digest(path: str) -> str:
    try:
        with open(path, "rb") as handle:  # noqa: PTH123  (strings: a site has thousands of files)
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError as error:
        return f"unreadable: {type(error).__name__}"


def _tree(folder: str, described: Callable[[str], str]) -> str:
    """One digest of every name under `folder` and of each file as `described` says it,
    symlinks followed (each folder once): more than a build reads (hidden files too), never less."""
    entries: list[tuple[str, str]] = []
    seen: set[tuple[int, int]] = set()
    pending = [("", folder)]
    while pending:
        name, path = pending.pop()
        try:
            info = os.stat(path)  # noqa: PTH116  (strings, as above)
            if stat.S_ISDIR(info.st_mode):
                if (info.st_dev, info.st_ino) in seen:
                    entries.append((name, "folder seen"))
                    continue
                seen.add((info.st_dev, info.st_ino))
                entries.append((name, "folder"))
                pending += [(f"{name}/{child}", f"{path}/{child}") for child in os.listdir(path)]  # noqa: PTH208
            elif stat.S_ISREG(info.st_mode):
                entries.append((name, described(path)))
            else:
                entries.append((name, f"type {stat.S_IFMT(info.st_mode)}"))
        except OSError as error:
            entries.append((name, f"unreadable: {type(error).__name__}"))
    h = hashlib.sha256()
    for name, description in sorted(entries):
        h.update(f"{name}\0{description}\0".encode(errors="surrogateescape"))
    return h.hexdigest()


def _environment_digest(names: list[str]) -> str:
    """One digest of the variables' values together, so no single value can be guessed from it."""
    h = hashlib.sha256()
    for name in names:
        value = os.environ.get(name)
        h.update(f"{name}\0{'-' if value is None else '=' + value}\0".encode(errors="surrogateescape"))
    return h.hexdigest()


def _zone_file(zone: str) -> str | None:
    """The system's file of `zone`, which `zoneinfo` reads; None when it reads the tzdata package's."""
    import zoneinfo

    if ".." not in zone.split("/"):
        for folder in zoneinfo.TZPATH:
            path = Path(folder) / zone
            if path.is_file():
                return str(path)
    return None


def _code_digest() -> str:
    """statusgen's code, the libraries beside it, and Python: the type, size, times and inode of
    every file of statusgen's packages (its compiled bytecode aside) and of every folder on the
    import path, where installing, upgrading or removing any library changes the folder's times.

    Cheaper than `code_version.code_digest` (which would import `importlib.metadata` for the
    libraries' versions) and never blind where it is not: a library replaced without
    an install changes neither."""
    import checker
    import site_builder

    # The current folder (`python -c`) by its name only: a build changes what it holds.
    entries = [
        sys.version,
        sys.executable,
        *(f"{path}\0{_file_state(path) if path else Path.cwd()}" for path in sys.path),
    ]
    for package in (checker, site_builder):
        for folder, folders, names in os.walk(os.path.dirname(package.__file__ or "")):  # noqa: PTH120
            folders[:] = sorted(name for name in folders if name != "__pycache__")
            entries += [f"{folder}/{name}\0{_file_state(f'{folder}/{name}')}" for name in sorted(names)]
    return hashlib.sha256("\0".join(entries).encode(errors="surrogateescape")).hexdigest()


# --- what the target holds ------------------------------------------------------------------------


class Published(NamedTuple):
    """What a folder target holds (see `published_state`)."""

    state: str
    """One digest of it, as a publish reads it."""
    serves: bool | None
    """True when it serves exactly the expected site's files, as the next publish would find them:
    each present, a file of its recorded size, in folders that are not links (a publish lists the
    folder without following them); None when the manifest is not the expected one (unchecked)."""


def published_state(
    folder: Path, manifest: str, *, expected: tuple[str, Mapping[str, tuple[str, int]]] | None = None
) -> Published | None:
    """What the folder target serves, as a publish reads it: one digest of the bytes of its
    manifest, then the type, size, times and inode of every file the manifest names (or that it
    is absent) and the type and inode of each folder holding one. None without a readable manifest.

    A publish trusts the manifest for files present with the recorded size, and deletes the
    present files it names that the site no longer has: equal states give equal publishes.

    `expected` is the SHA-256 of a manifest and the files it names (path -> SHA-256 and size), as a
    build that has just published knows them: a manifest with that digest is neither held nor
    parsed (at 50,000 incidents, its 10 MB and its entries parsed were the build's peak of
    memory), and whether the folder serves those files is told from the same look at each file.
    """
    files: Mapping[str, tuple[str, int]] = {}
    try:
        with (folder / manifest).open("rb") as file:
            h = hashlib.file_digest(file, "sha256")
        if expected is not None and h.hexdigest() == expected[0]:
            files = expected[1]
            paths = sorted(files)
        else:
            data = (folder / manifest).read_bytes()
            h = hashlib.sha256(data)  # of the bytes parsed, should the file have changed meanwhile
            listed = json.loads(data)
            paths = sorted({*listed["files"], *listed.get("pending", ())})
            del data, listed  # every file's digest and size: megabytes for a large site
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    checked = bool(files)
    serves = True
    base = os.fspath(folder)
    folders: set[str] = set()
    for path in paths:
        info = _lstat(f"{base}/{path}")
        h.update(f"{path}\0{_described(info)}\0".encode(errors="surrogateescape"))
        if checked and serves:
            serves = isinstance(info, os.stat_result) and stat.S_ISREG(info.st_mode) and info.st_size == files[path][1]
        parent = path.rpartition("/")[0]
        while parent and parent not in folders:
            folders.add(parent)
            parent = parent.rpartition("/")[0]
    for path in sorted(folders):
        info = _lstat(f"{base}/{path}")
        h.update(f"{path}/\0{_folder_described(info)}\0".encode(errors="surrogateescape"))
        if checked and serves:
            serves = isinstance(info, os.stat_result) and stat.S_ISDIR(info.st_mode)
    h.update(f"./\0{_folder_described(_lstat(base))}".encode(errors="surrogateescape"))
    return Published(h.hexdigest(), serves if checked else None)


def _file_state(path: str, *, follow: bool = False) -> str:
    """A file's type, size, times and inode (of the link itself unless `follow`), or why not."""
    try:
        info = os.stat(path) if follow else os.lstat(path)  # noqa: PTH116
    except OSError as error:
        return _described(error)
    return _described(info)


def _lstat(path: str) -> os.stat_result | OSError:
    try:
        return os.lstat(path)
    except OSError as error:
        return error


def _described(info: os.stat_result | OSError) -> str:
    """`_file_state`'s words for what `os.lstat` (or `os.stat`) gave."""
    if isinstance(info, FileNotFoundError):
        return "absent"
    if isinstance(info, OSError):
        return f"unreadable: {type(info).__name__}"
    return (
        f"{stat.S_IFMT(info.st_mode)} {info.st_size} {info.st_mtime_ns} {info.st_ctime_ns} {info.st_dev} {info.st_ino}"
    )


def _folder_described(info: os.stat_result | OSError) -> str:
    """A folder's type and identity, not its times: a file someone else adds beside the site's
    does not change what a publish does."""
    if isinstance(info, OSError):
        return f"unreadable: {type(info).__name__}"
    return f"{stat.S_IFMT(info.st_mode)} {info.st_dev} {info.st_ino}"
