"""`statusgen deploy` from a fresh `statusgen init`, run as a user runs it, against moto's server.

moto creates the stack's buckets, queues, topics and log groups but not what the SAM transform
makes (the functions) nor CloudFront, so these tests see the artifacts uploaded, the stack created,
the bundle stored and the page published; invoking the checker is not emulated (docs/deploy.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest

from site_builder.deploy.first_run import next_steps
from site_builder.deploy.stack import Stack
from site_builder.start.new_site import init_site

STATUSGEN = str(Path(sys.executable).with_name("statusgen"))
REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's
ARTIFACTS = f"statusgen-artifacts-{ACCOUNT}-{REGION}"

pytestmark = [
    pytest.mark.slow,
    # moto's server (in this process) warns for each resource type it does not emulate.
    pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning"),
]


def _deploy(repo: Path, moto_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STATUSGEN_"))}
    env.update(
        AWS_ENDPOINT_URL=moto_url, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION=REGION
    )
    return subprocess.run(
        [STATUSGEN, "deploy", "--root", str(repo), "--package", "dist/lambda.zip", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "my-status"
    init_site(repo)
    (repo / "dist").mkdir()
    with zipfile.ZipFile(repo / "dist" / "lambda.zip", "w") as code:
        code.writestr("site_builder/__init__.py", "")
    return repo


def _clients(moto_url: str) -> tuple[object, object]:
    keys = {
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
        "endpoint_url": moto_url,
        "region_name": REGION,
    }
    return boto3.client("s3", **keys), boto3.client("cloudformation", **keys)


def test_deploy_creates_the_stack_and_publishes_the_page(tmp_path: Path, moto_url: str) -> None:
    repo = _repo(tmp_path)
    result = _deploy(repo, moto_url, "--stack-name", "page-one", "--parameter", "AlarmEmail=oncall@example.com")
    assert result.returncode == 0, result.stderr
    s3, cloudformation = _clients(moto_url)

    # The zip and the template are in the artifacts bucket, the template pointing at that zip.
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=ARTIFACTS)["Contents"]}  # type: ignore[attr-defined]
    code_key = f"lambda/{hashlib.sha256((repo / 'dist' / 'lambda.zip').read_bytes()).hexdigest()[:32]}.zip"
    assert code_key in keys
    stored_zip = s3.get_object(Bucket=ARTIFACTS, Key=code_key)["Body"].read()  # type: ignore[attr-defined]
    assert stored_zip == (repo / "dist" / "lambda.zip").read_bytes()
    templates = [k for k in keys if k.startswith("templates/")]
    bodies = [s3.get_object(Bucket=ARTIFACTS, Key=k)["Body"].read().decode() for k in templates]  # type: ignore[attr-defined]
    assert any(f"CodeUri: s3://{ARTIFACTS}/{code_key}" in body for body in bodies)
    # The template is the one `statusgen init` wrote into the repository.
    assert re.search(r"^\./infra/template\.yaml: (uploaded to|already in) s3://", result.stdout, re.MULTILINE)

    stack = cloudformation.describe_stacks(StackName="page-one")["Stacks"][0]  # type: ignore[attr-defined]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert {"ParameterKey": "AlarmEmail", "ParameterValue": "oncall@example.com"} in stack["Parameters"]
    resources = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cloudformation.list_stack_resources(StackName="page-one")["StackResourceSummaries"]
    }  # type: ignore[attr-defined]

    # The bundle is where the checker reads it, and the page is in the site bucket.
    bundle = json.loads(s3.get_object(Bucket=resources["DataBucket"], Key="bundle.json")["Body"].read())  # type: ignore[attr-defined]
    assert [c["id"] for c in bundle["components"]] == ["api", "website", "support"]
    page = s3.get_object(Bucket=resources["SiteBucket"], Key="index.html")["Body"].read().decode()  # type: ignore[attr-defined]
    assert "<title>" in page and "Example" in page
    # Nothing went to the local defaults, and the output says what to set in the repository.
    assert not (repo / "public").exists() and not (repo / "data").exists()
    assert f"gh variable set STATUSGEN_STORE --body s3://{resources['DataBucket']}" in result.stdout
    assert f"gh variable set STATUSGEN_PUBLISH --body s3://{resources['SiteBucket']}" in result.stdout
    assert "Traceback" not in result.stderr

    # The same code deployed again (here as a second stack: moto cannot update this template's
    # stack) uploads nothing new.
    again = _deploy(repo, moto_url, "--stack-name", "page-one-again", "--no-first-run")
    assert again.returncode == 0, again.stderr
    assert again.stdout.count(f"already in s3://{ARTIFACTS}/") == 2
    assert {o["Key"] for o in s3.list_objects_v2(Bucket=ARTIFACTS)["Contents"]} == keys  # type: ignore[attr-defined]


def test_a_page_that_would_not_use_the_stack_is_refused_in_one_line(tmp_path: Path, moto_url: str) -> None:
    repo = _repo(tmp_path)
    config = repo / "statuspage.yaml"
    config.write_text(config.read_text().replace("store: ${STATUSGEN_STORE:-./data}", "store: ./data"))
    result = _deploy(repo, moto_url, "--stack-name", "page-two")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ./statuspage.yaml: `store` is './data', not the stack's 's3://")
    assert "store: ${STATUSGEN_STORE:-./data}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_broken_content_stops_the_deploy_before_aws(tmp_path: Path, moto_url: str) -> None:
    repo = _repo(tmp_path)
    config = repo / "statuspage.yaml"
    config.write_text(config.read_text().replace("interval: 60", "interval: soon"))
    result = _deploy(repo, moto_url, "--stack-name", "page-three")
    assert result.returncode == 1
    assert "statuspage.yaml:" in result.stderr and "interval" in result.stderr
    _, cloudformation = _clients(moto_url)
    stacks = cloudformation.list_stacks()["StackSummaries"]  # type: ignore[attr-defined]
    assert "page-three" not in {s["StackName"] for s in stacks}


def test_a_missing_zip_is_named(tmp_path: Path, moto_url: str) -> None:
    repo = _repo(tmp_path)
    (repo / "dist" / "lambda.zip").unlink()
    result = _deploy(repo, moto_url, "--stack-name", "page-four")
    assert result.returncode == 1
    assert result.stderr.strip() == ("error: ./dist/lambda.zip: no such file; build it with `statusgen package`")


def test_the_closing_lines_give_the_page_dns_and_workflow_variables() -> None:
    stack = Stack(
        name="statusgen",
        region=REGION,
        status="CREATE_COMPLETE",
        resources={},
        outputs={
            "PageUrl": "https://status.example.com",
            "DistributionDomainName": "d111.cloudfront.net",
            "HeartbeatUrl": "https://hb.lambda-url.eu-west-1.on.aws/",
            "DataBucketName": "data-1",
            "SiteBucketName": "site-1",
            "DistributionId": "E2ABC",
            "DeployRoleArn": "arn:aws:iam::1:role/d",
        },
    )
    lines = next_steps(stack)
    assert "  page: https://status.example.com" in lines
    assert "  DNS: status.example.com CNAME d111.cloudfront.net (or a Route 53 alias record)" in lines
    assert "  heartbeats: https://hb.lambda-url.eu-west-1.on.aws/" in lines
    assert lines[-5:] == [
        "  gh variable set AWS_REGION --body eu-west-1",
        "  gh variable set STATUSGEN_DEPLOY_ROLE --body arn:aws:iam::1:role/d",
        "  gh variable set STATUSGEN_STORE --body s3://data-1",
        "  gh variable set STATUSGEN_PUBLISH --body s3://site-1",
        "  gh variable set STATUSGEN_DISTRIBUTION --body E2ABC",
    ]
