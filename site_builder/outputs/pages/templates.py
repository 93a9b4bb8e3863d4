"""The Jinja environment the pages render with, and the digest of its templates for the cache keys."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from types import CodeType, TracebackType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.bccache import Bucket
from jinja2.nodes import EvalContext
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from checker.bundle import SiteSettings
from checker.errors import ContentError, Problem
from site_builder.i18n.languages import language
from site_builder.outputs.pages.formatting import Clock
from site_builder.outputs.theme import Theme, builtin_templates, load_theme


def environment(theme: Theme, zone: str = "Etc/UTC", code: str = "en") -> jinja2.Environment:
    """Templates from the site's own `templates/` first, then statusgen's; their text from the
    catalog of the language `code`, times shown in `zone` as that language writes them."""
    loader = jinja2.FileSystemLoader([*theme.template_dirs, builtin_templates()])
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
        bytecode_cache=compiled_templates(shown.catalog.digest),
    )
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


class TranslatingEnvironment(jinja2.Environment):
    """An environment whose templates have their constant texts translated as they are compiled:
    `_("Updated")` with no values becomes the catalog's text, marked safe where the template
    autoescapes, as `direct_gettext` would return it on every render. A page of an incident makes
    a dozen such calls, each through the template context; made once per template instead, they
    cost nothing per page. A text the catalog translates with a `%` in it (`%%`, or a placeholder
    with no value) is left to `direct_gettext`, which formats it and raises as before."""

    def __init__(self, translate: Callable[[str], str], /, **options: Any) -> None:
        super().__init__(**options)
        self._translate = translate

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        # The one step between parsing a template and generating its code: `compile` calls it.
        tree = super()._parse(source, name, filename)
        return _ConstantTexts(self._translate).visit(tree) if _gettext_not_rebound(tree) else tree


_GETTEXT_NAMES = frozenset(("_", "gettext"))


def _gettext_not_rebound(tree: nodes.Template) -> bool:
    """True when the template never binds `_` or `gettext` itself (a `set`, a loop variable, a
    macro's argument): only then does every call to them mean the catalog."""
    return not any(name.name in _GETTEXT_NAMES and name.ctx != "load" for name in tree.find_all(nodes.Name))


class _ConstantTexts(NodeTransformer):
    """`_("text")` and `gettext("text")`, with a literal text and no values, as their translation."""

    def __init__(self, translate: Callable[[str], str]) -> None:
        self.translate = translate

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
            text = self.translate(node.args[0].value)
            if "%" not in text:
                return nodes.MarkSafeIfAutoescape(nodes.Const(text, lineno=node.lineno), lineno=node.lineno)
        return node


class CompiledTemplates(jinja2.BytecodeCache):
    """The code of the templates compiled in this process with one catalog, for every environment
    made after: a build makes one per language and one for the assets, and `statusgen run`, the
    preview server and a warm Lambda builder make new ones for every build, each of which compiled
    every template again (85 ms per language). Jinja's own mechanism: an entry is found by the
    template's name and file, and used only while its source's checksum matches. One cache per
    catalog, since the catalog's constant texts are compiled into the code (see
    `TranslatingEnvironment`); every other option of the environment is the same for all."""

    def __init__(self) -> None:
        self._code: dict[str, tuple[str, CodeType]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        kept = self._code.get(bucket.key)
        if kept is not None and kept[0] == bucket.checksum:
            bucket.code = kept[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self._code[bucket.key] = (bucket.checksum, bucket.code)


@functools.cache
def compiled_templates(catalog_digest: str) -> CompiledTemplates:
    """The process's compiled templates for the catalog with this digest."""
    return CompiledTemplates()


PAGE_TEMPLATE_TYPES = frozenset((".html", ".xml", ".txt"))
"""The built-in templates' file types that are Jinja templates (the `uptime*.md` texts are not)."""


def compile_ahead(env: jinja2.Environment, theme: Theme) -> None:
    """Compile the templates of statusgen's pages (or the theme's of the same names) now, in the
    process that plans the build: the process forked to render every other file starts with them
    compiled instead of compiling them again. Raises ContentError for a template that does not
    compile, used by a page or not."""
    for path in sorted(builtin_templates().iterdir()):
        if path.suffix in PAGE_TEMPLATE_TYPES:
            try:
                env.get_template(path.name)
            except jinja2.TemplateError as error:
                raise ContentError([template_problem(error, theme)]) from None


def theme_problems(settings: SiteSettings, root: Path) -> list[Problem]:
    """What in the site's theme a build would stop at before it renders a page: a logo or
    stylesheet it cannot read, or a template of the site's `templates/` folder that does not
    compile. A mistake that shows only while a page renders (a value the page does not have, an
    include that does not exist) is found by the build, which names its file and line too."""
    try:
        theme = load_theme(settings, root)
    except ContentError as error:
        return error.problems
    env = environment(theme)
    problems = []
    for folder in theme.template_dirs:
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            # The stylesheet and the script are copied as they are, not rendered.
            if path.suffix in PAGE_TEMPLATE_TYPES and not name.startswith("static/") and path.is_file():
                try:
                    env.get_template(name)
                except jinja2.TemplateError as error:
                    problems.append(template_problem(error, theme))
    return problems


def render_template(env: jinja2.Environment, theme: Theme, name: str, data: dict[str, Any]) -> bytes:
    """The template `name` rendered with `data`. Raises ContentError, naming the file and line,
    when a template fails: any Jinja error, and any other error raised at a line of the site's own
    templates (a value of the wrong type, say). Any other error is statusgen's, and keeps its trace."""
    try:
        return env.get_template(name).render(data).encode()
    except jinja2.TemplateError as error:
        raise ContentError([template_problem(error, theme)]) from None
    except Exception as error:
        filename, line = _failed_line(error, theme.template_dirs)
        if filename is None:
            raise
        raise ContentError([_problem(filename, line, str(error) or type(error).__name__, theme)]) from None


def template_problem(error: jinja2.TemplateError, theme: Theme) -> Problem:
    """A failed template as a problem: the file and line Jinja reports for a syntax error, else
    the innermost template line in the error's trace, as a path from the site's root for the
    theme's files."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        filename, line = error.filename, error.lineno
    else:
        filename, line = _failed_line(error, (*theme.template_dirs, builtin_templates()))
    return _problem(filename, line, error.message or type(error).__name__, theme)


def _problem(filename: str | None, line: int, what: str, theme: Theme) -> Problem:
    shown = _shown_path(filename, theme) if filename else "templates"
    return Problem(shown, line, "", f"{what}: fix the template (Jinja2), or delete it to use statusgen's own")


def _failed_line(error: BaseException, folders: tuple[Path, ...]) -> tuple[str | None, int]:
    """The innermost line of the error's trace that is a line of a template in `folders` (Jinja
    rewrites a rendering error's trace so that its frames are the templates' own lines)."""
    found: tuple[str | None, int] = (None, 0)
    for frame_file, frame_line in _trace_lines(error.__traceback__):
        if any(Path(frame_file).is_relative_to(folder) for folder in folders):
            found = (frame_file, frame_line)
    return found


def _trace_lines(trace: TracebackType | None) -> list[tuple[str, int]]:
    """(file, line) of each frame of a trace, outermost first."""
    lines = []
    while trace is not None:
        lines.append((trace.tb_frame.f_code.co_filename, trace.tb_lineno))
        trace = trace.tb_next
    return lines


def _shown_path(filename: str, theme: Theme) -> str:
    """A theme's template as a path from the site's root (`templates/404.html`); any other
    (statusgen's own) as its full path."""
    path = Path(filename)
    for folder in theme.template_dirs:
        if path.is_relative_to(folder):
            return (Path(folder.name) / path.relative_to(folder)).as_posix()
    return filename


def template_digest(env: jinja2.Environment) -> str:
    """Digest of every template's source, so editing a template re-renders the pages."""
    h = hashlib.sha256()
    for name in sorted(env.list_templates()):
        assert env.loader is not None
        source, _, _ = env.loader.get_source(env, name)
        h.update(name.encode() + b"\0" + source.encode() + b"\0")
    return h.hexdigest()
