"""Publishing to a folder and to S3 (moto): only changes, right headers, safe order, one invalidation."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from checker.errors import PublishError
from site_builder.publish.headers import IMMUTABLE, SHORT_LIVED, cache_control, content_type
from site_builder.publish.manifest import MANIFEST_NAME
from site_builder.publish.publisher import publish

CSS_V1 = "assets/style.0a1b2c3d.css"
CSS_V2 = "assets/style.9f8e7d6c.css"


def write(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def site_v1(root: Path) -> Path:
    return write(
        root,
        {
            CSS_V1: "body{color:#111}",
            "index.html": f'<link rel="stylesheet" href="/{CSS_V1}"><a href="incidents/old/">old</a>',
            "incidents/old/index.html": f'<link rel="stylesheet" href="/{CSS_V1}">old incident',
            "api/v2/status.json": '{"status":{"indicator":"none"}}',
            "history.rss": "<rss/>",
            "metrics": "# TYPE probe_success gauge\n",
            "maintenance.ics": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            "badges/api/status.svg": "<svg/>",
        },
    )


def site_v2(root: Path) -> Path:
    """v1 with a new stylesheet, a changed index, a new incident page and the old one gone."""
    return write(
        root,
        {
            CSS_V2: "body{color:#000}",
            "index.html": f'<link rel="stylesheet" href="/{CSS_V2}"><a href="incidents/new/">new</a>',
            "incidents/new/index.html": f'<link rel="stylesheet" href="/{CSS_V2}">new incident',
            "api/v2/status.json": '{"status":{"indicator":"minor"}}',
            "history.rss": "<rss/>",
            "metrics": "# TYPE probe_success gauge\n",
            "maintenance.ics": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            "badges/api/status.svg": "<svg/>",
        },
    )


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file with its inode and modification time: any write changes one of them."""
    return {
        p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()
    }


def manifest_of(data: bytes) -> dict[str, str]:
    """Path -> SHA-256 of the files a manifest records as live."""
    return {path: sha for path, (sha, _) in json.loads(data)["files"].items()}


def pending_of(data: bytes) -> list[str]:
    """The paths a manifest marks as statusgen's, with bytes not known to be live."""
    return list(json.loads(data)["pending"])


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- folder ---------------------------------------------------------------------------------------


def test_first_publish_writes_everything_assets_first_and_the_index_last(tmp_path: Path) -> None:
    built = site_v1(tmp_path / "build")
    report = publish(built, "public", base=tmp_path)
    live = tmp_path / "public"
    assert report.uploaded[0] == CSS_V1
    assert report.uploaded[-2:] == ["incidents/old/index.html", "index.html"]
    assert set(report.uploaded) == {p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()}
    for path in report.uploaded:
        assert (live / path).read_bytes() == (built / path).read_bytes()
    assert manifest_of((live / MANIFEST_NAME).read_bytes()) == {p: sha(built / p) for p in report.uploaded}
    assert str(report) == "published to public: 8 uploaded, 0 deleted, 0 unchanged"


def test_publishing_the_same_site_again_writes_nothing(tmp_path: Path) -> None:
    built = site_v1(tmp_path / "build")
    publish(built, "public", base=tmp_path)
    before = snapshot(tmp_path / "public")
    report = publish(built, "public", base=tmp_path)
    assert report.uploaded == [] and report.deleted == [] and report.unchanged == 8
    assert snapshot(tmp_path / "public") == before


def test_only_changes_are_written_and_removed_files_are_deleted_last(tmp_path: Path) -> None:
    publish(site_v1(tmp_path / "v1"), "public", base=tmp_path)
    live = tmp_path / "public"
    unchanged_before = snapshot(live)["history.rss"]
    report = publish(site_v2(tmp_path / "v2"), "public", base=tmp_path)
    assert report.uploaded == [CSS_V2, "api/v2/status.json", "incidents/new/index.html", "index.html"]
    assert report.deleted == [CSS_V1, "incidents/old/index.html"]
    assert not (live / CSS_V1).exists() and not (live / "incidents" / "old").exists()  # folder pruned
    assert snapshot(live)["history.rss"] == unchanged_before
    assert set(manifest_of((live / MANIFEST_NAME).read_bytes())) == {
        p.relative_to(tmp_path / "v2").as_posix() for p in (tmp_path / "v2").rglob("*") if p.is_file()
    }


def test_a_failed_publish_leaves_the_live_site_whole_and_the_next_one_finishes_it(tmp_path: Path) -> None:
    publish(site_v1(tmp_path / "v1"), "public", base=tmp_path)
    live = tmp_path / "public"
    old_index = (live / "index.html").read_bytes()
    (live / "incidents" / "new").write_text("a file where the new page's folder must go")
    with pytest.raises(PublishError, match=r"^public: cannot write incidents/new/index.html"):
        publish(site_v2(tmp_path / "v2"), "public", base=tmp_path)
    # The new stylesheet is up, the old index still works with the old one, nothing was deleted.
    assert (live / "index.html").read_bytes() == old_index
    assert (live / CSS_V1).exists() and (live / CSS_V2).exists()
    manifest = manifest_of((live / MANIFEST_NAME).read_bytes())
    assert manifest[CSS_V2] == sha(tmp_path / "v2" / CSS_V2)
    assert manifest["history.rss"] == sha(tmp_path / "v1" / "history.rss")
    # What the publish was about to write is still its own, with bytes it no longer vouches for.
    assert {"index.html", "incidents/new/index.html"} <= set(pending_of((live / MANIFEST_NAME).read_bytes()))
    assert "index.html" not in manifest and "incidents/new/index.html" not in manifest
    (live / "incidents" / "new").unlink()
    report = publish(tmp_path / "v2", "public", base=tmp_path)
    assert report.uploaded == ["incidents/new/index.html", "index.html"]
    assert report.deleted == [CSS_V1, "incidents/old/index.html"]


def test_publish_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="there is no built site to publish"):
        publish(tmp_path / "missing", "public", base=tmp_path)
    built = site_v1(tmp_path / "build")
    with pytest.raises(PublishError, match=r"^ftp://host/x: publish to a folder or to s3://bucket/prefix$"):
        publish(built, "ftp://host/x", base=tmp_path)
    with pytest.raises(PublishError, match="the publish folder is the build folder"):
        publish(built, "build", base=tmp_path)


def test_only_fingerprinted_names_are_cached_for_a_year() -> None:
    assert cache_control("assets/style.0a1b2c3d4e.css") == IMMUTABLE
    # A component or incident id may end in hex digits; its files change in place.
    assert cache_control("api/components/db-deadbeef01.json") == SHORT_LIVED
    assert cache_control("incidents/2026-11-22-cafebabe/index.html") == SHORT_LIVED
    assert content_type("robots.txt") == "text/plain; charset=utf-8"
    assert content_type("components/api/feed.atom") == "application/atom+xml"
    assert content_type("logo.unknown") == "application/octet-stream"


# --- S3 and CloudFront (moto) -----------------------------------------------------------------------


def bucket(name: str = "status-site") -> Any:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=name)
    return s3


def distribution() -> tuple[Any, str]:
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    answer = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "test",
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "site",
                        "DomainName": "status-site.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "site",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            },
        }
    )
    return cloudfront, answer["Distribution"]["Id"]


def count_puts(s3: Any) -> list[str]:
    keys: list[str] = []
    s3.meta.events.register("before-call.s3.PutObject", lambda params, **_: keys.append(params["url_path"]))
    return keys


@pytest.mark.usefixtures("aws")
def test_s3_publish_sets_content_type_and_cache_control(tmp_path: Path) -> None:
    s3 = bucket()
    report = publish(site_v1(tmp_path / "build"), "s3://status-site/www", base=tmp_path, s3_client=s3)
    assert report.target == "s3://status-site/www"
    expected = {
        CSS_V1: ("text/css; charset=utf-8", IMMUTABLE),
        "index.html": ("text/html; charset=utf-8", SHORT_LIVED),
        "api/v2/status.json": ("application/json", SHORT_LIVED),
        "history.rss": ("application/rss+xml", SHORT_LIVED),
        "maintenance.ics": ("text/calendar; charset=utf-8", SHORT_LIVED),
        "metrics": ("text/plain; version=0.0.4; charset=utf-8", SHORT_LIVED),
        "badges/api/status.svg": ("image/svg+xml", SHORT_LIVED),
    }
    for path, headers in expected.items():
        head = s3.head_object(Bucket="status-site", Key=f"www/{path}")
        assert (head["ContentType"], head["CacheControl"]) == headers, path
    body = s3.get_object(Bucket="status-site", Key=f"www/{MANIFEST_NAME}")["Body"].read()
    assert set(manifest_of(body)) == set(report.uploaded)


@pytest.mark.usefixtures("aws")
def test_s3_no_op_publish_uploads_nothing_and_invalidates_nothing(tmp_path: Path) -> None:
    s3 = bucket()
    cloudfront, distribution_id = distribution()
    built = site_v1(tmp_path / "build")
    first = publish(
        built,
        "s3://status-site",
        base=tmp_path,
        s3_client=s3,
        cloudfront_distribution=distribution_id,
        cloudfront_client=cloudfront,
    )
    assert first.invalidation_id is not None
    puts = count_puts(s3)
    again = publish(
        built,
        "s3://status-site",
        base=tmp_path,
        s3_client=s3,
        cloudfront_distribution=distribution_id,
        cloudfront_client=cloudfront,
    )
    assert puts == [] and again.uploaded == [] and again.invalidation_id is None
    listed = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"]
    assert listed["Quantity"] == 1


@pytest.mark.usefixtures("aws")
def test_s3_changes_are_uploaded_deleted_and_invalidated_in_one_batch(tmp_path: Path) -> None:
    s3 = bucket()
    cloudfront, distribution_id = distribution()
    publish(site_v1(tmp_path / "v1"), "s3://status-site/www", base=tmp_path, s3_client=s3)
    puts = count_puts(s3)
    report = publish(
        site_v2(tmp_path / "v2"),
        "s3://status-site/www",
        base=tmp_path,
        s3_client=s3,
        cloudfront_distribution=distribution_id,
        cloudfront_client=cloudfront,
    )
    assert len(puts) == 6  # four changed files, and the manifest before and after them
    assert report.deleted == [CSS_V1, "incidents/old/index.html"]
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="status-site")["Contents"]}
    assert f"www/{CSS_V1}" not in keys and f"www/{CSS_V2}" in keys
    invalidation = cloudfront.get_invalidation(DistributionId=distribution_id, Id=report.invalidation_id)
    paths = invalidation["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]
    # Changed and deleted pages, with directory indexes also at their folder; new hashed assets
    # need none (nothing can have cached a name that did not exist).
    assert sorted(paths) == sorted(
        [
            "/",
            "/index.html",
            "/api/v2/status.json",
            "/incidents/new/",
            "/incidents/new/index.html",
            "/incidents/old/",
            "/incidents/old/index.html",
            f"/{CSS_V1}",
        ]
    )


class FailingPages:
    """An S3 client that refuses HTML uploads, as S3 might mid-way through a publish."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def put_object(self, **kwargs: Any) -> Any:
        if kwargs["Key"].endswith(".html"):
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "slow down"}}, "PutObject")
        return self.client.put_object(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


@pytest.mark.usefixtures("aws")
def test_s3_failure_mid_way_keeps_old_pages_with_their_assets(tmp_path: Path) -> None:
    s3 = bucket()
    cloudfront, distribution_id = distribution()
    publish(site_v1(tmp_path / "v1"), "s3://status-site", base=tmp_path, s3_client=s3)
    with pytest.raises(PublishError, match=r"^s3://status-site: cannot upload .*index.html: SlowDown$"):
        publish(
            site_v2(tmp_path / "v2"),
            "s3://status-site",
            base=tmp_path,
            s3_client=FailingPages(s3),
            cloudfront_distribution=distribution_id,
            cloudfront_client=cloudfront,
        )
    # What was written is still refreshed in the CDN.
    listed = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"]["Items"]
    batch = cloudfront.get_invalidation(DistributionId=distribution_id, Id=listed[0]["Id"])
    assert batch["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == ["/api/v2/status.json"]
    index = s3.get_object(Bucket="status-site", Key="index.html")["Body"].read().decode()
    assert CSS_V1 in index
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="status-site")["Contents"]}
    assert {CSS_V1, CSS_V2, "incidents/old/index.html"} <= keys  # nothing deleted
    body = s3.get_object(Bucket="status-site", Key=MANIFEST_NAME)["Body"].read()
    assert manifest_of(body)["api/v2/status.json"] == sha(tmp_path / "v2" / "api/v2/status.json")
    assert "index.html" in pending_of(body)
    report = publish(tmp_path / "v2", "s3://status-site", base=tmp_path, s3_client=s3)
    assert report.uploaded == ["incidents/new/index.html", "index.html"]


def test_s3_publish_over_http_to_a_moto_server(tmp_path: Path, aws_env: None, moto_url: str, unique_name: str) -> None:
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_url)
    s3.create_bucket(Bucket=unique_name)
    built = site_v1(tmp_path / "build")
    first = publish(built, f"s3://{unique_name}/www", base=tmp_path, s3_client=s3)
    again = publish(built, f"s3://{unique_name}/www", base=tmp_path, s3_client=s3)
    assert len(first.uploaded) == 8 and again.uploaded == []
    head = s3.head_object(Bucket=unique_name, Key=f"www/{CSS_V1}")
    assert head["CacheControl"] == IMMUTABLE
