"""A site's languages and the translations of its incident files, and an incident's words in one
language: translated where a translation says so, else the original, marked as such."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from checker.incident_model import Incident, IncidentUpdate
from checker.strict_model import StrictModel


class IncidentTranslation(StrictModel):
    """One translated incident file, `<slug>.<language>.md`, checked against its original."""

    language: str
    """The language it is written in: one of `site.languages`."""
    file: str
    """The translation's file, relative to the site's root."""
    original: str
    """The original's file, relative to the site's root."""
    title: str | None
    """The translated headline; None when the file leaves it out."""
    bodies: list[str | None]
    """Each update's translated Markdown, in the original's order (newest first); None where the
    update's text is left empty, not translated yet."""

    @property
    def digest(self) -> str:
        """Of everything it holds: part of the cache key of each file that shows it."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Words:
    """What one incident says in one language; a `lang` is set where the text is the original's,
    because no translation was given (the page marks it and names its language)."""

    title: str
    title_lang: str | None
    updates: Sequence[IncidentUpdate]
    """The original's updates (the incident's own list, not a copy: a build keeps the words of
    every incident in every language until its pages are rendered)."""
    original_lang: str | None
    """The language of the original's texts where they stand in for a translation."""
    translated: tuple[str | None, ...] = ()
    """Each update's translated Markdown, in the original's order; None where not translated."""

    def body(self, index: int) -> tuple[str, str | None]:
        """The update's Markdown, and its language when it is the original's."""
        text = self.translated[index] if self.translated else None
        return (text, None) if text is not None else (self.updates[index].body, self.original_lang)


@dataclass(frozen=True)
class SiteLanguages:
    """The languages a site is built in: the main one at the site's root, each other one under its
    own prefix, and the translated incident files."""

    main: str = "en"
    extra: tuple[str, ...] = ()
    translations: Mapping[tuple[str, str], IncidentTranslation] = field(default_factory=dict)
    """(language, original file) -> its translation."""

    @property
    def all(self) -> tuple[str, ...]:
        """Every language of the site, the main one first."""
        return (self.main, *self.extra)

    def prefix(self, code: str) -> str:
        """Where a language's pages are, relative to the site's root: `` or `de/`."""
        return "" if code == self.main else f"{code}/"

    def translation(self, code: str, incident: Incident) -> IncidentTranslation | None:
        return None if code == self.main else self.translations.get((code, incident.file))

    def words(self, code: str, incident: Incident) -> Words:
        """The incident's title and update texts in `code`, the original's where not translated."""
        translation = self.translation(code, incident)
        original = None if code == self.main else self.main
        if translation is None:
            return Words(incident.title, original, incident.updates, original)
        translated = tuple(translation.bodies)
        if translation.title is None:
            return Words(incident.title, self.main, incident.updates, self.main, translated)
        return Words(translation.title, None, incident.updates, self.main, translated)
