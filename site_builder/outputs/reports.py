"""`reports/<YYYY-MM>/report.json` and `report.csv`: each month's SLA report as data (the page
beside them is `reports/<YYYY-MM>/`, see outputs/pages/report_pages.py).

Each file's key is the report itself: a month's figures settle once the month is over, so its
files are written once and then only when an incident file that touched the month changes.
"""

from __future__ import annotations

import functools
import hashlib

from site_builder.outputs import Deferred
from site_builder.outputs.report_data import as_csv, as_json, month_reports, reported_months
from site_builder.outputs.view import SiteView


def plan(view: SiteView) -> list[Deferred]:
    planned = []
    for month, report in month_reports(view, reported_months(view)).items():
        data = as_json(report)
        key = hashlib.sha256(data).hexdigest()
        planned.append(Deferred(f"reports/{month}/report.json", key, functools.partial(bytes, data)))
        planned.append(Deferred(f"reports/{month}/report.csv", key, functools.partial(as_csv, report)))
    return planned


def render(view: SiteView) -> dict[str, bytes]:
    return {item.path: item.render() for item in plan(view)}
