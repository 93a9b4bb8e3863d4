"""`statusgen deploy`: from a configured repository to a running stack in one command.

Each step prints one line: validate the content; build the Lambda zip (or take the one given);
upload it, named by its digest, to an artifacts bucket; create or update the CloudFormation stack
through a change set (the SAM transform in `infra/template.yaml` runs inside CloudFormation, so
neither the SAM CLI nor Docker is needed); store the bundle in the data bucket; invoke the checker
once; build and publish the page; then say what a person needs next (the page's URL, the DNS
record, the heartbeat and subscribe URLs, the repository variables of the publish workflow).

A second deploy with nothing changed uploads nothing and changes nothing: the zip and the
template are stored under their digests, and an empty change set is dropped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.errors import ContentError, DeployError, StatusgenError
from site_builder.content import Site, check_site, compile_bundle, load_site
from site_builder.pipeline import build_site_and_publish, shown_path, site_store, store_bundle
from site_builder.shipped import shipped

if TYPE_CHECKING:
    import boto3

TEMPLATE = Path("infra") / "template.yaml"
"""Where the stack's template is, in the page's repository (`statusgen init` writes it)."""
LAMBDA_ZIP = Path("dist") / "lambda.zip"
_CODE_URI = re.compile(r"^(?P<indent>[ \t]+CodeUri:[ \t]*)\S.*$", re.MULTILINE)
_NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
_DONE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}
_FAILED_END = {"CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_COMPLETE",
               "DELETE_FAILED", "UPDATE_ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_FAILED",
               "UPDATE_FAILED", "IMPORT_ROLLBACK_COMPLETE", "IMPORT_ROLLBACK_FAILED"}
_ENV_NAMES = {"store": "STATUSGEN_STORE", "publish": "STATUSGEN_PUBLISH",
              "cloudfront_distribution": "STATUSGEN_DISTRIBUTION"}
_LOCAL_DEFAULTS = {"store": "./data", "publish": "./public", "cloudfront_distribution": ""}


@dataclass(frozen=True)
class DeployOptions:
    root: Path
    stack_name: str
    region: str
    template: Path | None = None
    """Default: `infra/template.yaml` in the repository, else the one in statusgen's source."""
    package: Path | None = None
    """A Lambda zip built before (`statusgen package`); default: build `dist/lambda.zip` now."""
    artifacts_bucket: str | None = None
    """Default: `statusgen-artifacts-<account>-<region>`, created when missing."""
    parameters: Mapping[str, str] = field(default_factory=dict)
    """Template parameters to set; the others keep the stack's current values (or defaults)."""
    first_run: bool = True
    """Invoke the checker and publish the page once the stack is up."""
    poll_seconds: float = 10.0


@dataclass(frozen=True)
class Stack:
    """What the deployed stack says about itself."""

    name: str
    region: str
    status: str
    outputs: dict[str, str]
    resources: dict[str, str]
    """Logical id -> physical id."""

    @property
    def data_bucket(self) -> str | None:
        return self.outputs.get("DataBucketName") or self.resources.get("DataBucket")

    @property
    def site_bucket(self) -> str | None:
        return self.outputs.get("SiteBucketName") or self.resources.get("SiteBucket")

    @property
    def distribution(self) -> str | None:
        return self.outputs.get("DistributionId") or self.resources.get("Distribution")


def deploy_stack(options: DeployOptions, *, now: Callable[[], datetime], echo: Callable[[str], None],
                 session: boto3.Session | None = None) -> Stack:
    """Deploy the repository at `options.root` to its stack; raises DeployError with one line."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    root = options.root
    site, problems = check_site(root, None)
    if site is None:
        raise ContentError(problems)
    echo(f"validated {len(site.bundle.components)} components, {len(site.bundle.incidents)} incidents "
         "and maintenance")
    template = _template(root, options.template)
    package = _lambda_zip(root, options.package, echo)

    session = session or boto3.Session(region_name=options.region)
    try:
        stack = _deploy_to_aws(session, options, template, package, now=now, echo=echo)
    except (BotoCoreError, ClientError, ResponseParserError) as error:
        raise DeployError(f"stack {options.stack_name}: AWS: {_aws_message(error)}") from None
    for line in next_steps(stack):
        echo(line)
    return stack


def _deploy_to_aws(session: boto3.Session, options: DeployOptions, template: Path, package: Path, *,
                   now: Callable[[], datetime], echo: Callable[[str], None]) -> Stack:
    s3 = session.client("s3", region_name=options.region)
    bucket = options.artifacts_bucket or _default_artifacts_bucket(session, options.region)
    _ensure_bucket(s3, bucket, options.region, echo)
    code = package.read_bytes()
    code_key = f"lambda/{_digest(code)}.zip"
    _upload(s3, bucket, code_key, code, echo, shown=shown_path(package))
    body = _with_code(template.read_text(encoding="utf-8"), f"s3://{bucket}/{code_key}", template)
    template_key = f"templates/{_digest(body.encode())}.yaml"
    _upload(s3, bucket, template_key, body.encode(), echo, shown=shown_path(template))
    template_url = f"https://{bucket}.s3.{options.region}.amazonaws.com/{template_key}"

    cloudformation = session.client("cloudformation", region_name=options.region)
    _apply_change_set(cloudformation, options, template_url, now=now, echo=echo)
    stack = _describe(cloudformation, options.stack_name, options.region)
    if options.first_run:
        _first_run(session, stack, options.root, now=now, echo=echo)
    return stack


def _template(root: Path, given: Path | None) -> Path:
    """The template given, else the repository's, else the one this statusgen ships."""
    if given is not None and not given.is_file():
        raise DeployError(f"{shown_path(given)}: no such template")
    if given is not None:
        return given
    return root / TEMPLATE if (root / TEMPLATE).is_file() else shipped("infra", "template.yaml")


def _lambda_zip(root: Path, given: Path | None, echo: Callable[[str], None]) -> Path:
    if given is not None:
        if not given.is_file():
            raise DeployError(f"{shown_path(given)}: no such file; build it with `statusgen package`")
        echo(f"using {shown_path(given)} ({given.stat().st_size / 1e6:.1f} MB)")
        return given
    from site_builder.package import package_lambda

    out = root / LAMBDA_ZIP
    package_lambda(out, arch="arm64", python_version="3.12",
                   progress=lambda step: echo(f"packaging: {step}…"))
    echo(f"packaged {shown_path(out)} ({out.stat().st_size / 1e6:.1f} MB)")
    return out


def _default_artifacts_bucket(session: boto3.Session, region: str) -> str:
    account = session.client("sts", region_name=region).get_caller_identity()["Account"]
    return f"statusgen-artifacts-{account}-{region}"


def _ensure_bucket(s3: Any, bucket: str, region: str, echo: Callable[[str], None]) -> None:
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
        return
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
            raise DeployError(f"s3://{bucket}: {_aws_message(error)}") from None
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **location)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    echo(f"created the artifacts bucket s3://{bucket}")


def _upload(s3: Any, bucket: str, key: str, data: bytes, echo: Callable[[str], None], *,
            shown: str) -> None:
    from botocore.exceptions import ClientError

    try:
        s3.head_object(Bucket=bucket, Key=key)
        echo(f"{shown}: already in s3://{bucket}/{key}")
        return
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey"):
            raise DeployError(f"s3://{bucket}/{key}: {_aws_message(error)}") from None
    s3.put_object(Bucket=bucket, Key=key, Body=data)
    echo(f"{shown}: uploaded to s3://{bucket}/{key}")


def _with_code(template: str, code_uri: str, path: Path) -> str:
    """The template with its functions' `CodeUri` pointing at the uploaded zip."""
    found = _CODE_URI.findall(template)
    if len(found) != 1:
        raise DeployError(f"{shown_path(path)}: expected one `CodeUri:` line (under Globals: "
                          f"Function:), found {len(found)}")
    return _CODE_URI.sub(lambda match: f"{match['indent']}{code_uri}", template)


def _apply_change_set(cloudformation: Any, options: DeployOptions, template_url: str, *,
                      now: Callable[[], datetime], echo: Callable[[str], None]) -> None:
    from botocore.exceptions import ClientError

    exists = _stack_status(cloudformation, options.stack_name)
    if exists == "ROLLBACK_COMPLETE":
        raise DeployError(f"stack {options.stack_name}: its creation failed and was rolled back; delete "
                          f"it (aws cloudformation delete-stack --stack-name {options.stack_name}) and "
                          "deploy again")
    kind = "CREATE" if exists is None else "UPDATE"
    name = f"statusgen-{now().strftime('%Y%m%d%H%M%S')}"
    parameters: list[dict[str, Any]] = [{"ParameterKey": key, "ParameterValue": value}
                                        for key, value in options.parameters.items()]
    if kind == "UPDATE":
        # Parameters not given keep the stack's values rather than returning to the defaults.
        given = set(options.parameters)
        parameters += [{"ParameterKey": p["ParameterKey"], "UsePreviousValue": True}
                       for p in _current_parameters(cloudformation, options.stack_name)
                       if p["ParameterKey"] not in given]
    try:
        cloudformation.create_change_set(
            StackName=options.stack_name, ChangeSetName=name, ChangeSetType=kind,
            TemplateURL=template_url, Parameters=parameters,
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
    except ClientError as error:
        raise DeployError(f"stack {options.stack_name}: {_aws_message(error)}") from None
    change_set = _wait_for_change_set(cloudformation, options, name)
    if change_set is None:
        echo(f"stack {options.stack_name}: up to date, nothing to change")
        return
    changes = len(change_set.get("Changes", []))
    echo(f"stack {options.stack_name}: {'creating' if kind == 'CREATE' else 'updating'} "
         f"({changes} resource change{'s' if changes != 1 else ''})…")
    cloudformation.execute_change_set(StackName=options.stack_name, ChangeSetName=name)
    status = _wait_for_stack(cloudformation, options, echo)
    echo(f"stack {options.stack_name}: {status}")


def _wait_for_change_set(cloudformation: Any, options: DeployOptions, name: str) -> dict[str, Any] | None:
    """The change set once made; None when it holds no change (then it is deleted)."""
    while True:
        change_set: dict[str, Any] = cloudformation.describe_change_set(
            StackName=options.stack_name, ChangeSetName=name)
        status = change_set["Status"]
        if status == "CREATE_COMPLETE":
            return change_set
        if status == "FAILED":
            reason = change_set.get("StatusReason", "")
            if any(text in reason for text in _NO_CHANGES):
                cloudformation.delete_change_set(StackName=options.stack_name, ChangeSetName=name)
                return None
            raise DeployError(f"stack {options.stack_name}: the change set failed: {reason}")
        time.sleep(options.poll_seconds)


def _wait_for_stack(cloudformation: Any, options: DeployOptions, echo: Callable[[str], None]) -> str:
    started = time.monotonic()
    said = started
    while True:
        status = _stack_status(cloudformation, options.stack_name) or "DELETE_COMPLETE"
        if status in _DONE:
            return status
        if status in _FAILED_END:
            raise DeployError(f"stack {options.stack_name}: {status}: "
                              f"{_first_failure(cloudformation, options.stack_name)}")
        if time.monotonic() - said >= 60:
            said = time.monotonic()
            echo(f"stack {options.stack_name}: still {status} after {round(said - started) // 60} min")
        time.sleep(options.poll_seconds)


def _stack_status(cloudformation: Any, name: str) -> str | None:
    from botocore.exceptions import ClientError

    try:
        stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        if "does not exist" in _aws_message(error):
            return None
        raise DeployError(f"stack {name}: {_aws_message(error)}") from None
    status: str = stacks[0]["StackStatus"]
    return None if status == "REVIEW_IN_PROGRESS" else status


def _current_parameters(cloudformation: Any, name: str) -> list[dict[str, Any]]:
    return list(cloudformation.describe_stacks(StackName=name)["Stacks"][0].get("Parameters", []))


def _first_failure(cloudformation: Any, name: str) -> str:
    """The reason of the oldest failed resource of the latest attempt: the cause, not its echoes."""
    events = cloudformation.describe_stack_events(StackName=name)["StackEvents"]
    failed = [e for e in events if e.get("ResourceStatus", "").endswith("_FAILED")]
    if not failed:
        return "see the stack's events in the CloudFormation console"
    first = failed[-1]
    return f"{first['LogicalResourceId']}: {first.get('ResourceStatusReason', 'failed')}"


def _describe(cloudformation: Any, name: str, region: str) -> Stack:
    stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    resources: dict[str, str] = {}
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=name):
        for resource in page["StackResourceSummaries"]:
            if resource.get("PhysicalResourceId"):
                resources[resource["LogicalResourceId"]] = resource["PhysicalResourceId"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", []) if o.get("OutputValue")}
    return Stack(name=name, region=region, status=stack["StackStatus"], outputs=outputs, resources=resources)


def _first_run(session: boto3.Session, stack: Stack, root: Path, *, now: Callable[[], datetime],
               echo: Callable[[str], None]) -> None:
    """Store the bundle, run the checker once and publish the page, into the stack's buckets."""
    if stack.site_bucket is None:
        # A checker in an extra region: it reads the primary stack's bundle and builds no page.
        echo(f"stack {stack.name}: no site bucket (a checker in an extra region)")
        _invoke_checker(session, stack, echo)
        return
    env = {**os.environ, "STATUSGEN_STORE": f"s3://{stack.data_bucket}",
           "STATUSGEN_PUBLISH": f"s3://{stack.site_bucket}", "STATUSGEN_DISTRIBUTION": stack.distribution or ""}
    site = load_site(root, env)
    _require_stack_targets(site, stack)
    echo(f"stored bundle.json in {store_bundle(root, compile_bundle(root), site)}")
    _invoke_checker(session, stack, echo)
    from checker.summary import load_summary

    result = build_site_and_publish(site, load_summary(site_store(site)), out=None, now=now(), notify=True)
    for line in result.lines():
        echo(line)


def _require_stack_targets(site: Site, stack: Stack) -> None:
    """`store:`, `publish:` and `cloudfront_distribution:` must name the stack's, or the page would
    be built into local folders while the stack's buckets stay empty."""
    expected = {"store": f"s3://{stack.data_bucket}", "publish": f"s3://{stack.site_bucket}",
                "cloudfront_distribution": stack.distribution or ""}
    given = {"store": site.config.store.rstrip("/"), "publish": site.config.publish.rstrip("/"),
             "cloudfront_distribution": site.config.cloudfront_distribution or ""}
    for key, value in expected.items():
        if given[key] != value:
            raise DeployError(
                f"{shown_path(site.root / 'statuspage.yaml')}: `{key}` is {given[key] or 'empty'!r}, "
                f"not the stack's {value or 'none'!r}; write `{key}: "
                f"${{{_ENV_NAMES[key]}:-{_LOCAL_DEFAULTS[key]}}}` (as `statusgen init` does) and deploy again")


def _invoke_checker(session: boto3.Session, stack: Stack, echo: Callable[[str], None]) -> None:
    function = stack.resources.get("CheckerFunction")
    if function is None:
        echo(f"first check: stack {stack.name} reports no CheckerFunction; its schedule will run it")
        return
    from botocore.exceptions import ClientError

    client = session.client("lambda", region_name=stack.region)
    try:
        answer = client.invoke(FunctionName=function, Payload=b"{}")
    except ClientError as error:
        raise DeployError(f"first check: {function}: {_aws_message(error)}") from None
    payload = answer["Payload"].read().decode("utf-8", "replace")
    if answer.get("FunctionError"):
        try:
            message = json.loads(payload).get("errorMessage", payload)
        except (ValueError, AttributeError):
            message = payload
        raise DeployError(f"first check: {function} failed: {message}; its logs are in CloudWatch "
                          f"(/aws/lambda/{function})")
    echo(f"first check: {function} ran")


def next_steps(stack: Stack) -> list[str]:
    """What a person needs after deploying: where the page is and what to point at it."""
    outputs = stack.outputs
    lines = [f"stack {stack.name} in {stack.region}: {stack.status}"]
    for key, label in (("PageUrl", "page"), ("HeartbeatUrl", "heartbeats"),
                       ("SubscribeUrl", "subscriptions (subscribers.endpoint_url)"),
                       ("AlarmTopicArn", "alarm topic"), ("DeployRoleArn", "deploy role")):
        if key in outputs:
            lines.append(f"  {label}: {outputs[key]}")
    domain = outputs.get("DistributionDomainName")
    page = outputs.get("PageUrl", "")
    if domain and page and domain not in page:
        host = page.removeprefix("https://").split("/")[0]
        lines.append(f"  DNS: {host} CNAME {domain} (or a Route 53 alias record)")
    variables = {"AWS_REGION": stack.region, "STATUSGEN_DEPLOY_ROLE": outputs.get("DeployRoleArn"),
                 "STATUSGEN_STORE": f"s3://{stack.data_bucket}" if stack.data_bucket else None,
                 "STATUSGEN_PUBLISH": f"s3://{stack.site_bucket}" if stack.site_bucket else None,
                 "STATUSGEN_DISTRIBUTION": stack.distribution}
    lines.append("repository variables for the publish workflow:")
    lines.extend(f"  gh variable set {name} --body {value}" for name, value in variables.items() if value)
    return lines


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def _aws_message(error: Exception) -> str:
    """AWS's own message, on one line."""
    response = getattr(error, "response", {}) or {}
    message = str(response.get("Error", {}).get("Message") or error)
    return message.strip().splitlines()[0] if message.strip() else type(error).__name__


def parse_parameters(values: tuple[str, ...]) -> dict[str, str]:
    """`KEY=VALUE` pairs from the command line."""
    parameters: dict[str, str] = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key:
            raise StatusgenError(f"--parameter {value!r}: write KEY=VALUE, e.g. AlarmEmail=oncall@example.com")
        parameters[key] = text
    return parameters
