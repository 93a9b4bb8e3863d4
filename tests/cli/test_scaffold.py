"""`statusgen init` gives a repository that deploys: its workflows' steps, run as shell in order from
a fresh `init` with moto's server standing in for AWS, put the bundle in the data bucket and the page
in the site bucket; locally the same statuspage.yaml builds into folders."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from click.testing import CliRunner

from checker.secrets import expand_text
from site_builder.cli import main
from site_builder.start.new_site import init_site, statusgen_version

BIN = Path(sys.executable).parent  # where the installed `statusgen` command is
REGION = "eu-west-1"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def evaluate(expression: str, context: Mapping[str, Mapping[str, str]]) -> str:
    """The subset of GitHub's expressions the scaffold uses: `vars.X`, `secrets.X`, `a || 'b'`;
    an unset variable or secret is the empty string, as on GitHub."""
    for alternative in (part.strip() for part in expression.split("||")):
        if alternative.startswith("'"):
            value = alternative.strip("'")
        else:
            scope, _, name = alternative.partition(".")
            value = context[scope].get(name, "")
        if value:
            return value
    return ""


def substitute(text: str, context: Mapping[str, Mapping[str, str]]) -> str:
    return EXPRESSION.sub(lambda m: evaluate(m[1], context), text)


def run_workflow(
    path: Path, repo: Path, *, context: Mapping[str, Mapping[str, str]], env: Mapping[str, str]
) -> list[str]:
    """Every job's `run:` steps in order, as bash in `repo`, with the job's env; `uses:` steps are
    skipped and the install step is checked and skipped (the package is installed already).
    Returns the commands run."""
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    ran = []
    for job in workflow["jobs"].values():
        job_env = {**env, **{k: substitute(str(v), context) for k, v in job.get("env", {}).items()}}
        for step in job["steps"]:
            if "run" not in step:
                continue
            command = substitute(step["run"], context)
            if "pip install" in command:
                assert command == 'python -m pip install "$STATUSGEN_PACKAGE"'
                assert job_env["STATUSGEN_PACKAGE"] == f"statusgen=={statusgen_version()}"
                continue
            result = subprocess.run(
                ["bash", "-eo", "pipefail", "-c", command],
                cwd=repo,
                env=job_env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0, f"{step.get('name', command)}:\n{result.stdout}{result.stderr}"
            assert "Traceback" not in result.stderr
            ran.append(command)
    return ran


def clean_env(**extra: str) -> dict[str, str]:
    """A CI runner's environment: no AWS settings of the person running the tests leak in."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STATUSGEN_"))}
    return {**kept, "PATH": f"{BIN}{os.pathsep}{kept.get('PATH', '')}", **extra}


@pytest.mark.slow
def test_the_generated_publish_workflow_deploys_to_s3(tmp_path: Path, moto_url: str, unique_name: str) -> None:
    repo = tmp_path / "my-status"
    init_site(repo)
    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto_url, **_keys(credentials))
    # Buckets of this test's own on the server the worker's tests share.
    data_bucket, site_bucket = f"{unique_name}-data", f"{unique_name}-site"
    for name in (data_bucket, site_bucket):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    cloudfront = boto3.client("cloudfront", region_name="us-east-1", endpoint_url=moto_url, **_keys(credentials))
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": unique_name,
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "site",
                        "DomainName": f"{site_bucket}.s3.amazonaws.com",
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
    )["Distribution"]["Id"]
    context = {
        "vars": {
            "AWS_REGION": REGION,
            "STATUSGEN_DEPLOY_ROLE": "arn:aws:iam::123456789012:role/deploy",
            "STATUSGEN_STORE": f"s3://{data_bucket}",
            "STATUSGEN_PUBLISH": f"s3://{site_bucket}",
            "STATUSGEN_DISTRIBUTION": distribution,
        },
        "secrets": {"STATUSGEN_TOKEN_SECRET": "a" * 40},
    }
    # What aws-actions/configure-aws-credentials leaves behind, pointed at moto.
    env = clean_env(AWS_ENDPOINT_URL=moto_url, AWS_REGION=REGION, AWS_DEFAULT_REGION=REGION, **credentials)

    ran = run_workflow(repo / ".github" / "workflows" / "publish.yml", repo, context=context, env=env)

    assert ran == [
        "statusgen validate --format github",
        "statusgen compile --to-store --out bundle.json",
        "statusgen build",
    ]
    bundle = json.loads(s3.get_object(Bucket=data_bucket, Key="bundle.json")["Body"].read())
    assert [c["id"] for c in bundle["components"]] == ["api", "website", "support"]
    page = s3.get_object(Bucket=site_bucket, Key="index.html")["Body"].read().decode()
    assert "Example" in page
    assert "api/v2/summary.json" in {o["Key"] for o in s3.list_objects_v2(Bucket=site_bucket)["Contents"]}
    invalidations = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
    assert invalidations["Quantity"] >= 1
    # Nothing was written locally: the defaults were not used.
    assert not (repo / "public").exists() and not (repo / "data").exists()


def _keys(credentials: Mapping[str, str]) -> dict[str, Any]:
    return {
        "aws_access_key_id": credentials["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": credentials["AWS_SECRET_ACCESS_KEY"],
    }


def test_the_pull_request_workflow_builds_a_preview_without_aws(tmp_path: Path) -> None:
    repo = tmp_path / "my-status"
    init_site(repo)
    ran = run_workflow(
        repo / ".github" / "workflows" / "pull-request.yml", repo, context={"vars": {}, "secrets": {}}, env=clean_env()
    )
    assert ran == ["statusgen validate --format github", "statusgen build --out preview --no-notify"]
    assert (repo / "preview" / "index.html").is_file()


def test_unset_repository_variables_fall_back_to_local_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GitHub passes a variable nobody set as an empty string: `${NAME:-default}` takes the default."""
    assert expand_text("${STATUSGEN_STORE:-./data}", {"STATUSGEN_STORE": ""}) == "./data"
    assert expand_text("${STATUSGEN_STORE:-./data}", {}) == "./data"
    assert expand_text("${STATUSGEN_STORE:-./data}", {"STATUSGEN_STORE": "s3://b"}) == "s3://b"
    assert expand_text("${STATUSGEN_DISTRIBUTION:-}", {"STATUSGEN_DISTRIBUTION": ""}) == ""
    assert expand_text("${EMPTY}", {"EMPTY": ""}) == ""  # without a default, empty stays empty

    repo = tmp_path / "my-status"
    init_site(repo)
    for name in ("STATUSGEN_STORE", "STATUSGEN_PUBLISH", "STATUSGEN_DISTRIBUTION"):
        monkeypatch.setenv(name, "")
    result = CliRunner().invoke(main, ["build", "--root", str(repo), "--no-notify"])
    assert result.exit_code == 0, result.output
    assert (repo / "public" / "index.html").is_file()


def test_the_workflows_pass_every_variable_and_secret_the_build_reads(tmp_path: Path) -> None:
    repo = tmp_path / "my-status"
    init_site(repo)
    publish = yaml.safe_load((repo / ".github/workflows/publish.yml").read_text())["jobs"]["publish"]
    config = json.dumps(yaml.safe_load((repo / "statuspage.yaml").read_text()))  # values, not comments
    referenced = set(re.findall(r"\$\{([A-Z_]+)(?::-[^}]*)?\}", config))
    assert referenced == {"STATUSGEN_STORE", "STATUSGEN_PUBLISH", "STATUSGEN_DISTRIBUTION"}
    # Subscriber mail is signed with ${STATUSGEN_TOKEN_SECRET} (the default of subscribers.token_secret).
    assert referenced | {"STATUSGEN_TOKEN_SECRET"} <= set(publish["env"])
    assert publish["env"]["STATUSGEN_TOKEN_SECRET"] == "${{ secrets.STATUSGEN_TOKEN_SECRET }}"


def test_the_workflows_pin_the_version_that_wrote_them_and_take_another_source(tmp_path: Path) -> None:
    repo = tmp_path / "my-status"
    init_site(repo)
    for name in ("publish.yml", "pull-request.yml"):
        workflow = yaml.safe_load((repo / ".github/workflows" / name).read_text())
        (job,) = workflow["jobs"].values()
        package = job["env"]["STATUSGEN_PACKAGE"]
        assert package == f"${{{{ vars.STATUSGEN_PACKAGE || 'statusgen=={statusgen_version()}' }}}}"
        context = {"vars": {"STATUSGEN_PACKAGE": "git+https://github.com/acme/statusgen@v9"}, "secrets": {}}
        assert substitute(package, context) == "git+https://github.com/acme/statusgen@v9"
        steps = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
        assert steps[0]["with"]["cache-dependency-path"] == f".github/workflows/{name}"


def test_init_into_an_existing_repository_ignores_data_and_outbox(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".gitignore").write_text("node_modules/\ndata/")
    written = init_site(repo)
    lines = (repo / ".gitignore").read_text().splitlines()
    assert lines[0] == "node_modules/"
    assert lines.count("data/") == 1 and "outbox/" in lines and "public/" in lines
    assert repo / ".gitignore" in written
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        (repo / "outbox").mkdir()
        (repo / "outbox" / "confirm.eml").write_text("To: someone@example.com\n")
        (repo / "data").mkdir()
        (repo / "data" / "bundle.json").write_text("{}")
        ignored = subprocess.run(
            ["git", "check-ignore", "outbox/confirm.eml", "data/bundle.json"], cwd=repo, capture_output=True, text=True
        )
        assert ignored.stdout.split() == ["outbox/confirm.eml", "data/bundle.json"]
