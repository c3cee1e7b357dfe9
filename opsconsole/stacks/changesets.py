"""The change sets an engine made and has not executed, and the one place change sets that did
not run are deleted, with the empty stack a CREATE one leaves behind."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from opsconsole.aws.cloudformation import CloudFormation
from opsconsole.domain.errors import OpsError

Audited = Callable[[dict[str, Any]], AbstractContextManager[object]]
"""Wraps the deletion of a stack as an audited change (intent, then outcome), given its details."""

NEVER_CREATED = "REVIEW_IN_PROGRESS"
"""A stack a CREATE change set made and nothing has executed: it holds no resource."""


@dataclass(frozen=True)
class PendingChangeSet:
    arn: str
    stack_name: str
    region: str
    creates: bool
    """A CREATE change set (or one that may be): it leaves an empty stack in REVIEW_IN_PROGRESS
    behind until it runs."""


@dataclass(frozen=True)
class Discarded:
    change_sets: tuple[PendingChangeSet, ...]
    """The change sets deleted."""
    stacks: tuple[str, ...]
    """The empty stacks deleted with them (never created, no other change set left)."""


def unaudited(details: dict[str, Any]) -> AbstractContextManager[object]:
    """For a caller whose own audited change already covers the deletions."""
    return contextlib.nullcontext()


def discard_change_sets(
    cfn: CloudFormation,
    change_sets: Sequence[PendingChangeSet],
    audited: Audited,
    *,
    strict: bool = False,
    on_stack_deleted: Callable[[str], None] | None = None,
) -> Discarded:
    """Delete the change sets, then each stack a CREATE one made that is still REVIEW_IN_PROGRESS
    with no other change set (as AWS CDK and sceptre do): a discarded review leaves nothing behind.

    A stack with another change set (someone else's review) or that left REVIEW_IN_PROGRESS (its
    change set was executed after all, e.g. an ExecuteChangeSet whose answer was lost) is kept.

    Raises:
        OpsError: with `strict`, the first delete refused; otherwise a refused delete is skipped
            (that change set or stack stays until someone deletes it: CloudFormation never
            expires them) and the rest go on. `on_stack_deleted` hears of each stack deleted as it
            goes, so a caller's audit record names it even when a later delete raises.
    """
    deleted: list[PendingChangeSet] = []
    for change_set in change_sets:
        try:
            cfn.delete_change_set(change_set.arn, change_set.region)
        except OpsError:
            if strict:
                raise
            continue
        deleted.append(change_set)
    stacks: list[str] = []
    for stack_name, region in dict.fromkeys((c.stack_name, c.region) for c in deleted if c.creates):
        try:
            stack_id = _never_created(cfn, stack_name, region)
            if stack_id is not None:
                arns = [c.arn for c in deleted if (c.stack_name, c.region) == (stack_name, region)]
                details = {
                    "stack": stack_name,
                    "stack_id": stack_id,
                    "region": region,
                    "status": NEVER_CREATED,
                    "change_sets": arns,
                }
                with audited(details):
                    cfn.delete(stack_id, region)
                stacks.append(stack_name)
                if on_stack_deleted is not None:
                    on_stack_deleted(stack_name)
        except OpsError:
            if strict:
                raise
    return Discarded(tuple(deleted), tuple(stacks))


def _never_created(cfn: CloudFormation, stack_name: str, region: str) -> str | None:
    """The id of the stack of this name if it is empty (REVIEW_IN_PROGRESS, no change set of its
    own left), else None. The id, not the name, is what gets deleted: moto keeps an earlier or
    another review's stack under the same name, and a name could meanwhile mean another stack."""
    deployed = cfn.describe(stack_name, region)
    if deployed is None or deployed.raw_status != NEVER_CREATED:
        return None
    if cfn.change_sets(stack_name, region, stack_id=deployed.stack_id):
        return None
    return deployed.stack_id or stack_name


class ChangeSetLedger:
    """Thread-safe: stacks of one level are planned and executed in parallel."""

    def __init__(self) -> None:
        self._pending: dict[str, PendingChangeSet] = {}
        self._lock = threading.Lock()

    def made(self, arn: str, stack_name: str, region: str, *, creates: bool) -> None:
        with self._lock:
            self._pending[arn] = PendingChangeSet(arn, stack_name, region, creates)

    def settled(self, arn: str) -> None:
        """The change set was executed or deleted: nothing is left to clean up."""
        with self._lock:
            self._pending.pop(arn, None)

    @property
    def pending(self) -> list[PendingChangeSet]:
        with self._lock:
            return list(self._pending.values())

    def discard(self, cfn: CloudFormation, audited: Audited) -> Discarded:
        """Delete every change set still pending, and the empty stacks the CREATE ones made
        (`discard_change_sets`, deletes refused skipped; each stack deleted audited by `audited`)."""
        with self._lock:
            pending, self._pending = list(self._pending.values()), {}
        return discard_change_sets(cfn, pending, audited)
