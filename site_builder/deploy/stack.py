"""The CloudFormation stack: a change set made, waited for and executed (an empty one dropped),
and what the stack says about itself once it is up."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from checker.errors import DeployError
from site_builder.deploy.options import DeployOptions

_NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
_DONE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}
_FAILED_END = {
    "CREATE_FAILED",
    "ROLLBACK_COMPLETE",
    "ROLLBACK_FAILED",
    "DELETE_COMPLETE",
    "DELETE_FAILED",
    "UPDATE_ROLLBACK_COMPLETE",
    "UPDATE_ROLLBACK_FAILED",
    "UPDATE_FAILED",
    "IMPORT_ROLLBACK_COMPLETE",
    "IMPORT_ROLLBACK_FAILED",
}


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


def apply_change_set(
    cloudformation: Any,
    options: DeployOptions,
    template_url: str,
    *,
    now: Callable[[], datetime],
    echo: Callable[[str], None],
) -> None:
    from botocore.exceptions import ClientError

    exists = _stack_status(cloudformation, options.stack_name)
    if exists == "ROLLBACK_COMPLETE":
        raise DeployError(
            f"stack {options.stack_name}: its creation failed and was rolled back; delete "
            f"it (aws cloudformation delete-stack --stack-name {options.stack_name}) and "
            "deploy again"
        )
    kind = "CREATE" if exists is None else "UPDATE"
    name = f"statusgen-{now().strftime('%Y%m%d%H%M%S')}"
    parameters: list[dict[str, Any]] = [
        {"ParameterKey": key, "ParameterValue": value} for key, value in options.parameters.items()
    ]
    if kind == "UPDATE":
        # Parameters not given keep the stack's values rather than returning to the defaults.
        given = set(options.parameters)
        parameters += [
            {"ParameterKey": p["ParameterKey"], "UsePreviousValue": True}
            for p in _current_parameters(cloudformation, options.stack_name)
            if p["ParameterKey"] not in given
        ]
    try:
        cloudformation.create_change_set(
            StackName=options.stack_name,
            ChangeSetName=name,
            ChangeSetType=kind,
            TemplateURL=template_url,
            Parameters=parameters,
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
    except ClientError as error:
        raise DeployError(f"stack {options.stack_name}: {aws_message(error)}") from None
    change_set = _wait_for_change_set(cloudformation, options, name)
    if change_set is None:
        echo(f"stack {options.stack_name}: up to date, nothing to change")
        return
    changes = len(change_set.get("Changes", []))
    echo(
        f"stack {options.stack_name}: {'creating' if kind == 'CREATE' else 'updating'} "
        f"({changes} resource change{'s' if changes != 1 else ''})…"
    )
    cloudformation.execute_change_set(StackName=options.stack_name, ChangeSetName=name)
    status = _wait_for_stack(cloudformation, options, echo)
    echo(f"stack {options.stack_name}: {status}")


def _wait_for_change_set(cloudformation: Any, options: DeployOptions, name: str) -> dict[str, Any] | None:
    """The change set once made; None when it holds no change (then it is deleted)."""
    while True:
        change_set: dict[str, Any] = cloudformation.describe_change_set(
            StackName=options.stack_name, ChangeSetName=name
        )
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
            raise DeployError(
                f"stack {options.stack_name}: {status}: {_first_failure(cloudformation, options.stack_name)}"
            )
        if time.monotonic() - said >= 60:
            said = time.monotonic()
            echo(f"stack {options.stack_name}: still {status} after {round(said - started) // 60} min")
        time.sleep(options.poll_seconds)


def _stack_status(cloudformation: Any, name: str) -> str | None:
    from botocore.exceptions import ClientError

    try:
        stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        if "does not exist" in aws_message(error):
            return None
        raise DeployError(f"stack {name}: {aws_message(error)}") from None
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


def describe(cloudformation: Any, name: str, region: str) -> Stack:
    stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    resources: dict[str, str] = {}
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=name):
        for resource in page["StackResourceSummaries"]:
            if resource.get("PhysicalResourceId"):
                resources[resource["LogicalResourceId"]] = resource["PhysicalResourceId"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", []) if o.get("OutputValue")}
    return Stack(name=name, region=region, status=stack["StackStatus"], outputs=outputs, resources=resources)


def aws_message(error: Exception) -> str:
    """AWS's own message, on one line."""
    response = getattr(error, "response", {}) or {}
    message = str(response.get("Error", {}).get("Message") or error)
    return message.strip().splitlines()[0] if message.strip() else type(error).__name__
