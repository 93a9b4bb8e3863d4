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
  (`site_builder.outputs.next_change`).

A later build whose clock lies in that span and finds every one of these unchanged would render
the same bytes and write, delete and notify nothing, so it is skipped. The inputs are hashed
before the build reads them, and their files' sizes, times and inodes are taken before that and
again once it has published: an input changed in between leaves no record. Only folder stores
and folder targets are recorded; anything else always builds.

Kept apart from the pipeline and light to import (the standard library, `checker.secrets`, and
`site_builder.builder.input_state`, which takes the digests and stamps): its whole point is to answer
before pydantic and the renderers are loaded.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TypedDict

from site_builder.builder import input_state
from site_builder.paths import shown_path

BUILD_CACHE = Path(".statusgen") / "build-cache.json"
"""The build's cache of each file's inputs, relative to the site's folder; it holds this record
too, under `last_build` (see `site_builder.builder.site`)."""
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
            (known.get((kind, location)) or input_state.digest(kind, location)) != digest
            for kind, location, digest in record["inputs"]
        ):
            return None
        target = record["target"]
        published = input_state.published_state(Path(target["folder"]), target["manifest"])
        if published is None or published.state != target["state"]:
            return None
        return Unchanged(files=int(target["files"]), target=str(target["location"]))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # no record, or not one this code wrote: build


# --- the record ----------------------------------------------------------------------------------


class TargetRecord(TypedDict):
    """What the target held when the build was recorded."""

    location: str
    """The target as the build named it (`./public`)."""
    folder: str
    manifest: str
    """The manifest's name in the folder."""
    files: int
    state: str
    """`input_state.published_state` of the folder."""


class BuildRecord(TypedDict):
    """The record of one build, kept in the build cache under `last_build`. Read back as JSON and
    not validated: `unchanged_since_last_build` takes any missing or odd value as no record."""

    format: int
    root: str
    out: str | None
    notifies: bool
    built_at: str
    until: str
    """ISO 8601: the build's moment, and the next moment an output changes by the clock alone."""
    inputs: list[list[str]]
    """(kind, location, digest) of each input."""
    target: TargetRecord


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
            input_state.stamp(kind, location) == stamp
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
        previous: BuildRecord | None,
        expected_manifest: tuple[str, Mapping[str, tuple[str, int]]] | None = None,
    ) -> BuildRecord | None:
        """The record of a build that published `files` files to the folder `folder` (named
        `location`), whose `manifest` file says what it holds, or None when a rebuild could not
        trust it. `expected_manifest` is as `input_state.published_state` takes it: where the
        manifest is that one, the same look at each file that takes the target's state tells
        whether it serves exactly the built site (as the next publish would find it). Otherwise
        `serves` tells, asked after the state is taken, so a change made to the target meanwhile
        is either seen by it or changes that state.

        The `previous` record is kept when this build only confirms it (the same inputs, target
        and next change, later): the cache is then not written again."""
        if not self.recordable or until <= built_at:
            return None
        published = input_state.published_state(folder, manifest, expected=expected_manifest)
        if published is None:
            return None
        if not (published.serves if published.serves is not None else serves()) or not self.unchanged():
            return None
        current: BuildRecord = {
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
                "state": published.state,
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
    entries += [("tree", str(input_state.builtin_templates())), ("code", "")]
    digests, stamps = _taken(entries)
    return Inputs(root=str(root), out=out, digests=digests, stamps=stamps)


def _taken(entries: list[tuple[str, str]]) -> tuple[tuple[tuple[str, str, str], ...], tuple[str, ...]]:
    """The digest and the stamp of each input, the stamps first: a change made after a stamp was
    taken shows in it, whichever bytes the digest then read."""
    stamps = tuple(input_state.stamp(kind, location) for kind, location in entries)
    return tuple((kind, location, input_state.digest(kind, location)) for kind, location in entries), stamps


def _referenced_variables(config: Path) -> list[str]:
    """Every variable `${NAME}` in `statuspage.yaml` names, deferred sections included (more than
    the build resolves, never less); those never resolved (the function's own credentials) left out."""
    from checker.secrets import REFERENCE, RUNTIME_CREDENTIALS

    try:
        text = config.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return sorted({match[2] for match in REFERENCE.finditer(text)} - RUNTIME_CREDENTIALS)
