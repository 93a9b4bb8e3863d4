"""The output formats of a build, one module each, found through a registry.

A data output (the API's `api/statuspage.py`, feeds, calendar, badges, metrics, reports) exposes
`render(view) -> {path: bytes}`, and may also expose `plan(view) -> [Deferred | Unplanned]`: the
same files, each with the key of its inputs, so a rebuild skips those whose inputs did not change
(an incident's API file, a feed). The pages come last because they link to the others:
`pages.plan(view, context)` sees which files the data outputs produced (`context.available`) and
returns deferred files with a cache key too.

Beside the outputs are the modules they all read, none of them an output itself:

    view.py          the view model: every status decided once, from the bundle and the summary
    api/models.py    one typed model per published JSON shape (with `figures.py`, `types.py`)
    markdown.py      incident Markdown to sanitised HTML
    theme.py         the site's logo, accent colour, stylesheet and template overrides
    next_change.py   when the outputs next change by the clock alone
    render_share.py  rendering a build's files on two cores
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType

from site_builder.outputs.theme import Theme
from site_builder.outputs.view import SiteView

DataOutput = Callable[[SiteView], dict[str, bytes]]
DataPlan = Callable[[SiteView], list["Deferred | Unplanned"]]

DATA_OUTPUTS: tuple[str, ...] = ("api", "feeds", "calendar", "badges", "metrics", "reports")
"""The data outputs (their modules in `_modules`), rendered before the pages, in this order."""


@dataclass(frozen=True)
class RenderContext:
    """What the pages need to know beyond the view: the built assets and the other outputs."""

    theme: Theme
    assets: Mapping[str, str]
    """Logical asset name -> its content-hash site path, e.g. `style.css` -> `assets/style.<hash>.css`."""
    available: frozenset[str]
    """Site paths written by the data outputs; pages link to a feed or badge only if it is here."""
    digest: str
    """Changes whenever templates, theme or assets change; part of every page's cache key."""


@dataclass(frozen=True, slots=True)
class Deferred:
    """One file of the site, rendered only when needed."""

    path: str
    """Site-relative path, e.g. `incidents/2026-11-22-api-errors/index.html`."""
    key: str | None
    """Digest of every input of the file: an unchanged key means unchanged bytes. None: always render."""
    render: Callable[[], bytes]
    shares: str | None = None
    """A name for what the file is made from together with other files (None: nothing). Files
    with the same name are rendered one after the other by one process, which makes what they
    share once: an incident's page, its API file and its pages in other languages share the
    incident's Markdown (named by its slug); the feeds of one language, each incident's entry; the
    API's lists, their models; its uptime files, each component's figures."""


@dataclass(frozen=True, slots=True)
class Unplanned:
    """One file of the site whose key is worked out only when the file may be rendered, by the
    process that renders it: the files whose data costs a good part of rendering them (each
    incident's page and API file, each component's and each month's page, the index, the
    sitemap). A site has thousands, and a rebuild after one edit keys them all, so a build plans
    them on both cores."""

    path: str
    plan: Callable[[], Deferred]
    """The file with its key; its path is `path`."""
    shares: str | None = None
    """As `Deferred.shares`."""


def planned(item: Deferred | Unplanned) -> Deferred:
    """The file with its key and renderer."""
    if not isinstance(item, Unplanned):
        return item
    file = item.plan()
    if file.path != item.path:  # the build publishes it at the path it was planned at
        raise ValueError(f"{item.path} was planned as {file.path}")
    return file


def _modules() -> dict[str, ModuleType]:
    # Imported here, not at the top: these modules import this package (for its types) first.
    from site_builder.outputs import badges, calendar, feeds, metrics, reports
    from site_builder.outputs.api import statuspage as api

    return {"api": api, "feeds": feeds, "calendar": calendar, "badges": badges, "metrics": metrics, "reports": reports}


def data_outputs() -> dict[str, DataOutput]:
    """The registry: output name -> its `render(view)`, in the order they are built."""
    modules = _modules()
    return {name: modules[name].render for name in DATA_OUTPUTS}


def data_plans() -> dict[str, DataPlan]:
    """The registry as the build uses it: output name -> its `plan(view)`, in build order. An
    output without a `plan` has its `render` wrapped: its files are made on every build."""
    modules = _modules()
    plans: dict[str, DataPlan] = {}
    for name in DATA_OUTPUTS:
        module = modules[name]
        plans[name] = getattr(module, "plan", None) or _always(module.render)
    return plans


def _always(render: DataOutput) -> DataPlan:
    def plan(view: SiteView) -> list[Deferred | Unplanned]:
        return [Deferred(path, None, _constant(content)) for path, content in render(view).items()]

    return plan


def _constant(content: bytes) -> Callable[[], bytes]:
    return lambda: content
