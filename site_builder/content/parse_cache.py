"""The cache of parsed incident files: each file's parse remembered under the digest of its
bytes, so a rebuild reads and hashes every file but parses only the ones that changed; and the
parse itself, on two cores for a long list of files."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import itertools
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Literal

import pydantic_core
from pydantic import BaseModel, ValidationError

from checker.atomic_file import write_atomic
from checker.collector import paused_collection
from checker.errors import Problem
from checker.incident_model import Incident, models_of
from checker.strict_model import share_given_fields
from site_builder.builder.code_version import code_digest
from site_builder.builder.json_parts import object_in_parts
from site_builder.builder.two_processes import in_two_processes
from site_builder.content.incident_translations import parse_translation
from site_builder.content.incidents import (
    MAX_FILE_BYTES,
    ParsedIncident,
    file_problem,
    read_incident_bytes,
    slug_from_name,
)
from site_builder.i18n.site_languages import IncidentTranslation

MIN_SHARED_PARSES = 200
"""Fewer incident files than this are parsed by this process alone: a second process would cost
more to start than it saves."""
_CACHE_FORMAT = 2


class _CachedFile(BaseModel):
    sha256: str
    """Of the file's bytes."""
    incident: Incident
    """What they parsed into (only files that parsed without a problem are remembered)."""
    audience: Literal["public", "internal"] = "public"
    components_line: int = 1
    """See `ParsedIncident`."""

    def parsed(self) -> ParsedIncident:
        return ParsedIncident(self.incident, self.audience, self.components_line)


class _CachedTranslation(BaseModel):
    sha256: str
    """Of the file's bytes and of its original's content (`Incident.digest`): a translation is
    checked against its original."""
    translation: IncidentTranslation


class _CacheFile(BaseModel):
    format: Literal[2]
    context: str
    """Digest of what else decides a parse: the parser's code and libraries, the component ids."""
    files: dict[str, _CachedFile]
    """Site-relative path -> its last parse."""
    translations: dict[str, _CachedTranslation]
    """Site-relative path of a translated incident file -> its last parse."""


class ParsedIncidents:
    """Parses incident files, remembering each file's result under the digest of its bytes.

    A cached incident is used only when the file's bytes, the parser (statusgen's code and the
    versions of PyYAML and pydantic) and the site's component ids are all what they were, so it
    is always what parsing the file would give. Files with problems are parsed every time (their
    messages name the current line numbers). Losing or damaging the cache costs one full parse.
    """

    def __init__(
        self,
        cache: Path | None,
        context: str,
        files: dict[str, _CachedFile],
        component_ids: list[str] | None,
        translations: dict[str, _CachedTranslation] | None = None,
    ) -> None:
        self._cache = cache
        self._context = context
        self._previous = files
        self._component_ids = component_ids
        self._current: dict[str, _CachedFile] = {}
        self._previous_translations = translations or {}
        self._current_translations: dict[str, _CachedTranslation] = {}
        self._given_fields: dict[frozenset[str], set[str]] = {}
        """The records of given fields the parsed incidents share (see `_parse`)."""

    @classmethod
    def open(cls, cache: Path | None, component_ids: list[str] | None) -> ParsedIncidents:
        if cache is None or component_ids is None:  # no cache, or ids that cannot be checked
            return cls(None, "", {}, component_ids)
        context = _context(component_ids)
        files: dict[str, _CachedFile] = {}
        translations: dict[str, _CachedTranslation] = {}
        with contextlib.suppress(OSError, ValidationError, ValueError):
            with paused_collection():  # every incident of the site at once, and no garbage
                stored = _CacheFile.model_validate_json(cache.read_bytes())
            if stored.context == context:
                files, translations = stored.files, stored.translations
        return cls(cache, context, files, component_ids, translations)

    def parse_all(
        self, files: list[tuple[Path, str]], while_parsing: Callable[[], object] | None = None
    ) -> list[tuple[ParsedIncident | None, list[Problem]]]:
        """Each incident file (its path and its site-relative name) parsed, or taken from the
        cache, with its problems; in order. A long list is read on two cores (see
        `site_builder.builder.two_processes`): reading, hashing and parsing each file is pure Python.
        `while_parsing` is done here while the second process makes a start (see `load_site`)."""
        # Parsing leaves no cyclic garbage (none at all for 10,000 files), and what it makes lives on.
        with paused_collection():
            outcomes = in_two_processes(
                files,
                lambda file, _who: self._parse(*file),
                min_items=MIN_SHARED_PARSES,
                here_first=while_parsing,
            )
        results: list[tuple[ParsedIncident | None, list[Problem]]] = []
        for (_, rel), (read, problems, remembered) in zip(files, outcomes, strict=True):
            if remembered == "cached":  # the cache's own entry: the process that read it sent no copy
                self._current[rel] = self._previous[rel]
                read = self._current[rel].parsed()
            elif remembered is not None:
                self._current[rel] = remembered
            results.append((read, problems))
        return results

    def _parse(
        self, path: Path, rel: str
    ) -> tuple[ParsedIncident | None, list[Problem], _CachedFile | Literal["cached"] | None]:
        """The file parsed, its problems, and what the cache is to remember of it: its entry as
        cached, a new entry, or nothing (no cache, or a file with problems)."""
        refused = file_problem(path, rel)
        if refused is not None:
            return None, [refused], None
        raw = path.read_bytes()
        sha256 = None
        if self._cache is not None:
            sha256 = hashlib.sha256(raw).hexdigest()
            cached = self._previous.get(rel)
            if cached is not None and cached.sha256 == sha256:
                return None, [], "cached"
        read, problems = read_incident_bytes(raw, slug_from_name(path.name) or "", rel, self._component_ids)
        if read is not None:
            # Shared as each file is parsed, not once the site is loaded: a record let go of is
            # taken again by the next file's, where freed all at once they left holes in memory
            # that a large build never got back; and a second process sends each record once.
            share_given_fields(models_of([read.incident]), self._given_fields)
        if read is None or sha256 is None:
            return read, problems, None
        entry = _CachedFile(
            sha256=sha256, incident=read.incident, audience=read.audience, components_line=read.components_line
        )
        return read, problems, entry

    def translate(
        self, path: Path, rel: str, language: str, original: Incident, original_rel: str
    ) -> tuple[IncidentTranslation | None, list[Problem]]:
        """The translated incident file at `path`, checked against `original` (see `parse`)."""
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, [Problem(rel, 0, "", f"file is larger than {MAX_FILE_BYTES // 1000} kB")]
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            return None, [Problem(rel, line, "", "is not valid UTF-8; save the file as UTF-8")]
        sha256 = hashlib.sha256(raw + b"\0" + original.digest.encode()).hexdigest()
        cached = self._previous_translations.get(rel)
        if cached is not None and cached.sha256 == sha256:
            self._current_translations[rel] = cached
            return cached.translation, []
        translation, problems = parse_translation(text, rel, language, original, original_rel)
        if translation is not None and self._cache is not None:
            self._current_translations[rel] = _CachedTranslation(sha256=sha256, translation=translation)
        return translation, problems

    def save(self) -> None:
        """Write the cache when what it remembers changed; a cache that cannot be written only
        costs parsing again next time."""
        unchanged = all(
            current.keys() == previous.keys() and all(current[rel] is previous[rel] for rel in current)
            for current, previous in (
                (self._current, self._previous),
                (self._current_translations, self._previous_translations),
            )
        )
        if self._cache is None or unchanged:
            return
        # Written part by part (see `site_builder.builder.json_parts`): at 50,000 incidents the text is
        # about 80 MB, which made once stood in memory beside every parsed incident.
        parts = itertools.chain(
            (pydantic_core.to_json({"format": _CACHE_FORMAT, "context": self._context})[:-1], b',"files":'),
            _in_parts(self._current),
            (b',"translations":',),
            _in_parts(self._current_translations),
            (b"}",),
        )
        with contextlib.suppress(OSError):
            write_atomic(self._cache, parts, make_folders=True)


def _in_parts(entries: Mapping[str, BaseModel]) -> Iterator[bytes]:
    """The JSON object of `entries`, in parts (see `site_builder.builder.json_parts`)."""
    return object_in_parts(list(entries), lambda names: pydantic_core.to_json({name: entries[name] for name in names}))


def _context(component_ids: list[str]) -> str:
    versions = []
    for name in ("PyYAML", "pydantic"):
        try:
            versions.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:  # installed without its metadata
            versions.append(f"{name}=unknown")
    return hashlib.sha256("\0".join([code_digest(), *versions, *component_ids]).encode()).hexdigest()
