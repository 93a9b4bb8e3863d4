"""A publish SIGKILLed before each of its writes and deletes, to a folder and to S3 (moto's server):
whatever the kill left live is a consistent site (no page refers to a missing file, every file
parses), and the next publish, of the new build or of the old one, makes the target exactly it."""

from __future__ import annotations

import multiprocessing
import shutil
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from site_builder.builder.site import build_site
from site_builder.content.site import compile_bundle
from site_builder.publish.manifest import MANIFEST_NAME
from site_builder.publish.publisher import publish
from tests.faults.faults_support import TOTALS
from tests.faults.faults_worker import publish_killed_at
from tests.hostile.output_checks import folder_files, site_problems

FIXTURE = Path(__file__).parent.parent / "fixtures" / "faults" / "site"
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(["tests.faults.faults_worker", "site_builder.publish", "boto3"])

NEW_INCIDENT = """---
title: Search is slow
components:
  web: degraded_performance
---

## 2026-11-22 14:30 UTC investigating
Searches take several seconds.
"""


def two_versions(tmp_path: Path) -> tuple[Path, Path]:
    """Two builds of the fixture site: the second adds an incident and restyles the page (so its
    content-hashed stylesheet has a new name and the old one is deleted by its publish)."""
    first = tmp_path / "v1-site"
    shutil.copytree(FIXTURE, first)
    second = tmp_path / "v2-site"
    shutil.copytree(FIXTURE, second)
    (second / "incidents" / "2026-11-22-search-slow.md").write_text(NEW_INCIDENT)
    (second / "extra.css").write_text(".banner { outline: 2px solid; }\n")
    config = second / "statuspage.yaml"
    config.write_text(
        config.read_text().replace(
            "  time_zone: Europe/Berlin\n", "  time_zone: Europe/Berlin\n  custom_css: extra.css\n"
        )
    )
    builds = []
    for root in (first, second):
        out = tmp_path / f"{root.name}-out"
        build_site(compile_bundle(root), None, out, now=NOW, theme=root)
        builds.append(out)
    return builds[0], builds[1]


def own_script(source: str) -> bool:
    return "assets/status." in source and source.endswith(".js")


def live_problems(files: dict[str, bytes]) -> list[str]:
    return site_problems(files, own_scripts=own_script)


def killed(site: Path, target: str, point: int, endpoint: str | None) -> bool:
    process = _FORKS.Process(target=publish_killed_at, args=(str(site), target, point, endpoint))
    process.start()
    process.join(60)
    if process.exitcode == -signal.SIGKILL:
        return True
    assert process.exitcode == 0, f"publish exited with {process.exitcode}"
    return False


def kill_every_operation(
    versions: tuple[Path, Path],
    target: str,
    live: Callable[[], dict[str, bytes]],
    endpoint: str | None,
    step: int,
    s3_client: object = None,
) -> int:
    """Publish the other version, killed at operation 1, 1+step, … until a publish completes;
    after each kill check the live site, then publish again and check the target is exactly that
    build: every other time the killed version (finishing the job), otherwise the version live
    before the kill, so what the killed publish wrote (a new incident's page, a new stylesheet)
    must leave the site again although that publish never finished."""
    publish(versions[0], target, base=versions[0].parent, s3_client=s3_client)
    assert live() == folder_files(versions[0])
    kills = 0
    point = 1
    current = 0
    while True:
        new = versions[1 - current]
        if not killed(new, target, point, endpoint):
            break
        kills += 1
        assert live_problems(live()) == [], f"after a kill at operation {point}"
        retried = new if kills % 2 else versions[current]
        publish(retried, target, base=retried.parent, s3_client=s3_client)
        assert live() == folder_files(retried), f"after a kill at operation {point}"
        if retried == new:
            current = 1 - current
        point += step
    assert kills > 5
    return kills


@pytest.mark.slow
def test_publish_to_a_folder_killed_anywhere_leaves_a_consistent_site(tmp_path: Path) -> None:
    versions = two_versions(tmp_path)
    assert live_problems(folder_files(versions[0])) == []
    assert live_problems(folder_files(versions[1])) == []
    public = tmp_path / "public"
    kills = kill_every_operation(versions, str(public), lambda: folder_files(public), None, step=2)
    TOTALS["kill points tried (publish to a folder)"] += kills


@pytest.mark.slow
def test_publish_to_s3_killed_anywhere_leaves_a_consistent_site(
    tmp_path: Path, aws_env: None, moto_url: str, unique_name: str
) -> None:
    versions = two_versions(tmp_path)
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_url)
    client.create_bucket(Bucket=unique_name)

    def live() -> dict[str, bytes]:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=unique_name, Prefix="www/")
        keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
        return {
            key[4:]: client.get_object(Bucket=unique_name, Key=key)["Body"].read()
            for key in keys
            if key != f"www/{MANIFEST_NAME}"
        }

    kills = kill_every_operation(versions, f"s3://{unique_name}/www", live, moto_url, step=3, s3_client=client)
    TOTALS["kill points tried (publish to S3)"] += kills
