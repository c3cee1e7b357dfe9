"""A reviewed stacks plan that owns its change sets: `execute` runs it, audited as intent then
outcome; `close` deletes every change set that did not run, however the flow ended (declined,
screen closed, Ctrl-C, runbook abort, an upstream that failed, nothing to change)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar, Unpack

from opsconsole.app.audit import AuditScope, AuditTrail, ChangeRecord
from opsconsole.app.context import AppContext
from opsconsole.app.stack_audit import StackAudit
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.audit import Outcome
from opsconsole.domain.errors import InvalidInput
from opsconsole.domain.stacks import DeployHooks, EnvironmentPlan, StackOutcome, StackStatus
from opsconsole.stacks.engine import DeployEngine

T = TypeVar("T")

STOPPED = "stopped watching; stack operations already started go on in AWS"


@dataclass(eq=False, repr=False)
class StackReview:
    """One plan of one environment's stacks, between review and execution.

    Use it as a context manager, or call `close()` in a `finally`: whatever was not executed is
    deleted then. Executing consumes only the stacks that ran.
    """

    _context: AppContext
    _engine: DeployEngine
    plan: EnvironmentPlan
    _scope: AuditScope
    _reason: str | None
    _stack_audit: StackAudit
    _executed: bool = field(default=False, init=False)

    @property
    def environment(self) -> str:
        return self.plan.environment

    @property
    def warnings(self) -> list[str]:
        """What the offline validation could not check or only warns about (cfn-lint warnings,
        AllowedPatterns with no Python translation)."""
        return list(self._engine.estate.warnings)

    @property
    def has_changes(self) -> bool:
        return self.plan.has_changes

    def __enter__(self) -> StackReview:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def execute(self, **hooks: Unpack[DeployHooks]) -> list[StackOutcome]:
        """Run the plan in dependency order; after a failure nothing downstream of it starts.

        A stack deferred at planning gets its change set once its upstreams are deployed;
        `approve_deferred` reviews that plan before it runs (in a protected environment the
        front-end asks for the environment's name again).

        The audit trail gets the intent before the first change set runs and the outcome after:
        ok, failed naming the first failing stack, or interrupted (Ctrl-C, or `stop` set).
        Ctrl-C on the calling thread stops the watching, never the stack operations, and is
        raised again once the engine has returned.

        Raises:
            ReadOnlyViolation: the console or the environment is read-only.
            InvalidInput: the review was executed already.
            OpsError: the deploy could not run at all (audited as failed).
        """
        self._context.writable(self._context.environment(self.environment), "stacks deploy")
        if self._executed:
            raise InvalidInput("this review was executed already; plan again")
        self._executed = True
        stop = hooks.get("stop") or threading.Event()
        on_outcome = hooks.get("on_outcome")
        details = {"stacks": {p.stack_name: p.action.value for p in self.plan.stacks}}
        trail: AuditTrail = self._context.audit

        def reported(outcome: StackOutcome) -> None:
            self._stack_audit.settled(outcome)
            if on_outcome is not None:
                on_outcome(outcome)

        environment = self._context.environment(self.environment)
        with (
            self._context.guarded(environment, f"stacks deploy ({len(self.plan.stacks)} stacks)"),
            trail.change(
                ActionKind.STACKS_DEPLOY, self._scope, reason=self._reason, details=details
            ) as record,
        ):
            try:
                outcomes = run_watchable(
                    lambda: self._engine.execute(
                        self.plan,
                        on_events=hooks.get("on_events"),
                        on_outcome=reported,
                        stop=stop,
                        approve=hooks.get("approve_deferred"),
                    ),
                    stop,
                )
            finally:
                self._stack_audit.unsettled(STOPPED)
            settle(record, outcomes, stopped=stop.is_set())
        return outcomes

    def close(self) -> list[str]:
        """Delete every change set of this review that did not run (safe to call again).

        Returns:
            The stacks whose change sets were deleted.
        """
        return self._engine.discard()


def settle(record: ChangeRecord, outcomes: list[StackOutcome], *, stopped: bool) -> None:
    """The outcome of a deploy from its stacks' outcomes: the first failure, else interrupted if stopped."""
    record.details["outcomes"] = {o.stack_name: o.status.value for o in outcomes}
    failed = [o for o in outcomes if not o.succeeded and o.status is not StackStatus.IN_PROGRESS]
    if failed:
        record.fail(f"{failed[0].stack_name}: {failed[0].message}")
    elif stopped:
        record.outcome = Outcome.INTERRUPTED
        record.error = STOPPED


def run_watchable(work: Callable[[], T], stop: threading.Event) -> T:
    """Run `work` on its own thread: Ctrl-C on the caller's thread sets `stop`, waits for `work`
    to return (it stops watching, the stack operations go on) and is then raised again."""
    result: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(work())
        except BaseException as e:  # raised again on the caller's thread
            failure.append(e)

    worker = threading.Thread(target=run, name="stacks-execute", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
    except KeyboardInterrupt:
        stop.set()
        worker.join()
        raise
    if failure:
        raise failure[0]
    return result[0]
