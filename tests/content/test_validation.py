"""`statusgen validate`: every broken case names the file, line and key with the exact message."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from site_builder.content.incidents import incident_files
from site_builder.content.site import check_site, compile_bundle, load_site
from tests.helpers import copy_site, fixture

CASE_FILE = "incidents/2026-11-22-case.md"


def site_with_incident(tmp_path: Path, case: str) -> Path:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    shutil.copy(fixture("content", "incidents", case), root / CASE_FILE)
    return root


def problems_of(root: Path, env: dict[str, str] | None = None) -> list[str]:
    site, problems = check_site(root, env)
    assert (site is None) == bool(problems)
    return [str(p) for p in problems]


def test_the_fixture_site_is_valid(tmp_path: Path) -> None:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    assert problems_of(root) == []


def test_the_example_site_in_the_repository_is_valid() -> None:
    root = Path(__file__).parents[2]
    assert problems_of(root) == []


INCIDENT_CASES = {
    "missing-front-matter.md": [
        f"{CASE_FILE}:1: missing front matter: the file must start with a line '---', "
        "then title: and components:, then '---'"
    ],
    "unclosed-front-matter.md": [f"{CASE_FILE}:1: front matter is not closed: add a line '---' after it"],
    "broken-yaml.md": [
        f"{CASE_FILE}:2: invalid YAML: mapping values are not allowed here (a value containing ': ' must be quoted)"
    ],
    "misspelt-key.md": [f"{CASE_FILE}:3: componets: unknown key 'componets'; did you mean 'components'?"],
    "unknown-component.md": [
        f"{CASE_FILE}:4: components.apii: unknown component 'apii'; did you mean 'api'? "
        "(components: api, website, database)"
    ],
    "bad-status.md": [
        f"{CASE_FILE}:4: components.api: 'partial_outge' is not a component status; did you mean "
        "'partial_outage'? (one of: operational, degraded_performance, partial_outage, major_outage, "
        "under_maintenance)",
        f"{CASE_FILE}:7: 'identifed' is not an update status here; did you mean 'identified'? "
        "(one of: investigating, identified, monitoring, update, resolved, postmortem)",
    ],
    "bad-times.md": [
        f"{CASE_FILE}:7: '2026-11-22 14:30' has no time zone; add one, e.g. '2026-11-22 14:30 UTC'",
        f"{CASE_FILE}:10: 'yesterday at noon' is not a time; write it as 2026-11-22 14:05 UTC or 2026-11-22T14:05:00Z",
    ],
    "empty-update.md": [f"{CASE_FILE}:7: update has no text; write what happened under the heading"],
    "maintenance-no-end.md": [
        f"{CASE_FILE}:2: scheduled_until: maintenance needs scheduled_until, e.g. "
        "'scheduled_until: 2026-11-25 02:00 UTC'"
    ],
    "maintenance-backwards.md": [f"{CASE_FILE}:6: scheduled_until: scheduled_until must be after scheduled_for"],
    "maintenance-status-in-incident.md": [
        f"{CASE_FILE}:7: 'completed' is not an update status here (one of: investigating, identified, "
        "monitoring, update, resolved, postmortem); it is a maintenance status: add 'type: maintenance' "
        "for planned work"
    ],
    "text-before-heading.md": [
        f"{CASE_FILE}:6: text before the first update heading; start each update with "
        "'## 2026-11-22 14:05 UTC investigating'"
    ],
    "latin1.md": [f"{CASE_FILE}:2: is not valid UTF-8; save the file as UTF-8"],
}


@pytest.mark.parametrize("case", sorted(INCIDENT_CASES))
def test_broken_incident_files_are_reported_with_file_line_and_message(tmp_path: Path, case: str) -> None:
    assert problems_of(site_with_incident(tmp_path, case)) == INCIDENT_CASES[case]


def test_every_broken_file_is_reported_in_one_run(tmp_path: Path) -> None:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    for index, case in enumerate(sorted(INCIDENT_CASES)):
        shutil.copy(fixture("content", "incidents", case), root / f"incidents/2026-11-{index + 1:02d}-case.md")
    reported = {p.split(":")[0] for p in problems_of(root)}
    assert len(reported) == len(INCIDENT_CASES)


def test_a_file_that_is_not_markdown_is_reported(tmp_path: Path) -> None:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    (root / "incidents/2026-11-22-notes.txt").write_text("hello")
    assert problems_of(root) == [
        "incidents/2026-11-22-notes.txt: not a Markdown file: incident files are named YYYY-MM-DD-slug.md"
    ]


def test_a_badly_named_file_gets_the_lower_case_name_suggested(tmp_path: Path) -> None:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    shutil.copy(root / "incidents/2026-11-22-api-errors.md", root / "incidents/2026-11-22-API-Down.md")
    assert problems_of(root) == [
        "incidents/2026-11-22-API-Down.md: file name must be YYYY-MM-DD-slug.md in lower case, "
        "e.g. 2026-11-22-api-down.md"
    ]


def test_duplicate_slugs_in_subfolders_are_reported(tmp_path: Path) -> None:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    (root / "incidents/2026").mkdir()
    shutil.copy(root / "incidents/2026-11-22-api-errors.md", root / "incidents/2026/2026-11-22-api-errors.md")
    assert problems_of(root) == [
        "incidents/2026-11-22-api-errors.md: duplicate slug '2026-11-22-api-errors': "
        "incidents/2026/2026-11-22-api-errors.md has the same name; rename one"
    ]


def config_problems(tmp_path: Path, config: str, env: dict[str, str] | None = None) -> list[str]:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    shutil.copy(fixture("content", "configs", config), root / "statuspage.yaml")
    return problems_of(root, env)


def test_broken_yaml_in_the_config_names_the_line_and_the_cause(tmp_path: Path) -> None:
    assert config_problems(tmp_path, "broken-yaml.yaml") == [
        "statuspage.yaml:3: invalid YAML: found character '\\t' that cannot start any token "
        "(indent with spaces, not tabs)"
    ]


def test_misspelt_config_keys_values_and_duplicate_ids_are_all_reported(tmp_path: Path) -> None:
    assert config_problems(tmp_path, "misspelt.yaml") == [
        "statuspage.yaml:4: site.time_zone: unknown time zone 'Mars/Olympus' (use an IANA name such as Europe/Paris)",
        "statuspage.yaml:5: chekcer: unknown key 'chekcer'; did you mean 'checker'?",
        "statuspage.yaml:10: components[0].check.type: unknown check type 'htp'; did you mean 'http'? "
        "(one of: http, tcp, dns, tls, heartbeat, statuspage)",
        "statuspage.yaml:16: components[1].check.timout: unknown key 'timout'; did you mean 'timeout'?",
        "statuspage.yaml:17: components[2].id: duplicate component id 'web' (first used by components[1])",
    ]


def test_a_missing_environment_variable_names_the_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSGEN_TEST_")}
    assert config_problems(tmp_path, "env.yaml", env) == [
        "statuspage.yaml:2: site.name: environment variable STATUSGEN_TEST_SITE_NAME is not set"
    ]


def test_secrets_in_checks_are_required_only_by_commands_that_probe(tmp_path: Path) -> None:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    shutil.copy(fixture("content", "configs", "env.yaml"), root / "statuspage.yaml")
    shutil.rmtree(root / "incidents")
    env = {"STATUSGEN_TEST_SITE_NAME": "Acme"}
    assert check_site(root, env)[1] == []  # building the page needs no check secret
    _, problems = check_site(root, env, require=(("components", "*", "check"),))
    assert [str(p) for p in problems] == [
        "statuspage.yaml:11: components[0].check.headers.Authorization: environment variable "
        "STATUSGEN_TEST_TOKEN_UNSET is not set"
    ]


def test_references_are_resolved_at_load_except_secrets_which_reach_no_bundle(tmp_path: Path) -> None:
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    shutil.copy(fixture("content", "configs", "env.yaml"), root / "statuspage.yaml")
    shutil.rmtree(root / "incidents")
    site = load_site(root, {"STATUSGEN_TEST_SITE_NAME": "Acme", "STATUSGEN_TEST_TOKEN_UNSET": "s3cr3t-value"})
    assert site.bundle.site.name == "Acme"
    assert site.config.store == "./data"  # the default of ${STATUSGEN_TEST_STORE:-./data}
    check = site.bundle.components[0].check
    # The probe resolves it when it sends the request; the loaded site never holds the secret.
    assert check is not None and check.headers == {"Authorization": "Bearer ${STATUSGEN_TEST_TOKEN_UNSET}"}  # type: ignore[union-attr]
    bundle_json = compile_bundle(root).model_dump_json()
    assert "s3cr3t-value" not in bundle_json
    assert "${STATUSGEN_TEST_SITE_NAME}" in bundle_json


def test_incident_files_are_every_visible_file_in_path_order(tmp_path: Path) -> None:
    incidents = tmp_path / "incidents"
    for name in ["b.md", "a.md", "2026/z.md", "2026/a.md", "2026-extra.md", "2026/11/m.md", "A.md", "a-b/c.md"]:
        (incidents / name).parent.mkdir(parents=True, exist_ok=True)
        (incidents / name).write_text("x", encoding="utf-8")
    for hidden in [".draft.md", ".git/x.md", "2026/.hidden/y.md"]:
        (incidents / hidden).parent.mkdir(parents=True, exist_ok=True)
        (incidents / hidden).write_text("x", encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "outside.md").write_text("x", encoding="utf-8")
    (incidents / "linked-folder").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (incidents / "linked-file.md").symlink_to(tmp_path / "elsewhere" / "outside.md")
    os.mkfifo(incidents / "pipe.md")
    found = [path.relative_to(incidents).as_posix() for path in incident_files(tmp_path)]
    assert found == [
        "2026/11/m.md",
        "2026/a.md",
        "2026/z.md",
        "2026-extra.md",
        "A.md",
        "a-b/c.md",
        "a.md",
        "b.md",
        "linked-file.md",
    ]
    assert [Path(p) for p in found] == sorted(Path(p) for p in found)  # Path's own order
    assert incident_files(tmp_path / "missing") == []
