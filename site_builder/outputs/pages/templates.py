"""The Jinja environment the pages render with, and the digest of its templates for the cache keys."""

from __future__ import annotations

import hashlib

import jinja2

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
    clock = Clock(zone, shown.formats.datetime_text)
    env.filters["when"] = clock.when
    env.filters["when_rel"] = clock.when_rel
    return env


def template_digest(env: jinja2.Environment) -> str:
    """Digest of every template's source, so editing a template re-renders the pages."""
    h = hashlib.sha256()
    for name in sorted(env.list_templates()):
        assert env.loader is not None
        source, _, _ = env.loader.get_source(env, name)
        h.update(name.encode() + b"\0" + source.encode() + b"\0")
    return h.hexdigest()
