"""A component's own page, `components/<id>/`: its 90 days day by day, uptime, response times, incidents."""

from __future__ import annotations

from checker.summary import WINDOWS, UptimeFigure
from checker.vocabulary import INDICATOR_OF_STATUS
from site_builder.i18n.marker import N_
from site_builder.outputs import Deferred
from site_builder.outputs.pages.base import Pages
from site_builder.outputs.pages.chart import latency_chart
from site_builder.outputs.pages.strips import PITCH, day_rows
from site_builder.outputs.view import ComponentView

COMPONENT_INCIDENTS = 20
"""Incidents listed on a component's page; older ones are in the history."""
_WINDOW_LABELS = {
    "24h": N_("Last 24 hours"),
    "7d": N_("Last 7 days"),
    "30d": N_("Last 30 days"),
    "90d": N_("Last 90 days"),
}


def component_path(component: ComponentView) -> str:
    return f"components/{component.id}/index.html"


def component(pages: Pages, component: ComponentView) -> Deferred:
    path = component_path(component)
    name = component.component.name
    _, formats = pages._, pages.formats
    data = pages.frame(path, pages.title(name), component.component.description or "")
    measured = component.measured
    row = pages.rows.row(component, 2)
    windows, months, latency = [], [], []
    chart = None
    if measured is not None:
        windows = [
            _figure_row(pages, _(_WINDOW_LABELS[w]), measured.uptime[w]) for w in WINDOWS if w in measured.uptime
        ]
        months = [
            _figure_row(pages, formats.month(k), measured.monthly[k])
            for k in sorted(measured.monthly, reverse=True)[:12]
        ]
        latency = [
            {
                "label": _(_WINDOW_LABELS[w]),
                "p50": formats.ms(f.p50_ms),
                "p95": formats.ms(f.p95_ms),
                "p99": formats.ms(f.p99_ms),
            }
            for w, f in ((w, measured.latency.get(w)) for w in WINDOWS)
            if f is not None and f.samples
        ]
        chart = latency_chart(measured, pages.view.now.date(), pages.language)
    incidents = pages.view.incidents_of(component.id)
    # The component's feed is in this language, under its prefix; the badges are the site's.
    feed = f"components/{component.id}/feed.atom"
    links = (
        [{"path": feed, "title": _("%(name)s incident feed (Atom)") % {"name": name}}]
        if pages.prefix + feed in pages.context.available
        else []
    )
    links += [
        {"path": pages.up + p, "title": _(t)}
        for p, t in (
            (f"badges/{component.id}/status.svg", N_("Status badge (SVG)")),
            (f"badges/{component.id}/uptime-30d.svg", N_("30-day uptime badge (SVG)")),
            (f"badges/{component.id}/response-time.svg", N_("Response-time badge (SVG)")),
        )
        if p in pages.context.available
    ]
    days = pages.rows.days(component)
    rows, anchors = day_rows(days)
    hits = [
        {"x": index * PITCH, "href": f"#{anchor}", "title": day.text}
        for index, (day, anchor) in enumerate(zip(days, anchors, strict=True))
    ]
    data.update(
        row=row,
        hits=hits,
        day_rows=rows,
        last_checked=measured.last_checked_at if measured else None,
        last_reason=measured.last_reason if measured else None,
        windows=windows,
        months=months,
        latency=latency,
        chart=chart,
        incidents=[pages.item(i) for i in incidents[:COMPONENT_INCIDENTS]],
        more_incidents=len(incidents) > COMPONENT_INCIDENTS,
        links=links,
        og_image=pages.og_image(INDICATOR_OF_STATUS[component.status]),
        og_image_alt=f"{name}: {_(component.label)}",
    )
    return pages.deferred(path, "component.html", data)


def _figure_row(pages: Pages, label: str, figure: UptimeFigure) -> dict[str, str]:
    total = figure.observed_seconds + figure.no_data_seconds
    return {
        "label": label,
        "uptime": pages.formats.uptime(figure.uptime) or pages._("No data"),
        "no_data": pages.formats.share(figure.no_data_seconds, total),
    }
