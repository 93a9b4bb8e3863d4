"""Every status label of the vocabulary is marked for the catalogs, where the pages' translations are found."""

from __future__ import annotations

from babel.messages.extract import extract_from_file

from checker import vocabulary
from site_builder.outputs import view


def test_every_label_is_marked_for_translation_where_the_catalogs_look() -> None:
    marked = {message for _, message, _, _ in extract_from_file("python", view.__file__, keywords={"N_": None})}
    assert set(vocabulary.STATUS_LABELS.values()) <= marked
