"""The files beside the pages: `404.html`, `robots.txt`, `sitemap.xml` and `favicon.svg`."""

from __future__ import annotations

import functools

from site_builder.outputs import Deferred
from site_builder.outputs.pages.base import Pages, cache_key
from site_builder.outputs.theme import status_favicon


def favicon(pages: Pages) -> Deferred:
    """`favicon.svg`, linked by every page but the index (which links the content-hash copy,
    so a browser cannot keep showing an old status): the current overall status's icon."""
    indicator = pages.view.indicator
    return Deferred(
        "favicon.svg",
        cache_key(pages.shared_key, "favicon.svg", {"indicator": indicator}),
        functools.partial(status_favicon, indicator),
    )


def not_found(pages: Pages) -> Deferred:
    data = pages.frame("404.html", pages.title(pages._("Page not found")))
    # 404.html is served for any missing address, at any depth: link from the site's root. It is
    # in the site's main language only (a server has one page for every missing address).
    base = pages.view.bundle.site.url.split("://", 1)[1].partition("/")[2]
    data["root"] = data["site_root"] = "/" + (base.strip("/") + "/" if base.strip("/") else "")
    data["alternates"], data["switch"] = [], []
    return pages.deferred("404.html", "404.html", data)


def robots(pages: Pages) -> Deferred:
    return pages.deferred("robots.txt", "robots.txt", {"site": pages.view.bundle.site})


def sitemap(pages: Pages) -> Deferred:
    """`sitemap.xml`: the pages of every language, the main one's first."""
    languages = pages.view.languages
    urls: list[dict[str, str | None]] = []
    for code in languages.all:
        url = f"{pages.view.bundle.site.url}/{languages.prefix(code)}".rstrip("/")
        urls += [
            {"loc": f"{url}/", "lastmod": None},
            {"loc": f"{url}/history/", "lastmod": None},
            {"loc": f"{url}/uptime/", "lastmod": None},
        ]
        urls += [{"loc": f"{url}/components/{c.id}/", "lastmod": None} for c in pages.view.components]
        urls += [{"loc": f"{url}/history/{key}/", "lastmod": None} for key, _ in pages.months()]
        urls += [
            {"loc": f"{url}/incidents/{i.slug}/", "lastmod": i.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")}
            for i in pages.published()
        ]
    return pages.deferred("sitemap.xml", "sitemap.xml", {"urls": urls})
