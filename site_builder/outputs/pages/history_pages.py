"""The incident history: `history/` (recent months and the archive) and a page per month, `history/<YYYY-MM>/`."""

from __future__ import annotations

import functools
import math
from itertools import groupby

from checker.incident_model import Incident
from site_builder.outputs import Deferred, Unplanned
from site_builder.outputs.pages.base import Pages

MONTH_PAGE_SIZE = 50
"""Incidents per history page; a busier month continues on `history/<YYYY-MM>/<n>/`."""
HISTORY_RECENT_MONTHS = 3
"""Months shown in full on `history/`; the archive links every month."""
HISTORY_MONTH_PREVIEW = 10
"""Incidents per month listed on `history/` before "All n in <month>"."""


def history(pages: Pages) -> list[Deferred | Unplanned]:
    months = pages.months()
    month_label, gettext = pages.formats.month, pages._
    files: list[Deferred | Unplanned] = []
    # Each page of each month, newest first, so "older" and "newer" links are neighbours.
    sequence: list[tuple[str, int, int, list[Incident]]] = []
    for key, incidents in months:
        count = max(1, math.ceil(len(incidents) / MONTH_PAGE_SIZE))
        for page in range(1, count + 1):
            chunk = incidents[(page - 1) * MONTH_PAGE_SIZE : page * MONTH_PAGE_SIZE]
            sequence.append((key, page, count, chunk))

    def href(key: str, page: int) -> str:
        return f"history/{key}/index.html" if page == 1 else f"history/{key}/{page}/index.html"

    def link(position: int) -> dict[str, str] | None:
        if not 0 <= position < len(sequence):
            return None
        key, page, count, _ = sequence[position]
        label = month_label(key) + (" " + gettext("(page %(page)s)") % {"page": page} if count > 1 else "")
        return {"href": href(key, page), "label": label}

    def month_page(position: int) -> Deferred:
        key, page, count, chunk = sequence[position]
        path = href(key, page)
        data = pages.frame(path, pages.title(month_label(key)))
        data.update(
            label=month_label(key),
            page=page,
            pages=count,
            items=[pages.item(i) for i in chunk],
            newer=link(position - 1),
            older=link(position + 1),
        )
        return pages.deferred(path, "month.html", data)

    # A month's page lists its incidents: planned when it may be rendered, on both cores.
    for position, (key, page, _, _) in enumerate(sequence):
        files.append(Unplanned(pages.prefix + href(key, page), functools.partial(month_page, position)))

    data = pages.frame("history/index.html", pages.title(gettext("Incident history")))
    recent = [
        {
            "key": key,
            "label": month_label(key),
            "count": len(incidents),
            "incidents": [pages.item(i) for i in incidents[:HISTORY_MONTH_PREVIEW]],
            "more": len(incidents) > HISTORY_MONTH_PREVIEW,
        }
        for key, incidents in months[:HISTORY_RECENT_MONTHS]
    ]
    archive = [
        {"year": year, "months": [{"key": k, "label": month_label(k), "count": len(v)} for k, v in group]}
        for year, group in groupby(months, key=lambda kv: kv[0][:4])
    ]
    data.update(recent=recent, archive=archive)
    files.append(pages.deferred("history/index.html", "history.html", data))
    return files
