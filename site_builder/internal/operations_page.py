"""The operations view, `operations/index.html` of the internal site: one page of plain tables
that reads without JavaScript, in the site's stylesheet. Staff only, so in English and never
indexed; every value from the store is escaped (a failing endpoint's reason is its own text)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from site_builder.outputs import Deferred, RenderContext
from site_builder.outputs.pages.formatting import Clock

if TYPE_CHECKING:
    from site_builder.internal.operations import Operations

OPERATIONS_PAGE = "operations/index.html"

_TEMPLATE = Path(__file__).with_name("operations.html")
"""Beside this module (shipped in the wheel with it), not in `templates/`: a site's theme does not
restyle a page only staff see, and the public pages' templates stay as they are."""


def operations_outputs(
    ops: Operations,
    names: dict[str, str],
    site_name: str,
    zone: str,
) -> Callable[[RenderContext], list[Deferred]]:
    """The operations page as a file of the site, given the site's assets once they are known."""

    def plan(context: RenderContext) -> list[Deferred]:
        stylesheet = context.assets["style.css"]
        return [Deferred(OPERATIONS_PAGE, None, lambda: render(ops, names, site_name, zone, stylesheet))]

    return plan


def render(ops: Operations, names: dict[str, str], site_name: str, zone: str, stylesheet: str) -> bytes:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = Clock(zone).when
    page = env.from_string(_TEMPLATE.read_text(encoding="utf-8")).render(
        ops=ops,
        names=names,
        name=site_name,
        stylesheet=stylesheet,
        ms=_ms,
        seconds=_seconds,
        percent=_percent,
        rate=_rate,
    )
    return page.encode()


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} ms"


def _seconds(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.1f} s"


def _percent(value: float | None) -> str:
    return "no data" if value is None else f"{value * 100:.2f}%"


def _rate(value: float | None) -> str:
    return "no data" if value is None else f"{value:.2f}×"
