"""Our JSON extras beside the v2 files: `api/uptime.json` and `api/components/<id>.json`, the checker's figures."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime

from checker.summary import WINDOWS
from site_builder.outputs.api.figures import ComponentUptime, ErrorBudget, Latency, LatencyDay, UptimeDay, UptimeWindow
from site_builder.outputs.api.models import ComponentUptimeResponse, Page, UptimeResponse
from site_builder.outputs.api.types import ApiModel
from site_builder.outputs.view import ComponentView, SiteView


def extras_files(
    view: SiteView, page: Page, stamp: Callable[[datetime], str]
) -> list[tuple[str, Callable[[], ApiModel]]]:
    """`api/uptime.json`, then each component's `api/components/<id>.json` (page order): path and
    what makes its model (when it is rendered). `stamp` writes a time as the page's files do."""
    generated = view.summary.generated_at if view.summary is not None else None
    views = {c.id: c for c in view.components}

    @functools.cache  # both files show a component's figures: made once in a process
    def figures(component_id: str) -> ComponentUptime:
        return component_uptime(views[component_id], stamp)

    def uptime() -> UptimeResponse:
        return UptimeResponse(
            page=page,
            generated_at=stamp(generated) if generated else None,
            components=[figures(c.id) for c in view.components],
        )

    def component(component_id: str) -> ComponentUptimeResponse:
        return ComponentUptimeResponse(page=page, component=figures(component_id))

    return [
        ("api/uptime.json", uptime),
        *((f"api/components/{c.id}.json", functools.partial(component, c.id)) for c in view.components),
    ]


def component_uptime(component: ComponentView, stamp: Callable[[datetime], str]) -> ComponentUptime:
    """One component's measured figures, as both extras files carry them."""
    measured = component.measured
    last_checked = measured.last_checked_at if measured is not None else None
    return ComponentUptime(
        id=component.id,
        statuspage_id=component.statuspage_id,
        name=component.component.name,
        status=component.status,
        no_data=component.no_data,
        last_checked_at=stamp(last_checked) if last_checked is not None else None,
        uptime={
            w: UptimeWindow(**measured.uptime[w].model_dump())
            for w in WINDOWS
            if measured is not None and w in measured.uptime
        },
        monthly={month: UptimeWindow(**figure.model_dump()) for month, figure in sorted(measured.monthly.items())}
        if measured
        else {},
        latency={
            w: Latency(**measured.latency[w].model_dump())
            for w in WINDOWS
            if measured is not None and w in measured.latency
        },
        days=[
            UptimeDay(
                date=b.date.isoformat(),
                uptime=b.uptime,
                no_data_seconds=b.no_data_seconds,
                worst_status=b.worst_status,
                outage_seconds=b.outage_seconds,
            )
            for b in measured.bars
        ]
        if measured
        else [],
        latency_daily=[
            LatencyDay(date=d.date.isoformat(), p50_ms=d.p50_ms, p95_ms=d.p95_ms) for d in measured.latency_daily
        ]
        if measured
        else [],
        slo=ErrorBudget(**measured.slo.model_dump()) if measured and measured.slo else None,
        affected_by=component.affected_by,
    )
