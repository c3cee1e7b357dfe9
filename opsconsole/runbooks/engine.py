"""The runbook engine: runs steps in order, persists the run after every step, audits every step.

No prompts and no printing: the caller gets events and resolves approvals (see the package docstring).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from opsconsole.domain.errors import InvalidInput, OpsError
from opsconsole.runbooks.events import ApprovalRefused, ApprovalRequest, RunEvent
from opsconsole.runbooks.expressions import ExpressionError, evaluate, render, truthy
from opsconsole.runbooks.graph import sequential_next
from opsconsole.runbooks.inputs import resolve_inputs
from opsconsole.runbooks.loader import parse_runbook
from opsconsole.runbooks.model import END, Runbook, Step
from opsconsole.runbooks.ports import RunbookServices
from opsconsole.runbooks.state import (
    AWAITING_APPROVAL,
    FAILED,
    INTERRUPTED,
    READY,
    RUNNING,
    SENDING,
    STEP_RUNNING,
    SUCCEEDED,
    RunState,
    RunStore,
    StepRecord,
    new_run_id,
)
from opsconsole.runbooks.steps import StepFailed, StepRun, act, query, wait

Listener = Callable[[RunEvent], None]
Approver = Callable[[ApprovalRequest], None]


class RunInterrupted(OpsError):
    """A run stopped while sending a change: an operator must say whether to send it again."""


class _Paused(Exception):
    """An approval was left pending; the run stops here and resumes later."""


class RunbookEngine:
    """Runs runbooks against `services`; one engine may run many runs, one at a time."""

    def __init__(
        self,
        services: RunbookServices,
        store: RunStore,
        *,
        on_event: Listener | None = None,
        approver: Approver | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.services = services
        self.store = store
        self.on_event = on_event or (lambda _event: None)
        self.approver = approver or (lambda _request: None)
        self.stop = stop or threading.Event()

    # -- entry points ----------------------------------------------------------------------

    def start(
        self,
        runbook: Runbook,
        inputs: Mapping[str, Any],
        *,
        selection: Mapping[str, Any] | None = None,
        dry_run: bool = False,
        reason: str | None = None,
    ) -> RunState:
        """Start a run and drive it until it ends or pauses at an approval.

        Raises:
            InvalidInput: missing, unknown or mistyped inputs (nothing has run).
        """
        values = resolve_inputs(runbook, inputs, selection, tuple(self.services.settings.environments))
        now = self.services.now()
        state = RunState(
            run_id=new_run_id(now),
            runbook=runbook.name,
            path=runbook.path,
            title=runbook.title,
            source_text=runbook.source_text,
            inputs=values,
            started_by=self.services.operator,
            started_at=now.isoformat(),
            dry_run=dry_run,
            reason=reason,
            cursor=runbook.steps[0].id,
        )
        self._save(state)
        self._audit(state, "runbook-start", details={"inputs": values, "title": runbook.title})
        self._emit(state, "run-started", None, f"{runbook.title} ({'dry run' if dry_run else 'run'})")
        return self._drive(runbook, state)

    def resume(self, run_id: str, *, rerun: bool = False, skip: bool = False) -> RunState:
        """Continue a stopped run at the step it stood on.

        A step that was only reading (or waiting) when the run died runs again. A step that was
        sending a change is not sent again unless `rerun` (or skipped with `skip`): nobody knows
        whether it arrived, so the operator checks the audit trail and decides.

        Raises:
            InvalidInput: no such run, or it already finished.
            RunInterrupted: the step was sending a change and neither rerun nor skip was given.
        """
        state = self.store.load(run_id)
        if state.status == SUCCEEDED:
            raise InvalidInput(f"run {run_id} already finished ({state.status}); start a new run")
        runbook = parse_runbook(state.source_text, state.path)
        step = runbook.step(state.cursor)
        if state.phase == SENDING and not (rerun or skip):
            state.status = INTERRUPTED
            self._save(state)
            raise RunInterrupted(
                f"run {run_id} stopped while step {step.id} was sending its change; it may or may not "
                "have arrived",
                hint="check `opsconsole audit list` and the system itself, then resume with --rerun-step "
                "to send it again or --skip-step to go on without it",
            )
        self._audit(
            state,
            "runbook-resume",
            details={"step": step.id, "phase": state.phase, "rerun": rerun, "skip": skip},
        )
        self._emit(
            state, "run-resumed", step.id, f"resuming at {step.id} (was {state.status}, {state.phase})"
        )
        if skip:
            self._finish_step(runbook, state, step, "skipped", None, None, self._now())
            state.cursor = sequential_next(runbook, step)
        state.status, state.phase, state.error = RUNNING, READY, None
        self._save(state)
        return self._drive(runbook, state)

    # -- the loop --------------------------------------------------------------------------

    def _drive(self, runbook: Runbook, state: RunState) -> RunState:
        while state.cursor != END:
            if self.stop.is_set():
                state.error = "stopped by the caller"
                state.status = FAILED
                break
            step = runbook.step(state.cursor)
            try:
                state.cursor = self._run_step(runbook, state, step)
            except _Paused:
                state.status = AWAITING_APPROVAL
                state.phase = READY
                self._save(state)
                self._emit(state, "run-paused", step.id, f"waiting for approval of step {step.id}")
                return state
            except _Abort as e:
                state.status, state.error = FAILED, e.message
                self._save(state)
                self._audit(
                    state, "runbook-end", outcome="failed", details={"step": step.id, "error": e.message}
                )
                self._emit(
                    state, "run-finished", step.id, f"failed at {step.id}: {e.message}", {"status": FAILED}
                )
                return state
            state.phase = READY
            self._save(state)
        if state.cursor == END:
            state.status = SUCCEEDED
        self._save(state)
        self._audit(
            state,
            "runbook-end",
            outcome="ok" if state.status == SUCCEEDED else "failed",
            details={"status": state.status},
        )
        self._emit(state, "run-finished", None, state.status, {"status": state.status})
        return state

    def _run_step(self, runbook: Runbook, state: RunState, step: Step) -> str:
        """Run `step` (with its retries); the id of the step to run next."""
        context = self._context(runbook, state)
        environment = self._environment(runbook, step, context)
        if environment:
            context["env"] = self._env_facts(environment)
        attempt = 0
        while True:
            attempt += 1
            started = self._now()
            state.phase = STEP_RUNNING
            self._save(state)
            shown = self._shown_inputs(step, context)
            self._audit(
                state,
                "runbook-step",
                details={
                    "step": step.id,
                    "kind": step.kind,
                    "phase": "start",
                    "attempt": attempt,
                    "environment": environment,
                    "inputs": shown,
                    "started": started.isoformat(),
                },
            )
            self._emit(state, "step-started", step.id, step.label, {"kind": step.kind, "attempt": attempt})
            try:
                output, target = self._execute(runbook, state, step, context, environment)
            except _Paused:
                raise
            except (StepFailed, OpsError, ExpressionError) as e:
                message = getattr(e, "message", str(e))
                output = getattr(e, "output", None)
                # What a failed check saw stays readable: the branch it jumps to names it.
                state.outputs[step.id] = output
                state.statuses[step.id] = "failed"
                self._finish_step(runbook, state, step, "failed", output, message, started, shown, attempt)
                if attempt <= step.retries and not self.stop.is_set():
                    if self._sleep(step.retry_delay):
                        raise _Abort("stopped") from e
                    continue
                return self._after_failure(runbook, state, step, message)
            state.outputs[step.id] = output
            state.statuses[step.id] = "succeeded"
            self._finish_step(runbook, state, step, "succeeded", output, None, started, shown, attempt)
            return target

    def _execute(
        self, runbook: Runbook, state: RunState, step: Step, context: dict[str, Any], environment: str | None
    ) -> tuple[Any, str]:
        following = sequential_next(runbook, step)
        if step.kind == "note":
            text = str(render(step.text, context))
            self._emit(state, "note", step.id, text)
            return text, following
        if step.kind == "branch":
            assert step.condition is not None
            taken = truthy(evaluate(step.condition, context))
            target = (step.then or END) if taken else (step.otherwise or following)
            return {"condition": taken, "goto": target}, target
        if step.kind == "approve":
            return self._approve(state, step, context, environment), following
        run = StepRun(
            services=self.services,
            environment=environment,
            context=context,
            dry_run=state.dry_run,
            reason=f"runbook {state.runbook} run {state.run_id} step {step.id}"
            + (f": {state.reason}" if state.reason else ""),
            emit=lambda kind, message, data: self._emit(state, kind, step.id, message, data),
            stop=self.stop,
            mark_sending=lambda: self._mark_sending(state, step),
        )
        if step.kind == "query":
            return query(run, step), following
        if step.kind == "wait":
            return wait(run, step, self._sleep), following
        self._require_approval(runbook, state, step, environment)
        return act(run, step), following

    def _approve(self, state: RunState, step: Step, context: dict[str, Any], environment: str | None) -> Any:
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
        self._emit(
            state,
            "approval-needed",
            step.id,
            request.message,
            {"protected": protected, "second_person": request.needs_second_person},
        )
        if state.dry_run:
            return {"approved": True, "by": None, "note": "dry run: approval not asked"}
        try:
            self.approver(request)
        except ApprovalRefused as e:
            # A refused approver is not a failed step: the run waits for someone who may approve.
            state.error = e.message
            self._emit(state, "approval-refused", step.id, e.message, {"hint": e.hint})
            raise _Paused from e
        if request.decision is None:
            raise _Paused
        record = {
            "approved": request.decision,
            "by": request.by,
            "note": request.note,
            "at": self._now().isoformat(),
        }
        state.approvals[step.id] = record
        self._audit(
            state,
            "runbook-approval",
            outcome="ok" if request.decision else "rejected",
            details={
                "step": step.id,
                "approver": request.by,
                "note": request.note,
                "environment": environment,
                "started_by": state.started_by,
            },
        )
        if not request.decision:
            raise StepFailed(
                f"rejected by {request.by}" + (f": {request.note}" if request.note else ""), record
            )
        return record

    def _require_approval(
        self, runbook: Runbook, state: RunState, step: Step, environment: str | None
    ) -> None:
        """In a protected environment a change needs an approve step approved earlier in this run."""
        if state.dry_run or step.action == "stacks.plan" or not environment:
            return
        if not self._env_facts(environment).get("protected"):
            return
        approved = [
            s for s, a in state.approvals.items() if a.get("approved") and a.get("by") != state.started_by
        ]
        if not approved:
            raise StepFailed(
                f"{environment} is protected: step {step.id} changes something and no approve step was "
                "approved by a second person before it"
            )

    def _after_failure(self, runbook: Runbook, state: RunState, step: Step, message: str) -> str:
        if step.on_failure.mode == "continue":
            return sequential_next(runbook, step)
        if step.on_failure.mode == "goto" and step.on_failure.target:
            return step.on_failure.target
        raise _Abort(f"step {step.id}: {message}")

    # -- bookkeeping -----------------------------------------------------------------------

    def _finish_step(
        self,
        runbook: Runbook,
        state: RunState,
        step: Step,
        status: str,
        output: Any,
        error: str | None,
        started: datetime,
        shown: Any = None,
        attempt: int = 1,
    ) -> None:
        finished = self._now()
        actor = (
            state.approvals.get(step.id, {}).get("by") if step.kind == "approve" else self.services.operator
        )
        state.history.append(
            StepRecord(
                step.id,
                step.kind,
                status,
                started.isoformat(),
                finished.isoformat(),
                actor,
                attempt,
                shown,
                output,
                error,
            )
        )
        self._save(state)
        self._audit(
            state,
            "runbook-step",
            outcome="ok" if status != "failed" else "failed",
            details={
                "step": step.id,
                "kind": step.kind,
                "phase": "end",
                "status": status,
                "attempt": attempt,
                "actor": actor,
                "inputs": shown,
                "output": output,
                "error": error,
                "started": started.isoformat(),
                "finished": finished.isoformat(),
                "duration_ms": int((finished - started).total_seconds() * 1000),
            },
        )
        kind = "step-failed" if status == "failed" else "step-finished"
        self._emit(state, kind, step.id, error or status, {"status": status, "output": output})

    def _mark_sending(self, state: RunState, step: Step) -> None:
        state.phase = SENDING
        self._save(state)
        self._audit(state, "runbook-step", details={"step": step.id, "kind": step.kind, "phase": "sending"})

    def _context(self, runbook: Runbook, state: RunState) -> dict[str, Any]:
        return {
            "inputs": dict(state.inputs),
            "steps": dict(state.outputs),
            "status": dict(state.statuses),
            "run": {"id": state.run_id, "started_by": state.started_by, "dry_run": state.dry_run},
        }

    def _environment(self, runbook: Runbook, step: Step, context: dict[str, Any]) -> str | None:
        template = step.environment or runbook.environment
        if not template:
            return None
        value = render(template, context)
        return str(value) if value else None

    def _env_facts(self, name: str) -> dict[str, Any]:
        env = self.services.settings.environment(name)
        return {
            "name": env.name,
            "account_id": env.account_id,
            "region": env.region,
            "replica_region": env.replica_region,
            "protected": env.protected,
            "zabbix_host_groups": list(env.zabbix_host_groups),
            "graylog_streams": list(env.graylog_streams),
        }

    def _shown_inputs(self, step: Step, context: dict[str, Any]) -> Any:
        """The step's parameters with templates filled in, for the audit trail (best effort)."""
        try:
            if step.kind == "action":
                return render(step.params, context)
            if step.source is not None:
                return {step.source.kind: render(step.source.spec, context)}
        except ExpressionError as e:
            return {"unrendered": str(e)}
        return None

    def _save(self, state: RunState) -> None:
        state.updated_at = self._now().isoformat()
        if not state.dry_run:
            self.store.save(state)

    def _audit(self, state: RunState, action: str, *, outcome: str = "ok", details: dict[str, Any]) -> None:
        self.services.record(
            action,
            reason=state.reason,
            outcome=outcome,
            details={"run_id": state.run_id, "runbook": state.runbook, "dry_run": state.dry_run, **details},
        )

    def _emit(
        self, state: RunState, kind: str, step: str | None, message: str, data: dict[str, Any] | None = None
    ) -> None:
        self.on_event(RunEvent(kind, state.run_id, step, message, dict(data or {})))

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless stopped; True when the caller asked the run to stop."""
        return self.stop.wait(seconds)

    def _now(self) -> datetime:
        return self.services.now()


class _Abort(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
