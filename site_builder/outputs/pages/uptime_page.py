"""The page explaining how uptime is measured, `uptime/`: the check interval, the weights, docs/uptime.md."""

from __future__ import annotations

import jinja2

from site_builder.markdown import render_markdown
from site_builder.outputs import Deferred
from site_builder.outputs.pages.base import Pages
from site_builder.view import STATUS_LABELS

UPTIME_EXPLANATION = "uptime.md"
"""The explanation of the uptime math in the templates folder: a symlink to docs/uptime.md, so
the page and the docs are one text (the wheel carries a copy)."""


def uptime(pages: Pages) -> Deferred:
    data = pages.frame("uptime/index.html",
                       f"How uptime is measured · {pages.view.bundle.site.name} Status")
    checker = pages.view.bundle.checker
    weights = [{"code": status, "label": STATUS_LABELS[status],
                "share": f"{checker.downtime_weights.get(status, 0.0):.0%} of the time"}
               for status in ("major_outage", "partial_outage", "degraded_performance")]
    title, explanation = _uptime_explanation(pages.env)
    data.update(interval=_every(checker.interval), weights=weights,
                explanation_title=title, explanation=explanation)
    return pages.deferred("uptime/index.html", "uptime.html", data)


def _uptime_explanation(env: jinja2.Environment) -> tuple[str, str]:
    """The title and sanitised HTML of `uptime.md` (docs/uptime.md, shipped with the templates;
    a site may override it like any template)."""
    assert env.loader is not None
    text, _, _ = env.loader.get_source(env, UPTIME_EXPLANATION)
    title, _, body = text.partition("\n")
    if not title.startswith("# "):
        title, body = "How uptime is calculated", text
    return title.removeprefix("# ").strip(), render_markdown(body)


def _every(seconds: float) -> str:
    """`minute`, `5 minutes`, `30 seconds`: the check interval, to follow the word "Every"."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return unit if count == 1 else f"{count} {unit}s"
    return f"{seconds:g} seconds"
