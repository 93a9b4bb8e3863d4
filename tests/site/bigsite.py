"""A page the size the budgets are set for: the basic fixture site (an open incident, maintenance
in progress and upcoming) grown to 20 components in groups, each with 90 days of checker data —
outages, partial days, days with hours of missing data, latency spikes — generated from a seed."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

from checker.bundle import Bundle, Component
from checker.subscriber_settings import SubscribersSettings
from checker.summary import ComponentSummary, Summary
from site_builder.builder.site import BuildReport
from tests.site.sitetest import NOW, build, load_bundle, load_summary

COMPONENTS = 20
_EXTRA_GROUPS = ("Core", "Storage", "Billing", "Edge")
_NAMES = (
    "Authentication",
    "Webhooks",
    "Payments API",
    "Invoices",
    "Object storage",
    "Backups",
    "Email delivery",
    "Search indexing",
    "Edge cache EU",
    "Edge cache US",
    "Edge cache Asia",
    "DNS",
    "Realtime events",
    "Reporting",
    "Admin console",
)


def big_bundle() -> Bundle:
    """The basic site's 5 components plus 15 more (all checked), in four groups, with the email
    subscription form."""
    bundle = load_bundle()
    extra = [
        Component.model_validate(
            {
                "id": f"service-{n:02d}",
                "name": name,
                "group": _EXTRA_GROUPS[n % len(_EXTRA_GROUPS)],
                "check": {"type": "http", "url": f"http://127.0.0.1:9/{n}"},
            }
        )
        for n, name in enumerate(_NAMES)
    ]
    components = [*bundle.components, *extra]
    assert len(components) == COMPONENTS
    return bundle.model_copy(
        update={
            "components": components,
            "subscribers": SubscribersSettings(endpoint_url="https://subscribe.example.test/"),
        }
    )


def big_summary(seed: int = 7) -> Summary:
    """The basic site's summary plus 90 days of synthetic data for each added component."""
    rng = random.Random(seed)
    summary = load_summary()
    template = summary.components[0]
    today = NOW.date()
    added = []
    for n in range(COMPONENTS - len(load_bundle().components)):
        bars: list[dict[str, Any]] = []
        latency: list[dict[str, Any]] = []
        p50 = rng.uniform(40, 200)
        for index in range(90):
            day = today - timedelta(days=89 - index)
            roll = rng.random()
            status, outage, missing = "operational", 0.0, 0.0
            if roll < 0.03:
                status, outage = "major_outage", rng.uniform(300, 5400)
            elif roll < 0.06:
                status, outage = "partial_outage", rng.uniform(600, 7200)
            elif roll < 0.09:
                status = "degraded_performance"
            elif roll < 0.12:
                missing = rng.choice((1800.0, 7 * 3600.0, 20 * 3600.0))
            weight = 1.0 if status == "major_outage" else 0.3
            observed = 86400 - missing
            bars.append(
                {
                    "date": day,
                    "uptime": 1 - weight * outage / observed,
                    "no_data_seconds": missing,
                    "worst_status": status,
                    "outage_seconds": outage,
                }
            )
            p50 = max(15.0, p50 + rng.uniform(-12, 12))
            spike = 25.0 if rng.random() < 0.02 else 1.0
            latency.append(
                {"date": day, "p50_ms": round(p50 * spike, 1), "p95_ms": round(p50 * spike * rng.uniform(1.8, 3.0), 1)}
            )
        added.append(
            ComponentSummary.model_validate(
                {
                    **template.model_dump(),
                    "id": f"service-{n:02d}",
                    "bars": bars,
                    "latency_daily": latency,
                    "uptime": {
                        window: _figure(bars[-days:])
                        for window, days in (("24h", 1), ("7d", 7), ("30d", 30), ("90d", 90))
                    },
                }
            )
        )
    return summary.model_copy(update={"components": [*summary.components, *added]})


def _figure(bars: list[dict[str, Any]]) -> dict[str, float]:
    """An uptime figure over `bars`, weighted as the checker weighs it by default."""
    missing = sum(b["no_data_seconds"] for b in bars)
    observed = 86400.0 * len(bars) - missing
    down = sum((1.0 if b["worst_status"] == "major_outage" else 0.3) * b["outage_seconds"] for b in bars)
    return {
        "uptime": 1 - down / observed,
        "observed_seconds": observed,
        "downtime_seconds": down,
        "no_data_seconds": missing,
    }


def build_big(out: Path) -> BuildReport:
    return build(out, bundle=big_bundle(), summary=big_summary())
