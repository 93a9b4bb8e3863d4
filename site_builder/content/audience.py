"""Who may see what: components and incidents marked `audience: internal` are for staff only.

The public site is built from the *public part* of the site: the bundle, summary and languages
with every internal component and incident taken out before anything is rendered, so no output
format can show one by mistake. With nothing internal the parts are the very objects given, and
the public site is byte for byte what it was before audiences existed.

The rules (docs/configuration.md, "Who sees what"):

- an internal incident may name any component; a public one must name at least one public
  component, and the internal ones it names are left out of its public copy;
- a group is public when one of its components is: its internal components are left out of it
  (and of its status) on the public site, and a group of internal components only is not shown;
- a public component's `depends_on` keeps only public components there, so the public page never
  names an internal one as the cause of an outage.

The bundle is the checker's document and carries no audience, so CI stores the audiences as
`audience.json` beside `bundle.json`, before it, for the rebuild in the checker's function.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ValidationError

from checker.errors import Problem, StatusgenError, StoreError

if TYPE_CHECKING:  # validating a site needs none of these
    from checker.bundle import Bundle
    from checker.incident_model import Incident
    from checker.store import Store
    from checker.summary import Summary
    from site_builder.content.incidents import ParsedIncident
    from site_builder.i18n.site_languages import SiteLanguages

AUDIENCE_KEY = "audience.json"
"""Where CI stores the audiences in the store, beside `bundle.json`."""


@dataclass(frozen=True)
class Audience:
    """What is internal in a site; everything else is public."""

    components: frozenset[str] = frozenset()
    """Ids of the internal components."""
    incident_files: frozenset[str] = frozenset()
    """Site-relative files of the internal incidents and maintenance (every window of a
    repeating one comes from its file)."""

    @property
    def everything_public(self) -> bool:
        return not self.components and not self.incident_files

    def is_internal(self, incident: Incident) -> bool:
        return incident.file in self.incident_files

    def public_bundle(self, bundle: Bundle) -> Bundle:
        """`bundle` without what is internal (see the module's rules); `bundle` itself when
        everything is public."""
        if self.everything_public:
            return bundle
        hidden = self.components
        components = [
            c
            if hidden.isdisjoint(c.depends_on)
            else c.model_copy(update={"depends_on": [d for d in c.depends_on if d not in hidden]})
            for c in bundle.components
            if c.id not in hidden
        ]
        incidents = [self._public_copy(i) for i in bundle.incidents if not self.is_internal(i)]
        return bundle.model_copy(update={"components": components, "incidents": incidents})

    def _public_copy(self, incident: Incident) -> Incident:
        if self.components.isdisjoint(incident.components):
            return incident
        return incident.model_copy(
            update={
                "components": {cid: status for cid, status in incident.components.items() if cid not in self.components}
            }
        )

    def public_summary(self, summary: Summary | None) -> Summary | None:
        """`summary` without the internal components' figures."""
        if summary is None or not self.components:
            return summary
        return summary.model_copy(update={"components": [c for c in summary.components if c.id not in self.components]})

    def public_languages(self, languages: SiteLanguages) -> SiteLanguages:
        """`languages` without the translations of internal incidents."""
        if not self.incident_files:
            return languages
        return dataclasses.replace(
            languages,
            translations={key: t for key, t in languages.translations.items() if key[1] not in self.incident_files},
        )


def incident_audience_problems(
    incidents: Iterable[ParsedIncident],
    internal_components: frozenset[str],
) -> list[Problem]:
    """A problem for each public incident that names only internal components: its public copy
    would name none, and its text is about something the public cannot see."""
    problems = []
    for incident, audience, line in incidents:
        named = sorted(incident.components)
        if audience == "public" and named and internal_components.issuperset(named):
            problems.append(
                Problem(
                    incident.file,
                    line,
                    "components",
                    f"a public {incident.kind} names only internal components ({', '.join(named)}); "
                    "add 'audience: internal' or name a public component",
                )
            )
    return problems


# --- stored beside the bundle ----------------------------------------------------------------------


class _StoredAudience(BaseModel):
    format: Literal[1] = 1
    components: list[str]
    """Ids of the internal components, sorted."""
    incident_files: list[str]
    """Files of the internal incidents, sorted."""


def store_audience(audience: Audience, store: Store) -> None:
    """Write `audience` to the store (only when it changed: CI stores on every merge). Written
    before the bundle, so a bundle naming a new internal component never meets older audiences."""
    data = (
        _StoredAudience(components=sorted(audience.components), incident_files=sorted(audience.incident_files))
        .model_dump_json(indent=1)
        .encode()
    )
    current = store.get(AUDIENCE_KEY)
    if current is None or current.data != data:
        store.put(AUDIENCE_KEY, data)


def fetch_audience(store: Store) -> Audience:
    """The stored audiences; everything public when none are stored (a bundle compiled before
    audiences existed). Raises StatusgenError when they are stored but cannot be read: building
    the public site without them could publish what is internal."""
    try:
        stored = store.get(AUDIENCE_KEY)
        if stored is None:
            return Audience()
        found = _StoredAudience.model_validate_json(stored.data)
    except (StoreError, ValidationError, ValueError) as error:
        raise StatusgenError(
            f"{AUDIENCE_KEY} in the store cannot be read ({type(error).__name__}); "
            "store it again with `statusgen compile --to-store`"
        ) from None
    return Audience(components=frozenset(found.components), incident_files=frozenset(found.incident_files))
