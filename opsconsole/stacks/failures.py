"""Naming the first causal failure of a deploy, not the cascade that follows it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from opsconsole.domain.stacks import DeployedStack, StackEvent, StackOutcome, StackSpec, StackStatus

NESTED_STACK = "AWS::CloudFormation::Stack"
# What to say when CloudFormation gives neither a failed event nor a status reason.
UNEXPLAINED = {
    StackStatus.REVIEW: "not created: the stack stays in REVIEW_IN_PROGRESS; its change set did not run",
    StackStatus.FAILED: "CloudFormation gave no reason; see `opsconsole stacks events`",
    StackStatus.ROLLED_BACK: "CloudFormation gave no reason; see `opsconsole stacks events`",
    StackStatus.DELETED: "the stack is gone (deleted while it was being watched)",
    StackStatus.ABSENT: "the stack does not exist",
    StackStatus.IN_PROGRESS: "the stack operation is still running",
    StackStatus.COMPLETE: "complete",
}


# Reasons CloudFormation gives to resources it gave up on because something else failed.
_CASCADE = ("cancelled", "canceled")


def is_cascade(event: StackEvent) -> bool:
    reason = (event.reason or "").lower()
    return any(text in reason for text in _CASCADE)


def is_stack_level(event: StackEvent) -> bool:
    """The stack's own status events, which only summarise its resources' failures."""
    return event.resource_type == NESTED_STACK and event.logical_id == event.stack_name


def first_cause(
    events: Sequence[StackEvent],
    child_events: Callable[[str], Sequence[StackEvent]] | None = None,
    depth: int = 0,
) -> StackEvent | None:
    """The earliest failure that is not a consequence of another, following nested stacks.

    Args:
        events: a stack's events, in any order.
        child_events: returns the events of a nested stack given its physical id.
    """
    failures = [
        e
        for e in sorted(events, key=lambda e: e.timestamp)
        if e.failed and not is_cascade(e) and not is_stack_level(e)
    ]
    if not failures:
        stack_level = [e for e in sorted(events, key=lambda e: e.timestamp) if e.failed]
        return stack_level[0] if stack_level else None
    cause = failures[0]
    if cause.resource_type == NESTED_STACK and cause.physical_id and child_events and depth < 5:
        inner = first_cause(child_events(cause.physical_id), child_events, depth + 1)
        if inner is not None:
            return inner
    return cause


def describe_cause(event: StackEvent) -> str:
    """One line for an operator: which resource, what happened, why."""
    where = (
        f"{event.stack_name}/{event.logical_id}" if event.logical_id != event.stack_name else event.stack_name
    )
    return f"{where} ({event.resource_type}) {event.status}: {event.reason or 'no reason given'}"


def settled_outcome(
    spec: StackSpec,
    current: DeployedStack | None,
    seen: Sequence[StackEvent],
    child_events: Callable[[str], Sequence[StackEvent]],
    environment: str,
    stop: threading.Event,
) -> StackOutcome:
    """How a watched stack ended and why: the first causal failure, else CloudFormation's
    reason, else a sentence for the state it is in (never the state's bare name twice)."""
    if stop.is_set() and current is not None and current.status is StackStatus.IN_PROGRESS:
        return StackOutcome(
            spec.key,
            spec.stack_name,
            StackStatus.IN_PROGRESS,
            message=f"stopped watching; the stack operation goes on "
            f"(`opsconsole stacks watch {environment} {spec.key}` re-attaches)",
        )
    status = current.status if current else StackStatus.DELETED
    if status is StackStatus.COMPLETE and current is not None:
        return StackOutcome(
            spec.key, spec.stack_name, status, outputs=current.outputs, message=current.raw_status
        )
    cause = first_cause(seen, child_events)
    message = (
        describe_cause(cause)
        if cause
        else (current.reason if current and current.reason else UNEXPLAINED[status])
    )
    if status is StackStatus.ROLLED_BACK and current is not None:
        message = f"{current.raw_status}: {message}"
        if guidance := GUIDANCE.get(current.raw_status):
            message += " — " + guidance.format(stack=spec.stack_name, env=environment, key=spec.key)
    return StackOutcome(spec.key, spec.stack_name, status, cause=cause, message=message)


# What to do next for the states a stack cannot leave by itself.
GUIDANCE = {
    "UPDATE_ROLLBACK_FAILED": "the stack is stuck until its rollback goes on: fix the resource named, then "
    "`aws cloudformation continue-update-rollback --stack-name {stack}` (add --resources-to-skip for "
    "one that cannot roll back); no deploy can update it before that",
    "ROLLBACK_COMPLETE": "a stack whose creation failed cannot be updated: "
    "`opsconsole stacks delete {env} {key}`, fix the cause, and deploy again",
    "ROLLBACK_FAILED": "its creation failed and so did the cleanup: delete it (`opsconsole stacks delete "
    "{env} {key}`; resources that cannot be deleted must be retained) before deploying again",
}
