"""The HTML pages: index, incidents, history by month, components, uptime explanation, 404, plus
robots.txt and sitemap.xml.

Every value a template shows is decided here, from the view, and passed in as plain data; that
data is also the page's cache key, so a page whose data did not change is not rendered again.
Templates never see the clock: anything that depends on `now` is computed before rendering.

One module per page kind (`index_page`, `incident_page`, `history_pages`, `component_page`,
`uptime_page`, `report_pages`, `site_files`), each a function of `base.Pages`, what a build's
pages share; the 90-day strips are in `strips`, the response-time chart in `chart`, how figures
and times read in `formatting`, the Jinja environment in `templates`, a template that fails as a
problem in `template_problems`, and the stylesheet, script and icons in `assets`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from site_builder.outputs import Deferred, RenderContext, Unplanned, planned
from site_builder.outputs.pages.assets import static_assets
from site_builder.outputs.pages.base import Pages
from site_builder.outputs.pages.component_page import component, component_path
from site_builder.outputs.pages.history_pages import history
from site_builder.outputs.pages.incident_page import incident_file
from site_builder.outputs.pages.index_page import index
from site_builder.outputs.pages.report_pages import reports
from site_builder.outputs.pages.site_files import favicon, not_found, robots, sitemap
from site_builder.outputs.pages.template_problems import compile_ahead, compiled_meanwhile
from site_builder.outputs.pages.templates import environment, template_digest
from site_builder.outputs.pages.uptime_page import uptime
from site_builder.outputs.view import SiteView

__all__ = ["compiled_meanwhile", "environment", "plan", "render", "static_assets", "template_digest"]


def plan(
    view: SiteView, context: RenderContext, *, compile_all: bool = True, compiled: Callable[[], None] = lambda: None
) -> list[Deferred | Unplanned]:
    """Every page of the site, each with its cache key and a way to render it: the main language's
    at the site's root, with the files only it has, then each other language's under its prefix.
    The pages whose data takes long to make (each incident's, each component's with its 90 days,
    each month's history, the index, the sitemap) are planned when they may be rendered, on both
    cores (see `Unplanned`).

    `compile_all`: compile every page template once the pages are planned (see `compile_ahead`),
    as a build must when its templates, theme or code changed since they last all compiled: a
    broken template fails the build whether a page uses it or not; `compiled` is called first,
    to take the code a second process compiled meanwhile (see `compiled_meanwhile`). Otherwise a
    template is compiled when it is first rendered, so a rebuild that renders one incident's page
    compiles three templates, not all."""
    items: list[Deferred | Unplanned] = []
    in_each_language: list[Pages] = []
    for code in view.languages.all:
        pages = Pages(view, context, environment(context.theme, view.bundle.site.time_zone, code), code)
        in_each_language.append(pages)
        items.append(Unplanned(pages.prefix + "index.html", functools.partial(index, pages)))
        if code == view.languages.main:
            items += [favicon(pages), uptime(pages), not_found(pages), robots(pages)]
            items.append(Unplanned("sitemap.xml", functools.partial(sitemap, pages)))
        else:
            items.append(uptime(pages))
        items += [incident_file(pages, i) for i in pages.published()]
        items += history(pages)
        items += [
            Unplanned(pages.prefix + component_path(c), functools.partial(component, pages, c)) for c in view.components
        ]
        items += reports(pages)
    if compile_all:
        compiled()
        for pages in in_each_language:
            compile_ahead(pages.env, context.theme)
    return items


def render(view: SiteView, context: RenderContext) -> dict[str, bytes]:
    """Every page of the site, rendered."""
    return {item.path: planned(item).render() for item in plan(view, context)}
