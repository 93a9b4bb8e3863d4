"""The response-time chart on a component's page: median and 95th percentile per day over 90 days."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from checker.summary import ComponentSummary
from site_builder.i18n.languages import Language
from site_builder.outputs.pages.strips import BAR_DAYS

# Lines are drawn in a 890 x 100 box stretched over the plot (10 units a day); gridlines, labels
# and marks sit in the outer SVG at percentages, so text keeps its size at any width.

_PLOT_TOP, _PLOT_HEIGHT = 10.0, 75.0
"""The plot area, in percent of the chart's height (labels above and below it)."""
_NICE_STEPS = (1.0, 2.0, 2.5, 5.0)


def latency_chart(measured: ComponentSummary, today: date, language: Language) -> dict[str, Any] | None:
    formats, ngettext = language.formats, language.ngettext
    days = measured.latency_daily[-BAR_DAYS:]
    p50 = [d.p50_ms for d in days]
    p95 = [d.p95_ms for d in days]
    known = [v for v in (*p50, *p95) if v is not None]
    if not known:
        return None
    step, count = _scale(known)
    top = step * count
    offset = BAR_DAYS - len(days)
    span = BAR_DAYS - 1
    yticks = [
        {"y": f"{_PLOT_TOP + _PLOT_HEIGHT * (1 - k / count):.2f}", "label": formats.ms(step * k)}
        for k in range(count + 1)
    ]
    xticks = [
        {
            "x": f"{100 * index / span:.2f}",
            "anchor": anchor,
            "label": formats.short_day(today - timedelta(days=span - index)),
        }
        for index, anchor in ((0, "start"), (30, "middle"), (60, "middle"), (span, "end"))
    ]
    spikes = []
    heights: list[float] = []  # of each spike, to name the slowest
    for index, (median, slow) in enumerate(zip(p50, p95, strict=True)):
        highest = max((v for v in (median, slow) if v is not None), default=0.0)
        if highest > top:
            day = today - timedelta(days=span - offset - index)
            spikes.append(
                {"x": f"{100 * (offset + index) / span:.2f}", "value": formats.ms(highest), "day": formats.day(day)}
            )
            heights.append(highest)
    medians = [v for v in p50 if v is not None]
    label = (
        language.gettext("Response time over 90 days: median from %(low)s to %(high)s")
        % {"low": formats.ms(min(medians)), "high": formats.ms(max(medians))}
        if medians
        else language.gettext("Response time over 90 days")
    )
    off_scale = ""
    if spikes:
        worst = spikes[heights.index(max(heights))]
        off_scale = ngettext(
            "%(count)s day above %(top)s, marked ▲ at the top, the slowest %(day)s at %(value)s",
            "%(count)s days above %(top)s, marked ▲ at the top, the slowest %(day)s at %(value)s",
            len(spikes),
        ) % {"count": len(spikes), "top": formats.ms(top), "day": worst["day"], "value": worst["value"]}
        label += f"; {off_scale}"
    return {
        "p50": _line(p50, offset, top),
        "p95": _line(p95, offset, top),
        "top": formats.ms(top),
        "yticks": yticks,
        "xticks": xticks,
        "spikes": spikes,
        "off_scale": off_scale,
        "label": label,
    }


def _scale(values: list[float]) -> tuple[float, int]:
    """(step, number of steps): gridlines every `step` up to `step * steps`, the smallest such top
    above every value up to a limit of twice the 90th percentile of the values; values above the
    top are clipped and marked, so one slow day cannot flatten the other 89 into the axis."""
    ordered = sorted(values)
    limit = 2 * ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]
    highest = max([v for v in ordered if v <= limit] or [limit]) or 1.0
    best: tuple[float, int] | None = None
    exponent = math.floor(math.log10(highest / 5))
    for power in range(exponent - 1, exponent + 3):
        for nice in _NICE_STEPS:
            step = nice * 10**power
            if step < 1 or (nice == 2.5 and power < 1):
                continue
            count = max(3, math.ceil(highest / step))
            if count <= 5 and (best is None or step * count < best[0] * best[1]):
                best = (step, count)
    return best or (highest / 4, 4)


def _line(values: list[float | None], offset: int, top: float) -> str:
    """An SVG path through `values` (None breaks the line; a lone point is a dot), clipped at `top`."""
    parts: list[str] = []
    for index, value in enumerate(values):
        if value is None:
            continue
        y = 100 - min(value, top) / top * 100
        joined = index > 0 and values[index - 1] is not None
        parts.append(f"{'L' if joined else 'M'}{(offset + index) * 10} {y:.1f}")
        alone = not joined and (index + 1 == len(values) or values[index + 1] is None)
        if alone:
            parts.append("h0")
    return "".join(parts)
