"""Error budgets and burn rates for components that declare an objective (`slo:`).

Burn rate = the downtime ratio over a short window divided by the ratio the objective allows, so
1.0 spends the budget exactly over the objective's window. Alerting on two windows at once (a fast
1 h/6 h pair and a slow 6 h/3 d pair) is the multiwindow method of the Google SRE workbook: quick to
fire on a real outage, quiet on a blip.
"""

from __future__ import annotations

from collections.abc import Callable

from checker.bundle import Slo
from checker.summary import SloFigure
from checker.uptime import Tally

BURN_WINDOWS = {"1h": 3600.0, "6h": 6 * 3600.0, "3d": 3 * 86400.0}
FAST_BURN = (14.4, 6.0)
"""1 h and 6 h burn rates that page: 2% of a 30-day budget in an hour."""
SLOW_BURN = (1.0, 1.0)
"""6 h and 3 d burn rates that open a ticket: on course to spend the whole budget."""


def slo_figure(slo: Slo, window_tally: Callable[[float, float], Tally], *, now: float) -> SloFigure:
    """The error budget of `slo` at `now`; `window_tally(start, end)` gives any window's tally."""
    allowed_ratio = 1 - slo.target / 100
    whole = window_tally(now - slo.window, now)
    allowed = whole.observed * allowed_ratio
    spent = whole.downtime
    rates: dict[str, float | None] = {}
    for name, seconds in BURN_WINDOWS.items():
        part = window_tally(now - seconds, now)
        rates[name] = None if part.observed <= 0 else round(part.downtime / part.observed / allowed_ratio, 4)
    fast = _over(rates["1h"], FAST_BURN[0]) and _over(rates["6h"], FAST_BURN[1])
    slow = _over(rates["6h"], SLOW_BURN[0]) and _over(rates["3d"], SLOW_BURN[1])
    return SloFigure(
        target=slo.target,
        window_seconds=slo.window,
        uptime=None if whole.uptime is None else round(whole.uptime, 8),
        allowed_seconds=round(allowed, 3),
        spent_seconds=round(spent, 3),
        remaining_seconds=round(allowed - spent, 3),
        remaining_ratio=None if allowed <= 0 else round((allowed - spent) / allowed, 6),
        burn_rates=rates,
        fast_burn=fast,
        slow_burn=slow,
    )


def _over(rate: float | None, threshold: float) -> bool:
    return rate is not None and rate >= threshold
