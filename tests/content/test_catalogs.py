"""The message catalogs (site_builder/locales/<code>/LC_MESSAGES/messages.po) are complete: every
text the templates and the code mark for translation is in every catalog, translated, with the
same placeholders, and no catalog keeps text nothing uses any more. English is the msgids."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from site_builder.i18n.catalogs import catalog_path
from site_builder.i18n.codes import SUPPORTED

REPO = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")

Message = str | tuple[str, ...]


@functools.cache
def used() -> dict[Message, str]:
    """Every text marked for translation -> where it is used."""
    found: dict[Message, str] = {}
    sources = (
        ("site_builder", [("**.py", "python")], {}),
        ("templates", [("**.html", "jinja2")], {"**.html": {"extensions": "jinja2.ext.i18n"}}),
    )
    for folder, methods, options in sources:
        for name, line, message, _, _ in extract_from_dir(
            REPO / folder, methods, keywords=KEYWORDS, options_map=options
        ):
            found.setdefault(message, f"{folder}/{name}:{line}")
    return found


@functools.cache
def catalog(code: str) -> Catalog:
    with catalog_path(code).open("rb") as handle:
        return read_po(handle, locale=code)


def test_the_code_and_templates_use_text_from_the_catalogs() -> None:
    assert len(used()) > 150
    assert "All Systems Operational" in used() and "Skip to content" in used()


@pytest.mark.parametrize("code", sorted(SUPPORTED))
def test_every_catalog_translates_every_text_in_use_and_nothing_else(code: str) -> None:
    entries = {message.id: message for message in catalog(code) if message.id}
    missing = [f"{where}: {message!r}" for message, where in used().items() if message not in entries]
    assert missing == []
    assert sorted(map(str, set(entries) - set(used()))) == []
    for message in entries.values():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{code}: {message.id!r} is not translated"
        assert not message.fuzzy, f"{code}: {message.id!r} is fuzzy"
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            # A single plural form may leave the count out (Japanese says it once for all).
            assert set(PLACEHOLDER.findall(string)) == wanted, f"{code}: {message.id!r} -> {string!r}"


def test_english_is_the_msgids() -> None:
    for message in catalog("en"):
        if message.id:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = tuple(message.string) if isinstance(message.string, (list, tuple)) else (message.string,)
            assert strings == ids


@pytest.mark.parametrize("code", sorted(SUPPORTED))
def test_every_catalog_declares_its_language_and_its_plural_forms(code: str) -> None:
    entries = catalog(code)
    assert str(entries.locale) == code
    assert f"Plural-Forms: {entries.plural_forms}" in catalog_path(code).read_text(encoding="utf-8")
