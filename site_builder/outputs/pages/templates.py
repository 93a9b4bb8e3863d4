"""The Jinja environment the pages render with, the templates' code compiled once per process, and
the digest of the templates for the cache keys. A template that fails, as a problem to show the
site's author: `site_builder.outputs.pages.template_problems`."""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Callable
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.bccache import Bucket
from jinja2.nodes import EvalContext
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from checker.errors import ContentError, Problem
from site_builder.i18n.languages import language
from site_builder.outputs.pages.formatting import Clock
from site_builder.outputs.theme import Theme, builtin_templates


def environment(theme: Theme, zone: str = "Etc/UTC", code: str = "en") -> jinja2.Environment:
    """Templates from the site's own `templates/` first, then statusgen's; their text from the
    catalog of the language `code`, times shown in `zone` as that language writes them."""
    loader = TemplateFiles([*theme.template_dirs, builtin_templates()])
    shown = language(code)
    env = TranslatingEnvironment(
        shown.catalog.translations.gettext,
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
        bytecode_cache=COMPILED_TEMPLATES,
    )
    # New-style gettext: `_("Updated %(when)s", when=...)` escapes its values, not the catalog's text.
    env.install_gettext_translations(shown.catalog.translations, newstyle=True)  # type: ignore[attr-defined]
    direct = direct_gettext(shown.catalog.translations.gettext)
    env.globals.update(_=direct, gettext=direct)
    clock = Clock(zone, shown.formats.datetime_text)
    env.filters["when"] = clock.when
    env.filters["when_rel"] = clock.when_rel
    return env


class TemplateFiles(jinja2.FileSystemLoader):
    """Jinja's loader of template folders, searched in order: the site's, then statusgen's own,
    last. A file that is not UTF-8 is a problem at the line of its first bad byte, not a decoding
    error with no file named."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as error:
            line = error.object[: error.start].count(b"\n") + 1
            site_folders = tuple(Path(folder) for folder in self.searchpath[:-1])
            where = shown_template_path(str(self.file_of(template)), site_folders)
            raise ContentError([Problem(where, line, "", "is not valid UTF-8; save the file as UTF-8")]) from None

    def file_of(self, template: str) -> Path:
        """The file the template `template` is read from: the first folder that has it."""
        for folder in self.searchpath:
            path = Path(folder, *template.split("/"))
            if path.is_file():
                return path
        raise jinja2.TemplateNotFound(template)


def shown_template_path(filename: str, site_folders: tuple[Path, ...]) -> str:
    """A template of the site's own folders as a path from the site's root
    (`templates/404.html`); any other (statusgen's own) as its full path."""
    path = Path(filename)
    for folder in site_folders:
        if path.is_relative_to(folder):
            return (Path(folder.name) / path.relative_to(folder)).as_posix()
    return filename


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


class TranslatingEnvironment(jinja2.Environment):
    """An environment whose templates look their literal texts up instead of calling the catalog:
    `_("Updated")` with no values becomes `Updated` looked up in the language's table of texts
    (`LiteralTexts`), marked safe where the template autoescapes, which is what `direct_gettext`
    returns. A page of an incident made a dozen such calls, each through the template context; a
    lookup costs a fraction of one. The compiled code names no language, so one compilation serves
    every language of the site (see `CompiledTemplates`)."""

    def __init__(self, translate: Callable[[str], str], /, **options: Any) -> None:
        super().__init__(**options)
        self.globals[TEXTS] = LiteralTexts(translate)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        # The one step between parsing a template and generating its code: `compile` calls it.
        tree = super()._parse(source, name, filename)
        if _gettext_not_rebound(tree):
            tree = _LiteralTextLookups().visit(tree)
            tree.set_environment(self)
        return tree


TEXTS = "_statusgen_literal_texts"
"""The name of the language's `LiteralTexts` among the templates' globals."""


class LiteralTexts(dict[str, str]):
    """Literal text -> what `direct_gettext` returns for it with no values, before it is marked
    safe: the catalog's text, formatted with no values (so `%%` is `%`, and a placeholder raises,
    as the call did). Each text is translated the first time a page looks it up."""

    def __init__(self, translate: Callable[[str], str]) -> None:
        super().__init__()
        self._translate = translate

    def __missing__(self, text: str) -> str:
        translated = self[text] = self._translate(text) % {}
        return translated


_GETTEXT_NAMES = frozenset(("_", "gettext"))


def _gettext_not_rebound(tree: nodes.Template) -> bool:
    """True when the template never binds `_`, `gettext` or the texts' table itself (a `set`, a
    loop variable, a macro's argument): only then does every call to them mean the catalog."""
    bound = (name.name for name in tree.find_all(nodes.Name) if name.ctx != "load")
    return not any(name in _GETTEXT_NAMES or name == TEXTS for name in bound)


class _LiteralTextLookups(NodeTransformer):
    """`_("text")` and `gettext("text")`, with a literal text and no values, as a lookup of the
    text in the language's `LiteralTexts`."""

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        self.generic_visit(node)
        if (
            isinstance(node.node, nodes.Name)
            and node.node.name in _GETTEXT_NAMES
            and len(node.args) == 1
            and isinstance(node.args[0], nodes.Const)
            and isinstance(node.args[0].value, str)
            and not node.kwargs
            and node.dyn_args is None
            and node.dyn_kwargs is None
        ):
            line = node.lineno
            table, text = nodes.Name(TEXTS, "load", lineno=line), nodes.Const(node.args[0].value, lineno=line)
            return nodes.MarkSafeIfAutoescape(nodes.Getitem(table, text, "load", lineno=line), lineno=line)
        return node


class CompiledTemplates(jinja2.BytecodeCache):
    """The code of the templates compiled in this process, for every environment made after: a
    build makes one per language and one for the assets, and `statusgen run`, the preview server
    and a warm Lambda builder make new ones for every build, each of which compiled every template
    again (about 80 ms each time). Jinja's own mechanism: an entry is found by the template's name
    and file, and used only while its source's checksum matches. Every option of the environment
    that shapes the code is the same for all, and the code names no language (see
    `TranslatingEnvironment`)."""

    def __init__(self) -> None:
        self._code: dict[str, tuple[str, CodeType]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        kept = self._code.get(bucket.key)
        if kept is not None and kept[0] == bucket.checksum:
            bucket.code = kept[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self._code[bucket.key] = (bucket.checksum, bucket.code)

    def marshalled(self) -> dict[str, tuple[str, bytes]]:
        """Every entry, its code as `marshal` writes it (code cannot be pickled), to send to the
        process that forked this one."""
        return {key: (checksum, marshal.dumps(code)) for key, (checksum, code) in self._code.items()}

    def add_marshalled(self, entries: dict[str, tuple[str, bytes]]) -> None:
        """The entries `marshalled` gave in a child of this process, which runs the same code and
        compiled the templates' sources as they are now."""
        for key, (checksum, code) in entries.items():
            self._code[key] = (checksum, marshal.loads(code))


COMPILED_TEMPLATES = CompiledTemplates()
"""The process's compiled templates."""


def template_digest(env: jinja2.Environment) -> str:
    """Digest of every file of the template folders, so editing a template re-renders the pages;
    of their bytes, not their text: a picture kept beside the templates is no template to decode."""
    loader = env.loader
    assert isinstance(loader, TemplateFiles)
    h = hashlib.sha256()
    for name in sorted(loader.list_templates()):
        h.update(name.encode() + b"\0" + loader.file_of(name).read_bytes() + b"\0")
    return h.hexdigest()
