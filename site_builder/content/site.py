"""Everything that comes from git, checked and compiled: `statuspage.yaml` + `incidents/*.md` ->
a `Bundle`. This is the one place that reads a site's source files.

Parsed incident files can be remembered in a cache file (see `ParsedIncidents`), keyed by each
file's bytes, so a rebuild reads and hashes every file but parses only the ones that changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pydantic_core
from pydantic import BaseModel, ValidationError

from checker.alerting.mail import MailSettings
from checker.bundle import Bundle
from checker.errors import ContentError, Problem, PublishError
from checker.incident_model import Incident
from checker.recurrence import occurrences
from checker.secrets import KeepReferences
from site_builder.code_version import code_digest
from site_builder.content.audience import Audience, incident_audience_problems
from site_builder.content.config import SiteConfig, load_config
from site_builder.content.incident_translations import parse_translation, translation_name
from site_builder.content.incidents import (
    MAX_FILE_BYTES,
    ParsedIncident,
    file_problem,
    incident_files,
    read_incident_bytes,
    slug_from_name,
)
from site_builder.i18n.site_languages import IncidentTranslation, SiteLanguages
from site_builder.two_processes import in_two_processes

MIN_SHARED_PARSES = 200
"""Fewer incident files than this are parsed by this process alone: a second process would cost
more to start than it saves."""
PARSED_CACHE = Path(".statusgen") / "incidents.json"
"""Where `load_site` remembers parsed incident files, relative to the site's root (the folder of
the build's own cache; never committed)."""
_CACHE_FORMAT = 2


@dataclass(frozen=True)
class Site:
    """A loaded site: where it lives, its configuration, and the compiled bundle."""

    root: Path
    config: SiteConfig
    bundle: Bundle
    languages: SiteLanguages = field(default_factory=SiteLanguages)
    """The languages the page is built in, with the translated incident files."""
    audience: Audience = field(default_factory=Audience)
    """What is internal (components and incidents marked `audience: internal`)."""

    @property
    def public_bundle(self) -> Bundle:
        """The bundle the public site is built from: nothing internal in it."""
        return self.audience.public_bundle(self.bundle)

    @property
    def public_languages(self) -> SiteLanguages:
        return self.audience.public_languages(self.languages)


def check_site(
    root: Path,
    env: Mapping[str, str] | None = None,
    *,
    require: tuple[tuple[str, ...], ...] = (),
    cache: Path | None = None,
) -> tuple[Site | None, list[Problem]]:
    """Load the site at `root` and return it with every problem found (the site is None if any).

    With `env` None, `${NAME}` references are kept as written (what `validate` and the bundle need);
    otherwise they are resolved from `env` (see site_builder.content.config) and a missing variable
    is a problem; `require` names the deferred sections whose references must be resolvable too.
    `cache` is a file remembering parsed incident files: only files whose bytes changed are parsed.
    """
    config, _, problems = load_config(root, KeepReferences() if env is None else env, require=require)
    if config is not None and env is not None:
        config = outboxes_under(config, root)
    component_ids = [c.id for c in config.components] if config else None
    parsed = ParsedIncidents.open(cache, component_ids)
    incidents: list[Incident] = []
    first_file_of_slug: dict[str, str] = {}
    originals: dict[str, Incident] = {}
    audiences: list[ParsedIncident] = []
    translated: list[tuple[Path, str, str]] = []
    files: list[tuple[Path, str]] = []
    for path in incident_files(root):
        names = translation_name(path.name)
        if names is not None:  # a translation is read once its original is
            translated.append((path, names[0], names[1]))
        else:
            files.append((path, path.relative_to(root).as_posix()))
    for (_, rel), (read, found) in zip(files, parsed.parse_all(files), strict=True):
        problems.extend(found)
        if read is None:
            continue
        parsed_file = read.incident
        originals[rel] = parsed_file
        audiences.append(read)
        for incident in occurrences(parsed_file):  # a repeating maintenance: each of its windows
            if incident.slug in first_file_of_slug:
                first = first_file_of_slug[incident.slug]
                problems.append(
                    Problem(rel, 0, "", f"duplicate slug '{incident.slug}': {first} has the same name; rename one")
                )
                break
            first_file_of_slug[incident.slug] = rel
            incidents.append(incident)
    translations = _translations(root, translated, originals, config, parsed, problems)
    parsed.save()
    internal = frozenset(c.id for c in config.components if c.audience == "internal") if config else frozenset()
    problems.extend(incident_audience_problems(audiences, internal))
    if problems or config is None:
        return None, sorted(problems)
    incidents.sort(key=lambda i: (i.created_at, i.slug), reverse=True)
    bundle = Bundle(
        site=config.site.bundle_settings(),
        checker=config.checker,
        components=config.components,
        incidents=incidents,
        alerts=config.alerts,
        subscribers=config.subscribers,
    )
    main = config.site.language
    languages = SiteLanguages(
        main=main, extra=tuple(c for c in config.site.languages if c != main), translations=translations
    )
    audience = Audience(
        components=internal, incident_files=frozenset(a.incident.file for a in audiences if a.audience == "internal")
    )
    return Site(root=root, config=config, bundle=bundle, languages=languages, audience=audience), []


def _translations(
    root: Path,
    files: list[tuple[Path, str, str]],
    originals: dict[str, Incident],
    config: SiteConfig | None,
    parsed: ParsedIncidents,
    problems: list[Problem],
) -> dict[tuple[str, str], IncidentTranslation]:
    """The translated incident files `files` ((path, the original's name, language)), each checked
    against its original and `site.languages`; what is wrong goes to `problems`."""
    found: dict[tuple[str, str], IncidentTranslation] = {}
    for path, original_name, language in files:
        rel = path.relative_to(root).as_posix()
        original_rel = path.with_name(original_name).relative_to(root).as_posix()
        if config is not None:
            main, others = config.site.language, config.site.languages
            if language == main:
                problems.append(
                    Problem(
                        rel,
                        1,
                        "",
                        f"'{language}' is the site's main language (site.language): "
                        f"write in the original, {original_rel}",
                    )
                )
                continue
            if language not in others:
                listed = ", ".join(others) if others else "none"
                problems.append(
                    Problem(
                        rel,
                        1,
                        "",
                        f"'{language}' is not one of site.languages in statuspage.yaml "
                        f"({listed}); add it there or remove this file",
                    )
                )
                continue
        if not path.with_name(original_name).is_file():
            problems.append(
                Problem(
                    rel,
                    1,
                    "",
                    f"translates {original_rel}, which does not exist; name a translation "
                    "after its incident file, e.g. 2026-11-22-api-errors.de.md",
                )
            )
            continue
        original = originals.get(original_rel)
        if original is None:  # the original has problems of its own, reported with it
            continue
        translation, found_problems = parsed.translate(path, rel, language, original, original_rel)
        problems.extend(found_problems)
        if translation is not None:
            found[(language, original_rel)] = translation
    return found


def outboxes_under(config: SiteConfig, root: Path) -> SiteConfig:
    """`config` with the `outbox:` folders of its mail settings (subscriber mail, email alert
    channels) under `root` when relative: like every path in statuspage.yaml, they are relative to
    its folder. Only a loaded site's are: the stored bundle keeps them as written."""

    def under(mail: MailSettings) -> MailSettings:
        if mail.backend != "outbox" or Path(mail.outbox).is_absolute():
            return mail
        return mail.model_copy(update={"outbox": str(root / mail.outbox)})

    update: dict[str, object] = {}
    if config.subscribers is not None:
        update["subscribers"] = config.subscribers.model_copy(update={"email": under(config.subscribers.email)})
    if config.alerts is not None:
        channels = {
            name: under(channel) if isinstance(channel, MailSettings) else channel
            for name, channel in config.alerts.channels.items()
        }
        update["alerts"] = config.alerts.model_copy(update={"channels": channels})
    return config.model_copy(update=update) if update else config


def load_site(root: Path, env: Mapping[str, str] | None = None, *, require: tuple[tuple[str, ...], ...] = ()) -> Site:
    """The site at `root` with references resolved from `env` (default: the process environment),
    its parsed incident files remembered in `root/PARSED_CACHE`.

    Raises ContentError listing every problem.
    """
    site, problems = check_site(root, os.environ if env is None else env, require=require, cache=root / PARSED_CACHE)
    if site is None:
        raise ContentError(problems)
    return site


def compile_bundle(root: Path) -> Bundle:
    """The bundle to store for the checker: validated, with `${NAME}` references kept, not resolved."""
    site, problems = check_site(root, None)
    if site is None:
        raise ContentError(problems)
    return site.bundle


# --- the cache of parsed files -------------------------------------------------------------------


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

    @classmethod
    def open(cls, cache: Path | None, component_ids: list[str] | None) -> ParsedIncidents:
        if cache is None or component_ids is None:  # no cache, or ids that cannot be checked
            return cls(None, "", {}, component_ids)
        context = _context(component_ids)
        files: dict[str, _CachedFile] = {}
        translations: dict[str, _CachedTranslation] = {}
        with contextlib.suppress(OSError, ValidationError, ValueError):
            stored = _CacheFile.model_validate_json(cache.read_bytes())
            if stored.context == context:
                files, translations = stored.files, stored.translations
        return cls(cache, context, files, component_ids, translations)

    def parse_all(self, files: list[tuple[Path, str]]) -> list[tuple[ParsedIncident | None, list[Problem]]]:
        """Each incident file (its path and its site-relative name) parsed, or taken from the
        cache, with its problems; in order. A long list is read on two cores (see
        `site_builder.two_processes`): reading, hashing and parsing each file is pure Python."""
        outcomes = in_two_processes(files, lambda file, _who: self._parse(*file), min_items=MIN_SHARED_PARSES)
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
        if self._cache is None:
            return *read_incident_bytes(raw, slug_from_name(path.name) or "", rel, self._component_ids), None
        sha256 = hashlib.sha256(raw).hexdigest()
        cached = self._previous.get(rel)
        if cached is not None and cached.sha256 == sha256:
            return None, [], "cached"
        read, problems = read_incident_bytes(raw, slug_from_name(path.name) or "", rel, self._component_ids)
        if read is None:
            return None, problems, None
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
        from site_builder.publish.targets import FolderTarget  # the one atomic file write

        data = _CacheFile(
            format=_CACHE_FORMAT, context=self._context, files=self._current, translations=self._current_translations
        )
        # Serialised straight to bytes: at 50,000 incidents the cache is about 80 MB, which a
        # string and then its encoding would hold twice over.
        with contextlib.suppress(PublishError):
            FolderTarget(self._cache.parent, str(self._cache.parent)).write(
                self._cache.name, pydantic_core.to_json(data)
            )


def _context(component_ids: list[str]) -> str:
    versions = []
    for name in ("PyYAML", "pydantic"):
        try:
            versions.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:  # installed without its metadata
            versions.append(f"{name}=unknown")
    return hashlib.sha256("\0".join([code_digest(), *versions, *component_ids]).encode()).hexdigest()
