"""A run's bookkeeping: its file saved after every move, its audit events, its events to the caller."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from opsconsole.app.audit import AuditScope
from opsconsole.app.console import Console
from opsconsole.domain.audit import Outcome, pair_records
from opsconsole.domain.team import RunState as TeamRun
from opsconsole.runbooks.events import RunEvent
from opsconsole.runbooks.model import Step
from opsconsole.runbooks.state import AWAITING_APPROVAL, SENDING, RunState, RunStore, StepRecord

Listener = Callable[[RunEvent], None]


class RunRecorder:
    """Writes what a run does: to its run file (not in a dry run), the audit trail and the listener."""

    def __init__(self, console: Console, store: RunStore, on_event: Listener) -> None:
        self.console = console
        self.store = store
        self.on_event = on_event

    def now(self) -> datetime:
        return self.console.context.now()

    def save(self, state: RunState) -> None:
        state.updated_at = self.now().isoformat()
        if not state.dry_run:
            self.store.save(state)
            self._publish(state)

    def _publish(self, state: RunState) -> None:
        """The run as the team sees it (`opsconsole team`); kept locally while the store is away."""
        team = self.console.team
        if team is None:
            return
        env = state.inputs.get("env")
        waiting = state.status == AWAITING_APPROVAL
        team.publish_run(
            TeamRun(
                run_id=state.run_id,
                environment=str(env.get("name") if isinstance(env, dict) else env or ""),
                starter=state.started_by,
                status="waiting" if waiting else state.status,
                updated_at=self.now(),
                waiting_step=state.cursor if waiting else None,
                waiting_for=state.waiting_for if waiting else None,
            )
        )

    def audit(
        self,
        state: RunState,
        action: str,
        *,
        outcome: str = Outcome.OK,
        environment: str | None = None,
        details: dict[str, Any],
    ) -> None:
        """One event record of the run (its own steps); the changes a step sends have their own
        intent and outcome records, written by the change runner."""
        self.console.audit.event(
            action,
            AuditScope(environment=environment),
            reason=state.reason,
            outcome=outcome,
            details={"run_id": state.run_id, "runbook": state.runbook, "dry_run": state.dry_run, **details},
        )

    def emit(
        self, state: RunState, kind: str, step: str | None, message: str, data: dict[str, Any] | None = None
    ) -> None:
        self.on_event(RunEvent(kind, state.run_id, step, message, dict(data or {})))

    def step_started(
        self, state: RunState, step: Step, attempt: int, environment: str | None, shown: Any
    ) -> datetime:
        """Audit and announce the start of an attempt; when it started."""
        started = self.now()
        details = {
            "step": step.id,
            "kind": step.kind,
            "phase": "start",
            "attempt": attempt,
            "environment": environment,
            "inputs": shown,
            "started": started.isoformat(),
        }
        self.audit(state, "runbook-step", environment=environment, details=details)
        self.emit(state, "step-started", step.id, step.label, {"kind": step.kind, "attempt": attempt})
        return started

    def step_finished(
        self,
        state: RunState,
        step: Step,
        status: str,
        output: Any,
        error: str | None,
        started: datetime,
        shown: Any = None,
        attempt: int = 1,
    ) -> None:
        """The step's history entry, saved, audited (inputs, output, actor, timing) and announced."""
        finished = self.now()
        approval = state.approvals.get(step.id, {})
        actor = approval.get("by") if step.kind == "approve" else self.console.access.operator
        times = (started.isoformat(), finished.isoformat())
        state.history.append(
            StepRecord(step.id, step.kind, status, *times, actor, attempt, shown, output, error)
        )
        self.save(state)
        details = {
            "step": step.id,
            "kind": step.kind,
            "phase": "end",
            "status": status,
            "attempt": attempt,
            "actor": actor,
            "inputs": shown,
            "output": output,
            "error": error,
            "started": times[0],
            "finished": times[1],
            "duration_ms": int((finished - started).total_seconds() * 1000),
        }
        outcome = Outcome.FAILED if status == "failed" else Outcome.OK
        self.audit(state, "runbook-step", outcome=outcome, details=details)
        kind = "step-failed" if status == "failed" else "step-finished"
        self.emit(state, kind, step.id, error or status, {"status": status, "output": output})

    def unanswered_intent(self, state: RunState, step: Step) -> str:
        """`" (intent <id> at <time>: <summary>, outcome unknown)"` for the step's last change that
        has an intent and no outcome in the audit trail, or "" when there is none."""
        reason = f"runbook {state.runbook} run {state.run_id} step {step.id}"
        entries = pair_records(list(self.console.audit.records()))
        unknown = [
            e
            for e in entries
            if e.record.phase == "intent"
            and e.outcome == Outcome.UNKNOWN
            and str(e.record.reason or "").startswith(reason)
        ]
        if not unknown:
            return ""
        record = unknown[-1].record
        summary = record.details.get("summary") or record.action
        return f" (intent {record.id} at {record.at.isoformat()}: {summary}, outcome unknown)"

    def mark_sending(self, state: RunState, step: Step) -> None:
        """The step's change is about to be sent: a resume must not send it again by itself."""
        state.phase = SENDING
        self.save(state)
        self.audit(state, "runbook-step", details={"step": step.id, "kind": step.kind, "phase": "sending"})
