"""The runbook engine: runs steps in order, persists the run after every step, audits every step.

No prompts and no printing: the caller gets events and resolves approvals (see the package docstring).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from opsconsole.app.console import Console
from opsconsole.domain.audit import Outcome
from opsconsole.domain.errors import Denied, InvalidInput, OpsError
from opsconsole.runbooks.approvals import Approvals, Approver, Paused
from opsconsole.runbooks.expressions import ExpressionError, evaluate, render, truthy
from opsconsole.runbooks.graph import sequential_next
from opsconsole.runbooks.inputs import resolve_inputs
from opsconsole.runbooks.loader import parse_runbook
from opsconsole.runbooks.model import END, Runbook, Step
from opsconsole.runbooks.ownership import RunLock
from opsconsole.runbooks.recorder import Listener, RunRecorder
from opsconsole.runbooks.run_lease import RunLease
from opsconsole.runbooks.scope import environment_facts, run_context, shown_inputs, step_environment
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
    new_run_id,
)
from opsconsole.runbooks.steps import StepFailed, StepRun, act, query, wait

__all__ = ["Approver", "Listener", "RunInterrupted", "RunbookEngine"]


class RunInterrupted(Denied):
    """A run stopped while sending a change: an operator must say whether to send it again."""


class _Abort(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RunbookEngine:
    """Runs runbooks against a Console; one engine may run many runs, one at a time."""

    def __init__(
        self,
        console: Console,
        store: RunStore,
        *,
        on_event: Listener | None = None,
        approver: Approver | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.console = console
        self.store = store
        self.stop = stop or threading.Event()
        self.recorder = RunRecorder(console, store, on_event or (lambda _event: None))
        self.approvals = Approvals(console, self.recorder, approver or (lambda _request: None))
        self.leases: RunLease | None = None
        """The team locks of the run being driven (one run at a time)."""

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
        values = resolve_inputs(runbook, inputs, selection, tuple(self.console.settings.environments))
        now = self.recorder.now()
        state = RunState(
            run_id=new_run_id(now),
            runbook=runbook.name,
            path=runbook.path,
            title=runbook.title,
            source_text=runbook.source_text,
            inputs=values,
            started_by=self.console.access.operator,
            started_at=now.isoformat(),
            dry_run=dry_run,
            reason=reason,
            cursor=runbook.steps[0].id,
        )
        lock = None if dry_run else RunLock(self.store.root, state.run_id).acquire()
        self.recorder.save(state)
        self.recorder.audit(state, "runbook-start", details={"inputs": values, "title": runbook.title})
        mode = "dry run" if dry_run else "run"
        self.recorder.emit(state, "run-started", None, f"{runbook.title} ({mode})")
        return self._drive_owned(runbook, state, lock)

    def resume(self, run_id: str, *, rerun: bool = False, skip: bool = False) -> RunState:
        """Continue a stopped run at the step it stood on.

        A step that was only reading (or waiting) when the run died runs again. A step that was
        sending a change is not sent again unless `rerun` (or skipped with `skip`): nobody knows
        whether it arrived, so the operator checks the audit trail and decides.

        Only one process drives a run: a run another live process drives is refused (RunOwned,
        naming it), before anything is read or sent.

        Raises:
            InvalidInput: no such run, or it already finished.
            RunOwned: another live process owns the run.
            RunInterrupted: the step was sending a change and neither rerun nor skip was given.
        """
        self.store.load(run_id)  # names the runs there are when there is no such run
        lock = RunLock(self.store.root, run_id).acquire()
        try:
            return self._resume_owned(run_id, lock, rerun=rerun, skip=skip)
        except BaseException:
            lock.release()
            raise

    def _resume_owned(self, run_id: str, lock: RunLock, *, rerun: bool, skip: bool) -> RunState:
        # Read again under the lock: the previous owner may have moved the run on meanwhile.
        state = self.store.load(run_id)
        if state.status == SUCCEEDED:
            raise InvalidInput(f"run {run_id} already finished ({state.status}); start a new run")
        runbook = parse_runbook(state.source_text, state.path)
        step = runbook.step(state.cursor)
        if state.phase == SENDING and not (rerun or skip):
            state.status = INTERRUPTED
            self.recorder.save(state)
            raise RunInterrupted(
                f"run {run_id} stopped while step {step.id} was sending its change; it may or may not "
                f"have arrived{self.recorder.unanswered_intent(state, step)}",
                hint="check `opsconsole audit list --outcome unknown` and the system itself, then resume "
                "with --rerun-step to send it again or --skip-step to go on without it",
            )
        details = {"step": step.id, "phase": state.phase, "rerun": rerun, "skip": skip}
        self.recorder.audit(state, "runbook-resume", details=details)
        message = f"resuming at {step.id} (was {state.status}, {state.phase})"
        self.recorder.emit(state, "run-resumed", step.id, message)
        if skip:
            self.recorder.step_finished(state, step, "skipped", None, None, self.recorder.now())
            state.cursor = sequential_next(runbook, step)
        state.status, state.phase, state.error = RUNNING, READY, None
        self.recorder.save(state)
        return self._drive_owned(runbook, state, lock)

    # -- the loop --------------------------------------------------------------------------

    def _drive_owned(self, runbook: Runbook, state: RunState, lock: RunLock | None) -> RunState:
        """Drive the run while holding its lock (and, from its first change in a protected
        environment, that environment's team lock); both go when the run ends or pauses."""
        self.leases = RunLease(self.console, state)
        try:
            self.leases.take_again()  # a resumed run that held team locks when it stopped
            try:
                return self._drive(runbook, state)
            finally:
                if self.leases.release():
                    self.recorder.save(state)
        finally:
            if lock is not None:
                lock.release()

    def _drive(self, runbook: Runbook, state: RunState) -> RunState:
        recorder = self.recorder
        while state.cursor != END:
            if self.stop.is_set():
                state.error = "stopped by the caller"
                state.status = FAILED
                break
            step = runbook.step(state.cursor)
            try:
                state.cursor = self._run_step(runbook, state, step)
            except Paused:
                state.status, state.phase = AWAITING_APPROVAL, READY
                recorder.save(state)
                recorder.emit(state, "run-paused", step.id, f"waiting for approval of step {step.id}")
                return state
            except _Abort as e:
                state.status, state.error = FAILED, e.message
                recorder.save(state)
                details = {"step": step.id, "error": e.message}
                recorder.audit(state, "runbook-end", outcome=Outcome.FAILED, details=details)
                message = f"failed at {step.id}: {e.message}"
                recorder.emit(state, "run-finished", step.id, message, {"status": FAILED})
                return state
            state.phase = READY
            recorder.save(state)
        if state.cursor == END:
            state.status = SUCCEEDED
        recorder.save(state)
        outcome = Outcome.OK if state.status == SUCCEEDED else Outcome.FAILED
        recorder.audit(state, "runbook-end", outcome=outcome, details={"status": state.status})
        recorder.emit(state, "run-finished", None, state.status, {"status": state.status})
        return state

    def _run_step(self, runbook: Runbook, state: RunState, step: Step) -> str:
        """Run `step` (with its retries); the id of the step to run next."""
        context = run_context(state)
        environment = step_environment(runbook, step, context)
        if environment:
            context["env"] = environment_facts(self.console, environment)
        attempt = 0
        while True:
            attempt += 1
            state.phase = STEP_RUNNING
            self.recorder.save(state)
            shown = shown_inputs(step, context)
            started = self.recorder.step_started(state, step, attempt, environment, shown)
            try:
                output, target = self._execute(runbook, state, step, context, environment)
            except Paused:
                raise
            except (StepFailed, OpsError, ExpressionError) as e:
                message = getattr(e, "message", str(e))
                output = getattr(e, "output", None)
                # What a failed check saw stays readable: the branch it jumps to names it.
                state.outputs[step.id] = output
                state.statuses[step.id] = "failed"
                self.recorder.step_finished(state, step, "failed", output, message, started, shown, attempt)
                if attempt <= step.retries and not self.stop.is_set():
                    if self.stop.wait(step.retry_delay):
                        raise _Abort("stopped") from e
                    continue
                return self._after_failure(runbook, step, message)
            state.outputs[step.id] = output
            state.statuses[step.id] = "succeeded"
            self.recorder.step_finished(state, step, "succeeded", output, None, started, shown, attempt)
            return target

    def _execute(
        self, runbook: Runbook, state: RunState, step: Step, context: dict[str, Any], environment: str | None
    ) -> tuple[Any, str]:
        following = sequential_next(runbook, step)
        if step.kind == "note":
            text = str(render(step.text, context))
            if state.dry_run:  # a closing note tells what happened; in a dry run nothing did
                text = f"(dry run: nothing was changed; a real run would end here with) {text}"
            self.recorder.emit(state, "note", step.id, text)
            return text, following
        if step.kind == "branch":
            assert step.condition is not None
            taken = truthy(evaluate(step.condition, context))
            target = (step.then or END) if taken else (step.otherwise or following)
            return {"condition": taken, "goto": target}, target
        if step.kind == "approve":
            return self.approvals.approve(runbook, state, step, context, environment), following
        run = self._step_run(state, step, context, environment)
        if step.kind == "query":
            return query(run, step), following
        if step.kind == "wait":
            return wait(run, step, self.stop.wait), following
        self.approvals.require_second_person(state, step, environment)
        assert self.leases is not None  # set while a run is driven
        if self.leases.hold(step.action, environment):
            self.recorder.save(state)  # the file names the locks held, for a resume after a crash
        return act(run, step), following

    def _step_run(
        self, state: RunState, step: Step, context: dict[str, Any], environment: str | None
    ) -> StepRun:
        reason = f"runbook {state.runbook} run {state.run_id} step {step.id}"
        return StepRun(
            console=self.console,
            environment=environment,
            context=context,
            dry_run=state.dry_run,
            reason=reason + (f": {state.reason}" if state.reason else ""),
            emit=lambda kind, message, data: self.recorder.emit(state, kind, step.id, message, data),
            stop=self.stop,
            mark_sending=lambda: self.recorder.mark_sending(state, step),
        )

    def _after_failure(self, runbook: Runbook, step: Step, message: str) -> str:
        if step.on_failure.mode == "continue":
            return sequential_next(runbook, step)
        if step.on_failure.mode == "goto" and step.on_failure.target:
            return step.on_failure.target
        raise _Abort(f"step {step.id}: {message}")
