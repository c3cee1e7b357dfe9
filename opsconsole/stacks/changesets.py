"""The change sets an engine made and has not executed, so whoever ends the flow can delete them."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass

from opsconsole.aws.cloudformation import CloudFormation
from opsconsole.domain.errors import OpsError


@dataclass(frozen=True)
class PendingChangeSet:
    arn: str
    stack_name: str
    region: str
    creates: bool
    """A CREATE change set leaves an empty stack in REVIEW_IN_PROGRESS behind until it runs."""


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

    def discard(self, cfn: CloudFormation) -> list[PendingChangeSet]:
        """Delete every change set still pending (and the empty stack a CREATE one made).

        Returns:
            What was deleted. A delete that fails is skipped: that change set stays until
            someone deletes it (CloudFormation does not expire change sets).
        """
        with self._lock:
            pending, self._pending = list(self._pending.values()), {}
        for change_set in pending:
            with contextlib.suppress(OpsError):
                cfn.delete_change_set(change_set.arn, change_set.region)
            if change_set.creates:
                with contextlib.suppress(OpsError):
                    cfn.delete(change_set.stack_name, change_set.region)
        return pending
