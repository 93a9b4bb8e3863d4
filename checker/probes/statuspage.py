"""The `statuspage` check: an upstream provider as a component. It reads another page's Statuspage
v2 API (`components.json` or `summary.json`, which AWS, GitHub, Stripe and thousands of others
publish, as statusgen pages do) and takes the status of one of its components exactly as that page
states it: operational, degraded_performance, partial_outage, major_outage or under_maintenance.

The stated status is the component's status, with no flap control of ours (the provider decided
it). When the page cannot be read (no answer, not JSON, the component gone) the sample is down
with our reason, and flap control applies as for any failed probe. The page's own latency is not
the component's, so no latency is recorded.

Validating a site imports this module for `StatuspageCheck`; the probe's runtime is imported where
it is used (see checker.probes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, get_args

from pydantic import field_validator

from checker.probes.base import ENDPOINT_TEXT_BYTES, CheckBase, Outcome, ProbeContext
from checker.probes.http import fetch_within, http_url
from checker.vocabulary import ComponentStatus

if TYPE_CHECKING:
    from checker.results import SampleStatus

API_PATH = "/api/v2/components.json"
"""Appended to a page's address that does not name one of its JSON files."""
_STATUSES: tuple[str, ...] = get_args(ComponentStatus)
SAMPLE_OF: dict[str, SampleStatus] = {
    "operational": "up",
    "under_maintenance": "up",
    "degraded_performance": "degraded",
    "partial_outage": "down",
    "major_outage": "down",
}
"""How a stated status counts among a run's up, degraded and down samples."""


class StatuspageCheck(CheckBase):
    type: Literal["statuspage"]
    url: str
    """The provider's status page (`https://www.githubstatus.com`) or one of its Statuspage v2
    files (`.../api/v2/components.json`, `.../api/v2/summary.json`)."""
    component: str
    """The provider's component: its name as the page shows it (`Git Operations`) or its id."""

    @field_validator("url")
    @classmethod
    def _url_has_scheme(cls, value: str) -> str:
        return http_url(value)

    @field_validator("component")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name the provider's component, e.g. Git Operations")
        return value

    def api_url(self, url: str) -> str:
        """`url` (references resolved) as the address of a JSON file of the page."""
        return url if url.split("?")[0].endswith(".json") else url.rstrip("/") + API_PATH


class StatuspageProbe:
    async def probe(self, check: StatuspageCheck, context: ProbeContext) -> Outcome:
        from checker.errors import MissingVariable
        from checker.probes.http_client import HttpRequest
        from checker.secrets import expand_text

        try:
            url = check.api_url(expand_text(check.url, context.env, "url"))
        except MissingVariable as error:
            return Outcome("down", reason=f"configuration: ${{{error.name}}} is not set")
        request = HttpRequest(
            method="GET",
            url=url,
            headers={"Accept": "application/json"},
            body=None,
            verify_tls=True,
            follow_redirects=True,
            redirect_hosts=frozenset(),
            read_body=True,
        )
        answer = await fetch_within(request, check.timeout, context)
        if isinstance(answer, Outcome):
            return answer
        if not 200 <= answer.code < 300:
            return Outcome("down", code=answer.code, reason=f"status page answered {answer.code}")
        return stated(check.component, answer.body, code=answer.code)


def stated(component: str, body: bytes, *, code: int | None = None) -> Outcome:
    """The Outcome for `component` in a Statuspage v2 document (components or summary)."""
    import json

    text = body.decode("utf-8", "replace")
    try:
        document = json.loads(text)
    except ValueError:
        return Outcome(
            "down", code=code, reason="status page did not answer JSON", endpoint_text=text[:ENDPOINT_TEXT_BYTES]
        )
    found = _component(document, component)
    if isinstance(found, str):
        return Outcome("down", code=code, reason=found)
    status = found.get("status")
    if status not in _STATUSES:
        return Outcome(
            "down",
            code=code,
            reason="status page stated an unknown status",
            endpoint_text=str(status)[:ENDPOINT_TEXT_BYTES],
        )
    sample = SAMPLE_OF[status]
    # Ours, never the provider's text: the public reason names the stated status only.
    reason = None if status == "operational" else f"provider reports {status.replace('_', ' ')}"
    return Outcome(sample, code=code, reason=reason, stated=status)


def _component(document: Any, wanted: str) -> dict[str, Any] | str:
    """The component whose id, or else whose name, is `wanted`; otherwise why not (our words)."""
    components = document.get("components") if isinstance(document, dict) else None
    if not isinstance(components, list):
        return "status page lists no components"
    entries = [c for c in components if isinstance(c, dict)]
    by_id = [c for c in entries if c.get("id") == wanted]
    if by_id:
        return by_id[0]
    by_name = [c for c in entries if c.get("name") == wanted]
    if len(by_name) > 1:
        # Names repeat across a page's groups; guessing would report another component's status.
        return "several components on the status page have this name: give its id"
    return by_name[0] if by_name else "component not found on the status page"


PROBE = StatuspageProbe()
"""How a `statuspage` check is measured (`checker.probes` finds it here by the check's `type:`)."""
