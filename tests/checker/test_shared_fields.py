"""A loaded site's incidents share their records of which fields were given (to save memory on a
large site): what each model says about itself, and what its copies say, must not change."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from checker.incident_model import Incident, models_of
from checker.strict_model import share_given_fields
from site_builder.content.site import check_site
from tests.helpers import copy_site, fixture


def incident(slug: str, **extra: object) -> Incident:
    return Incident.model_validate(
        {
            "slug": slug,
            "kind": "incident",
            "title": "API errors",
            "impact": "minor",
            "components": {"api": "partial_outage"},
            "updates": [
                {"at": "2026-11-20T12:00:00Z", "status": "investigating", "body": "Looking."},
                {"at": "2026-11-20T13:00:00Z", "status": "resolved", "body": "Fixed."},
            ],
            "file": f"incidents/{slug}.md",
            **extra,
        }
    )


def test_shared_records_say_what_each_model_was_given_and_copies_stay_apart():
    plain = incident("2026-11-20-api")
    windowed = incident(
        "2026-11-21-db",
        kind="maintenance",
        impact="maintenance",
        scheduled_for="2026-11-21T02:00:00Z",
        scheduled_until="2026-11-21T03:00:00Z",
        repeat={"rule": "FREQ=WEEKLY;COUNT=3"},
    )
    models = list(models_of([plain, windowed]))
    before = [(set(m.model_fields_set), m.model_dump(exclude_unset=True)) for m in models]

    share_given_fields(models)

    assert [(m.model_fields_set, m.model_dump(exclude_unset=True)) for m in models] == before
    # Every update was given the same three fields: one record serves all four.
    updates = [*plain.updates, *windowed.updates]
    assert len({id(u.__pydantic_fields_set__) for u in updates}) == 1
    assert plain.model_fields_set is not windowed.model_fields_set  # given different fields

    copy = plain.model_copy(update={"series": "2026-11-20-api"})
    assert "series" in copy.model_fields_set
    assert [(m.model_fields_set, m.model_dump(exclude_unset=True)) for m in models] == before
    with pytest.raises(ValidationError):
        plain.title = "changed"  # type: ignore[misc]
    assert [(m.model_fields_set, m.model_dump(exclude_unset=True)) for m in models] == before


def test_a_loaded_sites_updates_share_one_record(tmp_path):
    site, problems = check_site(copy_site(fixture("site", "basic"), tmp_path / "site"), None)
    assert problems == [] and site is not None
    updates = [u for i in site.bundle.incidents for u in i.updates]
    assert len(updates) > 5
    assert len({id(u.__pydantic_fields_set__) for u in updates}) == 1
