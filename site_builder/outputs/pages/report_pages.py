"""The monthly service reports, `reports/` and `reports/<YYYY-MM>/`: the figures of
site_builder/reports.py as a page that prints on A4 (its data files are outputs/reports.py)."""

from __future__ import annotations

from typing import Any

from site_builder.outputs import Deferred
from site_builder.outputs.pages.base import Pages
from site_builder.outputs.pages.formatting import format_duration, month_label
from site_builder.reports import ComponentMonth, month_report, reported_months
from site_builder.view import STATUS_LABELS


def reports(pages: Pages) -> list[Deferred]:
    """The list of months, and one page per month that is over."""
    months = reported_months(pages.view)
    listing = pages.frame("reports/index.html", f"Service reports · {pages.view.bundle.site.name} Status")
    listing["months"] = [{"key": month, "label": month_label(month)} for month in months]
    planned = [pages.deferred("reports/index.html", "reports.html", listing)]
    for month in months:
        path = f"reports/{month}/index.html"
        planned.append(pages.deferred(path, "report.html", _report_data(pages, month, path)))
    return planned


def standalone_report(pages: Pages, month: str, stylesheet: str) -> bytes:
    """The page of `month` as one file to keep or print (`statusgen report --format html`): the
    stylesheet inside it, no script, and links that lead into the published site."""
    path = f"reports/{month}/index.html"
    data = _report_data(pages, month, path)
    data.update(root=pages.view.bundle.site.url.rstrip("/") + "/", inline_css=stylesheet)
    return pages.env.get_template("report.html").render({**pages.shared, **data}).encode()


def _report_data(pages: Pages, month: str, path: str) -> dict[str, Any]:
    site = pages.view.bundle.site.name
    report = month_report(pages.view, month)
    data = pages.frame(path, f"Service report {month_label(month)} · {site} Status",
                       f"Uptime of each component of {site} in {month_label(month)}")
    weights = ", ".join(f"{STATUS_LABELS[status]} {share:.0%}" for status, share in report.weights.items())
    data.update(
        month_label=month_label(month), formula=report.formula[0].upper() + report.formula[1:],
        weights=weights, components=[_row(row) for row in report.components],
    )
    return data


def _row(row: ComponentMonth) -> dict[str, Any]:
    measured = row.observed_seconds > 0
    budget = row.error_budget
    return {
        "id": row.id, "name": row.name,
        "uptime": row.uptime or ("not measured" if not row.measured else "no data"),
        "observed": format_duration(row.observed_seconds) if measured else "none",
        "downtime": format_duration(row.downtime_seconds) if row.downtime_seconds else "none",
        "no_data": "none" if not row.no_data_seconds else (
            f"{format_duration(row.no_data_seconds)} ({row.no_data_share:.1%})" if row.no_data_share is not None
            else format_duration(row.no_data_seconds)),
        "budget": "no objective" if budget is None else (
            f"{budget.target_percent:g}%: {format_duration(max(budget.remaining_seconds, 0))} left" if budget.met
            else f"{budget.target_percent:g}%: exceeded by {format_duration(-budget.remaining_seconds)}"),
        "windows": [{"slug": w.slug, "title": w.title, "what": STATUS_LABELS[w.status],
                     "duration": format_duration(w.seconds_in_month), "maintenance": w.kind == "maintenance"}
                    for w in [*row.incidents, *row.maintenance]],
    }
