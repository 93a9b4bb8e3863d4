"""What the published site holds is decided by the target, not by the local build state: with the
build cache or the whole `.statusgen/` folder lost (an interrupted build, a fresh CI clone), a
removed incident still leaves the page, the feeds and the JSON API on the next build, a no-op
rebuild writes and uploads nothing, and the site is written once, straight into its target."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from site_builder.content.site import PARSED_CACHE, compile_bundle
from site_builder.pipeline import WORK_DIR, build_and_publish
from site_builder.publish.manifest import MANIFEST_NAME

SITE = Path(__file__).parent.parent / "fixtures" / "api" / "site"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
REMOVED = "2026-11-20-api-errors"
TITLE = b"Elevated API error rates"
FOREIGN = "CNAME"
"""A file put at the target by someone else: statusgen did not publish it, so it never deletes it."""


@dataclass
class Target:
    """A publish target and a way to read everything it serves."""

    location: str
    files: Callable[[], dict[str, bytes]]
    put_foreign: Callable[[], None]
    s3: Any = None


def folder_target(root: Path) -> Target:
    public = root / "public"

    def files() -> dict[str, bytes]:
        return {p.relative_to(public).as_posix(): p.read_bytes() for p in public.rglob("*") if p.is_file()}

    def put_foreign() -> None:
        public.mkdir()
        (public / FOREIGN).write_text("status.example.test\n")

    return Target("public", files, put_foreign)


def s3_target(s3: Any, bucket: str = "status-site") -> Target:
    s3.create_bucket(Bucket=bucket)

    def files() -> dict[str, bytes]:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="www/")
        keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
        return {key[len("www/") :]: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}

    def put_foreign() -> None:
        s3.put_object(Bucket=bucket, Key=f"www/{FOREIGN}", Body=b"status.example.test\n")

    return Target(f"s3://{bucket}/www", files, put_foreign, s3)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SITE, tmp_path / "site"))


@pytest.fixture(params=["folder", "s3"])
def target(request: pytest.FixtureRequest, root: Path) -> Target:
    if request.param == "folder":
        return folder_target(root)
    request.getfixturevalue("aws")
    return s3_target(boto3.client("s3", region_name="us-east-1"))


def build(root: Path, target: Target) -> None:
    build_and_publish(root, out=target.location, now=NOW, notify=False, s3_client=target.s3)


def removed_incident_id(root: Path) -> str:
    return next(i.id for i in compile_bundle(root).incidents if i.slug == REMOVED)


def mentions(files: dict[str, bytes], slug: str, incident_id: str) -> list[str]:
    """Every served file that still names the incident: its page, its API file, a list, a feed."""
    return sorted(
        path for path, data in files.items() if slug.encode() in data or incident_id.encode() in data or TITLE in data
    )


def lose_build_state(root: Path, how: str) -> None:
    """What an interrupted build leaves (no cache), or a fresh clone (no `.statusgen/` at all)."""
    if how == "cache file":
        (root / WORK_DIR / "build-cache.json").unlink()
    else:
        shutil.rmtree(root / WORK_DIR)


def writes_under(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under `root` with its inode and modification time: any write changes one."""
    return {
        p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize("lost", ["cache file", "work folder"])
def test_a_removed_incident_leaves_every_output_when_the_build_state_is_lost(
    root: Path, target: Target, lost: str
) -> None:
    incident_id = removed_incident_id(root)
    target.put_foreign()
    build(root, target)
    before = target.files()
    assert f"incidents/{REMOVED}/index.html" in before and f"api/v2/incidents/{incident_id}.json" in before
    assert {"index.html", "history.rss", "history.atom", "api/v2/incidents.json"} <= set(
        mentions(before, REMOVED, incident_id)
    )

    lose_build_state(root, lost)
    (root / "incidents" / f"{REMOVED}.md").unlink()
    build(root, target)

    after = target.files()
    assert mentions(after, REMOVED, incident_id) == []
    ids = [incident["id"] for incident in json.loads(after["api/v2/incidents.json"])["incidents"]]
    assert ids and incident_id not in ids
    assert not any(path.startswith(f"incidents/{REMOVED}/") for path in after)
    assert after[FOREIGN] == b"status.example.test\n"  # not statusgen's: never deleted
    # The manifest names the site's own files and nothing else: no local path, no build state.
    manifest = json.loads(after[MANIFEST_NAME])
    assert set(manifest) == {"format", "files", "pending"} and manifest["pending"] == []
    assert set(manifest["files"]) == set(after) - {MANIFEST_NAME, FOREIGN}
    assert all(size == len(after[path]) for path, (_, size) in manifest["files"].items())


def test_a_removed_incident_leaves_an_s3_site_served_over_http(
    root: Path, aws_env: None, moto_url: str, unique_name: str
) -> None:
    target = s3_target(boto3.client("s3", region_name="us-east-1", endpoint_url=moto_url), unique_name)
    incident_id = removed_incident_id(root)
    build(root, target)
    assert mentions(target.files(), REMOVED, incident_id)
    lose_build_state(root, "cache file")
    (root / "incidents" / f"{REMOVED}.md").unlink()
    build(root, target)
    assert mentions(target.files(), REMOVED, incident_id) == []


def test_a_cold_build_writes_the_site_once_straight_into_its_target(root: Path) -> None:
    build(root, folder_target(root))
    written = {path for path in writes_under(root) if not (SITE / path).is_file()}
    site = {f"public/{path}" for path in folder_target(root).files()}
    # No copy of the site anywhere else (no staging folder): the build state is the caches alone.
    assert written == site | {f"{WORK_DIR}/build-cache.json", PARSED_CACHE.as_posix()}


def test_a_no_op_rebuild_writes_and_uploads_nothing_even_without_the_cache(root: Path, target: Target) -> None:
    build(root, target)
    calls: list[str] = []
    if target.s3 is not None:
        for operation in ("PutObject", "DeleteObject", "DeleteObjects"):
            target.s3.meta.events.register(f"before-call.s3.{operation}", lambda model, **_: calls.append(model.name))
    before = writes_under(root)
    shutil.rmtree(root / WORK_DIR)  # a fresh clone: every file is rendered, none is written
    build(root, target)
    after = writes_under(root)
    assert {path for path in after if after[path] != before.get(path)} == {
        f"{WORK_DIR}/build-cache.json",
        PARSED_CACHE.as_posix(),
    }
    build(root, target)
    assert writes_under(root) == after
    assert calls == []
