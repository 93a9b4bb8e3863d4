"""Flap control and the quorum of regions."""

from __future__ import annotations

from datetime import timedelta

from checker.status import flap_step, quorum_status
from tests.checker.checker_support import T0


def statuses(observations: str, failure: int = 2, success: int = 1) -> list[str]:
    status, downs, ups = None, 0, 0
    out = []
    for letter in observations:
        observed = {"u": "up", "d": "down", "g": "degraded"}[letter]
        status, downs, ups = flap_step(
            status,
            downs,
            ups,
            observed,  # type: ignore[arg-type]
            failure_threshold=failure,
            success_threshold=success,
        )
        out.append(status)
    return out


def test_one_failed_run_is_not_an_outage() -> None:
    assert statuses("udu") == ["operational", "operational", "operational"]


def test_two_failed_runs_in_a_row_are_an_outage_and_one_success_ends_it() -> None:
    assert statuses("uddu") == ["operational", "operational", "major_outage", "operational"]


def test_thresholds_are_configurable() -> None:
    assert statuses("ddduudu", failure=3, success=2) == [
        "operational",
        "operational",
        "major_outage",
        "major_outage",
        "operational",
        "operational",
        "operational",
    ]


def test_slow_answers_show_degraded_performance_at_once() -> None:
    assert statuses("ugu") == ["operational", "degraded_performance", "operational"]


def test_a_single_region_decides_alone() -> None:
    assert quorum_status({"eu-west-1": ("down", T0)}, now=T0, interval=60) == "down"


def test_two_regions_must_both_say_down() -> None:
    latest = {"eu-west-1": ("down", T0), "us-east-1": ("up", T0)}
    assert quorum_status(latest, now=T0, interval=60) == "up"
    latest["us-east-1"] = ("down", T0)
    assert quorum_status(latest, now=T0, interval=60) == "down"


def test_three_regions_need_a_majority_of_two() -> None:
    broken = {"eu-west-1": ("down", T0), "us-east-1": ("up", T0), "ap-south-1": ("up", T0)}
    assert quorum_status(broken, now=T0, interval=60) == "up"
    broken["us-east-1"] = ("down", T0)
    assert quorum_status(broken, now=T0, interval=60) == "down"


def test_a_stale_region_does_not_vote() -> None:
    stale = T0 - timedelta(seconds=121)
    latest = {"eu-west-1": ("down", T0), "us-east-1": ("up", stale)}
    assert quorum_status(latest, now=T0, interval=60) == "down"


def test_an_explicit_quorum_is_honoured() -> None:
    latest = {"a": ("down", T0), "b": ("up", T0), "c": ("up", T0)}
    assert quorum_status(latest, now=T0, interval=60, quorum=1) == "down"
    assert quorum_status({"a": ("down", T0)}, now=T0, interval=60, quorum=2) is None
