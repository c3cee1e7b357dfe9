"""What the engine tells its caller while a run moves, and the approval object the caller resolves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opsconsole.domain.errors import NotConfirmed


@dataclass(frozen=True)
class RunEvent:
    """One thing that happened in a run.

    kind: run-started, run-resumed, step-started, call (a call sent, or shown in a dry run),
    waiting (a wait step polled and the condition does not hold yet), step-finished, step-failed,
    approval-needed, run-paused, run-finished.
    """

    kind: str
    run_id: str
    step: str | None = None
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)


class ApprovalRefused(NotConfirmed):
    """The approver may not approve this step (in a protected environment, the run's starter)."""


@dataclass
class ApprovalRequest:
    """An approve step waiting for a human. The caller calls `approve` or `reject`, or leaves it
    pending: the run then stops with status awaiting_approval and can be resumed later."""

    run_id: str
    step: str
    message: str
    environment: str | None
    protected: bool
    started_by: str
    decision: bool | None = None
    by: str | None = None
    note: str = ""

    @property
    def needs_second_person(self) -> bool:
        return self.protected

    def approve(self, by: str, note: str = "") -> None:
        """Approve as `by`.

        Raises:
            ApprovalRefused: `by` started the run and the environment is protected.
        """
        by = by.strip()
        if not by:
            raise ApprovalRefused("an approval needs the approver's name")
        if self.protected and by == self.started_by:
            raise ApprovalRefused(
                f"{self.environment} is protected: {by} started this run, so a second person must approve "
                f"step {self.step}",
                hint=f"someone else runs: opsconsole runbook resume {self.run_id} --approve-as THEIR_NAME",
            )
        self.decision, self.by, self.note = True, by, note

    def reject(self, by: str, note: str = "") -> None:
        self.decision, self.by, self.note = False, by.strip() or "unknown", note
