"""An incident's or maintenance's own page, `incidents/<slug>/`: its updates, components and duration."""

from __future__ import annotations

import functools
from typing import Any

from checker.incident_model import Incident
from checker.vocabulary import ACTIVE_MAINTENANCE_STATUSES, STATUS_LABELS
from site_builder.i18n.marker import N_
from site_builder.outputs import Deferred, Unplanned
from site_builder.outputs.incident_facts import incident_state
from site_builder.outputs.pages.base import Pages
from site_builder.outputs.pages.formatting import month_key
from site_builder.outputs.pages.incident_data import (
    IMPACT_LABELS,
    UPDATE_LABELS,
    clip,
    incident_href,
    resolved,
    update_data,
)

_IMPACT_INDICATORS = {"none": "minor", "minor": "minor", "major": "major", "critical": "critical"}


def incident_file(pages: Pages, incident: Incident) -> Unplanned:
    """The incident's page, planned when it may be rendered (see `Unplanned`)."""
    return Unplanned(pages.prefix + incident_href(incident), functools.partial(page, pages, incident), incident.slug)


def page(pages: Pages, incident: Incident) -> Deferred:
    """The page, keyed by what its data is made from; the data is made only if it is rendered.

    A site has a page per incident in every language, so a rebuild after one edit keys thousands
    of them: keyed by their data, as other pages are, each cost most of rendering it."""
    return pages.deferred_from(
        incident_href(incident),
        "incident.html",
        _inputs(pages, incident),
        functools.partial(_data, pages, incident),
        shares=incident.slug,
    )


def _inputs(pages: Pages, incident: Incident) -> list[str]:
    """Everything `_data` reads besides the shared frame: the incident at this moment (its content
    and what the clock decides of it), its translation into this language, the site's languages
    with the main one first (the page links its versions in each, and marks an untranslated text
    as the main language's), and the name of each component it shows (which the shared frame's
    subscribe form happens to list too)."""
    languages = pages.view.languages
    translation = languages.translation(pages.code, incident)
    shown = [f"{cid}={pages.components[cid].component.name}" for cid in incident.components if cid in pages.components]
    return [
        incident_state(incident, pages.view.now),
        translation.digest if translation is not None else "",
        ",".join(languages.all),
        *shown,
    ]


def _data(pages: Pages, incident: Incident) -> dict[str, Any]:
    now, _, formats = pages.view.now, pages._, pages.formats
    path = incident_href(incident)
    status = incident.status_at(now)
    words = pages.words(incident)
    data = pages.frame(path, pages.title(words.title))
    shown = [(cid, declared) for cid, declared in incident.components.items() if cid in pages.components]
    names = [pages.components[cid].component.name for cid, _declared in shown]
    affected = [
        {"name": name, "href": f"components/{cid}/index.html", "code": declared, "label": _(STATUS_LABELS[declared])}
        for name, (cid, declared) in zip(names, shown, strict=True)
    ]
    start = incident.started_at()
    end = resolved(incident, now)
    if incident.kind == "maintenance":
        assert incident.scheduled_for is not None and incident.scheduled_until is not None
        duration = formats.duration((incident.scheduled_until - incident.scheduled_for).total_seconds())
    elif end is not None:
        duration = _("%(duration)s (resolved)") % {"duration": formats.duration((end - start).total_seconds())}
    else:
        duration = _("Ongoing")
    key = month_key(pages.start(incident), pages.clock)
    data.update(
        title=words.title,
        title_lang=words.title_lang,
        kind=incident.kind,
        impact="maintenance" if incident.kind == "maintenance" else incident.impact,
        impact_label=_(IMPACT_LABELS[incident.impact]),
        status_label=_(UPDATE_LABELS[status]),
        start=incident.scheduled_for,
        end=incident.scheduled_until,
        started=start,
        resolved=end,
        duration=duration,
        affected=affected,
        updates=[
            update_data(u, pages.language, words.body(index)) for index, u in enumerate(incident.updates) if u.at <= now
        ],
        month=key,
        month_label=formats.month(key),
        page_description=_incident_description(pages, incident, status, names),
        og_image=pages.og_image(_incident_indicator(incident, status)),
        og_image_alt=f"{_summary_line(pages, incident)}: {_(UPDATE_LABELS[status])}",
    )
    return data


def _incident_description(pages: Pages, incident: Incident, status: str, affected: list[str]) -> str:
    """The page's description; `affected` names the components it shows, in its order."""
    clock, _ = pages.clock, pages._
    names = ", ".join(affected)
    if incident.kind == "maintenance" and incident.scheduled_for and incident.scheduled_until:
        window = f"{clock.text(incident.scheduled_for)} \u2013 {clock.text(incident.scheduled_until)}"
        shown = {"status": _(UPDATE_LABELS[status]).lower(), "components": names, "window": window}
        text = (
            _("Scheduled maintenance (%(status)s) on %(components)s, %(window)s.")
            if names
            else _("Scheduled maintenance (%(status)s), %(window)s.")
        ) % shown
    else:
        shown = {
            "status": _(UPDATE_LABELS[status]),
            "impact": _(IMPACT_LABELS[incident.impact]).lower(),
            "components": names,
        }
        text = (
            _("%(status)s: %(impact)s impact on %(components)s.") if names else _("%(status)s: %(impact)s impact.")
        ) % shown
    latest = pages.latest(incident)
    if latest is not None:
        text += " " + _("Latest update: %(update)s") % {"update": pages.update_line(incident, latest)}
    return clip(text, 300)


def _incident_indicator(incident: Incident, status: str) -> str:
    """The status picture of an incident's link preview: its impact while open, green once over."""
    if status in ("resolved", "postmortem", "completed"):
        return "none"
    if incident.kind == "maintenance":
        return "maintenance" if status in ACTIVE_MAINTENANCE_STATUSES else "none"
    return _IMPACT_INDICATORS[incident.impact]


def _summary_line(pages: Pages, incident: Incident) -> str:
    kind = N_("Scheduled maintenance") if incident.kind == "maintenance" else N_("Incident")
    return f"{pages._(kind)}: {pages.words(incident).title}"
