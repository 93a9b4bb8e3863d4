"""The languages a page can be built in, and a `Language`: its catalog and formats together."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from site_builder.i18n.catalogs import Catalog, load_catalog
from site_builder.i18n.codes import SUPPORTED, unknown_language
from site_builder.i18n.formats import Formats


@dataclass(frozen=True)
class Language:
    """One language of the site: its code, its catalog and how figures and times read in it."""

    code: str
    catalog: Catalog = field(repr=False)
    formats: Formats = field(repr=False)

    @property
    def name(self) -> str:
        """The language's own name, e.g. `Deutsch`."""
        return SUPPORTED[self.code]

    def gettext(self, message: str) -> str:
        return self.catalog.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.catalog.translations.ngettext(singular, plural, count)


@functools.cache
def language(code: str) -> Language:
    """The `Language` of a supported code (made once per process). Raises ValueError otherwise."""
    if code not in SUPPORTED:
        raise ValueError(unknown_language(code))
    catalog = load_catalog(code)
    return Language(code=code, catalog=catalog, formats=Formats(code, catalog.translations.gettext))
