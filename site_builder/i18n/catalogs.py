"""The message catalogs: `site_builder/locales/<code>/LC_MESSAGES/messages.po`, read with Babel.

The catalogs stay text in the package (reviewable in a pull request, no compiled files in git);
each is compiled in memory the first time a build needs it.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


def catalog_path(code: str) -> Path:
    return LOCALES / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@dataclass(frozen=True)
class Catalog:
    translations: Translations
    digest: str
    """SHA-256 of the `.po` file: part of the cache key of every file rendered with it."""


def load_catalog(code: str) -> Catalog:
    """The catalog of `code`, compiled; fuzzy entries are left out (they fall back to English)."""
    raw = catalog_path(code).read_bytes()
    catalog = read_po(io.BytesIO(raw), locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Catalog(translations=Translations(compiled, domain=DOMAIN), digest=hashlib.sha256(raw).hexdigest())
