"""`metrics`: the page's figures in the Prometheus text exposition format (version 0.0.4).

A Prometheus server (or any agent that reads the format) scrapes the static file like an exporter:
the last probe's outcome and duration, uptime ratios per window, response-time percentiles and each
component's effective status. No sample timestamps: the scrape time is the sample time, as for an
exporter, and the file stays byte-identical while nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import get_args

from checker.summary import WINDOWS
from checker.vocabulary import COMPONENT_STATUSES, OUTAGE_STATUSES, Indicator
from site_builder.outputs.view import SiteView

METRICS_PATH = "metrics"


@dataclass(frozen=True)
class Family:
    name: str
    help: str
    samples: list[tuple[dict[str, str], float]]


def render(view: SiteView) -> dict[str, bytes]:
    """The one `metrics` file."""
    return {METRICS_PATH: exposition(list(families(view))).encode()}


def families(view: SiteView) -> Iterator[Family]:
    measured = [
        (c.id, c.measured) for c in view.components if c.measured is not None and c.measured.last_checked_at is not None
    ]
    yield Family(
        "probe_success",
        "1 unless the checker's measured status is an outage; 0 during one.",
        [({"component": cid}, 0.0 if m.status in OUTAGE_STATUSES else 1.0) for cid, m in measured],
    )
    yield Family(
        "probe_duration_seconds",
        "Response time of the component's latest check, in seconds.",
        [({"component": cid}, m.last_latency_ms / 1000) for cid, m in measured if m.last_latency_ms is not None],
    )
    yield Family(
        "statusgen_last_check_timestamp_seconds",
        "When the checker last measured the component.",
        [({"component": cid}, m.last_checked_at.timestamp()) for cid, m in measured if m.last_checked_at is not None],
    )
    uptime: list[tuple[dict[str, str], float]] = []
    no_data: list[tuple[dict[str, str], float]] = []
    latency: list[tuple[dict[str, str], float]] = []
    for component in view.components:
        figures = component.measured
        if figures is None:
            continue
        for window in WINDOWS:
            labels = {"component": component.id, "window": window}
            figure = figures.uptime.get(window)
            if figure is not None:
                if figure.uptime is not None:
                    uptime.append((labels, figure.uptime))
                no_data.append((labels, figure.no_data_seconds))
            percentiles = figures.latency.get(window)
            if percentiles is not None:
                # `percentile`, not `quantile`: Prometheus keeps that label for summaries, whose
                # quantiles come with a cumulative _sum and _count that windowed figures do not have.
                for percentile, ms in (
                    ("50", percentiles.p50_ms),
                    ("95", percentiles.p95_ms),
                    ("99", percentiles.p99_ms),
                ):
                    if ms is not None:
                        latency.append(({**labels, "percentile": percentile}, ms / 1000))
    yield Family(
        "statusgen_uptime_ratio",
        "Uptime over the window: 1 - weighted downtime / observed time (no-data time left out).",
        uptime,
    )
    yield Family("statusgen_no_data_seconds", "Seconds of the window with no sample at all.", no_data)
    yield Family(
        "statusgen_response_time_seconds", "Response-time percentile (50, 95, 99) over the window, in seconds.", latency
    )
    yield Family(
        "statusgen_component_status",
        "1 for the component's effective status (measured, declared by incidents, maintenance).",
        [
            ({"component": c.id, "status": status}, 1.0 if c.status == status else 0.0)
            for c in view.components
            for status in COMPONENT_STATUSES
        ],
    )
    yield Family(
        "statusgen_component_no_data",
        "1 when the component has a check but no recent sample (its status is then unknown).",
        [({"component": c.id}, 1.0 if c.no_data else 0.0) for c in view.components],
    )
    indicator = view.indicator
    yield Family(
        "statusgen_page_indicator",
        "1 for the page's overall Statuspage indicator (as in api/v2/status.json).",
        [({"indicator": i}, 1.0 if indicator == i else 0.0) for i in get_args(Indicator)],
    )
    yield Family(
        "statusgen_active_incidents", "Unresolved incidents on the page.", [({}, float(len(view.active_incidents)))]
    )


def exposition(metric_families: list[Family]) -> str:
    lines = []
    for family in metric_families:
        lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} gauge")
        for labels, value in family.samples:
            lines.append(f"{family.name}{_labels(labels)} {_number(value)}")
    return "\n".join(lines) + "\n"


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{key}="{_escape_label(value)}"' for key, value in labels.items())
    return "{" + inner + "}"


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
    return repr(float(value))
