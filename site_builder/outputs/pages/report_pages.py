"""The monthly service reports, `reports/` and `reports/<YYYY-MM>/`: the figures of
site_builder/outputs/report_data.py as a page that prints on A4 (its data files are outputs/reports.py)."""

from __future__ import annotations

from typing import Any

from checker.vocabulary import STATUS_LABELS
from site_builder.i18n.site_languages import Words
from site_builder.outputs import Deferred
from site_builder.outputs.pages.base import Pages
from site_builder.outputs.pages.template_problems import render_template
from site_builder.outputs.report_data import (
    ComponentMonth,
    ErrorBudget,
    MonthReport,
    month_report,
    month_reports,
    reported_months,
)


def reports(pages: Pages) -> list[Deferred]:
    """The list of months, and one page per month that is over."""
    months = reported_months(pages.view)
    listing = pages.frame("reports/index.html", pages.title(pages._("Service reports")))
    listing["months"] = [{"key": month, "label": pages.formats.month(month)} for month in months]
    planned = [pages.deferred("reports/index.html", "reports.html", listing)]
    for month, report in month_reports(pages.view, months).items():
        path = f"reports/{month}/index.html"
        planned.append(pages.deferred(path, "report.html", _report_data(pages, report, path)))
    return planned


def standalone_report(pages: Pages, month: str, stylesheet: str) -> bytes:
    """The page of `month` as one file to keep or print (`statusgen report --format html`): the
    stylesheet inside it, no script, and links that lead into the published site."""
    path = f"reports/{month}/index.html"
    data = _report_data(pages, month_report(pages.view, month), path)
    site_url = pages.view.bundle.site.url.rstrip("/") + "/"
    data.update(root=site_url, site_root=site_url, data_root="", inline_css=stylesheet)
    return render_template(pages.env, pages.context.theme, "report.html", {**pages.shared, **data})


def _report_data(pages: Pages, report: MonthReport, path: str) -> dict[str, Any]:
    site, month = pages.view.bundle.site.name, report.month
    _, formats = pages._, pages.formats
    label = formats.month(month)
    data = pages.frame(
        path,
        pages.title(_("Service report %(month)s") % {"month": label}),
        _("Uptime of each component of %(site)s in %(month)s") % {"site": site, "month": label},
    )
    weights = ", ".join(
        f"{_(STATUS_LABELS[status])} {formats.percent(share)}" for status, share in report.weights.items()
    )
    # The data files are the site's, beside the main language's page.
    data_root = "" if not pages.prefix else f"{data['site_root']}reports/{month}/"
    shown = {w.slug for row in report.components for w in [*row.incidents, *row.maintenance]}
    titles = {i.slug: pages.words(i) for i in pages.view.bundle.incidents if i.slug in shown}
    data.update(
        month_label=label,
        formula=_formula(pages, report.formula),
        weights=weights,
        data_root=data_root,
        components=[_row(pages, row, titles) for row in report.components],
    )
    return data


def _formula(pages: Pages, formula: str) -> str:
    """The report's formula as its sentence begins, in the page's language."""
    translated = pages._(formula)
    return translated[0].upper() + translated[1:]


def _row(pages: Pages, row: ComponentMonth, titles: dict[str, Words]) -> dict[str, Any]:
    _, formats = pages._, pages.formats
    duration = formats.duration
    measured = row.observed_seconds > 0
    budget = row.error_budget
    none = _("none")
    return {
        "id": row.id,
        "name": row.name,
        "uptime": _uptime(pages, row),
        "observed": duration(row.observed_seconds) if measured else none,
        "downtime": duration(row.downtime_seconds) if row.downtime_seconds else none,
        "no_data": none
        if not row.no_data_seconds
        else (
            f"{duration(row.no_data_seconds)} ({formats.percent(row.no_data_share, 1)})"
            if row.no_data_share is not None
            else duration(row.no_data_seconds)
        ),
        "budget": _("no objective") if budget is None else _budget(pages, budget),
        "windows": [
            {
                "slug": w.slug,
                "what": _(STATUS_LABELS[w.status]),
                **_title(titles, w.slug, w.title),
                "duration": duration(w.seconds_in_month),
                "maintenance": w.kind == "maintenance",
            }
            for w in [*row.incidents, *row.maintenance]
        ],
    }


def _budget(pages: Pages, budget: ErrorBudget) -> str:
    """`99.9%: 43 min left`, or `99.9%: exceeded by 5 min`."""
    target = pages.formats.percent(budget.target_percent / 100, _decimals(budget.target_percent))
    if budget.met:
        return pages._("%(target)s: %(left)s left") % {
            "target": target,
            "left": pages.formats.duration(max(budget.remaining_seconds, 0)),
        }
    return pages._("%(target)s: exceeded by %(over)s") % {
        "target": target,
        "over": pages.formats.duration(-budget.remaining_seconds),
    }


def _uptime(pages: Pages, row: ComponentMonth) -> str:
    if row.uptime is None:
        return pages._("not measured") if not row.measured else pages._("no data")
    if pages.formats.english:
        return row.uptime
    return pages.formats.percent(float(row.uptime.rstrip("%")) / 100, 2)


def _title(titles: dict[str, Words], slug: str, title: str) -> dict[str, str | None]:
    words = titles.get(slug)
    return (
        {"title": title, "title_lang": None}
        if words is None
        else {"title": words.title, "title_lang": words.title_lang}
    )


def _decimals(percent: float) -> int:
    """As many decimals as an objective is written with: 99.9 has one, 99 none."""
    text = f"{percent:g}"
    return len(text.partition(".")[2])
