"""The deployment template: lint-clean, translatable, and creating what a deployment needs.

moto's CloudFormation cannot run the SAM transform, so the template goes through the real
translator first (as `sam deploy` does), then into moto. moto does not implement every resource
type (CloudFront, alarms, Function URLs); those are checked in the translated template, and the
rest are checked through the services' own APIs after moto created them.
"""

from __future__ import annotations

import importlib
import io
import json
import zipfile

import boto3
import pytest
from cfnlint.api import lint_file
from samtranslator.yaml_helper import yaml_parse

from tests.infra.infra_support import ARTIFACT_BUCKET, REGION, TEMPLATE, translated

# moto warns about resource types it skips (CloudFront, alarms, Function URLs); they are checked
# in the translated template instead.
skips_unsupported_types = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")


def create_stack(parameters: dict[str, str]) -> dict[str, str]:
    """Create the stack in moto; logical id -> physical id of what moto created."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=ARTIFACT_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("checker/__init__.py", "")
    s3.put_object(Bucket=ARTIFACT_BUCKET, Key="lambda.zip", Body=code.getvalue())

    template = translated(parameters)
    # moto validates outputs against the attributes of the types it implements only.
    template.pop("Outputs")
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.create_stack(
        StackName="status",
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    stack = cloudformation.describe_stacks(StackName="status")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    summaries = cloudformation.list_stack_resources(StackName="status")["StackResourceSummaries"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in summaries if r.get("PhysicalResourceId")}


@pytest.fixture
def aws(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto in process (tests/conftest.py's `aws`), in the template's region."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


def test_cfn_lint_finds_nothing() -> None:
    assert [str(match) for match in lint_file(TEMPLATE)] == []


@skips_unsupported_types
def test_primary_stack_creates_storage_functions_and_alarm_topic(aws: None) -> None:
    created = create_stack({"GitHubRepository": "acme/status", "EmailFromAddress": "status@example.com"})

    s3 = boto3.client("s3", region_name=REGION)
    data = created["DataBucket"]
    for bucket in (data, created["SiteBucket"]):
        encryption = s3.get_bucket_encryption(Bucket=bucket)
        assert encryption["ServerSideEncryptionConfiguration"]["Rules"]

    lambda_ = boto3.client("lambda", region_name=REGION)
    checker = lambda_.get_function(FunctionName=created["CheckerFunction"])
    config = checker["Configuration"]
    assert config["Runtime"] == "python3.12"
    assert config["Handler"] == "site_builder.lambda_entry.handler"
    assert config["Environment"]["Variables"]["STATUSGEN_STORE"] == f"s3://{data}"
    assert config["Environment"]["Variables"]["STATUSGEN_SITE"] == f"s3://{created['SiteBucket']}"
    assert config["Environment"]["Variables"]["STATUSGEN_REBUILD"] == "inline"
    assert checker["Concurrency"]["ReservedConcurrentExecutions"] == 1

    for name, handler in [
        ("HeartbeatFunction", "site_builder.lambda_entry.heartbeat"),
        ("SubscribeFunction", "site_builder.lambda_entry.subscribe"),
    ]:
        function = lambda_.get_function(FunctionName=created[name])["Configuration"]
        assert function["Handler"] == handler

    events = boto3.client("events", region_name=REGION)
    rule = events.describe_rule(Name=created["CheckerFunctionSchedule"])
    assert rule["ScheduleExpression"] == "rate(1 minute)"
    targets = events.list_targets_by_rule(Rule=created["CheckerFunctionSchedule"])["Targets"]
    assert [t["Arn"].rsplit(":", 1)[1] for t in targets] == [created["CheckerFunction"]]

    logs = boto3.client("logs", region_name=REGION)
    groups = {g["logGroupName"]: g for g in logs.describe_log_groups()["logGroups"]}
    for suffix in ("checker", "heartbeat", "subscribe"):
        assert groups[f"/aws/lambda/status-{suffix}"]["retentionInDays"] == 30

    assert created["AlarmTopic"].startswith("arn:aws:sns:")
    iam = boto3.client("iam", region_name=REGION)
    for role in ("SubscribeFunctionRole", "CheckerFunctionRole", "DeployRole"):
        assert "send-email" in iam.list_role_policies(RoleName=created[role])["PolicyNames"]
    assert "send-email" not in iam.list_role_policies(RoleName=created["HeartbeatFunctionRole"])["PolicyNames"]
    trust = iam.get_role(RoleName=created["DeployRole"])["Role"]["AssumeRolePolicyDocument"]
    statement = trust["Statement"][0]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"]["StringEquals"] == {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:acme/status:ref:refs/heads/main",
    }


@skips_unsupported_types
def test_extra_region_stack_only_checks_and_writes_to_the_primary_bucket(aws: None) -> None:
    created = create_stack({"DataBucketName": "status-data-primary"})

    assert not {"DataBucket", "SiteBucket", "HeartbeatFunction", "SubscribeFunction"} & set(created)
    assert "CheckerPublishPolicy" not in created
    assert [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]] == [ARTIFACT_BUCKET]
    config = boto3.client("lambda").get_function(FunctionName=created["CheckerFunction"])
    variables = config["Configuration"]["Environment"]["Variables"]
    assert config["Configuration"]["Handler"] == "site_builder.lambda_entry.handler"
    assert variables["STATUSGEN_STORE"] == "s3://status-data-primary"
    assert variables["STATUSGEN_REBUILD"] == "none"
    assert "STATUSGEN_SITE" not in variables


def test_translated_template_declares_every_resource_a_deployment_needs() -> None:
    resources = translated()["Resources"]
    expected = {
        "DataBucket": "AWS::S3::Bucket",
        "SiteBucket": "AWS::S3::Bucket",
        "SiteBucketPolicy": "AWS::S3::BucketPolicy",
        "SiteOriginAccessControl": "AWS::CloudFront::OriginAccessControl",
        "PageHeadersPolicy": "AWS::CloudFront::ResponseHeadersPolicy",
        "ApiHeadersPolicy": "AWS::CloudFront::ResponseHeadersPolicy",
        "Distribution": "AWS::CloudFront::Distribution",
        "CheckerFunction": "AWS::Lambda::Function",
        "CheckerFunctionSchedule": "AWS::Events::Rule",
        "CheckerDeadLetterQueue": "AWS::SQS::Queue",
        "HeartbeatFunctionUrl": "AWS::Lambda::Url",
        "SubscribeFunctionUrl": "AWS::Lambda::Url",
        "AlarmTopic": "AWS::SNS::Topic",
        "CheckerErrorsAlarm": "AWS::CloudWatch::Alarm",
        "CheckerStoppedAlarm": "AWS::CloudWatch::Alarm",
        "DeadLettersAlarm": "AWS::CloudWatch::Alarm",
    }
    assert {name: resources[name]["Type"] for name in expected} == expected
    checker = resources["CheckerFunction"]["Properties"]
    assert checker["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": ["CheckerDeadLetterQueue", "Arn"]}}
    for name in ("CheckerFunction", "HeartbeatFunction", "SubscribeFunction"):
        assert resources[name]["Properties"]["Architectures"] == ["arm64"]
        assert resources[name]["Properties"]["Runtime"] == "python3.12"


def test_buckets_are_private_and_raw_runs_expire_after_the_retention() -> None:
    resources = translated()["Resources"]
    data = resources["DataBucket"]["Properties"]
    assert data["VersioningConfiguration"] == {"Status": "Enabled"}
    runs_rule = next(r for r in data["LifecycleConfiguration"]["Rules"] if r["Id"] == "expire-raw-runs")
    assert runs_rule["Prefix"] == "runs/"
    assert runs_rule["ExpirationInDays"] == {"Ref": "RetentionDays"}
    for name in ("DataBucket", "SiteBucket"):
        block = resources[name]["Properties"]["PublicAccessBlockConfiguration"]
        assert block == dict.fromkeys(
            ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"],
            True,
        )
    site_policy = resources["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert site_policy["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert site_policy["Action"] == "s3:GetObject"


def test_page_headers_forbid_inline_script_and_api_allows_cross_origin_get() -> None:
    resources = translated()["Resources"]
    page = resources["PageHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    headers = page["SecurityHeadersConfig"]
    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert "ReferrerPolicy" in headers["ReferrerPolicy"]

    api = resources["ApiHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    assert api["CorsConfig"]["AccessControlAllowMethods"]["Items"] == ["GET", "HEAD", "OPTIONS"]
    behaviours = resources["Distribution"]["Properties"]["DistributionConfig"]["CacheBehaviors"]
    api_behaviour = next(b for b in behaviours if b["PathPattern"] == "api/*")
    assert api_behaviour["ResponseHeadersPolicyId"] == {"Ref": "ApiHeadersPolicy"}


def test_alarms_fire_on_errors_and_on_a_checker_that_stopped_running() -> None:
    resources = translated()["Resources"]
    stopped = resources["CheckerStoppedAlarm"]["Properties"]
    assert stopped["MetricName"] == "Invocations"
    assert stopped["Period"] * stopped["EvaluationPeriods"] == 300
    assert stopped["TreatMissingData"] == "breaching"
    assert stopped["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    errors = resources["CheckerErrorsAlarm"]["Properties"]
    assert errors["MetricName"] == "Errors"
    assert errors["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_function_policies_name_their_buckets_and_no_function_may_write_everywhere() -> None:
    resources = translated()["Resources"]
    roles = [r for r in resources.values() if r["Type"] in ("AWS::IAM::Role", "AWS::IAM::Policy")]
    statements = []
    for role in roles:
        documents = [p["PolicyDocument"] for p in role["Properties"].get("Policies", [])]
        if "PolicyDocument" in role["Properties"]:
            documents.append(role["Properties"]["PolicyDocument"])
        for document in documents:
            statements.extend(document["Statement"])
    writes = [s for s in statements if "s3:PutObject" in s["Action"]]
    assert writes
    assert all(s["Resource"] != "*" for s in writes)
    subscribe_policy = resources["SubscribeFunctionRole"]["Properties"]["Policies"]
    subscribe_writes = [
        s for p in subscribe_policy for s in p["PolicyDocument"]["Statement"] if "s3:PutObject" in s.get("Action", [])
    ]
    assert [s["Resource"] for s in subscribe_writes] == [
        [
            {"Fn::Sub": "${DataBucket.Arn}/private/subscribers/*"},
            {"Fn::Sub": "${DataBucket.Arn}/private/ratelimit/*"},
        ]
    ]


def test_every_handler_the_template_names_exists_in_the_code() -> None:
    template = yaml_parse(TEMPLATE.read_text())
    handlers = {
        resource["Properties"]["Handler"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    assert handlers == {
        "site_builder.lambda_entry.handler",
        "site_builder.lambda_entry.heartbeat",
        "site_builder.lambda_entry.subscribe",
    }
    for handler in handlers:
        module, _, name = handler.rpartition(".")
        assert callable(getattr(importlib.import_module(module), name))


@skips_unsupported_types
def test_a_sharded_checker_may_run_its_workers_and_start_them(aws: None) -> None:
    created = create_stack({"CheckerConcurrency": "5"})
    lambda_ = boto3.client("lambda", region_name=REGION)
    concurrency = lambda_.get_function(FunctionName=created["CheckerFunction"])["Concurrency"]
    assert concurrency["ReservedConcurrentExecutions"] == 5
    iam = boto3.client("iam", region_name=REGION)
    policy = iam.get_role_policy(RoleName=created["CheckerFunctionRole"], PolicyName="start-workers")
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == "lambda:InvokeFunction"
    assert created["CheckerFunction"].startswith("status-CheckerFunction-")
    assert statement["Resource"].endswith(":function:status-CheckerFunction-*")


@skips_unsupported_types
def test_an_unsharded_checker_may_not_invoke_functions(aws: None) -> None:
    created = create_stack({})
    iam = boto3.client("iam", region_name=REGION)
    assert "start-workers" not in iam.list_role_policies(RoleName=created["CheckerFunctionRole"])["PolicyNames"]
