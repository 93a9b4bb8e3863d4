"""A component's own page, `components/<id>/`: its 90 days day by day, uptime, response times, incidents."""

from __future__ import annotations

from checker.summary import WINDOWS, UptimeFigure
from site_builder.outputs import Deferred
from site_builder.outputs.pages.base import Pages
from site_builder.outputs.pages.chart import latency_chart
from site_builder.outputs.pages.formatting import format_ms, format_share, format_uptime, month_label
from site_builder.outputs.pages.strips import PITCH, day_rows
from site_builder.view import ComponentView

COMPONENT_INCIDENTS = 20
"""Incidents listed on a component's page; older ones are in the history."""
_WINDOW_LABELS = {"24h": "Last 24 hours", "7d": "Last 7 days", "30d": "Last 30 days",
                  "90d": "Last 90 days"}
_COMPONENT_INDICATORS = {"operational": "none", "degraded_performance": "minor", "partial_outage": "major",
                         "major_outage": "critical", "under_maintenance": "maintenance"}


def component(pages: Pages, component: ComponentView) -> Deferred:
    path = f"components/{component.id}/index.html"
    name = component.component.name
    data = pages.frame(path, f"{name} · {pages.view.bundle.site.name} Status",
                       component.component.description or "")
    measured = component.measured
    row = pages.rows.row(component, 2)
    windows, months, latency = [], [], []
    chart = None
    if measured is not None:
        windows = [_figure_row(_WINDOW_LABELS[w], measured.uptime[w])
                   for w in WINDOWS if w in measured.uptime]
        months = [_figure_row(month_label(k), measured.monthly[k])
                  for k in sorted(measured.monthly, reverse=True)[:12]]
        latency = [{"label": _WINDOW_LABELS[w], "p50": format_ms(f.p50_ms),
                    "p95": format_ms(f.p95_ms), "p99": format_ms(f.p99_ms)}
                   for w, f in ((w, measured.latency.get(w)) for w in WINDOWS)
                   if f is not None and f.samples]
        chart = latency_chart(measured, pages.view.now.date())
    incidents = pages.view.incidents_of(component.id)
    links = [{"path": p, "title": t} for p, t in (
        (f"components/{component.id}/feed.atom", f"{name} incident feed (Atom)"),
        (f"badges/{component.id}/status.svg", "Status badge (SVG)"),
        (f"badges/{component.id}/uptime-30d.svg", "30-day uptime badge (SVG)"),
        (f"badges/{component.id}/response-time.svg", "Response-time badge (SVG)"),
    ) if p in pages.context.available]
    days = pages.rows.days(component)
    rows, anchors = day_rows(days)
    hits = [{"x": index * PITCH, "href": f"#{anchor}", "title": day.text}
            for index, (day, anchor) in enumerate(zip(days, anchors, strict=True))]
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
        og_image=pages.og_image(_COMPONENT_INDICATORS[component.status]),
        og_image_alt=f"{name}: {component.label}",
    )
    return pages.deferred(path, "component.html", data)


def _figure_row(label: str, figure: UptimeFigure) -> dict[str, str]:
    total = figure.observed_seconds + figure.no_data_seconds
    return {"label": label, "uptime": format_uptime(figure.uptime) or "No data",
            "no_data": format_share(figure.no_data_seconds, total)}
