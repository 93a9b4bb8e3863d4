"""The pages' status labels are the vocabulary's, and every one is marked for the catalogs."""

from __future__ import annotations

from babel.messages.extract import extract_from_file

from checker import vocabulary
from site_builder.outputs import view


def test_the_pages_read_the_vocabularys_labels() -> None:
    assert view.STATUS_LABELS is vocabulary.STATUS_LABELS


def test_every_label_is_marked_for_translation_where_the_catalogs_look() -> None:
    marked = {message for _, message, _, _ in extract_from_file("python", view.__file__, keywords={"N_": None})}
    assert set(vocabulary.STATUS_LABELS.values()) <= marked
