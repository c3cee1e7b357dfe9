"""Naming the first causal failure from events alone (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from opsconsole.domain.stacks import StackEvent
from opsconsole.stacks.failures import describe_cause, first_cause

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def ev(
    n: int,
    stack: str,
    logical: str,
    status: str,
    reason: str | None = None,
    kind: str = "AWS::SQS::Queue",
    physical: str | None = None,
) -> StackEvent:
    return StackEvent(
        f"{stack}-{logical}-{n}", stack, logical, kind, status, T0 + timedelta(seconds=n), reason, physical
    )


def test_cancellations_and_stack_summaries_are_not_causes() -> None:
    events = [
        ev(3, "app", "Bucket", "CREATE_FAILED", "Resource creation cancelled", "AWS::S3::Bucket"),
        ev(2, "app", "Queue", "CREATE_FAILED", "Queue name too long"),
        ev(
            4,
            "app",
            "app",
            "ROLLBACK_IN_PROGRESS",
            "The following resource(s) failed to create: [Bucket, Queue].",
            "AWS::CloudFormation::Stack",
        ),
    ]
    cause = first_cause(events)
    assert cause is not None and cause.logical_id == "Queue"
    assert describe_cause(cause) == "app/Queue (AWS::SQS::Queue) CREATE_FAILED: Queue name too long"


def test_a_nested_stack_failure_is_followed_into_the_child() -> None:
    parent = [
        ev(
            5,
            "app",
            "Child",
            "CREATE_FAILED",
            "Embedded stack arn:child was not successfully created",
            "AWS::CloudFormation::Stack",
            "arn:child",
        )
    ]
    asked: list[str] = []

    def child_events(physical: str) -> list[StackEvent]:
        asked.append(physical)
        return [ev(2, "app-Child", "Topic", "CREATE_FAILED", "Topic already exists", "AWS::SNS::Topic")]

    cause = first_cause(parent, child_events)
    assert asked == ["arn:child"]
    assert cause is not None and (cause.stack_name, cause.logical_id) == ("app-Child", "Topic")


def test_only_a_stack_level_failure_is_reported_when_nothing_else_failed() -> None:
    events = [
        ev(1, "app", "app", "UPDATE_ROLLBACK_FAILED", "Stack is in a bad state", "AWS::CloudFormation::Stack")
    ]
    cause = first_cause(events)
    assert cause is not None and cause.reason == "Stack is in a bad state"
    assert first_cause([ev(1, "app", "Queue", "CREATE_COMPLETE")]) is None
