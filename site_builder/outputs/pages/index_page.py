"""The front page, `index.html`: the overall status, open incidents, every component, recent days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from checker.incident_model import Incident
from checker.vocabulary import STATUS_OF_INDICATOR
from site_builder.outputs import Deferred
from site_builder.outputs.pages.base import Pages
from site_builder.outputs.pages.incident_data import clip
from site_builder.outputs.view import RECENT_DAYS, GroupView

COLLAPSE_ABOVE = 10
"""On an index with more components than this, groups whose components are all operational start
closed (their summary still shows the group's status); smaller pages show everything."""


def index(pages: Pages) -> Deferred:
    view, now = pages.view, pages.view.now
    data = pages.frame("index.html", pages.title())
    recent = view.recent_incidents()
    clock = pages.clock
    today = clock.local(now).date()
    days: list[dict[str, Any]] = []
    quiet: list[date] = []  # a run of days without incidents is shown as one line
    for offset in range(RECENT_DAYS + 1):
        day = today - timedelta(days=offset)
        items = [pages.item(i) for i in recent if offset < RECENT_DAYS and clock.local(pages.start(i)).date() == day]
        if not items and offset < RECENT_DAYS:
            quiet.append(day)
            continue
        if quiet:
            days.append({"label": pages.formats.day_range(quiet[-1], quiet[0]), "incidents": []})
            quiet = []
        if items:
            days.append({"label": pages.formats.day(day), "incidents": items})
    layout: list[dict[str, Any]] = []
    collapse = len(view.components) > COLLAPSE_ABOVE
    for entry in view.layout:
        if isinstance(entry, GroupView):
            calm = all(c.status == "operational" and not c.no_data for c in entry.components)
            count = len(entry.components)
            layout.append(
                {
                    "name": entry.name,
                    "status": entry.status,
                    "label": pages._(entry.label),
                    "open": not (collapse and calm),
                    "count": pages.language.ngettext("%(count)s component", "%(count)s components", count)
                    % {"count": count},
                    "rows": [pages.rows.row(c, 4) for c in entry.components],
                }
            )
        else:
            layout.append(pages.rows.row(entry, 3))
    data.update(
        indicator=view.indicator,
        indicator_text=pages._(view.description),
        banner_icon=STATUS_OF_INDICATOR[view.indicator],
        updated_at=view.updated_at,
        active=[_card(pages, i) for i in view.active_incidents],
        maintenance=[_card(pages, i) for i in view.active_maintenance],
        upcoming=[pages.item(i) for i in view.upcoming_maintenance],
        layout=layout,
        no_data_yet=view.summary is None or not view.summary.components,
        recent_days=days,
        page_description=_index_description(pages),
        favicon=pages.context.assets.get(f"favicon-{view.indicator}.svg", "favicon.svg"),
        og_image=pages.og_image(view.indicator),
        og_image_alt=pages._(view.description),
        refresh=True,
    )
    return pages.deferred("index.html", "index.html", data)


def _card(pages: Pages, incident: Incident) -> dict[str, Any]:
    """An open incident or maintenance as the index shows it: its line, latest update, components."""
    card = pages.item(incident)
    latest = next((u for u in incident.updates if u.at <= pages.view.now), None)
    card["latest"] = pages.update(incident, latest) if latest is not None else None
    card["affected"] = [pages.components[c].component.name for c in incident.components if c in pages.components]
    return card


def _index_description(pages: Pages) -> str:
    """The overall status, then the latest update of what is open (or the next maintenance)."""
    view, _ = pages.view, pages._
    text = f"{_(view.description)}."
    open_items = [*view.active_incidents, *view.active_maintenance]
    updates = [(u, i) for i in open_items for u in [pages.latest(i)] if u is not None]
    if updates:
        update, incident = max(updates, key=lambda pair: pair[0].at)
        count = len(view.active_incidents)
        if count > 1:
            text += " " + _("%(count)s open incidents.") % {"count": count}
        text += " " + _("Latest update on \u201c%(title)s\u201d \u2014 %(update)s") % {
            "title": pages.words(incident).title,
            "update": pages.update_line(incident, update),
        }
    elif view.upcoming_maintenance:
        first = view.upcoming_maintenance[0]
        text += " " + _("Next scheduled maintenance: %(title)s, %(when)s.") % {
            "title": pages.words(first).title,
            "when": pages.clock.text(pages.start(first)),
        }
    else:
        text += " " + _("No open incidents. Updated %(when)s.") % {"when": pages.clock.text(view.updated_at)}
    return clip(text, 300)
