"""The pages' `_` and `gettext` (called directly, not through jinja2.ext's wrappers, and with a
literal text and no values looked up in the language's table of texts) give what the extension's
new-style gettext gives: the catalog's text, values escaped where the template autoescapes, and
as they are where it does not."""

from __future__ import annotations

import jinja2
import pytest

from checker.bundle import SiteSettings
from site_builder.i18n.languages import language
from site_builder.outputs.pages.templates import TranslatingEnvironment, direct_gettext, environment
from site_builder.outputs.theme import load_theme

SOURCES = {
    "plain.html": '{{ _("Status") }}|{{ gettext("Updated %(when)s", when=when) }}',
    "trans.html": "{% trans %}Status{% endtrans %}|{% trans when=when %}Updated {{ when }}{% endtrans %}",
    "note.txt": '{{ _("Updated %(when)s", when=when) }}|{{ _("Status") }}',
    "joined.html": '{{ _("History") ~ when }}|{% autoescape false %}{{ _("History") ~ when }}{% endautoescape %}',
    # `_` bound by the template itself is not the catalog: its calls are left as they are.
    "rebound.html": '{% macro shout(_) %}{{ _("History") }}{% endmacro %}{{ shout(upper) }}|{{ _("History") }}',
}
VALUES = ["22 Nov 2026", '<script>alert("x")</script>', "a & b", "100%"]


def extension_environment(code: str) -> jinja2.Environment:
    """The same templates with jinja2.ext's own new-style callables, as the pages had them."""
    env = jinja2.Environment(
        loader=jinja2.DictLoader(SOURCES),
        autoescape=jinja2.select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(language(code).catalog.translations, newstyle=True)  # type: ignore[attr-defined]
    return env


def pages_environment(code: str) -> jinja2.Environment:
    env = environment(load_theme(SiteSettings(name="Example"), None), code=code)
    return env.overlay(loader=jinja2.DictLoader(SOURCES))


@pytest.mark.parametrize("code", ["en", "de", "ja"])
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_the_pages_gettext_gives_what_the_extensions_gives(code: str, name: str) -> None:
    for value in VALUES:
        ours = pages_environment(code).get_template(name).render(when=value, upper=str.upper)
        theirs = extension_environment(code).get_template(name).render(when=value, upper=str.upper)
        assert ours == theirs
    shown = pages_environment(code).get_template(name).render(when=VALUES[1], upper=str.upper)
    if name == "rebound.html":
        assert shown == "HISTORY|" + language(code).catalog.translations.gettext("History")
    elif name.endswith(".html"):
        assert "&lt;script&gt;" in shown
    else:
        assert "<script>" in shown


def test_literal_texts_are_looked_up_not_called_and_the_code_names_no_language() -> None:
    """What makes the pages cheap to render and to compile: `_("History")` is a lookup in the
    language's table of texts, not a call through the context on every render, and the code is
    the same in every language, so one compilation serves them all; a text with values is still
    a call."""
    source = '{{ _("History") }}|{{ _("Updated %(when)s", when=when) }}'
    codes = {code: pages_environment(code).compile(source, raw=True) for code in ("en", "de", "ja")}
    assert codes["en"] == codes["de"] == codes["ja"]
    assert "'History'" in codes["de"] and "Verlauf" not in codes["de"]
    assert codes["de"].count("context.call(") == 1
    assert "'Updated %(when)s'" in codes["de"]


def test_a_template_that_names_the_table_of_texts_keeps_its_calls() -> None:
    """A template's own variable of the table's name is not the table: its calls stay calls."""
    env = pages_environment("de").overlay(
        loader=jinja2.DictLoader({"own.html": '{% set _statusgen_literal_texts = {} %}{{ _("History") }}'})
    )
    assert env.get_template("own.html").render() == "Verlauf"
    assert "context.call(" in env.compile('{% set _statusgen_literal_texts = 1 %}{{ _("History") }}', raw=True)


def test_the_catalogs_text_is_used() -> None:
    text = pages_environment("de").get_template("plain.html").render(when="heute")
    assert text == "Status|Aktualisiert heute"


def test_a_catalogs_own_markup_is_kept_and_only_the_values_are_escaped() -> None:
    """A translation may hold markup (`&amp;`, a tag): it is the catalog's, trusted as the
    extension trusts it; the values given to it are escaped."""
    catalog = {
        "Status": "Status &amp; <b>health</b>",
        "Updated %(when)s": "<i>Updated</i> %(when)s",
        "History": "100%% of it",  # a `%` is formatted at render time, as the extension does
    }

    def translate(text: str) -> str:
        return catalog.get(text, text)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural

    theirs = jinja2.Environment(
        loader=jinja2.DictLoader(SOURCES), autoescape=jinja2.select_autoescape(["html"]), extensions=["jinja2.ext.i18n"]
    )
    theirs.install_gettext_callables(translate, ngettext, newstyle=True)  # type: ignore[attr-defined]
    ours = TranslatingEnvironment(
        translate,
        loader=jinja2.DictLoader(SOURCES),
        autoescape=jinja2.select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    ours.install_gettext_callables(translate, ngettext, newstyle=True)  # type: ignore[attr-defined]
    ours.globals.update(_=direct_gettext(translate), gettext=direct_gettext(translate))
    for name in SOURCES:
        for value in VALUES:
            ours_text = ours.get_template(name).render(when=value, upper=str.upper)
            assert ours_text == theirs.get_template(name).render(when=value, upper=str.upper)
    assert ours.get_template("plain.html").render(when="<x>") == "Status &amp; <b>health</b>|<i>Updated</i> &lt;x&gt;"
    assert ours.get_template("joined.html").render(when="<x>") == "100% of it&lt;x&gt;|100% of it<x>"
