"""Translated incident files: `incidents/<YYYY-MM-DD>-<slug>.<language>.md` beside the original.

A translation is not another incident: it gives the original's title and update texts in another
of `site.languages`. Everything else (components, impact, window) comes from the original, and its
updates must be the original's, heading for heading (same count, times and statuses), so that a
reader of any language is told the same thing at the same moment. An update whose text is left
empty is not translated yet: the page shows the original's text, marked.
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import ValidationError

from checker.errors import Problem
from checker.header_text import no_control_characters
from checker.incident_model import Incident
from checker.strict_model import StrictModel
from checker.vocabulary import INCIDENT_UPDATE_STATUSES, MAINTENANCE_UPDATE_STATUSES
from site_builder.content.incident_updates import parse_heading, update_sections
from site_builder.content.incidents import FrontMatter, slug_from_name
from site_builder.content.problems import problems_from_error
from site_builder.content.yaml_source import load_front_matter
from site_builder.i18n.site_languages import IncidentTranslation

_TRANSLATION_NAME = re.compile(r"^(?P<original>[^.]+)\.(?P<language>[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)\.md$")


def translation_name(name: str) -> tuple[str, str] | None:
    """(the original's file name, the language) for a translation's file name, else None."""
    match = _TRANSLATION_NAME.match(name)
    if match is None or slug_from_name(f"{match['original']}.md") is None:
        return None
    return f"{match['original']}.md", match["language"]


class _TranslatedFront(StrictModel):
    """What a translation's front matter may set: the headline, translated."""

    title: str | None = None

    def checked_title(self) -> str | None:
        if self.title is None:
            return None
        if not self.title.strip():
            raise ValueError("title is empty; translate the headline or leave the key out")
        return no_control_characters(self.title)


def parse_translation(
    text: str, rel: str, language: str, original: Incident, original_rel: str
) -> tuple[IncidentTranslation | None, list[Problem]]:
    """Parse the translation at `rel` of the incident `original` (from `original_rel`) and check
    that its updates are the original's; every problem is returned, each with its line and key."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines()
    located, body_start, problems = load_front_matter(
        lines, rel, "missing front matter: start the file with '---', the translated title: and '---'"
    )
    if located is None:
        return None, problems
    data = located.data if located.data is not None else {}
    if not isinstance(data, dict):
        return None, [Problem(rel, 2, "", "front matter must be keys such as title:")]
    for key in data:
        if key in FrontMatter.model_fields and key != "title":
            problems.append(
                Problem(
                    rel,
                    located.line_of((key,)),
                    str(key),
                    f"comes from the original ({original_rel}); a translation sets only title",
                )
            )
    title = None
    if not problems:
        try:
            title = _TranslatedFront.model_validate(data).checked_title()
        except ValidationError as error:
            problems.extend(problems_from_error(error, _TranslatedFront, located, rel))
        except ValueError as error:
            problems.append(Problem(rel, located.line_of(("title",)), "title", str(error)))
    bodies = _bodies(lines, body_start, rel, original, original_rel, problems)
    if problems or bodies is None:
        return None, problems
    return IncidentTranslation(language=language, file=rel, original=original_rel, title=title, bodies=bodies), []


def _bodies(
    lines: list[str], start: int, rel: str, original: Incident, original_rel: str, problems: list[Problem]
) -> list[str | None] | None:
    """Each update's translated text in the original's order, checked heading for heading."""
    allowed = MAINTENANCE_UPDATE_STATUSES if original.kind == "maintenance" else INCIDENT_UPDATE_STATUSES
    found: list[tuple[int, datetime, str, str]] = []  # (line, time, status, text)
    count = len(problems)
    for line_number, heading, body_lines in update_sections(lines, start, rel, problems):
        parsed = parse_heading(heading, line_number, rel, allowed, problems)
        if parsed is not None:
            found.append((line_number, parsed[0], parsed[1], "\n".join(body_lines).strip()))
    if len(problems) > count:
        return None
    expected = original.updates  # newest first
    if len(found) != len(expected):
        line = found[0][0] if found else start
        problems.append(
            Problem(
                rel,
                line,
                "updates",
                f"has {_updates(len(found))}, the original ({original_rel}) has "
                f"{_updates(len(expected))}: keep every update of the original with its "
                "time and status, and leave the text of one not translated yet empty",
            )
        )
        return None
    ordered = sorted(enumerate(found), key=lambda item: item[1][1], reverse=True)
    for (position, (line, at, status, _)), want in zip(ordered, expected, strict=True):
        if at != want.at or status != want.status:
            problems.append(
                Problem(
                    rel,
                    line,
                    f"updates[{position}]",
                    f"'{_when(at)} {status}' does not match the original's update "
                    f"'{_when(want.at)} {want.status}' ({original_rel}); keep the time and status, "
                    "translate only the text",
                )
            )
    if len(problems) > count:
        return None
    return [text or None for _, (_, _, _, text) in ordered]


def _updates(count: int) -> str:
    return f"{count} update{'' if count == 1 else 's'}"


def _when(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC"
