"""The Statuspage v2 files: the same keys, order, types and enums as real Statuspage responses."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from checker.ids import stable_id
from checker.summary import Summary
from site_builder.outputs.api import models
from site_builder.outputs.api import statuspage as api
from site_builder.outputs.view import SiteView, build_view

ENDPOINTS: dict[str, type[BaseModel]] = {
    "api/v2/summary.json": models.SummaryResponse,
    "api/v2/status.json": models.StatusResponse,
    "api/v2/components.json": models.ComponentsResponse,
    "api/v2/incidents.json": models.IncidentsResponse,
    "api/v2/incidents/unresolved.json": models.IncidentsResponse,
    "api/v2/scheduled-maintenances.json": models.ScheduledMaintenancesResponse,
    "api/v2/scheduled-maintenances/upcoming.json": models.ScheduledMaintenancesResponse,
    "api/v2/scheduled-maintenances/active.json": models.ScheduledMaintenancesResponse,
}
REAL = Path(__file__).parent.parent / "fixtures" / "api" / "statuspage"
REAL_SUMMARY = json.loads((REAL / "instructure-summary.json").read_text())
REAL_COMPONENTS = json.loads((REAL / "instructure-components.json").read_text())
COMPONENT_STATUSES = {"operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"}
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
MAINTENANCE_STATUSES = {"scheduled", "in_progress", "verifying", "completed"}


def load(files: dict[str, bytes], path: str) -> Any:
    return json.loads(files[path])


def same_shape(ours: Any, theirs: Any, where: str = "") -> None:
    """Same keys in the same order and the same JSON types, recursively (null matches anything)."""
    if ours is None or theirs is None:
        return
    assert type(ours) is type(theirs), f"{where}: {type(ours).__name__} != {type(theirs).__name__}"
    if isinstance(ours, dict):
        assert list(ours) == list(theirs), f"{where}: keys differ"
        for key in ours:
            same_shape(ours[key], theirs[key], f"{where}.{key}")
    elif isinstance(ours, list) and ours and theirs:
        same_shape(ours[0], theirs[0], f"{where}[0]")


@pytest.fixture(scope="module")
def files(view: SiteView) -> dict[str, bytes]:
    return api.render(view)


def test_every_statuspage_endpoint_is_written(files: dict[str, bytes], view: SiteView) -> None:
    assert set(ENDPOINTS) <= set(files)
    for incident in view.bundle.incidents:
        assert f"api/v2/incidents/{incident.id}.json" in files


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_each_endpoint_reads_back_through_the_strict_decoder_unchanged(files: dict[str, bytes], path: str) -> None:
    model = ENDPOINTS[path].model_validate_json(files[path])
    assert model.model_dump_json().encode() == files[path]


def test_each_incident_file_reads_back_strictly_with_its_whole_timeline(
    files: dict[str, bytes], view: SiteView
) -> None:
    for incident in view.bundle.incidents:
        data = files[f"api/v2/incidents/{incident.id}.json"]
        model = models.IncidentResponse.model_validate_json(data)
        assert model.model_dump_json().encode() == data
        assert model.incident.id == incident.id
        assert len(model.incident.incident_updates) == len([u for u in incident.updates if u.at <= view.now])
        expected = models.ScheduledMaintenance if incident.kind == "maintenance" else models.Incident
        assert type(model.incident) is expected


def test_top_level_keys_are_statuspages(files: dict[str, bytes]) -> None:
    assert list(load(files, "api/v2/components.json")) == list(REAL_COMPONENTS)
    assert list(load(files, "api/v2/status.json")) == ["page", "status"]
    assert list(load(files, "api/v2/incidents.json")) == ["page", "incidents"]
    assert list(load(files, "api/v2/scheduled-maintenances.json")) == ["page", "scheduled_maintenances"]
    same_shape(load(files, "api/v2/components.json")["page"], REAL_COMPONENTS["page"], "page")


def test_the_strict_decoder_rejects_a_key_statuspage_does_not_have(files: dict[str, bytes]) -> None:
    data = load(files, "api/v2/status.json")
    data["status"]["uptime"] = 0.99
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        models.StatusResponse.model_validate(data)


@pytest.mark.parametrize(
    "name,model",
    [
        ("github-components.json", models.ComponentsResponse),
        ("coinbase-components.json", models.ComponentsResponse),
        ("instructure-components.json", models.ComponentsResponse),
        ("instructure-summary.json", models.SummaryResponse),
    ],
)
def test_the_decoder_accepts_real_statuspage_responses(name: str, model: type[BaseModel]) -> None:
    """The models are Statuspage's shapes, not a looser or stricter variant of our own."""
    model.model_validate_json((REAL / name).read_bytes())


def test_summary_has_statuspage_keys_order_and_types(files: dict[str, bytes]) -> None:
    ours = load(files, "api/v2/summary.json")
    assert list(ours) == list(REAL_SUMMARY)
    # The latest published update (the database incident's, 11:30 UTC), in the page's zone.
    assert ours["page"]["updated_at"] == "2026-11-22T04:30:00.000-07:00"
    same_shape(ours["page"], REAL_SUMMARY["page"], "page")
    same_shape(ours["status"], REAL_SUMMARY["status"], "status")
    same_shape(ours["incidents"], REAL_SUMMARY["incidents"], "incidents")


def test_components_and_groups_have_statuspage_shape(files: dict[str, bytes]) -> None:
    ours = load(files, "api/v2/components.json")["components"]
    real_component = next(c for c in REAL_COMPONENTS["components"] if not c["group"])
    real_group = next(c for c in REAL_COMPONENTS["components"] if c["group"])
    for component in ours:
        same_shape(component, real_group if component["group"] else real_component, component["name"])
        assert component["status"] in COMPONENT_STATUSES


def test_groups_list_their_children_and_children_name_their_group(files: dict[str, bytes]) -> None:
    components = load(files, "api/v2/components.json")["components"]
    by_name = {c["name"]: c for c in components}
    core = by_name["Core"]
    assert core["group"] is True and core["group_id"] is None
    assert core["components"] == [by_name["API"]["id"], by_name["Website"]["id"]]
    assert by_name["API"]["group_id"] == core["id"]
    assert by_name["Database"]["group_id"] is None and "components" not in by_name["Database"]
    # Statuspage lists by position; page order breaks ties.
    assert [c["position"] for c in components] == sorted(c["position"] for c in components)


def test_statuses_combine_measurements_incidents_and_maintenance(files: dict[str, bytes]) -> None:
    components = {c["name"]: c for c in load(files, "api/v2/components.json")["components"]}
    assert components["Database"]["status"] == "major_outage"  # measured and declared
    assert components["Website"]["status"] == "under_maintenance"  # maintenance in progress
    assert components["Core"]["status"] == "under_maintenance"  # worst child
    assert components["API"]["status"] == "operational"
    # One component of five in a major outage is a partial system outage on Statuspage, whatever
    # the incident's impact (the rule and its sources: docs/api.md, `status`).
    assert load(files, "api/v2/status.json")["status"] == {"indicator": "major", "description": "Partial System Outage"}


def test_ids_are_stable_base36_derived_from_the_slug(
    files: dict[str, bytes], bundle: Any, summary: Summary, now: datetime
) -> None:
    incidents = load(files, "api/v2/incidents.json")["incidents"]
    by_name = {i["name"]: i for i in incidents}
    assert by_name["Elevated API error rates"]["id"] == stable_id("incident", "2026-11-20-api-errors")
    again = api.render(build_view(bundle, summary, now))
    assert again == files  # a second build gives the same bytes, ids included
    for component in load(files, "api/v2/components.json")["components"]:
        assert len(component["id"]) == 12 and component["id"].isalnum() and component["id"].islower()


def test_an_incident_has_statuspage_fields_and_a_shortlink_to_our_page(files: dict[str, bytes]) -> None:
    real = REAL_SUMMARY["incidents"][0]
    incident = next(
        i for i in load(files, "api/v2/incidents.json")["incidents"] if i["name"] == "Elevated API error rates"
    )
    same_shape(incident, real, "incident")
    assert incident["shortlink"] == "https://status.example.test/incidents/2026-11-20-api-errors/"
    assert incident["status"] == "resolved"
    assert incident["impact"] == "major"
    # Times are written in the page's zone (America/Denver), as Statuspage does.
    assert incident["created_at"] == "2026-11-20T07:05:00.000-07:00"
    assert incident["monitoring_at"] == "2026-11-20T07:50:00.000-07:00"
    assert incident["resolved_at"] == "2026-11-20T08:10:00.000-07:00"
    assert [c["name"] for c in incident["components"]] == ["API", "Website"]


def test_updates_are_newest_first_with_the_status_of_the_incident_at_that_time(files: dict[str, bytes]) -> None:
    incident = next(
        i for i in load(files, "api/v2/incidents.json")["incidents"] if i["name"] == "Elevated API error rates"
    )
    updates = incident["incident_updates"]
    assert [u["status"] for u in updates] == ["resolved", "monitoring", "identified", "identified", "investigating"]
    assert updates[2]["body"] == "Writes are affected more than reads."  # an `update` heading
    assert [u["created_at"] for u in updates] == sorted((u["created_at"] for u in updates), reverse=True)
    assert all(u["incident_id"] == incident["id"] for u in updates)
    assert all(set(u) == set(REAL_SUMMARY["incidents"][0]["incident_updates"][0]) for u in updates)


def test_affected_components_say_what_changed_with_each_update(files: dict[str, bytes]) -> None:
    incident = next(
        i for i in load(files, "api/v2/incidents.json")["incidents"] if i["name"] == "Elevated API error rates"
    )
    first, last = incident["incident_updates"][-1], incident["incident_updates"][0]
    assert first["affected_components"] == [
        {
            "code": stable_id("component", "api"),
            "name": "Core - API",
            "old_status": "operational",
            "new_status": "partial_outage",
        },
        {
            "code": stable_id("component", "web"),
            "name": "Core - Website",
            "old_status": "operational",
            "new_status": "degraded_performance",
        },
    ]
    assert [(a["old_status"], a["new_status"]) for a in last["affected_components"]] == [
        ("partial_outage", "operational"),
        ("degraded_performance", "operational"),
    ]


def test_unresolved_and_summary_list_only_open_incidents(files: dict[str, bytes]) -> None:
    unresolved = load(files, "api/v2/incidents/unresolved.json")["incidents"]
    assert [i["name"] for i in unresolved] == ["Database unreachable"]
    assert load(files, "api/v2/summary.json")["incidents"] == unresolved
    everything = load(files, "api/v2/incidents.json")["incidents"]
    assert [i["status"] for i in everything] == ["identified", "resolved", "resolved"]
    assert all(i["status"] in INCIDENT_STATUSES for i in everything)


def test_scheduled_maintenance_lists(files: dict[str, bytes]) -> None:
    upcoming = load(files, "api/v2/scheduled-maintenances/upcoming.json")["scheduled_maintenances"]
    active = load(files, "api/v2/scheduled-maintenances/active.json")["scheduled_maintenances"]
    every = load(files, "api/v2/scheduled-maintenances.json")["scheduled_maintenances"]
    assert [(m["name"], m["status"]) for m in upcoming] == [("Billing database migration", "scheduled")]
    assert [(m["name"], m["status"]) for m in active] == [("Website platform upgrade", "in_progress")]
    assert [m["status"] for m in every] == ["scheduled", "in_progress", "completed"]
    summary = load(files, "api/v2/summary.json")
    assert summary["scheduled_maintenances"] == active + upcoming
    for maintenance in every:
        assert list(maintenance) == [*REAL_SUMMARY["incidents"][0], "scheduled_for", "scheduled_until"]
        assert maintenance["impact"] == "maintenance"
        assert maintenance["status"] in MAINTENANCE_STATUSES
    done = every[2]
    assert done["resolved_at"] == done["scheduled_until"] == "2026-11-02T20:00:00.000-07:00"
    migration = upcoming[0]
    assert migration["resolved_at"] is None
    assert migration["incident_updates"][0]["affected_components"][0]["new_status"] == "operational"


def test_text_from_incident_files_arrives_without_markup(files: dict[str, bytes]) -> None:
    incident = next(
        i for i in load(files, "api/v2/incidents.json")["incidents"] if i["name"].startswith("Billing emails delayed")
    )
    body = incident["incident_updates"][0]["body"]
    assert body.startswith("All delayed emails are sent.")
    assert "<script" not in body and "onerror" not in body and "javascript:" not in body


def test_before_the_first_run_the_api_is_valid_and_empty_lists_are_lists(empty_view: SiteView) -> None:
    files = api.render(empty_view)
    for path, model in ENDPOINTS.items():
        model.model_validate_json(files[path])
    uptime = models.UptimeResponse.model_validate_json(files["api/uptime.json"])
    assert uptime.generated_at is None
    assert all(c.uptime == {} and c.days == [] for c in uptime.components)
    # Only the API has nothing at all to go on; an incident or maintenance speaks for the others.
    assert [(c.id, c.no_data) for c in uptime.components] == [
        ("api", True),
        ("web", False),
        ("db", False),
        ("billing", False),
        ("docs", False),
    ]


def test_a_site_without_incidents_writes_empty_lists(bundle: Any, now: datetime) -> None:
    quiet = build_view(bundle.model_copy(update={"incidents": []}), None, now)
    files = api.render(quiet)
    assert load(files, "api/v2/summary.json")["incidents"] == []
    assert load(files, "api/v2/summary.json")["scheduled_maintenances"] == []
    assert load(files, "api/v2/incidents.json")["incidents"] == []


def test_a_new_checker_run_without_changes_leaves_incident_files_alone(
    bundle: Any, summary: Summary, files: dict[str, bytes], now: datetime
) -> None:
    """The checker runs every minute; only files whose content changed may differ afterwards."""
    later = summary.model_copy(update={"generated_at": summary.generated_at + timedelta(minutes=1)})
    again = api.render(build_view(bundle, later, now + timedelta(minutes=1)))
    changed = {path for path in files if again[path] != files[path]}
    assert changed == {"api/uptime.json"}


def test_uptime_extras_carry_the_checkers_figures(files: dict[str, bytes]) -> None:
    uptime = models.UptimeResponse.model_validate_json(files["api/uptime.json"])
    database = next(c for c in uptime.components if c.id == "db")
    assert database.statuspage_id == stable_id("component", "db")
    assert database.uptime["30d"].uptime == 0.99868056
    assert database.latency["24h"].p50_ms == 1211.33
    assert len(database.days) == 90 and database.days[0].uptime is None
    assert database.last_checked_at == "2026-11-22T04:59:30.000-07:00"
    assert database.slo is None
    budget = next(c for c in uptime.components if c.id == "api").slo
    assert budget is not None and budget.target == 99.9 and budget.remaining_seconds == 1166.4
    single = models.ComponentUptimeResponse.model_validate_json(files["api/components/db.json"])
    assert single.component == database


def test_incidents_json_holds_the_latest_fifty_and_every_older_unresolved_one(bundle: Any, now: datetime) -> None:
    template = next(i for i in bundle.incidents if i.slug == "2026-11-20-api-errors")
    many = []
    for n in range(60):
        shift = timedelta(days=n + 1)
        updates = [u.model_copy(update={"at": u.at - shift}) for u in template.updates]
        if n == 59:  # the oldest was never resolved
            updates = [u for u in updates if u.status != "resolved"]
        many.append(template.model_copy(update={"slug": f"old-{n:02d}", "updates": updates}))
    files = api.render(build_view(bundle.model_copy(update={"incidents": many}), None, now))
    listed = [i["id"] for i in load(files, "api/v2/incidents.json")["incidents"]]
    assert listed == [stable_id("incident", f"old-{n:02d}") for n in [*range(50), 59]]
    assert all(f"api/v2/incidents/{stable_id('incident', f'old-{n:02d}')}.json" in files for n in range(60))
