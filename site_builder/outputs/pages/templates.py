"""The Jinja environment the pages render with, and the digest of its templates for the cache keys."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import jinja2
from jinja2.nodes import EvalContext
from markupsafe import Markup

from site_builder.i18n.languages import language
from site_builder.outputs.pages.formatting import Clock
from site_builder.outputs.theme import Theme, builtin_templates


def environment(theme: Theme, zone: str = "Etc/UTC", code: str = "en") -> jinja2.Environment:
    """Templates from the site's own `templates/` first, then statusgen's; their text from the
    catalog of the language `code`, times shown in `zone` as that language writes them."""
    loader = jinja2.FileSystemLoader([*theme.template_dirs, builtin_templates()])
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
        # One environment per build: each template is read once, as its digest saw it, instead of
        # its file being looked at again for every page (thousands of times in a large build).
        auto_reload=False,
    )
    shown = language(code)
    # New-style gettext: `_("Updated %(when)s", when=...)` escapes its values, not the catalog's text.
    env.install_gettext_translations(shown.catalog.translations, newstyle=True)  # type: ignore[attr-defined]
    direct = direct_gettext(shown.catalog.translations.gettext)
    env.globals.update(_=direct, gettext=direct)
    clock = Clock(zone, shown.formats.datetime_text)
    env.filters["when"] = clock.when
    env.filters["when_rel"] = clock.when_rel
    return env


def direct_gettext(translate: Callable[[str], str]) -> Callable[..., str]:
    """New-style gettext as `jinja2.ext` makes it, in one call instead of three: the extension's
    `_` looks `gettext` up in the context and calls it through the context, which calls the
    catalog through the context again; the pages make some twenty thousand such calls per
    thousand incidents. Same result: the catalog's text, marked safe where the template
    autoescapes, then formatted with its values (which `%` on markup escapes)."""

    @jinja2.pass_eval_context
    def gettext(eval_context: EvalContext, string: str, /, **variables: Any) -> str:
        text = translate(string)
        if eval_context.autoescape:
            text = Markup(text)
        return text % variables

    return gettext


def template_digest(env: jinja2.Environment) -> str:
    """Digest of every template's source, so editing a template re-renders the pages."""
    h = hashlib.sha256()
    for name in sorted(env.list_templates()):
        assert env.loader is not None
        source, _, _ = env.loader.get_source(env, name)
        h.update(name.encode() + b"\0" + source.encode() + b"\0")
    return h.hexdigest()
