"""The site shows each status in one colour: the banner, its images, the stylesheet and badges."""

from __future__ import annotations

import re

import pytest

from checker.vocabulary import INDICATOR_OF_STATUS, STATUS_COLOURS, ComponentStatus
from site_builder.outputs import badges
from site_builder.outputs.theme import BANNER_COLOURS, MIN_CONTRAST, builtin_templates, contrast


@pytest.mark.parametrize("status", sorted(STATUS_COLOURS))
def test_white_text_is_readable_on_every_status_colour(status: ComponentStatus) -> None:
    assert contrast("#ffffff", STATUS_COLOURS[status]) >= MIN_CONTRAST


def test_the_stylesheets_banner_has_the_vocabularys_colours() -> None:
    css = (builtin_templates() / "static" / "style.css").read_text(encoding="utf-8")
    default = re.search(r"\.banner\{[^}]*background:(#[0-9a-f]{6})", css)
    assert default is not None
    shown = {"none": default.group(1)} | dict(re.findall(r"\.banner\.s-(\w+)\{background:(#[0-9a-f]{6})\}", css))
    assert shown == BANNER_COLOURS


def test_badges_and_banner_show_a_status_in_the_same_colour() -> None:
    for status, colour in badges.BADGE_COLOURS.items():
        assert BANNER_COLOURS[INDICATOR_OF_STATUS[status]] == colour
