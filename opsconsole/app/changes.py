"""A change as data (planned calls), and the one place that sends it: read-only check, audit intent,
the calls, audit outcome. ECS, RDS and Zabbix actions, from the TUI, the CLI or a runbook, all go
through `ChangeRunner.execute`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from opsconsole.app.audit import AuditScope, ChangeRecord
from opsconsole.app.context import AppContext
from opsconsole.aws.errors import aws_errors
from opsconsole.domain.action_kinds import ActionKind, Backend
from opsconsole.domain.actions import ActionResult, PlannedCall
from opsconsole.domain.environment import Environment, RoleTier
from opsconsole.domain.errors import BackendError
from opsconsole.domain.identity import RoleSession


@dataclass(frozen=True)
class Change:
    """What an action would do, read and checked but not yet sent: front-ends show `summary`
    and `calls`, confirm where `protected`, then hand it back to `ChangeRunner.execute`."""

    kind: ActionKind
    environment: Environment
    target: str
    calls: tuple[PlannedCall, ...]
    summary: str
    tier: RoleTier
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def protected(self) -> bool:
        return self.environment.protected

    def result(self, *, dry_run: bool, details: dict[str, Any] | None = None) -> ActionResult:
        return ActionResult(
            self.kind.value, self.environment.name, self.target, dry_run, self.calls, dict(details or {})
        )


def change(
    kind: ActionKind,
    env: Environment,
    target: str,
    calls: list[PlannedCall] | tuple[PlannedCall, ...],
    summary: str,
    *,
    tier: RoleTier | None = None,
    details: dict[str, Any] | None = None,
) -> Change:
    """A Change at the kind's own tier unless `tier` raises or lowers it (`--role`)."""
    return Change(kind, env, target, tuple(calls), summary, tier or kind.spec.tier, dict(details or {}))


class ChangeRunner:
    """Sends planned changes, audited as intent then outcome."""

    def __init__(self, context: AppContext) -> None:
        self._context = context

    def execute(
        self,
        planned: Change,
        *,
        reason: str | None,
        dry_run: bool = False,
        on_sending: Callable[[], None] | None = None,
    ) -> ActionResult:
        """Send the change's calls in order, or only return them in a dry run.

        `on_sending` runs after the intent is on disk and before the first call (a runbook marks
        its step as sending there, so a resume never sends it twice by itself).

        Raises:
            ReadOnlyViolation: the console or the environment is read-only (not for a dry run).
            AccessDenied: the tier may not make a call; names the tier that would allow it.
            OpsError: a call failed; the outcome record names it and the calls done before it.
        """
        if dry_run:  # sends nothing, so read-only consoles may look too
            return planned.result(dry_run=True)
        self._context.writable(planned.environment, planned.kind.spec.label)
        scope, session = self._scope(planned, reason)
        details = {"target": planned.target, "summary": planned.summary, **planned.details}
        details["calls"] = [call.describe() for call in planned.calls]
        answers: list[Any] = []
        with (
            self._context.guarded(planned.environment, planned.summary),
            self._context.audit.change(planned.kind, scope, reason=reason, details=details) as record,
        ):
            if on_sending is not None:
                on_sending()
            for call in planned.calls:
                answers.append(self._send(planned, call, session, record))
        # A Zabbix answer names what it made (maintenanceids), which a runbook's next step may need.
        last = answers[-1] if answers else None
        return planned.result(dry_run=False, details={"result": last} if last is not None else None)

    def _scope(self, planned: Change, reason: str | None) -> tuple[AuditScope, RoleSession | None]:
        """The role session (assumed now, before anything is sent) and the audit scope it gives."""
        if planned.kind.spec.backend is Backend.ZABBIX:
            return AuditScope.of_environment(planned.environment, planned.tier), None
        session = self._context.broker.session(planned.environment.name, planned.tier, reason)
        return AuditScope.of_session(session), session

    def _send(
        self, planned: Change, call: PlannedCall, session: RoleSession | None, record: ChangeRecord
    ) -> Any:
        """One call; Zabbix's answer is returned (it names what it made), AWS's is not (it is large
        and says no more than the planned call)."""
        answer = None
        if call.service == "zabbix":
            # maintenance.delete takes a bare list of ids as its params.
            delete = call.operation == "maintenance.delete"
            params: Any = call.params["maintenanceids"] if delete else call.params
            answer = self._context.backends.zabbix().call(call.operation, params)
        elif session is None:
            raise BackendError(f"{call.describe()} needs an AWS role session")
        else:
            what = f"{planned.kind.spec.label} {planned.target}"
            with aws_errors(session, call.service, what):
                client = self._context.broker.client(planned.environment.name, planned.tier, call.service)
                getattr(client, call.operation)(**call.params)
        record.details.setdefault("done", []).append(call.describe())
        return answer
