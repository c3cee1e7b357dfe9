"""What moto cannot show, proven with recorded real-API sequences through botocore's Stubber:
per-resource progress, a failure cascade reduced to its cause, a nested stack's failure,
UPDATE_ROLLBACK_COMPLETE as a failure, downstream stacks not started, and drift results."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from opsconsole.aws.cloudformation import CloudFormation
from opsconsole.domain.environment import Environment, RoleTier
from opsconsole.domain.errors import BackendError
from opsconsole.domain.identity import CallerIdentity, RoleSession
from opsconsole.domain.stacks import EnvironmentPlan, PlanAction, StackEvent, StackPlan, StackStatus
from opsconsole.stacks.engine import DeployEngine
from opsconsole.stacks.manifest import load_estate

T0 = datetime(2026, 11, 26, 9, 0, 0, tzinfo=UTC)
STACK_ARN = "arn:aws:cloudformation:eu-west-1:111111111111:stack/dev-app/6c7a1b40-aaaa-11ef-8f1e-0a1b2c3d4e5f"
CHILD_ARN = "arn:aws:cloudformation:eu-west-1:111111111111:stack/dev-app-Child-1X2Y3Z/7d8e9f00-bbbb-11ef-9a0b-0a1b2c3d4e5f"
TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Topic:
    Type: AWS::SNS::Topic
Outputs:
  TopicArn:
    Value:
      Ref: Topic
"""


@pytest.fixture
def estate(tmp_path: Path) -> Any:
    root = tmp_path / "stacks"
    (root / "params").mkdir(parents=True)
    (root / "app.yaml").write_text(TEMPLATE, encoding="utf-8")
    (root / "stacks.toml").write_text(
        '[stacks.app]\ntemplate = "app.yaml"\n[stacks.downstream]\ntemplate = "app.yaml"\ndepends_on = ["app"]\n',
        encoding="utf-8",
    )
    (root / "params" / "dev.toml").write_text("", encoding="utf-8")
    env = Environment(
        "dev", "111111111111", "eu-west-1", {RoleTier.DEPLOY: "arn:aws:iam::111111111111:role/D"}
    )
    return load_estate(root, env, lint=False)


@pytest.fixture
def stubbed() -> tuple[Any, Stubber]:
    client = boto3.client(
        "cloudformation", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    stubber = Stubber(client)
    stubber.activate()
    return client, stubber


def engine_for(estate: Any, client: Any) -> DeployEngine:
    session = RoleSession(
        "dev",
        RoleTier.DEPLOY,
        "arn:aws:iam::111111111111:role/D",
        "opsconsole-alice",
        CallerIdentity("111111111111", "arn:aws:sts::111111111111:assumed-role/D/opsconsole-alice", "AROA:x"),
        T0 + timedelta(hours=1),
        "eu-west-1",
    )
    cfn = CloudFormation(lambda region: client, session, poll_seconds=0)
    return DeployEngine(estate, cfn, clock=lambda: T0, max_parallel=1)


def event(
    n: int,
    logical: str,
    status: str,
    reason: str | None = None,
    *,
    stack: str = "dev-app",
    kind: str = "AWS::SNS::Topic",
    physical: str | None = None,
) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "StackId": STACK_ARN,
        "EventId": f"{logical}-{status}-{n}",
        "StackName": stack,
        "LogicalResourceId": logical,
        "ResourceType": kind,
        "Timestamp": T0 + timedelta(seconds=n),
        "ResourceStatus": status,
    }
    if reason:
        raw["ResourceStatusReason"] = reason
    if physical:
        raw["PhysicalResourceId"] = physical
    return raw


def stack_event(n: int, status: str, reason: str | None = None, stack: str = "dev-app") -> dict[str, Any]:
    return event(n, stack, status, reason, stack=stack, kind="AWS::CloudFormation::Stack", physical=STACK_ARN)


def described(status: str, outputs: dict[str, str] | None = None) -> dict[str, Any]:
    stack: dict[str, Any] = {
        "StackId": STACK_ARN,
        "StackName": "dev-app",
        "CreationTime": T0,
        "StackStatus": status,
    }
    if outputs:
        stack["Outputs"] = [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()]
    return {"Stacks": [stack]}


def newest_first(*events: dict[str, Any]) -> dict[str, Any]:
    return {"StackEvents": sorted(events, key=lambda e: e["Timestamp"], reverse=True)}


def test_per_resource_progress_is_streamed_once_each_while_in_progress(
    estate: Any, stubbed: tuple[Any, Stubber]
) -> None:
    client, stubber = stubbed
    e1 = stack_event(1, "CREATE_IN_PROGRESS", "User Initiated")
    e2 = event(2, "Topic", "CREATE_IN_PROGRESS")
    e3 = event(
        3,
        "Topic",
        "CREATE_IN_PROGRESS",
        "Resource creation Initiated",
        physical="arn:aws:sns:eu-west-1:111111111111:t",
    )
    e4 = event(4, "Topic", "CREATE_COMPLETE", physical="arn:aws:sns:eu-west-1:111111111111:t")
    e5 = stack_event(5, "CREATE_COMPLETE")
    stubber.add_response("describe_stack_events", newest_first(e1, e2), {"StackName": "dev-app"})
    stubber.add_response("describe_stacks", described("CREATE_IN_PROGRESS"), {"StackName": "dev-app"})
    stubber.add_response("describe_stack_events", newest_first(e1, e2, e3), {"StackName": "dev-app"})
    stubber.add_response("describe_stacks", described("CREATE_IN_PROGRESS"), {"StackName": "dev-app"})
    stubber.add_response("describe_stack_events", newest_first(e1, e2, e3, e4, e5), {"StackName": "dev-app"})
    stubber.add_response(
        "describe_stacks", described("CREATE_COMPLETE", {"TopicArn": "arn:t"}), {"StackName": "dev-app"}
    )
    batches: list[list[StackEvent]] = []
    outcome = engine_for(estate, client).watch(
        estate.specs["app"], T0, lambda _key, batch: batches.append(batch), threading.Event()
    )
    assert [[(e.logical_id, e.status) for e in batch] for batch in batches] == [
        [("dev-app", "CREATE_IN_PROGRESS"), ("Topic", "CREATE_IN_PROGRESS")],
        [("Topic", "CREATE_IN_PROGRESS")],
        [("Topic", "CREATE_COMPLETE"), ("dev-app", "CREATE_COMPLETE")],
    ]
    assert outcome.status is StackStatus.COMPLETE and outcome.outputs == {"TopicArn": "arn:t"}
    stubber.assert_no_pending_responses()


def test_a_cascade_of_cancellations_reduces_to_the_one_causal_event(
    estate: Any, stubbed: tuple[Any, Stubber]
) -> None:
    client, stubber = stubbed
    history = [
        stack_event(1, "CREATE_IN_PROGRESS", "User Initiated"),
        event(2, "Bucket", "CREATE_IN_PROGRESS", kind="AWS::S3::Bucket"),
        event(3, "Topic", "CREATE_IN_PROGRESS"),
        event(
            4,
            "Topic",
            "CREATE_FAILED",
            'Resource handler returned message: "Invalid parameter: TopicName" '
            "(Service: Sns, Status Code: 400)",
        ),
        event(5, "Bucket", "CREATE_FAILED", "Resource creation cancelled", kind="AWS::S3::Bucket"),
        stack_event(
            6,
            "ROLLBACK_IN_PROGRESS",
            "The following resource(s) failed to create: [Bucket, Topic]. Rollback requested by user.",
        ),
        event(7, "Bucket", "DELETE_COMPLETE", kind="AWS::S3::Bucket"),
        event(8, "Topic", "DELETE_COMPLETE"),
        stack_event(9, "ROLLBACK_COMPLETE"),
    ]
    stubber.add_response("describe_stack_events", newest_first(*history), {"StackName": "dev-app"})
    stubber.add_response("describe_stacks", described("ROLLBACK_COMPLETE"), {"StackName": "dev-app"})
    outcome = engine_for(estate, client).watch(estate.specs["app"], T0, lambda *_: None, threading.Event())
    stubber.assert_no_pending_responses()
    assert outcome.status is StackStatus.ROLLED_BACK and not outcome.succeeded
    assert outcome.cause is not None and outcome.cause.logical_id == "Topic"
    assert outcome.message == (
        "ROLLBACK_COMPLETE: dev-app/Topic (AWS::SNS::Topic) CREATE_FAILED: Resource handler returned message: "
        '"Invalid parameter: TopicName" (Service: Sns, Status Code: 400) — a stack whose creation failed '
        "cannot be updated: `opsconsole stacks delete dev app`, fix the cause, and deploy again"
    )


def test_a_nested_stack_failure_is_surfaced_with_the_childs_reason(
    estate: Any, stubbed: tuple[Any, Stubber]
) -> None:
    client, stubber = stubbed
    parent = [
        stack_event(1, "CREATE_IN_PROGRESS", "User Initiated"),
        event(2, "Child", "CREATE_IN_PROGRESS", kind="AWS::CloudFormation::Stack", physical=CHILD_ARN),
        event(
            6,
            "Child",
            "CREATE_FAILED",
            f"Embedded stack {CHILD_ARN} was not successfully created: "
            "The following resource(s) failed to create: [Queue].",
            kind="AWS::CloudFormation::Stack",
            physical=CHILD_ARN,
        ),
        stack_event(7, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [Child]."),
        stack_event(9, "ROLLBACK_COMPLETE"),
    ]
    child = [
        event(
            3,
            "dev-app-Child-1X2Y3Z",
            "CREATE_IN_PROGRESS",
            stack="dev-app-Child-1X2Y3Z",
            kind="AWS::CloudFormation::Stack",
        ),
        event(
            4,
            "Queue",
            "CREATE_FAILED",
            'Resource handler returned message: "Queue already exists"',
            stack="dev-app-Child-1X2Y3Z",
            kind="AWS::SQS::Queue",
        ),
        event(
            5,
            "dev-app-Child-1X2Y3Z",
            "ROLLBACK_IN_PROGRESS",
            "The following resource(s) failed to create: [Queue].",
            stack="dev-app-Child-1X2Y3Z",
            kind="AWS::CloudFormation::Stack",
        ),
    ]
    stubber.add_response("describe_stack_events", newest_first(*parent), {"StackName": "dev-app"})
    # The nested stack's events stream with the parent's.
    stubber.add_response("describe_stack_events", newest_first(*child), {"StackName": CHILD_ARN})
    stubber.add_response("describe_stacks", described("ROLLBACK_COMPLETE"), {"StackName": "dev-app"})
    streamed: list[StackEvent] = []
    outcome = engine_for(estate, client).watch(
        estate.specs["app"], T0, lambda _key, batch: streamed.extend(batch), threading.Event()
    )
    assert ("dev-app-Child-1X2Y3Z", "Queue", "CREATE_FAILED") in [
        (e.stack_name, e.logical_id, e.status) for e in streamed
    ]
    assert [e.timestamp for e in streamed] == sorted(e.timestamp for e in streamed)
    stubber.assert_no_pending_responses()
    assert outcome.cause is not None
    assert (outcome.cause.stack_name, outcome.cause.logical_id) == ("dev-app-Child-1X2Y3Z", "Queue")
    assert "Queue already exists" in outcome.message


def test_update_rollback_complete_is_a_failure_and_downstream_never_starts(
    estate: Any, stubbed: tuple[Any, Stubber]
) -> None:
    client, stubber = stubbed
    history = [
        stack_event(1, "UPDATE_IN_PROGRESS", "User Initiated"),
        event(
            2,
            "Service",
            "UPDATE_FAILED",
            "Resource handler returned message: \"Error occurred during operation 'ECS Deployment Circuit Breaker "
            "was triggered'.\"",
            kind="AWS::ECS::Service",
        ),
        stack_event(
            3, "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to update: [Service]."
        ),
        stack_event(4, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"),
        stack_event(5, "UPDATE_ROLLBACK_COMPLETE"),
    ]
    change_set = "arn:aws:cloudformation:eu-west-1:111111111111:changeSet/opsconsole-1/abc"
    stubber.add_response("execute_change_set", {}, {"ChangeSetName": change_set})
    stubber.add_response("describe_stack_events", newest_first(*history), {"StackName": "dev-app"})
    stubber.add_response("describe_stacks", described("UPDATE_ROLLBACK_COMPLETE"), {"StackName": "dev-app"})
    plan = EnvironmentPlan(
        "dev",
        (
            StackPlan("app", "dev-app", "eu-west-1", PlanAction.UPDATE, change_set_arn=change_set),
            StackPlan(
                "downstream",
                "dev-downstream",
                "eu-west-1",
                PlanAction.UPDATE,
                change_set_arn=change_set + "2",
            ),
        ),
    )
    outcomes = engine_for(estate, client).execute(plan)
    app, downstream = outcomes
    assert app.status is StackStatus.ROLLED_BACK and not app.succeeded
    assert app.message.startswith(
        "UPDATE_ROLLBACK_COMPLETE: dev-app/Service (AWS::ECS::Service) UPDATE_FAILED"
    )
    assert downstream.message == "not started: upstream app failed"
    stubber.assert_no_pending_responses()


def test_drift_results(estate: Any, stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response("detect_stack_drift", {"StackDriftDetectionId": "d-1"}, {"StackName": "dev-app"})
    in_progress = {
        "StackId": STACK_ARN,
        "StackDriftDetectionId": "d-1",
        "DetectionStatus": "DETECTION_IN_PROGRESS",
        "Timestamp": T0,
    }
    stubber.add_response(
        "describe_stack_drift_detection_status", in_progress, {"StackDriftDetectionId": "d-1"}
    )
    done = {
        **in_progress,
        "DetectionStatus": "DETECTION_COMPLETE",
        "StackDriftStatus": "DRIFTED",
        "DriftedStackResourceCount": 1,
    }
    stubber.add_response("describe_stack_drift_detection_status", done, {"StackDriftDetectionId": "d-1"})
    stubber.add_response(
        "describe_stack_resource_drifts",
        {
            "StackResourceDrifts": [
                {
                    "StackId": STACK_ARN,
                    "LogicalResourceId": "Topic",
                    "PhysicalResourceId": "arn:t",
                    "ResourceType": "AWS::SNS::Topic",
                    "StackResourceDriftStatus": "MODIFIED",
                    "Timestamp": T0,
                    "PropertyDifferences": [
                        {
                            "PropertyPath": "/DisplayName",
                            "ExpectedValue": "app",
                            "ActualValue": "hand-edited",
                            "DifferenceType": "NOT_EQUAL",
                        }
                    ],
                }
            ]
        },
        {"StackName": "dev-app", "StackResourceDriftStatusFilters": ["MODIFIED", "DELETED"]},
    )
    status, drifts = engine_for(estate, client).cfn.detect_drift("dev-app", "eu-west-1", threading.Event())
    assert status == "DRIFTED"
    assert [(d["LogicalResourceId"], d["PropertyDifferences"][0]["PropertyPath"]) for d in drifts] == [
        ("Topic", "/DisplayName")
    ]


def test_plan_handles_review_in_progress_as_no_stack(estate: Any, stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response("describe_stacks", described("REVIEW_IN_PROGRESS"), {"StackName": "dev-app"})
    stubber.add_response(
        "create_change_set",
        {"Id": "arn:cs", "StackId": STACK_ARN},
        {
            "StackName": "dev-app",
            "ChangeSetName": ANY,
            "ChangeSetType": "CREATE",
            "TemplateBody": TEMPLATE,
            "Parameters": [],
            "Capabilities": [],
            "Tags": ANY,
            "Description": ANY,
        },
    )
    stubber.add_response(
        "describe_change_set",
        {
            "ChangeSetName": "c",
            "ChangeSetId": "arn:cs",
            "StackName": "dev-app",
            "Status": "CREATE_COMPLETE",
            "ExecutionStatus": "AVAILABLE",
            "Changes": [
                {
                    "Type": "Resource",
                    "ResourceChange": {
                        "Action": "Add",
                        "LogicalResourceId": "Topic",
                        "ResourceType": "AWS::SNS::Topic",
                    },
                }
            ],
        },
        {"ChangeSetName": "arn:cs"},
    )
    plan = engine_for(estate, client).plan(["app"])
    [app] = plan.stacks
    assert app.action is PlanAction.CREATE
    assert [(c.action.value, c.logical_id) for c in app.changes] == [("Add", "Topic")]


def test_a_change_set_that_failed_is_still_deleted_when_the_plan_is_discarded(
    estate: Any, stubbed: tuple[Any, Stubber]
) -> None:
    """AWS keeps a FAILED change set (and the empty REVIEW_IN_PROGRESS stack of a CREATE one)
    until someone deletes it: the engine's ledger holds it until discard."""
    client, stubber = stubbed
    stubber.add_response("describe_stacks", described("REVIEW_IN_PROGRESS"), {"StackName": "dev-app"})
    stubber.add_response("create_change_set", {"Id": "arn:cs", "StackId": STACK_ARN}, None)
    stubber.add_response(
        "describe_change_set",
        {
            "ChangeSetName": "c",
            "StackName": "dev-app",
            "Status": "FAILED",
            "StatusReason": "Parameter 'Missing' must have a value",
        },
        {"ChangeSetName": "arn:cs"},
    )
    engine = engine_for(estate, client)
    with pytest.raises(BackendError, match="the change set for dev-app failed: Parameter 'Missing'"):
        engine.plan(["app"])
    stubber.add_response("delete_change_set", {}, {"ChangeSetName": "arn:cs"})
    # The empty stack goes only while it is still never created and holds no other change set.
    stubber.add_response("describe_stacks", described("REVIEW_IN_PROGRESS"), {"StackName": "dev-app"})
    stubber.add_response("list_change_sets", {"Summaries": []}, {"StackName": "dev-app"})
    stubber.add_response("delete_stack", {}, {"StackName": STACK_ARN})  # by id: that very stack
    assert engine.discard() == ["dev-app"]
    stubber.assert_no_pending_responses()
    assert engine.discard() == []


def test_update_rollback_failed_names_the_cause_and_how_to_unstick_the_stack(
    estate: Any, stubbed: tuple[Any, Stubber]
) -> None:
    """Recorded shape: an update fails, then the rollback fails on another resource."""
    client, stubber = stubbed
    history = [
        stack_event(1, "UPDATE_IN_PROGRESS", "User Initiated"),
        event(2, "Db", "UPDATE_IN_PROGRESS", kind="AWS::RDS::DBInstance"),
        event(
            3,
            "Service",
            "UPDATE_FAILED",
            'Resource handler returned message: "Invalid request provided: TaskDefinition is inactive"',
            kind="AWS::ECS::Service",
        ),
        event(4, "Db", "UPDATE_FAILED", "Resource update cancelled", kind="AWS::RDS::DBInstance"),
        stack_event(
            5, "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to update: [Service]."
        ),
        event(
            6,
            "Db",
            "UPDATE_FAILED",
            "The DB instance is not in an available state",
            kind="AWS::RDS::DBInstance",
        ),
        stack_event(7, "UPDATE_ROLLBACK_FAILED", "The following resource(s) failed to update: [Db]."),
    ]
    stubber.add_response("describe_stack_events", newest_first(*history), {"StackName": "dev-app"})
    stubber.add_response("describe_stacks", described("UPDATE_ROLLBACK_FAILED"), {"StackName": "dev-app"})
    outcome = engine_for(estate, client).watch(
        estate.specs["app"], T0, lambda _k, _b: None, threading.Event()
    )
    stubber.assert_no_pending_responses()
    assert outcome.status is StackStatus.ROLLED_BACK and not outcome.succeeded
    assert outcome.cause is not None and outcome.cause.logical_id == "Service"
    assert outcome.message.startswith(
        "UPDATE_ROLLBACK_FAILED: dev-app/Service (AWS::ECS::Service) UPDATE_FAILED"
    )
    assert "aws cloudformation continue-update-rollback --stack-name dev-app" in outcome.message


def test_a_nested_create_failure_with_cancelled_siblings_names_the_child_cause_and_says_delete_first(
    estate: Any, stubbed: tuple[Any, Stubber]
) -> None:
    """Recorded shape: one nested stack fails, its sibling is cancelled, the parent rolls back."""
    client, stubber = stubbed
    sibling = CHILD_ARN.replace("Child-1X2Y3Z", "Other-9Q8W7E")
    parent = [
        stack_event(1, "CREATE_IN_PROGRESS", "User Initiated"),
        event(2, "Child", "CREATE_IN_PROGRESS", kind="AWS::CloudFormation::Stack", physical=CHILD_ARN),
        event(2, "Other", "CREATE_IN_PROGRESS", kind="AWS::CloudFormation::Stack", physical=sibling),
        event(
            6,
            "Child",
            "CREATE_FAILED",
            f"Embedded stack {CHILD_ARN} was not successfully created: "
            "The following resource(s) failed to create: [Role].",
            kind="AWS::CloudFormation::Stack",
            physical=CHILD_ARN,
        ),
        event(
            7,
            "Other",
            "CREATE_FAILED",
            "Resource creation cancelled",
            kind="AWS::CloudFormation::Stack",
            physical=sibling,
        ),
        stack_event(8, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [Child, Other]."),
        stack_event(9, "ROLLBACK_COMPLETE"),
    ]
    child = [
        event(
            4,
            "Role",
            "CREATE_FAILED",
            "Requires capabilities : [CAPABILITY_NAMED_IAM]",
            stack="dev-app-Child-1X2Y3Z",
            kind="AWS::IAM::Role",
        ),
    ]
    stubber.add_response("describe_stack_events", newest_first(*parent), {"StackName": "dev-app"})
    stubber.add_response("describe_stack_events", newest_first(*child), {"StackName": CHILD_ARN})
    stubber.add_response("describe_stack_events", {"StackEvents": []}, {"StackName": sibling})
    stubber.add_response("describe_stacks", described("ROLLBACK_COMPLETE"), {"StackName": "dev-app"})
    stubber.add_response("describe_stack_events", newest_first(*child), {"StackName": CHILD_ARN})
    outcome = engine_for(estate, client).watch(
        estate.specs["app"], T0, lambda _k, _b: None, threading.Event()
    )
    assert outcome.cause is not None
    assert (outcome.cause.stack_name, outcome.cause.logical_id) == ("dev-app-Child-1X2Y3Z", "Role")
    assert "CAPABILITY_NAMED_IAM" in outcome.message and "cancelled" not in outcome.message
    assert "cannot be updated: `opsconsole stacks delete dev app`" in outcome.message
