"""From samples to a component's measured status (quorum across regions, then flap control), and
from that to the status the page shows once incidents and maintenance are taken into account."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from checker.results import SampleStatus
from checker.vocabulary import ComponentStatus, worst_status

_SAMPLE_RANK = {"up": 0, "degraded": 1, "down": 2}


def quorum_status(
    latest: Mapping[str, tuple[SampleStatus, datetime]],
    *,
    now: datetime,
    interval: float,
    quorum: int | None = None,
) -> SampleStatus | None:
    """What the regions agree on, from each region's latest sample.

    Only samples within two intervals of `now` take part. The component is down when at least
    `quorum` of them say down (default: a strict majority of those taking part, so one region
    alone decides when it is the only one). Otherwise it is the worst of the others. None when no
    region has a recent sample, or when every recent one says down without reaching the quorum.
    """
    fresh = [status for status, at in latest.values() if (now - at).total_seconds() <= 2 * interval]
    if not fresh:
        return None
    downs = fresh.count("down")
    needed = quorum if quorum is not None else len(fresh) // 2 + 1
    if downs >= needed:
        return "down"
    others = [s for s in fresh if s != "down"]
    if not others:
        return None
    return max(others, key=_SAMPLE_RANK.__getitem__)


def flap_step(
    previous: ComponentStatus | None,
    consecutive_down: int,
    consecutive_up: int,
    observed: SampleStatus,
    *,
    failure_threshold: int,
    success_threshold: int,
) -> tuple[ComponentStatus, int, int]:
    """The status after one more observation, with the updated consecutive counts.

    A component turns major_outage after `failure_threshold` down observations in a row and
    comes back after `success_threshold` good ones; single blips in between change nothing.
    """
    if observed == "down":
        consecutive_down, consecutive_up = consecutive_down + 1, 0
        if previous == "major_outage" or consecutive_down >= failure_threshold:
            return "major_outage", consecutive_down, consecutive_up
        return previous or "operational", consecutive_down, consecutive_up
    consecutive_down, consecutive_up = 0, consecutive_up + 1
    if previous == "major_outage" and consecutive_up < success_threshold:
        return "major_outage", consecutive_down, consecutive_up
    good: ComponentStatus = "operational" if observed == "up" else "degraded_performance"
    return good, consecutive_down, consecutive_up


def shown_status(
    measured: ComponentStatus | None,
    declared: list[ComponentStatus],
    *,
    under_maintenance: bool,
) -> ComponentStatus:
    """The status a component shows: the worst of what was measured and what open incidents and
    maintenance declare, except that during maintenance the measurement does not count.

    As on Statuspage, a component in a maintenance window shows `under_maintenance` (or what the
    window's own map says), however its checks fare: downtime during planned work is expected and
    alerts nobody. Only an open incident that declares something worse shows through.
    """
    if under_maintenance:
        return worst_status(declared)
    return worst_status([*declared, *([measured] if measured is not None else [])])
