"""Everything that comes from git, checked and compiled: `statuspage.yaml` + `incidents/*.md` ->
a `Bundle`. This is the one place that reads a site's source files.

Parsed incident files can be remembered in a cache file (see `site_builder.content.parse_cache`),
keyed by each file's bytes, so a rebuild reads and hashes every file but parses only the ones that
changed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from checker.alerting.mail import MailSettings
from checker.bundle import Bundle
from checker.errors import ContentError, Problem
from checker.incident_model import Incident, models_of
from checker.recurrence import occurrences
from checker.secrets import KeepReferences
from checker.strict_model import share_given_fields
from site_builder.content.audience import Audience, incident_audience_problems
from site_builder.content.config import SiteConfig, load_config
from site_builder.content.incident_translations import translation_name
from site_builder.content.incidents import ParsedIncident, incident_files
from site_builder.content.parse_cache import ParsedIncidents
from site_builder.i18n.site_languages import IncidentTranslation, SiteLanguages

PARSED_CACHE = Path(".statusgen") / "incidents.json"
"""Where `load_site` remembers parsed incident files, relative to the site's root (the folder of
the build's own cache; never committed)."""


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
    while_parsing: Callable[[], object] | None = None,
) -> tuple[Site | None, list[Problem]]:
    """Load the site at `root` and return it with every problem found (the site is None if any).

    With `env` None, `${NAME}` references are kept as written (what `validate` and the bundle need);
    otherwise they are resolved from `env` (see site_builder.content.config) and a missing variable
    is a problem; `require` names the deferred sections whose references must be resolvable too.
    `cache` is a file remembering parsed incident files: only files whose bytes changed are parsed.
    `while_parsing`: see `load_site`.
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
    for (_, rel), (read, found) in zip(files, parsed.parse_all(files, while_parsing), strict=True):
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
    # Parsing shared them file by file; this joins up what it could not: the incidents taken from
    # the parse cache, each window of a repeating maintenance, and the two processes' records.
    share_given_fields(models_of(incidents))
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


def load_site(
    root: Path,
    env: Mapping[str, str] | None = None,
    *,
    require: tuple[tuple[str, ...], ...] = (),
    while_parsing: Callable[[], object] | None = None,
) -> Site:
    """The site at `root` with references resolved from `env` (default: the process environment),
    its parsed incident files remembered in `root/PARSED_CACHE`.

    `while_parsing` is other work of the caller's, done while a second process starts parsing a
    long list of incident files (and not at all when no second process does): done after loading,
    it would leave the second core idle.

    Raises ContentError listing every problem.
    """
    site, problems = check_site(
        root,
        os.environ if env is None else env,
        require=require,
        cache=root / PARSED_CACHE,
        while_parsing=while_parsing,
    )
    if site is None:
        raise ContentError(problems)
    return site


def compile_bundle(root: Path) -> Bundle:
    """The bundle to store for the checker: validated, with `${NAME}` references kept, not resolved."""
    site, problems = check_site(root, None)
    if site is None:
        raise ContentError(problems)
    return site.bundle
