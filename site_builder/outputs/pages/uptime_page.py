"""The page explaining how uptime is measured, `uptime/`: the check interval, the weights, docs/uptime.md."""

from __future__ import annotations

import jinja2

from checker.vocabulary import DOWNTIME_STATUSES, STATUS_LABELS
from site_builder.i18n.marker import N_
from site_builder.outputs import Deferred
from site_builder.outputs.markdown import render_markdown
from site_builder.outputs.pages.base import Pages

UPTIME_EXPLANATION = "uptime.md"
"""The explanation of the uptime math in the templates folder: a symlink to docs/uptime.md, so
the page and the docs are one text (the wheel carries a copy)."""


def uptime(pages: Pages) -> Deferred:
    _ = pages._
    data = pages.frame("uptime/index.html", pages.title(_("How uptime is measured")))
    checker = pages.view.bundle.checker
    weights = [
        {
            "code": status,
            "label": _(STATUS_LABELS[status]),
            "share": _("%(share)s of the time")
            % {"share": pages.formats.percent(checker.downtime_weights.get(status, 0.0))},
        }
        for status in DOWNTIME_STATUSES
    ]
    explanation_lang, (title, explanation) = _uptime_explanation(pages.env, pages.code, pages.view.languages.main)
    data.update(
        every_interval=_every(pages, checker.interval),
        weights=weights,
        explanation_title=title,
        explanation=explanation,
        explanation_lang=explanation_lang,
    )
    return pages.deferred("uptime/index.html", "uptime.html", data)


def _uptime_explanation(env: jinja2.Environment, code: str, main: str) -> tuple[str | None, tuple[str, str]]:
    """The title and sanitised HTML of `uptime.<code>.md` when the templates have one in the page's
    language, else of `uptime.md` (docs/uptime.md, shipped with the templates, in English; a site
    may override either like any template), with the language of the text when it is not the
    page's: the page says so."""
    assert env.loader is not None
    for name, language in ((f"uptime.{code}.md", None), (UPTIME_EXPLANATION, None if code == main else "en")):
        try:
            text, _, _ = env.loader.get_source(env, name)
        except jinja2.TemplateNotFound:
            continue
        title, _, body = text.partition("\n")
        if not title.startswith("# "):
            title, body = "How uptime is calculated", text
        return language, (title.removeprefix("# ").strip(), render_markdown(body))
    raise jinja2.TemplateNotFound(UPTIME_EXPLANATION)


def _every(pages: Pages, seconds: float) -> str:
    """`Every minute a checker outside our infrastructure probes each component.`, for the check
    interval: `minute`, `5 minutes`, `30 seconds`."""
    sentences = {
        "hour": (
            N_("Every hour a checker outside our infrastructure probes each component."),
            N_("Every %(count)s hours a checker outside our infrastructure probes each component."),
        ),
        "minute": (
            N_("Every minute a checker outside our infrastructure probes each component."),
            N_("Every %(count)s minutes a checker outside our infrastructure probes each component."),
        ),
    }
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            one, many = sentences[unit]
            return pages._(one) if count == 1 else pages._(many) % {"count": count}
    return pages._("Every %(count)s seconds a checker outside our infrastructure probes each component.") % {
        "count": pages.formats.decimal(seconds)
    }
