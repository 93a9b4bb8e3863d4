"""`audience: internal` on components and incidents, and `internal:`: each mistake is one line
naming the file, the line and the key; what is public is what the public site is built from."""

from __future__ import annotations

from pathlib import Path

from site_builder.content.site import check_site

CONFIG = """\
site: {name: Audience test}
components:
  - id: api
    name: API
    group: Core
    depends_on: [queue]
  - id: queue
    name: Queue
    group: Core
    audience: internal
  - id: ledger
    name: Ledger
    group: Backoffice
    audience: internal
"""

INCIDENT = """\
---
title: {title}
{front}
---

## 2026-11-20 10:00 UTC investigating
What happened.
"""


def write_site(root: Path, config: str = CONFIG, incidents: dict[str, str] | None = None) -> Path:
    (root / "incidents").mkdir(parents=True, exist_ok=True)
    (root / "statuspage.yaml").write_text(config, encoding="utf-8")
    for name, front in (incidents or {}).items():
        (root / "incidents" / name).write_text(INCIDENT.format(title=name[11:-3], front=front), encoding="utf-8")
    return root


def problems_of(root: Path) -> list[str]:
    site, problems = check_site(root, None)
    assert (site is None) == bool(problems)
    return [str(problem) for problem in problems]


def test_a_bad_audience_is_one_line_with_file_line_and_key(tmp_path: Path) -> None:
    root = write_site(
        tmp_path,
        CONFIG.replace("audience: internal\n  - id: ledger", "audience: staff\n  - id: ledger"),
        {"2026-11-20-api-slow.md": "audience: secret\ncomponents: {api: degraded_performance}"},
    )
    assert problems_of(root) == [
        "incidents/2026-11-20-api-slow.md:3: audience: 'secret' is not allowed here (one of: public, internal)",
        "statuspage.yaml:10: components[1].audience: 'staff' is not allowed here (one of: public, internal)",
    ]


def test_a_public_incident_may_not_name_only_internal_components(tmp_path: Path) -> None:
    root = write_site(
        tmp_path,
        incidents={
            "2026-11-20-queue-stuck.md": "components:\n  queue: major_outage\n  ledger: partial_outage",
            "2026-11-21-queue-and-api.md": "components: {queue: major_outage, api: partial_outage}",
            "2026-11-22-ledger-lag.md": "audience: internal\ncomponents: {ledger: degraded_performance}",
        },
    )
    assert problems_of(root) == [
        "incidents/2026-11-20-queue-stuck.md:3: components: a public incident names only internal components "
        "(ledger, queue); add 'audience: internal' or name a public component",
    ]


def test_internal_settings_are_checked(tmp_path: Path) -> None:
    config = CONFIG + "internal: {publish: 'ftp://files', password_env: 1PASSWORD, user: 'a b'}\n"
    assert problems_of(write_site(tmp_path, config)) == [
        "statuspage.yaml:15: internal.password_env: must be the name of an environment variable, such as "
        "STATUSGEN_INTERNAL_PASSWORD (got '1PASSWORD')",
        "statuspage.yaml:15: internal.publish: must be a folder or s3://bucket/prefix (got 'ftp://files')",
        "statuspage.yaml:15: internal.user: may use only letters, digits, '.', '_' and '-' (got 'a b')",
    ]


def test_the_internal_site_may_not_be_published_into_the_public_one(tmp_path: Path) -> None:
    for internal, public in (
        ("./public/staff", "./public"),
        ("./out", "./out/public"),
        ("s3://site/internal", "s3://site"),
        ("./public", "public/"),
    ):
        config = CONFIG + f"publish: {public}\ninternal: {{publish: {internal}}}\n"
        assert problems_of(write_site(tmp_path / internal.replace("/", "_"), config)) == [
            f"statuspage.yaml:16: internal.publish: {internal} overlaps publish ({public}): publish the internal "
            "site to a target of its own"
        ]
    config = CONFIG + "publish: s3://site/public\ninternal: {publish: s3://site/internal}\n"
    assert problems_of(write_site(tmp_path / "apart", config)) == []


def test_the_public_part_leaves_out_what_is_internal(tmp_path: Path) -> None:
    root = write_site(
        tmp_path,
        incidents={
            "2026-11-21-queue-and-api.md": "components: {queue: major_outage, api: partial_outage}",
            "2026-11-22-ledger-lag.md": "audience: internal\ncomponents: {ledger: degraded_performance}",
        },
    )
    site, _ = check_site(root, None)
    assert site is not None
    public = site.public_bundle
    assert [c.id for c in public.components] == ["api"]
    assert public.components[0].depends_on == []  # the public page names no internal cause
    assert [(i.slug, i.components) for i in public.incidents] == [
        ("2026-11-21-queue-and-api", {"api": "partial_outage"})
    ]
    # The bundle the checker measures keeps everything, and carries no audience.
    assert [c.id for c in site.bundle.components] == ["api", "queue", "ledger"]
    assert "audience" not in site.bundle.model_dump_json()


def test_with_nothing_internal_the_public_part_is_the_bundle_itself(tmp_path: Path) -> None:
    root = write_site(tmp_path, CONFIG.replace("    audience: internal\n", "").replace("    depends_on: [queue]\n", ""))
    site, _ = check_site(root, None)
    assert site is not None
    assert site.public_bundle is site.bundle and site.public_languages is site.languages
