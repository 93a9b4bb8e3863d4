"""Badges for READMEs and dashboards: `badges/<id>/{status,uptime-30d,response-time}.svg`.

Each SVG has a shields.io endpoint twin (`.json`, `{schemaVersion, label, message, color}`), so
people who prefer shields' styles point shields at ours. The SVGs are self-contained (no fonts or
images from elsewhere) and carry their text as a title and aria-label for screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from checker.uptime import format_uptime
from checker.vocabulary import STATUS_COLOURS
from site_builder.outputs.api.models import ShieldsEndpoint
from site_builder.outputs.view import ComponentView, SiteView

BADGES = ("status", "uptime-30d", "response-time")

# The site's status colours: darker than shields' defaults, so white text passes WCAG AA (4.5:1).
BADGE_COLOURS = STATUS_COLOURS
NO_DATA_COLOUR = "#5f6b76"
LABEL_COLOUR = "#444d56"


@dataclass(frozen=True)
class Badge:
    label: str
    message: str
    colour: str


def render(view: SiteView) -> dict[str, bytes]:
    """Three SVG badges and their shields.io endpoint JSON per component."""
    files: dict[str, bytes] = {}
    for component in view.components:
        for name, badge in component_badges(component).items():
            base = f"badges/{component.id}/{name}"
            files[f"{base}.svg"] = svg(badge).encode()
            endpoint = ShieldsEndpoint(schemaVersion=1, label=badge.label, message=badge.message, color=badge.colour)
            files[f"{base}.json"] = endpoint.model_dump_json().encode()
    return files


def component_badges(component: ComponentView) -> dict[str, Badge]:
    """Badge name -> what it says, for one component."""
    measured = component.measured
    status_colour = NO_DATA_COLOUR if component.no_data else BADGE_COLOURS[component.status]
    uptime = measured.uptime.get("30d") if measured is not None else None
    latency = measured.latency.get("24h") if measured is not None else None
    ratio = uptime.uptime if uptime is not None else None
    median = latency.p50_ms if latency is not None else None
    return {
        "status": Badge(component.component.name, component.label.lower(), status_colour),
        "uptime-30d": Badge("uptime 30d", _format_uptime(ratio), _uptime_colour(ratio)),
        "response-time": Badge("response time", _format_ms(median), _latency_colour(median)),
    }


def _format_uptime(ratio: float | None) -> str:
    return "no data" if ratio is None else format_uptime(ratio)


def _format_ms(ms: float | None) -> str:
    if ms is None:
        return "no data"
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{round(ms)} ms"


def _uptime_colour(ratio: float | None) -> str:
    if ratio is None:
        return NO_DATA_COLOUR
    if ratio >= 0.999:
        return BADGE_COLOURS["operational"]
    if ratio >= 0.99:
        return BADGE_COLOURS["degraded_performance"]
    if ratio >= 0.95:
        return BADGE_COLOURS["partial_outage"]
    return BADGE_COLOURS["major_outage"]


def _latency_colour(ms: float | None) -> str:
    if ms is None:
        return NO_DATA_COLOUR
    if ms < 300:
        return BADGE_COLOURS["operational"]
    if ms < 1000:
        return BADGE_COLOURS["degraded_performance"]
    return BADGE_COLOURS["partial_outage"]


# Approximate advance widths of 11 px Verdana (the font shields uses), in pixels.
_NARROW = set("iljI.,:;'!|")
_SEMI = set("frt()[]{} -/")
_WIDE = set("mwMW%@")


def text_width(text: str) -> float:
    """Rendered width of `text`, close enough to size a badge without measuring fonts."""
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += 3.5
        elif char in _SEMI:
            width += 4.6
        elif char in _WIDE:
            width += 10.5
        elif char.isupper():
            width += 7.6
        else:
            width += 6.9
    return width


def svg(badge: Badge) -> str:
    """A flat badge: grey label on the left, coloured message on the right."""
    left = round(text_width(badge.label) + 10)
    right = round(text_width(badge.message) + 10)
    total = left + right
    text = f"{badge.label}: {badge.message}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{escape(text)}">'
        f"<title>{escape(text, quote=False)}</title>"
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)">'
        f'<rect width="{left}" height="20" fill="{LABEL_COLOUR}"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{badge.colour}"/></g>'
        f'<g fill="#fff" text-anchor="middle" '
        f'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2:.1f}" y="14">{escape(badge.label, quote=False)}</text>'
        f'<text x="{left + right / 2:.1f}" y="14">{escape(badge.message, quote=False)}</text></g></svg>\n'
    )
