"""What the last build read and left at its target, so that `statusgen build` recognises a rebuild
that would change nothing before it loads the site or imports a renderer, says so and stops.

A full build records, with its cache of each file's inputs (`.statusgen/build-cache.json`):

- the digest of the bytes of every file it read: `statuspage.yaml`, everything under `incidents/`
  and `templates/`, statusgen's own templates, the custom stylesheet and logo, the store's
  `summary.json` (and its parts), the site's time-zone data; one digest of the values of the
  environment variables `statuspage.yaml` refers to (never the values themselves);
- statusgen's code, its libraries and Python: the size, times and inode of each of statusgen's
  source files and of each folder on the import path (installing a library changes its folder);
- what it was asked for: the site's folder, `--out`, whether subscribers would be notified;
- what the target holds: the digest of its manifest, and the type, size, times and inode of
  every file the manifest names and of the folders holding them;
- when it was built, and the earliest moment at which any output changes by the clock alone
  (`site_builder.next_change`).

A later build whose clock lies in that span and finds every one of these unchanged would render
the same bytes and write, delete and notify nothing, so it is skipped. The inputs are hashed
before the build reads them, and their files' sizes, times and inodes are taken before that and
again once it has published: an input changed in between leaves no record. Only folder stores
and folder targets are recorded; anything else always builds.

Kept apart from the pipeline and light to import (the standard library and `checker.secrets`):
its whole point is to answer before pydantic and the renderers are loaded.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from site_builder.paths import shown_path

BUILD_CACHE = Path(".statusgen") / "build-cache.json"
"""The build's cache of each file's inputs, relative to the site's folder; it holds this record
too, under `last_build` (see `site_builder.build`)."""
CONFIG_FILE = "statuspage.yaml"
SOURCE_FOLDERS = ("incidents", "templates")
"""The folders of the site a build reads whole: the incident files and the template overrides."""
_RECORD_FORMAT = 1


# --- the front door of `statusgen build` ----------------------------------------------------------


@dataclass(frozen=True)
class Unchanged:
    """A rebuild that would change nothing: what the last build published is still right."""

    files: int
    """Files of the site, all still published."""
    target: str
    """The target as the build named it (`./public`)."""

    def __str__(self) -> str:
        return (
            f"nothing changed since the last build: {self.files:,} files published to "
            f"{shown_path(self.target)} unchanged"
        )


def build_unless_unchanged(root: Path, *, out: str | None, now: datetime, notify: bool) -> list[str]:
    """What `statusgen build` does and says: one line when nothing changed since the last build
    to the same target (see `unchanged_since_last_build`), otherwise the pipeline's build and
    publish (`pipeline.build_and_publish`), one line per step."""
    sources = read_sources(root, out=out)  # before anything is read, for the build that may follow
    unchanged = unchanged_since_last_build(root, out=out, now=now, notify=notify, sources=sources)
    if unchanged is not None:
        return [str(unchanged)]
    from site_builder.pipeline import build_and_publish  # pydantic, the content parser, the store

    return build_and_publish(root, out=out, now=now, notify=notify, sources=sources).lines()


def unchanged_since_last_build(
    root: Path, *, out: str | None, now: datetime, notify: bool, sources: Inputs | None = None
) -> Unchanged | None:
    """`Unchanged` when a build of the site at `root` to `out` at `now` would write, delete and
    notify nothing: the last build went to the same target, `now` lies between it and the next
    change by the clock, and every input and the target are as that build left them. None
    whenever any of that is not certain (no record, another target, a changed file, ...).
    `sources` are the inputs `read_sources` just took, if it did: they are not read again."""
    known = {(kind, location): digest for kind, location, digest in (sources.digests if sources else ())}
    try:
        record = json.loads((root / BUILD_CACHE).read_bytes()).get("last_build")
        if not isinstance(record, dict) or record.get("format") != _RECORD_FORMAT:
            return None
        if (
            record["root"] != str(root.resolve())
            or record["out"] != out
            or (notify and record["notifies"])
            or not datetime.fromisoformat(record["built_at"]) <= now < datetime.fromisoformat(record["until"])
        ):
            return None
        if any(
            (known.get((kind, location)) or _digest(kind, location)) != digest
            for kind, location, digest in record["inputs"]
        ):
            return None
        target = record["target"]
        if published_state(Path(target["folder"]), target["manifest"]) != target["state"]:
            return None
        return Unchanged(files=int(target["files"]), target=str(target["location"]))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # no record, or not one this code wrote: build


# --- what a build read ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What one build reads, each file or folder by the digest of its bytes, and what it was asked
    for; taken before the build reads them (see `read_sources` and `with_site`)."""

    root: str
    """The site's folder, resolved."""
    out: str | None
    """`--out` as the pipeline got it (None: the configured `publish:`)."""
    digests: tuple[tuple[str, str, str], ...] = ()
    """(kind, location, digest) of each input; `kind` is file, tree, code, env or zone."""
    stamps: tuple[str, ...] = ()
    """Of each input, its files' types, sizes, times and inodes, taken just before its digest:
    cheap to take again once the build has published, to tell that none changed meanwhile."""
    notifies: bool = False
    """True when subscribers are configured: a build notifying them is never skipped."""
    recordable: bool = True
    """False when something read or written is not a folder (an S3 store or target)."""

    def with_site(self, *, files: list[Path], zone: str, notifies: bool, recordable: bool) -> Inputs:
        """These inputs and those only the loaded site names: its store's summary files, its
        stylesheet and logo (`files`), the data of its time zone; taken before they are read."""
        digests, stamps = _taken([*(("file", str(path.absolute())) for path in files), ("zone", zone)])
        return replace(
            self,
            digests=(*self.digests, *digests),
            stamps=(*self.stamps, *stamps),
            notifies=notifies,
            recordable=recordable,
        )

    def unchanged(self) -> bool:
        """True when no input changed since its digest was taken: every stamp is as it was (a
        change of a file changes its inode's change time)."""
        return all(
            _stamp(kind, location) == stamp
            for (kind, location, _), stamp in zip(self.digests, self.stamps, strict=True)
        )

    def record(
        self,
        *,
        folder: Path,
        location: str,
        manifest: str,
        files: int,
        serves: Callable[[], bool],
        built_at: datetime,
        until: datetime,
        previous: dict[str, Any] | None,
    ) -> dict[str, Any] | None:
        """The record of a build that published `files` files to the folder `folder` (named
        `location`), whose `manifest` file says what it holds, or None when a rebuild could not
        trust it. `serves` tells whether the target now serves exactly the built site (as the
        next publish would find it); it is asked after the target's state is taken, so a change
        made to the target meanwhile is either seen by it or changes that state.

        The `previous` record is kept when this build only confirms it (the same inputs, target
        and next change, later): the cache is then not written again."""
        if not self.recordable or until <= built_at:
            return None
        state = published_state(folder, manifest)
        if state is None or not serves() or not self.unchanged():
            return None
        current = {
            "format": _RECORD_FORMAT,
            "root": self.root,
            "out": self.out,
            "notifies": self.notifies,
            "built_at": built_at.isoformat(),
            "until": until.isoformat(),
            "inputs": [list(entry) for entry in self.digests],
            "target": {
                "location": location,
                "folder": str(folder.absolute()),
                "manifest": manifest,
                "files": files,
                "state": state,
            },
        }
        # Both builds found the outputs constant up to `until`, from their own moment on: so
        # they are from the earlier one.
        with contextlib.suppress(KeyError, TypeError, ValueError):
            if (
                previous is not None
                and {**previous, "built_at": current["built_at"]} == current
                and datetime.fromisoformat(previous["built_at"]) <= built_at
            ):
                return previous
        return current


def read_sources(root: Path, *, out: str | None) -> Inputs:
    """The inputs of a build of the site at `root` that are known before it is loaded:
    `statuspage.yaml` and the environment variables it refers to, `incidents/`, `templates/`,
    statusgen's own templates and its code. Call it before the site is read."""
    root = root.resolve()
    config = root / CONFIG_FILE
    entries = [("file", str(config)), ("env", ",".join(_referenced_variables(config)))]
    entries += [("tree", str(root / folder)) for folder in SOURCE_FOLDERS]
    entries += [("tree", str(_builtin_templates())), ("code", "")]
    digests, stamps = _taken(entries)
    return Inputs(root=str(root), out=out, digests=digests, stamps=stamps)


def _taken(entries: list[tuple[str, str]]) -> tuple[tuple[tuple[str, str, str], ...], tuple[str, ...]]:
    """The digest and the stamp of each input, the stamps first: a change made after a stamp was
    taken shows in it, whichever bytes the digest then read."""
    stamps = tuple(_stamp(kind, location) for kind, location in entries)
    return tuple((kind, location, _digest(kind, location)) for kind, location in entries), stamps


def _referenced_variables(config: Path) -> list[str]:
    """Every variable `${NAME}` in `statuspage.yaml` names, deferred sections included (more than
    the build resolves, never less); those never resolved (the function's own credentials) left out."""
    from checker.secrets import REFERENCE, RUNTIME_CREDENTIALS

    try:
        text = config.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return sorted({match[2] for match in REFERENCE.finditer(text)} - RUNTIME_CREDENTIALS)


def _builtin_templates() -> Path:
    """statusgen's own templates, found as `theme.builtin_templates` finds them."""
    from site_builder.shipped import shipped

    return shipped("templates", "base.html").parent


def _digest(kind: str, location: str) -> str:
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


def _stamp(kind: str, location: str) -> str:
    """The stamp of one input: what `_digest` reads, by the types, sizes, times and inodes of its
    files (the environment and the code are as cheap to digest)."""
    if kind == "file":
        return _file_state(location, follow=True)
    if kind == "tree":
        return _tree(location, functools.partial(_file_state, follow=True))
    if kind == "zone":
        zone_file = _zone_file(location)
        return _file_state(zone_file, follow=True) if zone_file else "the tzdata package's"
    return _digest(kind, location)


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


def published_state(folder: Path, manifest: str) -> str | None:
    """One digest of what the folder target serves, as a publish reads it: the bytes of its
    manifest, then the type, size, times and inode of every file the manifest names (or that it
    is absent) and the type and inode of each folder holding one. None without a readable manifest.

    A publish trusts the manifest for files present with the recorded size, and deletes the
    present files it names that the site no longer has: equal states give equal publishes.
    """
    try:
        data = (folder / manifest).read_bytes()
        listed = json.loads(data)
        paths = sorted({*listed["files"], *listed.get("pending", ())})
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    h = hashlib.sha256(data)
    base = os.fspath(folder)
    folders: set[str] = set()
    for path in paths:
        h.update(f"{path}\0{_file_state(f'{base}/{path}')}\0".encode(errors="surrogateescape"))
        parent = path.rpartition("/")[0]
        while parent and parent not in folders:
            folders.add(parent)
            parent = parent.rpartition("/")[0]
    for path in sorted(folders):
        h.update(f"{path}/\0{_folder_state(f'{base}/{path}')}\0".encode(errors="surrogateescape"))
    h.update(f"./\0{_folder_state(base)}".encode(errors="surrogateescape"))
    return h.hexdigest()


def _file_state(path: str, *, follow: bool = False) -> str:
    """A file's type, size, times and inode (of the link itself unless `follow`), or why not."""
    try:
        info = os.stat(path) if follow else os.lstat(path)  # noqa: PTH116
    except FileNotFoundError:
        return "absent"
    except OSError as error:
        return f"unreadable: {type(error).__name__}"
    return (
        f"{stat.S_IFMT(info.st_mode)} {info.st_size} {info.st_mtime_ns} {info.st_ctime_ns} {info.st_dev} {info.st_ino}"
    )


def _folder_state(path: str) -> str:
    """A folder's type and identity, not its times: a file someone else adds beside the site's
    does not change what a publish does."""
    try:
        info = os.lstat(path)
    except OSError as error:
        return f"unreadable: {type(error).__name__}"
    return f"{stat.S_IFMT(info.st_mode)} {info.st_dev} {info.st_ino}"
