"""The messages subscribers receive: confirmation and update emails, and Statuspage-shaped webhooks."""

from __future__ import annotations

import html
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from checker.alerting.mail import new_message
from checker.bundle import Bundle, SiteSettings
from checker.durations import format_duration
from checker.header_text import header_safe
from checker.ids import stable_id
from checker.summary import Summary
from site_builder.notify.events import NotificationEvent
from site_builder.outputs.api.statuspage import ApiRenderer
from site_builder.outputs.markdown import update_html
from site_builder.outputs.view import build_view

_HEADLINES = {
    "incident_created": "New incident",
    "incident_updated": "Incident update",
    "incident_resolved": "Resolved",
    "maintenance_scheduled": "Scheduled maintenance",
    "maintenance_reminder": "Maintenance soon",
    "maintenance_started": "Maintenance in progress",
    "maintenance_updated": "Maintenance update",
    "maintenance_completed": "Maintenance completed",
}


def confirmation_email(
    site: SiteSettings,
    from_address: str,
    to: str,
    confirm_url: str,
    now: datetime,
    *,
    expires_in: float,
) -> EmailMessage:
    expiry = format_duration(expires_in)
    text = (
        f"Someone (hopefully you) asked to receive {site.name} status updates at this address.\n\n"
        f"Confirm the subscription:\n{confirm_url}\n\n"
        "If it was not you, ignore this message: nothing is sent until the link is opened, and "
        f"it expires in {expiry}.\n"
    )
    body = (
        f"<p>Someone (hopefully you) asked to receive {html.escape(site.name)} status updates "
        "at this address.</p>"
        f'<p><a href="{html.escape(confirm_url)}">Confirm the subscription</a></p>'
        "<p>If it was not you, ignore this message: nothing is sent until the link is opened, "
        f"and it expires in {expiry}.</p>"
    )
    mail = new_message(from_address, to, f"[{site.name}] Confirm your subscription", now)
    mail.set_content(text)
    mail.add_alternative(_page(site, body), subtype="html")
    return mail


def already_subscribed_email(
    site: SiteSettings, from_address: str, to: str, unsubscribe_url: str, now: datetime
) -> EmailMessage:
    """The answer by mail to a subscribe request for an address that is already subscribed."""
    text = (
        f"Someone (hopefully you) asked to receive {site.name} status updates at this address, "
        "which already receives them: nothing has changed.\n\n"
        f"To stop receiving them:\n{unsubscribe_url}\n"
    )
    body = (
        f"<p>Someone (hopefully you) asked to receive {html.escape(site.name)} status updates at "
        "this address, which already receives them: nothing has changed.</p>"
        f'<p><a href="{html.escape(unsubscribe_url)}">Stop receiving them</a></p>'
    )
    mail = new_message(from_address, to, f"[{site.name}] You are already subscribed", now)
    mail.set_content(text)
    mail.add_alternative(_page(site, body), subtype="html")
    return mail


def update_email(
    bundle: Bundle,
    event: NotificationEvent,
    *,
    from_address: str,
    to: str,
    unsubscribe_url: str,
    message_id: str,
) -> EmailMessage:
    """An update for one subscriber, with one-click unsubscribe (RFC 8058) in the headers."""
    site = bundle.site
    incident = event.incident
    link = incident_url(site, incident.slug)
    headline = f"{_HEADLINES[event.kind]}: {incident.title}"
    affected = ", ".join(_names(bundle, event.components))
    lines = [headline, "", _when(event)]
    if event.update is not None:
        lines += ["", event.update.body.strip()]
    lines += [
        "",
        f"Affected: {affected}" if affected else "",
        f"Details: {link}",
        "",
        f"Unsubscribe: {unsubscribe_url}",
    ]
    body = [f"<h1>{html.escape(headline)}</h1>", f"<p>{html.escape(_when(event))}</p>"]
    if event.update is not None:
        body.append(update_html(event.update.body))  # rendered and sanitised
    if affected:
        body.append(f"<p>Affected: {html.escape(affected)}</p>")
    body.append(f'<p><a href="{html.escape(link)}">Details on the status page</a></p>')
    body.append(f'<p style="font-size:small"><a href="{html.escape(unsubscribe_url)}">Unsubscribe</a></p>')
    mail = new_message(from_address, to, f"[{site.name}] {headline}", event.at)
    mail["Message-ID"] = f"<{message_id}@statusgen.invalid>"
    # The plain `<https://…>` form with its companion header: RFC 8058 one-click unsubscribe.
    mail["List-Unsubscribe"] = f"<{header_safe(unsubscribe_url)}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content("\n".join(lines).replace("\n\n\n", "\n\n") + "\n")
    mail.add_alternative(_page(site, "".join(body)), subtype="html")
    return mail


def webhook_payload(
    bundle: Bundle,
    event: NotificationEvent,
    unsubscribe_url: str,
    summary: Summary | None = None,
) -> dict[str, Any]:
    """The body Statuspage posts to webhook subscribers: `meta`, `page`, and either `incident` or
    `component_update` with `component`.

    The incident and component objects come from the JSON API's own models, rendered as the page
    stood at the event's time, so a webhook carries exactly what `api/v2/incidents/<id>.json` does.
    """
    view = build_view(bundle, summary, event.at)
    renderer = ApiRenderer(view)
    body: dict[str, Any] = {
        "meta": {"unsubscribe": unsubscribe_url, "documentation": bundle.site.url + "/"},
        "page": {"id": bundle.site.page_id, "status_indicator": view.indicator, "status_description": view.description},
    }
    if event.kind == "component_updated":
        assert event.component is not None
        component = bundle.component(event.component)
        model = next(c for c in renderer.components() if c.id == component.statuspage_id)
        body["component_update"] = {
            "id": stable_id("component_update", component.id, event.at.isoformat()),
            "component_id": component.statuspage_id,
            "created_at": renderer.stamp(event.at),
            "old_status": event.old_status,
            "new_status": event.new_status,
        }
        body["component"] = model.model_dump(mode="json")
        return body
    incident = event.incident
    rendered = renderer.incident(incident) if incident.kind == "incident" else renderer.maintenance(incident)
    body["incident"] = rendered.model_dump(mode="json")
    return body


def incident_url(site: SiteSettings, slug: str) -> str:
    return f"{site.url}/incidents/{slug}/"


def _names(bundle: Bundle, ids: list[str]) -> list[str]:
    known = {c.id: c.name for c in bundle.components}
    return [known.get(cid, cid) for cid in ids]


def _when(event: NotificationEvent) -> str:
    incident = event.incident
    stamp = event.at.strftime("%Y-%m-%d %H:%M UTC")
    if (
        event.kind in ("maintenance_scheduled", "maintenance_reminder")
        and incident.scheduled_for
        and incident.scheduled_until
    ):
        start = incident.scheduled_for.strftime("%Y-%m-%d %H:%M")
        end = incident.scheduled_until.strftime("%Y-%m-%d %H:%M UTC")
        return f"Scheduled from {start} to {end}"
    if event.update is not None:
        status = event.update.status.replace("_", " ")
        return f"{status.capitalize()} at {stamp}"
    return f"{_HEADLINES[event.kind]} at {stamp}"


def _page(site: SiteSettings, body: str) -> str:
    return (
        f'<!doctype html><html lang="{html.escape(site.language)}"><meta charset="utf-8">'
        f"<title>{html.escape(site.name)} status</title><body>{body}</body></html>"
    )
