"""Approve steps and the rule that a change in a protected environment needs a second person."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opsconsole.app.console import Console
from opsconsole.app.team import Team
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.audit import Outcome
from opsconsole.domain.team import ApprovalBinding
from opsconsole.domain.team import ApprovalRefused as TeamApprovalRefused
from opsconsole.runbooks.approval_plan import describe_work, planned_work, work_digest
from opsconsole.runbooks.events import ApprovalRefused, ApprovalRequest
from opsconsole.runbooks.expressions import render
from opsconsole.runbooks.model import Runbook, Step
from opsconsole.runbooks.recorder import RunRecorder
from opsconsole.runbooks.state import NAMED_APPROVAL, SIGNED_APPROVAL, RunState
from opsconsole.runbooks.steps import StepFailed

Approver = Callable[[ApprovalRequest], None]


class Paused(Exception):
    """An approval was left pending; the run stops here and resumes later."""


class Approvals:
    """Asks the caller's approver at approve steps and records each decision."""

    def __init__(self, console: Console, recorder: RunRecorder, approver: Approver) -> None:
        self.console = console
        self.recorder = recorder
        self.approver = approver

    def approve(
        self, runbook: Runbook, state: RunState, step: Step, context: dict[str, Any], environment: str | None
    ) -> Any:
        """The approval's record (the step's output).

        Raises:
            Paused: nobody decided yet, or the approver may not approve (the run's starter).
            StepFailed: the approval was rejected.
        """
        protected = bool(context.get("env", {}).get("protected", False))
        if step.protected_only and not protected:
            return {"approved": True, "by": None, "note": "not needed: the environment is not protected"}
        given = state.approvals.get(step.id)
        if given and given.get("approved"):
            return given
        request = ApprovalRequest(
            run_id=state.run_id,
            step=step.id,
            message=str(render(step.text, context)) or step.label,
            environment=environment,
            protected=protected,
            started_by=state.started_by,
        )
        data = {"protected": protected, "second_person": request.needs_second_person}
        self.recorder.emit(state, "approval-needed", step.id, request.message, data)
        if state.dry_run:
            return {"approved": True, "by": None, "note": "dry run: approval not asked"}
        if self.console.team is not None and request.needs_second_person:
            work = planned_work(self.console, runbook, step, context)
            return self._proven(self.console.team, state, step, request, work)
        self._ask(state, step, request)
        return self._decided(state, step, request, environment)

    def _proven(
        self, team: Team, state: RunState, step: Step, request: ApprovalRequest, work: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """With a team store, an approval is a signed proof of another identity, never a typed name,
        over the planned calls of the changes it lets through: the request is published, the run
        pauses, and a resume verifies the proof with STS against the calls planned then.

        Raises:
            Paused: no proof yet (published now, or still pending), or the proof was refused (when
                the planned calls changed, a new request for the new calls is published).
        """
        environment = request.environment or ""
        binding = ApprovalBinding(state.run_id, step.id, work_digest(environment, request.message, work))
        summary = describe_work(request.message, work)
        pending = team.pending_approval(state.run_id, step.id)
        if pending is not None and pending.proof is not None:
            try:
                request.by = team.verify_approval(state.run_id, step.id, binding.digest)
            except TeamApprovalRefused as e:
                state.error, state.waiting_for = e.message, SIGNED_APPROVAL
                if pending.binding.digest != binding.digest and pending.status == "pending":
                    team.request_approval(binding, environment, summary)  # the calls as they are now
                self.recorder.emit(state, "approval-refused", step.id, e.message, {"hint": e.hint})
                raise Paused from e
            request.decision, request.note = True, "signed approval verified with STS"
            state.approvals[step.id] = {"digest": binding.digest, "work": work}
            return self._decided(state, step, request, request.environment)
        if pending is None or pending.binding.digest != binding.digest:
            team.request_approval(binding, environment, summary)
        command = f"opsconsole runbook approve {state.run_id} {step.id}"
        state.error = f"waiting for a second person to approve: they run `{command}`, then resume"
        state.waiting_for = SIGNED_APPROVAL
        data = {"command": command, "digest": binding.digest, "work": work}
        self.recorder.emit(state, "approval-waiting", step.id, state.error, data)
        raise Paused

    def _ask(self, state: RunState, step: Step, request: ApprovalRequest) -> None:
        try:
            self.approver(request)
        except ApprovalRefused as e:
            # A refused approver is not a failed step: the run waits for someone who may approve.
            state.error, state.waiting_for = e.message, NAMED_APPROVAL
            self.recorder.emit(state, "approval-refused", step.id, e.message, {"hint": e.hint})
            raise Paused from e
        if request.decision is None:
            state.waiting_for = NAMED_APPROVAL
            raise Paused

    def _decided(
        self, state: RunState, step: Step, request: ApprovalRequest, environment: str | None
    ) -> dict[str, Any]:
        record = {
            **state.approvals.get(step.id, {}),
            "approved": request.decision,
            "by": request.by,
            "note": request.note,
            "at": self.recorder.now().isoformat(),
        }
        state.approvals[step.id] = record
        self.recorder.audit(
            state,
            "runbook-approval",
            outcome=Outcome.OK if request.decision else "rejected",
            environment=environment,
            details={
                "step": step.id,
                "approver": request.by,
                "note": request.note,
                "environment": environment,
                "started_by": state.started_by,
            },
        )
        if not request.decision:
            note = f": {request.note}" if request.note else ""
            raise StepFailed(f"rejected by {request.by}{note}", record)
        return record

    def require_second_person(self, state: RunState, step: Step, environment: str | None) -> None:
        """In a protected environment a change needs an approve step approved earlier in this run
        by someone other than its starter.

        Raises:
            StepFailed: no such approval.
        """
        if state.dry_run or step.action == ActionKind.STACKS_PLAN.value or not environment:
            return
        if not self.console.context.environment(environment).protected:
            return
        approved = [
            s for s, a in state.approvals.items() if a.get("approved") and a.get("by") != state.started_by
        ]
        if not approved:
            raise StepFailed(
                f"{environment} is protected: step {step.id} changes something and no approve step was "
                "approved by a second person before it"
            )
