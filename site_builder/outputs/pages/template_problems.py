"""A template that fails, as a problem naming its file and line (never a traceback), from the
build (`compile_ahead`, `render_template`) and from `statusgen validate` (`theme_problems`)."""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2

from checker.bundle import SiteSettings
from checker.errors import ContentError, Problem
from site_builder.builder.two_processes import meanwhile
from site_builder.outputs.pages.templates import COMPILED_TEMPLATES, environment, shown_template_path
from site_builder.outputs.theme import Theme, builtin_templates, load_theme

PAGE_TEMPLATE_TYPES = frozenset((".html", ".xml", ".txt"))
"""The built-in templates' file types that are Jinja templates (the `uptime*.md` texts are not)."""


def compile_ahead(env: jinja2.Environment, theme: Theme) -> None:
    """Compile the templates of statusgen's pages (or the theme's of the same names) now, in the
    process that plans the build: the process forked to share the rendering starts with them
    compiled instead of compiling them again. Raises ContentError for a template that does not
    compile, used by a page or not."""
    for path in sorted(builtin_templates().iterdir()):
        if path.suffix in PAGE_TEMPLATE_TYPES:
            try:
                env.get_template(path.name)
            except jinja2.TemplateError as error:
                raise ContentError([template_problem(error, theme)]) from None


@contextlib.contextmanager
def compiled_meanwhile(env: jinja2.Environment, theme: Theme) -> Iterator[Callable[[], None]]:
    """`compile_ahead` begun in a forked child while this process goes on inside the block
    (planning the build's other files: see `site_builder.builder.two_processes.meanwhile`). Yields
    `take`, which waits for the child and keeps the code it compiled, so that `compile_ahead`
    here finds those templates compiled; one the child could not compile is compiled here, and
    raises its problem here."""

    def compile_there() -> dict[str, tuple[str, bytes]]:
        with contextlib.suppress(ContentError):  # met again here
            compile_ahead(env, theme)
        return COMPILED_TEMPLATES.marshalled()

    with meanwhile(compile_there) as compiled:
        yield lambda: COMPILED_TEMPLATES.add_marshalled(compiled() or {})


def theme_problems(settings: SiteSettings, root: Path) -> list[Problem]:
    """What in the site's theme a build would stop at before it renders a page: a logo or
    stylesheet it cannot read, a file of the site's `templates/` folder that is not UTF-8, or a
    template there that does not compile. A mistake that shows only while a page renders (a value
    the page does not have, an include that does not exist) is found by the build, which names
    its file and line too."""
    try:
        theme = load_theme(settings, root)
    except ContentError as error:
        return error.problems
    env = environment(theme)
    assert env.loader is not None
    builtin = builtin_templates()
    problems = []
    for folder in theme.template_dirs:
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            try:
                # The stylesheet and the script are copied as they are, not rendered; the other
                # files statusgen reads by name (the `uptime.md` texts) are read as text.
                if path.suffix in PAGE_TEMPLATE_TYPES and not name.startswith("static/") and path.is_file():
                    env.get_template(name)
                elif (builtin / name).is_file():
                    env.loader.get_source(env, name)
            except jinja2.TemplateError as error:
                problems.append(template_problem(error, theme))
            except ContentError as error:  # a file that is not UTF-8
                problems += error.problems
    return problems


def render_template(env: jinja2.Environment, theme: Theme, name: str, data: dict[str, Any]) -> bytes:
    """The template `name` rendered with `data`. Raises ContentError, naming the file and line,
    when a template fails: any Jinja error, and any other error raised at a line of the site's own
    templates (a value of the wrong type, say). Any other error is statusgen's, and keeps its trace."""
    try:
        return env.get_template(name).render(data).encode()
    except jinja2.TemplateError as error:
        raise ContentError([template_problem(error, theme)]) from None
    except ContentError:
        raise
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
    shown = shown_template_path(filename, theme.template_dirs) if filename else "templates"
    return Problem(shown, line, "", f"{what}: fix the template (Jinja2), or delete it to use statusgen's own")


def _failed_line(error: BaseException, folders: tuple[Path, ...]) -> tuple[str | None, int]:
    """The innermost line of the error's trace that is a line of a template in `folders` (Jinja
    rewrites a rendering error's trace so that its frames are the templates' own lines)."""
    found: tuple[str | None, int] = (None, 0)
    for frame, line in traceback.walk_tb(error.__traceback__):
        if any(Path(frame.f_code.co_filename).is_relative_to(folder) for folder in folders):
            found = (frame.f_code.co_filename, line)
    return found
