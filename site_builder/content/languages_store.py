"""The site's languages and incident translations, stored beside the bundle for the checker's
function.

The bundle is the checker's document and knows nothing of the page's languages; a rebuild in the
function (`rebuild: inline`) has no checkout to read `site.languages` and the translated incident
files from. So that it builds the same languages as CI (and never deletes the other languages'
pages it did not build), CI stores them as `languages.json` next to `bundle.json`.
"""

from __future__ import annotations

import contextlib
from typing import Literal

from pydantic import BaseModel, ValidationError

from checker.errors import StoreError
from checker.store import Store
from site_builder.i18n.codes import SUPPORTED
from site_builder.i18n.site_languages import IncidentTranslation, SiteLanguages

LANGUAGES_KEY = "languages.json"


class _StoredLanguages(BaseModel):
    format: Literal[1] = 1
    main: str
    """`site.language`."""
    extra: list[str]
    """`site.languages` besides the main one, in order."""
    translations: list[IncidentTranslation]
    """Every translated incident file, checked against its original."""


def store_languages(languages: SiteLanguages, store: Store) -> None:
    """Write `languages` to the store (only when they changed: CI stores on every merge)."""
    stored = _StoredLanguages(
        main=languages.main,
        extra=list(languages.extra),
        translations=sorted(languages.translations.values(), key=lambda t: t.file),
    )
    data = stored.model_dump_json(indent=1).encode()
    current = store.get(LANGUAGES_KEY)
    if current is None or current.data != data:
        store.put(LANGUAGES_KEY, data)


def fetch_languages(store: Store) -> SiteLanguages | None:
    """The stored languages, or None when none are (or what is stored cannot be read: the build
    then makes the main language only, as before languages were stored)."""
    with contextlib.suppress(StoreError, ValidationError, ValueError):
        stored = store.get(LANGUAGES_KEY)
        if stored is None:
            return None
        languages = _StoredLanguages.model_validate_json(stored.data)
        if all(code in SUPPORTED for code in (languages.main, *languages.extra)):
            return SiteLanguages(
                main=languages.main,
                extra=tuple(languages.extra),
                translations={(t.language, t.original): t for t in languages.translations},
            )
    return None
