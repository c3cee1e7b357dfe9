"""Naming the first causal failure of a deploy, not the cascade that follows it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from opsconsole.domain.stacks import StackEvent

NESTED_STACK = "AWS::CloudFormation::Stack"
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
