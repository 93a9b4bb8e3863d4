"""Monthly SLA reports anyone can recompute: per component, the month's uptime with its formula,
the downtime (weighted by status), the time without data, the incidents and maintenance windows
that touched it, and the error budget where `slo:` is set.

Every figure comes from the checker's summary (`monthly`, the same figures the component pages
show, and what `statusgen rollup --rebuild` recomputes from `runs/`) and from the incident files;
nothing is measured or estimated here. A month is reported once it is over (in UTC).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from checker.incident_model import Incident, active_spans
from checker.strict_model import StrictModel
from checker.uptime import format_uptime
from checker.vocabulary import DOWNTIME_STATUSES, ComponentStatus
from site_builder.i18n.marker import N_
from site_builder.outputs.view import SiteView

FORMULA = N_("uptime = 1 - weighted downtime / observed time")
"""In English in the data files; the report page shows it in its language."""


class Window(StrictModel):
    """An incident or maintenance as it touched one component within the month."""

    slug: str
    title: str
    kind: str
    """`incident` or `maintenance`."""
    status: ComponentStatus
    """What it declared for the component."""
    start: datetime
    end: datetime | None
    """None: still open at the end of the month."""
    seconds_in_month: float


class ErrorBudget(StrictModel):
    target_percent: float
    allowed_downtime_seconds: float
    """(1 - target) x observed time."""
    used_downtime_seconds: float
    remaining_seconds: float
    met: bool


class ComponentMonth(StrictModel):
    id: str
    name: str
    group: str | None
    measured: bool
    """False for a component without a check: it has no uptime figure."""
    uptime: str | None
    """As the page shows it: `99.98%`, two decimals, never rounded up to 100.00%."""
    uptime_ratio: float | None
    observed_seconds: float
    downtime_seconds: float
    """Weighted: each status's time times its weight."""
    no_data_seconds: float
    no_data_share: float | None
    """No-data time / (observed + no-data time)."""
    error_budget: ErrorBudget | None
    incidents: list[Window]
    maintenance: list[Window]
    """Left out of the calculation."""


class MonthReport(StrictModel):
    month: str
    """`YYYY-MM`."""
    site: str
    formula: str
    weights: dict[ComponentStatus, float]
    components: list[ComponentMonth]


def reported_months(view: SiteView) -> list[str]:
    """Months that are over and have measurements, newest first."""
    current = view.now.astimezone(UTC).strftime("%Y-%m")
    months = {month for c in view.components if c.measured for month in c.measured.monthly}
    return sorted((m for m in months if m < current), reverse=True)


def month_report(view: SiteView, month: str) -> MonthReport:
    """The report of `month` (`YYYY-MM`) for every component of the site."""
    return month_reports(view, [month])[month]


def month_reports(view: SiteView, months: list[str]) -> dict[str, MonthReport]:
    """The reports of `months`, each made once for the view: the report files and every
    language's report pages show the same months."""
    made: dict[str, MonthReport] = view.__dict__.setdefault("_month_reports", {})  # not a field: frozen is fine
    missing = [month for month in months if month not in made]
    if missing:
        made.update(_made_in_one_pass(view, missing))
    return {month: made[month] for month in months}


def _made_in_one_pass(view: SiteView, months: list[str]) -> dict[str, MonthReport]:
    """The reports of `months`, made in one pass over each component's incidents: a site with
    years of incidents asks which of them touched each month of each component."""
    bounds = {month: _bounds(month) for month in months}
    windows: dict[str, dict[str, list[Window]]] = {month: {} for month in months}
    for component in view.components:
        for incident in view.incidents_of(component.id):
            spans = active_spans(incident)
            if not spans:
                continue
            first, last = spans[0][0], spans[-1][1]
            for month, (start, end) in bounds.items():
                if first < end and (last is None or last > start):
                    window = _window(incident, spans, component.id, start, end)
                    if window is not None:
                        windows[month].setdefault(component.id, []).append(window)
    return {month: _report(view, month, windows[month]) for month in months}


def _bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of `month` in UTC."""
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, end


def _report(view: SiteView, month: str, windows_of: dict[str, list[Window]]) -> MonthReport:
    """The report of `month`, given the windows of the incidents that touched each component."""
    weights = view.bundle.checker.downtime_weights
    rows = []
    for component in view.components:
        # A component without a check is not measured: no uptime, whatever incidents declared.
        measured = component.component.check is not None and component.measured is not None
        figure = component.measured.monthly.get(month) if measured and component.measured else None
        windows = windows_of.get(component.id, [])
        observed = figure.observed_seconds if figure else 0.0
        downtime = figure.downtime_seconds if figure else 0.0
        no_data = figure.no_data_seconds if figure else 0.0
        slo = component.component.slo
        rows.append(
            ComponentMonth(
                id=component.id,
                name=component.component.name,
                group=component.component.group,
                measured=component.component.check is not None,
                uptime=None if figure is None or figure.uptime is None else format_uptime(figure.uptime),
                uptime_ratio=figure.uptime if figure else None,
                observed_seconds=observed,
                downtime_seconds=downtime,
                no_data_seconds=no_data,
                no_data_share=round(no_data / (observed + no_data), 6) if observed + no_data else None,
                error_budget=None if slo is None or not observed else _budget(slo.target, observed, downtime),
                incidents=[w for w in windows if w.kind == "incident"],
                maintenance=[w for w in windows if w.kind == "maintenance"],
            )
        )
    return MonthReport(
        month=month,
        site=view.bundle.site.name,
        formula=FORMULA,
        weights={status: weights.get(status, 0.0) for status in DOWNTIME_STATUSES},
        components=rows,
    )


def as_json(report: MonthReport) -> bytes:
    return (json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n").encode()


CSV_COLUMNS = (
    "month",
    "component",
    "name",
    "uptime",
    "observed_seconds",
    "downtime_seconds",
    "no_data_seconds",
    "no_data_share",
    "incidents",
    "incident_seconds",
    "maintenance_windows",
    "slo_target_percent",
    "error_budget_remaining_seconds",
)


def as_csv(report: MonthReport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.components:
        budget = row.error_budget
        writer.writerow(
            [
                report.month,
                row.id,
                row.name,
                row.uptime or "",
                _number(row.observed_seconds),
                _number(row.downtime_seconds),
                _number(row.no_data_seconds),
                "" if row.no_data_share is None else _number(row.no_data_share),
                len(row.incidents),
                _number(sum(w.seconds_in_month for w in row.incidents)),
                len(row.maintenance),
                "" if budget is None else _number(budget.target_percent),
                "" if budget is None else _number(budget.remaining_seconds),
            ]
        )
    return out.getvalue().encode()


def _number(value: float) -> str:
    """`1987200`, `6484.85`: plain decimals a spreadsheet reads, never `1.9872e+06`."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _window(
    incident: Incident,
    spans: list[tuple[datetime, datetime | None]],
    component_id: str,
    start: datetime,
    end: datetime,
) -> Window | None:
    """How `incident`, active in `spans`, touched the component within [start, end), or None
    when it did not."""
    inside = 0.0
    first: datetime | None = None
    last: datetime | None = None
    open_at_end = False
    for span_start, span_end in spans:
        if span_start >= end or (span_end is not None and span_end <= start):
            continue
        clipped_start, clipped_end = max(span_start, start), min(span_end or end, end)
        inside += (clipped_end - clipped_start).total_seconds()
        first = span_start if first is None else min(first, span_start)
        last = span_end if last is None or span_end is None else max(last, span_end)
        open_at_end = open_at_end or span_end is None or span_end > end
    if first is None:
        return None
    return Window(
        slug=incident.slug,
        title=incident.title,
        kind=incident.kind,
        status=incident.components[component_id],
        start=first,
        end=None if open_at_end and last is None else last,
        seconds_in_month=round(inside, 3),
    )


def _budget(target: float, observed: float, downtime: float) -> ErrorBudget:
    allowed = (1 - target / 100) * observed
    return ErrorBudget(
        target_percent=target,
        allowed_downtime_seconds=round(allowed, 3),
        used_downtime_seconds=round(downtime, 3),
        remaining_seconds=round(allowed - downtime, 3),
        met=downtime <= allowed,
    )
