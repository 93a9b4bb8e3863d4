"""Bringing a new stack to life: the bundle stored in its data bucket, the checker invoked once, the
page published to its site bucket, and what a person needs next printed."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from checker.errors import DeployError
from site_builder.content.site import Site, compile_bundle, load_site
from site_builder.deploy.stack import Stack, aws_message
from site_builder.paths import shown_path
from site_builder.pipeline import build_site_and_publish, site_store, store_bundle

if TYPE_CHECKING:
    import boto3


_ENV_NAMES = {
    "store": "STATUSGEN_STORE",
    "publish": "STATUSGEN_PUBLISH",
    "cloudfront_distribution": "STATUSGEN_DISTRIBUTION",
}
_LOCAL_DEFAULTS = {"store": "./data", "publish": "./public", "cloudfront_distribution": ""}


def first_run(
    session: boto3.Session, stack: Stack, root: Path, *, now: Callable[[], datetime], echo: Callable[[str], None]
) -> None:
    """Store the bundle, run the checker once and publish the page, into the stack's buckets."""
    if stack.site_bucket is None:
        # A checker in an extra region: it reads the primary stack's bundle and builds no page.
        echo(f"stack {stack.name}: no site bucket (a checker in an extra region)")
        _invoke_checker(session, stack, echo)
        return
    env = {
        **os.environ,
        "STATUSGEN_STORE": f"s3://{stack.data_bucket}",
        "STATUSGEN_PUBLISH": f"s3://{stack.site_bucket}",
        "STATUSGEN_DISTRIBUTION": stack.distribution or "",
    }
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
    expected = {
        "store": f"s3://{stack.data_bucket}",
        "publish": f"s3://{stack.site_bucket}",
        "cloudfront_distribution": stack.distribution or "",
    }
    given = {
        "store": site.config.store.rstrip("/"),
        "publish": site.config.publish.rstrip("/"),
        "cloudfront_distribution": site.config.cloudfront_distribution or "",
    }
    for key, value in expected.items():
        if given[key] != value:
            raise DeployError(
                f"{shown_path(site.root / 'statuspage.yaml')}: `{key}` is {given[key] or 'empty'!r}, "
                f"not the stack's {value or 'none'!r}; write `{key}: "
                f"${{{_ENV_NAMES[key]}:-{_LOCAL_DEFAULTS[key]}}}` (as `statusgen init` does) and deploy again"
            )


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
        raise DeployError(f"first check: {function}: {aws_message(error)}") from None
    payload = answer["Payload"].read().decode("utf-8", "replace")
    if answer.get("FunctionError"):
        try:
            message = json.loads(payload).get("errorMessage", payload)
        except (ValueError, AttributeError):
            message = payload
        raise DeployError(
            f"first check: {function} failed: {message}; its logs are in CloudWatch (/aws/lambda/{function})"
        )
    echo(f"first check: {function} ran")


def next_steps(stack: Stack) -> list[str]:
    """What a person needs after deploying: where the page is and what to point at it."""
    outputs = stack.outputs
    lines = [f"stack {stack.name} in {stack.region}: {stack.status}"]
    for key, label in (
        ("PageUrl", "page"),
        ("HeartbeatUrl", "heartbeats"),
        ("SubscribeUrl", "subscriptions (subscribers.endpoint_url)"),
        ("AlarmTopicArn", "alarm topic"),
        ("DeployRoleArn", "deploy role"),
    ):
        if key in outputs:
            lines.append(f"  {label}: {outputs[key]}")
    domain = outputs.get("DistributionDomainName")
    page = outputs.get("PageUrl", "")
    if domain and page and domain not in page:
        host = page.removeprefix("https://").split("/")[0]
        lines.append(f"  DNS: {host} CNAME {domain} (or a Route 53 alias record)")
    variables = {
        "AWS_REGION": stack.region,
        "STATUSGEN_DEPLOY_ROLE": outputs.get("DeployRoleArn"),
        "STATUSGEN_STORE": f"s3://{stack.data_bucket}" if stack.data_bucket else None,
        "STATUSGEN_PUBLISH": f"s3://{stack.site_bucket}" if stack.site_bucket else None,
        "STATUSGEN_DISTRIBUTION": stack.distribution,
    }
    lines.append("repository variables for the publish workflow:")
    lines.extend(f"  gh variable set {name} --body {value}" for name, value in variables.items() if value)
    return lines
